"""Synchronising the video clock with the potentiostat clock.

Clock convention (used everywhere in semtrack)::

    t_trace = t_video + sync_offset_s

and, when a clock drift was fitted (runs longer than 10 minutes)::

    t_trace = t_video + sync_offset_s + 1e-6 sync_drift_ppm t_video

(``sync_offset_s`` is then the offset at the first frame, ``t_video = 0``).

The video clock starts at 0 s at the first frame; the trace clock is the
``time_s`` column of the potentiostat file.
"""
import logging
import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from calibration import FARADAY_C_MOL, MOLAR_VOLUME_LI_CM3_MOL, UM3_PER_CM3, InputError, SyncOffset

from ._sync_combine import (
    LOW_CONFIDENCE,
    SINGLE_CUE_CONFIDENCE,
    combine_cues,
    drift_ppm,
    low_confidence_warning,
)
from ._sync_cues import (
    AGREE_SCANS,
    AGREE_SIGMAS,
    HOLD_SCANS,
    JUMP_MIN_FRACTION,
    Cue,
    approach_contact,
    charge_cue,
    contact_area_cue,
    falls_back,
    feature_jumps,
    informs,
    onset_bound,
    reducing_edges,
    short_circuit_cue,
    short_onset,
    step_cue,
    trace_signals,
    whisker_lengths,
)

logger = logging.getLogger(__name__)

__all__ = ["resample_trace", "estimate_offset_auto", "synchronise_auto", "SyncEstimate",
           "trace_overlap", "trace_time", "video_time"]

#: Runs longer than this (video clock, s) get a clock drift fitted beside the offset
#: (issue 13: 10 minutes; at 50 ppm the offset moves by 30 ms over that time).
DRIFT_MIN_DURATION_S = 600.0
#: A drift whose uncertainty exceeds this (ppm) is not reported as fitted: quartz clocks
#: of PCs and potentiostats differ by tens of ppm.
MAX_DRIFT_SIGMA_PPM = 50.0
#: Fraction of a feature's rise that marks the growth onset when none is given.
ONSET_FRACTION = 0.05
#: Half-width (scan periods) of the window where the leakage term is fitted with the offset.
LEAK_WINDOW_SCANS = 2.0
#: Charge of one um3 of lithium, C (Faraday's law).
CHARGE_PER_UM3_C = FARADAY_C_MOL / MOLAR_VOLUME_LI_CM3_MOL / UM3_PER_CM3
#: Least fraction of the first feature's (whisker volume's) charge the trace holds: the
#: unseen deposit only adds charge, but the volume comes from a measured width squared
#: (30 % too wide -> 1.7x the volume), so the bound is loose.
MIN_SEEN_VOLUME_FRACTION = 0.3
#: ... the least charge of one um3 of the first feature, C.
LEAST_VOLUME_CHARGE_C = MIN_SEEN_VOLUME_FRACTION * CHARGE_PER_UM3_C
#: Least thickness (um) of lithium behind the other features (areas in um2, a crack's
#: path length in um as area per um of depth): 20 nm, far below any layer the SEM shows.
MIN_LAYER_THICKNESS_UM = 0.02
#: A lone charge cue whose first and second half of the run give offsets further apart
#: than this many scan periods is not trusted (issue 13's disagreement: one scan) ...
SPLIT_DISAGREE_SCANS = 1.0
#: ... its confidence is at most this (below 0.5, the "do not trust" level).
SPLIT_CONFIDENCE = 0.3
#: Most lithium the charge cue's fit may give one unit of a feature, um3 (um3 per um3 of
#: whisker volume: an unseen deposit 10 times the one seen; per um2 of area: a layer 10 um
#: thick; per um of crack path: a 10 um2 cross-section), an order of magnitude beyond
#: what the SEM shows (unseen deposits of 1-3 times, lateral layers and crack fillings of
#: a few um). Beyond it the lithium seen carries a minor part of the charge passed, and an
#: offset that rests on the charge cue alone rests on the unseen rest growing in step.
MAX_LITHIUM_PER_UNIT_UM3 = 10.0
#: Relative margin within which a feature's fitted charge per unit is at its least charge
#: (:data:`MIN_SEEN_VOLUME_FRACTION`, :data:`MIN_LAYER_THICKNESS_UM`): the bounded fit
#: (bvls) puts an active bound's coefficient on the bound itself, and 0.1 % covers the
#: rescaling of the coefficient back to C per unit, far below a factor fitted freely.
AT_LEAST_CHARGE_RTOL = 1e-3
#: The charge cue with the leakage fitted over the whole search replaces the windowed one
#: only when its standard uncertainty is below this many scan periods: a minimum that
#: does not resolve issue 13's one scan on its own is no evidence against the other
#: (the combination's RESOLVE_SCANS).
WHOLE_LEAK_RESOLVE_SCANS = 1.0
#: Scans before the short circuit (trace) left out of the charge and contact cues under a
#: first estimate: the short starts between two scans.
SHORT_GUARD_SCANS = 1.0

#: The last scan fitted is stale when every feature changes by less than this fraction
#: of its growth per scan just before (the median of the :data:`STALE_RECENT_SCANS`
#: changes before it, each feature growing): lithium that plated at a steady rate does
#: not stop in every feature at once within one scan, and the scan the recording ends in
#: is the one whose content the scan detection can take from the scan before (its first
#: frame, the lithium's rows not yet redrawn: accuracy seed 2000, whose last scan repeats
#: the lengths of the one before, 29.27 against 29.26 um, truth 33.3 um). A tenth: the
#: jumps' least fraction, below which a change moves the fit little.
STALE_FRACTION = JUMP_MIN_FRACTION
#: ... over this many scans before the last (the hold of a change).
STALE_RECENT_SCANS = HOLD_SCANS

