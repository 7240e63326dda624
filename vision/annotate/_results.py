"""Read a semtrack results folder: summaries, per-frame tables, events, frames.

A *results folder* is what ``semtrack analyze`` writes for one video
(``summary.json``, ``frames.csv``, ``whiskers.csv``, ``events.csv``,
``overlay.mp4``, ``report.html``). ``semtrack batch`` writes one such folder
per video below a common parent. :func:`find_results` accepts either and
finds every folder by its ``summary.json``.

All times are on the *video clock* (0 at the first frame).
"""
import collections
import hashlib
import json
import logging
import math
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from calibration import InputError

from .._schema import (
    EVENT_NAMES,
    EVENT_SUMMARY_KEYS,
    FAILURE_MODES,
    GROWTH_MODES,
    OVERLAY_FRAMES_FILE,
)

logger = logging.getLogger(__name__)

__all__ = [
    "EVENT_NAMES",
    "FAILURE_MODES",
    "FrameSource",
    "ResultFolder",
    "find_results",
    "inside",
]

#: Tracked quantities of frames.csv the timeline offers beside current and voltage.
TIMELINE_COLUMNS = ("max_whisker_length_um", "front_distance_um", "crack_length_um")

_SKIP_DIRS = {".git", "__pycache__", "node_modules", ".venv"}


def inside(root, path):
    """Return the resolved ``path`` if it lies inside ``root``, else None.

    Symbolic links are resolved first, so a link that points out of
    ``root`` is refused too.
    """
    root = Path(root).resolve()
    try:
        resolved = Path(root, path).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if resolved == root or not resolved.is_relative_to(root):
        return None
    return resolved


def _finite_or_none(value):
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _as_bool(series):
    """Parse a column of booleans written as True/False, 1/0 or yes/no."""
    text = series.astype("string").str.strip().str.lower().fillna("false")
    return text.isin(["true", "1", "1.0", "yes", "y", "t"]).to_numpy(dtype=bool)


