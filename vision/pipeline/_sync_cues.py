"""Cues to the clock offset between the video and the potentiostat trace.

Each cue is a pure function of arrays and DataFrames that returns a
:class:`Cue`: an estimate of the offset with its standard uncertainty, or a
bound. Clock convention (as everywhere in semtrack)::

    t_trace = t_video + offset_s

The cues and the model of the trace (docs/pages/methods/sync.md):

- **charge**: the charge passed, after the leakage (linear in the applied
  voltage) and the constant offset current are fitted out, is a positive
  combination of the lithium volumes and areas the video shows.
- **steps**: whisker growth rates change at the control-step edges, so the
  kinks of the length curves sit at the edges of the trace's steps.
- **onset**: growth starts after the first reducing step (a lower bound).
- **contact_area**: at constant potential the current follows the
  lithium's contact area (footprint) on the electrolyte.
- **short_circuit**: the current jump in the trace is the touch-down in
  the video.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

__all__ = ["Cue", "OffsetScan", "trace_signals", "held_change", "informs", "falls_back",
           "feature_jumps",
           "charge_cue", "step_cue", "onset_bound",
           "contact_area_cue", "short_circuit_cue", "short_onset", "approach_contact"]

#: Charging spikes are masked for this long after every control-step edge, s: the
#: double-layer time constant of a micro-electrode on LLZO is tens to hundreds of ms,
#: so 5 tau of 0.1-0.2 s covers them; the current after the mask is held back to the edge.
SPIKE_MASK_S = 0.5
#: A control value change larger than this is a step edge (V, or A for galvanostatic):
#: far above the potentiostat's set-point resolution.
STEP_EDGE_MIN = 1e-4
#: A set-current change larger than this fraction of the largest set current is a step
#: edge (galvanostatic control: currents of nA to uA, far below STEP_EDGE_MIN in A).
STEP_EDGE_REL = 1e-3
#: Samples of rest before the first step needed to measure the offset current.
MIN_REST_SAMPLES = 5
#: Fine search step, in scan periods.
FINE_STEP_SCANS = 0.025
#: Rise of the residual sum of squares, in residual variances, that bounds the 95 %
#: profile interval of the offset (chi-square with one degree of freedom: 3.84).
PROFILE_CHI2 = 3.84
#: Largest lag-1 correlation of residuals taken at face value (caps the inflation of
#: the variance at 39, i.e. a factor 6 on the uncertainty).
MAX_RESIDUAL_CORRELATION = 0.95
#: Offsets at least this many scan periods from the best are "elsewhere" for the
#: sharpness of a minimum.
FAR_SCANS = 2.0

#: A feature informs the sync only when its change held over this many consecutive scans
#: (a running median) exceeds its noise: the growth-mode evidence asks the same
#: persistence (``lateral_min_scans``) before it calls lithium grown, and a one-scan
#: blip (a mis-segmented scan) is no growth to match with the current.
HOLD_SCANS = 3
#: ... and exceeds this many times the range that noise alone would give the held values:
#: ``sigma sqrt(2 ln n)`` (half the expected range of n normal values), with sigma the
#: feature's scan-to-scan noise from its first differences (robust: 1.4826 MAD / sqrt 2,
#: so a steady growth rate and a one-scan blip do not count as noise).
HELD_RISE_SIGMAS = 3.0


def _running_median(y, n=HOLD_SCANS):
    """Median of every `n` consecutive values of `y` (``len(y) - n + 1`` of them)."""
    return np.median(np.lib.stride_tricks.sliding_window_view(np.asarray(y, float), n), axis=1)


def _difference_noise(y, order):
    """Robust standard deviation of white noise on ``y`` from its ``order``-th differences.

    1.4826 MAD of the differences about their median, over the noise gain of the
    difference (sqrt 2 for the first, sqrt 6 for the second: sqrt of C(2k, k)): a steady rate (first
    differences) or a piecewise-linear curve (second differences) adds nothing but at
    its few kinks.
    """
    d = np.diff(y, order)
    gain = math.sqrt(math.comb(2 * order, order))   # sum of squared binomial weights
    return 1.4826 * float(np.median(np.abs(d - np.median(d)))) / gain


def held_change(y):
    """Change of `y` held over :data:`HOLD_SCANS` scans, and its scan-to-scan noise.

    Returns
    -------
    (float, float)
        The range of the running median of `y` (over :data:`HOLD_SCANS`
        scans) and the robust standard deviation of its scan-to-scan noise
        (1.4826 MAD of the first differences about their median, over
        sqrt 2); (0, 0) for fewer than :data:`HOLD_SCANS` finite values.
    """
    y = np.asarray(y, float)
    y = y[np.isfinite(y)]
    if len(y) < HOLD_SCANS:
        return 0.0, 0.0
    return float(np.ptp(_running_median(y))), _difference_noise(y, 1)


def informs(y):
    """True when `y` changes by more than its noise could over held scans.

    The range of the held values must exceed ``HELD_RISE_SIGMAS sigma sqrt(2 ln n)``
    (see :func:`held_change` and :data:`HELD_RISE_SIGMAS`).
    """
    rise, noise = held_change(y)
    n = int(np.isfinite(np.asarray(y, float)).sum())
    return rise > 0 and rise > HELD_RISE_SIGMAS * noise * math.sqrt(2.0 * math.log(max(n, 2)))


def falls_back(y):
    """True when the held value of `y` falls back by more than its noise could.

    Plated lithium does not vanish while plating: a feature whose 3-scan running
    median (see :func:`held_change`) drops below an earlier held value by more
    than the noise bound of :func:`informs`, and by at least
    :data:`JUMP_MIN_FRACTION` of its rise, does not track plated lithium (a
    crack path lost and found again, a front that comes and goes).
    """
    y = np.asarray(y, float)
    y = y[np.isfinite(y)]
    rise, noise = held_change(y)
    if rise <= 0:
        return False
    held = _running_median(y)
    drop = float(np.max(np.maximum.accumulate(held) - held))
    bound = HELD_RISE_SIGMAS * noise * math.sqrt(2.0 * math.log(max(len(y), 2)))
    return drop > max(bound, JUMP_MIN_FRACTION * rise)


#: A scan-to-scan change of a feature larger than this many times its typical change
#: (the median of the non-zero ones) is lithium that appears at once: a whisker first
#: detected when already long, or re-acquired after the tracker lost it. Lithium grows
#: at the rate the current allows, so the jump is lithium grown earlier, unseen.
JUMP_FACTOR = 5.0
#: ... and at least this fraction of the feature's range (smaller ones move the fit little).
JUMP_MIN_FRACTION = 0.1
#: At most this many jumps per feature are given a free step (the largest).
MAX_JUMPS = 3


def feature_jumps(y):
    """Indices ``i`` where `y` jumps between scans ``i - 1`` and ``i`` (see :data:`JUMP_FACTOR`)."""
    y = np.asarray(y, float)
    if len(y) < 2 * HOLD_SCANS or not np.isfinite(y).all():
        return np.zeros(0, int)
    d = np.abs(np.diff(y))
    nz = d[d > 0]
    if len(nz) < HOLD_SCANS:
        return np.zeros(0, int)
    _, noise = held_change(y)
    thr = max(JUMP_FACTOR * float(np.median(nz)), HELD_RISE_SIGMAS * noise,
              JUMP_MIN_FRACTION * float(np.ptp(y)))
    idx = np.flatnonzero(d > thr)
    idx = idx[np.argsort(d[idx])[::-1][:MAX_JUMPS]]
    return np.sort(idx) + 1


@dataclass(frozen=True)
class Cue:
    """One cue's verdict on the clock offset.

    Attributes
    ----------
    name : str
    offset_s : float or None
        The estimate, s (None for a pure bound or a cue that could not be evaluated).
    sigma_s : float or None
        Its standard uncertainty, s.
    lo_s, hi_s : float
        The cue's bounds on the offset, s (infinite when none).
    sharpness : float or None
        0-1: 1 - best cost / best cost more than two scans away (a unique
        minimum is near 1).
    detail : str
        What the cue saw, for the user.
    cost : float or None
        The cue's residual at its estimate (relative units of the cue).
    adequate : bool or None
        The residuals at the estimate look like noise: their lag-1 correlation
        is not significant at 5 % (``rho < 1.96 / sqrt(n)``). False when they
        run in long stretches of one sign, the mark of a model that misses part
        of the data (a wrong track, an unmodelled current); None when unknown.
    informative : bool or None
        The data hold what the cue's model claims (contact-area cue: the
        footprint explains the current's course within the steps); False
        when not, and the estimate is reported but not combined. None: no
        such test (the other cues).
    scales_C : tuple of float or None
        Charge cue: the charge per unit of each feature at the estimate, C
        (NaN for a feature left out); None for the other cues.
    """

    name: str
    offset_s: float | None = None
    sigma_s: float | None = None
    lo_s: float = -math.inf
    hi_s: float = math.inf
    sharpness: float | None = None
    detail: str = ""
    cost: float | None = None
    adequate: bool | None = None
    informative: bool | None = None
    scales_C: tuple | None = None

    def as_dict(self):
        """JSON-able: ``name, offset_s, sigma_s, lo_s, hi_s, sharpness, detail`` (inf -> None)."""
        def fin(x):
            return None if x is None or not math.isfinite(x) else float(x)
        return {"name": self.name, "offset_s": fin(self.offset_s), "sigma_s": fin(self.sigma_s),
                "lo_s": fin(self.lo_s), "hi_s": fin(self.hi_s),
                "sharpness": fin(self.sharpness), "adequate": self.adequate,
                "detail": self.detail}


@dataclass(frozen=True)
class OffsetScan:
    """Search of a least-squares cost over offsets.

    Attributes
    ----------
    offset_s : float
        The minimum (parabola through the fine grid's lowest three points).
    sigma_s : float
        Standard uncertainty from the curvature of the cost: the offset
        change that raises the residual sum of squares by one residual
        variance (``rss_min / (n - p)``), times `inflation`.
    sharpness : float
        1 - best cost / best cost more than :data:`FAR_SCANS` scans away.
    cost : float
        Residual sum of squares at the minimum (relative units of the cue).
    adequate : bool or None
        See :attr:`Cue.adequate`.
    """

    offset_s: float
    sigma_s: float
    sharpness: float
    cost: float
    adequate: bool | None = None


def scan_offsets(cost, lo, hi, dt_scan, *, inflation=1.0):
    """Minimise ``cost(offset) -> (rss, n, p)`` over ``[lo, hi]``; an :class:`OffsetScan` or None.

    A grid of a quarter scan over the whole range, then a grid of
    :data:`FINE_STEP_SCANS` scans around the best point; ``n`` data points
    and ``p`` fitted parameters give the residual variance.
    """
    coarse = max(dt_scan / 4.0, 1e-3)
    offsets = np.arange(lo, hi + coarse / 2, coarse)
    if len(offsets) == 0:
        offsets = np.array([0.5 * (lo + hi)])
    rss = np.array([cost(o)[0] for o in offsets])
    if not np.isfinite(rss).any():
        return None
    best = int(np.nanargmin(rss))
    far = np.abs(offsets - offsets[best]) > FAR_SCANS * dt_scan
    runner_up = float(np.nanmin(rss[far])) if far.any() and np.isfinite(rss[far]).any() else np.inf
    step = FINE_STEP_SCANS * dt_scan
    fine = np.arange(offsets[best] - coarse, offsets[best] + coarse + step / 2, step)
    fine = fine[(fine >= lo - 1e-9) & (fine <= hi + 1e-9)]
    if len(fine) == 0:
        fine = offsets[best:best + 1]
    got = [cost(o) for o in fine]
    frss = np.array([g[0] for g in got])
    if not np.isfinite(frss).any():
        return None
    k = int(np.nanargmin(frss))
    offset = float(fine[k])
    rss_min, n, p = got[k][:3]
    resid = got[k][3] if len(got[k]) > 3 else None
    curv = np.nan
    if 0 < k < len(fine) - 1 and np.all(np.isfinite(frss[k - 1:k + 2])):
        y0, y1, y2 = frss[k - 1:k + 2]
        denom = y0 - 2 * y1 + y2
        if denom > 0:
            shift = 0.5 * (y0 - y2) / denom * step
            offset += float(np.clip(shift, -step, step))
            curv = denom / step ** 2 / 2.0          # rss ~ rss_min + curv * d^2
    if not np.isfinite(curv) or curv <= 0:
        # flat or at the edge: the half-width where the cost doubles from its minimum
        above = np.abs(fine - fine[k])[frss > 2 * max(rss_min, 1e-300)]
        sigma = float(above.min()) if len(above) else float(hi - lo) / 2
    else:
        var = rss_min / max(n - p, 1) * _correlation_factor(resid)
        # few degrees of freedom: the residual variance itself is uncertain (Student t)
        sigma = math.sqrt(max(var, 1e-300) / curv) * _t_ratio(n - p)
    # other offsets the data cannot tell from the best (cost within PROFILE_CHI2 residual
    # variances of the minimum, a 95 % profile interval): a cost with two minima
    # (aliased steps, a quiet stretch of trace) is that uncertain, not as sharp as the
    # curvature of the lower one says
    var = max(rss_min / max(n - p, 1) * _correlation_factor(resid), 1e-300)
    near = np.isfinite(rss) & (rss <= rss_min + PROFILE_CHI2 * _t_ratio(n - p) ** 2 * var)
    if near.any():
        sigma = max(sigma, float(np.abs(offsets[near] - offset).max()) / 2.0)
    sigma = max(inflation * sigma, 0.05 * dt_scan)
    sharp = float(np.clip(1.0 - rss_min / runner_up, 0.0, 1.0)) if np.isfinite(runner_up) \
        and runner_up > 0 else 0.0
    adequate = None
    if resid is not None and len(resid) >= 3:
        adequate = bool(_lag1(resid) < 1.96 / math.sqrt(len(resid)))
    return OffsetScan(offset_s=offset, sigma_s=sigma, sharpness=sharp, cost=float(rss_min),
                      adequate=adequate)


def _lag1(resid):
    """Lag-1 correlation of residuals (0 for a constant)."""
    r = np.asarray(resid, float) - float(np.mean(resid))
    den = float(r @ r)
    return float((r[1:] @ r[:-1]) / den) if den > 0 else 0.0


def _t_ratio(dof):
    """Student-t 97.5 % quantile over the normal one (1.96) for `dof` degrees of freedom."""
    from scipy.stats import t as student_t  # scipy.stats when a cue is weighed

    return float(student_t.ppf(0.975, max(int(dof), 1)) / student_t.ppf(0.975, 1e9))


def _correlation_factor(resid):
    """Variance inflation ``(1 + rho) / (1 - rho)`` for residuals with lag-1 correlation rho.

    The residuals of a model that misses part of the data (a wrong track, an unmodelled
    current) run in long stretches of one sign; n such residuals carry the information
    of ``n (1 - rho) / (1 + rho)`` independent ones (AR(1) effective sample size), so
    the offset's uncertainty grows by the square root of this factor.
    """
    if resid is None or len(resid) < 3:
        return 1.0
    rho = float(np.clip(_lag1(resid), 0.0, MAX_RESIDUAL_CORRELATION))
    return (1.0 + rho) / (1.0 - rho)


# ---------------------------------------------------------------------------------------
# The trace
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TraceSignals:
    """The trace prepared for the cues (all on the trace clock).

    Attributes
    ----------
    t : (M,) array
        Sample times, s.
    current : (M,) array
        Current less the offset current measured on the rest before the first
        control step (when there are at least :data:`MIN_REST_SAMPLES` of it),
        with charging spikes masked (the step's current after the spike
        held back to the edge), A
        (negative = plating, as the potentiostat writes it).
    charge : (M,) array
        ``-integral(current dt)`` from the first sample, C (plated charge).
    applied : (M,) array
        Applied voltage (control value, else the measured voltage), V.
    applied_integral : (M,) array
        ``integral(applied dt)``, V s: the charge of a leakage conductance g is
        ``g * applied_integral``.
    edges : (E,) array
        Times of the control-step edges (midway between the last sample before
        and the first after the change), s.
    control : (M,) array or None
        The control value (held between edges), or None.
    charge_full : (M,) array or None
        As `charge` but with the charging spikes kept (not masked), C: the
        charge cue models their charge, ``-C_dl * applied``, instead.
    capacitive : bool
        The control is a voltage (potentiostatic): every step charges the
        double layer.
    leak_max_S : float
        Largest leakage conductance the steps' own currents allow, S
        (:func:`leakage_bound`); infinite when the trace cannot bound it.
    """

    t: np.ndarray
    current: np.ndarray
    charge: np.ndarray
    applied: np.ndarray
    applied_integral: np.ndarray
    edges: np.ndarray
    control: np.ndarray | None
    charge_full: np.ndarray | None = None
    capacitive: bool = False
    leak_max_S: float = math.inf


#: The leakage bound of a step is its mean current over the step's voltage plus this many
#: standard errors of that mean (one-sided: a bound below the true conductance by chance
#: has a probability of 0.13 % per step); the mean current's error holds the noise of the
#: step's samples and of the rest's offset current it is measured against.
LEAK_BOUND_SIGMAS = 3.0
#: Fraction of each step's length, from its edge, left out of its leakage bound beside the
#: spike mask (unless fewer than :data:`MIN_REST_SAMPLES` samples would remain): the
#: double layer relaxes within :data:`SPIKE_MASK_S` on LLZO, but a step back toward rest
#: discharges it with an anodic current that a longer relaxation would carry on past the
#: mask, lowering the step's current below its leakage part; the later half holds least.
LEAK_BOUND_SKIP_FRACTION = 0.5
#: Fewest samples of a step that bound the leakage (a mean and a spread against the
#: rest's noise).
LEAK_BOUND_MIN_SAMPLES = 2


def leakage_bound(t, current, control, edges):
    """Largest leakage conductance that the steps' own currents allow, S.

    At a fixed applied voltage ``U`` the cell passes ``I = I_F + g (U - U_r)
    + I_r`` with ``I_r`` the current at rest (``U_r``, the control value
    before the first edge: the instrument's offset and the leakage at rest):
    a Faradaic part and the leakage. The Faradaic current flows the way the
    overpotential drives it (plating below rest, stripping above), so
    ``I_F / (U - U_r) >= 0`` and, for every step,
    ``g <= (I - I_r) / (U - U_r)``. The conductance is a property of the
    cell: the least of these ratios over the steps of the whole trace bounds
    it at any clock offset.

    Each step's mean current is taken over the later part of the step
    (:data:`LEAK_BOUND_SKIP_FRACTION`, and at least :data:`SPIKE_MASK_S` after
    the edge) up to a sampling interval before the next edge (a sample across
    an edge averages both steps' currents); :data:`LEAK_BOUND_SIGMAS` standard
    errors of the difference of the step's and the rest's mean currents are
    added (the noise the larger of the rest's and the step's scatter, the
    latter inflated for correlated samples), so noise does not bound the
    conductance below its true value.

    Parameters
    ----------
    t : (M,) array
        Sample times, trace clock, s (increasing).
    current : (M,) array
        Current, A (NaN where missing).
    control : (M,) array
        Applied (control) voltage, V, held between `edges`.
    edges : (E,) array
        Times of the control-step edges, s.

    Returns
    -------
    float
        The bound, S (>= 0); infinite without :data:`MIN_REST_SAMPLES` samples
        of rest before the first edge or a step away from rest with
        :data:`LEAK_BOUND_MIN_SAMPLES` samples.
    """
    t, current, control = (np.asarray(x, float) for x in (t, current, control))
    edges = np.asarray(edges, float)
    if not len(edges) or len(t) < 2:
        return math.inf
    rest = (t < edges[0]) & np.isfinite(current)
    if rest.sum() < MIN_REST_SAMPLES:
        return math.inf
    rest_a = float(np.median(current[rest]))
    # the plain standard deviation, not a robust one: a spread underestimated by chance
    # (the MAD of a few tens of samples varies by 15 %) would bound g below its value
    rest_sd = float(np.std(current[rest], ddof=1))
    # the median's standard error: 1.2533 sigma / sqrt(n) for normal noise
    rest_var = (1.2533 * rest_sd) ** 2 / rest.sum()
    rest_v = float(control[0])
    dt = float(np.median(np.diff(t)))
    bounds = np.r_[edges, t[-1] + (t[-1] - t[0])]
    best = math.inf
    for e0, e1 in zip(bounds[:-1], bounds[1:]):
        end = min(e1, float(t[-1]) + dt) - dt     # the last sample wholly in the step
        start = max(e0 + SPIKE_MASK_S, min(e0 + LEAK_BOUND_SKIP_FRACTION * (end - e0),
                                           end - (MIN_REST_SAMPLES - 1) * dt))
        m = (t >= start) & (t <= end + 1e-9 * dt) & np.isfinite(current)
        n = int(m.sum())
        if n < LEAK_BOUND_MIN_SAMPLES:
            continue
        du = float(np.median(control[m])) - rest_v
        if abs(du) <= STEP_EDGE_MIN:
            continue
        y = current[m] - rest_a
        var = rest_sd ** 2
        if n >= MIN_REST_SAMPLES:
            var = max(var, float(np.var(y, ddof=1)) * _correlation_factor(y - y.mean()))
        se = math.sqrt(var / n + rest_var)
        best = min(best, (float(np.mean(y)) + math.copysign(LEAK_BOUND_SIGMAS * se, du)) / du)
    return max(best, 0.0)


def _cumtrapz(y, t):
    return np.concatenate([[0.0], np.cumsum(0.5 * (y[1:] + y[:-1]) * np.diff(t))])


def trace_signals(trace):
    """The trace prepared for the cues; a :class:`TraceSignals`.

    Parameters
    ----------
    trace : DataFrame
        ``time_s``, ``current_A``; optional ``control_V`` / ``control_A``
        (the control value) and ``voltage_V``.
    """
    t = trace["time_s"].to_numpy(dtype=float)
    current = trace["current_A"].to_numpy(dtype=float)
    control = None
    for name in ("control_V", "control_A"):
        if name in trace and np.isfinite(trace[name].to_numpy(float)).any():
            control = np.nan_to_num(trace[name].to_numpy(dtype=float))
            break
    if "control_V" in trace and np.isfinite(trace["control_V"].to_numpy(float)).any():
        applied = np.nan_to_num(trace["control_V"].to_numpy(dtype=float))
    elif "voltage_V" in trace:
        applied = np.nan_to_num(trace["voltage_V"].to_numpy(dtype=float))
    else:
        applied = np.zeros(len(t))
    edges = np.zeros(0)
    if control is not None and len(control) > 1:
        # a set current (galvanostatic, often nA to uA) is judged against its own range
        least = STEP_EDGE_MIN if "control_V" in trace and np.isfinite(
            trace["control_V"].to_numpy(float)).any() else \
            STEP_EDGE_REL * float(np.max(np.abs(control)))
        jump = np.flatnonzero(np.abs(np.diff(control)) > max(least, 0.0)) + 1
        # the change happened between the last old and the first new sample
        edges = 0.5 * (t[jump - 1] + t[jump])
    ok = np.isfinite(current)
    raw = np.where(ok, current, 0.0)
    mask = ~ok
    potentiostatic = "control_V" in trace and np.isfinite(trace["control_V"].to_numpy(float)).any()
    for e in edges if potentiostatic else ():
        # galvanostatic control sets the current: no charging spike to mask
        mask |= (t >= e) & (t < e + SPIKE_MASK_S)
    keep = ~mask
    if keep.any() and mask.any():
        # the new step's current holds from its edge: fill each masked sample with the
        # first unmasked one after it (interpolating across would move the kink of the
        # charge by half the mask)
        current = current.copy()
        nxt = np.minimum(np.searchsorted(np.flatnonzero(keep), np.arange(len(t))),
                         keep.sum() - 1)
        current[mask] = current[np.flatnonzero(keep)[nxt]][mask]
    current = np.nan_to_num(current)
    offset_A = 0.0
    if len(edges) and control is not None:
        rest = (t < edges[0]) & np.isfinite(trace["current_A"].to_numpy(float))
        if rest.sum() >= MIN_REST_SAMPLES:
            # before the first step the cell rests: no plating, the current is the
            # instrument's offset plus the leakage at the rest value
            offset_A = float(np.median(current[rest])) - 0.0
            current = current - offset_A
    if not ok.all() and ok.any():  # gaps: the nearest good sample (no spike is masked)
        good = np.flatnonzero(ok)
        raw = raw.copy()
        raw[~ok] = raw[good[np.clip(np.searchsorted(good, np.flatnonzero(~ok)), 0,
                                    len(good) - 1)]]
    # a set voltage: the steps' currents bound the leakage (galvanostatic control sets the
    # current, whose voltage follows the cell)
    leak_max = leakage_bound(t, trace["current_A"].to_numpy(dtype=float), control, edges) \
        if potentiostatic else math.inf
    return TraceSignals(t=t, current=current, charge=-_cumtrapz(current, t), applied=applied,
                        applied_integral=_cumtrapz(applied, t), edges=edges, control=control,
                        charge_full=-_cumtrapz(raw - offset_A, t), capacitive=potentiostatic,
                        leak_max_S=leak_max)


def reducing_edges(sig, rest=None):
    """Times of the edges into a reducing (plating) step: control below rest, s."""
    if sig.control is None or len(sig.edges) == 0:
        return np.zeros(0)
    rest = float(sig.control[0]) if rest is None else rest
    after = sig.control[np.clip(np.searchsorted(sig.t, sig.edges), 0, len(sig.t) - 1)]
    return sig.edges[after < rest - STEP_EDGE_MIN]


# ---------------------------------------------------------------------------------------
# Cues
# ---------------------------------------------------------------------------------------

def _lstsq_rss(design, y):
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    r = y - design @ coef
    return float(r @ r), coef


def _bounded_coef(design, y, lower, upper):
    """Least-squares coefficients of ``y ~ design`` within bounds."""
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    if not (np.all(coef >= lower) and np.all(coef <= upper)):
        from scipy.optimize import lsq_linear  # scipy.optimize only for bounded fits

        coef = lsq_linear(design, y, bounds=(lower, upper), method="bvls").x
    return coef


def _bounded_rss(design, y, lower, upper):
    """Residual sum of squares of ``y ~ design`` with bounded coefficients, and the residuals."""
    coef = _bounded_coef(design, y, lower, upper)
    r = y - design @ coef
    return float(r @ r), r


def _fit_charge(sig, capacitance):
    """The trace's charge as the charge and contact-area fits take it.

    With ``capacitance`` (and spikes to fit) the charge with its charging spikes
    kept (their double-layer charge is a fitted term); else the charge with the
    spikes masked. Stripping: the charge falls as the lithium lost grows, so
    charge, applied-voltage integral and voltage are taken in the dominant
    direction (every lithium term then has a positive factor), each scaled to
    at most 1.

    Returns
    -------
    cap : bool
        Whether the double-layer term is fitted.
    charge, applied_integral, applied : ndarray
        Signed charge / qscale, and the signed integral and voltage (unscaled).
    qscale, wscale, vscale : float
        The scales (C, V s, V) of charge, integral and voltage.
    """
    cap = bool(capacitance and sig.capacitive and sig.charge_full is not None
               and np.ptp(sig.applied) > 0)
    raw = sig.charge_full if cap else sig.charge
    direction = -1.0 if raw[-1] < raw[0] else 1.0
    qscale = max(float(np.ptp(raw)), 1e-30)
    applied_integral = direction * sig.applied_integral
    applied = direction * sig.applied
    return (cap, direction * raw / qscale, qscale, applied_integral,
            max(float(np.abs(applied_integral).max()), 1e-30), applied,
            max(float(np.abs(applied).max()), 1e-30))


#: Relative margin within which a feature's fitted charge per unit is at its least charge
#: (the bounded fit, bvls, puts an active bound's coefficient on the bound itself; 0.1 %
#: covers the rescaling, far below a factor fitted freely: ``_sync.AT_LEAST_CHARGE_RTOL``).
LEAST_CHARGE_RTOL = 1e-3


def charge_cue(tv, features, sig, lo, hi, dt_scan, *, use=None, until=math.inf, min_charge_C=None,
               leakage=True, inflation=1.0, capacitance=True, jumps=True, leak_bound=False):
    """Charge-volume match.

    Model, at the right offset (``Q`` the plated charge of the trace, ``W``
    the integral of the applied voltage, both on the trace clock)::

        Q(tv + o) = sum_k a_k f_k(tv) - g W(tv + o) + c

    ``a_k`` hold the unseen-deposit factor and F/V_m (and the unknown thickness
    of lateral lithium), ``g`` the leakage conductance; the offset current
    ``I0`` is removed beforehand (see :func:`trace_signals`). For every
    offset ``o`` the linear parameters are fitted by least squares (bounded);
    the offset is the one with the smallest residual relative to the charge
    passed over the scans. Offsets where the fit holds every feature at its
    least charge (`min_charge_C`, all positive) are not searched: there the
    lithium seen grows by more than the charge passed allows, which no unseen
    deposit explains (it only adds charge); when every offset is such, all are.
    The least charge is a loose bound, so the uncertainty is at least that of
    the search over every offset.

    Parameters
    ----------
    tv : (N,) array
        Content times of the new scans, video clock, s.
    features : (N, K) array
        Quantities proportional to parts of the visible lithium volume.
    sig : TraceSignals
    lo, hi : float
        Offsets searched, s.
    dt_scan : float
        Scan period, s.
    use : (N,) bool array, optional
        Scans to fit (e.g. those before the short circuit).
    until : float
        Trace time after which scans are left out (for a first estimate
        before a short circuit).
    min_charge_C : (K,) array, optional
        Least charge per unit of each feature, C (``a_k >= min_charge_C[k]``):
        the unseen deposit only adds charge, so a whisker volume needs at
        least (a fraction of) F/V_m per um3. Without it, an offset that puts
        the video on a quiet part of the trace explains the charge with no
        lithium at all.
    leakage : bool
        Fit the leakage term. Over a wide search its kinks at the steps let
        wrong offsets fit the charge's kinks; :func:`synchronise_auto` searches
        without it and fits it in a window of a few scans around the result.
    leak_bound : bool
        Hold the leakage conductance within what the steps' own currents allow
        (``sig.leak_max_S``, :func:`leakage_bound`): the whole search's fit,
        where a free leakage can take a far minimum.

    Returns
    -------
    Cue
    """
    tv = np.asarray(tv, float)
    f = np.asarray(features, float).reshape(len(tv), -1)
    sel = np.ones(len(tv), bool) if use is None else np.asarray(use, bool)
    mins = np.zeros(f.shape[1]) if min_charge_C is None else np.asarray(min_charge_C, float)
    keepf = np.ptp(f[sel], axis=0) > 0 if sel.any() else np.zeros(f.shape[1], bool)
    f, mins = f[:, keepf], mins[keepf]
    if f.shape[1] == 0 or sel.sum() < f.shape[1] + 5:
        return Cue("charge", detail="no lithium growth seen to match with the charge")
    fscale = np.ptp(f[sel], axis=0)
    fs = f / fscale
    leak = leakage and np.ptp(sig.applied) > 0
    # double-layer charge: after each step's spike has relaxed it is -C_dl * V_applied
    # (one capacitance for every step), so the spikes are kept in the charge and this
    # term fitted, rather than masked (a masked spike filled with the current after it
    # moves the charge's kink when growth accelerates within the mask)
    cap, charge, qscale, applied_integral, wscale, applied, vscale = _fit_charge(sig, capacitance)
    # the bound holds for the control voltage (the applied integral's voltage)
    leak_bounded = leak_bound and math.isfinite(sig.leak_max_S)
    k = fs.shape[1]
    # lithium that appears at once (a whisker first seen long, re-acquired): a free step
    # at each jump, so the fit does not shift the offset to explain it by the current
    rows = np.flatnonzero(sel)
    steps = sorted({int(rows[i]) for j in range(k) for i in feature_jumps(fs[sel, j])}) \
        if jumps else []
    jump_cols = np.column_stack([(np.arange(len(tv)) >= i).astype(float) for i in steps]) \
        if steps else np.zeros((len(tv), 0))
    # lithium >= its least charge (unseen deposit adds, never removes); leakage charge
    # -g W with g >= 0; constant free. The offset current is not a free term here (a
    # charge linear in time mimics steady growth and lets wrong offsets fit): it is
    # measured on the rest before the first step (trace_signals).
    # the double-layer charge -C_dl V with C_dl >= 0. The conductance g is also at most
    # what the steps' own currents allow (sig.leak_max_S, a property of the cell that holds
    # at every offset): a leakage larger than a step's whole current would make that step's
    # Faradaic current flow against its overpotential
    leak_lo = -sig.leak_max_S * wscale / qscale if leak_bounded else -np.inf
    lower = np.r_[mins * fscale / qscale, -np.inf] if not leak else \
        np.r_[mins * fscale / qscale, -np.inf, leak_lo]
    upper = np.r_[np.full(k, np.inf), np.inf] if not leak else np.r_[np.full(k, np.inf), np.inf, 0.0]
    if cap:
        lower, upper = np.r_[lower, -np.inf], np.r_[upper, 0.0]
    lower = np.r_[lower, np.full(len(steps), -np.inf)]
    upper = np.r_[upper, np.full(len(steps), np.inf)]

    def design_at(o):
        tt = tv + o
        ok = sel & (tt >= sig.t[0]) & (tt <= sig.t[-1]) & (tt < until)
        if ok.sum() < fs.shape[1] + 5:
            return None
        q = np.interp(tt[ok], sig.t, charge)
        cols = [fs[ok], np.ones((ok.sum(), 1))]
        if leak:
            cols.append(np.interp(tt[ok], sig.t, applied_integral)[:, None] / wscale)
        if cap:  # the applied voltage holds between edges: the sample before
            idx = np.clip(np.searchsorted(sig.t, tt[ok], side="right") - 1, 0, len(sig.t) - 1)
            cols.append(applied[idx][:, None] / vscale)
        cols.append(jump_cols[ok])
        return np.hstack(cols), q, ok

    fits = {}

    def fit_at(o):
        # the bounded fit at offset o, once (the search with and without the offsets
        # at the least charge share their grid)
        if o not in fits:
            got = design_at(o)
            fits[o] = None if got is None else (*got, _bounded_coef(got[0], got[1], lower, upper))
        return fits[o]

    def cost(o, skip_least):
        got = fit_at(o)
        if got is None:
            return np.inf, 0, 0
        design, q, ok, coef = got
        if skip_least and np.all(coef[:k] <= lower[:k] * (1.0 + LEAST_CHARGE_RTOL)):
            # every feature held at its least charge: at this offset the lithium seen grows
            # by more than the charge passed allows (unseen deposits only add charge), so
            # the offset is not one the data allow, however well the nuisance terms
            # (leakage, double layer, constant) fit the charge's shape
            return np.inf, 0, 0
        resid = q - design @ coef
        rss = float(resid @ resid)
        n = int(ok.sum())
        # relative to the charge passed over the scans: a quiet stretch of the trace
        # (rest) is not a better match for being flat
        span = float(np.ptp(q))
        return (rss / n * len(tv) / span ** 2 if span > 0 else np.inf), n, design.shape[1], resid

    # offsets where the lithium seen needs less than its least charge are left out of the
    # search when every feature has one (physical units); when no offset is left, none is
    # (the caller warns of a fit at its least charge, _sync._at_least_charge)
    skip_least = bool(k) and bool(np.all(mins > 0))
    res = scan_offsets(lambda o: cost(o, skip_least), lo, hi, dt_scan, inflation=inflation)
    if skip_least:
        # the least charge is a loose bound (a width measured 30 % too wide: 1.7x the
        # volume), so it picks the minimum but does not narrow the uncertainty: the
        # sigma is at least that of the search over every offset
        free = scan_offsets(lambda o: cost(o, False), lo, hi, dt_scan, inflation=inflation)
        if res is None:
            res = free
        elif free is not None and free.sigma_s > res.sigma_s:
            res = replace(res, sigma_s=free.sigma_s)
    if res is None:
        return Cue("charge", detail="the trace does not overlap the video at any offset")
    # the charge each unit of each feature carries at the estimate, C (a_k), so that the
    # caller can judge whether the lithium seen can carry the charge passed
    got = design_at(res.offset_s) or design_at(float(np.clip(res.offset_s, lo, hi)))
    scales = None
    if got is not None:
        coef = _bounded_coef(got[0], got[1], lower, upper)
        per_unit = np.full(len(keepf), np.nan)
        per_unit[keepf] = coef[:k] * qscale / fscale
        scales = tuple(float(x) for x in per_unit)
    return Cue("charge", offset_s=res.offset_s, sigma_s=res.sigma_s, sharpness=res.sharpness,
               cost=res.cost, adequate=res.adequate, scales_C=scales, detail=f"charge vs lithium seen, leakage"
                      f"{', double-layer charge' if cap else ''} and offset current fitted: "
                      f"relative residual {res.cost:.2e}")


#: Two estimates agree when closer than this many combined standard uncertainties
#: (a two-sided 95 % interval) or than :data:`AGREE_SCANS` scan periods (the rule of
#: the combination, ``_sync_combine``, and of a cue's own parts).
AGREE_SIGMAS = 2.0
#: Two estimates closer than this many scan periods agree whatever their stated
#: uncertainties: half a scan, the requirement (a wider leeway let a cue with a small
#: stated uncertainty outweigh a sharper-founded one up to a whole scan away).
AGREE_SCANS = 0.5
#: The step cue checks each of at most this many curves (the longest) alone.
MAX_STEP_CURVES = 6


def _hinge_design(t, knots):
    cols = [np.ones(len(t)), t]
    cols += [np.maximum(0.0, t - k) for k in knots]
    return np.column_stack(cols)


def _until_stopped(y):
    """Scans of a length curve up to where the whisker stops growing for good.

    A whisker stops when its tip is blocked or its root cut off, at no step
    edge; the kink where it stops would pull a step edge onto itself (every
    stop comes after an edge, so toward too small an offset). The trailing
    run of at least :data:`HOLD_SCANS` scans whose lengths span no more than
    the noise bound of :func:`informs` is a stop (a slow growth spans more): its
    scans are left out (the kink lies between them and the scan before,
    where the fit would put an edge). The noise is that of the second
    differences (robust: 1.4826 MAD / sqrt 6), which a piecewise-linear curve
    leaves at zero but at its kinks: the first differences of a curve that
    grows at several rates would count the rates' spread as noise and take a
    slow last step for a stop.

    Parameters
    ----------
    y : (N,) array
        Lengths, um, in scan order.

    Returns
    -------
    int
        Number of leading scans to keep (N when the curve does not end held).
    """
    y = np.asarray(y, float)
    n = len(y)
    if n < 2 * HOLD_SCANS or not np.isfinite(y).all() or np.ptp(y) <= 0:
        return n
    noise = _difference_noise(y, 2)
    bound = HELD_RISE_SIGMAS * noise * math.sqrt(2.0 * math.log(n))
    # the longest trailing run whose lengths span no more than the noise bound
    first = n - 1
    while first > 0 and np.ptp(y[first - 1:]) <= bound:
        first -= 1
    return first if n - first >= HOLD_SCANS else n


def step_cue(lengths, edges_trace_s, lo, hi, dt_scan, *, inflation=1.0, min_scans=6):
    """Kinks of the whisker length curves against the control-step edges.

    Each length curve is fitted with a continuous piecewise-linear function
    whose knots are the step edges moved onto the video clock
    (``edge - offset``); the offset with the smallest total residual is the
    estimate.

    Parameters
    ----------
    lengths : DataFrame
        ``whisker_id``, ``content_time_s`` (video clock, s), ``length_um``.
    edges_trace_s : (E,) array
        Control-step edges on the trace clock, s.
    lo, hi : float
        Offsets searched, s.
    dt_scan : float
        Scan period, s.

    Returns
    -------
    Cue
    """
    edges = np.asarray(edges_trace_s, float)
    curves = []
    if lengths is not None and len(lengths) and len(edges):
        w = lengths.dropna(subset=["length_um", "content_time_s"]).drop_duplicates(
            ["whisker_id", "content_time_s"])
        for _, g in w.groupby("whisker_id"):
            g = g.sort_values("content_time_s")
            t, y = g["content_time_s"].to_numpy(float), g["length_um"].to_numpy(float)
            keep = _until_stopped(y)
            t, y = t[:keep], y[:keep]
            if len(t) >= min_scans and informs(y):
                curves.append((t, y))
    if not curves:
        return Cue("steps", detail="no whisker length curve with enough scans, or no step edges")
    res = _scan_kinks(curves, edges, lo, hi, dt_scan, inflation)
    if res is None:
        return Cue("steps", detail="no offset puts a step edge inside the growth")
    sigma, note = res.sigma_s, ""
    if len(curves) >= 2:
        # every curve alone must give the same offset: a kink that is no step edge (a
        # whisker that stops growing, leaves the field or is lost by the tracker) pulls
        # the knots onto itself, sharply, at a wrong offset. A curve whose own estimate
        # disagrees with the joint one (as two cues disagree, AGREE_SCANS / AGREE_SIGMAS)
        # makes half the distance a floor of the uncertainty.
        longest = sorted(curves, key=lambda c: -len(c[0]))[:MAX_STEP_CURVES]
        for one in longest:
            r = _scan_kinks([one], edges, lo, hi, dt_scan, inflation)
            if r is None:
                continue
            gap = abs(r.offset_s - res.offset_s)
            if gap > max(AGREE_SCANS * dt_scan, AGREE_SIGMAS * math.hypot(r.sigma_s, res.sigma_s)) \
                    and gap / 2 > sigma:
                sigma = gap / 2
                note = (f"; one curve alone gives {r.offset_s:+.2f} s: not combined (the "
                        "curves do not share their kinks at the step edges)")
    # a curve that disagrees means the model (every curve kinks at the edges) does not
    # hold for all of them: the joint estimate then sits on one of them, or between,
    # and a wide uncertainty would still let it pull the mean of an agreeing group
    return Cue("steps", offset_s=res.offset_s, sigma_s=sigma, sharpness=res.sharpness,
               adequate=res.adequate, informative=False if note else None,
               detail=f"kinks of {len(curves)} whisker length curve(s) vs {len(edges)} step "
                      f"edge(s): residual {math.sqrt(res.cost / sum(len(c[0]) for c in curves)):.3f}"
                      f" µm rms" + note)


def _scan_kinks(curves, edges, lo, hi, dt_scan, inflation):
    """:func:`scan_offsets` of the piecewise-linear fit of `curves` with knots at the edges."""
    def cost(o):
        total, n, p, resid = 0.0, 0, 0, []
        for t, y in curves:
            knots = edges - o
            knots = knots[(knots > t[0]) & (knots < t[-1])]
            design = _hinge_design(t - t[0], knots - t[0])
            rss, coef = _lstsq_rss(design, y)
            total += rss
            n += len(t)
            p += design.shape[1]
            resid.append(y - design @ coef)
        # the free parameters change with the knots inside: compare per degree of freedom
        return total / max(n - p, 1) * n, n, p, np.concatenate(resid)

    return scan_offsets(cost, lo, hi, dt_scan, inflation=inflation)


def onset_bound(growth_onset_video_s, first_reducing_trace_s, dt_scan):
    """Growth starts after the first reducing step: ``offset >= t_step - t_onset``.

    The video's onset is known to about a scan (it is back-extrapolated from
    the first scans that show growth), so the bound is loosened by one scan
    period.

    Parameters
    ----------
    growth_onset_video_s : float or None
        First growth seen, video clock, s.
    first_reducing_trace_s : float or None
        Edge of the first reducing step, trace clock, s.
    dt_scan : float
        Scan period, s.

    Returns
    -------
    Cue
        ``lo_s`` set; no estimate.
    """
    if growth_onset_video_s is None or first_reducing_trace_s is None:
        return Cue("onset", detail="no growth onset or no reducing step to bound the offset")
    lo = float(first_reducing_trace_s) - float(growth_onset_video_s) - dt_scan
    return Cue("onset", lo_s=lo,
               detail=f"growth seen from {growth_onset_video_s:.2f} s (video) after the first "
                      f"reducing step at {first_reducing_trace_s:.2f} s (trace)")


#: The contact-area cue is combined only when its footprint term explains the charge at
#: this significance (F test against no contact term); 1 %, stricter than 5 %, since the
#: offset was chosen to fit best.
CONTACT_F_LEVEL = 0.01
#: Points per scan period of the grid on which footprint x voltage is integrated
#: (the edges fall between scans: a twentieth of a scan is finer than the fine search).
CONTACT_GRID_PER_SCAN = 20


def _mean_current(sig, t0, t1):
    """Mean current over [t0, t1] (trace clock) from the charge, A (plating positive)."""
    q0, q1 = np.interp([t0, t1], sig.t, sig.charge)
    return (q1 - q0) / (t1 - t0)


def contact_area_cue(tv, footprint_um2, sig, lo, hi, dt_scan, *, features=None, inflation=1.0):
    """Current at constant potential against the lithium's footprint.

    At a fixed potential the plating current grows with the contact area of
    lithium on the electrolyte (paper, section 2.2). The interface passes a
    current density that grows with the applied voltage; to first order
    ``I = -alpha A(t) |U(t)| + g U(t) + I_0`` (``alpha >= 0``; ``g U`` the
    leakage, ``I_0`` what is left of the offset current). As for the charge
    cue the match is made in the charge domain, on the same scans for every
    offset::

        Q(tv + o) = alpha int_0^tv A(t) |U(t + o)| dt - g W(tv + o) + c

    with ``A`` interpolated linearly between scans and ``U`` held between the
    trace's samples.

    The cue is *informative* only when its model holds: the footprint term is
    significant beside the charge cue's model (F test of ``alpha`` against 0
    at :data:`CONTACT_F_LEVEL` in a fit that also holds the `features`, the
    volumes and areas whose growth the charge cue matches; the residual
    variance inflated for correlated residuals, see
    :func:`_correlation_factor`) and the residuals at the estimate are
    adequate (no stretches of one sign). A current that follows the growth of
    the volume rather than the contact area (Faraday's law of whiskers growing
    at a steady rate: a constant current per step while the footprint grows)
    is explained by the features as well without the footprint: the estimate
    is reported, not combined.

    Parameters
    ----------
    tv : (N,) array
        Content times of the new scans, video clock, s.
    footprint_um2 : (N,) array
        Lithium area on the electrolyte outside the electrode, um2.
    sig : TraceSignals
    lo, hi : float
        Offsets searched, s.
    dt_scan : float
    features : (N, K) array, optional
        The charge cue's features on the same scans (the alternative that
        the footprint must beat to be informative); without them the
        footprint is tested against the leakage alone.

    Returns
    -------
    Cue
    """
    tv = np.asarray(tv, float)
    a = np.asarray(footprint_um2, float)
    feats = np.zeros((len(tv), 0)) if features is None else \
        np.asarray(features, float).reshape(len(tv), -1)
    ok0 = np.isfinite(a) & np.isfinite(tv) & np.isfinite(feats).all(axis=1)
    if ok0.sum() < 8 or np.ptp(a[ok0]) <= 0 or sig.control is None or not len(sig.edges):
        return Cue("contact_area", detail="no growing footprint or no constant-potential steps")
    tv, a, feats = tv[ok0], a[ok0] / np.ptp(a[ok0]), feats[ok0]
    order = np.argsort(tv)
    tv, a, feats = tv[order], a[order], feats[order]
    feats = feats[:, np.ptp(feats, axis=0) > 0]
    dfeats = np.diff(feats / np.ptp(feats, axis=0), axis=0) if feats.shape[1] else \
        np.zeros((len(tv) - 1, 0))
    # a fine grid on the video clock for the integral of footprint x voltage
    grid = np.linspace(tv[0], tv[-1], CONTACT_GRID_PER_SCAN * (len(tv) - 1) + 1)
    mid = 0.5 * (grid[1:] + grid[:-1])
    a_dt = np.interp(mid, tv, a) * np.diff(grid)
    at_scan = np.searchsorted(grid, tv, side="left").clip(0, len(grid) - 1)
    # the charging spikes are kept and their charge -C_dl U fitted, as in the charge cue
    # (a masked spike filled with the current after it is too high for a current that
    # rises with the area)
    cap, charge, _, w_int, wscale, applied, vscale = _fit_charge(sig, True)
    vabs = np.abs(sig.applied)
    lower, upper = np.array([0.0, -np.inf, -np.inf]), np.array([np.inf, 0.0, np.inf])
    if cap:
        lower, upper = np.r_[lower, -np.inf], np.r_[upper, 0.0]

    def fit(o, part=None):
        """(rss, n, p, residuals, rss without and with the footprint beside the features,
        number of features) or None; `part` selects scan intervals."""
        tt = tv + o
        if tt[0] < sig.t[0] or tt[-1] > sig.t[-1]:
            return None
        idx = np.clip(np.searchsorted(sig.t, mid + o, side="right") - 1, 0, len(sig.t) - 1)
        contact = np.r_[0.0, np.cumsum(a_dt * vabs[idx])][at_scan]
        cscale = max(float(np.ptp(contact)), 1e-30)
        q = np.interp(tt, sig.t, charge)
        base = np.column_stack([np.interp(tt, sig.t, w_int) / wscale, np.ones(len(tv))])
        if cap:  # the applied voltage holds between edges: the sample before
            held = np.clip(np.searchsorted(sig.t, tt, side="right") - 1, 0, len(sig.t) - 1)
            base = np.column_stack([base, applied[held] / vscale])
        design = np.column_stack([contact / cscale, base])
        # fitted scan to scan (the charge passed between two scans, i.e. the mean current
        # of each interval): the noise of a charge is integrated noise, a random walk,
        # whose increments are independent (least squares on them is the right weighting,
        # and their residuals show a model that does not hold); the constant drops out
        design, q = np.diff(design[:, :-1], axis=0), np.diff(q)
        dfe = dfeats
        if part is not None:
            design, q, dfe = design[part], q[part], dfeats[part]
        lo_, hi_ = np.delete(lower, 2), np.delete(upper, 2)
        rss, resid = _bounded_rss(design, q, lo_, hi_)
        # the alternative: the charge cue's features (lithium adds charge: >= 0) beside
        # the same nuisance terms, with and without the footprint
        k = dfe.shape[1]
        rss0 = _bounded_rss(np.column_stack([dfe, design[:, 1:]]), q,
                            np.r_[np.zeros(k), lo_[1:]], np.r_[np.full(k, np.inf), hi_[1:]])[0]
        rss1 = _bounded_rss(np.column_stack([dfe, design]), q, np.r_[np.zeros(k), lo_],
                            np.r_[np.full(k, np.inf), hi_])[0] if k else rss
        return rss, len(q), design.shape[1], resid, rss0, rss1, k

    def cost_of(part):
        def cost(o):
            r = fit(o, part)
            if r is None:
                return np.inf, 0, 0
            rss, n, p, resid = r[:4]
            return rss, n, p, resid
        return cost

    res = scan_offsets(cost_of(None), lo, hi, dt_scan, inflation=inflation)
    got = None if res is None else fit(res.offset_s)
    if got is None:
        return Cue("contact_area", detail="the trace does not cover the video at any offset")
    sigma, note = res.sigma_s, ""
    # the first and the second half of the scans must give the same offset (as two cues
    # agree): the cost of this cue is rough on the scale of the trace's samples (each
    # offset moves samples of noise across the scans' boundaries), so its curvature can
    # state a sharpness the data do not have; half the halves' distance is then a floor
    half = len(tv) // 2
    halves = [scan_offsets(cost_of(np.arange(len(tv) - 1) < half), lo, hi, dt_scan),
              scan_offsets(cost_of(np.arange(len(tv) - 1) >= half), lo, hi, dt_scan)]
    if all(h is not None for h in halves):
        gap = abs(halves[0].offset_s - halves[1].offset_s)
        if gap > AGREE_SCANS * dt_scan and gap / 2 > sigma:
            sigma = gap / 2
            note = (f"; the two halves of the run give {halves[0].offset_s:+.2f} s and "
                    f"{halves[1].offset_s:+.2f} s")
    rss, n, p, resid, rss0, rss1, k = got
    if k:
        # the volumes and areas alone at their own best offset: the footprint must do
        # better than that, not only better than the features at an offset that does
        # not suit them (there anything that follows the charge helps)
        def cost_f(o):
            r = fit(o)
            return (np.inf, 0, 0) if r is None else (r[4], r[1], r[2] - 1 + r[6])
        alone = scan_offsets(cost_f, lo, hi, dt_scan)
        if alone is not None:
            rss0 = min(rss0, alone.cost)
    var = max(rss1, 1e-300) / max(n - p - k, 1) * _correlation_factor(resid)
    from scipy.stats import f as f_dist  # scipy.stats when a cue is weighed

    p_value = float(f_dist.sf(max(rss0 - rss1, 0.0) / var, 1, max(n - p - k, 1)))
    informative = bool(p_value < CONTACT_F_LEVEL and res.adequate)
    if informative:
        why = ""
    elif p_value >= CONTACT_F_LEVEL:
        why = ("; not combined: the footprint does not explain the charge beyond the lithium "
               f"volumes and areas (F test p = {p_value:.2g})")
    else:
        why = ("; not combined: its residuals run in stretches (the current does not follow "
               "the footprint)")
    return Cue("contact_area", offset_s=res.offset_s, sigma_s=sigma,
               sharpness=res.sharpness, adequate=res.adequate, informative=informative,
               detail=f"charge vs footprint x voltage, leakage fitted: relative residual "
                      f"{res.cost:.2e}" + note + why)


#: Samples of the trace before the detected short circuit that the ramp fit takes (the
#: current before the contact, and room for a contact up to this many samples earlier
#: than the detector's point, whose threshold a slow ramp crosses late).
RAMP_BEFORE_SAMPLES = 4
#: Samples from the detected short circuit on that the ramp fit takes: an exponential
#: approach whose time constant is up to a few sampling intervals has levelled off.
RAMP_AFTER_SAMPLES = 10
#: The ramp's time constant is looked for between these multiples of the sampling
#: interval: shorter is a step (no sample on the ramp), longer no short circuit the
#: detector calls abrupt.
RAMP_TAU_SAMPLES = (0.02, 5.0)
#: A sample is on the ramp when the ramp has covered between these fractions of its
#: rise there (beyond them it is within 10 % of the current before or after the short,
#: a few noise levels of a short's current of 20 times the plating one): only such a
#: sample says where in its interval the ramp began.
RAMP_ON = (0.1, 0.9)


def short_onset(t, current, short_s):
    """Start of the short circuit placed between the trace's samples, or None.

    At the contact the cell's current does not jump in no time: it approaches its
    shorted value as ``I(t) = b + A (1 - exp(-(t - t0) / tau))`` for ``t > t0``
    (the collapse of the cell's voltage through its own capacitance and the
    potentiostat's response), ``b`` before. The samples around the detected
    jump are fitted with that model (``b, A, t0, tau`` by least squares); the
    first sample on the ramp then says how far into the interval before it the
    contact was. When the ramp is done within a sample (a step) ``t0`` is not
    determined: no sample lies on the ramp (within :data:`RAMP_ON` of its rise),
    and None is returned; likewise when the fit's standard error is not below
    that of the uniform position within a sampling interval (``dt / sqrt 12``).

    Parameters
    ----------
    t, current : (M,) array_like
        The trace's samples (trace clock, s; A).
    short_s : float
        The first sample of the jump (:func:`electrochem.detect_short_circuit`), s.

    Returns
    -------
    (float, float) or None
        ``t0`` and its standard error, s.
    """
    from scipy.optimize import least_squares  # scipy.optimize only for this fit

    t, y = np.asarray(t, float), np.asarray(current, float)
    ok = np.isfinite(t) & np.isfinite(y)
    t, y = t[ok], y[ok]
    if len(t) < 3:
        return None
    i1 = int(np.searchsorted(t, float(short_s) - 1e-9))
    lo_i, hi_i = max(i1 - RAMP_BEFORE_SAMPLES, 0), min(i1 + RAMP_AFTER_SAMPLES, len(t))
    if i1 < 1 or i1 >= len(t) or hi_i - lo_i < 6:
        return None
    tt, yy = t[lo_i:hi_i], y[lo_i:hi_i]
    dt = float(np.median(np.diff(tt)))
    if not dt > 0:
        return None
    scale = max(float(np.ptp(yy)), 1e-30)
    yn = (yy - yy[0]) / scale

    def model(p):
        b, a, t0, ltau = p
        u = np.clip(tt - t0, 0.0, None)
        return b + a * -np.expm1(-u / (math.exp(ltau) * dt))

    pre = float(np.median(yn[:i1 - lo_i])) if i1 > lo_i else 0.0
    post = float(yn[-1])
    t_first = float(t[i1 - 1]) if i1 - 1 >= lo_i else float(tt[0])
    tau_lo, tau_hi = (math.log(x) for x in RAMP_TAU_SAMPLES)
    # t0 anywhere from the first sample taken to the detected sample
    bounds = ([-np.inf, -np.inf, float(tt[0]), tau_lo], [np.inf, np.inf, float(t[i1]), tau_hi])
    best = None
    for t0 in (t_first + 0.25 * dt, t_first + 0.5 * dt, t_first + 0.75 * dt):
        for ltau in (math.log(0.3), 0.0):
            x0 = [pre, post - pre, min(max(t0, bounds[0][2]), bounds[1][2]), ltau]
            try:
                fit = least_squares(lambda p: model(p) - yn, x0, bounds=bounds)
            except ValueError:
                continue
            if best is None or fit.cost < best.cost:
                best = fit
    if best is None or not best.success:
        return None
    b, a, t0, ltau = best.x
    ramp = -np.expm1(-np.clip(tt - t0, 0.0, None) / (math.exp(ltau) * dt))
    if not np.any((ramp >= RAMP_ON[0]) & (ramp <= RAMP_ON[1])):
        # no sample on the ramp (a step done within one sample): where the step began
        # within the interval is not measured, however small the fit's error says
        return None
    dof = len(tt) - 4
    if dof < 2:
        return None
    s2 = 2.0 * best.cost / dof
    jac = best.jac
    try:
        cov = np.linalg.pinv(jac.T @ jac) * s2
    except np.linalg.LinAlgError:
        return None
    se = math.sqrt(max(float(cov[2, 2]), 0.0))
    if not np.isfinite(se) or se <= 0 or se >= dt / math.sqrt(12.0):
        return None
    return float(best.x[2]), se


#: The scan the tracker calls the touch-down may be this many scans early or late: the
#: front's last gap to the counter electrode is a pixel or two, below what segmentation
#: resolves in every scan (the lateral sample's touch-down is found a scan early, tuning
#: seeds 7026 and 7043 late). The error is taken as uniform within +-this many scans.
TOUCHDOWN_SCANS = 1.0
#: Variance of the touch-down scan's error, scans^2: the scan found is the right one or
#: a whole scan either side (TOUCHDOWN_SCANS), none of the three known to be likelier
#: (a discrete uniform over -1, 0, +1 scans: variance 2/3). A uniform error within
#: +-one scan (variance 1/3) put a touch-down confirmed a whole scan late outside two
#: standard uncertainties when the contact came early in its scan (error 1.5 scans).
TOUCHDOWN_VAR_SCANS2 = 2.0 / 3.0 * TOUCHDOWN_SCANS ** 2


#: Scans either side of the touch-down scan that the approach fit takes: enough for the
#: approach's line and the held value after the contact (three or more each, even when
#: the touch-down scan is found a scan off), few enough that the approach speed is about
#: steady (it changes with the control steps, seconds apart).
APPROACH_WINDOW_SCANS = 6
#: The contact is placed by a straight approach between two snapshots: how fast the front
#: or the crack moved within the last interval is not seen, so the point may lie anywhere
#: within it; a uniform error within +-half a scan (variance dt**2 / 12) is added to the
#: fit's own in quadrature.
APPROACH_MODEL_VAR_SCANS2 = 1.0 / 12.0
#: Grid of the contact-time search, scans.
APPROACH_STEP_SCANS = 0.025


def approach_contact(times_s, progress, touchdown_video_s, dt_scan):
    """Contact time placed between the scans by the approach that ends at the touch-down.

    A lateral front or a crack grows toward the counter electrode and stops
    there: its progress (front distance, crack length) rises about linearly
    over the scans before the contact and holds after it. The scans within
    :data:`APPROACH_WINDOW_SCANS` of the touch-down are fitted with
    ``y = a + v min(t - tc, 0)`` (``v > 0``) for every contact time ``tc``
    on a grid from two scan periods before the touch-down scan to one after
    (the contact lies in the scan period before the first scan that shows it,
    which may be found a whole scan early or late, ``TOUCHDOWN_SCANS``); the
    least residual gives ``tc``. Its standard uncertainty is the half-width of
    the contact times whose residual sum of squares is within one residual
    variance of the least (the profile's 68 % interval), with the straight
    approach's own limit (:data:`APPROACH_MODEL_VAR_SCANS2`) added.

    Parameters
    ----------
    times_s : (N,) array_like
        Content times of the new scans, video clock, s.
    progress : (N,) array_like
        The front's distance from the electrode or the crack's length per scan,
        um (NaN where not measured).
    touchdown_video_s : float
        Content time of the first scan showing the touch-down, video clock, s.
    dt_scan : float
        Scan period, s.

    Returns
    -------
    (float, float) or None
        ``tc`` (video clock, s) and its standard uncertainty, s; None when the
        window holds fewer than two scans either side of ``tc``, the progress
        does not change there, or it does not rise toward the contact.
    """
    t = np.asarray(times_s, float)
    y = np.asarray(progress, float)
    td = float(touchdown_video_s)
    # the window's edge halfway between scans: content times rounded in a table do not
    # decide whether the last scan is in
    half = (APPROACH_WINDOW_SCANS + 0.5) * dt_scan
    m = np.isfinite(t) & np.isfinite(y) & (np.abs(t - td) <= half)
    t, y = t[m], y[m]
    if len(t) < 6 or not np.ptp(y) > 0 or not dt_scan > 0:
        return None
    grid = np.arange(td - (1.0 + TOUCHDOWN_SCANS) * dt_scan,
                     td + TOUCHDOWN_SCANS * dt_scan + 1e-9 * dt_scan,
                     APPROACH_STEP_SCANS * dt_scan)
    rss = np.full(len(grid), np.inf)
    slope = np.zeros(len(grid))
    for i, tc in enumerate(grid):
        if (t < tc).sum() < 2 or (t >= tc).sum() < 2:
            continue
        design = np.column_stack([np.ones(len(t)), np.minimum(t - tc, 0.0)])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        rss[i] = float(np.sum((design @ coef - y) ** 2))
        slope[i] = coef[1]
    if not np.isfinite(rss).any():
        return None
    i = int(np.argmin(rss))
    if not slope[i] > 0:
        return None
    s2 = rss[i] / max(len(t) - 3, 1)
    near = grid[rss <= rss[i] + s2]
    fit_sigma = 0.5 * float(near.max() - near.min()) + 0.5 * APPROACH_STEP_SCANS * dt_scan
    sigma = math.sqrt(fit_sigma ** 2 + APPROACH_MODEL_VAR_SCANS2 * dt_scan ** 2)
    return float(grid[i]), sigma


def short_circuit_cue(short_trace_s, touchdown_video_s, dt_scan, dt_trace, *, onset=None,
                      contact=None):
    """The current jump (trace) is the touch-down (video).

    The video's touch-down is the first scan that shows it, so the contact
    happened within the scan period before; the trace's jump is found at the
    first sample after it. The offset is the difference of the two midpoints.
    Its uncertainty is that of three independent parts: the contact's place
    within the scan before the touch-down (uniform, ``dt_scan**2 / 12``), the
    touch-down scan itself, the right one or found a whole
    :data:`TOUCHDOWN_SCANS` early or late, none likelier
    (:data:`TOUCHDOWN_VAR_SCANS2` ``dt_scan**2``), and the contact's place
    within the trace's sampling interval (``dt_trace**2 / 12``, or the ramp
    fit's standard error). A touch-down confirmed a whole scan late lies
    within two of these standard uncertainties wherever the contact was in
    its scan (error up to 1.5 scans; two sigma 1.73 scans).

    When the approach of the front or crack places the contact between the
    scans (`contact`, :func:`approach_contact`), the video's part is the
    inverse-variance mean of that and the touch-down scan's midpoint.

    Parameters
    ----------
    short_trace_s : float or None
        Start of the short circuit, trace clock, s.
    touchdown_video_s : float or None
        Content time of the first scan showing the touch-down, video clock, s.
    dt_scan, dt_trace : float
        Scan period and trace sampling interval, s.
    onset : (float, float), optional
        The short's start placed between the trace's samples and its standard
        uncertainty, s (:func:`short_onset`).
    contact : (float, float), optional
        The contact placed between the scans by the approach and its standard
        uncertainty, video clock, s (:func:`approach_contact`).

    Returns
    -------
    Cue
    """
    if short_trace_s is None or touchdown_video_s is None:
        return Cue("short_circuit", detail="no short circuit in both the trace and the video")
    video = float(touchdown_video_s) - dt_scan / 2
    # the video's part: the place within the scan, and the touch-down scan right or found
    # a whole scan early or late
    video_var = dt_scan ** 2 / 12.0 + TOUCHDOWN_VAR_SCANS2 * dt_scan ** 2
    seen = f"touch-down seen at {touchdown_video_s:.2f} s (video)"
    if contact is not None and contact[1] > 0:
        # the approach's contact and the touch-down scan's midpoint: two measurements of
        # the same time, weighted by their variances
        w_scan, w_fit = 1.0 / video_var, 1.0 / float(contact[1]) ** 2
        video = (video * w_scan + float(contact[0]) * w_fit) / (w_scan + w_fit)
        video_var = 1.0 / (w_scan + w_fit)
        seen += f", contact placed by the approach at {contact[0]:.2f} s (+-{contact[1]:.2f})"
    if onset is not None:
        # the contact placed between the trace's samples by its current ramp
        off = float(onset[0]) - video
        sigma = math.sqrt(video_var + float(onset[1]) ** 2)
        where = f"current ramp from {onset[0]:.3f} s (+-{onset[1]:.3f}; trace)"
    else:
        off = (float(short_trace_s) - dt_trace / 2) - video
        sigma = math.sqrt(video_var + dt_trace ** 2 / 12.0)
        where = f"current jump at {short_trace_s:.2f} s (trace)"
    return Cue("short_circuit", offset_s=off, sigma_s=sigma, detail=f"{where}, {seen}")


def whisker_lengths(whiskers):
    """``whisker_id, content_time_s, length_um`` of a whiskers table (empty if none)."""
    cols = ["whisker_id", "content_time_s", "length_um"]
    if whiskers is None or not len(whiskers) or not set(cols) <= set(whiskers.columns):
        return pd.DataFrame(columns=cols)
    return whiskers[cols]