#: Trace columns that hold a set value (held constant between changes):
#: resampled with the nearest sample, not interpolated.
STEP_CHANNEL_PREFIXES = ("control_", "step", "cycle", "mode", "ns")


def _is_step_channel(name):
    return name.startswith(STEP_CHANNEL_PREFIXES)


def trace_time(t_video_s, offset_s, drift_ppm=None):
    """Trace-clock time of video-clock times, s: ``t + offset + 1e-6 ppm t``."""
    t = np.asarray(t_video_s, dtype=float)
    rate = 1e-6 * float(drift_ppm) if drift_ppm is not None else 0.0
    return t + float(offset_s) + rate * t


def video_time(t_trace_s, offset_s, drift_ppm=None):
    """Video-clock time of trace-clock times, s (the inverse of :func:`trace_time`)."""
    t = np.asarray(t_trace_s, dtype=float)
    rate = 1e-6 * float(drift_ppm) if drift_ppm is not None else 0.0
    return (t - float(offset_s)) / (1.0 + rate)


def resample_trace(trace, frame_times_s, *, offset_s, drift_ppm=None):
    """Trace values at the frames' times.

    Parameters
    ----------
    trace : DataFrame
        Potentiostat data with ``time_s`` (trace clock, increasing) and value
        columns such as ``voltage_V``, ``current_A``, ``control_V``.
    frame_times_s : (N,) array_like
        Frame times on the video clock, in s.
    offset_s : float
        ``t_trace = t_video + offset_s`` (at ``t_video = 0`` when drifting).
    drift_ppm : float, optional
        Clock drift (:attr:`SyncEstimate.drift_ppm`): the trace clock gains
        ``1e-6 drift_ppm`` s per s of video, see :func:`trace_time`.

    Returns
    -------
    DataFrame
        One row per frame, column ``trace_time_s`` and every numeric value
        column of `trace`. Continuous channels are interpolated linearly;
        step channels (``control_*``, step/cycle numbers) take the nearest
        sample. Frames outside the record get NaN.
    """
    t_frames = trace_time(frame_times_s, offset_s, drift_ppm)
    t = trace["time_s"].to_numpy(dtype=float)
    out = {"trace_time_s": t_frames}
    inside = (t_frames >= t[0]) & (t_frames <= t[-1]) if len(t) else np.zeros(len(t_frames), bool)
    for name in trace.columns:
        if name == "time_s" or not pd.api.types.is_numeric_dtype(trace[name]):
            continue
        y = trace[name].to_numpy(dtype=float)
        if len(t) < 2:
            values = np.full(len(t_frames), y[0] if len(y) else np.nan)
        elif _is_step_channel(name):
            idx = np.clip(np.searchsorted(t, t_frames), 1, max(len(t) - 1, 1))
            left = t_frames - t[idx - 1] <= t[idx] - t_frames
            values = y[np.where(left, idx - 1, idx)]
        else:
            values = np.interp(t_frames, t, y)
        out[name] = np.where(inside, values, np.nan)
    return pd.DataFrame(out)


def trace_overlap(trace, video_duration_s, *, offset_s):
    """Fraction of the video's duration covered by the trace, 0 to 1."""
    if video_duration_s <= 0:
        return 1.0
    t = trace["time_s"].to_numpy(dtype=float)
    lo = max(t[0], offset_s)
    hi = min(t[-1], offset_s + video_duration_s)
    return float(max(0.0, hi - lo) / video_duration_s)


@dataclass
class SyncEstimate:
    """Automatic synchronisation: the offset and how it was found.

    Attributes
    ----------
    result : calibration.SyncOffset
    cues : list of Cue
        Every cue's verdict (``summary.json``: ``sync_cues``).
    drift_ppm : float or None
        Clock drift fitted beside the offset (runs longer than
        :data:`DRIFT_MIN_DURATION_S`): the trace clock runs ``1 + ppm 1e-6``
        times as fast as the video clock; None when not fitted.
    sigma_s : float
        Standard uncertainty of the offset, s.
    warnings : list of str
    """

    result: SyncOffset
    cues: list = field(default_factory=list)
    drift_ppm: float | None = None
    sigma_s: float | None = None
    warnings: list = field(default_factory=list)


def scan_period(times_s):
    """Scan period of scans at content times `times_s`, s: the median over the video's time.

    The intervals between the scans are weighted by their own length (the period
    that covers half of the time the scans span), not counted alike: frames taken
    for new scans when the refresh detection misses (each a frame interval after
    the last) are many short intervals that cover little of the time, and their
    count must not make the scan one frame interval (every cue's quantisation,
    :func:`_with_content_time`, and the agreement of cues are in scan periods).
    When every scan is found, all intervals are alike and this is their median.

    Parameters
    ----------
    times_s : (N,) array_like
        Content times, increasing, s (N >= 2).

    Returns
    -------
    float
    """
    d = np.diff(np.asarray(times_s, dtype=float))
    d = np.sort(d[np.isfinite(d) & (d > 0)])
    if not len(d):
        return 0.0
    covered = np.cumsum(d)
    return float(d[np.searchsorted(covered, 0.5 * covered[-1])])


