"""Event times on the video clock, with the potentiostat values at that moment."""
import numpy as np
import pandas as pd

from .._schema import EVENT_COLUMNS, EVENT_NAMES
from ._failure import CRACK_MIN_PERSISTENCE
from ._sync import scan_period

__all__ = ["EVENT_NAMES", "crack_initiation", "events_table", "extrapolated_onset", "first_growth_onset",
           "growth_run_start", "lateral_onset", "onset_from_growth", "repeats_previous",
           "step_edge_onset", "whisker_growth_onset"]

#: Growth over the fitted scans smaller than this fraction of the size is rounding, not
#: growth (float64 line fits leave ~1e-16 relative).
_RELATIVE_ROUNDING = 1e-9


#: A quantity that grew by less than this fraction of the size it was first seen with over
#: the fitted scans appeared (nearly) whole between two scans (a crack running across the
#: field faster than the scan): its onset lies between the last scan without it and the
#: first with it, not where a nearly flat line meets zero.
SUDDEN_GROWTH_FRACTION = 0.25

#: Least growth per scan of the run behind a confirmed front, as a fraction of the
#: confirmed scans' rate: a front under a steady overpotential grows steadily, so scans
#: that grew less than a quarter of its rate belong to something slower at the rim (a
#: whisker root or a creeping precursor, 1-4 px per scan before a 40 px per scan front in
#: tuning scene 7002); a quarter leaves room for the scatter of a slow front's steps.
FRONT_RATE_FRACTION = 0.25

#: Scatter of a front's extent, px: the tracker places the front's edge to about a pixel
#: in each scan, and the rim it is measured from to about another; an extent within two
#: pixels of the rim is not a front.
FRONT_STEP_NOISE_PX = 2.0


def growth_run_start(size, confirmed, *, baseline=0.0, noise=0.0, time_s=None, min_rate=0.0):
    """First scan of the run of growth that leads into a confirmed scan.

    A failure rule confirms a growth (a lateral front) once it is beyond a
    threshold for a few scans; the growth itself started where the quantity
    first left its baseline, which is what the onset is dated from. Walking
    back from `confirmed`, an earlier scan belongs to the run while its size
    is measured, beyond `baseline` by more than `noise` (significant, not
    scatter of an empty rim) and smaller than the later scan's by at least
    `min_rate` times the time between them (growing, at a rate like the
    run's: a stretch that does not grow or creeps, such as a whisker root at
    the rim, is not the front's start; a front whose scatter hides a step is
    dated by back-extrapolation from the scans after it). Two entries of the
    same scan (same content time) count as one.

    Parameters
    ----------
    size : (N,) array_like
        The quantity per new scan (e.g. a front's extent beyond the rim, um);
        NaN where not measured.
    confirmed : int
        Index of a scan where the growth is confirmed; ``size[confirmed]``
        must be finite.
    baseline : float
        Value of the quantity before growth, same unit as `size`.
    noise : float
        Measurement noise of `size`, same unit (>= 0).
    time_s : (N,) array_like, optional
        Content times of the scans, s; needed with `min_rate`.
    min_rate : float
        Least growth rate of the run, unit of `size` per s (0: any growth).

    Returns
    -------
    int
        Index of the first scan of the run (`confirmed` when the scan before
        it is not part of the run).
    """
    y = np.asarray(size, dtype=float)
    t = np.zeros(len(y)) if time_s is None else np.asarray(time_s, dtype=float)
    i = int(confirmed)
    while i > 0:
        prev = y[i - 1]
        if not (np.isfinite(prev) and prev > baseline + noise):
            break
        dt = t[i] - t[i - 1]
        if dt > 0 or time_s is None:
            if not prev < y[i] - min_rate * dt:
                break
        elif abs(prev - y[i]) > noise:  # the same scan twice must measure the same
            break
        i -= 1
    return i


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


