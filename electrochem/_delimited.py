"""Plain delimited text (CSV/TSV) from other potentiostats.

Columns are found by a mapping (``columns={'time': 'Time', ...}``) or by
their usual names; units come from the header (``time/s``, ``Time (s)``,
``I [mA]``, ``current_mA``) or from ``units={'current': 'mA'}``.
"""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from calibration import InputError

from ._columns import UNIT_SCALE, snake_name, to_base_unit
from ._mpt import parse_table
from ._trace import Trace, check_data

logger = logging.getLogger(__name__)

__all__ = ["read_delimited", "parse_column_options", "QUANTITIES"]

#: Quantities a column mapping may name, with their base unit.
QUANTITIES = {"time": "s", "voltage": "V", "current": "A", "control": None,
              "frequency": "Hz", "z_real": "ohm", "z_imag": "ohm"}
_OUT = {"time": "time_s", "voltage": "voltage_V", "current": "current_A",
        "frequency": "frequency_Hz", "z_real": "z_real_ohm", "z_imag": "z_imag_ohm"}

_GUESS = {
    "time": ("time", "t", "time_s", "elapsed time", "test time"),
    "voltage": ("ewe", "<ewe>", "voltage", "potential", "e", "u", "ecell",
                "voltage_v", "e_we", "we potential"),
    "current": ("i", "<i>", "current", "current_a", "im"),
    "control": ("control", "control_v", "control_a", "setpoint"),
    "frequency": ("freq", "frequency", "f", "frequency_hz"),
    "z_real": ("re(z)", "z'", "zreal", "z_real", "zre", "real"),
    "z_imag": ("-im(z)", "im(z)", "-z''", "z''", "zimag", "z_imag", "-zimag",
               "zim", "-zim", "imag", "-imag"),
}


def _name_unit(header):
    """Split a header into (name, unit) for ``a/u``, ``a (u)``, ``a [u]``, ``a_u``."""
    h = header.strip()
    m = re.match(r"^(.*?)\s*[\(\[]\s*([^\)\]]+?)\s*[\)\]]\s*$", h)
    if m:
        return m.group(1).strip(), m.group(2).strip()
    if "/" in h:
        a, u = h.rsplit("/", 1)
        return a.strip(), u.strip()
    m = re.match(r"^(.*)_([a-zA-Zµ]{1,3})$", h)
    if m and m.group(2).lower() in UNIT_SCALE:
        return m.group(1), m.group(2)
    return h, ""


def _parse_mapping(option, name, path):
    if option is None:
        return {}
    if isinstance(option, str):
        pairs = {}
        for part in option.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise InputError(f"{name}: {part!r} is not QUANTITY=VALUE; e.g. "
                                 f"--{name} time=Time,current=I", path=path)
            k, v = part.split("=", 1)
            pairs[k.strip()] = v.strip()
        option = pairs
    out = {}
    for k, v in dict(option).items():
        key = str(k).strip().lower()
        if key not in QUANTITIES:
            raise InputError(f"{name}: unknown quantity {k!r}; use "
                             f"{', '.join(QUANTITIES)}", path=path)
        out[key] = str(v)
    return out


def _unit_error(q, unit):
    """The words for a unit that is not one of quantity ``q``'s, or None when it is."""
    scale = UNIT_SCALE.get(str(unit).lower())
    # the control column (no base unit of its own) holds volts or amperes: the set
    # potential or the set current; a unit of another quantity (Hz, min, kohm) would
    # scale its values by a foreign factor
    if scale is not None and (scale[0] == QUANTITIES[q]
                              or (not QUANTITIES[q] and scale[0] in ("V", "A"))):
        return None
    allowed = [k for k, v in UNIT_SCALE.items()
               if (QUANTITIES[q] or "") in ("", v[0])
               and (QUANTITIES[q] or v[0] in ("V", "A"))]
    return f"is not a known {q} unit; use one of {', '.join(allowed)}"


def parse_column_options(columns: dict | str | None = None,
                         units: dict | str | None = None) -> tuple[dict, dict]:
    """Check a CSV trace's column mapping and units before any file is read.

    ``semtrack analyze`` and ``batch`` call this on ``--columns`` / ``--units`` so that a
    mistyped mapping stops the command at once (exit 2), not once per video.

    Parameters
    ----------
    columns : dict or str, optional
        Quantity -> column name, e.g. ``"time=Time,current=I"``.
    units : dict or str, optional
        Quantity -> unit, e.g. ``"current=mA"``.

    Returns
    -------
    (dict, dict)
        The mapping and the units, keyed by lower-case quantity.

    Raises
    ------
    calibration.InputError
        A part that is not ``QUANTITY=VALUE``, an unknown quantity, or a unit that is not
        one of its quantity's (``current=mV``).
    """
    columns = _parse_mapping(columns, "columns", None)
    units = _parse_mapping(units, "units", None)
    for q, unit in units.items():
        problem = _unit_error(q, unit)
        if problem is not None:
            raise InputError(f"--units {q}={unit}: unit {unit!r} {problem}")
    return columns, units


