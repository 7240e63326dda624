"""EC-Lab binary ``.mpr``: an adapter over galvani (optional, GPL).

galvani is GPL-licensed, semtrack is MIT: galvani is only imported here,
when an ``.mpr`` is read, and is installed with ``pip install semtrack[mpr]``.
"""
from __future__ import annotations

import datetime
import logging
import os
import re
import struct
from pathlib import Path

import numpy as np
import pandas as pd

from calibration import InputError

from ._columns import normalise_eclab_columns
from ._trace import TECHNIQUES, Trace, check_data

logger = logging.getLogger(__name__)

__all__ = ["read_mpr", "looks_like_mpr"]

_MAGIC = b"BIO-LOGIC MODULAR FILE"


def looks_like_mpr(path: Path) -> bool:
    """True if the file starts with EC-Lab's binary magic line."""
    with open(path, "rb") as fh:
        return fh.read(len(_MAGIC)) == _MAGIC

_MISSING = ("reading EC-Lab binary .mpr files needs the optional reader "
            "galvani (GPL-licensed, so not installed by default): run "
            "`pip install semtrack[mpr]`, or export the file as text in "
            "EC-Lab (File > Export as text, .mpt)")


def _import_galvani(path):
    try:
        from galvani import BioLogic
    except ImportError:
        raise InputError(_MISSING, path=path) from None
    return BioLogic


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


def read_mpr(path):
    """Read an EC-Lab binary ``.mpr`` file through galvani.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    Trace
        As :func:`electrochem.read_trace`. In GCPL files EC-Lab stores no
        current column: ``current_A`` is then the control current where the
        channel is galvanostatic (mode 1), zero at rest (mode 3) and, in
        potential holds (mode 2), the charge increment ``dq`` divided by the
        time step.

    Raises
    ------
    calibration.InputError
        galvani is not installed (names ``pip install semtrack[mpr]``), or
        the file is from an EC-Lab version or holds a column galvani does not
        know.
    """
    path = Path(os.fspath(path))
    BioLogic = _import_galvani(path)
    try:
        mpr = BioLogic.MPRfile(str(path))
    except NotImplementedError as exc:
        raise InputError(f"unsupported .mpr content ({exc}); this EC-Lab "
                         "version writes a column the reader does not know: "
                         "export the file as text (.mpt) in EC-Lab", path=path) from None
    except (ValueError, AssertionError, struct.error, OSError, IndexError) as exc:
        detail = str(exc).strip() or type(exc).__name__
        raise InputError(f"cannot read this .mpr ({detail}); it may come from "
                         "an unsupported EC-Lab version or be truncated: export "
                         "it as text (.mpt) in EC-Lab", path=path) from None
    rec = mpr.data
    names = [n for n in rec.dtype.names if n != "flags"]
    frame = pd.DataFrame({n: np.asarray(rec[n]) for n in names})
    mode = None
    if "flags" in rec.dtype.names:
        try:
            mode = mpr.get_flag("mode")
        except AttributeError:
            mode = None
    if mode is not None:
        frame.insert(0, "mode", mode.astype(int))
    technique = _technique_from_name(path, names)
    data, missing = normalise_eclab_columns(frame, technique=technique, mode=mode)
    if "time" in missing:
        raise InputError(f"no time/s column among {', '.join(names)}", path=path)
    if np.isnan(data["current_A"]).all() and ("control_A" in data or "dq_mAh" in data):
        data["current_A"] = _current_from_control(data, mode)
    start = getattr(mpr, "timestamp", None)
    if start is None and getattr(mpr, "startdate", None) is not None:
        start = datetime.datetime.combine(mpr.startdate, datetime.time())
    if isinstance(start, datetime.datetime) and start.tzinfo is not None:
        start = start.replace(tzinfo=None)
    notes = check_data(data, path=path)
    meta = {"mpr data module version": str(getattr(mpr, "version", ""))}
    return Trace(data=data, technique=technique, start_time=start,
                 electrode_area_cm2=None, path=path, metadata=meta,
                 warnings=notes)


def _current_from_control(data, mode):
    n = len(data)
    current = np.full(n, np.nan)
    if "dq_mAh" in data:
        dq_c = data["dq_mAh"].to_numpy(dtype=float) * 3.6
        dt = np.diff(data["time_s"].to_numpy(dtype=float), prepend=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            from_dq = np.where(dt > 0, dq_c / dt, np.nan)
        current = from_dq
    if "control_A" in data:
        ca = data["control_A"].to_numpy(dtype=float)
        current = np.where(np.isfinite(ca), ca, current)
    if mode is not None:
        current = np.where(np.asarray(mode) == 3, 0.0, current)
    return current
