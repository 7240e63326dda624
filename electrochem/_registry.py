"""The potentiostat file readers, and :func:`read_trace` that picks one.

A reader is registered once, with its name, the file extensions it
claims, a sniff function (does this file look like mine?) and its read
function. Everything that needs a list of trace file types derives it from
here: :data:`TRACE_EXTENSIONS` (``semtrack batch`` pairing, the CLI help).
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from calibration import InputError

from ._delimited import read_delimited
from ._mpr import looks_like_mpr, read_mpr
from ._mpt import looks_like_mpt, read_mpt
from ._trace import Trace, check_technique

__all__ = ["EmptyTraceError", "TraceReader", "TRACE_READERS", "TRACE_EXTENSIONS", "KNOWN_EXTENSIONS",
           "known_trace_formats", "read_trace"]


@dataclasses.dataclass(frozen=True)
class TraceReader:
    """One potentiostat file format.

    Attributes
    ----------
    name : str
        Short name (``'eclab-text'``).
    extensions : tuple of str
        Lower-case file extensions with the dot that this reader claims.
    sniff : callable
        ``sniff(path) -> bool``: the file's first bytes look like this
        format (used for extensions several formats share, e.g. ``.txt``).
    read : callable
        ``read(path, **options) -> Trace``.
    description : str
        One line for help texts.
    """

    name: str
    extensions: tuple[str, ...]
    sniff: Callable[[Path], bool]
    read: Callable[..., Trace]
    description: str = ""


def _always(path: Path) -> bool:
    return True


def _read_mpt(path, **_options):
    return read_mpt(path)


def _read_mpr(path, **_options):
    return read_mpr(path)


def _read_delimited(path, *, columns=None, units=None, **_options):
    return read_delimited(path, columns=columns, units=units)


#: The readers, most specific first: for a file whose extension several
#: readers claim, the first whose sniff accepts it reads it.
TRACE_READERS: tuple[TraceReader, ...] = (
    TraceReader("eclab-binary", (".mpr",), looks_like_mpr, _read_mpr,
                "EC-Lab binary (.mpr)"),
    TraceReader("eclab-text", (".mpt", ".txt"), looks_like_mpt, _read_mpt,
                "EC-Lab text export (.mpt; also a .txt that starts with 'EC-Lab ASCII FILE')"),
    TraceReader("delimited", (".csv", ".tsv", ".txt"), _always, _read_delimited,
                "delimited text with a header line (.csv, .tsv, .txt)"),
)

#: Every file extension :func:`read_trace` reads (lower case, with the dot).
TRACE_EXTENSIONS: tuple[str, ...] = tuple(dict.fromkeys(
    ext for reader in TRACE_READERS for ext in reader.extensions))

#: Old name of :data:`TRACE_EXTENSIONS`, kept for callers of 0.1.
KNOWN_EXTENSIONS = TRACE_EXTENSIONS


def known_trace_formats() -> tuple[TraceReader, ...]:
    """The registered potentiostat readers, in the order they are tried."""
    return TRACE_READERS


def _pick_reader(path: Path) -> TraceReader:
    ext = path.suffix.lower()
    claiming = [r for r in TRACE_READERS if ext in r.extensions]
    if not claiming:
        raise InputError(
            f"unknown potentiostat file type {ext or '(no extension)'!r}; "
            f"known: {', '.join(TRACE_EXTENSIONS)}", path=path)
    if len(claiming) == 1:
        return claiming[0]
    for reader in claiming:
        if reader.sniff(path):
            return reader
    return claiming[-1]


class EmptyTraceError(InputError):
    """The potentiostat file holds no data rows (a Wait step, an interrupted run).

    A subclass of :class:`calibration.InputError`, so callers that go on
    without the trace on bad input do so here too; pass
    ``read_trace(..., allow_empty=True)`` to get the empty trace instead.
    """


def read_trace(path: str | os.PathLike, *, technique: str | None = None,
               columns: dict | str | None = None,
               units: dict | str | None = None,
               allow_empty: bool = False) -> Trace:
    """Read a potentiostat file into a :class:`Trace`.

    Parameters
    ----------
    path : str or os.PathLike
        ``.mpt`` (EC-Lab text export), ``.mpr`` (EC-Lab binary),
        ``.csv``, ``.tsv`` or ``.txt`` (delimited text; a ``.txt`` starting
        with ``EC-Lab ASCII FILE`` is read as ``.mpt``).
    technique : str, optional
        Technique code (one of :data:`TECHNIQUES`); overrides what the file
        says. Needed for CSV files if analyses should know it.
    columns : dict or str, optional
        For delimited text: mapping of our quantity (``time``, ``voltage``,
        ``current``, ``control``) to the file's column name.
    units : dict or str, optional
        For delimited text: mapping of quantity to unit (``s``, ``min``,
        ``h``, ``V``, ``mV``, ``A``, ``mA``, ``uA``, ``nA``) when the header
        does not carry it.
    allow_empty : bool
        Return a file without data rows as an empty trace (with a warning in
        :attr:`Trace.warnings`) instead of raising :class:`EmptyTraceError`.

    Returns
    -------
    Trace
        ``time_s`` in seconds on the trace clock (the potentiostat's own
        time axis, 0 s at its acquisition start). A file with a single row
        or no current column gives a trace with :attr:`Trace.warnings` set
        (and logged); one with no rows, see `allow_empty`.

    Raises
    ------
    EmptyTraceError
        The file holds no data rows and `allow_empty` is False.
    calibration.InputError
        Unknown format, no time or potential column, time going backwards,
        mixed decimal separators, an ``.mpr`` that cannot be decoded. The
        message names the file and the column or line.
    """
    path = Path(os.fspath(path))
    if technique is not None:
        technique = check_technique(technique)
    if not path.is_file():
        raise InputError("no such file; check the path", path=path)
    reader = _pick_reader(path)
    trace = reader.read(path, columns=columns, units=units)
    if len(trace.data) == 0 and not allow_empty:
        raise EmptyTraceError("the file holds no data rows (a Wait step or an interrupted run?): "
                              "nothing to analyse; export the technique that recorded data",
                              path=path)
    if technique is not None:
        trace.technique = technique
    return trace
