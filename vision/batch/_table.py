"""The combined table of a batch: one row per video (results.csv, results.parquet)."""
from __future__ import annotations

import json
import logging
import math
import os
import uuid
from pathlib import Path

from .._schema import BATCH_TABLE_FILE
from .._shared._fileio import jsonable
from ._summary import growth_mode_names

logger = logging.getLogger(__name__)

__all__ = ["flatten_summary", "write_results_table"]


# --------------------------------------------------------------------------
# combined table

def flatten_summary(summary, prefix=""):
    """Flatten a nested summary to one level of scalar fields.

    Nested dict keys are joined with ``.`` (``inputs.video.sha256``); lists
    become JSON strings.
    """
    flat = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_summary(value, prefix=name + "."))
        elif isinstance(value, (list, tuple)):
            flat[name] = json.dumps(jsonable(value), default=str)
        else:
            value = jsonable(value)
            flat[name] = value if isinstance(value, (bool, int, float, str)) or value is None \
                else str(value)
    return flat


def _table(result):
    import pandas as pd

    rows = []
    for rec in result.records:
        row = {k: rec[k] for k in ("name", "status", "error", "video", "trace", "pairing")}
        row["batch_wall_s"] = rec["duration_s"]  # summary's duration_s is the video's length
        for k, v in (rec.get("metadata") or {}).items():
            row[f"manifest.{k}"] = v
        summary = result.summaries.get(rec["name"])
        if summary is not None:
            for k, v in flatten_summary(summary).items():
                row.setdefault(k, v)
            modes = growth_mode_names(summary)
            if modes is not None:  # readable beside failure_mode, as in the report
                row["growth_modes"] = ", ".join(modes) or "none"
        rows.append(row)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    # One type per column (Parquet needs it): a column mixing text and numbers is text.
    for col in columns:
        kinds = {type(row[col]) for row in rows if row.get(col) is not None}
        kinds = {float if k is int else k for k in kinds}
        if len(kinds) > 1:
            for row in rows:
                if row.get(col) is not None:
                    row[col] = str(row[col])
    frame = pd.DataFrame(rows, columns=columns)
    for col in columns:
        values = [row.get(col) for row in rows]
        if all(v is None or isinstance(v, bool) for v in values) and any(v is not None
                                                                       for v in values):
            frame[col] = pd.array(values, dtype="boolean")
        elif all(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
            frame[col] = pd.array(values, dtype="float64")
    return frame


def write_results_table(result):
    """Write ``results.csv`` and ``results.parquet`` for a batch (atomically).

    One row per video in input order: ``name``, ``status``, ``error``,
    ``video``, ``trace``, ``pairing``, ``batch_wall_s`` (wall-clock seconds
    this video took in this run: analysis, or only checking the input hashes
    for a skipped video), further manifest columns as ``manifest.<column>``,
    then the flattened summary fields (``growth_modes`` as ``"whisker, lateral"`` or
    ``"none"``).
    """
    frame = _table(result)
    out = Path(result.out_dir)
    for name, write in ((BATCH_TABLE_FILE, lambda p: frame.to_csv(p, index=False)),
                        ("results.parquet", lambda p: frame.to_parquet(p, index=False))):
        tmp = out / f".{name}.{uuid.uuid4().hex}.tmp"
        try:
            write(tmp)
            os.replace(tmp, out / name)
        finally:
            tmp.unlink(missing_ok=True)
    return frame