@dataclass
class ResultFolder:
    """One analysed video's results folder.

    Attributes
    ----------
    path : Path
        The folder (resolved).
    rel_path : str
        ``path`` relative to the RESULTS_DIR it was found in ('.' for a
        single-video RESULTS_DIR), with '/' separators.
    summary : dict
        The parsed ``summary.json``.
    """

    path: Path
    rel_path: str
    summary: dict
    root: Path = field(repr=False, default=None)

    @classmethod
    def load(cls, path, *, root=None):
        """Read ``path/summary.json``; raise InputError if it is unusable."""
        path = Path(path).resolve()
        root = path if root is None else Path(root).resolve()
        summary_file = path / "summary.json"
        try:
            summary = json.loads(summary_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("no summary.json here; point at a folder written by "
                             "'semtrack analyze' or 'semtrack batch'", path=path) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"cannot read summary.json ({exc}); re-run "
                             "'semtrack analyze' for this video", path=summary_file) from None
        if not isinstance(summary, dict):
            raise InputError("summary.json is not a JSON object; re-run 'semtrack analyze'",
                             path=summary_file)
        mode = summary.get("failure_mode")
        if mode is not None and mode not in FAILURE_MODES:
            raise InputError(f"unknown failure_mode {mode!r}; expected one of "
                             f"{', '.join(FAILURE_MODES)}", path=summary_file)
        rel = path.relative_to(root).as_posix() if path != root else "."
        return cls(path=path, rel_path=rel, summary=summary, root=root)

    # -- identity -----------------------------------------------------------
    @property
    def name(self):
        """The video's name (``summary.video_name``, else the folder name)."""
        name = self.summary.get("video_name")
        if isinstance(name, str) and name:
            return name
        return self.path.name

    @property
    def video_sha256(self):
        """SHA-256 of the original video from ``inputs.video.sha256``, or None."""
        video = (self.summary.get("inputs") or {}).get("video") or {}
        sha = video.get("sha256")
        return sha if isinstance(sha, str) and sha else None

    @property
    def key(self):
        """Stable identity of the video: its SHA-256, else a hash of the folder."""
        if self.video_sha256:
            return self.video_sha256
        return "folder:" + hashlib.sha256(self.rel_path.encode()).hexdigest()

    # -- automatic labels ---------------------------------------------------
    @property
    def failure_mode(self):
        return self.summary.get("failure_mode") or "none"

    @property
    def short_circuit(self):
        return bool(self.summary.get("short_circuit"))

    @property
    def growth_modes(self):
        """The automatic growth modes (``summary.growth_modes``; [] for older results)."""
        modes = self.summary.get("growth_modes") or []
        if not isinstance(modes, list):
            return []
        names = [m.get("mode") if isinstance(m, dict) else m for m in modes]
        return [m for m in GROWTH_MODES if m in names]

    def auto_events(self):
        """Automatic events as a list of dicts ``{event, time_s, frame, source}``.

        Read from ``events.csv``; events it lacks but ``summary.json`` has a time
        for are added with ``source='summary'``. ``frame`` is the frame shown at
        ``time_s`` (the last frame with ``time_s`` at or before the event).
        """
        times = self.frame_times()
        events = []
        table = self._read_csv("events.csv")
        if table is not None and "event" in table.columns and "time_s" in table.columns:
            for row in table.to_dict("records"):
                name = str(row.get("event"))
                t = _finite_or_none(row.get("time_s"))
                if name not in EVENT_NAMES or t is None:
                    continue
                frame = row.get("frame")
                frame = int(frame) if _finite_or_none(frame) is not None else frame_at(times, t)
                events.append({"event": name, "time_s": t, "frame": frame,
                               "source": str(row.get("source") or "")})
        have = {e["event"] for e in events}
        for name, key in EVENT_SUMMARY_KEYS.items():
            t = _finite_or_none(self.summary.get(key))
            if name not in have and t is not None:
                events.append({"event": name, "time_s": t, "frame": frame_at(times, t),
                               "source": "summary"})
        events.sort(key=lambda e: (e["time_s"], EVENT_NAMES.index(e["event"])))
        return events

    # -- per-frame table ----------------------------------------------------
    def _read_csv(self, name):
        file = self.path / name
        if not file.is_file():
            return None
        try:
            return pd.read_csv(file)
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise InputError(f"cannot read {name} ({exc}); re-run 'semtrack analyze'",
                             path=file) from None

    def frames(self):
        """The per-frame table as a dict of lists (JSON-ready, NaN -> None).

        Keys: ``time_s``, ``is_duplicate``, ``voltage_V``, ``current_A`` and the
        tracked quantities of :data:`TIMELINE_COLUMNS` (whisker length, front
        distance, crack length; None where not measured).
        Falls back to ``n_frames`` and ``scan_period_s`` from the summary when
        ``frames.csv`` is missing.
        """
        cached = getattr(self, "_frames_cache", None)
        if cached is not None:
            return cached
        table = self._read_csv("frames.csv")
        if table is None or "time_s" not in table.columns:
            n = int(self.summary.get("n_frames") or 0)
            period = _finite_or_none(self.summary.get("scan_period_s")) or 1.0
            out = {"time_s": [i * period for i in range(n)], "is_duplicate": [False] * n,
                   "voltage_V": [None] * n, "current_A": [None] * n,
                   **{c: [None] * n for c in TIMELINE_COLUMNS}}
        else:
            if "frame" in table.columns:
                table = table.sort_values("frame", kind="stable")
            n = len(table)

            def column(name):
                if name not in table.columns:
                    return [None] * n
                values = pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float)
                return [float(v) if np.isfinite(v) else None for v in values]

            dup = (_as_bool(table["is_duplicate"]) if "is_duplicate" in table.columns
                   else np.zeros(n, dtype=bool))
            out = {"time_s": column("time_s"), "is_duplicate": dup.tolist(),
                   "voltage_V": column("voltage_V"), "current_A": column("current_A"),
                   **{c: column(c) for c in TIMELINE_COLUMNS}}
        self._frames_cache = out
        return out

    def frame_times(self):
        """Frame times (video clock, s) as a float array (NaN where unknown)."""
        return np.array([np.nan if t is None else t for t in self.frames()["time_s"]],
                        dtype=float)

    @property
    def n_frames(self):
        return len(self.frames()["time_s"])

    # -- media --------------------------------------------------------------
    def overlay_frame_of(self, index):
        """Index in ``overlay.mp4`` of the picture shown at video frame ``index``.

        The overlay holds one frame per new scan (``overlay_frames.csv`` maps
        each to its video frame): video frame ``index`` shows the last overlay
        frame made from a video frame at or before it. Without the table (results
        of older versions: one overlay frame per video frame) the index itself.
        """
        table = getattr(self, "_overlay_map", None)
        if table is None:
            csv = self._read_csv(OVERLAY_FRAMES_FILE)
            if csv is None or not {"overlay_frame", "frame"} <= set(csv.columns):
                table = (np.zeros(0, np.int64), np.zeros(0, np.int64))
            else:
                csv = csv.sort_values("frame", kind="stable")
                table = (csv["frame"].to_numpy(np.int64), csv["overlay_frame"].to_numpy(np.int64))
            self._overlay_map = table
        frames, overlay = table
        if frames.size == 0:
            return int(index)
        pos = int(np.searchsorted(frames, int(index), side="right")) - 1
        return int(overlay[max(pos, 0)])

    @property
    def overlay_path(self):
        """``overlay.mp4`` if it exists inside the RESULTS_DIR, else None."""
        file = inside(self.root, self.path / "overlay.mp4")
        return file if file is not None and file.is_file() else None

    @property
    def original_path(self):
        """The original video if it lies inside the RESULTS_DIR, else None.

        Only files inside RESULTS_DIR are ever served, so an original video
        elsewhere is not offered (the overlay still is).
        """
        video = (self.summary.get("inputs") or {}).get("video") or {}
        path = video.get("path")
        if not isinstance(path, str) or not path:
            return None
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = self.path / candidate
        file = inside(self.root, candidate)
        return file if file is not None and file.is_file() else None

    def has_report(self):
        return (self.path / "report.html").is_file()


