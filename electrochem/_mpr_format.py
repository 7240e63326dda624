"""EC-Lab binary ``.mpr``: an MIT reader of the file format itself.

Written from the format's observable facts and checked, column by column,
against the ``.mpt`` text exports EC-Lab wrote of the same runs (see
``tests/test_electrochem_mpr_own.py``):

* The file starts with ``BIO-LOGIC MODULAR FILE``; then come modules, each
  starting with ``MODULE``, a 10-byte short name (``VMP Set``, ``VMP data``,
  ``VMP LOG``, ``VMP loop``...), a 25-byte long name and a header. Before
  EC-Lab 11.50 the header is ``uint32 length, uint32 version, 8-byte date``;
  from 11.50 on it is ``0xFFFFFFFF, uint32 length, uint32 (0), uint32
  version, 8-byte date``.
* The data module begins with ``uint32 n_points``, the number of columns
  (``uint8`` before 11.50, ``uint16`` after) and one ``uint16`` ID per
  column; the records start 405 bytes (version 2), 406 bytes (version 3) or
  1007 bytes (version 11) into the module. Records are packed, little-endian,
  columns in ID order. The flag IDs (1 mode, 2 ox/red, 3 error, 21 control
  changes, 31 Ns changes, 65 counter inc.) share one byte, as bit fields.
* The acquisition start is in the LOG module (an OLE date, days since
  1899-12-30); see :func:`_start_time`.
* A column ID names its quantity in its low byte: an ID of 256 or more that
  is not in :data:`COLUMNS` means what ``ID % 256`` means (467 and 211 are
  both ``Q charge/discharge/mA.h``, 434 and 178 both ``(Q-Qo)/C``, 473 and
  217 both ``THD Ewe/%``; yadg reads .mpr files by the same rule). Where the
  same low byte means something else in a file (430 is ``Phase(Zwe-ce)``,
  174 is ``<Ewe>``), the full ID has its own entry.

Columns are named as in EC-Lab's text export, so that the same column
normaliser serves both.
"""
from __future__ import annotations

import datetime
import os
import struct
from pathlib import Path

import numpy as np

from calibration import InputError

__all__ = ["COLUMNS", "FLAG_BITS", "MprData", "column_for_id", "parse_mpr"]

#: Flag column ID -> (name, bit mask) inside the shared flags byte.
FLAG_BITS = {
    1: ("mode", 0x03), 2: ("ox/red", 0x04), 3: ("error", 0x08),
    21: ("control changes", 0x10), 31: ("Ns changes", 0x20), 65: ("counter inc.", 0x80),
}

