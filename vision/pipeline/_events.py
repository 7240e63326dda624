"""Event times on the video clock, with the potentiostat values at that moment."""
import numpy as np
import pandas as pd

from .._schema import EVENT_COLUMNS, EVENT_NAMES

__all__ = ["EVENT_NAMES", "events_table", "onset_from_growth"]

#: Growth over the fitted scans smaller than this fraction of the size is rounding, not
#: growth (float64 line fits leave ~1e-16 relative).
_RELATIVE_ROUNDING = 1e-9


#: A quantity that grew by less than this fraction of the size it was first seen with over
#: the fitted scans appeared (nearly) whole between two scans (a crack running across the
#: field faster than the scan): its onset lies between the last scan without it and the
#: first with it, not where a nearly flat line meets zero.
SUDDEN_GROWTH_FRACTION = 0.25


def onset_from_growth(time_s, size, *, baseline=0.0, n_fit=4, sudden=False):
    """Time at which a growing quantity left its baseline.

    The first `n_fit` measurements after it appeared are fitted with a
    straight line and extrapolated back to `baseline` (a tracker sees a
    whisker or a crack only once it is a few pixels long, so the first scan
    that shows it is late by that length over the growth rate). The result
    is never before the first time in `time_s` nor after the quantity was
    first seen.

    Parameters
    ----------
    time_s : (N,) array_like
        Content times of new scans on the video clock, s, increasing.
    size : (N,) array_like
        The quantity (e.g. whisker length in um); NaN or <= baseline where
        not seen.
    baseline : float
        Value of the quantity before growth.
    n_fit : int
        Number of points used for the back-extrapolation.
    sudden : bool
        If the quantity grew by less than :data:`SUDDEN_GROWTH_FRACTION` of its
        first size over the fitted points, it appeared whole between two
        scans: the onset is the midpoint between the last scan without it and
        the first with it (the expected time, within half a scan). For
        quantities that can appear at full size within one scan (a crack).

    Returns
    -------
    float or None
        Onset time in s on the video clock; None if never seen.
    """
    t = np.asarray(time_s, dtype=float)
    y = np.asarray(size, dtype=float)
    seen = np.isfinite(y) & (y > baseline)
    if not seen.any():
        return None
    first = int(np.argmax(seen))
    lower = t[0]
    idx = np.flatnonzero(seen[first:])[:n_fit] + first
    if sudden and first > 0 and len(idx) >= 2:
        grown = float(np.max(y[idx]) - y[first])
        if grown < SUDDEN_GROWTH_FRACTION * (y[first] - baseline):
            return float(0.5 * (t[first - 1] + t[first]))
    if len(idx) >= 2 and np.ptp(t[idx]) > 0:
        slope, icpt = np.polyfit(t[idx], y[idx], 1)
        # growing, beyond rounding: a steady size fits a slope of +-1e-16, which would
        # extrapolate to the start of the record
        if slope * np.ptp(t[idx]) > _RELATIVE_ROUNDING * np.max(np.abs(y[idx])):
            return float(np.clip((baseline - icpt) / slope, lower, t[first]))
    return float(t[first])


def events_table(events, frame_times_s, trace_at):
    """Assemble the events table.

    Parameters
    ----------
    events : list of (name, time_s, source)
        Event name (one of :data:`EVENT_NAMES`), time on the video clock in
        s (None: did not happen, skipped), and ``'video'`` or ``'trace'``.
    frame_times_s : (N,) array_like
        Presentation times of the frames; an event's frame is the first frame
        shown at or after the event (the last frame if after the end).
    trace_at : callable or None
        ``trace_at(times_s) -> (voltage_V, current_A)`` arrays on the video
        clock; None without a trace (NaN values).

    Returns
    -------
    DataFrame
        ``event, time_s, frame, voltage_V, current_A, source`` sorted by time.
    """
    ft = np.asarray(frame_times_s, dtype=float)
    rows = [(n, float(t), s) for n, t, s in events if t is not None and np.isfinite(t)]
    if not rows:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    times = np.array([r[1] for r in rows])
    frames = np.clip(np.searchsorted(ft, times - 1e-9), 0, len(ft) - 1) if len(ft) else \
        np.zeros(len(times), int)
    if trace_at is not None:
        volts, amps = trace_at(times)
    else:
        volts = amps = np.full(len(times), np.nan)
    table = pd.DataFrame({
        "event": [r[0] for r in rows], "time_s": times, "frame": frames.astype(int),
        "voltage_V": np.asarray(volts, float), "current_A": np.asarray(amps, float),
        "source": [r[2] for r in rows]})
    return table.sort_values(["time_s", "event"], kind="stable").reset_index(drop=True)