def _per_scan(t_rows, values, tv):
    """Mean of `values` per scan time `tv` (rows at `t_rows`), NaN where none."""
    t_rows, values = np.asarray(t_rows, float), np.asarray(values, float)
    ok = np.isfinite(t_rows) & np.isfinite(values)
    s = pd.Series(values[ok]).groupby(t_rows[ok]).mean()
    return s.reindex(tv).to_numpy(float)


def _clean_features(tv, features, until_video_s):
    tv = np.asarray(tv, dtype=float)
    f = np.asarray(features, dtype=float).reshape(len(tv), -1)
    mins = np.full(f.shape[1], MIN_LAYER_THICKNESS_UM * CHARGE_PER_UM3_C)
    if len(mins):
        mins[0] = LEAST_VOLUME_CHARGE_C
    cols = np.isfinite(f).mean(axis=0) >= 0.5 if len(f) else np.ones(f.shape[1], bool)
    f, mins = f[:, cols], mins[cols]                  # features measured in most scans
    good = np.isfinite(tv) & np.isfinite(f).all(axis=1)
    tv, f = tv[good], f[good]
    if len(tv) and np.any(np.diff(tv) <= 0):
        # one row per scan (torn frames repeat a content time): the mean of its rows
        tv, inv = np.unique(tv, return_inverse=True)
        f = np.column_stack([np.bincount(inv, weights=f[:, j]) / np.bincount(inv)
                             for j in range(f.shape[1])]) if f.shape[1] else f[:len(tv)]
        good = None
    use = np.ones(len(tv), bool)
    if until_video_s is not None and (tv < float(until_video_s)).sum() >= 6:
        use = tv < float(until_video_s)
    # a feature that does not change by more than its own noise over held scans carries
    # no information on the offset (only its noise would be matched with the current)
    cols = np.array([informs(f[use, j]) for j in range(f.shape[1])], bool) \
        if len(f) and use.any() else np.zeros(f.shape[1], bool)
    return tv, f[:, cols], use, good, mins[cols]


def _stale_last_scan(f, use):
    """Index of the last scan in `use` when its features repeat the scan before, else None.

    Parameters
    ----------
    f : (N, K) ndarray
        Features per scan (see :func:`synchronise_auto`).
    use : (N,) bool ndarray
        Scans fitted.

    Returns
    -------
    int or None
        The row of the last fitted scan when every feature grew over each of the
        :data:`STALE_RECENT_SCANS` scans before it (their median change positive)
        and changes into it by less than :data:`STALE_FRACTION` of that median.
    """
    rows = np.flatnonzero(use)
    if f.shape[1] == 0 or len(rows) < 2 * STALE_RECENT_SCANS:
        return None
    g = f[rows]
    d = np.diff(g, axis=0)
    recent = np.median(d[-STALE_RECENT_SCANS - 1:-1], axis=0)
    if np.all(recent > 0) and np.all(np.abs(d[-1]) < STALE_FRACTION * recent):
        return int(rows[-1])
    return None


