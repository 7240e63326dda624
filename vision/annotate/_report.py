"""Agreement between automatic and human labels; export of labels to CSV/JSON."""
import csv
import datetime as _dt
import io
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from calibration import InputError

from .._schema import EVENT_NAMES, FAILURE_MODES, GROWTH_MODES
from .._shared._fileio import check_output_files, record_output_files

__all__ = ["agreement", "event_rows", "export_rows", "format_agreement", "write_export",
           "TIME_DECIMALS"]

#: Decimals of event times (s) everywhere: the page, the CSV/Excel export (1 ms).
TIME_DECIMALS = 3


def _t(value):
    """An event time rounded to :data:`TIME_DECIMALS` (None stays None)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return round(float(value), TIME_DECIMALS)


def _times(values):
    """Every time of one event, ``"1.200; 3.400"`` (same decimals as everywhere)."""
    return "; ".join(f"{v:.{TIME_DECIMALS}f}" for v in values if v is not None)


def _reviewed(video):
    return video["state"] != "unreviewed"


def agreement(labelled, auto_events):
    """Compare human labels with the automatic ones.

    Parameters
    ----------
    labelled : list of dict
        Videos as returned by :meth:`AnnotationDB.labelled` (with ``events``).
    auto_events : dict
        ``{video_key: [ {event, time_s, frame, ...}, ... ]}``, the automatic
        events read from the results folders.

    Returns
    -------
    dict
        ``n_videos``; ``n_labelled`` (videos with a human failure mode);
        ``failure_modes`` (the order of the matrix axes); ``confusion``
        (rows: automatic mode, columns: human mode, counts);
        ``failure_mode_agreement`` (fraction on the diagonal, None if nothing is
        labelled); ``cohen_kappa``; ``short_circuit`` (2x2 counts
        ``{"auto_true_human_true": n, ...}``); ``events``: per event name
        ``n_pairs``, ``mean_diff_s``, ``median_diff_s``, ``mean_abs_diff_s``,
        ``max_abs_diff_s`` (human minus automatic, video clock),
        ``auto_only`` (automatic events the reviewer deleted), ``human_only``
        (events only the reviewer marked) and ``pairs`` (per video). Events are
        compared on reviewed videos (state other than ``unreviewed``); several
        events of one name are paired in time order. ``growth_modes``: per
        growth mode the 2x2 counts ``{"auto_true_human_true": n, ...}`` over the
        videos whose growth modes a person set.
    """
    modes = list(FAILURE_MODES)
    index = {m: i for i, m in enumerate(modes)}
    matrix = np.zeros((len(modes), len(modes)), dtype=int)
    sc = {"auto_true_human_true": 0, "auto_true_human_false": 0,
          "auto_false_human_true": 0, "auto_false_human_false": 0}
    events = {name: {"pairs": [], "auto_only": 0, "human_only": 0} for name in EVENT_NAMES}
    growth = {m: {"auto_true_human_true": 0, "auto_true_human_false": 0,
                  "auto_false_human_true": 0, "auto_false_human_false": 0}
              for m in GROWTH_MODES}
    n_labelled = 0
    for video in labelled:
        human_growth = video.get("human_growth_modes")
        if human_growth is not None:
            auto_growth = video.get("auto_growth_modes") or []
            for m in GROWTH_MODES:
                growth[m][f"auto_{str(m in auto_growth).lower()}_"
                          f"human_{str(m in human_growth).lower()}"] += 1
        if video["human_failure_mode"] is not None:
            n_labelled += 1
            matrix[index[video["auto_failure_mode"]], index[video["human_failure_mode"]]] += 1
        if video["human_short_circuit"] is not None:
            key = (f"auto_{str(video['auto_short_circuit']).lower()}_"
                   f"human_{str(video['human_short_circuit']).lower()}")
            sc[key] += 1
        if not _reviewed(video):
            continue
        auto = auto_events.get(video["video_key"], [])
        for name in EVENT_NAMES:
            a = sorted(e["time_s"] for e in auto if e["event"] == name and e["time_s"] is not None)
            h = sorted(e["time_s"] for e in video["events"]
                       if e["event"] == name and e["time_s"] is not None)
            for ta, th in zip(a, h):
                events[name]["pairs"].append({"video": video["name"], "auto_time_s": ta,
                                              "human_time_s": th, "diff_s": th - ta})
            events[name]["auto_only"] += max(len(a) - len(h), 0)
            events[name]["human_only"] += max(len(h) - len(a), 0)
    for stats in events.values():
        diffs = np.array([p["diff_s"] for p in stats["pairs"]], dtype=float)
        stats["n_pairs"] = int(diffs.size)
        if diffs.size:
            stats.update(mean_diff_s=float(diffs.mean()), median_diff_s=float(np.median(diffs)),
                         mean_abs_diff_s=float(np.abs(diffs).mean()),
                         max_abs_diff_s=float(np.abs(diffs).max()))
        else:
            stats.update(mean_diff_s=None, median_diff_s=None, mean_abs_diff_s=None,
                         max_abs_diff_s=None)
    total = int(matrix.sum())
    accuracy = float(np.trace(matrix) / total) if total else None
    kappa = None
    if total:
        expected = float((matrix.sum(axis=1) @ matrix.sum(axis=0)) / total**2)
        # undefined when chance agreement is total (one class only on both sides)
        kappa = None if expected >= 1.0 else float((accuracy - expected) / (1.0 - expected))
    return {"n_videos": len(labelled), "n_labelled": n_labelled, "failure_modes": modes,
            "confusion": matrix.tolist(), "failure_mode_agreement": accuracy,
            "cohen_kappa": kappa, "short_circuit": sc, "events": events,
            "growth_modes": growth}


def _fmt(value, spec=f"+.{TIME_DECIMALS}f"):
    return "-" if value is None else format(value, spec)


def format_agreement(report):
    """The agreement as plain text (what ``semtrack annotate --report`` prints)."""
    modes = report["failure_modes"]
    lines = [f"Videos: {report['n_videos']}, with a human failure mode: {report['n_labelled']}",
             "", "Failure mode confusion matrix (rows: automatic, columns: human)"]
    width = max(len(m) for m in modes) + 2
    lines.append(" " * width + "".join(m.rjust(width) for m in modes))
    for mode, row in zip(modes, report["confusion"]):
        lines.append(mode.ljust(width) + "".join(str(n).rjust(width) for n in row))
    acc = report["failure_mode_agreement"]
    lines.append(f"Agreement: {'-' if acc is None else f'{acc:.1%}'}   "
                 f"Cohen's kappa: {_fmt(report['cohen_kappa'], '.3f')}")
    sc = report["short_circuit"]
    lines += ["", "Short circuit (automatic / human): "
              f"yes/yes {sc['auto_true_human_true']}, yes/no {sc['auto_true_human_false']}, "
              f"no/yes {sc['auto_false_human_true']}, no/no {sc['auto_false_human_false']}",
              "", "Growth modes (automatic / human, videos whose growth modes a person set):"]
    for mode, g in report.get("growth_modes", {}).items():
        lines.append(f"  {mode:<10} yes/yes {g['auto_true_human_true']}, yes/no "
                     f"{g['auto_true_human_false']}, no/yes {g['auto_false_human_true']}, "
                     f"no/no {g['auto_false_human_false']}")
    lines += ["", "Event time, human minus automatic (s, video clock), reviewed videos:",
              f"{'event':<18}{'pairs':>6}{'mean':>9}{'median':>9}{'mean|d|':>9}{'max|d|':>9}"
              f"{'auto only':>11}{'human only':>12}"]
    for name, st in report["events"].items():
        lines.append(f"{name:<18}{st['n_pairs']:>6}{_fmt(st['mean_diff_s']):>9}"
                     f"{_fmt(st['median_diff_s']):>9}{_fmt(st['mean_abs_diff_s'], '.3f'):>9}"
                     f"{_fmt(st['max_abs_diff_s'], '.3f'):>9}{st['auto_only']:>11}"
                     f"{st['human_only']:>12}")
    return "\n".join(lines) + "\n"


_TEXT_FIELDS = ("video_name", "rel_path", "note", "updated_by")


def _safe_cell(text):
    """Defuse spreadsheet formulas in user text (CSV injection)."""
    if isinstance(text, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _csv_number(value):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return value


def _csv_time(value):
    """An event time in the CSV with :data:`TIME_DECIMALS` decimals, as on the page and in
    the ``*_times_s`` lists (``0.300``, not ``0.3``); empty when there is none."""
    value = _csv_number(value)
    return value if value == "" else f"{float(value):.{TIME_DECIMALS}f}"


def _sorted_events(events, name):
    return sorted((e for e in events if e["event"] == name),
                  key=lambda e: (e["time_s"] is None, e["time_s"] or 0.0, e.get("frame", 0)))


def _modes_text(modes):
    return None if modes is None else ", ".join(modes) if modes else "none"


def export_rows(labelled, auto_events):
    """One flat row per video: automatic and human labels side by side.

    Event columns: ``auto_<event>_time_s``, ``human_<event>_time_s`` and
    ``human_<event>_frame`` hold the first event of each name (video clock,
    s); ``auto_<event>_times_s`` and ``human_<event>_times_s`` hold every
    one, ``"; "``-separated, so no event is lost. Every event with its own
    row is in :func:`event_rows` (the ``events`` sheet of the Excel export).
    Growth modes are comma-separated (``none``: a person said none; empty:
    not labelled).
    """
    rows = []
    for video in labelled:
        row = {"video_name": video["name"], "rel_path": video["rel_path"],
               "video_sha256": video["video_key"],
               "auto_failure_mode": video["auto_failure_mode"],
               "human_failure_mode": video["human_failure_mode"],
               "auto_short_circuit": video["auto_short_circuit"],
               "human_short_circuit": video["human_short_circuit"],
               "auto_growth_modes": _modes_text(video.get("auto_growth_modes") or []),
               "human_growth_modes": _modes_text(video.get("human_growth_modes")),
               "state": video["state"], "note": video["note"], "version": video["version"],
               "updated_by": video["updated_by"], "updated_at": video["updated_at"]}
        auto = auto_events.get(video["video_key"], [])
        for name in EVENT_NAMES:
            a = _sorted_events(auto, name)
            h = _sorted_events(video["events"], name)
            row[f"auto_{name}_time_s"] = _t(a[0]["time_s"]) if a else None
            row[f"human_{name}_time_s"] = _t(h[0]["time_s"]) if h else None
            row[f"human_{name}_frame"] = h[0]["frame"] if h else None
            row[f"auto_{name}_times_s"] = _times(_t(e["time_s"]) for e in a)
            row[f"human_{name}_times_s"] = _times(_t(e["time_s"]) for e in h)
        rows.append(row)
    return rows


EVENT_ROW_FIELDS = ("video_name", "rel_path", "labeller", "event", "frame", "time_s",
                    "auto_time_s", "origin", "source", "updated_by", "updated_at")


def event_rows(labelled, auto_events):
    """Every event of every video, one row each: the automatic ones and the human ones.

    ``labeller`` is ``auto`` (as semtrack found it) or ``human`` (the
    reviewer's list, which starts as a copy of the automatic one).
    """
    rows = []
    for video in labelled:
        base = {"video_name": video["name"], "rel_path": video["rel_path"]}
        for e in auto_events.get(video["video_key"], []):
            rows.append({**base, "labeller": "auto", "event": e["event"], "frame": e["frame"],
                         "time_s": _t(e["time_s"]), "auto_time_s": _t(e["time_s"]),
                         "origin": "auto", "source": e.get("source", ""),
                         "updated_by": None, "updated_at": None})
        for e in video["events"]:
            rows.append({**base, "labeller": "human", "event": e["event"], "frame": e["frame"],
                         "time_s": _t(e["time_s"]), "auto_time_s": _t(e.get("auto_time_s")),
                         "origin": e.get("origin"), "source": None,
                         "updated_by": e.get("updated_by"), "updated_at": e.get("updated_at")})
    return rows


def _atomic_write(path, text):
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError("the folder to export into does not exist; create it first", path=path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with (os.fdopen(fd, "wb") if isinstance(text, bytes)
              else os.fdopen(fd, "w", encoding="utf-8", newline="")) as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def labels_csv(labelled, auto_events):
    """The labels as CSV text (one row per video, see :func:`export_rows`)."""
    rows = export_rows(labelled, auto_events)
    out = io.StringIO()
    fields = list(rows[0]) if rows else ["video_name"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _safe_cell(v) if k in _TEXT_FIELDS else _csv_time(v)
                         if k.endswith("_time_s") else _csv_number(v) for k, v in row.items()})
    return out.getvalue()


def labels_json(labelled, auto_events, *, version=None):
    """The labels as JSON text: every video with its full human and automatic event lists."""
    videos = []
    for video in labelled:
        item = {k: v for k, v in video.items() if k != "events"}
        item["human_events"] = video["events"]
        item["auto_events"] = auto_events.get(video["video_key"], [])
        videos.append(item)
    doc = {"semtrack_version": version,
           "exported_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
           "failure_modes": list(FAILURE_MODES), "growth_modes": list(GROWTH_MODES),
           "event_names": list(EVENT_NAMES),
           "videos": videos}
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"


def labels_xlsx(labelled, auto_events, *, version=None):
    """The labels as an Excel workbook (bytes): sheets ``videos`` and ``events``.

    ``videos`` is :func:`export_rows` (as the CSV), ``events`` is
    :func:`event_rows` (every event, one row each). User text is defused as in
    the CSV (no formulas).
    """
    from openpyxl import Workbook  # noqa: PLC0415  (only needed for this export)

    book = Workbook()
    sheets = [("videos", export_rows(labelled, auto_events), None),
              ("events", event_rows(labelled, auto_events), EVENT_ROW_FIELDS)]
    for k, (title, rows, fields) in enumerate(sheets):
        sheet = book.active if k == 0 else book.create_sheet()
        sheet.title = title
        fields = list(fields or (rows[0] if rows else ["video_name"]))
        sheet.append(fields)
        for row in rows:
            sheet.append([_xlsx_cell(row.get(f), f) for f in fields])
        sheet.freeze_panes = "A2"
    meta = book.create_sheet("about")
    meta.append(["semtrack_version", version])
    meta.append(["exported_at", _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")])
    meta.append(["times", "video clock, s, rounded to 1 ms"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _xlsx_cell(value, field):
    if isinstance(value, str):
        # openpyxl stores a leading "=" as a formula; user text must stay text
        return _safe_cell(value) if field in _TEXT_FIELDS or value[:1] == "=" else value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_export(path, labelled, auto_events, *, version=None):
    """Write the labels to ``path`` atomically; the format follows the suffix.

    Parameters
    ----------
    path : str or Path
        ``*.csv``, ``*.json`` or ``*.xlsx``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = labels_csv(labelled, auto_events)
    elif suffix == ".json":
        data = labels_json(labelled, auto_events, version=version)
    elif suffix == ".xlsx":
        data = labels_xlsx(labelled, auto_events, version=version)
    else:
        raise InputError("export file must end in .csv, .json or .xlsx", path=path)
    check_output_files([path], "annotate-export")  # never overwrite a file of the user's
    _atomic_write(path, data)
    record_output_files([path], "annotate-export")
    return path
