"""Batch analysis of many videos on local worker processes or a Dask cluster.

:func:`run_batch` analyses each :class:`~vision.BatchItem` with
:func:`vision.analyze` and saves its results folder ``DIR/<name>/``. The work
is spread by Dask distributed: a ``LocalCluster`` of worker processes on this
machine by default, or an existing cluster given by its scheduler address.
``workers=0`` runs everything in this process, one video after the other
(no Dask; for debugging).

Each video's folder is written whole or not at all: the worker saves into
``DIR/.semtrack-partial/`` and renames the finished folder into place.
Alongside the analysis files it writes ``batch_key.json``: the SHA-256 of the
video and trace and the analysis parameters. A rerun skips a video whose
``batch_key.json`` matches (unless ``force``), so an interrupted batch resumes
where it stopped.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import logging
import math
import os
import shutil
import sys
import time
import traceback
import uuid
import warnings
from pathlib import Path

from calibration import InputError

from .._schema import BATCH_JSON_FILE, BATCH_KEY_FILE, BATCH_TABLE_FILE, SUMMARY_FILE
from .._shared._fileio import file_sha256, jsonable, replace_dir, write_json_atomic
from .._shared._system import default_workers
from ._manifest import MANIFEST_NAMES, read_manifest
from ._pairing import pair_videos

logger = logging.getLogger(__name__)

__all__ = [
    "BatchResult",
    "collect_batch",
    "default_workers",
    "process_video",
    "run_batch",
]

#: Name of the per-video resume record inside ``DIR/<name>/``.
KEY_FILE = BATCH_KEY_FILE
#: Staging folder inside the output folder (never a finished result).
PARTIAL_DIR = ".semtrack-partial"
_LOCK_FILE = ".semtrack-batch.lock"


# --------------------------------------------------------------------------
# inputs

def collect_batch(input_path, *, out_dir=None, defaults=None):
    """Turn the batch INPUT into a list of :class:`~vision.BatchItem`.

    Parameters
    ----------
    input_path : str or os.PathLike
        A manifest file (``.csv`` / ``.toml``), a folder holding
        ``manifest.toml`` or ``manifest.csv`` (which is then used), or a folder
        of videos searched recursively, each paired with its trace by name or
        else by duration and start time (see :func:`vision.pair_videos`).
    out_dir : str or os.PathLike, optional
        Output folder; not searched for videos if it lies inside the input.
    defaults : dict, optional
        Analysis options for every video (e.g. ``{"pixel_size_um": 0.1}``);
        a manifest's own values take precedence.

    Returns
    -------
    list of BatchItem
    """
    path = Path(input_path)
    if not path.exists():
        raise InputError("no such file or folder; give a folder of videos or a manifest "
                         "(.csv or .toml)", path=path)
    if path.is_dir():
        manifests = [path / n for n in MANIFEST_NAMES if (path / n).is_file()]
        if len(manifests) > 1:
            raise InputError("holds both manifest.toml and manifest.csv; keep one", path=path)
        if manifests:
            logger.info("using the manifest %s", manifests[0])
            items = read_manifest(manifests[0])
        else:
            # leave our own output out of the search, unless it is the input folder itself
            exclude = [out_dir] if out_dir is not None and \
                Path(out_dir).resolve() != path.resolve() else []
            items = pair_videos(path, exclude=exclude)
    else:
        items = read_manifest(path)
    if defaults:
        items = [dataclasses.replace(it, options={**defaults, **it.options}) for it in items]
    return items


# --------------------------------------------------------------------------
# resume key

def _resume_key(item, save_options):
    return {
        "video_sha256": file_sha256(item.video),
        "trace_sha256": None if item.trace is None else file_sha256(item.trace),
        "parameters": jsonable(dict(sorted(item.options.items()))),
        "outputs": jsonable(dict(sorted(save_options.items()))),
    }


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


# --------------------------------------------------------------------------
# the task one worker runs for one video

def process_video(item, out_dir, *, force=False, save_options=None):
    """Analyse one video and save its results folder ``out_dir/<name>/``.

    This is the task a batch worker runs. It never raises for a broken
    video: the error is returned in the record.

    Parameters
    ----------
    item : BatchItem
        The video, its trace and options.
    out_dir : str or os.PathLike
        Batch output folder (must be reachable at the same path by workers).
    force : bool
        Analyse even if an up-to-date result exists.
    save_options : dict, optional
        Options for :meth:`vision.Analysis.save` (``overlay``, ``report``);
        the analysis options are the item's.

    Returns
    -------
    dict
        ``name``, ``status`` (``"done"``, ``"skipped"`` or ``"failed"``),
        ``error`` (message or None), ``duration_s`` (wall-clock seconds),
        ``n_frames``, ``warnings`` (of this analysis, list of str),
        ``summary`` (the analysis summary, or None) and, for
        an unexpected error (a bug rather than bad input), ``traceback``.
    """
    save_options = dict(save_options or {})
    out_dir = Path(out_dir)
    final = out_dir / item.name
    t0 = time.perf_counter()
    record = {"name": item.name, "status": "failed", "error": None,
              "duration_s": None, "n_frames": None, "warnings": [], "summary": None}
    try:
        key = _resume_key(item, save_options)
        if not force and _is_up_to_date(final, key):
            summary = _read_json(final / SUMMARY_FILE)
            record.update(status="skipped", summary=summary,
                          n_frames=(summary or {}).get("n_frames"))
        else:
            summary = _analyze_and_save(item, final, key, save_options)
            record.update(status="done", summary=summary, n_frames=summary.get("n_frames"),
                          warnings=list(summary.get("warnings") or []))
    except InputError as exc:
        record["error"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - batch boundary: one broken video never stops the batch
        logger.debug("%s: analysis failed", item.video, exc_info=True)
        record["error"] = f"{type(exc).__name__}: {exc}"
        record["traceback"] = traceback.format_exc()
    record["duration_s"] = round(time.perf_counter() - t0, 3)
    return record


def _is_up_to_date(final, key):
    if not (final / SUMMARY_FILE).is_file():
        return False
    stored = _read_json(final / KEY_FILE)
    if not isinstance(stored, dict):
        return False
    return {k: stored.get(k) for k in key} == jsonable(key)


def _in_dask_worker():
    try:
        from distributed import get_worker
        get_worker()
    except (ImportError, ValueError):
        return False
    return True


def _analyze_and_save(item, final, key, save_options):
    from ..pipeline import _analyze

    if _in_dask_worker():
        # The engine parallelises over videos: one thread per worker process.
        import cv2
        cv2.setNumThreads(1)
    with warnings.catch_warnings():
        # analyze records its warnings in summary["warnings"]; the batch reports them per
        # video instead of printing them between the progress bar updates.
        warnings.simplefilter("ignore")
        analysis = _analyze.analyze(item.video, trace=item.trace, progress=False,
                                    **item.options)
    staging_root = final.parent / PARTIAL_DIR
    staging_root.mkdir(parents=True, exist_ok=True)
    staging = staging_root / f"{item.name}.{uuid.uuid4().hex}"
    try:
        analysis.save(staging, **save_options)
        write_json_atomic(staging / KEY_FILE, {**key, "name": item.name,
                                                "video": str(item.video),
                                                "trace": None if item.trace is None
                                                else str(item.trace)})
        replace_dir(staging, final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    summary = _read_json(final / SUMMARY_FILE)
    if summary is None:
        summary = jsonable(analysis.summary)
    return summary


# --------------------------------------------------------------------------
# the driver

@dataclasses.dataclass
class BatchResult:
    """What a batch did.

    Attributes
    ----------
    out_dir : pathlib.Path
        The output folder.
    records : list of dict
        One per video in input order: ``name``, ``video``, ``trace``,
        ``pairing``, ``metadata``, ``status`` (``done``, ``skipped``, ``failed`` or, for an
        interrupted batch, ``pending``), ``error``, ``duration_s``, ``warnings``,
        ``n_frames``.
    summaries : dict
        Analysis summary per video name (done and skipped videos).
    engine : str
        ``"serial"``, ``"LocalCluster(N workers)"`` or the scheduler address.
    wall_s : float
        Wall-clock duration of the batch in seconds.
    interrupted : bool
        True if the batch was stopped before all videos were processed.
    """

    out_dir: Path
    records: list
    summaries: dict
    engine: str
    wall_s: float = 0.0
    interrupted: bool = False

    def count(self, status):
        """Number of videos with ``status``."""
        return sum(1 for r in self.records if r["status"] == status)

    @property
    def failed(self):
        """Records of the failed videos."""
        return [r for r in self.records if r["status"] == "failed"]


def run_batch(items, out_dir, *, workers=None, scheduler=None, force=False,
              overlay=True, report=True, progress=False):
    """Analyse many videos; write per-video folders and the combined results.

    Parameters
    ----------
    items : list of BatchItem
        The videos (see :func:`collect_batch`). Names must be distinct.
    out_dir : str or os.PathLike
        Output folder. Gets ``<name>/`` per video (the
        :func:`vision.analyze` results format plus ``batch_key.json``),
        ``results.csv`` and ``results.parquet`` (one row per video:
        status and the flattened summary fields) and ``batch.json`` (status,
        error and duration per video).
    workers : int, optional
        Worker processes of the local Dask ``LocalCluster``; default: the
        cores available to this process. ``0`` runs serially in this process
        without Dask. Ignored with ``scheduler``.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); the
        workers must see the videos and ``out_dir`` at the same paths.
    force : bool
        Re-analyse videos whose results are up to date.
    overlay, report : bool
        Passed to :meth:`vision.Analysis.save` (overlay video, HTML report).
    progress : bool
        Show a progress bar (videos done, frames per second, time left) on
        stderr.

    Returns
    -------
    BatchResult

    Raises
    ------
    calibration.InputError
        Bad arguments, duplicate names, or another batch writing to
        ``out_dir``.
    KeyboardInterrupt
        After closing the workers and writing ``batch.json`` with the
        statuses so far. Finished result folders stay; no half-written one
        remains, and rerunning resumes.
    """
    items = list(items)
    if not items:
        raise InputError("no videos to analyse")
    names = [it.name for it in items]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"several videos would write to the same results folder {dup}; "
                         "give them distinct names (manifest 'name' column)")
    if scheduler is None:
        workers = default_workers() if workers is None else int(workers)
        if workers < 0:
            raise InputError(f"workers must be >= 0, got {workers}")
        workers = min(workers, len(items))
    out_dir = Path(out_dir).resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("the output exists and is not a folder; give a folder", path=out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_options = {"overlay": bool(overlay), "report": bool(report)}
    items = [dataclasses.replace(it, video=Path(it.video).resolve(),
                                 trace=None if it.trace is None else Path(it.trace).resolve())
             for it in items]
    records = {it.name: {"name": it.name, "video": str(it.video),
                         "trace": None if it.trace is None else str(it.trace),
                         "pairing": it.pairing, "metadata": dict(it.metadata),
                         "status": "pending", "error": None,
                         "duration_s": None, "n_frames": None, "warnings": []}
               for it in items}
    summaries = {}
    engine = ("serial" if scheduler is None and workers == 0 else
              scheduler if scheduler is not None else f"LocalCluster({workers} workers)")
    started = datetime.datetime.now(datetime.UTC)
    t0 = time.perf_counter()
    state = {"last_write": 0.0}

    def write_status(final=False, interrupted=False):
        now = time.perf_counter()
        if not final and now - state["last_write"] < 2.0:
            return
        state["last_write"] = now
        write_json_atomic(out_dir / BATCH_JSON_FILE, _batch_json(
            records, items, engine, started, now - t0, force, save_options,
            interrupted=interrupted))

    bar = _progress_bar(len(items), enabled=progress)
    frames = {"n": 0}

    def on_record(rec):
        summary = rec.pop("summary", None)
        records[rec["name"]].update(rec)
        if summary is not None:
            summaries[rec["name"]] = summary
        if rec["status"] == "done" and rec.get("n_frames"):
            frames["n"] += int(rec["n_frames"])
        if rec["status"] == "failed":
            logger.info("%s: failed: %s", rec["name"], rec["error"])
        bar.update(1)
        elapsed = max(time.perf_counter() - t0, 1e-9)
        bar.set_postfix_str(f"{frames['n'] / elapsed:.1f} frames/s, "
                            f"{sum(r['status'] == 'failed' for r in records.values())} failed")
        write_status()

    with _lock(out_dir):
        _clean_partial(out_dir)
        interrupted = False
        try:
            if engine == "serial":
                for it in items:
                    on_record(process_video(it, out_dir, force=force,
                                            save_options=save_options))
            else:
                _run_dask(items, out_dir, force, save_options, workers, scheduler, on_record)
        except KeyboardInterrupt:
            interrupted = True
            raise
        finally:
            bar.close()
            wall = time.perf_counter() - t0
            result = BatchResult(out_dir=out_dir, records=[records[n] for n in names],
                                 summaries=summaries, engine=engine, wall_s=wall,
                                 interrupted=interrupted)
            write_status(final=True, interrupted=interrupted)
            write_results_table(result)
            _clean_partial(out_dir)
    return result


def _progress_bar(total, *, enabled):
    from tqdm import tqdm

    return tqdm(total=total, unit="video", file=sys.stderr, disable=not enabled,
                dynamic_ncols=True, desc="semtrack batch")


@contextlib.contextmanager
def _lock(out_dir):
    lock = out_dir / _LOCK_FILE
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        pid = (lock.read_text().strip() or "0") if lock.exists() else "0"
        if pid.isdigit() and int(pid) > 0 and _alive(int(pid)):
            raise InputError(f"another semtrack batch (process {pid}) is writing here; wait for "
                             "it or choose another out_dir", path=out_dir) from None
        lock.unlink(missing_ok=True)  # stale lock of a killed batch
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    with os.fdopen(fd, "w") as fh:
        fh.write(str(os.getpid()))
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_partial(out_dir):
    partial = out_dir / PARTIAL_DIR
    if partial.exists():
        shutil.rmtree(partial, ignore_errors=True)


def _run_dask(items, out_dir, force, save_options, workers, scheduler, on_record):
    from distributed import Client, LocalCluster, as_completed

    with contextlib.ExitStack() as stack:
        if not logger.isEnabledFor(logging.DEBUG):
            # Dask logs every worker start and stop at INFO: keep the terminal for our output.
            dask_logger = logging.getLogger("distributed")
            stack.callback(dask_logger.setLevel, dask_logger.level)
            dask_logger.setLevel(logging.CRITICAL)
        if scheduler is not None:
            try:
                client = stack.enter_context(Client(scheduler, timeout="20s"))
            except (OSError, TimeoutError) as exc:
                raise InputError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); "
                                 "start one with 'dask scheduler' and workers with "
                                 f"'dask worker {scheduler}'") from exc
        else:
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=":0", silence_logs=logging.ERROR))
            client = stack.enter_context(Client(cluster))
        token = uuid.uuid4().hex[:8]
        futures = client.map(process_video, items, out_dir=str(out_dir), force=force,
                             save_options=save_options, pure=False,
                             key=[f"semtrack-{it.name}-{token}" for it in items])
        name_of = {f.key: it.name for f, it in zip(futures, items)}
        for fut in as_completed(futures):
            if fut.status == "finished":
                on_record(fut.result())
            else:
                exc = fut.exception() if fut.status == "error" else None
                if exc is not None and type(exc).__name__ == "KilledWorker":
                    msg = ("the worker process died while analysing this video (out of memory "
                           "or killed); rerun the batch to retry it")
                else:
                    msg = f"{type(exc).__name__}: {exc}" if exc is not None else f"task {fut.status}"
                on_record({"name": name_of[fut.key], "status": "failed", "error": msg,
                           "duration_s": None, "n_frames": None})


def _batch_json(records, items, engine, started, elapsed, force, save_options, *,
                interrupted):
    from .._version import __version__

    recs = list(records.values())
    counts = {s: sum(r["status"] == s for r in recs)
              for s in ("done", "skipped", "failed", "pending")}
    return {
        "semtrack_version": __version__,
        "engine": engine,
        "started_utc": started.isoformat(timespec="seconds"),
        "wall_s": round(elapsed, 3),
        "force": force,
        "outputs": save_options,
        "interrupted": interrupted,
        "counts": counts,
        "videos": recs,
    }


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
    then the flattened summary fields.
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
