"""EC-Lab text export (``.mpt``): reader and writer.

Format (EC-Lab "Export as text"): first line ``EC-Lab ASCII FILE``, second
line ``Nb header lines : N``; the N-th line holds the tab-separated column
names with their unit (``time/s``, ``Ewe/V``, ``<I>/mA``, ``control/V``...),
data follow. The stated count is only a hint: the column names are found
by their content. Column names old and new: ``<Ewe>/V`` and ``<Ewe/V>``,
``<I>/mA`` and ``<I/mA>``; ``Ece/V``, ``<Ece>/V`` and ``Ewe-Ece/V`` are
kept as channels of their own. Encoding cp1252 (latin-1), CRLF or LF line ends, decimal point
or decimal comma depending on the Windows locale.
"""
from __future__ import annotations

import datetime
import io
import logging
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from calibration import InputError

from ._columns import normalise_eclab_columns
from ._trace import Trace, check_data

logger = logging.getLogger(__name__)

__all__ = ["read_mpt", "write_mpt", "looks_like_mpt", "TECHNIQUE_NAMES"]

#: EC-Lab technique title (as in the header) for each technique code.
TECHNIQUE_NAMES = {
    "PEIS": "Potentio Electrochemical Impedance Spectroscopy",
    "GEIS": "Galvano Electrochemical Impedance Spectroscopy",
    "CA": "Chronoamperometry / Chronocoulometry",
    "CP": "Chronopotentiometry",
    "GCPL": "Galvanostatic Cycling with Potential Limitation",
    "CV": "Cyclic Voltammetry",
    "LSV": "Linear Sweep Voltammetry",
    "OCV": "Open Circuit Voltage",
    "MB": "Modulo Bat",
}

_START_FORMATS = (
    "%m/%d/%Y %H:%M:%S.%f", "%m/%d/%Y %H:%M:%S", "%m/%d/%y %H:%M:%S.%f",
    "%m/%d/%y %H:%M:%S", "%d.%m.%Y %H:%M:%S.%f", "%d.%m.%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S",
)
_AREA_UNITS_CM2 = {"cm2": 1.0, "cm²": 1.0, "mm2": 1e-2, "mm²": 1e-2,
                   "µm2": 1e-8, "µm²": 1e-8, "um2": 1e-8, "um²": 1e-8,
                   "m2": 1e4, "m²": 1e4}
_POINT = re.compile(r"\d\.\d")
_COMMA = re.compile(r"\d,\d")


def _decode(raw, path):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def parse_start_time(text):
    """Parse an EC-Lab ``Acquisition started on`` value; None if unknown."""
    text = text.strip()
    for fmt in _START_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _parse_area(value):
    m = re.match(r"\s*([-+0-9.,eE]+)\s*(\S*)", value)
    if not m:
        return None
    try:
        number = float(m.group(1).replace(",", "."))
    except ValueError:
        return None
    factor = _AREA_UNITS_CM2.get(m.group(2).strip().lower(), None)
    if factor is None:
        return None
    area = number * factor
    return area if area > 0 else None


def _technique_from_header(lines):
    for line in lines:
        s = line.strip().lower()
        for code, name in TECHNIQUE_NAMES.items():
            if s == name.lower():
                return code
    return None


#: Lines searched for the column-name line past the stated header count.
_COLUMN_LINE_SEARCH = 400
_NUMBER_FIELD = re.compile(r"^[-+]?(\d+[.,]?\d*|[.,]\d+)([eE][-+]?\d+)?$")


def looks_like_mpt(path: Path) -> bool:
    """True if the file starts with EC-Lab's ``EC-Lab ASCII FILE`` line."""
    with open(path, "rb") as fh:
        head = fh.read(64)
    return head.lstrip().upper().startswith(b"EC-LAB ASCII FILE")


def _is_column_line(line: str, *, need_time: bool = True) -> bool:
    """A tab-separated line of names, one of them the time or frequency."""
    if "\t" not in line:
        return False
    fields = [f.strip() for f in line.split("\t")]
    named = [f for f in fields if f]
    if len(named) < 2 or any(_NUMBER_FIELD.match(f) for f in named):
        return False
    return not need_time or any(f.lower().startswith(("time/", "freq/")) for f in named)


