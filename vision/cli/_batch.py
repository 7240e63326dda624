"""``semtrack batch``: analyse a folder of videos or a manifest."""
import argparse
import sys

from calibration import InputError

from .._shared._system import default_workers

_HELP = """\
INPUT is a folder or a manifest.

Folder: videos (.mp4 .avi .mkv .mov .tif .tiff, folders of numbered PNGs) are
found recursively and each is paired with its potentiostat file (.mpt .mpr .csv
.txt) by name (whisker.mp4 <-> whisker.mpt or whisker_trace.mpt), else by
matching durations and start times; the pairing is printed. If the folder holds
manifest.toml or manifest.csv, that manifest is used instead.

Manifest (CSV or TOML): one row per video with the columns video, trace,
name, pixel_size_um, scale_bar_um, fps, tilt_deg, electrode ("x;y" px),
counter_electrode (left/right/top/bottom or "x;y"), sync_offset_s. Paths are
relative to the manifest. Other columns (sample id, notes) are copied into
results.csv as manifest.<column>. See videos/manifest.csv.

Results: DIR/<name>/ per video (as 'semtrack analyze' writes it), DIR/results.csv
and DIR/results.parquet (one row per video), DIR/batch.json (status per video).
A video with up-to-date results (same input SHA-256 and parameters) is skipped
unless --force. Exit code: 0 all done or skipped, 1 some video failed, 2 bad
input, 130 interrupted (rerun to resume).

Engines: local worker processes by default (--workers N); --scheduler sends the
work to a running Dask cluster: start 'dask scheduler' on one machine and
'dask worker tcp://HOST:8786' on each worker machine; all must see INPUT and
DIR at the same paths and have semtrack installed.
"""


#: One line for ``semtrack --help``.
HELP = 'analyse many videos (folder or manifest) in parallel'

def add_parser(subparsers):
    p = subparsers.add_parser(
        "batch", help=HELP,
        description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", metavar="INPUT", help="folder of videos, or manifest .csv/.toml")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help=f"local worker processes (default: cores available, here "
                        f"{default_workers()}); 0 = serially in this process without Dask")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask cluster, e.g. tcp://host:8786")
    p.add_argument("--force", action="store_true",
                   help="re-analyse videos whose results are up to date")
    g = p.add_argument_group(
        "analysis options for every video (as in 'semtrack analyze'; a manifest row's own "
        "value takes precedence)")
    g.add_argument("--pixel-size", "--pixel-size-um", dest="pixel_size_um", type=float,
                   metavar="UM", help="pixel size in um")
    g.add_argument("--scale-bar-um", type=float, metavar="UM",
                   help="length of the scale bar in the data bar, um")
    g.add_argument("--fps", type=float, help="frame rate for TIFF stacks / frame folders "
                                             "without timing")
    g.add_argument("--tilt", "--tilt-deg", dest="tilt_deg", type=float, metavar="DEG",
                   help="stage tilt in degrees")
    g.add_argument("--counter-electrode", choices=("left", "right", "top", "bottom"),
                   help="side of the counter electrode")
    g.add_argument("--sync", choices=("auto", "span", "absolute"),
                   help="how to find the clock offset where no sync_offset_s is given")
    g.add_argument("--sync-window", metavar="LO,HI",
                   help="range of offsets in s the automatic synchronisation searches")
    p.add_argument("--no-overlay", action="store_true", help="do not render overlay videos")
    p.add_argument("--no-report", action="store_true", help="do not write HTML reports")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no pairing table, progress bar or summary")
    p.set_defaults(func=run)


def run(args):
    from ..batch._engine import collect_batch, run_batch  # pandas, Dask: on first use

    if args.scheduler is not None and args.workers is not None:
        raise InputError("--workers applies to local workers only; with --scheduler the "
                         "cluster's workers do the work")
    defaults = {k: getattr(args, k) for k in ("pixel_size_um", "scale_bar_um", "fps",
                                              "tilt_deg", "counter_electrode", "sync")
                if getattr(args, k) is not None}
    if getattr(args, "sync_window", None) is not None:
        from ._analyze import parse_sync_window
        defaults["search_s"] = parse_sync_window(args.sync_window)
    items = collect_batch(args.input, out_dir=args.out, defaults=defaults)
    if not args.quiet:
        _print_pairing(items)
    result = run_batch(items, args.out, workers=args.workers, scheduler=args.scheduler,
                       force=args.force, overlay=not args.no_overlay,
                       report=not args.no_report,
                       progress=not args.quiet and sys.stderr.isatty())
    if not args.quiet:
        _print_summary(result)
    return 1 if result.failed else 0


def _print_pairing(items):
    print(f"{len(items)} video(s):")
    width = max(len(it.name) for it in items)
    for it in items:
        trace = it.trace.name if it.trace is not None else "-"
        print(f"  {it.name:<{width}}  {it.video.name} <-> {trace}  ({it.pairing})")


def _print_summary(result):
    for rec in result.records:
        for text in rec.get("warnings") or []:
            print(f"{rec['name']}: warning: {text}", file=sys.stderr)
    for rec in result.failed:
        error = rec["error"]
        print(error if error.startswith(rec["video"]) else f"{rec['video']}: {error}",
              file=sys.stderr)
    print(f"{result.count('done')} done, {result.count('skipped')} skipped (up to date), "
          f"{result.count('failed')} failed in {result.wall_s:.1f} s on {result.engine}; "
          f"results in {result.out_dir} (results.csv, batch.json)")
