"""``semtrack analyze VIDEO``: one video (and its trace) in, a results folder out."""
import os
import sys
import warnings

from calibration import InputError

from ._errors import to_flags
from ._options import (  # noqa: F401 - parse_point/parse_counter_electrode: public here
    SIDES,
    CropAction,
    check_number,
    parse_counter_electrode,
    parse_point,
)

#: One line for ``semtrack --help``.
HELP = 'analyse one video (and its potentiostat trace)'


def add_analysis_options(parser, *, batch=False):
    """The per-video options, the same in ``analyze`` and ``batch``.

    With ``batch``, each applies to every video (a manifest column wins for its row) and
    the synchronisation options are left to the caller.
    """
    every = " for every video" if batch else ""
    g = parser.add_argument_group("calibration")
    size = g.add_mutually_exclusive_group()
    size.add_argument("--pixel-size", "--pixel-size-um", dest="pixel_size", type=float,
                      metavar="UM", help="pixel size in µm" + every + " (overrides file "
                      "metadata and the scale bar)")
    size.add_argument("--scale-bar-um", type=float, metavar="UM",
                      help="length of the scale bar in the data bar, in µm")
    g.add_argument("--fps", type=float, help="frame rate for TIFF stacks / frame folders "
                   "without times")
    g.add_argument("--tilt", "--tilt-deg", dest="tilt", type=float, default=None,
                   metavar="DEG", help="stage tilt in degrees (default 0)")
    g.add_argument("--crop", action=CropAction, metavar="T,B,L,R",
                   help="region to analyse in px: TOP,BOTTOM,LEFT,RIGHT (default: all but "
                   "the detected data bar)")
    g = parser.add_argument_group("geometry")
    g.add_argument("--electrode", metavar="X,Y", help="electrode centre in px "
                   "(default: found automatically)")
    g.add_argument("--counter-electrode", metavar="X,Y|left|right|top|bottom",
                   help="where the counter electrode is: a point in px or a side (default: "
                   "found when visible)")
    g = parser.add_argument_group("potentiostat trace (CSV)")
    g.add_argument("--columns", metavar="Q=NAME,...",
                   help="trace CSV column mapping, e.g. time=Time,voltage=Ewe,current=I")
    g.add_argument("--units", metavar="Q=UNIT,...",
                   help="trace CSV units when its header lacks them, e.g. current=mA")
    if batch:
        return
    g = parser.add_argument_group("synchronisation (t_trace = t_video + offset)")
    sync = g.add_mutually_exclusive_group()
    sync.add_argument("--sync-offset", type=float, metavar="S",
                      help="clock offset in s")
    sync.add_argument("--sync", choices=("auto", "span", "absolute"),
                      help="how to find the offset (default: auto; absolute only when asked, "
                      "the start times come from two computers)")
    g.add_argument("--sync-window", metavar="LO,HI",
                   help="range of offsets in s the automatic synchronisation searches")


def add_output_options(parser):
    """What to write besides the tables: the same in ``analyze`` and ``batch``."""
    parser.add_argument("--no-overlay", action="store_true", help="do not write overlay.mp4")
    parser.add_argument("--no-report", action="store_true", help="do not write report.html")