#: Column ID -> (name as in the text export, numpy dtype). Each entry was
#: checked against .mpt twins (values equal to the printed precision), except
#: 115/116 (see their comment). IDs of 256 and more not listed here fall back
#: to ``ID % 256`` (:func:`column_for_id`).
COLUMNS = {
    4: ("time/s", "<f8"), 5: ("control/V/mA", "<f4"), 6: ("Ewe/V", "<f4"),
    7: ("dq/mA.h", "<f8"), 8: ("I/mA", "<f4"), 9: ("Ece/V", "<f4"),
    11: ("<I>/mA", "<f8"), 13: ("(Q-Qo)/mA.h", "<f8"), 16: ("Analog IN 1/V", "<f4"),
    17: ("Analog IN 2/V", "<f4"), 19: ("control/V", "<f4"), 20: ("control/mA", "<f4"),
    23: ("dQ/mA.h", "<f8"), 24: ("cycle number", "<f8"), 26: ("Rapp/Ohm", "<f4"),
    27: ("Ewe-Ece/V", "<f4"), 32: ("freq/Hz", "<f4"), 33: ("|Ewe|/V", "<f4"),
    34: ("|I|/A", "<f4"), 35: ("Phase(Z)/deg", "<f4"), 36: ("|Z|/Ohm", "<f4"),
    37: ("Re(Z)/Ohm", "<f4"), 38: ("-Im(Z)/Ohm", "<f4"), 39: ("I Range", "<u2"),
    69: ("R/Ohm", "<f4"), 70: ("P/W", "<f4"), 74: ("|Energy|/W.h", "<f8"),
    75: ("Analog OUT/V", "<f4"), 76: ("<I>/mA", "<f4"), 77: ("<Ewe>/V", "<f4"),
    78: ("Cs-2/µF-2", "<f4"), 96: ("|Ece|/V", "<f4"), 98: ("Phase(Zce)/deg", "<f4"),
    99: ("|Zce|/Ohm", "<f4"), 100: ("Re(Zce)/Ohm", "<f4"), 101: ("-Im(Zce)/Ohm", "<f4"),
    # 115/116 (seen as 883/884 = 115/116 + 3*256 in a GCPL file of EC-Lab
    # 11.6x): float64 (they fill the record exactly), bit-identical there to
    # 123/124, as EC-Lab's own GCPL exports print "Energy ce charge/W.h"
    # equal to "Energy we charge/W.h". No .mpt twin of that file was at hand.
    115: ("Energy ce charge/W.h", "<f8"), 116: ("Energy ce discharge/W.h", "<f8"),
    123: ("Energy charge/W.h", "<f8"), 124: ("Energy discharge/W.h", "<f8"),
    125: ("Capacitance charge/µF", "<f8"), 126: ("Capacitance discharge/µF", "<f8"),
    131: ("Ns", "<u2"), 163: ("|Estack|/V", "<f4"), 168: ("Rcmp/Ohm", "<f4"),
    169: ("Cs/µF", "<f4"), 172: ("Cp/µF", "<f4"), 173: ("Cp-2/µF-2", "<f4"),
    174: ("<Ewe>/V", "<f4"), 178: ("(Q-Qo)/C", "<f4"), 179: ("dQ/C", "<f4"),
    211: ("Q charge/discharge/mA.h", "<f8"), 212: ("half cycle", "<u4"),
    213: ("z cycle", "<u4"), 217: ("THD Ewe/%", "<f4"), 430: ("Phase(Zwe-ce)/deg", "<f4"),
    431: ("|Zwe-ce|/Ohm", "<f4"), 432: ("Re(Zwe-ce)/Ohm", "<f4"),
    433: ("-Im(Zwe-ce)/Ohm", "<f4"), 434: ("(Q-Qo)/C", "<f4"), 435: ("dQ/C", "<f4"),
    441: ("<Ece>/V", "<f4"), 467: ("Q charge/discharge/mA.h", "<f8"),
    468: ("half cycle", "<u4"), 469: ("z cycle", "<u4"), 471: ("<Ece>/V", "<f4"),
    438: ("step time/s", "<f8"), 880: ("Energy we/W.h", "<f8"),
    473: ("THD Ewe/%", "<f4"), 474: ("THD I/%", "<f4"), 476: ("NSD Ewe/%", "<f4"),
    477: ("NSD I/%", "<f4"), 479: ("NSR Ewe/%", "<f4"), 480: ("NSR I/%", "<f4"),
    486: ("|Ewe h2|/V", "<f4"), 487: ("|Ewe h3|/V", "<f4"), 488: ("|Ewe h4|/V", "<f4"),
    489: ("|Ewe h5|/V", "<f4"), 490: ("|Ewe h6|/V", "<f4"), 491: ("|Ewe h7|/V", "<f4"),
    492: ("|I h2|/A", "<f4"), 493: ("|I h3|/A", "<f4"), 494: ("|I h4|/A", "<f4"),
    495: ("|I h5|/A", "<f4"), 496: ("|I h6|/A", "<f4"), 497: ("|I h7|/A", "<f4"),
}

_MAGIC = b"BIO-LOGIC MODULAR FILE"
# a column ID's quantity is its low byte (see the module docstring)
_ID_QUANTITY_MOD = 256
# bytes from the start of the data module to the first record, per version
_RECORDS_AT = {2: 0x195, 3: 0x196, 11: 0x3EF}
# bytes from the start of the LOG module to the acquisition start (OLE date)
_LOG_START_AT = 585


def column_for_id(cid: int) -> tuple[str, str] | None:
    """Name (as in EC-Lab's text export) and numpy dtype of a data column ID.

    Parameters
    ----------
    cid : int
        The column ID of the data module (not a flag ID).

    Returns
    -------
    tuple of (str, str) or None
        From :data:`COLUMNS`; an ID of 256 or more that is not listed there
        takes the entry of ``cid % 256``; None if neither is known.
    """
    if cid in COLUMNS:
        return COLUMNS[cid]
    if cid >= _ID_QUANTITY_MOD:
        return COLUMNS.get(cid % _ID_QUANTITY_MOD)
    return None