def synchronise_auto(video_times_s, features, trace, *, lengths=None, footprint_um2=None,
                     growth_onset_s=None, search_s=None, until_trace_s=None,
                     until_video_s=None, approach=None, physical_units=True):
    """Clock offset from every cue the data hold, combined; a :class:`SyncEstimate`.

    Parameters
    ----------
    video_times_s : (N,) array_like
        Content times of the new SEM scans on the video clock, s.
    features : (N,) or (N, K) array_like
        Quantities proportional to parts of the visible lithium volume at
        those times: the first a volume in um3 (whiskers), the others areas
        in um2 or lengths in um (see :data:`MIN_SEEN_VOLUME_FRACTION` and
        :data:`MIN_LAYER_THICKNESS_UM` for the least charge each must carry).
    trace : DataFrame
        ``time_s``, ``current_A`` (negative = plating), ``control_V`` /
        ``control_A``, ``voltage_V`` on the trace clock.
    lengths : DataFrame, optional
        ``whisker_id, content_time_s, length_um`` (the step cue).
    footprint_um2 : (N,) array_like or (times, values), optional
        Lithium area on the electrolyte per scan, um2 (the contact-area cue);
        a pair of arrays when given on other rows than `video_times_s`.
    growth_onset_s : float, optional
        First growth seen, video clock (the onset bound); default: the scan
        before the first that shows :data:`ONSET_FRACTION` of a feature's rise.
    search_s : (float, float), optional
        Offsets to consider, s; default: every offset that keeps the video
        inside the trace.
    until_trace_s : float, optional
        Short circuit on the trace clock: later samples do not plate what
        the video shows; also the short-circuit cue with `until_video_s`.
    until_video_s : float, optional
        Touch-down seen in the video (video clock): later scans are left out.
    approach : sequence of (times, values), optional
        Progress toward the counter electrode per scan (content times on the
        video clock, s; the lateral front's distance or the crack's length,
        um): the one whose approach places the contact best
        (:func:`approach_contact`, least uncertainty) refines the short-circuit
        cue's touch-down within its scans.
    physical_units : bool
        The features are in the units above (the least charge per unit is
        enforced); False for features of unknown scale.

    Returns
    -------
    SyncEstimate

    Raises
    ------
    InputError
        If no cue gives an estimate (no growth seen and no short circuit),
        or the trace has no current.
    """
    tv_all = np.asarray(video_times_s, dtype=float)
    if "current_A" not in trace or not np.isfinite(trace["current_A"].to_numpy(float)).any():
        raise InputError("cannot synchronise automatically: the trace has no current; "
                         "give sync_offset_s=S or sync='absolute'|'span'")
    tv, f, use, good, mins = _clean_features(tv_all, features, until_video_s)
    stale = _stale_last_scan(f, use)
    if stale is not None:
        # the last scan repeats the one before (its content not yet redrawn where the
        # lithium is): matched with the charge passed by then, it would pull the offset
        use = use.copy()
        use[stale] = False
    if not physical_units:
        mins = np.zeros_like(mins)
    sig = trace_signals(trace)
    t = sig.t
    ref = tv if len(tv) >= 2 else np.unique(tv_all[np.isfinite(tv_all)])
    if len(ref) < 2:
        raise InputError("cannot synchronise automatically: the video has fewer than two "
                         "scans; give sync_offset_s=S or sync='absolute'|'span'")
    # the spacing of the scans found: the searches' grids and windows, the onset bound
    dt_scan = float(np.median(np.diff(ref)))
    # the scan period itself (frames taken for scans do not shorten it): the lithium's
    # place within the scan (_with_content_time) and the combination's tests in scans
    period = scan_period(ref)
    dt_trace = float(np.median(np.diff(t))) if len(t) > 1 else dt_scan
    if search_s is None:
        lo, hi = t[0] - ref[0], t[-1] - ref[-1]
        if hi < lo:  # trace shorter than the video: allow partial overlap
            lo, hi = hi, lo
    else:
        lo, hi = sorted(map(float, search_s))
    cues = []
    # a bound first: it narrows the search of the others
    # plated lithium does not vanish while plating: a feature that falls back by more than
    # its noise (falls_back) does not track it, and its first change does not date the
    # first plating (tuning seed 7019: the electrode's lithium area lost, 0 to 3 um2 of
    # segmentation noise in a whisker run, "rose" at 0.6 s (video), about 5 s before the
    # first whisker grew; its bound lay 1.43 scans above the true offset and excluded the
    # charge cue). Not kept (branch sync19-wip): on tuning seeds 5030, 5051 and 7085 the
    # bound of such a feature was right and held the offset closest to the truth
    dating = [j for j in range(f.shape[1]) if not falls_back(f[use, j])]
    if growth_onset_s is None and dating and len(tv) >= 6:
        g = f[:, dating]
        rise = (g - g[:1]) / np.ptp(g, axis=0)
        first = np.flatnonzero((rise > ONSET_FRACTION).any(axis=1))
        if len(first) and first[0] > 0:
            growth_onset_s = float(tv[first[0] - 1])
    red = reducing_edges(sig)
    onset = onset_bound(growth_onset_s, float(red[0]) if len(red) else None, dt_scan)
    cues.append(onset)
    # the bound judges the estimates (combine_cues) but does not narrow the search: a
    # video onset found too early must not hide the right offset
    s_lo = lo
    # the touch-down is seen in the video's scans whether or not the features were measured
    # in each: its time resolution is the period of every scan, not of the measured ones
    # (at least two: `ref` holds two of them)
    dt_video = scan_period(np.unique(tv_all[np.isfinite(tv_all)]))
    onset_fit = None
    if until_trace_s is not None and until_video_s is not None:
        onset_fit = short_onset(trace["time_s"].to_numpy(float),
                                trace["current_A"].to_numpy(float), float(until_trace_s))
    contact = None
    if until_trace_s is not None and until_video_s is not None:
        fits = [approach_contact(t_rows, values, float(until_video_s), dt_video)
                for t_rows, values in (approach or ())]
        fits = [c for c in fits if c is not None]
        contact = min(fits, key=lambda c: c[1]) if fits else None
    short = short_circuit_cue(until_trace_s, until_video_s, dt_video, dt_trace, onset=onset_fit,
                              contact=contact)
    cues.append(short)

    fit_use = use.copy()
    left = _first_censoring(lengths)
    if left is not None and len(tv):
        # a whisker seen whole that leaves the field (or enters the data bar) goes on
        # plating where the camera cannot see it: from then on the charge holds lithium
        # the features do not, and no constant unseen factor covers it. The scans from
        # then on are left out when the charge cue keeps the k + 5 it needs
        before = fit_use & (tv < left)
        if before.sum() >= f.shape[1] + 5:
            fit_use = before
    if until_trace_s is not None and until_video_s is None and len(tv):
        # cut the scans once, on the video clock, under a first estimate. The first
        # estimate is the charge cue of the main fit, leakage included: a leakage current
        # g U flows whether or not the short is near, and left out of the model it moves
        # the first estimate (by 0.7 s on a run with 100 nS), and so the cut
        first = _charge_with_leakage(tv, f, sig, s_lo, hi, dt_scan, use=fit_use,
                                     until=float(until_trace_s), mins=mins)
        if first.offset_s is not None:
            # after the short the trace's current is the short's, not the lithium's: every
            # later scan is left out, whatever number remains (the charge cue itself
            # needs k + 5 scans, and gives no estimate on fewer). The cut adds to the
            # censoring cut above: lithium that left the field stays out
            fit_use = fit_use & (tv + first.offset_s < float(until_trace_s)
                             - SHORT_GUARD_SCANS * dt_scan)
    growth = f.shape[1] > 0 and len(tv) >= 6
    charge = _charge_with_leakage(tv, f, sig, s_lo, hi, dt_scan, use=fit_use, mins=mins) \
        if growth else \
        Cue("charge", detail="the video shows no lithium growth to match with the current")
    if charge.offset_s is not None and any(
            len(feature_jumps(f[fit_use, j])) for j in range(f.shape[1])):
        # the free steps at the features' jumps are a model choice: the fit without them
        # must give the same offset, else half the difference is part of the uncertainty
        plain = charge_cue(tv, f, sig, s_lo, hi, dt_scan, use=fit_use, min_charge_C=mins,
                           leakage=False, jumps=False)
        if plain.offset_s is not None and \
                abs(plain.offset_s - charge.offset_s) / 2 > charge.sigma_s:
            charge = replace(charge, sigma_s=abs(plain.offset_s - charge.offset_s) / 2,
                             detail=charge.detail + f"; without free steps at the features' "
                                    f"jumps {plain.offset_s:+.2f} s")
    if short.offset_s is not None and charge.offset_s is not None and fit_use.any() and \
            float(tv[fit_use].max()) + charge.offset_s \
            - AGREE_SIGMAS * charge.sigma_s > float(until_trace_s):
        # the charge cue's own estimate puts scans it fitted (scans before the video's
        # touch-down, lithium still plating) after the trace's short circuit, where the
        # current is the short's: its model (the current plates what the video shows)
        # does not hold at its own minimum. It is reported, not combined: a mismatch of
        # the short's current, not a second view of the offset that disagrees
        charge = replace(charge, informative=False,
                         detail=charge.detail + f"; not combined: at this offset scans up to "
                                f"{float(tv[fit_use].max()):.2f} s (video) fall after the "
                                f"trace's short circuit at {float(until_trace_s):.2f} s")
    cues.append(charge)
    # a censored length (tip outside the field or in the data bar) is not the length:
    # its curve stops growing at no step edge
    lens = whisker_lengths(lengths if lengths is None or "censored" not in lengths else
                           lengths[~lengths["censored"].astype(bool)])
    if until_video_s is not None and len(lens):
        lens = lens[lens["content_time_s"] < float(until_video_s)]
    cues.append(step_cue(lens, sig.edges, s_lo, hi, dt_scan))
    if footprint_um2 is not None:
        t_rows, values = footprint_um2 if isinstance(footprint_um2, tuple) else \
            (tv_all, footprint_um2)
        fp = _per_scan(t_rows, values, tv)
        if informs(fp[fit_use]):
            cues.append(contact_area_cue(tv[fit_use], fp[fit_use], sig, s_lo, hi, dt_scan,
                                         features=f[fit_use]))
        else:
            cues.append(Cue("contact_area", detail="the footprint does not change by more than "
                                                   "its own scan-to-scan noise"))
    else:
        cues.append(Cue("contact_area", detail="no footprint given"))

    # the features' scans are placed at their content time, the middle of the scan; the
    # lithium they measure was scanned anywhere within it (at its rows), at the same place
    # in every scan: a bias uniform within +-half a scan that no fit over the scans sees;
    # and the step cue's knots are placed within a sampling interval of the trace
    cues = [_with_content_time(c, period, dt_trace) for c in cues]
    comb = combine_cues(cues, period, window_s=hi - lo)
    if comb is None:
        raise InputError("cannot synchronise automatically: the video shows no lithium "
                         "growth to match with the current; give sync_offset_s=S or "
                         "sync='absolute'|'span'")
    # the combination's warnings are what it found wrong; a low confidence alone is worded
    # below, once the lone charge cue's own checks (whose message is the more specific) ran
    warnings = list(comb.warnings)
    conf = comb.confidence
    if comb.used == ["charge"] and not warnings:
        # nothing but the charge cue's own residuals checks a lone charge cue: the two
        # halves of the run must give the same offset (a track that is wrong in part of
        # the run, or a model that does not hold, moves one half)
        split = _split_halves(tv, f, sig, fit_use, s_lo, hi, dt_scan, mins)
        if split is not None and abs(split[0] - split[1]) > SPLIT_DISAGREE_SCANS * dt_scan:
            warnings.append(f"sync offset {comb.offset_s:+.2f} s rests on the charge cue alone, "
                            f"and the first and second half of the run give {split[0]:+.2f} s "
                            f"and {split[1]:+.2f} s; check it or give sync_offset_s / "
                            "--sync-window")
            conf = min(conf, SPLIT_CONFIDENCE)
    if comb.used == ["charge"] and not warnings and \
            any(falls_back(f[use, j]) for j in range(f.shape[1])):
        # nothing else checks a lone charge cue: a feature it matches that falls back
        # (plated lithium does not vanish while plating) is no track of plated lithium;
        # judged on every scan before the touch-down (the track, not just the scans
        # fitted before a short circuit in the trace)
        warnings.append(f"sync offset {comb.offset_s:+.2f} s rests on the charge cue alone, "
                        "and a lithium feature it matches falls back by more than its noise "
                        "(plated lithium does not vanish): the track is doubtful; check it or "
                        "give sync_offset_s / --sync-window")
        conf = min(conf, SPLIT_CONFIDENCE)
    plating = sig.charge[-1] >= sig.charge[0]
    if comb.used == ["charge"] and not warnings and physical_units and plating and \
            charge.scales_C is not None:
        # the lithium seen must be able to carry the charge: a fit that needs more than
        # an order of magnitude beyond what the SEM shows per unit of a feature matches
        # the shape of the charge with lithium that is not there (a missed crack, a track
        # of the wrong object)
        per_unit = np.nan_to_num(np.asarray(charge.scales_C, float)) / CHARGE_PER_UM3_C
        if per_unit.max() > MAX_LITHIUM_PER_UNIT_UM3:
            warnings.append(f"sync offset {comb.offset_s:+.2f} s rests on the charge cue alone, "
                            f"whose fit needs {per_unit.max():.0f} µm³ of lithium per unit of a "
                            "feature the video shows (more than ten times what the SEM sees): "
                            "the lithium seen does not carry the charge; check it or give "
                            "sync_offset_s / --sync-window")
            conf = min(conf, SINGLE_CUE_CONFIDENCE)
    if comb.used == ["charge"] and not warnings and physical_units and plating and \
            _at_least_charge(charge.scales_C, mins):
        # the other side of the same check: a fit that gives every feature only its least
        # charge (under a third of the whisker volume's Faraday charge, a layer of 20 nm)
        # wants less lithium than the video shows. Plated lithium seen is never more than
        # the charge passed (unseen deposits only add), so the features grow by more than
        # the charge allows at this offset: the match is of the charge's shape alone,
        # and nothing checks it (tuning: 8 of 8 such lone charge cues were scans off,
        # none of 10 right ones)
        warnings.append(f"sync offset {comb.offset_s:+.2f} s rests on the charge cue alone, "
                        "whose fit gives every lithium feature the video shows only its least "
                        "charge (the lithium seen grows by more than the charge passed "
                        "allows): the match is of the charge's shape alone; check it or give "
                        "sync_offset_s / --sync-window")
        conf = min(conf, SINGLE_CUE_CONFIDENCE)
    if not warnings and conf < LOW_CONFIDENCE:
        warnings.append(low_confidence_warning(comb.offset_s, conf))
    drift = None
    offset = comb.offset_s
    span = float(ref[-1] - ref[0])
    if span > DRIFT_MIN_DURATION_S:
        drift = _fit_drift(tv, f, sig, fit_use, comb.offset_s, dt_scan, mins)
        if drift is not None:
            # the cues fit one offset to the whole run: that of its middle (the mean
            # time of the scans fitted); the convention's offset is that of t_video = 0
            offset -= 1e-6 * drift * float(np.mean(tv[fit_use]))
        if drift is None:
            warnings.append(f"sync: the run lasts {span / 60:.0f} min but no clock drift could "
                            "be fitted (too little growth in one half); times late in the run "
                            "may be off by up to 50 ppm of the run time")
    names = ", ".join(f"{c.name} {c.offset_s:+.3f} s (+-{c.sigma_s:.3f})" for c in cues
                      if c.offset_s is not None)
    result = SyncOffset(offset_s=offset, method="auto", confidence=conf,
                        detail=f"cues combined (inverse variance within bounds): {names}; "
                               f"offset +-{comb.sigma_s:.3f} s"
                               + ("" if drift is None else
                                  f"; clock drift {drift:+.0f} ppm (offset at t_video = 0)"))
    return SyncEstimate(result=result, cues=cues, drift_ppm=drift, sigma_s=comb.sigma_s,
                        warnings=warnings)