#: How far before the line of a crack's first scans (as long as a crack) an earlier, shorter
#: reading may lie and still be the young crack, in scan periods: the line is dated within
#: half a scan by the sampling (the tracker reads a young crack short, so the line through
#: later scans meets zero up to that much late); a reading further before it was there
#: before the crack ran (dev scenes 8036, 8042: a 0.7-1.5 um reading at the rim for 1-3 s
#: before a 10-20 um/s crack).
CRACK_LINE_SLACK_SCANS = 0.5


def crack_initiation(time_s, length, *, start_s, min_length):
    """Crack initiation, back-extrapolated from the scans of the young crack.

    A crack fills with lithium at once and runs across the field in a few scans, so its
    length grows from zero at its initiation at the tip's speed. The crack is confirmed at
    the first scan, at or after `start_s` (the tracker's confirmation), where its length
    reaches `min_length` (the length from which a crack is a crack growth mode). A line
    through it and the scans that follow it without a gap (as :func:`extrapolated_onset`)
    meets zero length at a time; earlier, shorter readings belong to the young crack only
    if they are not earlier than that time by more than :data:`CRACK_LINE_SLACK_SCANS`: a
    reading that sat at the rim for scans before the crack ran is something else, and a
    line through it reached back 8.5-9.8 scans early (dev scenes 8036, 8042). The line of :func:`onset_from_growth`
    (``sudden=True``) through the first scans of the young crack, back to zero length,
    is the initiation.

    The initiation is not clipped at the last scan that measured no crack: the tracker
    misses a young crack (a few px long) for one to three scans often enough (tuning
    scenes 5021, 5024, 5027, 5045, 7006, 7043, 7072: truth 1.0-2.9 scans before that scan)
    that the clip would lose more initiations than it wins (dev 8016, 8087).

    Parameters
    ----------
    time_s : (N,) array_like
        Content times of new scans on the video clock, s, increasing.
    length : (N,) array_like
        Crack length per scan, um; 0 where the scan shows no crack, NaN where not measured.
    start_s : float
        Time of the scan where the tracker confirmed the crack, s.
    min_length : float
        Length from which a crack counts as one, um (> 0).

    Returns
    -------
    float or None
        Initiation time on the video clock, s; None if no scan from `start_s` on shows
        the crack.
    """
    t = np.asarray(time_s, dtype=float)
    y = np.asarray(length, dtype=float)
    index = np.arange(len(t))
    seen = (t >= start_s) & np.isfinite(y) & (y > 0)
    if not seen.any():
        return None
    first = int(np.argmax(seen))
    grown = np.flatnonzero(seen & (y >= min_length))
    if len(grown) and grown[0] > first:
        confirmed = int(grown[0])
        gap = np.flatnonzero(~seen[confirmed:])
        end = confirmed + (int(gap[0]) if len(gap) else len(t) - confirmed)
        line_s, _ = extrapolated_onset(t[confirmed:end], y[confirmed:end])
        period = scan_period(t)
        if line_s is not None and period > 0:
            earliest = line_s - CRACK_LINE_SLACK_SCANS * period
            first = min(int(np.argmax(seen & (t >= earliest))), confirmed)
    return onset_from_growth(t, np.where(index >= first, y, np.nan), sudden=True)


#: Largest standard error of a whisker's back-extrapolated onset, in scan periods, for that
#: whisker to date the growth onset when it is not the first one seen. The event's tolerance
#: is one scan (plus a frame): an extrapolation less certain than that cannot place the
#: onset within it, and the earliest of many uncertain extrapolations (slow whiskers first
#: seen scans later, lengths that stop growing where the tracker loses a tip) is biased early.
ONSET_MAX_SIGMA_SCANS = 1.0

#: Number of measured scans of a whisker fitted for its onset (as :func:`onset_from_growth`).
ONSET_N_FIT = 4


