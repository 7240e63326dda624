"""Whisker growth rates per potential step and the local current density."""
import numpy as np
import pandas as pd

from electrochem import current_density_from_growth_rate

from .._shared._stats import mad_sigma

__all__ = ["fit_growth_rate", "growth_rates_per_step", "rate_segments", "slope_standard_error"]

#: Floor of the residual scale of the robust fit, um (well below a tip's precision).
MIN_SCATTER_UM = 1e-3

#: Fewest new scans a step must hold for a whisker before a rate is fitted.
MIN_SCANS_PER_FIT = 3

#: Relative standard uncertainty of the pixel size that the rate's +- carries by default: a
#: scale bar of 100-300 px read to about one px at each end (TIFF tags are exact, but the
#: source is not known here). A rate in um/s scales with the pixel size.
PIXEL_SIZE_REL_STD = 0.005

#: Penalty of one more straight stretch in :func:`rate_segments`, in units of
#: ``log(n) sigma^2`` (n scans, sigma the scatter of a length), and the fewest scans of a
#: stretch. Schwarz's criterion (BIC) charges ``log(n) sigma^2`` per parameter and a stretch
#: adds three (slope, offset, change time); the drop in the sum of squares at the best change
#: time is not one chi-square but the largest of n of them, so more is needed: 10 (with the
#: noise scale taken one standard error high, :data:`MAD_REL_SE`) keeps straight lines with
#: Gaussian tips in one piece in >= 99 % of simulated tracks of 8-200 scans (600 each) and
#: finds a 50 % rate change at 10 sigma of growth per scan in 85-91 % of 20-40-scan tracks.
SEGMENT_PENALTY = 10.0
SEGMENT_MIN_SCANS = 4
#: Fewest scans of a stretch of constant rate inside a step for the stretch's rate to be
#: reported for that step when the step holds fewer than ``min_scans`` of it: two scans show
#: the stretch goes on into the step; one may be the change a scan off.
MIN_SCANS_OF_STRETCH_IN_STEP = 2
#: A length this many noise sigmas below the rod's length both before and after it is a lost
#: tip (a rod's length does not fall while it grows and comes back): left out of the rates.
LOST_TIP_SIGMAS = 3.0
#: A scan at or after the short circuit lying this many sigmas (its length's noise and the
#: extrapolation of the line through the stretch's scans before the short) below that line
#: is a frozen tip: the shorted cell stopped the rod before the scan (:func:`_frozen_after_short`).
FROZEN_TIP_SIGMAS = LOST_TIP_SIGMAS
#: Independent systematic tip errors a rate carries (the two ends of its fitted time): the
#: rate's +- holds sqrt(2) tip sigmas over the fitted duration besides the slope's standard
#: error from the scatter (which a slowly varying tip error does not show).
SYSTEMATIC_TIP_ENDS = 2
#: Neighbouring stretches whose rates differ by less than this many combined standard
#: uncertainties (from the tips, systematic part included) are one stretch (:func:`_merge_alike`).
MERGE_SIGMAS = 3.0
#: Relative standard error of the MAD scale of m Gaussian values, times sqrt(m) (1.17 / sqrt(m)).
MAD_REL_SE = 1.17
#: Tip errors that are not independent (:func:`_correlated_slope_error`), from
#: AUTOCORR_MIN_SCANS scans of a stretch on. The residuals' lag-1 autocorrelation rho
#: widens the slope's error by sqrt((1 + rho) / (1 - rho)) (AR(1) effective number of
#: scans) when rho exceeds RHO_SIGNIFICANCE white-noise standard errors (1 / sqrt(n):
#: one-sided 5 %, so independent tips keep their +-), rho at most MAX_RESIDUAL_RHO (a
#: stretch of few scans says no more). The delete-one jackknife error of the slope
#: replaces it when larger than JACKKNIFE_GATE times it: on independent Gaussian tips the
#: jackknife scatters about the standard error and taking the larger of the two
#: over-stated the +- by 20-25 % at 5-8 scans; twice the error is a bend or a bad run of
#: tips inside the stretch, not noise (tuning seed 5029: a 20 % rate error stated +-6 %).
AUTOCORR_MIN_SCANS = 4
RHO_SIGNIFICANCE = 1.645
MAX_RESIDUAL_RHO = 0.9
JACKKNIFE_GATE = 2.0
#: Half-width of the zone about a step edge, in standard uncertainties of the clock sync,
#: whose scans may belong to the neighbouring step: one sigma holds the true edge in 68 % of
#: syncs, so the rate's move without those scans is a one-sigma error of the edge's placement
#: (:func:`_edge_sensitivity`).
EDGE_SIGMAS = 1.0