def _find_column_line(lines: list[str], hint: int | None) -> int | None:
    """Index of the column-name line; the stated header count is a hint only.

    EC-Lab's ``Nb header lines`` does not always point at the column names
    (PEIS exports with the counter electrode recorded); the names are found
    by their content: tab-separated, not numbers, with ``time/...`` or
    ``freq/...`` among them.
    """
    if hint is not None and 0 <= hint - 1 < len(lines) and _is_column_line(lines[hint - 1]):
        return hint - 1
    found = [k for k, line in enumerate(lines) if _is_column_line(line)]
    if not found:
        # names without a time column: take the stated line, so that the
        # message can list what the file has
        if hint is not None and 0 <= hint - 1 < len(lines) \
                and _is_column_line(lines[hint - 1], need_time=False):
            return hint - 1
        return None
    if hint is None:
        return found[0]
    return min(found, key=lambda k: abs(k - (hint - 1)))


def _column_names(line: str) -> list[str]:
    """Names of a column line; an empty name between others gets a placeholder."""
    names = [c.strip() for c in line.split("\t")]
    while names and names[-1] == "":
        names.pop()
    return [n if n else f"unnamed column {k + 1}" for k, n in enumerate(names)]


def _fit_names_to_rows(names: list[str], first_row: str, path: Path) -> list[str]:
    """Drop names past an empty one when the data rows stop there.

    EC-Lab 11.50 PEIS exports with the counter electrode recorded write an
    empty name followed by ``Ewe-Ece/V`` after the last column that the rows
    really hold; those names have no data.
    """
    n_fields = len(first_row.rstrip("\r\n").rstrip("\t").split("\t")) if first_row.strip() else 0
    if not n_fields or n_fields >= len(names):
        return names
    if names[n_fields].startswith("unnamed column"):
        logger.info("%s: the column line names %d columns, the rows hold %d; "
                    "ignoring the names from the empty one on (%s)", path,
                    len(names), n_fields, ", ".join(names[n_fields:]))
        return names[:n_fields]
    return names


def read_mpt(path: str | os.PathLike) -> Trace:
    """Read an EC-Lab ``.mpt`` text export.

    Parameters
    ----------
    path : str or os.PathLike
        The export (cp1252 or UTF-8, CRLF or LF, decimal point or comma).

    Returns
    -------
    Trace
        ``time_s`` is EC-Lab's ``time/s`` as written (seconds on the trace
        clock, since the acquisition start given in the header). A file with
        no data rows or one row is read, with :attr:`Trace.warnings` set.

    Raises
    ------
    calibration.InputError
        Not an EC-Lab export, no column-name line, no time or potential
        column, mixed decimal separators, a non-numeric value, time going
        backwards.
    """
    path = Path(os.fspath(path))
    text = _decode(path.read_bytes(), path)
    head_end = _nth_line_end(text, 2)
    lines = text[:head_end].splitlines()
    if not lines or not lines[0].strip().upper().startswith("EC-LAB ASCII FILE"):
        raise InputError("not an EC-Lab text export: the first line is not "
                         "'EC-Lab ASCII FILE'; export from EC-Lab with "
                         "File > Export as text", path=path)
    n_header = None
    if len(lines) > 1:
        m = re.match(r"\s*Nb header lines\s*:\s*(\d+)", lines[1], re.I)
        if m:
            n_header = int(m.group(1))
    search_end = _nth_line_end(text, max(n_header or 0, 0) + _COLUMN_LINE_SEARCH)
    lines = text[:search_end].splitlines()
    k_col = _find_column_line(lines, n_header)
    if k_col is None:
        raise InputError("cannot find the line of column names (tab-separated, "
                         "with time/s among them); the export is truncated or "
                         "not from EC-Lab: export it again with File > Export "
                         "as text", path=path)
    if n_header is not None and k_col != n_header - 1:
        logger.info("%s: the column names stand on line %d, not on line %d as "
                    "'Nb header lines' says", path, k_col + 1, n_header)
    header = lines[:k_col]
    column_line = lines[k_col]
    names = _column_names(column_line)
    body_start = _nth_line_end(text, k_col + 1)
    names = _fit_names_to_rows(names, text[body_start:_nth_line_end(text, k_col + 2)], path)
    meta = {}
    start_time = None
    area = None
    for line in header:
        if " : " not in line:
            continue
        key, _, value = line.partition(" : ")
        key = key.strip()
        if key.lower() == "acquisition started on":
            start_time = parse_start_time(value)
            if start_time is None:
                logger.warning("%s: cannot parse acquisition start %r",
                               path, value.strip())
        elif key.lower() == "electrode surface area":
            area = _parse_area(value)
        elif key and value.strip():
            meta.setdefault(key, value.strip())
    technique = _technique_from_header(header)
    first_line = k_col + 2
    numeric = parse_table(text[body_start:], names, sep="\t", path=path,
                          first_line=first_line, header_line=k_col + 1)
    mode = numeric["mode"].to_numpy() if "mode" in numeric.columns else None
    data, missing = normalise_eclab_columns(numeric, technique=technique,
                                            mode=mode)
    if missing:
        raise InputError(
            f"no {' and no '.join(missing)} column with a known unit among "
            f"{', '.join(names)}; expected e.g. time/s and Ewe/V", path=path)
    notes = check_data(data, path=path, first_line=first_line)
    return Trace(data=data, technique=technique, start_time=start_time,
                 electrode_area_cm2=area, path=path, metadata=meta,
                 warnings=notes)


