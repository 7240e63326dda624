"""Batch manifests: one row per video with its trace and analysis options.

A manifest is a CSV or TOML file listing the videos of a batch, each with its
potentiostat file and the options :func:`vision.analyze` needs for it. Paths in
a manifest are relative to the manifest's own folder (absolute paths work too).
Columns other than the analysis columns (:data:`MANIFEST_COLUMNS`), e.g. a
sample id or notes, are kept as metadata and copied into ``results.csv``; an
unknown column that looks like a misspelt analysis column is an error.

CSV (``manifest.csv``; header row required, ``#`` starts a comment line, an
empty cell means "not given")::

    video,trace,pixel_size_um,electrode,counter_electrode,sync_offset_s
    whisker.mp4,whisker_trace.mpt,0.25,512;384,left,1.5
    dendrite.avi,dendrite.mpt,0.25,,right,

TOML (``manifest.toml``; ``[defaults]`` apply to every ``[[video]]`` entry)::

    [defaults]
    pixel_size_um = 0.25

    [[video]]
    video = "whisker.mp4"
    trace = "whisker_trace.mpt"
    electrode = [512, 384]
    counter_electrode = "left"
    sync_offset_s = 1.5
"""
from __future__ import annotations

import csv
import dataclasses
import difflib
import logging
import math
import re
import tomllib
from pathlib import Path

from calibration import InputError

logger = logging.getLogger(__name__)

__all__ = ["BatchItem", "MANIFEST_COLUMNS", "MANIFEST_NAMES", "read_manifest"]

#: Columns a manifest may have: ``video`` is required, the rest optional.
#: Each option column is passed to :func:`vision.analyze` under its name.
MANIFEST_COLUMNS = (
    "video", "trace", "name", "pixel_size_um", "scale_bar_um", "fps",
    "tilt_deg", "crop", "electrode", "counter_electrode", "sync_offset_s", "sync",
    "sync_window", "columns", "units",
)
#: Manifest columns whose keyword of :func:`vision.analyze` has another name (``sync_window``,
#: parsed as a pair, becomes ``search_s``).
OPTION_OF_COLUMN = {"columns": "trace_columns", "units": "trace_units"}
_SYNC_MODES = ("auto", "span", "absolute")

#: File names that make a batch INPUT folder use its manifest.
MANIFEST_NAMES = ("manifest.toml", "manifest.csv")

_SIDES = ("left", "right", "top", "bottom")
_FLOAT_OPTIONS = ("pixel_size_um", "scale_bar_um", "fps", "tilt_deg", "sync_offset_s")
_POSITIVE = ("pixel_size_um", "scale_bar_um", "fps")


@dataclasses.dataclass(frozen=True)
class BatchItem:
    """One video of a batch.

    Attributes
    ----------
    name : str
        Name of the video's results folder ``DIR/<name>/``.
    video : pathlib.Path
        Video file (or folder of numbered PNG frames).
    trace : pathlib.Path or None
        Potentiostat file, or None to analyse the video alone.
    options : dict
        Keyword options for :func:`vision.analyze` (``pixel_size_um``,
        ``electrode`` as ``(x_px, y_px)``, ``counter_electrode``, ...).
        Only the options given; the rest take analyze's defaults.
    pairing : str
        How the trace was found (``"manifest row 3"``, ``"by name"``,
        ``"by duration ..."``, ``"none"``), shown to the user.
    metadata : dict
        Further manifest columns (sample id, notes, ...), as text; they do not
        change the analysis and are copied into ``results.csv`` as
        ``manifest.<column>``.
    from_manifest : tuple of str
        The keys of `options` the manifest set (the rest came from the command's flags);
        a pixel size from here is reported with source ``"manifest"``.
    """

    name: str
    video: Path
    trace: Path | None = None
    options: dict = dataclasses.field(default_factory=dict)
    pairing: str = "none"
    metadata: dict = dataclasses.field(default_factory=dict)
    from_manifest: tuple = ()