#: Cues that match features measured in the video's scans (each placed at its scan's
#: content time) and whose own uncertainty comes from a fit over the scans; the
#: short-circuit cue holds the place within the scan already (``short_circuit_cue``).
SCAN_FEATURE_CUES = ("charge", "steps", "contact_area")
#: Cues whose model puts knots at the control-step edges as ``trace_signals`` places them
#: (midway between two samples); the charge and contact-area cues match the trace's own
#: integrated samples instead.
EDGE_KNOT_CUES = ("steps",)


def _with_content_time(cue, dt_scan, dt_trace=0.0):
    """`cue` with the lithium's place within the scan (and the step edges' within the
    trace's sampling) added to its uncertainty.

    A feature measured in a scan is placed at the scan's content time (its
    middle), but the lithium was scanned at its own rows, anywhere within the
    scan and at about the same place in every scan: a bias of the offset
    uniform within +-half a scan, standard deviation ``dt_scan / sqrt(12)``
    (issue 13: scan quantisation), added in quadrature to the fit's own
    uncertainty (which holds only what varies from scan to scan). The step
    cue's knots, the control-step edges, are placed midway between the trace
    samples either side of each change (``trace_signals``): uniform within
    +-half a sampling interval, and the same for every edge when the steps
    start on a grid of the trace's sampling (programmed steps at whole
    seconds), so ``dt_trace / sqrt(12)`` is added to it as well (as the
    short-circuit cue counts its jump): a trace sampled more coarsely than the
    video scans cannot place its knots within a scan, whatever the fit's
    curvature says.

    Parameters
    ----------
    cue : Cue
    dt_scan : float
        Scan period, s.
    dt_trace : float
        Sampling interval of the trace, s (step cue only, :data:`EDGE_KNOT_CUES`).

    Returns
    -------
    Cue
        `cue` itself for cues other than :data:`SCAN_FEATURE_CUES` and for
        cues without an estimate.
    """
    if cue.name not in SCAN_FEATURE_CUES or cue.offset_s is None or cue.sigma_s is None:
        return cue
    edges = dt_trace if cue.name in EDGE_KNOT_CUES else 0.0
    return replace(cue, sigma_s=math.sqrt(cue.sigma_s ** 2 + (dt_scan ** 2 + edges ** 2) / 12.0))