def fit_growth_rate(time_s, length_um, *, f_scale_um=None):
    """Robust straight-line fit of length against time.

    Huber regression (``scipy.optimize.least_squares``, ``loss='huber'``)
    started from the Theil-Sen line: single frames with a bad tip (a torn
    scan, a charging flash) barely pull the line, while the Gaussian scatter
    of good tips is fitted as by least squares (95 % efficiency).

    Parameters
    ----------
    time_s : (N,) array_like
        Content times of the scans on the video clock, in s.
    length_um : (N,) array_like
        Whisker length in um.
    f_scale_um : float, optional
        Residual (um) where the loss turns from quadratic to linear;
        default: 1.345 times the robust (MAD) scatter about the Theil-Sen line.

    Returns
    -------
    rate_um_s : float
        Slope in um/s.
    intercept_um : float
        Length at ``t = 0`` on the video clock.
    residual_std_um : float
        Robust scatter of the residuals (1.4826 MAD), in um.
    """
    t = np.asarray(time_s, dtype=float)
    y = np.asarray(length_um, dtype=float)
    ok = np.isfinite(t) & np.isfinite(y)
    t, y = t[ok], y[ok]
    if len(t) < 2 or np.ptp(t) == 0:
        raise ValueError("fit_growth_rate needs at least two points at different times")
    from scipy import optimize, stats  # scipy.optimize/stats when a rate is fitted

    t0 = t.mean()
    slope = stats.theilslopes(y, t - t0).slope
    icpt = np.median(y - slope * (t - t0))
    mad = mad_sigma(y - (slope * (t - t0) + icpt))
    scale = f_scale_um or 1.345 * max(mad, MIN_SCATTER_UM)
    res = optimize.least_squares(lambda p: p[0] * (t - t0) + p[1] - y, [slope, icpt],
                                 loss="huber", f_scale=scale, xtol=1e-12, ftol=1e-12)
    slope, icpt = res.x
    resid = y - (slope * (t - t0) + icpt)
    return float(slope), float(icpt - slope * t0), mad_sigma(resid)


def slope_standard_error(time_s, residual_scatter_um):
    """Standard error (um/s) of a fitted slope from the robust scatter of its residuals.

    The standard error of a straight-line slope is ``sigma / (std(t) sqrt(n))``.
    ``sigma`` is estimated from the residuals' robust scatter (1.4826 MAD), which
    underestimates it on few points twice over: the line was fitted to the same
    points (residual variance ``sigma^2 (n - 2) / n``: factor ``sqrt(n / (n - 2))``)
    and the MAD of a small sample is biased low (factor ``n / (n - 0.8)``, Croux &
    Rousseeuw 1992). Without both, 8 scans reported 0.75 of the true scatter of
    the fitted rates (measured on 1000 noisy lines; with them 1.00-1.08 for 5-40
    scans; tests/vision/pipeline/test_numbers_exact.py).

    Parameters
    ----------
    time_s : (N,) array_like
        Times of the fitted points, s.
    residual_scatter_um : float
        Robust scatter of the residuals, um.

    Returns
    -------
    float
        Standard error of the slope in um/s; NaN for fewer than 3 points or a
        single time.
    """
    t = np.asarray(time_s, dtype=float)
    n = len(t)
    if n < 3 or np.std(t) == 0:
        return float("nan")
    sigma = residual_scatter_um * np.sqrt(n / (n - 2)) * n / (n - 0.8)
    return float(sigma / (np.std(t) * np.sqrt(n)))


