"""The ``semtrack`` command: a thin layer of subcommands over library calls.

Each subcommand lives in its own module ``vision/cli/_<name>.py`` which
defines ``add_parser(subparsers)``; the parser it adds sets ``func`` to a
callable ``run(args) -> int``.
"""
import argparse
import importlib
import logging
import os
import sys

from calibration import InputError

from .._version import __version__
from ._errors import to_flags
from ._options import add_common_options

#: Other spellings of subcommands (the help text writes "analyse").
ALIASES = {"analyse": "analyze"}

#: Subcommand modules, in the order ``semtrack --help`` lists them.
SUBCOMMANDS = (
    "analyze",
    "annotate",
    "batch",
    "info",
    "synth",
    "trace",
)


def _command_of(argv):
    """The subcommand named in ``argv`` (the first word that is not an option), or None."""
    for word in argv:
        if not word.startswith("-"):
            word = ALIASES.get(word, word)
            return word if word in SUBCOMMANDS else None
    return None


def build_parser(command=None, *, all_commands=True):
    """The ``semtrack`` argument parser.

    Parameters
    ----------
    command : str, optional
        The subcommand that will run: its options are added in full.
    all_commands : bool
        Add the options of every subcommand. With False, the others get only their
        one-line help, so ``semtrack --help`` and one command start without importing
        what the other commands need (the synthetic renderer, pandas, ...).
    """
    parser = argparse.ArgumentParser(
        prog="semtrack",
        description="Analyse in-situ SEM videos of lithium growing on solid "
        "electrolytes: whiskers, lateral dendrites, cracks, fused with the "
        "potentiostat trace.",
    )
    parser.add_argument("--version", action="version",
                        version=f"semtrack {__version__}")
    add_common_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"vision.cli._{name}")
        if all_commands or name == command:
            module.add_parser(sub)
        else:
            sub.add_parser(name, help=module.HELP,
                           aliases=[a for a, n in ALIASES.items() if n == name])
    for name, p in sub.choices.items():
        if name not in ALIASES:  # an alias shares its command's parser
            add_common_options(p)
    return parser


#: Environment variables that hold BLAS/OpenMP libraries to one thread when they load.
_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "BLIS_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def _one_math_thread():
    """No hidden BLAS/OpenMP threads in the command (issue 14).

    OpenBLAS starts a thread for a float64 dot product and keeps it spinning on a
    core: measured 12 % more wall time and 45 % more CPU with nothing gained.
    Libraries not loaded yet read the environment (a user's own setting wins);
    those already loaded are limited through threadpoolctl.
    """
    for name in _THREAD_ENV:
        os.environ.setdefault(name, "1")
    if "numpy" in sys.modules:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=1)


def main(argv=None):
    """Run the command line; return the exit code.

    Exit codes: 0 success, 1 some work failed (e.g. a video in a batch),
    2 bad input or usage.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_of(argv), all_commands=False)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage error (2), --help or --version (0)
        return exc.code if isinstance(exc.code, int) else 2
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=logging.ERROR if args.quiet and not args.verbose else level,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    _one_math_thread()
    from .._shared._system import steady_allocator
    steady_allocator()
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"semtrack {args.command}: error: {to_flags(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("semtrack: interrupted", file=sys.stderr)
        return 130