def _first_censoring(lengths):
    """Video time of the first scan where a whisker seen whole before is censored, or None.

    ``lengths`` holds ``whisker_id, content_time_s, censored`` (the tracker's
    whiskers table). A whisker censored from its first sighting was never seen whole:
    its lithium is unseen from the start (the unseen factor's part), not lithium that
    left the field.
    """
    if lengths is None or not len(lengths) or not {"whisker_id", "content_time_s",
                                                    "censored"} <= set(lengths.columns):
        return None
    w = lengths.dropna(subset=["content_time_s"])
    cens = w["censored"].astype(bool)
    first_seen = w.loc[~cens].groupby("whisker_id")["content_time_s"].min()
    first_cens = w.loc[cens].groupby("whisker_id")["content_time_s"].min()
    both = pd.concat([first_seen, first_cens], axis=1, keys=["seen", "cens"]).dropna()
    left = both.loc[both["cens"] > both["seen"], "cens"]
    return float(left.min()) if len(left) else None


def _charge_with_leakage(tv, f, sig, lo, hi, dt_scan, *, use, mins, until=math.inf):
    """The charge cue with the leakage current as a nuisance term; a :class:`Cue`.

    The current holds a leakage ``g U`` (linear in the applied voltage) beside the
    Faradaic part. Over a wide search the leakage term's kinks at the control steps
    can fit the charge's kinks at a wrong offset, so the offset is searched without
    it and the leakage is fitted with the offset near that result: within the 95 %
    interval of the search without it (when the leakage carries most of the charge
    that interval is wide) and at least :data:`LEAK_WINDOW_SCANS` scans. A refined
    minimum within half a scan of the window's edge is no minimum: the estimate
    without leakage is kept.
    """
    charge = charge_cue(tv, f, sig, lo, hi, dt_scan, use=use, until=until, min_charge_C=mins,
                        leakage=False)
    if charge.offset_s is None:
        return charge
    half = max(LEAK_WINDOW_SCANS * dt_scan, 2.0 * charge.sigma_s)
    win = (max(charge.offset_s - half, lo), min(charge.offset_s + half, hi))
    refined = charge_cue(tv, f, sig, *win, dt_scan, use=use, until=until, min_charge_C=mins,
                         leakage=True)
    inside = refined.offset_s is not None and \
        win[0] + 0.5 * dt_scan < refined.offset_s < win[1] - 0.5 * dt_scan
    whole = _leakage_over_whole_search(tv, f, sig, lo, hi, dt_scan, refined if inside
                                       else charge, use=use, mins=mins, until=until)
    if whole is not None:
        return whole
    if not inside:  # a minimum at the window's edge is no minimum: keep the first result
        return charge
    return Cue("charge", offset_s=refined.offset_s, sigma_s=refined.sigma_s,
               sharpness=charge.sharpness, adequate=refined.adequate, scales_C=refined.scales_C,
               detail=refined.detail + " (leakage fitted within "
                      f"{half:.2f} s of the offset found without it)")


