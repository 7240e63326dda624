"""EC-Lab binary ``.mpr`` into a :class:`Trace`.

The bytes are decoded by semtrack's own reader (:mod:`._mpr_format`, MIT),
so ``.mpr`` works without any extra. galvani (GPL) is not used here; the
tests compare both where galvani is installed.
"""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from calibration import InputError

from ._columns import normalise_eclab_columns
from ._mpr_format import parse_mpr
from ._trace import TECHNIQUES, Trace, check_data

logger = logging.getLogger(__name__)

__all__ = ["read_mpr", "looks_like_mpr"]

_MAGIC = b"BIO-LOGIC MODULAR FILE"


def looks_like_mpr(path: Path) -> bool:
    """True if the file starts with EC-Lab's binary magic line."""
    with open(path, "rb") as fh:
        return fh.read(len(_MAGIC)) == _MAGIC

def _technique_from_name(path, columns):
    stem = path.stem
    m = re.search(r"_(OCV|CA|CP|PEIS|GEIS|GCPL|CV|LSV|MB)_C\d+$", stem, re.I)
    if m:
        return m.group(1).upper()
    if "freq/Hz" in columns:
        return "PEIS"
    if any(c.startswith("control/V/mA") for c in columns):
        return "GCPL"
    tokens = {t.upper() for t in re.split(r"[_\-\s.]+", stem)}
    found = [t for t in TECHNIQUES if t in tokens]
    if len(found) == 1:
        return found[0]
    if not any(c in columns for c in ("I/mA", "<I>/mA", "control/V", "control/mA")):
        return "OCV"
    return None


def read_mpr(path: str | os.PathLike) -> Trace:
    """Read an EC-Lab binary ``.mpr`` file (semtrack's own MIT reader).

    Parameters
    ----------
    path : str or os.PathLike
        The binary file, EC-Lab 10 to 11.5x (data module versions 2, 3, 11).

    Returns
    -------
    Trace
        As :func:`electrochem.read_trace`; the same points and values as
        EC-Lab's text export of the same run. In GCPL files EC-Lab stores no
        current column: ``current_A`` is then, as in EC-Lab's export, the
        charge increment ``dq`` divided by the time step (0 on the first
        point).

    Raises
    ------
    calibration.InputError
        Not an EC-Lab file, truncated, or holding a data-module version or
        column ID the reader does not know (the message says to export the
        file as text).
    """
    path = Path(os.fspath(path))
    mpr = parse_mpr(path)
    names = list(mpr.columns)
    frame = pd.DataFrame(mpr.columns)
    mode = mpr.columns.get("mode")
    technique = _technique_from_name(path, names)
    data, missing = normalise_eclab_columns(frame, technique=technique, mode=mode)
    if "time" in missing:
        raise InputError(f"no time/s column among {', '.join(names)}", path=path)
    if len(data) and np.isnan(data["current_A"]).all() and ("control_A" in data or "dq_mAh" in data):
        data["current_A"] = _current_from_control(data, mode)
    notes = check_data(data, path=path)
    meta = {"mpr data module version": str(mpr.version)}
    return Trace(data=data, technique=technique, start_time=mpr.start_time,
                 electrode_area_cm2=None, path=path, metadata=meta,
                 warnings=notes)


def _current_from_control(data, mode):
    """Current where the file stores none (GCPL): EC-Lab's own rule.

    EC-Lab's text export writes ``<I>/mA`` = ``dq`` / time step (the mean
    current over the step; 0 on the first point, which has no step); checked
    against the twins' exported column. Without ``dq``: the control current
    in galvanostatic mode (1), 0 at rest (mode 3).
    """
    n = len(data)
    if "dq_mAh" in data:
        dq_c = data["dq_mAh"].to_numpy(dtype=float) * 3.6  # mAh -> C
        dt = np.diff(data["time_s"].to_numpy(dtype=float), prepend=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(dt > 0, dq_c / np.where(dt > 0, dt, 1.0), 0.0)
    current = np.full(n, np.nan)
    if "control_A" in data:
        ca = data["control_A"].to_numpy(dtype=float)
        current = np.where(np.isfinite(ca), ca, current)
    if mode is not None:
        current = np.where(np.asarray(mode) == 3, 0.0, current)
    return current