def read_manifest(path):
    """Read a CSV or TOML batch manifest.

    Parameters
    ----------
    path : str or os.PathLike
        ``.csv`` or ``.toml`` file. See the module docstring for the format.

    Returns
    -------
    list of BatchItem
        In file order. Paths are resolved against the manifest's folder.

    Raises
    ------
    calibration.InputError
        If the file cannot be read, has an unknown column, or a row is bad
        (missing video, missing file, value that is not a number, ...). The
        message gives the row number (CSV: the line number in the file; TOML:
        the ``[[video]]`` entry number, counting from 1).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("manifest not found; give an existing .csv or .toml file", path=path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path)
    elif suffix == ".toml":
        rows = _toml_rows(path)
    else:
        raise InputError(f"unknown manifest type {suffix!r}; use a .csv or .toml file", path=path)
    items = [_item(raw, where, path) for where, raw in rows]
    if not items:
        raise InputError("the manifest lists no videos; add one row per video", path=path)
    seen = {}
    for (where, _), item in zip(rows, items):
        if item.name in seen:
            raise InputError(
                f"{where}: name {item.name!r} is already used by {seen[item.name]}; "
                "give each video a distinct 'name' column (its results folder)", path=path)
        seen[item.name] = where
    return items


def _csv_rows(path):
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the manifest ({exc}); save it as UTF-8 CSV", path=path) from exc
    lines = text.splitlines()
    numbered = [(i + 1, line) for i, line in enumerate(lines)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise InputError("the manifest is empty; add a header row and one row per video", path=path)
    reader = csv.reader([line for _, line in numbered], skipinitialspace=True)
    header_line, _ = numbered[0]
    header = [h.strip().lower() for h in next(reader)]
    _check_columns(header, f"row {header_line} (header)", path)
    rows = []
    for (line_no, _), cells in zip(numbered[1:], reader):
        where = f"row {line_no}"
        if len(cells) > len(header):
            raise InputError(f"{where}: {len(cells)} cells but the header has {len(header)} "
                             "columns; quote values that contain commas", path=path)
        raw = {col: cell.strip() for col, cell in zip(header, cells)}
        rows.append((where, {k: v for k, v in raw.items() if v != ""}))
    return rows


def _toml_rows(path):
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except OSError as exc:
        raise InputError(f"cannot read the manifest ({exc})", path=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML ({exc}); fix the syntax", path=path) from exc
    unknown = set(doc) - {"defaults", "video"}
    if unknown:
        raise InputError(f"unknown top-level key(s) {sorted(unknown)}; a TOML manifest has "
                         "an optional [defaults] table and [[video]] entries", path=path)
    defaults = doc.get("defaults", {})
    if not isinstance(defaults, dict):
        raise InputError("'defaults' must be a table: [defaults]", path=path)
    _check_columns(list(defaults), "[defaults]", path)
    if "video" in defaults or "name" in defaults:
        raise InputError("[defaults] cannot set 'video' or 'name'; set them per [[video]] entry",
                         path=path)
    entries = doc.get("video", [])
    if not isinstance(entries, list):
        raise InputError("write each video as an [[video]] entry (array of tables)", path=path)
    rows = []
    for i, entry in enumerate(entries, start=1):
        where = f"row {i} ([[video]] entry {i})"
        if not isinstance(entry, dict):
            raise InputError(f"{where}: must be a table", path=path)
        _check_columns(list(entry), where, path)
        rows.append((where, {**defaults, **entry}))
    return rows


def _check_columns(columns, where, path):
    for col in columns:
        if col in MANIFEST_COLUMNS:
            continue
        if any(col.startswith(known + "_") for known in MANIFEST_COLUMNS):
            continue  # a further field about a known one, e.g. counter_electrode_x_px
        close = difflib.get_close_matches(col, MANIFEST_COLUMNS, n=1, cutoff=0.7)
        if close or not col:
            raise InputError(f"{where}: unknown column {col!r}"
                             + (f"; did you mean {close[0]!r}?" if close else "")
                             + f" Analysis columns: {', '.join(MANIFEST_COLUMNS)}", path=path)
    dup = sorted({c for c in columns if list(columns).count(c) > 1})
    if dup:
        raise InputError(f"{where}: column(s) {dup} given twice", path=path)


def _item(raw, where, manifest):
    folder = manifest.parent
    if "video" not in raw:
        raise InputError(f"{where}: no video given; fill the 'video' column", path=manifest)
    video = _existing(raw["video"], folder, where, "video", manifest)
    trace = None
    if "trace" in raw:
        trace = _existing(raw["trace"], folder, where, "trace", manifest)
    options = {}
    for key in _FLOAT_OPTIONS:
        if key in raw:
            options[key] = _float(raw[key], key, where, manifest)
    if "electrode" in raw:
        options["electrode"] = _point(raw["electrode"], "electrode", where, manifest)
    if "counter_electrode" in raw:
        value = raw["counter_electrode"]
        side = _side(value)
        if side is not None:
            options["counter_electrode"] = side
        else:
            try:
                options["counter_electrode"] = _point(value, "counter_electrode", where, manifest)
            except InputError:
                raise InputError(
                    f"{where}: counter_electrode {value!r} is neither a side "
                    f"({', '.join(_SIDES)}) nor a point 'x;y' in pixels", path=manifest) from None
    if "crop" in raw:
        options["crop"] = _crop(raw["crop"], where, manifest)
    if "sync" in raw:
        sync = str(raw["sync"]).strip().lower()
        if sync not in _SYNC_MODES:
            raise InputError(f"{where}: sync must be one of {', '.join(_SYNC_MODES)}, got "
                             f"{raw['sync']!r}", path=manifest)
        if "sync_offset_s" in options:
            raise InputError(f"{where}: give sync_offset_s or sync, not both", path=manifest)
        options["sync"] = sync
    if "sync_window" in raw:
        options["search_s"] = _window(raw["sync_window"], where, manifest)
    for column, key in OPTION_OF_COLUMN.items():
        if column in raw:
            options[key] = str(raw[column]).replace(";", ",")
    name = raw.get("name")
    if name is None:
        name = video.stem if video.is_file() else video.name
    name = str(name).strip()
    if not name or name in {".", ".."} or re.search(r"[/\\\x00]", name):
        raise InputError(f"{where}: name {name!r} cannot be a folder name; use letters, "
                         "digits, '-', '_' or '.'", path=manifest)
    metadata = {k: str(v) for k, v in raw.items() if k not in MANIFEST_COLUMNS}
    return BatchItem(name=name, video=video, trace=trace, options=options,
                     pairing=f"manifest {where}", metadata=metadata,
                     from_manifest=tuple(sorted(options)))


def _cell_parts(value):
    """The numbers of one cell: 'a;b', 'a,b', '(a b)' or a TOML list -> its parts."""
    if isinstance(value, (list, tuple)):
        return list(value)
    return [p for p in re.split(r"[;,\s]+", str(value).strip().strip("()[]")) if p]


def _crop(value, where, manifest):
    """'t;b;l;r' (or a TOML list) -> (top, bottom, left, right) px."""
    parts = _cell_parts(value)
    try:
        crop = tuple(int(float(p)) for p in parts)
        ok = len(crop) == 4 and min(crop) >= 0 and crop[0] < crop[1] and crop[2] < crop[3]
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(f"{where}: crop must be 'top;bottom;left;right' in whole pixels "
                         f"(top < bottom, left < right), got {value!r}", path=manifest)
    return crop


def _window(value, where, manifest):
    """'lo;hi' in s (or a TOML list) -> (lo, hi): the offsets auto sync searches."""
    parts = _cell_parts(value)
    try:
        lo, hi = (float(p) for p in parts)
        ok = math.isfinite(lo) and math.isfinite(hi) and lo < hi
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(f"{where}: sync_window must be 'lo;hi' in s with lo < hi (the range of "
                         f"offsets the automatic synchronisation searches), got {value!r}",
                         path=manifest)
    return lo, hi


_SIDE_NOTE = re.compile(r"^(left|right|top|bottom)(\s+[xy]\s*=\s*[-+0-9.eE]+\s*(px)?)?$")


def _side(value):
    """'left' .. 'bottom' (optionally with a note of its edge, 'right x=464px'), or None."""
    if not isinstance(value, str):
        return None
    match = _SIDE_NOTE.match(value.strip().lower())
    if match is None:
        return None
    if match.group(2):
        logger.info("counter_electrode %r: using the side %r; the edge position is found "
                    "in the image", value, match.group(1))
    return match.group(1)


def _existing(value, folder, where, column, manifest):
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: '{column}' must be a file path, got {value!r}", path=manifest)
    p = Path(value.strip()).expanduser()
    if not p.is_absolute():
        p = folder / p
    if not p.exists():
        raise InputError(f"{where}: {column} file {value!r} not found (looked at {p}); "
                         "paths are relative to the manifest's folder", path=manifest)
    return p


def _float(value, key, where, manifest):
    if isinstance(value, bool):
        value = None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: {key} must be a number, got {value!r}", path=manifest) from None
    if not math.isfinite(number):
        raise InputError(f"{where}: {key} must be finite, got {value!r}", path=manifest)
    if key in _POSITIVE and number <= 0:
        raise InputError(f"{where}: {key} must be > 0, got {value!r}", path=manifest)
    return number


def _point(value, key, where, manifest):
    parts = _cell_parts(value)
    if len(parts) != 2:
        raise InputError(f"{where}: {key} must be two numbers 'x;y' in pixels "
                         f"(x = column, y = row), got {value!r}", path=manifest)
    x, y = (_float(p, key, where, manifest) for p in parts)
    return (x, y)
