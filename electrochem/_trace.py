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
from pathlib import Path

import numpy as np
import pandas as pd

from calibration import InputError

logger = logging.getLogger(__name__)

__all__ = ["Trace", "TECHNIQUES", "check_data", "check_technique"]

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
    warnings : list of str
        What the reader found worth telling (no data rows, a single row, no
        current column); also logged as warnings. Empty for a plain file.
    """

    data: pd.DataFrame
    technique: str | None = None
    start_time: datetime.datetime | None = None
    electrode_area_cm2: float | None = None
    path: Path | None = None
    metadata: dict = dataclasses.field(default_factory=dict)
    warnings: list = dataclasses.field(default_factory=list)


def check_technique(technique: str) -> str:
    """Return the upper-case technique code; InputError if unknown."""
    code = str(technique).upper()
    if code not in TECHNIQUES:
        raise InputError(
            f"unknown technique {technique!r}; use one of {', '.join(TECHNIQUES)}")
    return code


def check_data(data, *, path=None, first_line=None):
    """Validate a trace table: required columns, time a number and not going back.

    Parameters
    ----------
    data : pandas.DataFrame
        Table with ``time_s``, ``voltage_V``, ``current_A``.
    path : path-like, optional
        File name for the error message.
    first_line : int, optional
        1-based line number in the file of the first data row; used to name
        the line where time goes backwards.

    Returns
    -------
    list of str
        Warnings (each also logged): no data rows, one data row, no current.
        A table with 0 or 1 rows is data (an interrupted run, a Wait step),
        not an error.

    Raises
    ------
    calibration.InputError
        A required column is missing, a time is not a number or time goes
        backwards.
    """
    for col in ("time_s", "voltage_V", "current_A"):
        if col not in data.columns:
            raise InputError(f"no {col} column after reading; columns found: "
                             f"{', '.join(map(str, data.columns))}", path=path)
    notes = []
    where = f"{path}: " if path is not None else ""
    if len(data) == 0:
        notes.append("the file holds no data rows (a Wait step or an interrupted "
                     "run?): the trace is empty")
    elif len(data) == 1:
        notes.append("the file holds a single data row: no rates or steps can "
                     "be derived from it")
    if len(data) and np.isnan(data["current_A"].to_numpy(dtype=float)).all():
        notes.append("no current column: current_A is NaN (potential-only "
                     "record such as OCV)")
    for note in notes:
        logger.warning("%s%s", where, note)
    t = data["time_s"].to_numpy(dtype=float)
    if "frequency_Hz" in data.columns and np.isnan(t).all():
        return notes  # an impedance table without a time column
    bad = np.flatnonzero(~np.isfinite(t))
    if bad.size:
        where = _where(bad[0], first_line)
        raise InputError(f"time is not a number at {where}; check that row",
                         path=path)
    # tolerate float jitter of the last written digit
    if t.size < 2:
        return notes
    tol = 1e-9 * max(1.0, float(np.max(np.abs(t))))
    back = np.flatnonzero(np.diff(t) < -tol)
    if back.size:
        i = back[0] + 1
        where = _where(i, first_line)
        raise InputError(
            f"time goes backwards at {where} ({t[i - 1]:g} s then {t[i]:g} s); "
            "the file may join several runs: export each run separately or "
            "sort it", path=path)
    return notes


def _where(row, first_line):
    if first_line is None:
        return f"data row {row + 1}"
    return f"line {first_line + row}"