def read_delimited(path, *, columns=None, units=None):
    """Read a CSV/TSV potentiostat export.

    Parameters
    ----------
    path : str or os.PathLike
        Text file; delimiter tab, semicolon or comma (detected from the
        header line); lines starting with ``#`` are comments.
    columns : dict or str, optional
        Quantity -> column name, for ``time``, ``voltage``, ``current``,
        ``control``; also as ``"time=Time,current=I"``. Quantities not
        named are looked up among usual names.
    units : dict or str, optional
        Quantity -> unit (``s``, ``min``, ``h``, ``V``, ``mV``, ``A``,
        ``mA``, ``uA``, ``nA``), overriding or supplying the header's.

    Returns
    -------
    Trace
        ``technique`` None (give it to :func:`read_trace`).
    """
    path = Path(os.fspath(path))
    columns = _parse_mapping(columns, "columns", path)
    units = _parse_mapping(units, "units", path)
    raw_bytes = path.read_bytes()
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw_bytes.decode("cp1252", errors="replace")
    lines = text.splitlines()
    first = 0
    while first < len(lines) and (not lines[first].strip() or lines[first].lstrip().startswith("#")):
        first += 1
    if first >= len(lines):
        raise InputError("the file is empty: no header line", path=path)
    header_line = lines[first]
    if "\t" in header_line or path.suffix.lower() == ".tsv":
        sep = "\t"
    elif ";" in header_line:
        sep = ";"
    elif "," in header_line:
        sep = ","
    else:
        raise InputError("cannot find the column separator (tab, ';' or ',') "
                         f"in the header line {first + 1}: {header_line[:80]!r}",
                         path=path)
    names = [c.strip().strip('"') for c in header_line.split(sep)]
    while names and names[-1] == "":
        names.pop()
    if all(re.fullmatch(r"[-+0-9.,eE]+", n) for n in names):
        raise InputError(f"line {first + 1} holds numbers, not column names; "
                         "add a header line naming the columns with their "
                         "units, e.g. time/s,Ewe/V,I/mA", path=path)
    body_text = "\n".join(lines[first + 1:])
    first_line = first + 2
    if not body_text.strip():
        raise InputError("the file holds no data rows after the header", path=path)
    numeric = parse_table(body_text, names, sep=sep, path=path,
                          first_line=first_line, header_line=first + 1)
    found = {}
    lowered = {n: _name_unit(n) for n in names}
    for q in QUANTITIES:
        if q in columns:
            col = columns[q]
            if col not in names:
                raise InputError(
                    f"column {col!r} given for {q} is not in the file; columns "
                    f"are: {', '.join(names)}", path=path)
            found[q] = col
            continue
        for n, (base, _u) in lowered.items():
            if n in found.values():
                continue
            if n.lower() in _GUESS[q] or base.lower() in _GUESS[q]:
                found[q] = n
                break
    is_eis = all(q in found for q in ("frequency", "z_real", "z_imag"))
    for q in ("time", "voltage", "current"):
        if q not in found and not is_eis:
            raise InputError(
                f"no {q} column found among {', '.join(names)}; name it with "
                f"--columns {q}=COLUMN (library: columns={{'{q}': ...}})", path=path)

    out = {}
    n_rows = len(numeric)
    for q in ("time", "voltage", "current"):
        if q not in found:
            out[_OUT[q]] = np.full(n_rows, np.nan)
    for q, col in found.items():
        unit = units.get(q) or lowered[col][1]
        if not unit and q in ("z_real", "z_imag"):
            unit = "ohm"
        if not unit:
            raise InputError(f"column {col!r} ({q}) has no unit in the header; "
                             f"give it with --units {q}=UNIT", path=path)
        problem = _unit_error(q, unit)
        if problem is not None:
            raise InputError(f"unit {unit!r} of column {col!r} {problem}", path=path)
        scale = UNIT_SCALE[unit.lower()]
        key = _OUT.get(q) or f"{q}_{scale[0]}"
        values = to_base_unit(numeric[col].to_numpy(dtype=float), scale[1])
        if q == "z_imag" and col.lstrip().startswith("-"):
            values = -values  # the column holds -Im(Z)
        out[key] = values
    data = pd.DataFrame({"time_s": out.pop("time_s"),
                         "voltage_V": out.pop("voltage_V"),
                         "current_A": out.pop("current_A"), **out})
    for n in names:
        if n in found.values():
            continue
        key = snake_name(n)
        while key in data.columns:
            key += "_"
        data[key] = numeric[n].to_numpy()
    notes = check_data(data, path=path, first_line=first_line)
    return Trace(data=data, technique=None, start_time=None,
                 electrode_area_cm2=None, path=path, metadata={},
                 warnings=notes)