def _decimal_separator(body, path, first_line):
    """Decide '.' or ','; refuse a file that mixes both."""
    kind = None
    for k, line in enumerate(body):
        has_point = bool(_POINT.search(line))
        has_comma = bool(_COMMA.search(line))
        if has_point and has_comma:
            raise InputError(f"line {first_line + k} mixes decimal point and "
                             "decimal comma; re-export with one locale",
                             path=path)
        this = "." if has_point else "," if has_comma else None
        if this is None:
            continue
        if kind is None:
            kind, kind_line = this, first_line + k
        elif this != kind:
            raise InputError(
                f"line {first_line + k} uses decimal {'point' if this == '.' else 'comma'} "
                f"but line {kind_line} uses decimal "
                f"{'point' if kind == '.' else 'comma'}; mixed decimal "
                "separators: re-export with one locale", path=path)
    return kind or "."


def _nth_line_end(text, n):
    """Offset just after the n-th line end (len(text) if fewer lines)."""
    pos = 0
    for _ in range(n):
        k = text.find("\n", pos)
        if k < 0:
            return len(text)
        pos = k + 1
    return pos


def parse_table(body, names, *, sep, path, first_line, header_line):
    """Parse the data block into floats, one column per name.

    Fast path: the C parser with decimal point, then with decimal comma
    (a field in the other notation fails to parse, so a file that mixes
    them never passes). On failure the block is scanned line by line to
    name the line and column at fault.
    """
    if not body.strip():
        return pd.DataFrame({n: np.zeros(0) for n in names})
    decimals = (".", ",") if sep != "," else (".",)
    for decimal in decimals:
        try:
            raw = pd.read_csv(io.StringIO(body), sep=sep, header=None, dtype=float,
                              decimal=decimal, engine="c", skip_blank_lines=True)
        except (ValueError, pd.errors.ParserError):
            continue
        if raw.shape[1] < len(names):
            raise InputError(f"the data rows have {raw.shape[1]} columns but "
                             f"line {header_line} names {len(names)}", path=path)
        raw = raw.iloc[:, :len(names)]
        raw.columns = names
        return raw.reset_index(drop=True)
    # slow path, for the error message
    rows = body.splitlines()
    while rows and not rows[-1].strip():
        rows.pop()
    decimal = "." if sep == "," else _decimal_separator(rows, path, first_line)
    try:
        raw = pd.read_csv(io.StringIO("\n".join(rows)), sep=sep, header=None,
                          decimal=decimal, dtype=str, keep_default_na=False,
                          engine="c")
    except pd.errors.ParserError as exc:
        raise InputError(f"the data rows do not parse with separator {sep!r} "
                         f"({exc}); check the lines after line {header_line}",
                         path=path) from None
    if raw.shape[1] < len(names):
        raise InputError(f"the data rows have {raw.shape[1]} columns but "
                         f"line {header_line} names {len(names)}", path=path)
    raw = raw.iloc[:, :len(names)]
    raw.columns = names
    return _to_numeric(raw, decimal, path, first_line)


def _to_numeric(raw, decimal, path, first_line):
    out = {}
    for col in raw.columns:
        s = raw[col].astype(str).str.strip()
        if decimal == ",":
            s = s.str.replace(",", ".", regex=False)
        num = pd.to_numeric(s, errors="coerce")
        bad = num.isna() & ~s.str.lower().isin(["nan", ""])
        if bad.any():
            k = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"line {first_line + k}, column {col!r}: "
                             f"{raw[col].iloc[k]!r} is not a number", path=path)
        out[col] = num.to_numpy(dtype=float)
    return pd.DataFrame(out)