def extrapolated_onset(time_s, size, *, baseline=0.0, n_fit=ONSET_N_FIT, size_sigma=0.0):
    """Back-extrapolated onset of a growing quantity and its standard error.

    A straight line through the first `n_fit` measurements is extrapolated to
    `baseline` (as :func:`onset_from_growth`, without its clipping). The
    standard error follows from the line's covariance (first-order
    propagation through ``(baseline - intercept) / slope``) with the scatter
    of the points about the line (a line that does not fit, such as a length
    that stops growing where a tracker loses the tip or a rate that changes,
    is uncertain by its residuals), taken as no less than `size_sigma` (one
    length's uncertainty: a few residuals can fall far below it); two points leave no
    residual and use `size_sigma`.

    Parameters
    ----------
    time_s : (N,) array_like
        Content times of the measurements on the video clock, s, increasing.
    size : (N,) array_like
        The quantity (e.g. a whisker's length, um); NaN or <= baseline where
        not seen.
    baseline : float
        Value of the quantity before growth, same unit as `size`.
    n_fit : int
        Number of measurements fitted (>= 2).
    size_sigma : float
        Standard uncertainty of one measurement, unit of `size` (>= 0): the
        scatter of a fit of two points, and the least scatter of more.

    Returns
    -------
    onset_s : float or None
        Time the line meets `baseline`, s; None when fewer than two
        measurements span a time or the line does not rise.
    sigma_s : float
        Its standard error, s (inf when not determined: two points without
        `size_sigma`, or no onset).
    """
    t = np.asarray(time_s, dtype=float)
    y = np.asarray(size, dtype=float)
    seen = np.flatnonzero(np.isfinite(t) & np.isfinite(y) & (y > baseline))[:n_fit]
    if len(seen) < 2 or np.ptp(t[seen]) <= 0:
        return None, np.inf
    tc = t[seen] - t[seen].mean()  # centred: slope and intercept uncorrelated
    slope, icpt = np.polyfit(tc, y[seen], 1)
    if not slope * np.ptp(tc) > _RELATIVE_ROUNDING * np.max(np.abs(y[seen])):
        return None, np.inf
    onset_c = (baseline - icpt) / slope
    dof = len(seen) - 2
    if dof > 0:
        var = float(np.sum((y[seen] - (slope * tc + icpt)) ** 2)) / dof
        # never below one length's own uncertainty: the residuals of a few points (two
        # degrees of freedom for four) estimate the scatter poorly, and a tracker's tip
        # errors on one whisker change slowly from scan to scan (the same edge, contrast,
        # blur and rims); four lengths of a slow whisker then lie on a line to 0.01 px while
        # each is uncertain by 0.4 px, and the onset, extrapolated over many scans at a slow
        # rate, is called certain to a fraction of a scan (tuning seed 7049: 0.54 px/s,
        # onset 4.04 +- 0.07 s from the residuals, +- 2.4 s with the floor; truth 5.28 s)
        var = max(var, float(size_sigma) ** 2)
    elif size_sigma > 0:
        var = float(size_sigma) ** 2
    else:
        return float(onset_c + t[seen].mean()), np.inf
    var_slope, var_icpt = var / float(np.sum(tc ** 2)), var / len(seen)
    sigma = np.sqrt(var_icpt + onset_c ** 2 * var_slope) / abs(slope)
    return float(onset_c + t[seen].mean()), float(sigma)


