"""What a batch shows at its end: the table per video and the cross-video figure."""
from __future__ import annotations

import logging
import math
import os
import uuid
from pathlib import Path

from .._schema import BATCH_FIGURE_FILE, FAILURE_MODES, GROWTH_RATES_FILE

logger = logging.getLogger(__name__)

__all__ = ["format_table", "growth_mode_names", "table_rows", "write_rate_figure"]

#: Columns of the end-of-batch table, in order.
TABLE_COLUMNS = ("video", "status", "failure mode", "growth modes", "short circuit",
                 "max rate µm/s", "max j A/cm²", "sync", "warnings")
#: Colour per failure mode in the cross-video figure (colour-blind safe, Okabe-Ito).
MODE_COLOURS = {"none": "#999999", "lateral_growth": "#E69F00", "fracture": "#D55E00",
                "contact_loss": "#0072B2"}


def _num(value, fmt):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return format(value, fmt)


def growth_mode_names(summary):
    """The growth modes of a summary as names (``["whisker", "lateral"]``), or None if the
    summary has none recorded (a failed video). Entries may be names or ``{"mode": ...}``."""
    modes = summary.get("growth_modes")
    if not isinstance(modes, (list, tuple)):
        return None
    names = []
    for m in modes:
        if isinstance(m, dict):
            m = m.get("mode") or m.get("name") or m.get("growth_mode")
        if m:
            names.append(str(m))
    return names


def _growth_modes(summary):
    return ",".join(growth_mode_names(summary) or []) or "-"


def _sync(summary):
    method = summary.get("sync_method")
    if not method:
        return "-"
    conf = summary.get("sync_confidence")
    return method if conf is None else f"{method} {conf:.2f}"


def table_rows(result):
    """One list of cells (text) per video, in input order (see :data:`TABLE_COLUMNS`)."""
    rows = []
    for rec in result.records:
        s = result.summaries.get(rec["name"]) or {}
        if s.get("short_circuit"):
            t = s.get("short_circuit_time_s")
            short = "yes" + ("" if t is None else f" at {t:.1f} s")
        elif s:
            short = "no"
        else:
            short = "-"
        failure = s.get("failure_mode") or "-"
        if rec["status"] == "failed":
            failure = "-"
        n_warn = len(rec.get("warnings") or [])
        rows.append([rec["name"], rec["status"], failure, _growth_modes(s), short,
                     _num(s.get("max_growth_rate_um_s"), ".3g"),
                     _num(s.get("max_local_current_density_A_cm2"), ".3g"), _sync(s),
                     str(n_warn) if n_warn else "-"])
    return rows


def format_table(result):
    """The end-of-batch table as text: one row per video, columns aligned."""
    rows = [list(TABLE_COLUMNS)] + table_rows(result)
    widths = [max(len(r[i]) for r in rows) for i in range(len(TABLE_COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _max_rate_point(folder):
    """(step potential V, max rate µm/s) of one results folder, or None."""
    import pandas as pd

    path = Path(folder) / GROWTH_RATES_FILE
    if not path.is_file():
        return None
    try:
        rates = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.EmptyDataError):
        return None
    column = next((c for c in ("control_V", "control_value") if c in rates), None)
    if column is None or "rate_um_s" not in rates or not len(rates):
        return None  # e.g. galvanostatic steps (control_A): no potential to plot against
    rates = rates.dropna(subset=["rate_um_s", column])
    if not len(rates):
        return None
    best = rates.loc[rates["rate_um_s"].idxmax()]
    return float(best[column]), float(best["rate_um_s"])


def write_rate_figure(result):
    """Write the cross-video figure ``max_rate_vs_potential.png`` (atomically).

    One marker per video with results: its maximum whisker growth rate against the
    potential of the step where it was reached, coloured by failure mode. Videos
    without a potentiostatic step or without a tracked whisker are listed in the
    figure's note instead.

    Returns
    -------
    pathlib.Path
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    points, missing = [], []
    for rec in result.records:
        s = result.summaries.get(rec["name"])
        p = _max_rate_point(Path(result.out_dir) / rec["name"]) if s else None
        if p is None:
            missing.append(rec["name"])
        else:
            points.append((rec["name"], (s or {}).get("failure_mode") or "none", *p))
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for mode in dict.fromkeys([*FAILURE_MODES, *(p[1] for p in points)]):
        sel = [p for p in points if p[1] == mode]
        if sel:
            ax.scatter([p[2] for p in sel], [p[3] for p in sel], s=46, label=mode,
                       color=MODE_COLOURS.get(mode, "#000000"), edgecolor="black", zorder=3)
    for name, _, x, y in points:
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_xlabel("step potential (V)")
    ax.set_ylabel("maximum growth rate (µm/s)")
    ax.set_title("Maximum whisker growth rate per video")
    ax.grid(alpha=0.3)
    if points:
        ax.legend(title="failure mode", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no video with a tracked whisker at a potentiostatic step",
                transform=ax.transAxes, ha="center", va="center")
    if missing:
        fig.text(0.01, 0.01, "not shown (no rate or no potential step): "
                 + ", ".join(missing)[:150], fontsize=7)
    fig.tight_layout(rect=(0, 0.04 if missing else 0, 1, 1))
    out = Path(result.out_dir) / BATCH_FIGURE_FILE
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp.png")
    try:
        fig.savefig(tmp)
        os.replace(tmp, out)
    finally:
        plt.close(fig)
        tmp.unlink(missing_ok=True)
    return out
