"""The period of distinct scans from the content times of the frames taken as new.

Synchronisation (issue 13) widens a scan-quantised cue by the scan period. Where
re-draws are taken for new scans (an encoder refining a scan over the next frames,
MJPEG's rate control), the median spacing of the new content times is the frame
interval, not the scan period, and the cue's uncertainty is ~10x too small.
:func:`scan_period_s` reads the period from the lattice of the new scans instead.
"""
from __future__ import annotations

import numpy as np

from ._refresh import _RECUR_CHANGES, _lattice_period

__all__ = ["scan_period_s"]

# The lattice is fitted on this many of the last distinct scans at most (its cost and its
# chance level grow with the count: see _refresh._RECUR_SIGMAS); a longer video is read
# in consecutive blocks of this many and the median of the blocks' periods taken.
_BLOCK = _RECUR_CHANGES


def scan_period_s(content_times_s, frame_interval_s: float) -> float | None:
    """Period (s) of the distinct scans among frames taken as new.

    Parameters
    ----------
    content_times_s : (N,) array_like
        Content times of the frames taken as new scans, s (repeats allowed).
    frame_interval_s : float
        Interval between video frames, s.

    Returns
    -------
    float or None
        The median spacing of the distinct content times, or the period of
        the lattice of the new frames when that is longer (re-draws taken for
        scans only shorten the spacing): each run of new frames one frame
        apart counts once (a scan and re-draws taken for scans after it), and
        the period is the lattice that holds the most runs beyond chance
        (``_refresh._lattice_period``), the median over blocks of 24 runs.
        None with fewer than two distinct times.
    """
    t = np.unique(np.asarray(content_times_s, dtype=float))
    t = t[np.isfinite(t)]
    if t.size < 2:
        return None
    median = float(np.median(np.diff(t)))
    if not frame_interval_s > 0:
        return median
    frames = np.rint((t - t[0]) / frame_interval_s).astype(int)
    starts = frames[np.diff(frames, prepend=frames[0] - 2) > 1]
    periods = []
    for a in range(0, max(1, starts.size - _BLOCK + 1), _BLOCK):
        p = _lattice_period(tuple(int(f) for f in starts[a:a + _BLOCK]))
        if p is not None:
            periods.append(p)
    if not periods:
        return median
    # re-draws taken for scans only shorten the spacing: the lattice is taken when longer
    return max(median, float(np.median(periods)) * frame_interval_s)
