"""``semtrack analyze VIDEO``: one video (and its trace) in, a results folder out."""
import argparse
import os
import sys
import warnings

from calibration import InputError

from ._errors import to_flags

SIDES = ("left", "right", "top", "bottom")


#: One line for ``semtrack --help``.
HELP = 'analyse one video (and its potentiostat trace)'

def parse_point(text, option):
    """'X,Y' -> (x, y) floats in px; InputError naming the option otherwise."""
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"{option} takes X,Y in pixels (e.g. 256,190), not {text!r}") from None
    return x, y


def parse_counter_electrode(text):
    """'left|right|top|bottom' or 'X,Y' (px)."""
    if text is None:
        return None
    if text.lower() in SIDES:
        return text.lower()
    return parse_point(text, "--counter-electrode")


def add_analysis_options(parser):
    """The calibration, geometry and synchronisation options of ``analyze``."""
    g = parser.add_argument_group("calibration")
    size = g.add_mutually_exclusive_group()
    size.add_argument("--pixel-size", type=float, metavar="UM",
                      help="pixel size in um (overrides file metadata and the scale bar)")
    size.add_argument("--scale-bar-um", type=float, metavar="UM",
                      help="length of the scale bar in the data bar, in um")
    g.add_argument("--fps", type=float, help="frame rate for TIFF stacks / frame folders "
                   "without times")
    g.add_argument("--tilt", type=float, default=0.0, metavar="DEG",
                   help="stage tilt in degrees (default 0)")
    g.add_argument("--crop", metavar="TOP,BOTTOM,LEFT,RIGHT",
                   help="region to analyse in px (default: all but the detected data bar)")
    g = parser.add_argument_group("geometry")
    g.add_argument("--electrode", metavar="X,Y", help="electrode centre in px "
                   "(default: found automatically)")
    g.add_argument("--counter-electrode", metavar="X,Y|left|right|top|bottom",
                   help="where the counter electrode is (default: found when visible)")
    g = parser.add_argument_group("synchronisation (t_trace = t_video + offset)")
    sync = g.add_mutually_exclusive_group()
    sync.add_argument("--sync-offset", type=float, metavar="S",
                      help="clock offset in s")
    sync.add_argument("--sync", choices=("auto", "span", "absolute"),
                      help="how to find the offset (default: auto; absolute only when asked, "
                      "the start times come from two computers)")
    g.add_argument("--sync-window", metavar="LO,HI",
                   help="range of offsets in s the automatic synchronisation searches")


def analysis_kwargs(args):
    """Keyword arguments of :func:`vision.analyze` from parsed options."""
    crop = None
    if args.crop:
        try:
            crop = tuple(int(v) for v in args.crop.split(","))
            assert len(crop) == 4
        except (ValueError, AssertionError):
            raise InputError(f"--crop takes TOP,BOTTOM,LEFT,RIGHT in px, not {args.crop!r}") \
                from None
    return dict(
        pixel_size_um=args.pixel_size, scale_bar_um=args.scale_bar_um, fps=args.fps,
        tilt_deg=args.tilt, crop=crop,
        electrode=None if args.electrode is None else parse_point(args.electrode,
                                                                  "--electrode"),
        counter_electrode=parse_counter_electrode(args.counter_electrode),
        sync_offset_s=args.sync_offset, sync=args.sync,
        search_s=parse_sync_window(getattr(args, "sync_window", None)))


def parse_sync_window(text):
    """``LO,HI`` in s -> (lo, hi), or None; a one-line error otherwise."""
    if text is None:
        return None
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"--sync-window takes LO,HI in s, not {text!r}") from None
    if not lo < hi:
        raise InputError(f"--sync-window {text}: LO must be below HI")
    return lo, hi


def add_parser(subparsers):
    p = subparsers.add_parser(
        "analyze", help=HELP,
        description="Track whiskers, the lateral front and cracks in one SEM video, fuse "
        "them with the potentiostat trace, and write a results folder (summary.json, "
        "frames.csv, whiskers.csv, events.csv, overlay.mp4, report.html).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("video", help="MP4/AVI/MKV/MOV, multi-page TIFF, or folder of frames")
    p.add_argument("--trace", help="potentiostat file (EC-Lab .mpt/.mpr, CSV)")
    p.add_argument("--columns", metavar="Q=NAME,...",
                   help="trace CSV column mapping, e.g. time=Time,voltage=Ewe,current=I")
    p.add_argument("--units", metavar="Q=UNIT,...",
                   help="trace CSV units when its header lacks them, e.g. current=mA")
    add_analysis_options(p)
    p.add_argument("--out", help="results folder (default: <video name>_results next to "
                   "the video)")
    p.add_argument("--no-overlay", action="store_true", help="do not write overlay.mp4")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args):
    from .._shared._fileio import check_output_dir
    from ..pipeline._analyze import analyze

    kwargs = analysis_kwargs(args)
    video = os.path.abspath(args.video.rstrip(os.sep))
    name = os.path.splitext(os.path.basename(video))[0]
    out = args.out or os.path.join(os.path.dirname(video), f"{name}_results")
    check_output_dir(out)  # before the analysis, not after it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # they are in summary["warnings"], printed below
        result = analyze(args.video, trace=args.trace, trace_columns=args.columns,
                         trace_units=args.units, progress=not args.quiet, **kwargs)
        out = result.save(out, overlay=not args.no_overlay, progress=not args.quiet)
    s = result.summary
    print(f"{name}: failure mode {s['failure_mode']} (confidence {s['failure_confidence']}), "
          f"short circuit {'yes' if s['short_circuit'] else 'no'}")
    if s["max_growth_rate_um_s"] is not None:
        print(f"  max growth rate {s['max_growth_rate_um_s']:.3f} um/s -> local current "
              f"density {s['max_local_current_density_A_cm2']:.3f} A/cm2")
    for w in s["warnings"]:
        print(f"  warning: {to_flags(w)}", file=sys.stderr)
    print(f"results: {out}")
    print(f"report:  {os.path.join(out, 'report.html')}")
    return 0