def whisker_growth_onset(time_s, whiskers, *, scan_period_s=None, pixel_um=None):
    """Time the first whisker started to grow, on the video clock.

    The whisker seen first is back-extrapolated to zero length
    (:func:`onset_from_growth`). Any other whisker whose extrapolated onset
    is earlier and determined to within :data:`ONSET_MAX_SIGMA_SCANS` scan
    periods (:func:`extrapolated_onset`) dates the onset instead: the first
    whisker seen is the first to grow long enough to be found, not always the
    first to grow (a slower one that started a step earlier is found later).

    Parameters
    ----------
    time_s : (N,) array_like
        Content times of the new scans, s, video clock (repeats allowed).
    whiskers : DataFrame
        ``whisker_id, content_time_s, length_um`` per whisker and frame;
        optional ``is_duplicate`` (rows repeating a scan are left out) and
        ``tip_sigma_px`` (the tracker's tip uncertainty, px: the scatter of a
        length when only two scans are fitted).
    scan_period_s : float, optional
        Scan period, s; by default that of `time_s` (:func:`scan_period`).
    pixel_um : float, optional
        Pixel size, um; needed to use ``tip_sigma_px``.

    Returns
    -------
    float or None
        Onset time, s; None without whiskers.
    """
    if whiskers is None or not len(whiskers):
        return None
    t_all = np.unique(np.asarray(time_s, dtype=float))
    t_all = t_all[np.isfinite(t_all)]
    w = whiskers
    if "is_duplicate" in w:
        w = w.loc[~w["is_duplicate"].astype(bool)]
    w = w.drop_duplicates(["whisker_id", "content_time_s"])
    if not len(w) or not len(t_all):
        return None
    if scan_period_s is None:
        scan_period_s = scan_period(t_all) if len(t_all) > 1 else 0.0
    first_id = w.sort_values("content_time_s", kind="stable")["whisker_id"].iloc[0]
    onset = None
    for wid, one in w.groupby("whisker_id", sort=False):
        one = one.sort_values("content_time_s")
        lengths = one.set_index("content_time_s")["length_um"].reindex(t_all).to_numpy(float)
        if wid == first_id:
            first = onset_from_growth(t_all, lengths)
            if _line_contradicts_absence(t_all, lengths):
                first = onset_from_growth(t_all, _leading_growth(lengths))
            onset = first if onset is None else min(onset, first)
            continue
        size_sigma = 0.0
        if pixel_um is not None and "tip_sigma_px" in one:
            tip = one["tip_sigma_px"].to_numpy(float)[:ONSET_N_FIT]
            tip = tip[np.isfinite(tip)]
            size_sigma = float(np.sqrt(np.mean(tip ** 2))) * float(pixel_um) if len(tip) else 0.0
        t0, sigma = extrapolated_onset(t_all, lengths, size_sigma=size_sigma)
        if t0 is not None and sigma <= ONSET_MAX_SIGMA_SCANS * scan_period_s:
            t0 = max(t0, float(t_all[0]))
            onset = t0 if onset is None else min(onset, t0)
    return onset


def _line_contradicts_absence(time_s, size, n_fit=ONSET_N_FIT):
    """Whether the line through the first scans of `size` says it was seen earlier.

    The line (:func:`onset_from_growth`'s) at the last scan without the
    quantity is at least its first measured size: it would have been found
    in that scan. Such a line does not describe growth from zero (the size
    stopped growing after it was found).
    """
    t = np.asarray(time_s, dtype=float)
    y = np.asarray(size, dtype=float)
    idx = np.flatnonzero(np.isfinite(y) & (y > 0))[:n_fit]
    if len(idx) < 2 or idx[0] == 0 or np.ptp(t[idx]) <= 0:
        return False
    slope, icpt = np.polyfit(t[idx], y[idx], 1)
    return bool(slope * t[idx[0] - 1] + icpt >= y[idx[0]])


def _leading_growth(size):
    """`size` with NaN after the leading run of measurements that grow scan by scan.

    The first whisker seen was not in the scans before it: a line through its
    first scans that puts it there (:func:`_line_contradicts_absence`) is not
    its growth from zero but a length that stopped growing (a tracker that
    lost the tip, a pause of the potential steps), and only the scans over
    which it still grew date its onset.
    """
    y = np.asarray(size, dtype=float)
    idx = np.flatnonzero(np.isfinite(y))
    out = np.full(len(y), np.nan)
    if not len(idx):
        return out
    n = 1
    while n < len(idx) and y[idx[n]] > y[idx[n - 1]]:
        n += 1
    out[idx[:n]] = y[idx[:n]]
    return out