def _leakage_over_whole_search(tv, f, sig, lo, hi, dt_scan, found, *, use, mins, until):
    """The charge cue with the leakage fitted over the whole search, when it is the lithium's.

    When the leakage carries more charge than the lithium, the search without it
    lands scans off and the window around that misses the offset: the leakage
    must be fitted over the whole search. There, though, its kinks at the control
    steps can fit the charge's kinks at a wrong offset, with the leakage taking
    the charge and the lithium only its least charge. So the whole search's
    minimum replaces `found` (the windowed estimate, or the one without leakage
    when the windowed minimum lay at the window's edge) only when it lies more
    than :data:`AGREE_SCANS` scans from it and more than half a scan inside the
    search (a minimum at its edge is no minimum), fits better (lower relative
    residual), resolves a scan on its own (standard uncertainty below
    :data:`WHOLE_LEAK_RESOLVE_SCANS`), and gives every lithium feature more than
    its least charge (none at the bound: the lithium seen, not the leakage,
    carries its part of the charge). Only whisker volumes are judged so: the
    least charge of an area or a crack path rests on a thickness of 20 nm.

    Returns
    -------
    Cue or None
        None when the whole search does not give such a minimum.
    """
    if not len(mins) or not np.all(np.asarray(mins, float) >= LEAST_VOLUME_CHARGE_C):
        # only a measured volume has a least charge that Faraday's law fixes: an area or a
        # crack path (unknown thickness: 20 nm at least) and features of unknown scale can
        # give the leakage's charge to lithium of any thickness, so nothing tells a
        # whole-search minimum of the leakage's kinks from the lithium's (accuracy seed
        # 2012, a crack: a minimum 4.7 scans from the windowed one put the offset 2.3
        # scans off)
        return None
    # the conductance the whole search may give the leakage is the cell's, bounded by the
    # steps' own currents at every offset (leakage_bound): a free leakage also absorbs what
    # the lithium seen does not explain (a whisker reported only once long: dev seed 9033
    # went 2.5 scans off) and its kinks then fit a far offset with less residual
    whole = charge_cue(tv, f, sig, lo, hi, dt_scan, use=use, until=until, min_charge_C=mins,
                       leakage=True, leak_bound=True)
    if whole.offset_s is None or abs(whole.offset_s - found.offset_s) <= AGREE_SCANS * dt_scan or \
            not lo + 0.5 * dt_scan < whole.offset_s < hi - 0.5 * dt_scan or \
            whole.cost is None or found.cost is None or not whole.cost < found.cost or \
            not whole.sigma_s < WHOLE_LEAK_RESOLVE_SCANS * dt_scan or \
            _any_at_least_charge(whole.scales_C, mins):
        return None
    return replace(whole, detail=whole.detail + " (leakage fitted over the whole search: "
                                                f"the fit around {found.offset_s:+.2f} s "
                                                "without it left more residual)")


