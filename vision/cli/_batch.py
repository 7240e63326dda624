"""``semtrack batch``: analyse a folder of videos or a manifest."""
import argparse
import logging
import sys
import warnings

from calibration import InputError

from .._shared._system import default_workers
from ._analyze import add_analysis_options, add_output_options, analysis_kwargs

_HELP = """\
INPUT is a folder or a manifest.

Folder: videos (.mp4 .avi .mkv .mov .tif .tiff, folders of numbered PNGs) are
found recursively and each is paired with its potentiostat file (.mpt .mpr .csv
.txt) by name (whisker.mp4 <-> whisker.mpt or whisker_trace.mpt), else by
matching durations and start times; the pairing is printed. If the folder holds
manifest.toml or manifest.csv, that manifest is used instead.

Manifest (CSV or TOML): one row per video with the columns video, trace,
name, pixel_size_um, scale_bar_um, fps, tilt_deg, crop ("t;b;l;r" px),
electrode ("x;y" px), counter_electrode (left/right/top/bottom or "x;y"),
sync_offset_s, sync, sync_window ("lo;hi" s), columns and units (of a CSV
trace, "time=Time;current=I").
Paths are relative to the manifest. The options below apply to every video; a
manifest cell wins for its row. Other columns (sample id, notes) are copied into
results.csv as manifest.<column>; a near-miss of a known name is an error. See
videos/manifest.csv.

Results: DIR/<name>/ per video (as 'semtrack analyze' writes it), DIR/results.csv
and DIR/results.parquet (one row per video), DIR/batch.json (status and warnings
per video), DIR/max_rate_vs_potential.png (all videos), and a table at the end.
semtrack replaces only what it wrote: DIR must be new, empty or a batch output,
and a file of yours inside DIR/<name>/ stops the batch before any work (exit 2).
A video with up-to-date results (same input SHA-256 and parameters) is skipped
unless --force. Exit code: 0 all done or skipped, 1 some video failed, 2 bad
input, 130 interrupted (rerun to resume).

Engines: local worker processes by default (--workers N); --scheduler sends the
work to a running Dask cluster: start 'dask scheduler' on one machine and
'dask worker tcp://HOST:8786' on each worker machine; all must see INPUT and
DIR at the same paths and have semtrack installed.
"""


logger = logging.getLogger(__name__)

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
    add_analysis_options(p, batch=True)
    g = p.add_argument_group("synchronisation for every video (t_trace = t_video + offset)")
    g.add_argument("--sync-offset", type=float, metavar="S", help="clock offset in s")
    g.add_argument("--sync", choices=("auto", "span", "absolute"),
                   help="how to find the clock offset where no sync_offset_s is given")
    g.add_argument("--sync-window", metavar="LO,HI",
                   help="range of offsets in s the automatic synchronisation searches")
    add_output_options(p)
    p.set_defaults(func=run)


def run(args):
    from ..batch._engine import collect_batch, run_batch  # pandas, Dask: on first use

    if args.scheduler is not None and args.workers is not None:
        raise InputError("--workers applies to local workers only; with --scheduler the "
                         "cluster's workers do the work")
    if args.workers is not None and args.workers < 0:
        raise InputError(f"--workers must be >= 0, got {args.workers}")
    if args.sync is not None and args.sync_offset is not None:
        raise InputError("give --sync-offset or --sync, not both")
    defaults = analysis_kwargs(args, given_only=True)  # bad values: exit 2 before any work
    quiet = getattr(args, "quiet", False)
    with warnings.catch_warnings(record=True) as caught:  # no raw warnings on stderr
        warnings.simplefilter("always")
        items = collect_batch(args.input, out_dir=args.out, defaults=defaults)
    for w in caught:  # pairing probes: the analysis reports what matters per video
        logger.info("while pairing: %s", w.message)
    if not quiet:
        _print_pairing(items)
    result = run_batch(items, args.out, workers=args.workers, scheduler=args.scheduler,
                       force=args.force, overlay=not args.no_overlay,
                       report=not args.no_report,
                       progress=not quiet)
    _print_summary(result, quiet=quiet)
    return 1 if result.failed else 0


def _print_pairing(items):
    print(f"{len(items)} video(s):")
    width = max(len(it.name) for it in items)
    for it in items:
        trace = it.trace.name if it.trace is not None else "-"
        print(f"  {it.name:<{width}}  {it.video.name} <-> {trace}  ({it.pairing})")


def _print_summary(result, *, quiet=False):
    from ..batch._summary import format_table

    for rec in result.failed:
        error = rec["error"]
        print(error if error.startswith(rec["video"]) else f"{rec['video']}: {error}",
              file=sys.stderr)
    if quiet:
        return
    n_warn = sum(len(r.get("warnings") or []) for r in result.records)
    print(format_table(result))
    print(f"{result.count('done')} done, {result.count('skipped')} skipped (up to date), "
          f"{result.count('failed')} failed in {result.wall_s:.1f} s on {result.engine}; "
          f"results in {result.out_dir} (results.csv, batch.json"
          + (f"; {n_warn} warning(s) per video there" if n_warn else "") + ")")
