"""The video frame clock and the video <-> potentiostat time offset.

Conventions
-----------
* Video clock: 0 s at the first frame of the video.
* Trace clock: the potentiostat's time axis (``time_s`` of the trace).
* ``t_trace = t_video + offset_s``. A positive offset means the video
  started ``offset_s`` seconds after the trace's zero.
"""
from __future__ import annotations

import datetime as _dt
import logging
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._errors import InputError

__all__ = [
    "FrameClock",
    "SyncOffset",
    "SYNC_METHODS",
    "video_to_trace_time",
    "trace_to_video_time",
    "offset_from_start_times",
    "offset_from_spans",
]

logger = logging.getLogger(__name__)

#: How a `SyncOffset` was obtained.
SYNC_METHODS = ("given", "absolute", "span", "auto")


def _finite(value, name):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number of seconds, got {value!r}") from None
    if not math.isfinite(v):
        raise InputError(f"{name} must be finite, got {value!r}")
    return v


@dataclass(frozen=True)
class SyncOffset:
    """Offset between the video clock and the potentiostat (trace) clock.

    Attributes
    ----------
    offset_s : float
        ``t_trace = t_video + offset_s``, in seconds.
    method : str
        'given' (by the user), 'absolute' (from the recording start
        date-times), 'span' (from the durations of both recordings) or
        'auto' (estimated from the data, e.g. image activity vs. current).
    confidence : float or None
        0-1 for estimated offsets, None when not applicable.
    detail : str
        Human-readable provenance, written to the results.
    """

    offset_s: float
    method: str
    confidence: float | None = None
    detail: str = ""

    def __post_init__(self):
        object.__setattr__(self, "offset_s", _finite(self.offset_s, "offset_s"))
        if self.method not in SYNC_METHODS:
            raise InputError(f"sync method must be one of {SYNC_METHODS}, got {self.method!r}")
        if self.confidence is not None:
            c = float(self.confidence)
            if not 0.0 <= c <= 1.0:
                raise InputError(f"sync confidence must be between 0 and 1, got {self.confidence!r}")
            object.__setattr__(self, "confidence", c)

    def to_trace(self, t_video_s):
        """Video time(s) -> trace time(s), seconds."""
        return video_to_trace_time(t_video_s, self.offset_s)

    def to_video(self, t_trace_s):
        """Trace time(s) -> video time(s), seconds."""
        return trace_to_video_time(t_trace_s, self.offset_s)


def video_to_trace_time(t_video_s: ArrayLike, offset_s: float) -> float | np.ndarray:
    """Convert video-clock times to trace-clock times: ``t_video + offset_s``.

    Parameters
    ----------
    t_video_s : float or array_like
        Seconds on the video clock (0 at the first frame).
    offset_s : float
        The sync offset, seconds.

    Returns
    -------
    float or ndarray
        Seconds on the potentiostat clock.
    """
    off = _finite(offset_s, "offset_s")
    if np.ndim(t_video_s) == 0:
        return float(t_video_s) + off
    return np.asarray(t_video_s, dtype=float) + off


def trace_to_video_time(t_trace_s: ArrayLike, offset_s: float) -> float | np.ndarray:
    """Convert trace-clock times to video-clock times: ``t_trace - offset_s``."""
    off = _finite(offset_s, "offset_s")
    if np.ndim(t_trace_s) == 0:
        return float(t_trace_s) - off
    return np.asarray(t_trace_s, dtype=float) - off


def offset_from_start_times(video_start: _dt.datetime, trace_start: _dt.datetime) -> SyncOffset:
    """Offset from the wall-clock start times of both recordings.

    Parameters
    ----------
    video_start : datetime.datetime
        Wall-clock time of the first video frame.
    trace_start : datetime.datetime
        Wall-clock time of the trace's ``time_s = 0``.

    Returns
    -------
    float
        ``offset_s = video_start - trace_start`` in seconds, so that
        ``t_trace = t_video + offset_s``.

    Raises
    ------
    InputError
        Not datetimes, or one has a time zone and the other not.
    """
    for name, v in (("video_start", video_start), ("trace_start", trace_start)):
        if not isinstance(v, _dt.datetime):
            raise InputError(f"{name} must be a datetime, got {type(v).__name__}")
    if (video_start.utcoffset() is None) != (trace_start.utcoffset() is None):
        raise InputError("one start time has a time zone and the other not; give both in the same "
                         "local time or both with a time zone")
    offset = (video_start - trace_start).total_seconds()
    if abs(offset) > 86400.0:
        logger.warning("video and trace start %.0f s apart (more than a day); check the dates", offset)
    return offset