class MprData:
    """What :func:`parse_mpr` found: column names -> arrays, versions, start time."""

    def __init__(self, columns, version, start_time, n_points):
        self.columns = columns
        self.version = version
        self.start_time = start_time
        self.n_points = n_points


def _modules(raw, path):
    if not raw.startswith(_MAGIC):
        raise InputError("not an EC-Lab binary file: it does not start with "
                         "'BIO-LOGIC MODULAR FILE'", path=path)
    out = {}
    pos = raw.find(b"MODULE")
    while pos >= 0:
        short = raw[pos + 6:pos + 16].decode("latin-1").strip()
        if raw[pos + 41:pos + 45] == b"\xff\xff\xff\xff":
            if len(raw) < pos + 65:
                break
            length, _zero, version = struct.unpack("<III", raw[pos + 45:pos + 57])
            start = pos + 65
        else:
            if len(raw) < pos + 57:
                break
            length, version = struct.unpack("<II", raw[pos + 41:pos + 49])
            start = pos + 57
        out.setdefault(short, (version, raw[start:start + length], start + length > len(raw)))
        pos = raw.find(b"MODULE", start + length)
    return out


def _start_time(modules):
    """Acquisition start from the LOG module: a float64 OLE date (days since
    1899-12-30) 585 bytes into it (EC-Lab 10 and 11 alike, checked against
    the twins' ``Acquisition started on``); None if not plausible."""
    log = modules.get("VMP LOG")
    if log is None:
        return None
    body = log[1]
    for offset in (_LOG_START_AT,):
        if len(body) >= offset + 8:
            (days,) = struct.unpack("<d", body[offset:offset + 8])
            if 30000 < days < 80000:  # 1982 .. 2119
                return datetime.datetime(1899, 12, 30) + datetime.timedelta(days=days)
    return None


def parse_mpr(path: str | os.PathLike) -> MprData:
    """Decode the data module of an EC-Lab ``.mpr``.

    Parameters
    ----------
    path : str or os.PathLike
        The binary file.

    Returns
    -------
    MprData
        ``columns`` maps EC-Lab's text-export column names to numpy arrays
        (flag bits as integer arrays).

    Raises
    ------
    calibration.InputError
        Not an EC-Lab file, no data module, a version or column ID not
        known, or a record size that does not match the file (truncated).
    """
    path = Path(os.fspath(path))
    raw = path.read_bytes()
    modules = _modules(raw, path)
    if "VMP data" not in modules:
        raise InputError("no data module in this .mpr (truncated?); export it as "
                         "text (.mpt) in EC-Lab", path=path)
    version, body, truncated = modules["VMP data"]
    if version not in _RECORDS_AT:
        raise InputError(f"data module version {version} is not known; export the "
                         "file as text (.mpt) in EC-Lab", path=path)
    if version >= 11:
        n_points, n_cols = struct.unpack("<IH", body[:6])
        id_at = 6
    else:
        n_points, n_cols = struct.unpack("<IB", body[:5])
        id_at = 5
    ids = struct.unpack(f"<{n_cols}H", body[id_at:id_at + 2 * n_cols])
    fields, flags, seen = [], [], set()
    for cid in ids:
        if cid in FLAG_BITS:
            flags.append(cid)
            if "flags" not in seen:
                fields.append(("flags", "u1"))
                seen.add("flags")
            continue
        known = column_for_id(cid)
        if known is None:
            raise InputError(f"column ID {cid} is not known to this reader; export the "
                             "file as text (.mpt) in EC-Lab", path=path)
        name, dtype = known
        while name in seen:
            name += " "
        seen.add(name)
        fields.append((name, dtype))
    dtype = np.dtype(fields)
    at = _RECORDS_AT[version]
    need = at + n_points * dtype.itemsize
    if truncated or len(body) < need:
        raise InputError(f"the data module holds {len(body)} bytes but {n_points} records "
                         f"of {dtype.itemsize} bytes need {need}; the file is truncated",
                         path=path)
    rec = np.frombuffer(body, dtype=dtype, count=n_points, offset=at)
    columns = {}
    for cid in flags:
        name, mask = FLAG_BITS[cid]
        shift = (mask & -mask).bit_length() - 1
        columns[name] = ((rec["flags"] & mask) >> shift).astype(np.int64)
    for name, _dt in fields:
        if name != "flags":
            columns[name.rstrip()] = rec[name].astype(float) if name.rstrip() not in columns \
                else columns[name.rstrip()]
    return MprData(columns, version, _start_time(modules), n_points)
