"""Batch analysis of many videos on local worker processes or a Dask cluster.

:func:`run_batch` analyses each :class:`~vision.BatchItem` with
:func:`vision.analyze` and saves its results folder ``DIR/<name>/``. The work
is spread by Dask distributed: a ``LocalCluster`` of worker processes on this
machine by default, or an existing cluster given by its scheduler address.
``workers=0`` runs everything in this process, one video after the other
(no Dask; for debugging).

Each video's folder is written whole or not at all: the worker builds it in a hidden,
marked ``DIR/.<name>.tmp-*`` folder and renames the finished folder into place.
semtrack replaces only what it wrote: before any work starts, ``DIR`` must be new, empty
or a semtrack batch output, and every ``DIR/<name>/`` that exists must hold only files
semtrack wrote (its marker, :data:`vision._schema.WRITTEN_MARKER_FILE`, lists them);
otherwise the batch stops with an error and nothing is changed. Files of the user at the
top of a batch output (notes beside ``results.csv``) are kept.
Alongside the analysis files it writes ``batch_key.json``: the SHA-256 of the
video and trace and the analysis parameters. A rerun skips a video whose
``batch_key.json`` matches (unless ``force``), so an interrupted batch resumes
where it stopped.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime
import logging
import os
import time
import uuid
from pathlib import Path

from calibration import InputError

from .._schema import BATCH_FIGURE_FILE, BATCH_JSON_FILE, BATCH_TABLE_FILE, WRITTEN_MARKER_FILE
from .._shared._fileio import (
    check_output_dir,
    check_output_files,
    read_marker,
    record_output_files,
    write_json_atomic,
)
from .._shared._progress import progress_bar
from .._shared._system import default_workers
from ._lock import _lock
from ._manifest import MANIFEST_NAMES, read_manifest
from ._pairing import pair_videos
from ._summary import write_rate_figure
from ._table import write_results_table
from ._task import process_video

logger = logging.getLogger(__name__)

__all__ = [
    "BatchResult",
    "collect_batch",
    "default_workers",
    "process_video",
    "run_batch",
]

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


def check_manifest_traces(items):
    """Read every trace a manifest names, before any video is analysed.

    A trace given explicitly follows one rule in ``analyze`` and ``batch`` (issue 15.2,
    :func:`vision.pipeline.read_explicit_trace`): a file that cannot be read or has no time
    column is an error. Checked here for every manifest row at once, so that a bad trace
    in row 40 stops the batch with exit 2 before 39 videos are analysed, not as one
    failed video at the end. Traces paired by name or duration are not checked (the
    pairing already read them); warnings (no current column, too few rows) are left to
    each video's analysis, which records them in ``batch.json``.

    Parameters
    ----------
    items : list of BatchItem

    Raises
    ------
    calibration.InputError
        Naming the trace file and the manifest row.
    """
    from ..pipeline import read_explicit_trace  # pandas and the readers: on first use

    for it in items:
        if it.trace is None or not it.pairing.startswith("manifest"):
            continue
        try:
            read_explicit_trace(it.trace, lambda _message: None,
                                columns=it.options.get("trace_columns"),
                                units=it.options.get("trace_units"))
        except InputError as exc:
            raise InputError(f"{it.pairing.removeprefix('manifest ')}: {exc.message}; fix "
                             "the trace or the manifest row", path=exc.path or it.trace) from None


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
              overlay=True, report=True, progress=True):
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
        Show a progress bar (videos done, frames per second, time left) where
        someone sees it: a widget in Jupyter, a text bar on a terminal's stderr,
        nothing in a pipe or a log (the rule of :func:`vision.analyze`); False
        for none.

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
    check_manifest_traces(items)
    out_dir = Path(out_dir).resolve()
    check_batch_output(out_dir, names)
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

    bar = progress_bar(len(items), progress, "semtrack batch", unit="video")
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
        if bar is not None:
            bar.update(1)
            elapsed = max(time.perf_counter() - t0, 1e-9)
            bar.set_postfix_str(f"{frames['n'] / elapsed:.1f} frames/s, "
                                f"{sum(r['status'] == 'failed' for r in records.values())} failed")
        write_status()

    with _lock(out_dir):
        write_status(final=True)  # DIR is a batch output from now on (its marker says so)
        record_output_files([out_dir / BATCH_JSON_FILE], BATCH_WRITER)
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
            if bar is not None:
                bar.close()
            wall = time.perf_counter() - t0
            result = BatchResult(out_dir=out_dir, records=[records[n] for n in names],
                                 summaries=summaries, engine=engine, wall_s=wall,
                                 interrupted=interrupted)
            write_status(final=True, interrupted=interrupted)
            write_results_table(result)
            try:
                write_rate_figure(result)
            except Exception:  # noqa: BLE001 - a figure never costs the batch's results
                logger.warning("could not draw %s", BATCH_FIGURE_FILE, exc_info=True)
            record_output_files([out_dir / n for n in BATCH_OUTPUT_FILES
                                 if (out_dir / n).exists()], BATCH_WRITER)
    return result


#: Writer name of the files at the top of a batch output folder (in its marker).
BATCH_WRITER = "batch"
#: The files ``run_batch`` writes at the top of its output folder.
BATCH_OUTPUT_FILES = (BATCH_JSON_FILE, BATCH_TABLE_FILE, "results.parquet", BATCH_FIGURE_FILE)
#: Hidden files of ours that do not make a folder "non-empty" (the batch lock).
_OWN_HIDDEN = (".semtrack-batch.lock", WRITTEN_MARKER_FILE)


def check_batch_output(out_dir, names):
    """Refuse a batch output folder that would mix results into, or replace, a user's files.

    `out_dir` must be absent, empty or a semtrack batch output (its marker lists
    ``batch.json``; an output of a release before the marker: it holds ``batch.json``).
    Each ``out_dir/<name>/`` that exists must hold only files semtrack wrote there,
    and the top-level files the batch writes must be the batch's own. Marked leftovers
    of killed runs (``.<name>.tmp-*``) are removed.

    Raises
    ------
    calibration.InputError
        Before any work starts, naming the first file in the way.
    """
    out_dir = Path(out_dir)
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise InputError("the output exists and is not a folder; give a folder", path=out_dir)
    if not out_dir.is_dir():
        return
    entries = [p for p in out_dir.iterdir() if p.name not in _OWN_HIDDEN
               and not (p.name.startswith(".") and ".tmp-" in p.name and read_marker(p))]
    marker = read_marker(out_dir) or {"files": {}}
    ours = BATCH_WRITER in marker["files"].values() or (out_dir / BATCH_JSON_FILE).is_file()
    if entries and not ours:
        raise InputError(f"the output folder is not empty ({entries[0].name}"
                         + (f" and {len(entries) - 1} more" if len(entries) > 1 else "")
                         + ") and not a semtrack batch output; results would be mixed into "
                         "it: give a new or empty folder with --out", path=out_dir)
    if ours and not marker["files"]:
        # a batch output of a release before the marker: its own top-level files
        record_output_files([out_dir / n for n in BATCH_OUTPUT_FILES
                             if (out_dir / n).is_file()], BATCH_WRITER)
    check_output_files([out_dir / n for n in BATCH_OUTPUT_FILES], BATCH_WRITER)
    for name in names:
        check_output_dir(out_dir / name)


def _one_thread_task(item, out_dir, **kwargs):
    """:func:`process_video` with BLAS/OpenMP and OpenCV held to one thread.

    A worker owns one core: a hidden BLAS thread (OpenBLAS starts one for a float64
    dot product and spins on it) would compete with the other workers (issue 14).
    """
    import cv2
    import numpy  # noqa: F401  (loaded before the limit, so threadpoolctl sees OpenBLAS)
    from threadpoolctl import threadpool_limits

    from .._shared._system import steady_allocator

    cv2.setNumThreads(1)
    steady_allocator()
    with threadpool_limits(limits=1):
        return process_video(item, out_dir, **kwargs)


#: Dask settings of the local cluster that ``run_batch`` starts (not of a user's own
#: cluster). The defaults serve Dask's dashboard, which a batch does not start: each worker
#: samples its task's stack every 10 ms for the profile, and every Dask server checks its
#: event loop every 20 ms. An idle one-worker cluster took 5.8 % of a core so (2.9 % the
#: batch process, which hosts the scheduler and the nannies, 2.9 % the worker), 0.75 % with
#: these settings (measured with 20 s of idling; issue 14).
LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    # event-loop health check: only a warning after a blocked loop (the logs are silenced)
    "distributed.admin.tick.interval": "1s",
    # per-process CPU/memory samples for the dashboard
    "distributed.admin.system-monitor.interval": "2s",
    # the memory-limit checks of the nannies and workers (pause, spill, restart)
    "distributed.worker.memory.monitor-interval": "500ms",
    # what a nanny writes into the environment before it starts its worker process. Dask's
    # default adds MALLOC_TRIM_THRESHOLD_=65536, which (a) made each worker's
    # steady_allocator() a no-op (a MALLOC_* variable reads as the user's own setting), so
    # a batch worker faulted its per-scan temporaries in again every scan, and (b) stayed
    # in the batch's own process (the nannies run in it), where every later analysis and
    # child process of a notebook inherited it. The one-thread settings stay.
    "distributed.nanny.pre-spawn-environ": {
        "OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1},
}


def _restore_environ(before):
    """Put back the variables a local cluster's nannies wrote into this process's environment.

    ``before`` maps each name of ``distributed.nanny.pre-spawn-environ`` to its value before
    the cluster started (``None``: it was not set).
    """
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _local_cluster(stack, workers):
    """A ``LocalCluster`` of ``workers`` one-thread worker processes, closed with ``stack``."""
    import dask
    from distributed import LocalCluster

    # the nannies hand this configuration to the worker processes they start
    stack.enter_context(dask.config.set(LOCAL_CLUSTER_CONFIG))
    # ... and write its pre-spawn environment into this process's: undone at the close
    written = LOCAL_CLUSTER_CONFIG["distributed.nanny.pre-spawn-environ"]
    stack.callback(_restore_environ, {name: os.environ.get(name) for name in written})
    return stack.enter_context(LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True,
        dashboard_address=None, silence_logs=logging.ERROR))


def _run_dask(items, out_dir, force, save_options, workers, scheduler, on_record):
    from distributed import Client, as_completed

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
            client = stack.enter_context(Client(_local_cluster(stack, workers)))
        token = uuid.uuid4().hex[:8]
        futures = client.map(_one_thread_task, items, out_dir=str(out_dir), force=force,
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
