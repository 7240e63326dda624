"""The :class:`Trace` container and the reader that picks a format.

A trace is one potentiostat record as a :class:`pandas.DataFrame` whose
column names carry their unit (``time_s``, ``voltage_V``, ``current_A``,
``control_V`` or ``control_A``, ...) plus the metadata a researcher needs to
normalise it (technique, acquisition start, electrode area).
"""
from __future__ import annotations

import dataclasses
import datetime
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from calibration import InputError

logger = logging.getLogger(__name__)

__all__ = ["Trace", "read_trace", "KNOWN_EXTENSIONS", "TECHNIQUES"]

#: File extensions :func:`read_trace` knows.
KNOWN_EXTENSIONS = (".mpt", ".mpr", ".csv", ".tsv", ".txt")

#: Technique codes used in :attr:`Trace.technique`.
TECHNIQUES = ("CA", "CP", "PEIS", "GEIS", "GCPL", "CV", "LSV", "OCV", "MB")


@dataclasses.dataclass
class Trace:
    """One potentiostat record.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per data point. Always has ``time_s`` (seconds on the trace
        clock, i.e. since the acquisition start, as the file writes it),
        ``voltage_V`` (working-electrode potential) and ``current_A`` (signed
        as EC-Lab writes it: plating/cathodic negative; all NaN when the file
        has no current). ``control_V`` / ``control_A`` when the file has a
        control column. Other columns keep their meaning with the unit in the
        name (``frequency_Hz``, ``z_real_ohm``, ``z_imag_ohm``, ...).
    technique : str or None
        Short technique code, one of :data:`TECHNIQUES`, or None if unknown.
    start_time : datetime.datetime or None
        Timezone-naive acquisition start (local time of the instrument).
    electrode_area_cm2 : float or None
        Electrode area written in the file, in cm^2.
    path : pathlib.Path or None
        The file read.
    metadata : dict
        Further header entries (device, EC-Lab version, ...), as strings.
    """

    data: pd.DataFrame
    technique: str | None = None
    start_time: datetime.datetime | None = None
    electrode_area_cm2: float | None = None
    path: Path | None = None
    metadata: dict = dataclasses.field(default_factory=dict)


def read_trace(path, *, technique=None, columns=None, units=None):
    """Read a potentiostat file into a :class:`Trace`.

    Parameters
    ----------
    path : str or os.PathLike
        ``.mpt`` (EC-Lab text export), ``.mpr`` (EC-Lab binary; needs the
        optional extra ``pip install semtrack[mpr]``), ``.csv``, ``.tsv`` or
        ``.txt`` (delimited text; a ``.txt`` starting with ``EC-Lab ASCII
        FILE`` is read as ``.mpt``).
    technique : str, optional
        Technique code (one of :data:`TECHNIQUES`); overrides what the file
        says. Needed for CSV files if analyses should know it.
    columns : dict, optional
        For delimited text: mapping of our quantity (``time``, ``voltage``,
        ``current``, ``control``) to the file's column name.
    units : dict, optional
        For delimited text: mapping of quantity to unit (``s``, ``min``,
        ``h``, ``V``, ``mV``, ``A``, ``mA``, ``uA``, ``nA``) when the header
        does not carry it.

    Returns
    -------
    Trace

    Raises
    ------
    calibration.InputError
        Unknown format, missing or unknown columns, empty data, time going
        backwards, mixed decimal separators, unsupported ``.mpr`` version or
        missing optional reader. The message names the file and the column or
        line.
    """
    path = Path(os.fspath(path))
    if technique is not None:
        technique = _check_technique(technique)
    if not path.is_file():
        raise InputError("no such file; check the path", path=path)
    ext = path.suffix.lower()
    if ext not in KNOWN_EXTENSIONS:
        raise InputError(
            f"unknown potentiostat file type {ext or '(no extension)'!r}; "
            f"known: {', '.join(KNOWN_EXTENSIONS)}", path=path)
    if ext == ".mpr":
        from ._mpr import read_mpr
        trace = read_mpr(path)
    elif ext == ".mpt" or _looks_like_mpt(path):
        from ._mpt import read_mpt
        trace = read_mpt(path)
    else:
        from ._delimited import read_delimited
        trace = read_delimited(path, columns=columns, units=units)
    if technique is not None:
        trace.technique = technique
    check_data(trace.data, path=path)
    return trace


def _check_technique(technique):
    code = str(technique).upper()
    if code not in TECHNIQUES:
        raise InputError(
            f"unknown technique {technique!r}; use one of {', '.join(TECHNIQUES)}")
    return code


def _looks_like_mpt(path):
    with open(path, "rb") as fh:
        head = fh.read(64)
    return head.lstrip().upper().startswith(b"EC-LAB ASCII FILE")


def check_data(data, *, path=None, first_line=None):
    """Validate a trace table: not empty, required columns, time not going back.

    Parameters
    ----------
    data : pandas.DataFrame
        Table with ``time_s``, ``voltage_V``, ``current_A``.
    path : path-like, optional
        File name for the error message.
    first_line : int, optional
        1-based line number in the file of the first data row; used to name
        the line where time goes backwards.
    """
    for col in ("time_s", "voltage_V", "current_A"):
        if col not in data.columns:
            raise InputError(f"no {col} column after reading; columns found: "
                             f"{', '.join(map(str, data.columns))}", path=path)
    if len(data) == 0:
        raise InputError("the file holds no data rows; export the data "
                         "again (EC-Lab: File > Export as text)", path=path)
    t = data["time_s"].to_numpy(dtype=float)
    if "frequency_Hz" in data.columns and np.isnan(t).all():
        return  # an impedance table without a time column
    bad = np.flatnonzero(~np.isfinite(t))
    if bad.size:
        where = _where(bad[0], first_line)
        raise InputError(f"time is not a number at {where}; check that row",
                         path=path)
    # tolerate float jitter of the last written digit
    tol = 1e-9 * max(1.0, float(np.max(np.abs(t))))
    back = np.flatnonzero(np.diff(t) < -tol)
    if back.size:
        i = back[0] + 1
        where = _where(i, first_line)
        raise InputError(
            f"time goes backwards at {where} ({t[i - 1]:g} s then {t[i]:g} s); "
            "the file may join several runs: export each run separately or "
            "sort it", path=path)


def _where(row, first_line):
    if first_line is None:
        return f"data row {row + 1}"
    return f"line {first_line + row}"