def _lost_tips(length_um, noise_um):
    """Scans whose length is a lost tip: well below the rod's length before and after it.

    A rod keeps its root and grows from its tip, so its length does not fall
    while it grows; a scan whose length lies :data:`LOST_TIP_SIGMAS` noise sigmas
    below the longest length before it and the longest after it saw a tip the
    segmentation or the linking lost (tuning seed 5038: a whisker read 2.1, 1.0,
    0.7, 0.9, then 3.3 um). The longest lengths are taken after a running median
    of three scans, so one overshooting tip does not make its neighbours "lost";
    a length that falls and stays down (stripping) is kept.

    Parameters
    ----------
    length_um : (N,) ndarray
        Lengths in time order, um.
    noise_um : float
        Standard deviation of a length, um.

    Returns
    -------
    (N,) bool ndarray
        True for the lost scans.
    """
    y = np.asarray(length_um, float)
    n = len(y)
    if n < 3:
        return np.zeros(n, bool)
    pad = np.concatenate([[y[0]], y, [y[-1]]])
    med = np.median(np.stack([pad[:-2], pad[1:-1], pad[2:]]), axis=0)
    before = np.concatenate([[-np.inf], np.maximum.accumulate(med)[:-1]])
    # the last scan has no "after": a fall there is taken as a lost tip too (a rod that
    # shrinks by stripping loses one scan, a growing one keeps its rate)
    after = np.concatenate([np.maximum.accumulate(med[::-1])[::-1][1:], [np.inf]])
    return y < np.minimum(before, after) - LOST_TIP_SIGMAS * max(noise_um, MIN_SCATTER_UM)


def _frozen_after_short(t, y, noise_um, stretches, short_s):
    """Scans after the short circuit that a growing stretch ends with but that did not grow.

    A shorted cell drives no growth: from the short on, every rod keeps the length it had
    then. The change-point search needs :data:`SEGMENT_MIN_SCANS` scans of that standstill
    to cut it off; one to three frozen scans (the video's touch-down scan itself, whose
    content time is at or after the short) stay in the growing stretch and pull its rate
    down (tuning seed 7001: the touch-down scan 3.3 um below the line, the last step's
    rate 5.42 um/s for a true 7.04). A scan at or after ``short_s`` lying more than
    :data:`FROZEN_TIP_SIGMAS` below the line through the stretch's scans before the short
    (at least :data:`MIN_SCANS_PER_FIT`) is frozen; sigma combines the length's noise and
    the line's extrapolation (its slope's standard error times the time from the scans'
    mean). Scans on the line (the short's time on the video clock too early: growth goes
    on) are kept.

    Parameters
    ----------
    t, y : (N,) ndarray
        Scan times (video clock, s) and lengths (um), in time order.
    noise_um : float
        Standard deviation of a length, um.
    stretches : list of (int, int)
        Index ranges of the stretches (:func:`rate_segments`).
    short_s : float
        Short-circuit time on the video clock, s.

    Returns
    -------
    (N,) bool ndarray
        True for the frozen scans.
    """
    frozen = np.zeros(len(t), bool)
    for i, j in stretches:
        before = np.arange(i, j)[t[i:j] < short_s]
        after = np.arange(i, j)[t[i:j] >= short_s]
        if len(before) < MIN_SCANS_PER_FIT or not len(after) or np.ptp(t[before]) == 0:
            continue
        rate, icpt, _ = fit_growth_rate(t[before], y[before])
        noise = max(float(noise_um), MIN_SCATTER_UM)
        se = slope_standard_error(t[before], noise)
        spread = np.hypot(noise, se * (t[after] - t[before].mean()))
        frozen[after] = y[after] < rate * t[after] + icpt - FROZEN_TIP_SIGMAS * spread
    return frozen


