"""Find the videos in a folder and pair each with its potentiostat file.

Pairing happens in two passes:

1. **By name.** ``whisker.mp4`` pairs with ``whisker.mpt`` or
   ``whisker_trace.mpt`` (also ``-trace``, ``_echem``, ``_potentiostat``,
   ``_ec``, ``_eclab`` suffixes; case-insensitive), preferring a trace in the
   same folder. A frame folder ``whisker_png/`` (also ``_frames``, ``_tif``)
   counts as ``whisker``.
2. **By duration and start time** for what is left. A potentiostat usually
   records from before the video starts until after it ends, so a trace is a
   candidate for a video if it covers it: where both files know their start
   time, at least 90 % of the video interval lies inside the trace interval;
   otherwise the trace is no shorter than the video (5 %, at least 2 s,
   tolerance) and at most 50 % (at least 60 s) longer. The assignment with the
   tightest fits is taken (Hungarian algorithm).

A video with no trace is analysed on its own. Files whose name contains
``_truth`` (ground truth written by the generator) are ignored, as are hidden
files and folders and the manifest files.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

from calibration import InputError
from electrochem import KNOWN_EXTENSIONS

from .._schema import BATCH_JSON_FILE, BATCH_TABLE_FILE
from ..io._registry import frame_extensions, open_video, video_extensions
from ._manifest import MANIFEST_NAMES, BatchItem

logger = logging.getLogger(__name__)

__all__ = [
    "TRACE_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "discover_videos",
    "pair_videos",
]

#: Video files the batch looks for (plus folders of numbered frames): every extension of a
#: reader in the vision.io registry that holds a whole recording.
VIDEO_EXTENSIONS = video_extensions()
#: Potentiostat files the batch pairs with videos: what electrochem.read_trace reads.
TRACE_EXTENSIONS = tuple(KNOWN_EXTENSIONS)
#: Extensions of the numbered frames of a frame folder (the io registry's folder reader).
FRAME_EXTENSIONS = frame_extensions()

_TRACE_SUFFIXES = ("_trace", "-trace", " trace", "_echem", "-echem", "_potentiostat",
                   "-potentiostat", "_eclab", "-eclab", "_ec", "-ec")
_NUMBERED = re.compile(r"\d+$")
_IGNORED_NAMES = {n.lower() for n in MANIFEST_NAMES} | {BATCH_TABLE_FILE, BATCH_JSON_FILE}
#: Relative duration tolerance and the floor in seconds for pairing by duration.
DURATION_RTOL = 0.05
DURATION_ATOL_S = 2.0
#: A trace may be this much (relative; at least 60 s) longer than its video.
DURATION_SLACK = 0.5
#: Suffixes of frame-folder names that are not part of the recording's name.
_FOLDER_SUFFIXES = ("_png", "-png", "_frames", "-frames", "_tif", "_tiff")


def _ignored(path):
    name = path.name.lower()
    return name.startswith(".") or "_truth" in name or name in _IGNORED_NAMES


def _is_frame_folder(folder):
    """True if ``folder`` holds at least two numbered frames (PNG or TIFF)."""
    frames = [p for p in folder.iterdir() if p.suffix.lower() in FRAME_EXTENSIONS and p.is_file()]
    return sum(1 for p in frames if _NUMBERED.search(p.stem)) >= 2


def discover_videos(folder, *, exclude=()):
    """Find videos and potentiostat files under ``folder``, recursively.

    Parameters
    ----------
    folder : str or os.PathLike
        Folder to search.
    exclude : iterable of path-like, optional
        Folders not to search (e.g. the batch output folder).

    Returns
    -------
    videos : list of pathlib.Path
        Video files and folders of numbered PNG or TIFF frames, sorted.
    traces : list of pathlib.Path
        Potentiostat files, sorted.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("not a folder; give a folder of videos or a manifest file", path=folder)
    excluded = {Path(p).resolve() for p in exclude}
    videos, traces = [], []

    def walk(d):
        if d.resolve() in excluded:
            return
        if d != folder and _is_frame_folder(d):
            videos.append(d)
            return
        try:
            entries = sorted(d.iterdir())
        except OSError as exc:
            logger.warning("%s: cannot list folder (%s); skipped", d, exc)
            return
        for p in entries:
            if _ignored(p):
                continue
            if p.is_dir():
                walk(p)
            elif p.suffix.lower() in VIDEO_EXTENSIONS:
                videos.append(p)
            elif p.suffix.lower() in TRACE_EXTENSIONS:
                traces.append(p)

    if _is_frame_folder(folder):
        return [folder], []
    walk(folder)
    return sorted(videos), sorted(traces)


def _stem(path):
    if path.is_file():
        return path.stem.lower()
    name = path.name.lower()
    for suffix in _FOLDER_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _trace_key(path):
    stem = path.stem.lower()
    for suffix in _TRACE_SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            return stem[: -len(suffix)]
    return stem


def _unique_names(videos, root):
    """Results-folder names: the stem, or the relative path where stems clash."""
    stems = [_stem(v) for v in videos]
    names = []
    for v, s in zip(videos, stems):
        name = v.stem if v.is_file() else v.name
        if stems.count(s) > 1:
            rel = v.relative_to(root)
            rel = rel.with_suffix("") if v.is_file() else rel
            name = "-".join(rel.parts)
        names.append(name)
    return names


