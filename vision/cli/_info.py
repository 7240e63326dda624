"""``semtrack info``: what a video holds (frames, timing, duplicates, data bar)."""
import sys
import warnings

from ._options import CropAction

#: One line for ``semtrack --help``.
HELP = 'print frames, size, fps, duration, start time, duplicate/torn frames and the data bar of a video'

def add_parser(subparsers):
    p = subparsers.add_parser(
        "info", help=HELP,
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
    lines.append("data bar:    " + (f"rows {bar.top}:{bar.bottom}, cols {bar.left}:{bar.right}"
                                    if bar else "none found"))
    print("\n".join(lines))
    return 0