def _stretch_rate(t, y, tip_um, noise_um=0.0, *, correlated=False):
    """Rate (um/s) of one stretch and its uncertainty from the tips alone (um/s).

    The standard error of the slope from the scatter about the line, combined
    with the systematic part: two independent tip errors over the fitted time
    (:data:`SYSTEMATIC_TIP_ENDS`). With tip sigmas ``tip_um``, a tip's error is
    taken as the largest of their median, the scatter about the line and
    ``noise_um``, the scatter of the whole track's lengths (:func:`_noise_scale_um`):
    3-8 scans of one step say little about their own scatter, and the fitted tip
    sigma understates the real one (see :func:`growth_rates_per_step`). With
    ``correlated`` (the reported rates; not the merging of stretches) the slope's error
    allows for runs of tip error (:func:`_correlated_slope_error`).
    """
    rate, _, scatter = fit_growth_rate(t, y)
    tip_sys = 0.0
    if np.isfinite(tip_um).any():
        tip = max(float(np.nanmedian(tip_um)), float(noise_um))
        scatter = max(scatter, tip)
        # a tip error is partly systematic (the rod end's contrast, blur and rim change
        # slowly) and does not average out over the scans: the rate is no better known
        # than two independent tip errors over the fitted time
        tip_sys = SYSTEMATIC_TIP_ENDS ** 0.5 * tip / np.ptp(t)
    se = _correlated_slope_error(t, y, scatter) if correlated else slope_standard_error(t, scatter)
    return rate, float(np.hypot(se, tip_sys))


def _correlated_slope_error(t, y, scatter_um):
    """Standard error (um/s) of a stretch's slope when its tip errors may be correlated.

    :func:`slope_standard_error` takes the tips' errors as independent. A tip's error
    is partly a state that lasts a few scans (the edge model takes the rim or the blur
    for the rod's end, +-0.4 px on noise-free rods; whisker8 analysis): the residuals
    then run in blocks and the slope is worse known than their scatter says. The
    error is widened by sqrt((1 + rho) / (1 - rho)) (the AR(1) effective number of
    scans, rho the residuals' lag-1 autocorrelation) when rho is significant, and
    replaced by the delete-one jackknife error of the robust slope when that is more
    than twice as large (a bend or a bad run of tips inside the stretch); from
    :data:`AUTOCORR_MIN_SCANS` scans on (constants there).
    """
    se = slope_standard_error(t, scatter_um)
    n = len(t)
    if n < AUTOCORR_MIN_SCANS or not np.isfinite(se):
        return se
    r = y - np.polyval(np.polyfit(t, y, 1), t)
    d = float(np.dot(r, r))
    # residuals at rounding level (an exact line) have no correlation to speak of
    rho = float(np.dot(r[1:], r[:-1]) / d) if d > n * MIN_SCATTER_UM ** 2 else 0.0
    if rho > RHO_SIGNIFICANCE / np.sqrt(n):
        rho = min(rho, MAX_RESIDUAL_RHO)
        se = float(se * np.sqrt((1.0 + rho) / (1.0 - rho)))
    jk = np.array([fit_growth_rate(np.delete(t, k), np.delete(y, k))[0] for k in range(n)])
    jk_se = float(np.sqrt((n - 1) / n * np.sum((jk - jk.mean()) ** 2)))
    return jk_se if jk_se > JACKKNIFE_GATE * se else se


def _merge_alike(stretches, t, y, tip_um):
    """Join neighbouring stretches whose rates agree within :data:`MERGE_SIGMAS`.

    The change-point search sees the scatter of the tips, not their slowly
    varying systematic error, and can split a long straight record at a rate
    change of 1 % (tuning seed 5029: 2.25 and 2.23 um/s, one step, one true
    rate): a change is kept only if the two rates differ by more than
    :data:`MERGE_SIGMAS` times their combined uncertainty from the tips.
    """
    out = list(stretches)
    while len(out) > 1:
        gaps = []
        for (a, b), (c, d) in zip(out[:-1], out[1:]):
            r1, s1 = _stretch_rate(t[a:b], y[a:b], tip_um[a:b])
            r2, s2 = _stretch_rate(t[c:d], y[c:d], tip_um[c:d])
            both = np.hypot(s1, s2)
            gaps.append(abs(r1 - r2) / both if both > 0 else np.inf)
        k = int(np.argmin(gaps))
        if not gaps[k] <= MERGE_SIGMAS:
            break
        out[k:k + 2] = [(out[k][0], out[k + 1][1])]
    return out