def offset_from_spans(
    video_duration_s: float,
    trace_duration_s: float,
    *,
    align: str = "end",
    trace_start_s: float = 0.0,
) -> SyncOffset:
    """Offset when both recordings cover the same event but have no common clock.

    Parameters
    ----------
    video_duration_s : float
        Video length in seconds (last frame time on the video clock).
    trace_duration_s : float
        Trace length in seconds (last minus first ``time_s``).
    align : {'end', 'start', 'center'}, optional
        Which moments coincide: 'end' (both stopped together: the usual case
        when the video recording is started by hand after the potentiostat
        and both are stopped at the end of the experiment), 'start' (both
        started together) or 'center'.
    trace_start_s : float, optional
        The trace's first ``time_s`` (0 for most exports).

    Returns
    -------
    float
        ``offset_s`` with ``t_trace = t_video + offset_s``.
    """
    v = _finite(video_duration_s, "video_duration_s")
    t = _finite(trace_duration_s, "trace_duration_s")
    t0 = _finite(trace_start_s, "trace_start_s")
    if v < 0 or t < 0:
        raise InputError(f"durations must be >= 0, got video {v} s and trace {t} s")
    if align == "start":
        offset = t0
    elif align == "end":
        offset = t0 + t - v
    elif align == "center":
        offset = t0 + (t - v) / 2.0
    else:
        raise InputError(f"align must be 'end', 'start' or 'center', got {align!r}")
    if v > 0 and t > 0 and not 0.5 <= v / t <= 2.0:
        logger.warning("video (%.1f s) and trace (%.1f s) differ by more than a factor 2; "
                       "a span-based sync offset is doubtful", v, t)
    return offset


class FrameClock:
    """Times of the video frames on the video clock (seconds, 0 at frame 0).

    Build it with `FrameClock.from_fps` for a constant frame rate or
    `FrameClock.from_timestamps` with the per-frame presentation times read
    from the container (variable frame rate, dropped frames).

    Parameters
    ----------
    times_s : (N,) array_like
        Strictly increasing frame times in seconds; shifted so that the first
        frame is at 0.
    """

    def __init__(self, times_s):
        t = np.asarray(times_s, dtype=float).ravel()
        if t.size == 0:
            raise InputError("a frame clock needs at least one frame time")
        if not np.all(np.isfinite(t)):
            raise InputError("frame times must be finite")
        if t.size > 1 and np.any(np.diff(t) <= 0):
            bad = int(np.argmax(np.diff(t) <= 0)) + 1
            raise InputError(f"frame times must increase strictly; frame {bad} is not after frame {bad - 1}")
        self._t = t - t[0]
        self._t.setflags(write=False)

    @classmethod
    def from_fps(cls, n_frames, fps):
        """Constant-rate clock: frame i at ``i / fps`` seconds."""
        n = int(n_frames)
        f = _finite(fps, "fps")
        if n < 1:
            raise InputError(f"n_frames must be >= 1, got {n_frames!r}")
        if f <= 0:
            raise InputError(f"fps must be > 0, got {fps!r}; give the frame rate of the video")
        return cls(np.arange(n) / f)

    @classmethod
    def from_timestamps(cls, timestamps_s):
        """Clock from per-frame timestamps (any origin; shifted to start at 0)."""
        return cls(timestamps_s)

    def __len__(self):
        return self._t.size

    @property
    def times_s(self):
        """(N,) read-only array of frame times on the video clock, seconds."""
        return self._t

    @property
    def duration_s(self):
        """Time of the last frame, seconds."""
        return float(self._t[-1])

    @property
    def fps(self):
        """Median frame rate in 1/s (nan for a single frame)."""
        if self._t.size < 2:
            return float("nan")
        return float(1.0 / np.median(np.diff(self._t)))

    def time_of(self, frame):
        """Video time(s) of frame index(es), seconds."""
        idx = np.asarray(frame)
        if np.any(idx < 0) or np.any(idx >= self._t.size):
            raise InputError(f"frame index out of range 0..{self._t.size - 1}: {frame!r}")
        out = self._t[idx]
        return float(out) if np.ndim(out) == 0 else out

    def frame_at(self, t_video_s):
        """Index(es) of the frame nearest to video time(s); clipped to the video."""
        t = np.asarray(t_video_s, dtype=float)
        i = np.clip(np.searchsorted(self._t, t), 1, max(self._t.size - 1, 1))
        if self._t.size == 1:
            out = np.zeros(t.shape, dtype=int)
        else:
            left = self._t[i - 1]
            right = self._t[i]
            out = np.where(np.abs(t - left) <= np.abs(right - t), i - 1, i)
        return int(out) if np.ndim(out) == 0 else out

    def trace_times(self, offset_s):
        """(N,) frame times on the potentiostat clock for ``offset_s``."""
        return video_to_trace_time(self._t, offset_s)

    def __repr__(self):
        return f"FrameClock(n_frames={len(self)}, duration_s={self.duration_s:.3f}, fps={self.fps:.3f})"