def frame_at(times, t):
    """Index of the frame shown at time ``t``: the last frame starting at or before it."""
    times = np.asarray(times, dtype=float)
    valid = np.isfinite(times)
    if not valid.any():
        return 0
    idx = np.flatnonzero(valid)
    pos = np.searchsorted(times[idx], t + 1e-9, side="right") - 1
    return int(idx[max(pos, 0)])


def find_results(results_dir):
    """Find every results folder in ``results_dir``.

    Parameters
    ----------
    results_dir : str or Path
        A single results folder (holding ``summary.json``) or a batch folder
        with one results folder per video below it.

    Returns
    -------
    list of ResultFolder
        Sorted by relative path. Unreadable folders are logged and skipped.

    Raises
    ------
    InputError
        If ``results_dir`` is not a folder or holds no ``summary.json``.
    """
    root = Path(results_dir)
    if not root.is_dir():
        raise InputError("not a folder; give the folder written by 'semtrack analyze' "
                         "or 'semtrack batch'", path=root)
    root = root.resolve()
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        if "summary.json" in filenames:
            try:
                found.append(ResultFolder.load(dirpath, root=root))
            except InputError as exc:
                logger.warning("skipping %s", exc)
    if not found:
        raise InputError("no summary.json found in this folder or below it; run "
                         "'semtrack analyze VIDEO --out DIR' or 'semtrack batch' first", path=root)
    found.sort(key=lambda r: r.rel_path)
    return found


class _Reader:
    """An open video with the presentation time of every frame, for seeking."""

    def __init__(self, path):
        import av  # noqa: PLC0415 - heavy import only where used

        self.path = path
        self.closed = False
        self.lock = threading.Lock()
        self.container = av.open(str(path))
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"
        pts = []
        for packet in self.container.demux(self.stream):
            if packet.pts is not None:
                pts.append(packet.pts)
        self.pts = sorted(pts)
        self.index_of = {p: i for i, p in enumerate(self.pts)}

    def close(self):
        """Close the container; waits for a decode in progress."""
        with self.lock:
            if not self.closed:
                self.closed = True
                self.container.close()