def _unseen_change(t, y, tip_um, noise_um, inside, stretch):
    """Disagreement (um/s) of a step's two scans with the stretch whose rate it is given.

    The change-point search needs :data:`SEGMENT_MIN_SCANS` scans on each side of
    a change: a step holding only two scans of a stretch that goes on into the next
    step is given the stretch's rate, which assumes the rate held across the step
    edge (right when the sync put the edge a scan or two off, wrong when the new
    potential changed the rate: tuning seed 7036, 10.9 +- 0.3 um/s given for a true
    7.8; 5049, 10.5 +- 0.5 for 8.9). The two scans' own rate is the step's other
    estimate; their difference is the uncertainty of the assumption and enters the
    rate's +- in quadrature.

    Parameters
    ----------
    t, y, tip_um : (N,) ndarray
        Scan times (video clock, s), lengths (um) and tip sigmas (um, NaN unknown).
    noise_um : float
        Scatter of the track's lengths, um.
    inside, stretch : (N,) bool ndarray
        The step's scans of the stretch (two, or fewer than ``min_scans``) and the
        stretch's scans.

    Returns
    -------
    float
        ``|rate of the two scans - rate of the stretch|``, um/s.
    """
    r_in, _ = _stretch_rate(t[inside], y[inside], tip_um[inside], noise_um)
    r_st, _ = _stretch_rate(t[stretch], y[stretch], tip_um[stretch], noise_um)
    return float(abs(r_in - r_st))


def _edge_sensitivity(t, y, sel, start_s, end_s, zone_s, rate):
    """How far a step's rate moves (um/s) without its scans near a step edge.

    A step's edges on the video clock rest on the clock sync, known to its standard
    uncertainty: scans within ``zone_s`` of an edge may have grown at the
    neighbouring step's rate, and a change of rate the change-point search cannot
    see (10-30 % over 4-8 scans) then enters the fit unseen (tuning seed 5034: 6 and
    7 % off, stated +-1.6 %). Refitted on the scans ``sel`` away from both edges
    (at least :data:`MIN_SCANS_PER_FIT` of them), the rate's move is its
    sensitivity to the edge's placement; 0 without a zone, with no scan in it or
    with too few left.

    Parameters
    ----------
    t, y : (N,) ndarray
        Scan times (video clock, s) and lengths (um) of the whisker.
    sel : (N,) bool ndarray
        Scans of the fitted rate.
    start_s, end_s : float
        Step edges on the video clock, s.
    zone_s : float
        Half-width of the zone about each edge, s.
    rate : float
        The rate fitted on ``sel``, um/s.

    Returns
    -------
    float
        ``|rate - rate without the edge scans|``, um/s.
    """
    if not zone_s > 0:
        return 0.0
    near = (np.abs(t - start_s) <= zone_s) | (np.abs(t - end_s) <= zone_s)
    core = sel & ~near
    if core.sum() < MIN_SCANS_PER_FIT or core.sum() == sel.sum() or np.ptp(t[core]) == 0:
        return 0.0
    return abs(rate - fit_growth_rate(t[core], y[core])[0])


def _noise_scale_um(t, y):
    """Robust scatter (um) of lengths about a piecewise-straight course.

    Each inner scan is compared with the straight line through its two
    neighbours: on a straight stretch the difference is noise with variance
    ``sigma^2 (1 + w^2 + (1 - w)^2)`` (``w`` the interpolation weight, 1/2 for
    even spacing); a change of rate touches only the scans at it, so the robust
    (MAD) scatter of the scaled differences estimates ``sigma``.
    """
    if len(t) < 3:
        return 0.0
    dt = t[2:] - t[:-2]
    ok = dt > 0
    w = np.where(ok, (t[1:-1] - t[:-2]) / np.where(ok, dt, 1.0), 0.5)
    r = y[1:-1] - (y[:-2] * (1.0 - w) + y[2:] * w)
    return mad_sigma(r[ok] / np.sqrt(1.0 + w[ok] ** 2 + (1.0 - w[ok]) ** 2)) if ok.any() else 0.0