def _format_rows(table):
    """Tab-separated rows, CRLF, shortest round-trip float text (pyarrow's
    C++ writer: about 10x faster than pandas' to_csv); NaN as ``NaN``."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    arrays = [pa.array(table[c].to_numpy(dtype=float), from_pandas=False) for c in table.columns]
    buf = pa.BufferOutputStream()
    pa_csv.write_csv(pa.Table.from_arrays(arrays, names=[f"c{k}" for k in range(len(arrays))]),
                     buf, write_options=pa_csv.WriteOptions(
                         include_header=False, delimiter="\t", quoting_style="none"))
    return buf.getvalue().to_pybytes().replace(b"\n", b"\r\n")


def write_mpt(
    path: str | os.PathLike,
    data: pd.DataFrame,
    *,
    start_time: datetime.datetime | None = None,
    technique: str = "CA",
    electrode_area_cm2: float | None = None,
) -> Path:
    """Write an EC-Lab-style text export that :func:`read_trace` reads back.

    Parameters
    ----------
    path : str or os.PathLike
        Output file (``.mpt``). Written atomically (temporary file, then
        rename).
    data : pandas.DataFrame
        ``time_s`` (trace clock), ``voltage_V``, ``current_A``; optional
        ``control_V`` (written as ``control/V``) or ``control_A`` (written
        as ``control/mA``).
    start_time : datetime.datetime, optional
        Timezone-naive acquisition start; written to the millisecond.
    technique : str
        Technique code (``'CA'``, ``'CP'``, ``'PEIS'``, ``'GCPL'``, ``'CV'``,
        ``'OCV'``, ...); written as EC-Lab's technique title.
    electrode_area_cm2 : float, optional
        Written as ``Electrode surface area``.

    Notes
    -----
    Columns are ``time/s``, ``Ewe/V``, ``<I>/mA`` and the control column,
    tab-separated, CRLF line ends, cp1252, decimal point, values with the
    shortest representation that round-trips (the current is scaled to mA,
    so reading back is exact up to one rounding of the last bit). A
    million rows take about 2 s.
    """
    path = Path(os.fspath(path))
    if technique not in TECHNIQUE_NAMES:
        raise InputError(f"unknown technique {technique!r}; use one of "
                         f"{', '.join(TECHNIQUE_NAMES)}")
    for col in ("time_s", "voltage_V", "current_A"):
        if col not in data.columns:
            raise InputError(f"write_mpt needs a {col} column; got "
                             f"{', '.join(map(str, data.columns))}")
    if start_time is not None:
        if not isinstance(start_time, datetime.datetime):
            raise InputError("start_time must be a datetime.datetime")
        if start_time.tzinfo is not None:
            raise InputError("start_time must be timezone-naive (local "
                             "instrument time), as EC-Lab writes it")
    if electrode_area_cm2 is not None and not electrode_area_cm2 > 0:
        raise InputError("electrode_area_cm2 must be positive")
    check_data(data, path=None)
    table = pd.DataFrame({
        "time/s": data["time_s"].to_numpy(dtype=float),
        "Ewe/V": data["voltage_V"].to_numpy(dtype=float),
        "<I>/mA": data["current_A"].to_numpy(dtype=float) * 1e3,
    })
    if "control_V" in data.columns:
        table["control/V"] = data["control_V"].to_numpy(dtype=float)
    elif "control_A" in data.columns:
        table["control/mA"] = data["control_A"].to_numpy(dtype=float) * 1e3
    header = ["EC-Lab ASCII FILE", "Nb header lines : {n}", "",
              TECHNIQUE_NAMES[technique], "",
              "Run on channel : 1", "Written by : semtrack"]
    if start_time is not None:
        stamp = start_time.strftime("%m/%d/%Y %H:%M:%S.%f")[:-3]
        header.append(f"Acquisition started on : {stamp}")
    if electrode_area_cm2 is not None:
        header.append(f"Electrode surface area : {electrode_area_cm2!r} cm²")
    header.append("")
    n_header = len(header) + 1
    header[1] = header[1].format(n=n_header)
    body = _format_rows(table)
    head = ("\r\n".join(header) + "\r\n" + "\t".join(table.columns) + "\r\n").encode("cp1252")
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(head)
            fh.write(body)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