class FrameSource:
    """Decode frames of videos inside RESULTS_DIR as JPEG, with a bounded cache.

    Frame N is found by seeking to the keyframe at or before it and decoding
    forward; every frame decoded on the way is encoded and cached, so stepping
    forward through a video decodes each group of pictures once.

    Parameters
    ----------
    max_bytes : int
        Bound of the JPEG cache (least recently used frames are dropped).
    max_open : int
        How many videos are kept open at once.
    quality : int
        JPEG quality, 1-100.
    read_ahead : int
        Frames after the requested one to decode and cache (for playing).
    keep_before : int
        Frames before the requested one (back to the keyframe) to cache, for
        stepping backwards.
    """

    def __init__(self, *, max_bytes=64 * 2**20, max_open=4, quality=90,
                 read_ahead=8, keep_before=16):
        self.read_ahead = int(read_ahead)
        self.keep_before = int(keep_before)
        self.max_bytes = int(max_bytes)
        self.max_open = int(max_open)
        self.quality = int(quality)
        self._cache = collections.OrderedDict()
        self._cache_bytes = 0
        self._readers = collections.OrderedDict()
        self._lock = threading.Lock()

    def close(self):
        with self._lock:
            readers = list(self._readers.values())
            self._readers.clear()
            self._cache.clear()
            self._cache_bytes = 0
        for reader in readers:
            reader.close()

    def _reader(self, path):
        with self._lock:
            reader = self._readers.get(path)
            if reader is not None:
                self._readers.move_to_end(path)
                return reader
        import av  # noqa: PLC0415

        try:
            reader = _Reader(path)
        except (av.FFmpegError, OSError) as exc:
            raise InputError(f"cannot decode this video ({exc})", path=path) from None
        with self._lock:
            other = self._readers.get(path)
            if other is not None:  # another request opened it meanwhile
                reader.close()
                return other
            self._readers[path] = reader
            evicted = []
            while len(self._readers) > self.max_open:
                evicted.append(self._readers.popitem(last=False)[1])
        for old in evicted:  # outside self._lock: close() waits for the reader's lock
            old.close()
        return reader

    def n_frames(self, path):
        """Number of frames in the video at ``path``."""
        return len(self._reader(Path(path)).pts)

    def _put(self, key, data):
        with self._lock:
            if key in self._cache:
                return
            self._cache[key] = data
            self._cache_bytes += len(data)
            while self._cache_bytes > self.max_bytes and self._cache:
                _, old = self._cache.popitem(last=False)
                self._cache_bytes -= len(old)

    def _get(self, key):
        with self._lock:
            data = self._cache.get(key)
            if data is not None:
                self._cache.move_to_end(key)
            return data

    def jpeg(self, path, index):
        """Frame ``index`` (0-based) of the video at ``path`` as JPEG bytes.

        Raises
        ------
        IndexError
            If the video has no such frame.
        """
        import av  # noqa: PLC0415
        import cv2  # noqa: PLC0415

        index = int(index)
        path = Path(path)
        key = (str(path), int(index))
        data = self._get(key)
        if data is not None:
            return data
        params = [int(cv2.IMWRITE_JPEG_QUALITY), self.quality]
        while True:
            reader = self._reader(path)
            if not 0 <= index < len(reader.pts):
                raise IndexError(f"frame {index} out of range 0..{len(reader.pts) - 1}")
            with reader.lock:
                if reader.closed:  # evicted by another request meanwhile: reopen
                    continue
                try:
                    result = self._decode(reader, path, index, params)
                except av.FFmpegError as exc:
                    raise InputError(f"cannot decode frame {index} ({exc})",
                                     path=path) from None
            break
        if result is None:
            raise IndexError(f"frame {index} could not be decoded")
        return result

    def _decode(self, reader, path, index, params):
        """Seek to the keyframe before ``index``, decode forward, cache; caller holds the lock."""
        target = reader.pts[index]
        result = None
        recent = collections.deque(maxlen=self.keep_before)
        reader.container.seek(target, stream=reader.stream, backward=True, any_frame=False)
        for frame in reader.container.decode(reader.stream):
            i = reader.index_of.get(frame.pts)
            if i is None:
                continue
            if i < index:
                recent.append((i, frame))
                continue
            if i == index:
                result = self._encode(path, frame, params)
                self._put((str(path), index), result)
                for j, before in recent:  # for stepping backwards
                    if self._get((str(path), j)) is None:
                        self._put((str(path), j), self._encode(path, before, params))
            elif self._get((str(path), i)) is None:  # read ahead for playing
                self._put((str(path), i), self._encode(path, frame, params))
            if i >= index + self.read_ahead:
                break
        return result

    @staticmethod
    def _encode(path, frame, params):
        import cv2  # noqa: PLC0415

        ok, buf = cv2.imencode(".jpg", frame.to_ndarray(format="bgr24"), params)
        if not ok:
            raise InputError("could not encode a frame as JPEG", path=path)
        return buf.tobytes()