def lateral_onset(time_s, extent, *, min_extent, min_scans, noise, until_s=None):
    """Onset of a lateral front, on the clock of `time_s`.

    A front is confirmed by the first run of `min_scans` scans that hold it
    at least `min_extent` beyond the electrode rim (the failure rule's test),
    and its onset is back-extrapolated (:func:`onset_from_growth`) from the
    scans where that front first left the rim (:func:`growth_run_start`),
    not from the confirmation: a front growing a pixel per scan crosses a
    3 um threshold many scans after it started, and a tracker's jump at the
    confirmation leaves a flat line that dates nothing. The run behind the
    confirmation grows at least :data:`FRONT_RATE_FRACTION` of the confirmed
    scans' rate (when they grow beyond the noise); slower growth before it
    is something else at the rim. Scans after the touch-down are not fitted.

    Parameters
    ----------
    time_s : (N,) array_like
        Content times of new scans on the video clock, s, increasing.
    extent : (N,) array_like
        The front's extent beyond the electrode rim per scan, um; NaN where
        no front was measured.
    min_extent : float
        Extent that confirms a front, um.
    min_scans : int
        Number of consecutive scans that must hold `min_extent`.
    noise : float
        Scatter of the extent, um: a smaller extent is not a front, and
        confirmed scans that grow less than this do not grow.
    until_s : float, optional
        Touch-down time, s on the same clock: the front stops at the counter
        electrode, so later scans are left out of the fits.

    Returns
    -------
    float or None
        Onset time in s; None without a confirmed front.
    """
    y = np.asarray(extent, dtype=float)
    beyond = np.isfinite(y) & (y >= min_extent)
    if len(beyond) < min_scans:
        return None
    runs = np.lib.stride_tricks.sliding_window_view(beyond, min_scans).all(axis=1)
    if not runs.any():
        return None
    # one entry per scan: a frame that repeats the previous entry's extent exactly is that
    # scan shown again (a torn frame keeps its scan's measurement) at a later display time
    kept = np.flatnonzero(~repeats_previous(y))
    confirmed = int(np.searchsorted(kept, int(np.argmax(runs)), side="right") - 1)
    y = y[kept]
    t = np.asarray(time_s, dtype=float)[kept]
    index = np.arange(len(y))
    usable = (t < until_s) if until_s is not None else np.ones(len(y), bool)
    rate = _growth_rate(t, np.where((index >= confirmed) & usable, y, np.nan), noise)
    start = growth_run_start(y, confirmed, noise=noise, time_s=t,
                             min_rate=FRONT_RATE_FRACTION * rate)
    from_start = np.where((index >= start) & usable, y, np.nan)
    if not np.isfinite(from_start).any():  # touched in the scan that first showed it
        return float(t[start])
    return onset_from_growth(t, from_start)


#: A whisker's back-extrapolated onset this many scan periods or less after a control-step
#: edge is dated at that edge: growth under a potential step starts with the
#: step, and the extrapolation is late by the first detections' short lengths (2-3 px
#: short in tuning scenes 5000, 5039, 7000, 7083) and by a rate that rose at a later edge.
STEP_EDGE_WINDOW_SCANS = 1.5

#: An onset up to this many scan periods before a step edge is that edge's growth, early by
#: the extrapolation's scatter (a fraction of a scan), and stays where it is (tuning 7051:
#: 0.04 s early, half a scan after the edge of the first step, which grows nothing).
STEP_EDGE_EARLY_SCANS = 0.5

#: Largest standard uncertainty of the step edges on the video clock (the sync's), in scan
#: periods, for :func:`step_edge_onset` to move an onset to an edge: the event's tolerance is
#: one scan, so an edge placed less certainly than half of one cannot date it.
STEP_EDGE_MAX_SIGMA_SCANS = 0.5