def analysis_kwargs(args, *, given_only=False):
    """Keyword arguments of :func:`vision.analyze` from parsed options, checked.

    With ``given_only`` (batch defaults), only the options the user gave.
    """
    kwargs = dict(
        pixel_size_um=check_number(args.pixel_size, "--pixel-size", positive=True),
        scale_bar_um=check_number(args.scale_bar_um, "--scale-bar-um", positive=True),
        fps=check_number(args.fps, "--fps", positive=True),
        tilt_deg=check_number(args.tilt, "--tilt"),
        crop=args.crop,
        electrode=None if args.electrode is None else parse_point(args.electrode,
                                                                  "--electrode"),
        counter_electrode=parse_counter_electrode(args.counter_electrode),
        sync_offset_s=check_number(getattr(args, "sync_offset", None), "--sync-offset"),
        sync=getattr(args, "sync", None),
        trace_columns=args.columns, trace_units=args.units,
        search_s=parse_sync_window(getattr(args, "sync_window", None)))
    if args.columns is not None or args.units is not None:
        from electrochem import parse_column_options  # a bad mapping: exit 2 before any work

        parse_column_options(args.columns, args.units)
    if kwargs["tilt_deg"] is not None and not -90 < kwargs["tilt_deg"] < 90:
        raise InputError(f"--tilt must be between -90 and 90 degrees, got {args.tilt:g}")
    if given_only:
        return {k: v for k, v in kwargs.items() if v is not None}
    if kwargs["tilt_deg"] is None:
        kwargs["tilt_deg"] = 0.0
    return kwargs


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
        "analyze", aliases=["analyse"], help=HELP,
        description="Track whiskers, the lateral front and cracks in one SEM video, fuse "
        "them with the potentiostat trace, and write a results folder (summary.json, "
        "frames.csv, whiskers.csv, events.csv, overlay.mp4, report.html). semtrack "
        "replaces only a results folder it wrote: a file of yours inside it (notes.txt) "
        "stops the run before any work.")
    p.add_argument("video", help="MP4/AVI/MKV/MOV, multi-page TIFF, or folder of frames")
    p.add_argument("--trace", help="potentiostat file (EC-Lab .mpt/.mpr, CSV)")
    add_analysis_options(p)
    p.add_argument("--out", help="results folder (default: <video name>_results next to "
                   "the video)")
    add_output_options(p)
    p.set_defaults(func=run)


def missing_input(video, trace):
    """The error :func:`vision.analyze` gives for a missing trace or video, or None.

    Checked before the analysis modules load (pandas, PyAV, OpenCV: ~0.6 CPU s), so that a
    mistyped path is reported at once: the same message, in the same order (the trace
    first) as ``vision.analyze`` (a test compares the two).
    """
    if trace is not None and not os.path.exists(trace):
        return InputError("no such trace file; check trace", path=trace)
    path = os.path.expanduser(video)
    if not os.path.exists(path):
        from pathlib import Path
        return InputError("no such file or folder; check the path", path=Path(path))
    return None


def run(args):
    from .._shared._fileio import check_output_dir

    kwargs = analysis_kwargs(args)
    quiet = getattr(args, "quiet", False)
    video = os.path.abspath(args.video.rstrip(os.sep))
    name = os.path.splitext(os.path.basename(video))[0]
    out = args.out or os.path.join(os.path.dirname(video), f"{name}_results")
    check_output_dir(out)  # before the analysis, not after it
    missing = missing_input(args.video, args.trace)
    if missing is not None:
        raise missing
    from ..pipeline._analyze import analyze

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # they are in summary["warnings"], printed below
        result = analyze(args.video, trace=args.trace, progress=not quiet,
                         keep_frames=not args.no_overlay, **kwargs)
        out = result.save(out, overlay=not args.no_overlay, report=not args.no_report,
                          progress=not quiet)
    s = result.summary
    from ..pipeline._report import growth_mode_text

    t_short = s.get("short_circuit_time_s")
    print(f"{name}: failure mode {s['failure_mode']} (confidence {s['failure_confidence']}), "
          f"short circuit {'yes' if s['short_circuit'] else 'no'}"
          + (f" at {t_short:.2f} s" if s["short_circuit"] and t_short is not None else ""))
    print(f"  growth modes {growth_mode_text(s)}")
    if s["max_growth_rate_um_s"] is not None:
        print(f"  max growth rate {s['max_growth_rate_um_s']:.3f} µm/s -> local current "
              f"density {s['max_local_current_density_A_cm2']:.3f} A/cm2")
    for w in s["warnings"]:
        print(f"  warning: {to_flags(w)}", file=sys.stderr)
    print(f"results: {out}")
    if not args.no_report:
        print(f"report:  {os.path.join(out, 'report.html')}")
    return 0
