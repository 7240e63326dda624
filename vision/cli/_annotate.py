"""``semtrack annotate``: review results in the browser, report agreement, export labels."""
import getpass
import os
import sys
from pathlib import Path

#: One line for ``semtrack --help``.
HELP = 'review results frame by frame in a local web page and label failure modes'

def add_parser(subparsers):
    parser = subparsers.add_parser(
        "annotate",
        help=HELP,
        description="Start a local web server to check semtrack's results frame by frame "
        "next to the current trace and to label failure modes and events. Labels are kept "
        "in an SQLite file with a history of every change. With --report or --export, "
        "print the agreement or write the labels instead of serving.",
    )
    parser.add_argument("results_dir", metavar="RESULTS_DIR",
                        help="a folder written by 'semtrack analyze' or 'semtrack batch'")
    parser.add_argument("--db", metavar="FILE", default=None,
                        help="label database (default: RESULTS_DIR/annotations.sqlite)")
    parser.add_argument("--port", type=int, default=8765, help="TCP port (default 8765)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this computer only)")
    parser.add_argument("--user", default=None,
                        help="your name for the change history (default: login name)")
    parser.add_argument("--report", action="store_true",
                        help="print the agreement between automatic and human labels "
                        "(confusion matrix, event-time differences) and exit")
    parser.add_argument("--export", metavar="FILE", default=None,
                        help="write all labels to FILE (.csv, .json or .xlsx) and exit")
    parser.set_defaults(func=run)
    return parser


def _default_user():
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER") or "unknown"


def run(args):
    from calibration import InputError  # noqa: PLC0415

    from .._version import __version__  # noqa: PLC0415
    from ..annotate import AnnotationService, format_agreement, serve, write_export  # noqa: PLC0415

    user = args.user or _default_user()
    if args.report or args.export:
        if args.export and Path(args.export).suffix.lower() not in (".csv", ".json", ".xlsx"):
            raise InputError("--export FILE must end in .csv, .json or .xlsx", path=args.export)
        service = AnnotationService(args.results_dir, db_path=args.db, user=user)
        try:
            if args.export:
                path = write_export(args.export, service.labelled(), service.auto_events(),
                                    version=__version__)
                print(f"wrote labels of {len(service.folders)} video(s) to {path}",
                      file=sys.stderr)
            if args.report:
                sys.stdout.write(format_agreement(service.agreement()))
        finally:
            service.close()
        return 0
    serve(args.results_dir, db_path=args.db, host=args.host, port=args.port, user=user,
          announce=lambda line: print(line, flush=True))
    return 0