def step_edge_onset(onset_s, edges_s, *, scan_times_s, edge_sigma_s):
    """A growth onset moved back to the control-step edge it follows closely.

    Parameters
    ----------
    onset_s : float or None
        Back-extrapolated onset, s, video clock.
    edges_s : array_like or None
        Starts of the control steps on the video clock, s.
    scan_times_s : (N,) array_like
        Content times of the new scans, s (their period, :func:`scan_period`, sets the
        window and the edges' required certainty).
    edge_sigma_s : float or None
        Standard uncertainty of the edges on the video clock, s (the sync's); None:
        unknown, no edge is used.

    Returns
    -------
    float or None
        The latest edge at most :data:`STEP_EDGE_WINDOW_SCANS` scans before `onset_s`,
        when no edge follows within :data:`STEP_EDGE_EARLY_SCANS` scans and the edges are
        certain to :data:`STEP_EDGE_MAX_SIGMA_SCANS` scans; else `onset_s`.
    """
    times = np.unique(np.asarray(scan_times_s, dtype=float))
    times = times[np.isfinite(times)]
    if onset_s is None or edges_s is None or edge_sigma_s is None or len(times) < 2:
        return onset_s
    scan_period_s = scan_period(times)
    if not edge_sigma_s <= STEP_EDGE_MAX_SIGMA_SCANS * scan_period_s:
        return onset_s
    e = np.asarray(edges_s, dtype=float)
    e = e[np.isfinite(e)]
    if np.any((e > onset_s) & (e <= onset_s + STEP_EDGE_EARLY_SCANS * scan_period_s)):
        return onset_s
    before = e[(e <= onset_s) & (e >= onset_s - STEP_EDGE_WINDOW_SCANS * scan_period_s)]
    return float(before.max()) if len(before) else onset_s


def first_growth_onset(whisker_s, lateral_s, crack_s, *, crack_persistence=None):
    """Growth onset: the first lithium growth of any kind the video shows, s.

    The earliest of the whisker, lateral-front and crack onsets, except that a
    crack the later scans do not keep showing (seen in fewer than
    :data:`~vision.pipeline._failure.CRACK_MIN_PERSISTENCE` of the new scans
    from its first one on, the rule that makes a crack a growth mode) dates
    the growth only when no whisker or front does: a lithium-filled crack does
    not come and go, so such a line is the crack filter's view of something
    else (a whisker the segmentation misses, the young trunk of a front, a
    grain boundary) and no better dated than the whisker or front the tracker
    measures.

    Parameters
    ----------
    whisker_s, lateral_s, crack_s : float or None
        Onsets of the first whisker, the lateral front and the crack, s, video
        clock (None: not seen).
    crack_persistence : float, optional
        Fraction of the new scans from the crack's first one on that show it
        (:attr:`~vision.pipeline._failure.Morphology.crack_persistence`);
        None: the crack counts as persistent.

    Returns
    -------
    float or None
        Growth onset, s; None when nothing grew.
    """
    seen = [t for t in (whisker_s, lateral_s) if t is not None]
    persists = crack_persistence is None or crack_persistence >= CRACK_MIN_PERSISTENCE
    if crack_s is not None and (persists or not seen):
        seen.append(crack_s)
    return float(min(seen)) if seen else None


def repeats_previous(size):
    """Entries equal to the previous measured entry, bit for bit (the same scan again).

    Parameters
    ----------
    size : (N,) array_like
        A quantity per new scan; NaN where not measured.

    Returns
    -------
    (N,) ndarray of bool
        True where the entry is finite and equals the last finite entry before it.
    """
    y = np.asarray(size, dtype=float)
    out = np.zeros(len(y), bool)
    last = np.nan
    for i, v in enumerate(y):
        if np.isfinite(v):
            out[i] = v == last
            last = v
    return out


def _growth_rate(time_s, size, noise, n_fit=4):
    """Slope of a line through the first `n_fit` measured points of `size`, per s.

    0 when they do not rise by more than `noise` over their span (or are fewer than two).
    """
    ok = np.flatnonzero(np.isfinite(size))[:n_fit]
    if len(ok) < 2 or np.ptp(time_s[ok]) <= 0:
        return 0.0
    slope = float(np.polyfit(time_s[ok], size[ok], 1)[0])
    return slope if slope * np.ptp(time_s[ok]) > noise else 0.0

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
