"""``semtrack info``: what a video holds (frames, timing, duplicates, data bar)."""
import sys
import warnings

from ._options import CropAction, CropHelpFormatter

#: One line for ``semtrack --help``.
HELP = 'print frames, size, fps, duration, start time, duplicate/torn frames and the data bar of a video'

def add_parser(subparsers):
    p = subparsers.add_parser(
        "info", help=HELP, formatter_class=CropHelpFormatter,
        description="Read a video (MP4/AVI/MKV/MOV, multi-page TIFF, folder of numbered "
                    "PNG/TIFF frames) once and print what semtrack sees in it.")
    p.add_argument("video", metavar="VIDEO", help="video file, TIFF stack or frame folder")
    p.add_argument("--fps", type=float, help="frame rate for frame folders and TIFF stacks "
                                             "without timing metadata")
    p.add_argument("--no-refresh", action="store_true",
                   help="skip counting duplicate and torn frames (faster)")
    p.add_argument("--crop", nargs="+", action=CropAction, metavar="T,B,L,R",  # or T B L R
                   help="region (pixels, half-open) compared for duplicates instead of "
                        "the image without its data bar")
    p.set_defaults(func=run)


def run(args):
    from ..preprocess._info import video_info  # OpenCV, PyAV: on first use

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        info = video_info(args.video, fps=args.fps, refresh=not args.no_refresh,
                          crop=args.crop)
    for w in caught:
        print(f"semtrack info: warning: {w.message}", file=sys.stderr)
    fps = f"{info['fps']:.6g}" if info["fps"] else "unknown"
    start = info["start_time"].isoformat(sep=" ") if info["start_time"] else "unknown"
    bar = info["data_bar"]
    lines = [
        f"file:        {info['path']}",
        f"format:      {info['format']}",
        f"frames:      {info['frames']}",
        f"size:        {info['cols']} x {info['rows']} px (cols x rows), {info['dtype']}",
        f"fps:         {fps} (nominal); times from {info['time_source']}",
        f"duration:    {info['duration_s']:.3f} s (time of the last frame)",
        f"start time:  {start}",
    ]
    if "duplicates" in info:
        interval = info["mean_scan_interval_s"]
        lines.append(f"duplicates:  {info['duplicates']}   torn: {info['torn']}   "
                     f"new scans: {info['new_scans']}"
                     + (f"   (one scan every {interval:.3f} s)" if interval else ""))
    if info.get("time_uncertainty_s") is not None:
        lines.append(f"frame times: from each file's acquisition time (whole seconds), "
                     f"uncertain by up to ± {info['time_uncertainty_s']:.2g} s; "
                     f"first file stamped {info['acquired_start'].isoformat(sep=' ')} "
                     "(the SEM computer's clock: not used to synchronise)")
    lines.extend(_sem_lines(info))
    lines.append("data bar:    " + (f"rows {bar.top}:{bar.bottom}, cols {bar.left}:{bar.right}"
                                    if bar else "none found"))
    print("\n".join(lines))
    return 0


def _sem_lines(info):
    """Pixel size with its source, then tilt, detector and voltage where the metadata has them."""
    px = info.get("pixel_size")
    if px is not None:
        lines = [f"pixel size:  {px.um * 1000:.4g} nm ({px.source}: {px.detail})"]
    else:
        lines = ["pixel size:  unknown (" + (info.get("pixel_size_error") or "no source")
                 + "); give --pixel-size or --scale-bar-um to analyze"]
    if info.get("stage_tilt_deg") is not None:
        lines.append(f"stage tilt:  {info['stage_tilt_deg']:.4g} deg")
    if info.get("detector"):
        lines.append(f"detector:    {info['detector']}")
    if info.get("accelerating_voltage_kV") is not None:
        lines.append(f"voltage:     {info['accelerating_voltage_kV']:.4g} kV")
    return lines