def _any_at_least_charge(scales_c, mins_c):
    """Some feature the charge cue fitted has only its least charge per unit (or no scales)."""
    if scales_c is None:
        return True
    a = np.asarray(scales_c, dtype=float)
    m = np.asarray(mins_c, dtype=float)
    if a.shape != m.shape:
        return True
    fitted = np.isfinite(a)
    return bool(not fitted.any() or np.any(a[fitted] <= m[fitted] * (1.0 + AT_LEAST_CHARGE_RTOL)))


def _at_least_charge(scales_c, mins_c):
    """Every feature the charge cue fitted has its least charge per unit (an active bound).

    Parameters
    ----------
    scales_c : sequence of float or None
        Charge per unit of each feature at the estimate, C (``Cue.scales_C``; NaN
        for a feature the fit left out).
    mins_c : (K,) array_like
        Least charge per unit of each feature, C.

    Returns
    -------
    bool
        False when no feature was fitted or no least charge is set.
    """
    if scales_c is None:
        return False
    a = np.asarray(scales_c, dtype=float)
    m = np.asarray(mins_c, dtype=float)
    if a.shape != m.shape:
        return False
    fitted = np.isfinite(a) & (m > 0)
    return bool(fitted.any() and np.all(a[fitted] <= m[fitted] * (1.0 + AT_LEAST_CHARGE_RTOL)))


def _charge_on_parts(tv, f, sig, parts, lo, hi, dt_scan, mins, **kw):
    """The charge cue fitted on each part of the scans (boolean masks), or None if one has none."""
    cues = []
    for part in parts:
        c = charge_cue(tv, f, sig, lo, hi, dt_scan, use=part, min_charge_C=mins, **kw)
        if c.offset_s is None:
            return None
        cues.append(c)
    return cues


def _split_halves(tv, f, sig, use, lo, hi, dt_scan, mins):
    """Charge-cue offsets of the first and the second half of the scans fitted, or None."""
    idx = np.flatnonzero(use)
    if len(idx) < 2 * (f.shape[1] + 6):
        return None
    mid = idx[len(idx) // 2]
    order = np.arange(len(tv))
    cues = _charge_on_parts(tv, f, sig, (use & (order < mid), use & (order >= mid)), lo, hi,
                            dt_scan, mins, leakage=False)
    return None if cues is None else tuple(c.offset_s for c in cues)


def _fit_drift(tv, f, sig, use, offset, dt_scan, mins):
    """Drift (ppm) from the charge cue on the first and the last half of the run, or None."""
    mid = 0.5 * (tv[0] + tv[-1])
    parts = (use & (tv < mid), use & (tv >= mid))
    if min(int(p.sum()) for p in parts) < 6:
        return None
    cues = _charge_on_parts(tv, f, sig, parts, offset - 4 * dt_scan, offset + 4 * dt_scan,
                            dt_scan, mins)
    if cues is None:
        return None
    (t1, o1, s1), (t2, o2, s2) = ((float(np.mean(tv[p])), c.offset_s, c.sigma_s)
                                  for p, c in zip(parts, cues))
    ppm = drift_ppm(t1, o1, t2, o2)
    sigma_ppm = 1e6 * float(np.hypot(s1, s2)) / (t2 - t1)
    # a drift known no better than the largest plausible one is not a fit
    return ppm if ppm is not None and sigma_ppm <= MAX_DRIFT_SIGMA_PPM else None


def estimate_offset_auto(video_times_s, features, trace, *, search_s=None,
                         resolution_s=None, until_trace_s=None, until_video_s=None):
    """Offset by matching the lithium seen in the video with the charge passed.

    The charge-volume cue alone (with the short-circuit cue when both
    `until_trace_s` and `until_video_s` are given); see
    :func:`synchronise_auto` for every cue and the model.

    Parameters
    ----------
    video_times_s : (N,) array_like
        Content times of new SEM scans on the video clock, in s.
    features : (N,) or (N, K) array_like
        Quantities proportional to parts of the plated volume at those times.
    trace : DataFrame
        ``time_s`` and ``current_A`` on the trace clock.
    search_s : (float, float), optional
        Range of offsets to consider.
    resolution_s : float, optional
        Ignored (kept for compatibility: the fine grid is a fortieth of a scan).
    until_trace_s, until_video_s : float, optional
        Short circuit on the trace clock and touch-down on the video clock.

    Returns
    -------
    calibration.SyncOffset

    Raises
    ------
    InputError
        If the video shows no change to correlate with, or the trace has no current.
    """
    tv, f, _, _, _ = _clean_features(video_times_s, features, until_video_s)
    if len(tv) < 6 or f.shape[1] == 0:
        raise InputError("cannot synchronise automatically: the video shows no lithium "
                         "growth to match with the current; give sync_offset_s=S or "
                         "sync='absolute'|'span'")
    return synchronise_auto(video_times_s, features, trace, search_s=search_s,
                            until_trace_s=until_trace_s, until_video_s=until_video_s,
                            physical_units=False).result