def rate_segments(time_s, length_um, *, noise_um=None, min_scans=SEGMENT_MIN_SCANS):
    """Split a whisker's length course into stretches of constant growth rate.

    A rod grows at a constant rate while the potential holds and changes it at
    a step edge, when it stops, restarts or the cell shorts. The change points
    are found from the lengths alone (the trace's step times on the video clock
    rest on the clock sync, which can be off by scans): the optimal partition
    into straight stretches (least squares, dynamic programming) with a penalty
    of :data:`SEGMENT_PENALTY` times the noise variance per added stretch.

    Parameters
    ----------
    time_s : (N,) array_like
        Scan times (video clock, s), increasing.
    length_um : (N,) array_like
        Lengths, um.
    noise_um : float, optional
        Standard deviation of a length, um; default: :func:`_noise_scale_um`.
    min_scans : int
        Fewest scans of a stretch.

    Returns
    -------
    list of (int, int)
        Index ranges ``[i, j)`` of the stretches, covering all scans in order.
    """
    t = np.asarray(time_s, float)
    y = np.asarray(length_um, float)
    n = len(t)
    if n < 2 * min_scans:
        return [(0, n)]
    sigma = _noise_scale_um(t, y) if noise_um is None else float(noise_um)
    # the MAD of n - 2 differences is itself uncertain (relative standard error about
    # 1.17 / sqrt(n - 2)): a low draw would split a straight line, so take it one sigma high
    sigma = max(sigma * (1.0 + MAD_REL_SE / np.sqrt(max(n - 2, 1))), MIN_SCATTER_UM)
    t0 = t - t.mean()
    # cumulative sums: the least-squares line of any stretch [i, j) in O(1)
    c = [np.concatenate([[0.0], np.cumsum(v)]) for v in
         (np.ones(n), t0, y, t0 * t0, t0 * y, y * y)]

    penalty = SEGMENT_PENALTY * np.log(n) * sigma ** 2
    best = np.full(n + 1, np.inf)
    best[0] = -penalty
    prev = np.zeros(n + 1, int)
    for j in range(min_scans, n + 1):
        i = np.arange(0, j - min_scans + 1)
        s0, st, sy, stt, sty, syy = (a[j] - a[i] for a in c)
        var_t = stt - st * st / s0
        cov = sty - st * sy / s0
        var_y = syy - sy * sy / s0
        with np.errstate(divide="ignore", invalid="ignore"):
            explained = np.where(var_t > 0, cov * cov / var_t, 0.0)
        cost = best[i] + penalty + np.maximum(var_y - explained, 0.0)
        k = int(np.argmin(cost))
        best[j], prev[j] = cost[k], int(i[k])
    cuts, j = [], n
    while j > 0:
        cuts.append((int(prev[j]), j))
        j = prev[j]
    return cuts[::-1]


