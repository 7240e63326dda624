"""The task one worker runs for one video: analyse, save whole or not at all, resume key."""
from __future__ import annotations

import json
import logging
import shutil
import time
import traceback
import warnings
from pathlib import Path

from calibration import InputError

from .._schema import BATCH_KEY_FILE, SUMMARY_FILE
from .._shared._fileio import (
    check_output_dir,
    file_sha256,
    jsonable,
    make_temp_dir,
    replace_dir,
    write_json_atomic,
)

logger = logging.getLogger(__name__)

__all__ = ["KEY_FILE", "PARTIAL_DIR", "process_video"]

#: Name of the per-video resume record inside ``DIR/<name>/``.
KEY_FILE = BATCH_KEY_FILE
#: Staging folder of earlier releases inside the output folder (no longer written: each
#: video is now built in a marked ``.<name>.tmp-*`` folder beside its results folder).
PARTIAL_DIR = ".semtrack-partial"



# --------------------------------------------------------------------------
# resume key

def _resume_key(item, save_options):
    from .._version import __version__

    return {
        # results of another semtrack version are not up to date: an upgrade must re-analyse,
        # not report the old version's numbers as "skipped (up to date)"
        "semtrack_version": __version__,
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
                          n_frames=(summary or {}).get("n_frames"),
                          warnings=list((summary or {}).get("warnings") or []))
        else:
            summary, extra = _analyze_and_save(item, final, key, save_options)
            record.update(status="done", summary=summary, n_frames=summary.get("n_frames"),
                          warnings=list(summary.get("warnings") or []) + extra)
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
    with warnings.catch_warnings(record=True) as caught:
        # analyze records its warnings in summary["warnings"]; the batch reports them per
        # video (batch.json, the end table) instead of printing them between the progress
        # bar updates. Other warnings (of libraries, of the save pass) are added there.
        warnings.simplefilter("always")
        analysis = _analyze.analyze(item.video, trace=item.trace, progress=False,
                                    keep_frames=bool(save_options.get("overlay", True)),
                                    **item.options)
    summary = getattr(analysis, "summary", None)
    if "pixel_size_um" in item.from_manifest and isinstance(summary, dict) \
            and summary.get("pixel_size_source") == "user":
        summary["pixel_size_source"] = "manifest"  # where the user gave it: report and CSV
        summary["pixel_size_detail"] = (f"from the manifest: {summary.get('pixel_size_um'):g} "
                                        "µm")
    check_output_dir(final)  # again in the worker: nothing of the user's is replaced
    work = make_temp_dir(final)  # marked: a killed run's leftover is removed next time
    staging = work / "results"
    try:
        with warnings.catch_warnings(record=True) as caught_save:
            warnings.simplefilter("always")
            analysis.save(staging, **save_options)
        write_json_atomic(staging / KEY_FILE, {**key, "name": item.name,
                                                "video": str(item.video),
                                                "trace": None if item.trace is None
                                                else str(item.trace)})
        replace_dir(staging, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary = _read_json(final / SUMMARY_FILE)
    if summary is None:
        summary = jsonable(analysis.summary)
    return summary, _other_warnings(summary, [*caught, *caught_save])


def _other_warnings(summary, caught):
    """Texts of caught warnings that summary["warnings"] does not hold yet (in order)."""
    known = set(summary.get("warnings") or [])
    extra = []
    for w in caught:
        text = str(w.message)
        if text not in known and not any(text in k for k in known):
            known.add(text)
            extra.append(f"{w.category.__name__}: {text}")
    return extra