def pair_videos(folder, *, exclude=(), probe=None):
    """Discover videos under ``folder`` and pair each with its trace.

    Parameters
    ----------
    folder : str or os.PathLike
        Folder to search recursively.
    exclude : iterable of path-like, optional
        Folders not to search (e.g. the batch output folder).
    probe : callable, optional
        ``probe(path, kind) -> (duration_s, start)`` with ``kind`` ``"video"``
        or ``"trace"``; ``start`` is a :class:`datetime.datetime` or None, and
        either value may be None if unknown. Default: :func:`probe_file`.

    Returns
    -------
    list of BatchItem
        One per video, ``pairing`` saying how its trace was found.
    """
    folder = Path(folder)
    videos, traces = discover_videos(folder, exclude=exclude)
    if not videos:
        raise InputError(
            f"no videos found (looked for {', '.join(VIDEO_EXTENSIONS)} and folders of "
            "numbered PNG or TIFF frames, recursively); check the folder or give a manifest",
            path=folder)
    names = _unique_names(videos, folder)
    trace_of = {}
    pairing = {}
    free = list(traces)
    # Pass 1: by name, same folder first.
    for v in videos:
        key = _stem(v)
        candidates = [t for t in free if _trace_key(t) == key]
        if not candidates:
            continue
        same_dir = [t for t in candidates if t.parent == v.parent]
        best = (same_dir or candidates)[0]
        trace_of[v] = best
        pairing[v] = "by name"
        free.remove(best)
    # Pass 2: by duration / start time.
    rest = [v for v in videos if v not in trace_of]
    if rest and free:
        probe = probe_file if probe is None else probe
        for v, t, why in _match_by_duration(rest, free, probe):
            trace_of[v] = t
            pairing[v] = why
    items = [BatchItem(name=n, video=v, trace=trace_of.get(v), options={},
                       pairing=pairing.get(v, "no matching trace"))
             for n, v in zip(names, videos)]
    return items


def _pair_cost(vd, vs, td, ts):
    """Mismatch of a video (duration, start) and a trace; None if they cannot belong together.

    A potentiostat usually records from before the video starts until after it
    ends, so the trace must cover the video: with both start times known, at
    least 90 % of the video interval must lie inside the trace interval; with
    durations only, the trace must be no shorter than the video (minus the
    tolerance) and at most ``DURATION_SLACK`` longer. The cost prefers the
    tightest fit.
    """
    if vd is None or td is None:
        return None
    tol = max(DURATION_RTOL * vd, DURATION_ATOL_S)
    if vs is not None and ts is not None:
        v0 = (vs - ts).total_seconds()  # video start on the trace clock
        overlap = min(v0 + vd, td) - max(v0, 0.0)
        if vd > 0 and overlap < 0.9 * vd - DURATION_ATOL_S:
            return None
        return (abs(v0) + abs(td - vd - v0)) / max(vd, 1.0)
    if td < vd - tol or td > vd + max(DURATION_SLACK * vd, 60.0):
        return None
    return abs(td - vd) / max(vd, 1.0)


def _match_by_duration(videos, traces, probe):
    from scipy.optimize import linear_sum_assignment

    v_info = [probe(v, "video") for v in videos]
    t_info = [probe(t, "trace") for t in traces]
    big = 1e9
    cost = np.full((len(videos), len(traces)), big)
    for i, (vd, vs) in enumerate(v_info):
        for j, (td, ts) in enumerate(t_info):
            c = _pair_cost(vd, vs, td, ts)
            if c is not None:
                cost[i, j] = c
    rows, cols = linear_sum_assignment(cost)
    out = []
    for i, j in zip(rows, cols):
        if cost[i, j] >= big:
            continue
        vd, vs = v_info[i]
        td, ts = t_info[j]
        why = f"by duration (video {vd:.1f} s, trace {td:.1f} s"
        if vs is not None and ts is not None:
            why += f", video starts {(vs - ts).total_seconds():+.1f} s after the trace"
        out.append((videos[i], traces[j], why + ")"))
    return out


def probe_file(path, kind):
    """Duration in seconds and start time of a video or trace, or None if unknown.

    Parameters
    ----------
    path : pathlib.Path
        Video or potentiostat file.
    kind : {"video", "trace"}
        What ``path`` is.

    Returns
    -------
    duration_s : float or None
        Video: frame count / frame rate. Trace: last minus first ``time_s``.
    start : datetime.datetime or None
        Acquisition start where the file records it.
    """
    if kind == "trace":
        from electrochem import read_trace  # pandas: on first use

        try:
            tr = read_trace(path)
        except (InputError, OSError, ImportError) as exc:
            logger.info("%s: not read as a trace (%s); not paired by duration", path, exc)
            return None, None
        t = tr.data["time_s"].to_numpy(dtype=float)
        t = t[np.isfinite(t)]
        duration = float(t[-1] - t[0]) if t.size > 1 else None
        return duration, tr.start_time
    try:
        with open_video(path) as reader:
            n = len(reader)
            fps = getattr(reader, "fps", None)
            start = getattr(reader, "start_time", None)
    except (InputError, OSError, TypeError, ValueError) as exc:
        logger.info("%s: not opened as a video (%s); not paired by duration", path, exc)
        return None, None
    duration = n / fps if fps else None
    return duration, start