def growth_rates_per_step(whiskers, steps=None, *, min_scans=MIN_SCANS_PER_FIT,
                          pixel_size_rel_std=PIXEL_SIZE_REL_STD, tilt_rel_std=0.0,
                          short_circuit_s=None, pixel_size_um=None, edge_std_s=0.0):
    """Growth rate of every whisker in every potential step.

    Parameters
    ----------
    whiskers : DataFrame
        One row per whisker per frame with ``whisker_id``, ``content_time_s``
        (video clock, s), ``length_um``; duplicated frames may be present and
        count once (rows are reduced to unique content times).
    steps : DataFrame, optional
        ``step, t_start_s, t_end_s`` on the video clock (and optionally
        ``control_value``). Without steps the whole record is one step 0.
    min_scans : int
        Fewest new scans inside a step to fit a rate (uncensored ones).
    pixel_size_rel_std : float
        Relative standard uncertainty of the pixel size (enters ``rate_std_um_s``).
    tilt_rel_std : float
        Relative standard uncertainty of the tilt correction of the lengths
        (enters ``rate_std_um_s``; 0 without a tilt).
    short_circuit_s : float, optional
        Short-circuit time on the video clock, s: a shorted cell drives no growth
        (a step holding the short fitted its growth together with the standstill
        after it, 7-55 % low on tuning seeds 5004, 5006, 5039, 5040). Scans at or
        after it below the line of the stretch they end are frozen tips and left
        out (:func:`_frozen_after_short`); a stretch after it whose tip does not
        move by more than 2 sigma is not reported. None: no short circuit.
    edge_std_s : float
        Standard uncertainty of the step edges on the video clock (the clock
        sync's), s: a rate's +- holds how far it moves without the scans within
        :data:`EDGE_SIGMAS` of it from an edge (:func:`_edge_sensitivity`). Only
        where the potential changes: a step table with boolean columns
        ``start_is_edge`` / ``end_is_edge`` says which of its starts and ends are
        (the pipeline's table, cut to the video, marks the cut ends False: the
        video's first and last scans are no change of potential); without them
        every start and end counts. 0 (the default): edges taken as exact.
    pixel_size_um : float, optional
        With a ``tip_sigma_px`` column (the tracker's 1-sigma tip uncertainty per
        frame), the scatter entering the rate's +- is at least the median tip
        sigma of the fitted scans: the residual scatter of 3-5 scans about
        their own line can be near zero (0.01-0.02 px on tuning seeds 5002 and
        5018, +- of 0.5 % for rates 12 % off); and the +- holds sqrt(2) median
        tip sigmas over the fitted duration (a systematic tip error, which the
        scatter does not show, :data:`SYSTEMATIC_TIP_ENDS`). A tip's error there is at
        least the scatter of the whole track's lengths (:func:`_noise_scale_um`): the
        fitted tip sigma understates it (0.2-0.3 px stated, 0.5-0.8 px about the truth
        on tuning seed 5000; the true rate lay within +-2 sigma in 62 % of the steps of
        tuning seeds 5000-5059 and 49 % of 7000-7089, 66 and 52 % with this floor).

    Returns
    -------
    DataFrame
        ``whisker_id, step, control_value, t_start_s, t_end_s, n_scans,
        rate_um_s, rate_std_um_s, current_density_A_cm2``; one row per
        whisker and step with enough scans. ``rate_std_um_s`` is the standard
        uncertainty of the rate: the standard error of the slope from the scatter of
        the tips about the line (:func:`slope_standard_error`), combined with the pixel
        size's and the tilt's relative uncertainty and the step edges' (``edge_std_s``);
        a step given the rate of a stretch it holds too few scans of adds their own
        rate's difference from it (:func:`_unseen_change`).
        Rows marked ``censored`` (the tip at the side of the field or at the data bar:
        the length is a lower bound) are left out of the fit.
        ``current_density_A_cm2`` is Faraday's law j = v F / V_m for the tip advance.

    Raises
    ------
    ValueError
        ``edge_std_s`` negative or not finite.
    """
    columns = ["whisker_id", "step", "control_value", "t_start_s", "t_end_s", "n_scans",
               "rate_um_s", "rate_std_um_s", "current_density_A_cm2"]
    if not (np.isfinite(edge_std_s) and edge_std_s >= 0):
        raise ValueError(f"edge_std_s must be a finite time >= 0 s, got {edge_std_s!r}")
    if whiskers is None or whiskers.empty:
        return pd.DataFrame(columns=columns)
    w = whiskers
    if "censored" in w:
        w = w.loc[~w["censored"].fillna(False).astype(bool)]
    short = short_circuit_s is not None and np.isfinite(short_circuit_s)
    w = w.drop_duplicates(["whisker_id", "content_time_s"])
    if w.empty:
        return pd.DataFrame(columns=columns)
    if steps is None or steps.empty:
        # one step over the whole track: its ends are the track's, no change of potential
        steps = pd.DataFrame({"step": [0], "t_start_s": [w["content_time_s"].min()],
                              "t_end_s": [w["content_time_s"].max()],
                              "control_value": [np.nan], "start_is_edge": [False],
                              "end_is_edge": [False]})
    steps = steps.sort_values("t_start_s")
    n = len(steps)
    start_edge = (steps["start_is_edge"].to_numpy(bool) if "start_is_edge" in steps
                  else np.ones(n, bool))
    end_edge = (steps["end_is_edge"].to_numpy(bool) if "end_is_edge" in steps
                else np.ones(n, bool))
    rows = []
    for wid, track in w.sort_values("content_time_s").groupby("whisker_id", sort=True):
        t_all = track["content_time_s"].to_numpy(float)
        y_all = track["length_um"].to_numpy(float)
        tip_all = np.full(len(t_all), np.nan)
        if pixel_size_um is not None and "tip_sigma_px" in track:
            tip_all = track["tip_sigma_px"].to_numpy(float) * float(pixel_size_um)
        noise = _noise_scale_um(t_all, y_all)
        if np.isfinite(tip_all).any():
            noise = max(noise, float(np.nanmedian(tip_all)))
        keep = ~_lost_tips(y_all, noise)
        t_all, y_all, tip_all = t_all[keep], y_all[keep], tip_all[keep]
        if len(t_all) < 2:
            continue
        stretches = _merge_alike(rate_segments(t_all, y_all, noise_um=noise),
                                 t_all, y_all, tip_all)
        if short:
            frozen = _frozen_after_short(t_all, y_all, noise, stretches, float(short_circuit_s))
            if frozen.any():
                # the frozen tail out, the stretches found again on the growth alone
                t_all, y_all, tip_all = t_all[~frozen], y_all[~frozen], tip_all[~frozen]
                if len(t_all) < 2:
                    continue
                stretches = _merge_alike(rate_segments(t_all, y_all, noise_um=noise),
                                         t_all, y_all, tip_all)
        for i, j in stretches:
            # the stretch spans half-way to the scans of its neighbours
            lo = -np.inf if i == 0 else 0.5 * (t_all[i - 1] + t_all[i])
            hi = np.inf if j == len(t_all) else 0.5 * (t_all[j - 1] + t_all[j])
            stretch = np.zeros(len(t_all), bool)
            stretch[i:j] = True
            for k_st, st in enumerate(steps.itertuples(index=False)):
                inside = stretch & (t_all >= st.t_start_s) & (t_all <= st.t_end_s)
                unseen = 0.0
                if inside.sum() >= min_scans:
                    sel = inside
                elif inside.sum() >= MIN_SCANS_OF_STRETCH_IN_STEP and stretch.sum() >= min_scans:
                    # the step holds only the end of a stretch of constant rate (its edge on
                    # the video clock rests on the sync): the stretch's rate is the step's there
                    sel = stretch
                    unseen = _unseen_change(t_all, y_all, tip_all, noise, inside, stretch)
                else:
                    continue
                t = t_all[sel]
                # the tips' part of the +- (scatter and systematic tip error), then the
                # relative uncertainty of the pixel size and the tilt
                # (the scatter of the whole track, ``noise``, is the floor of the scatter)
                rate, tip_std = _stretch_rate(t, y_all[sel], tip_all[sel], noise, correlated=True)
                rate_std = float(np.hypot(tip_std,
                                          rate * np.hypot(pixel_size_rel_std, tilt_rel_std)))
                # and the placement of the step's edges on the video clock (the sync's)
                # (only where the potential changes: a start or end cut to the video's
                # first or last scan is none)
                edge = _edge_sensitivity(t_all, y_all, sel,
                                         st.t_start_s if start_edge[k_st] else -np.inf,
                                         st.t_end_s if end_edge[k_st] else np.inf,
                                         EDGE_SIGMAS * float(edge_std_s), rate)
                # a standstill after the short circuit: no growth to report. Told by the tips'
                # own +- (whether the tip moved), not the step edges' or an unseen change's
                # terms, which say how well the rate is known, not whether there is one
                if short and np.median(t) > short_circuit_s and rate <= 2.0 * rate_std:
                    continue
                rate_std = float(np.sqrt(rate_std ** 2 + edge ** 2 + unseen ** 2))
                rows.append({
                    "whisker_id": int(wid), "step": int(st.step),
                    "control_value": float(getattr(st, "control_value", np.nan)),
                    "t_start_s": float(max(st.t_start_s, lo)),
                    "t_end_s": float(min(st.t_end_s, hi)),
                    "n_scans": int(sel.sum()), "rate_um_s": rate, "rate_std_um_s": float(rate_std),
                    "current_density_A_cm2": float(current_density_from_growth_rate(rate)),
                })
    return pd.DataFrame(rows, columns=columns)
