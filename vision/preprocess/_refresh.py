"""Duplicate and torn frames of screen-recorded SEM videos.

An SEM refreshes its image slower than a screen recorder records, so a
recording holds runs of frames showing the same scan (identical up to the
compression noise of the recorder), and frames caught while the display was
being updated: the top part already shows the new scan, the bottom part
still the old one (or the reverse). :func:`mark_refreshes` finds both and
tells, for every frame, when its content first appeared.
"""
from __future__ import annotations

import collections
import dataclasses
import functools
import logging
import math
import operator

import numpy as np

from calibration import InputError

from .._shared._stats import _lerp
from ._databar import analysis_region, find_data_bar
from ._subsample import every_4th_column

__all__ = ["mark_refreshes"]

logger = logging.getLogger(__name__)

# E|a - b| for a, b independent N(0, s^2) is 2 s / sqrt(pi)
_MAD_PER_SIGMA = 2.0 / math.sqrt(math.pi)
# median |x| of N(0, 6 s^2), the vertical second difference of white noise
_MEDIAN_LAPLACE_PER_SIGMA = 0.6745 * math.sqrt(6.0)


# New scan or the encoder re-drawing the picture: decided per video from two populations
# of change strength (median changed-band MAD, grey levels) and the scan period. An
# MPEG-4 keyframe or a rate-control refinement inside a run of duplicates changes every
# band by 2-7 grey levels, a new scan by 8-35, but the encoder may deliver a new scan
# weakly (0.3-3) and refine it over the next frames; so strength alone cannot decide, and
# a weak change is taken for a scan only when one is due. Measured on the 90-render grid
# (MPEG-4/H.264/MJPEG, crf 18/25/32, 1-12 frames a scan, seeds < 100000).
_HISTORY = 128          # changes remembered for the two populations (~13 scans at 10 f/scan)
_MIN_HISTORY = 5        # fewer changes: every change is a scan (as without the model)
# Two populations are real when their geometric means differ by this factor and by this
# many pooled standard deviations of log strength (Ashman's D); else one population.
# (3: a factor 2 also split the scans of one video, whose strengths vary with the growth,
# on the accuracy seeds; re-draws are 3-5x weaker than scans)
_MIN_RATIO = 3.0
_MIN_SEPARATION = 2.0
_MIN_STRONG = 4         # strong scans needed before the scan period is trusted
# Intervals between the scan starts taken that must agree (to within a frame) for a
# period before the strong changes give one: two (one interval is no recurrence).
_START_INTERVALS = 2
# The period is the shortest interval between strong scans that recurs in this share of
# the intervals (a missed strong scan doubles an interval, a re-draw taken for a scan
# splits one); a scan is due this many frames before a full period has passed.
_PERIOD_SHARE = 0.15
_DUE_SLACK = 0.5
# ... but an encoder refining a scan over the next frames (MPEG-4 adding back the noise
# it wiped, frame by frame) makes bursts of strong changes one frame apart: then the
# shortest recurring interval is one frame and every weak change is "due". The scans
# lie on a lattice (a first frame every period, at one phase), the bursts beside it:
# each run of strong changes one frame apart is one change at its strongest frame (a
# scan outshines its refinements once the noise is back), and the period is the
# lattice that holds the most of these beyond chance (a
# lattice of period P holds n / P of n changes at random; a lattice of P / 2 holds
# every one of P's and doubles that chance share, one of 2 P half of them: the
# fundamental scores highest). Periods from 2 frames (a shorter one makes every change
# due anyway) to the longest interval, fine enough that the lattice drifts by at most a
# tenth of a frame over the changes looked at.
_RECUR_MIN_PERIOD = 2.0
_RECUR_CHANGES = 24      # the last strong changes looked at (~ 12-24 scans)
_RECUR_DRIFT = 0.1       # frames the lattice may drift over them
# ... but no finer than this relative step (bounds the work and memory to ~2000 periods
# a call, ~1 MB: sparse strong changes spanning many frames need the lattice rarely)
_RECUR_MIN_STEP = 0.002
# Lattice hits beyond chance, in binomial standard deviations of the chance count
# (n changes, share 1 / P), for the lattice to be taken: the best of ~10^4 lattices
# tried (periods x phases) reaches sqrt(2 ln 10^4) = 4.3 by chance (tuning seed 5028,
# where every frame is a scan: up to 4.1), the scans of 5014 4.5-7.8.
_RECUR_SIGMAS = 4.5
# ... and only where scans repeat: frames that did not change at all (the band criterion
# found nothing) among the changes looked at. Where every frame is a scan every frame
# changes (5028, 5048: none in 200 frames after the first), and the runs of strong
# scans among weak ones can form a lattice by chance; with scans repeated, an encoder
# leaves some repeats untouched (7038, 2 frames a scan: 15 in 200; 5014: 99). Two, not
# one: the first frame of a window may border a torn scan's continuation.
_RECUR_MIN_REPEATS = 2
# Frames beyond half a frame by which a scan may fall off the lattice's fitted line and
# still be one of its scans: the period is stepped so that the lattice drifts by at most
# `_RECUR_DRIFT` over the changes it was read from; twice that.
_LATTICE_SLACK = 2 * _RECUR_DRIFT
# Share of the best fit's margin (half the width of its interval of t0, frames) that a
# lattice must keep at every scan to bracket the next one: a quarter.
_LATTICE_MARGIN = 0.25
# Periods sampled over those that fit, for the bracket of the next window's opening.
_LATTICE_SAMPLES = 9
# Frames within which a window's opening is taken as on a frame boundary (float rounding).
_FRAME_EPS = 1e-6
# Least-squares refits of the lattice's line, each without the changes off it.
_LATTICE_REFITS = 3
# Steps of the ternary search for the period (each keeps 2/3 of the range: 40 leave
# 1e-7 of it, far below a frame over any lattice).
_LATTICE_SEARCH = 40

# A new scan replaces the SEM noise of every pixel: its change is at least the scan noise
# level n = 2 sigma / sqrt(pi) (the mean |a - b| of two independent draws; more where the
# scene changed too). A re-encoding of the same scan (MJPEG's rate control re-quantizing
# a duplicate, a keyframe) only moves the compression error, measured 0.02-0.7 n on the
# tuning renders whose noise survives (new scans 1.0-3 n). A change below this fraction
# of n is a re-draw whatever the populations say: 0.8 leaves a 20 % margin under n for
# the estimate of sigma (a median of integer second differences) and a few noise-free
# bands inside the changed ones.
_SCAN_NOISE_FRACTION = 0.8
# ... and on a predicted frame, where the populations decide (a new scan may arrive as a
# partial residual over the old noise, above), a change below half the scan noise level
# is still the encoder's: MPEG-4 restoring the noise it wiped adds, frame by frame, only
# the missing part of the noise variance (s2^2 - s1^2), measured 0.3-0.45 n (seed 2002:
# 0.32-0.42 n five times in 90 frames), while the weakest new scans sent as residuals
# were 0.56-0.6 n on the 150 tuning scenes (H.264 5041, MPEG-4 5009, 7043). Half of n lies
# between, with the same measured-sigma condition.
_PREDICTED_SCAN_NOISE_FRACTION = 0.5
# ... but only when sigma is measured: the median |second difference| of a frame whose
# noise the encoder wiped is 0-2 grey levels, an integer, so sigma (median / 1.65) is
# known to a step of 0.6; from 2 grey levels (median >= 3.3 steps) the step is < 20 %.
_MIN_MEASURED_SIGMA = 2.0
# Share of bands a block fit may get wrong, as for the band criterion's own block fit
# (a few bands of a scan can change little where the scene is flat or saturated).
_MAX_MISFIT = 0.15


def _split(x):
    """Otsu's split of sorted log strengths ``x``: the boundary in log units, or None.

    The split of largest between-class variance, kept when the two classes are
    distinct (`_MIN_RATIO`, `_MIN_SEPARATION`); the boundary is the middle of the gap.
    """
    n = x.size
    if n < _MIN_HISTORY:
        return None
    c = np.cumsum(x)
    c2 = np.cumsum(x * x)
    n1 = np.arange(1, n)                      # split after index n1 - 1
    n2 = n - n1
    m1 = c[:-1] / n1
    m2 = (c[-1] - c[:-1]) / n2
    i = int(np.argmax(n1 * n2 * (m2 - m1) ** 2))
    v1 = c2[i] / n1[i] - m1[i] ** 2
    v2 = (c2[-1] - c2[i]) / n2[i] - m2[i] ** 2
    gap = m2[i] - m1[i]
    if n2[i] < 3 or gap < math.log(_MIN_RATIO):
        return None
    if gap / math.sqrt(max(0.5 * (v1 + v2), 1e-12)) < _MIN_SEPARATION:
        return None
    return 0.5 * (x[i] + x[i + 1])


def _two_populations(strengths):
    """Boundary (grey levels) below which a change is the encoder's, or None.

    Changes fall into up to three populations: residuals of predicted frames
    (< 1 grey level), the encoder re-drawing a static picture (keyframes,
    refinements) and new scans. The boundary is the uppermost distinct split
    (Otsu on log strength, repeated on the upper class while it splits).
    """
    return _two_populations_of(tuple(map(float, strengths)))


@functools.lru_cache(maxsize=16)
def _two_populations_of(strengths):
    """`_two_populations` of a tuple (cached: a frame asks for the same history's up to
    four times, for the re-draw level and the scan decision)."""
    x = np.sort(np.log(np.maximum(np.asarray(strengths, float), 1e-3)))
    bound = None
    while True:
        split = _split(x)
        if split is None:
            return None if bound is None else float(np.exp(bound))
        bound = split
        x = x[x > split]


def _base_period(intervals):
    """The scan period (frames) from intervals between strong scans.

    Strong scans are a subset of the scans, so their intervals are multiples of
    the period (a missed one doubles an interval, a re-draw taken for a scan
    splits one once): the shortest interval that recurs (at least twice and in
    `_PERIOD_SHARE` of the intervals), else the median.
    """
    values, counts = np.unique(intervals, return_counts=True)
    need = max(2, _PERIOD_SHARE * intervals.size)
    recurring = values[counts >= need]
    return float(recurring[0]) if recurring.size else float(np.median(intervals))


def _run_peaks(frames, strengths):
    """Frame of the strongest change of each run of changes one frame apart.

    The first of equally strong ones. One pass in Python floats over the ~100 changes
    (asked for on every changed frame; numpy's per-run calls cost ten times as much).
    """
    frames = np.asarray(frames)
    peaks, best, last = [], 0.0, None
    for f, s in zip(frames.tolist(), np.asarray(strengths, float).tolist()):
        if last is None or f - last > 1:      # a new run
            peaks.append(f)
            best = s
        elif s > best:
            peaks[-1], best = f, s
        last = f
    return np.array(peaks, dtype=frames.dtype)


def _recurrent_period(frames, strengths=None):
    """The scan period (frames): the lattice holding the most strong changes, or None.

    Parameters
    ----------
    frames : (n,) int ndarray
        Increasing frame numbers of strong changes (scans, and re-draws taken
        for them).
    strengths : (n,) array_like, optional
        Their strengths (grey levels): a run of changes one frame apart counts
        once, at its strongest (`_run_peaks`); without them every change counts.
        The last `_RECUR_CHANGES` are used.

    Returns
    -------
    float or None
        The period P >= `_RECUR_MIN_PERIOD` frames whose lattice (one window of
        one frame per period, at the best phase) holds the most changes beyond
        the chance share n / P, when that excess exceeds `_RECUR_SIGMAS` binomial
        standard deviations of the chance count; else None (every frame a
        scan, or too few changes to tell).
    """
    if strengths is not None and len(frames):
        frames = _run_peaks(frames, strengths)
    lattice = _lattice(tuple(int(f) for f in frames[-_RECUR_CHANGES:]))
    return None if lattice is None else lattice[0]


@functools.lru_cache(maxsize=256)
def _trial_periods(longest, span):
    """The periods (frames, float32, read-only) `_lattice` tries for changes over ``span``.

    From `_RECUR_MIN_PERIOD` to the ``longest`` interval, in steps over which the lattice
    drifts by at most `_RECUR_DRIFT` frames across the changes. Cached: a video's strong
    changes give the same whole-frame ``longest`` and ``span`` again and again, and the
    list is ~2000 steps of Python arithmetic.
    """
    # period step: the lattice drifts by (span / P) * step frames over the changes
    periods, p = [], _RECUR_MIN_PERIOD
    while p <= longest:
        periods.append(p)
        p += max(_RECUR_DRIFT * p / max(span, 1.0), _RECUR_MIN_STEP * p)
    out = np.array(periods, dtype=np.float32)
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=64)
def _lattice(frames):
    """The scan lattice of a tuple of frame numbers: (period, phase, early, late), or None.

    See `_recurrent_period` (cached: the strong changes of a video change only at
    each new strong change; the lattice is chosen by its standard deviations
    beyond chance). Its windows open at ``phase + j period`` (video frame
    numbers, fractional), the next one within ``(early, late]`` frames about
    that (`_fit_lattice`); a scan opening at t is first seen on frame ceil(t).
    """
    f = np.asarray(frames, float)
    n = f.size
    if n < _MIN_STRONG:
        return None
    f0 = f[0]
    f = f - f0
    span = float(f[-1])
    longest = float(np.max(np.diff(f)))
    if longest < _RECUR_MIN_PERIOD:
        return None
    periods = _trial_periods(longest, span)
    m = periods.size
    # phase of each change in units of its period; a window of one frame is 1/P of it
    # (f >= 0: the fraction x - floor(x) is exact, numpy's mod of it, at a fifth of the cost)
    x = f.astype(np.float32)[None, :] / periods[:, None]
    x -= np.floor(x)
    # sorted per period, then laid out (changes, periods): each step below works on whole
    # contiguous rows of all periods and sums across rows (not along rows of n)
    u = np.ascontiguousarray(np.sort(x, axis=1).T)
    ext = np.concatenate([u, u + np.float32(1.0)], axis=0)
    # changes within one window of one frame starting at each change (half-open: a window
    # holds one frame number whatever the phase, so the chance share is exactly 1 / P;
    # the margin, in frames, is far above float32 rounding of the phases, ~1e-4 frames)
    counts = np.uint8 if n <= np.iinfo(np.uint8).max else np.intp   # n <= _RECUR_CHANGES
    hits = np.zeros(m, dtype=counts)
    start = np.zeros(m, dtype=np.intp)          # the change opening the best window
    gap = np.empty((n, m), np.float32)
    inside = np.empty((n, m), bool)
    count = np.empty(m, counts)
    better = np.empty(m, bool)
    for i in range(n):
        np.subtract(ext[i:i + n], u[i], out=gap)       # the same float32 arithmetic
        np.multiply(gap, periods, out=gap)
        np.less(gap, 1.0 - 1e-3, out=inside)
        np.add.reduce(inside.view(np.uint8), axis=0, dtype=counts, out=count)
        np.greater(count, hits, out=better)
        start[better] = i
        np.maximum(hits, count, out=hits)
    hits = hits.astype(float)
    chance = n / periods
    excess = hits - chance
    # the lattice furthest beyond chance in standard deviations: a lattice of half the
    # period holds the scans and the re-draws half-way between by chance (keyframes),
    # more changes beyond chance, but fewer standard deviations of a chance count twice
    # as large
    z = excess / np.sqrt(chance * (1.0 - 1.0 / periods))
    best = int(np.argmax(z))
    if z[best] <= _RECUR_SIGMAS:
        return None
    # the best window's changes, refined (the window's period is one of a range of
    # periods holding the same changes, whose windows part by up to a frame a few periods
    # beyond them)
    period = float(periods[best])
    w = float(u[start[best], best])
    member = np.mod(f / period - w, 1.0) * period < 1.0 - 1e-3
    period, phase, early, late = _fit_lattice(f[member], period)
    return period, f0 + phase, early, late


def _fit_lattice(hit, period):
    """Period, phase and the bracket of the next window's opening of scan frames ``hit``.

    Parameters
    ----------
    hit : (n,) float ndarray
        Increasing frame numbers of the changes in one window of a lattice of
        ``period`` frames (scans, up to a few re-draws a frame beside them).
    period : float
        The lattice's period, frames (to within the window's tolerance).

    Returns
    -------
    period, phase, early, late : float
        Windows open at ``phase + j period`` (frames, on the clock of ``hit``),
        the next one known within ``(early, late]`` frames about it.

    Notes
    -----
    The frames are fitted against their lattice index by least squares,
    without those beyond half a frame of the line (`_LATTICE_SLACK`). A scan
    at time t (frames) is first seen on frame ceil(t), so t0 + j P <= f_j <
    t0 + j P + 1 bounds t0 for each period P: the period leaving t0 the widest
    interval is taken (the most interior fit), the windows opening at its
    middle; the lattices that fit every scan with a `_LATTICE_MARGIN` share of
    that margin bracket the next opening (the edge of the fitting set
    extrapolates worst, and at an integer period it reaches the next frame).
    Changes that fit no such lattice (a scan delivered a frame late): the line,
    the frame within half a frame of it.
    """
    index = np.round((hit - hit[-1]) / period)      # 0 at the latest
    line = float(hit[-1]) + 0.5
    for _ in range(_LATTICE_REFITS):
        if np.ptp(index) == 0:
            break
        slope, line = np.polyfit(index, hit, 1)
        period = float(slope)
        # a change a frame off the lattice (a re-draw next to its scan, the stronger of
        # the two) fits a window of a slightly wrong period: no scan of it
        near = np.abs(hit - (line + slope * index)) <= 0.5 + _LATTICE_SLACK
        if near.all() or near.sum() < _MIN_STRONG:
            break
        hit, index = hit[near], index[near]
    if np.ptp(index) == 0:
        return period, float(line) - 0.5, -0.5, 0.5

    # the bounds in Python floats: the same IEEE double arithmetic as numpy's on these
    # few changes, without numpy's per-call cost (the searches below call it ~170 times;
    # ``map`` over builtins, no Python frame per change: a third of the time)
    late_edge = [h - 1.0 for h in hit.tolist()]   # a scan seen on frame h opened after h - 1
    early_edge = hit.tolist()
    index_list = index.tolist()

    def bounds(p):      # the interval of t0 at period p
        shifts = list(map(float(p).__mul__, index_list))   # i * p, once for both bounds
        return (max(map(operator.sub, late_edge, shifts)),
                min(map(operator.sub, early_edge, shifts)))

    def width(p):       # concave in p: a minimum of lines minus a maximum of lines
        lo, hi = bounds(p)
        return hi - lo

    a0 = a = period - 1.0 / np.ptp(index)     # one frame either way over the changes
    b0 = b = period + 1.0 / np.ptp(index)
    for _ in range(_LATTICE_SEARCH):          # ternary search of the concave width
        m1, m2 = a + (b - a) / 3.0, b - (b - a) / 3.0
        if width(m1) < width(m2):
            a = m1
        else:
            b = m2
    p = 0.5 * (a + b)
    if width(p) <= 0:
        return period, float(line) - 0.5, -0.5, 0.5
    start = 0.5 * sum(bounds(p))
    margin = _LATTICE_MARGIN * width(p)
    def inner(q):
        return width(q) - 2.0 * margin
    opens = [start + p]
    for q in np.linspace(_bisect_zero(inner, p, a0), _bisect_zero(inner, p, b0),
                         _LATTICE_SAMPLES):
        lo, hi = bounds(q)
        if hi - lo >= 2.0 * margin:
            opens += [lo + margin + q, hi - margin + q]
    return (float(p), start, min(0.0, min(opens) - start - p),
            max(0.0, max(opens) - start - p))


def _bisect_zero(width, inside, outside):
    """The period between ``inside`` (width >= 0) and ``outside`` where ``width`` is 0."""
    if width(outside) >= 0:
        return outside
    for _ in range(_LATTICE_SEARCH):
        mid = 0.5 * (inside + outside)
        if width(mid) >= 0:
            inside = mid
        else:
            outside = mid
    return inside


def _scan_lattice(history, bound, repeats):
    """The lattice of the scans among recent changes, and the strength that places a scan.

    Parameters
    ----------
    history : list of (int, float)
        Frame number and strength (grey levels) of recent changes, not the
        one being decided.
    bound : float or None
        Boundary of the two populations of change strength (None: one).
    repeats : int or None
        Frames without any change since the first of ``history`` (None:
        taken as enough).

    Returns
    -------
    ((period, phase, early, late), float, float) or None
        The lattice (`_lattice`) of the strong changes (above ``bound``, each
        run one frame apart at its strongest, the last `_RECUR_CHANGES`); the
        strength (grey levels) above which a change on a frame the lattice
        cannot place is a scan: the geometric mean of the median strong change
        on the lattice (scans) and off it (re-draws); and that median of the
        scans, from which a change off the lattice is a scan still. None
        with one population (every change a scan where the codec is lossless),
        fewer than `_RECUR_MIN_REPEATS` unchanged frames (every frame a scan),
        or no lattice beyond chance.
    """
    if repeats is not None and repeats < _RECUR_MIN_REPEATS:
        return None
    strengths = np.array([s for _, s in history], float)
    if strengths.size < _MIN_HISTORY:
        return None
    if bound is None:     # one population: every change a scan (lossless), or not known
        return None
    level = bound
    frames = np.array([f for f, _ in history])
    keep = strengths > level
    if keep.sum() < _MIN_STRONG:
        return None
    peaks = _run_peaks(frames[keep], strengths[keep])
    peaks = peaks[-_RECUR_CHANGES:]
    lattice = _lattice(tuple(int(f) for f in peaks))
    if lattice is None:
        return None
    # the lattice labels the strong changes: those on it are scans, those off it
    # re-draws; a change on a frame the lattice cannot place is the kind whose median
    # strength it is nearer (in log)
    by_frame = dict(zip(frames.tolist(), strengths.tolist()))
    on = [by_frame[int(f)] for f in peaks if _on_lattice(int(f), *lattice)]
    off = [s for f, s in zip(frames[keep].tolist(), strengths[keep].tolist())
           if not _on_lattice(f, *lattice)]
    scans = float(np.median(on)) if on else math.inf
    redraws = float(np.median(off)) if off else level
    return lattice, math.sqrt(max(scans, level) * max(redraws, level)), scans


def _on_lattice(k, period, phase, early=0.0, late=0.0):
    """Whether frame ``k`` is one a window of the lattice may show its scan on."""
    j = math.ceil((k - phase - early) / period) - 1
    opened = phase + j * period
    return k <= math.ceil(opened + late - _FRAME_EPS)


def _lattice_due(k, last_start, period, phase, early=0.0, late=0.0, *, strong=True):
    """Whether a scan is due at frame ``k`` by the lattice (see `_lattice`).

    Window ``j`` opens at ``phase + j period`` (frames), known to the interval
    ``(early, late]`` frames about it; a scan opening at time t is first seen
    on frame ceil(t), so the window's scan falls on one of frames ``F1..F2``.
    A scan is due when none started since ``F1`` of the window before ``k``:
    at once from ``F2``, and on a frame before it (one the lattice cannot
    tell from its neighbour) only for a ``strong`` change (above the
    populations' boundary).
    """
    j = math.ceil((k - phase - early) / period) - 1    # the last window opening before k
    opened = phase + j * period
    first = math.floor(opened + early + _FRAME_EPS) + 1
    last = math.ceil(opened + late - _FRAME_EPS)
    # two scans of a lattice lie at least floor(period) frames apart (ceil(t + P) -
    # ceil(t)), a frame less where one was taken a frame late (a torn scan's rest taken
    # for its start): a scan taken a frame early where the lattice could not tell, read
    # again with that scan's successor among its changes, leaves none due
    if last_start is not None and (last_start >= first
                                   or k - last_start < math.floor(period) - 1):
        return False
    return k >= last or strong


def _is_new_scan(k, strength, history, last_start, intra=None, *, sigmas=None,
                 repeats=None, starts=None, top=False):
    """Whether a change of ``strength`` at frame ``k`` starts a new scan (see above).

    ``history`` holds (frame, strength) of recent changes that were not the
    continuation of a torn frame, this one included. ``intra``, for an
    intra-coded frame, holds the changes of intra-coded frames only (this one
    included): such a frame re-draws the whole picture, more strongly than a
    predicted frame refines it, so its strength is compared with theirs when
    they form two populations. ``sigmas`` holds the noise standard deviations
    (grey levels) of the two frames compared: while the changes do not form two
    populations (too few seen, or re-draws as strong as a third of the scans,
    as MJPEG's re-quantized duplicates), a change too weak to carry new scan
    noise is a re-draw (:func:`_is_redraw_of_noise`). ``repeats`` counts the
    frames without any change since the first of ``history`` (None: unknown,
    taken as enough); the lattice period needs `_RECUR_MIN_REPEATS` of them.
    ``starts`` holds the frame numbers of the scan starts taken so far (None:
    unknown): before the strong changes can give a period, their intervals do
    (`_start_period`), and a change before a scan is due is a scan only when
    as strong as the weakest scan taken; a change of a block from the ``top``
    (a torn scan's first part, a share of its rows) only when `_MIN_RATIO`
    times weaker.
    """
    bound = _two_populations([s for _, s in history])
    # an intra-coded frame re-encodes the scan whole, its fresh noise in full; a predicted
    # frame may send a new scan as a partial residual over the old noise (H.264, 5041:
    # new scans at 0.6-0.8 n), so there the populations decide above half of n
    if sigmas is not None:
        fraction = (_SCAN_NOISE_FRACTION if intra is not None or bound is None
                    else _PREDICTED_SCAN_NOISE_FRACTION)
        if _is_redraw_of_noise(strength, *sigmas, fraction=fraction):
            return False
    found = _scan_lattice([(f, s) for f, s in history if f != k], bound, repeats)
    if found is not None:
        lattice, level, scans = found
        if _lattice_due(k, last_start, *lattice, strong=strength > level):
            return True
        # off the lattice, a change as strong as its scans is a scan still: the lattice of
        # the strong changes may hold only the strongest scans, a multiple of the period
        # (5013: 25 frames, scans every 5, weak ones between), or the scan restarted
        return strength >= scans
    if starts is not None and last_start is not None and (
            bound is None or sum(1 for f, s in history if s > bound and f != k) < _MIN_STRONG):
        # start-up: too few strong changes before this one for a period, but the
        # scans taken recur
        period = _start_period(starts)
        by_frame = dict(history)
        taken = [by_frame[f] for f in starts if f in by_frame and f != k]
        # weak: below every scan taken; a torn scan's top (its median over fewer rows,
        # some of them flat) by the populations' factor
        weak = min(taken) / (_MIN_RATIO if top else 1.0) if taken else 0.0
        if period is not None and k - last_start < period - _DUE_SLACK and strength < weak:
            return False
    intra_bound = _redraw_level(intra) if intra is not None else None
    # an intra-coded frame's re-draw can exceed the boundary of all changes: below the
    # boundary of its own kind it is a scan only when one is due
    redraw = intra_bound is not None and bound is not None and strength <= intra_bound
    if not redraw and (bound is None or strength > bound):
        return True
    strong = [(f, s) for f, s in history if s > bound]
    if len(strong) < _MIN_STRONG or last_start is None:
        return False
    frames = np.array([f for f, _ in strong])
    intervals = np.diff(frames)
    period = _base_period(intervals)
    taken = _start_period(starts) if starts is not None else None
    if taken is not None and np.max(np.unique(intervals, return_counts=True)[1]) < 2:
        # no interval between the strong changes recurs (a few, start-up re-draws among
        # them): the scans taken recur
        period = taken
    if period < _RECUR_MIN_PERIOD and (repeats is None or repeats >= _RECUR_MIN_REPEATS):
        # a period of one frame from consecutive intervals: bursts of re-draws, or
        # really every frame a scan; the lattice of the strong changes tells them apart
        period = _recurrent_period(frames, [s for _, s in strong]) or period
    return k - last_start >= period - _DUE_SLACK


def _start_period(starts):
    """The scan period (frames) from the last scan starts taken, or None.

    The last `_START_INTERVALS` intervals between the starts, when they agree
    to within a frame (a scan opening at time t is first seen on frame
    ceil(t), so the intervals of one period differ by at most a frame): their
    shortest. A re-draw taken for a scan splits an interval, which then
    agrees with no other; None while they disagree or are too few.
    """
    if len(starts) < _START_INTERVALS + 1:
        return None
    gaps = np.diff(np.asarray(list(starts)[-(_START_INTERVALS + 1):], float))
    if np.ptp(gaps) > 1.0 or gaps.min() < _RECUR_MIN_PERIOD:
        return None
    return float(gaps.min())


def _is_redraw_of_noise(strength, sigma, prev_sigma, fraction=_SCAN_NOISE_FRACTION):
    """Whether a change of ``strength`` (grey levels) is too weak to carry new scan noise.

    Parameters
    ----------
    strength : float
        Median mean absolute difference of the changed bands, grey levels.
    sigma, prev_sigma : float
        Noise standard deviation of the two frames, grey levels.
    fraction : float
        Share of the scan noise level below which the change is a re-draw
        (`_SCAN_NOISE_FRACTION`; `_PREDICTED_SCAN_NOISE_FRACTION` where the
        populations decide).

    Returns
    -------
    bool
        True when both frames' noise is measured (`_MIN_MEASURED_SIGMA`) and the
        change is below ``fraction`` of the scan noise level: the same scan
        re-encoded, not a new one.
    """
    if min(sigma, prev_sigma) < _MIN_MEASURED_SIGMA:
        return False
    return strength < fraction * _MAD_PER_SIGMA * 0.5 * (sigma + prev_sigma)


def _redraw_level(history):
    """Strength (grey levels) up to which a change is the encoder re-drawing, or None.

    The boundary of the two populations when there are two; else None.
    """
    if len(history) < _MIN_HISTORY:
        return None
    return _two_populations([s for _, s in history])


def _is_redraw(part, rest, bound):
    """Whether band MADs ``part`` are the encoder's re-draw next to new content ``rest``.

    Both are told apart by the two populations of change strength (boundary
    ``bound``; None: one population, so no re-draw is known): ``part`` is in the
    weaker one, ``rest`` in the stronger or stronger than ``part`` by the factor
    that makes two populations distinct (`_MIN_RATIO`: the rest of a scan can
    arrive weakly, to be refined over the next frames).
    """
    if part.size == 0 or rest.size == 0 or bound is None:
        return False
    p, r = float(np.median(part)), float(np.median(rest))
    return p <= bound and (r > bound or r >= _MIN_RATIO * p)


@dataclasses.dataclass(slots=True)
class _Change:
    """What changed between two frames, in band units."""
    kind: str          # "none", "full", "top", "bottom", "middle", "scattered"
    start: int         # first changed band
    stop: int          # one past the last changed band


def _noise_block(new_noise, informative, last_change, *, min_tear, tol, top=True):
    """A torn scan's part among bands re-encoded as a whole, or None.

    Parameters
    ----------
    new_noise, informative : (bands,) bool ndarray
        Bands changed by at least the scan noise level; bands with texture.
    last_change : _Change or None
        The last change that was not a duplicate.
    min_tear, tol : int
        Least bands on either side of a tear; bands a continuation may start
        away from where the torn part stopped.
    top : bool
        Whether a torn scan's top may be found (else only the rest of one).

    Returns
    -------
    _Change or None
        ``top`` when the noise-carrying bands form one block from the top
        ending at least ``min_tear`` bands above the bottom (the SEM writes a
        scan from the top); ``middle`` or ``bottom`` when they start where the
        last torn part stopped (its rest); else None.
    """
    nb = new_noise.size
    a, b, errors = _step_fit(new_noise, informative)
    # a scan's part changes (nearly) all its bands: the misfit bounded by the block's size
    # too, so that a few strong bands among a re-draw's (heavy MJPEG) make no block
    if b - a <= 0 or errors > max(2, _MAX_MISFIT * min(b - a, informative.sum())):
        return None
    # a top block is taken from the first band: the bands above ``a`` count as misfit
    if (top and a < min_tear and min_tear <= b <= nb - min_tear
            and errors + int(np.sum(~new_noise[:a] & informative[:a]))
            <= max(2, _MAX_MISFIT * b)):
        return _Change("top", 0, b)
    if (last_change is not None and last_change.kind in ("top", "middle")
            and abs(a - last_change.stop) <= tol):
        return _Change("bottom", a, nb) if b > nb - min_tear else _Change("middle", a, b)
    return None


def _torn_rest(band_mad, informative, bound, *, min_tear):
    """The rest of a torn scan among a frame's bands, or None.

    Parameters
    ----------
    band_mad : (bands,) float ndarray
        Mean absolute difference of each band to the previous frame, grey levels.
    informative : (bands,) bool ndarray
        Bands with texture.
    bound : float or None
        Boundary of the two populations of change strength (grey levels): a
        band above it changed by scan strength. None: no re-draw known.
    min_tear : int
        Least bands on either side of a tear.

    Returns
    -------
    _Change or None
        ``bottom`` when the bands changed by scan strength form one block
        from at least ``min_tear`` bands below the top to the bottom, and the
        bands above it changed `_MIN_RATIO` times less (unchanged or re-drawn:
        the scan the frame before showed there); else None. A new scan
        replaces every row's content, so a frame changing only the rows below
        a tear by scan strength completes the scan of the frame before (the
        SEM writes a scan from the top).
    """
    if bound is None:
        return None
    nb = band_mad.size
    strong = band_mad > bound
    a, b, errors = _step_fit(strong, informative)
    if b - a <= 0 or errors > max(2, _MAX_MISFIT * informative.sum()):
        return None
    if not (min_tear <= a and b > nb - min_tear):
        return None
    # the rows above the tear are the scan already shown: unchanged, or re-drawn by the
    # encoder (weaker than a scan by the populations' factor); a new scan the encoder
    # sends weakly in its top rows changes them by more (H.264, every frame a scan)
    above = band_mad[:a][informative[:a]]
    below = band_mad[a:][informative[a:]]
    if above.size and below.size and _MIN_RATIO * np.median(above) > np.median(below):
        return None
    return _Change("bottom", a, nb)


def _percentile_small(values, q):
    """``np.percentile(values, q)`` (linear method, the same float) of a short sequence.

    On the ~100 band values of a frame, a sort of Python floats and numpy's own
    arithmetic (virtual index ``(n - 1) q / 100``, its ``_lerp`` on both sides of
    gamma 0.5) cost a fifth of ``np.percentile``'s call, twice a frame. No NaN.
    """
    v = sorted(values)
    n = len(v)
    virtual = (n - 1) * (q / 100.0)
    lo = math.floor(virtual)
    if lo >= n - 1:
        return float(v[-1])
    return float(_lerp(v[lo], v[lo + 1], virtual - lo))


def _noise_sigma(image, top, bottom, left, right, col_step):
    """Robust per-pixel noise standard deviation from vertical 2nd differences."""
    step = max(1, (bottom - top) // 48)
    if bottom - top <= 2:
        return 0.0
    # rows top + 1, top + 1 + step, ... and their neighbours above and below, as slices
    mid_rows = slice(top + 1, bottom - 1, step)
    above, below = slice(top, bottom - 2, step), slice(top + 2, bottom, step)
    cols = slice(left, right, col_step)
    if image.dtype == np.uint8:  # integers 0..1020: the median from a histogram
        import cv2  # noqa: PLC0415  (OpenCV is loaded by the reader anyway)

        trio = [every_4th_column(image[r, left:right]) if col_step == 4 else None
                for r in (above, mid_rows, below)]
        up, mid, down = (np.ascontiguousarray(image[r, cols]) if t is None else t
                         for r, t in zip((above, mid_rows, below), trio))
        # |up - 2 mid + down| in int16 (OpenCV, exact: at most 1020)
        lap = cv2.absdiff(cv2.add(up, down, dtype=cv2.CV_16S),
                          cv2.add(mid, mid, dtype=cv2.CV_16S))
        counts = np.cumsum(np.bincount(lap.ravel()))
        half = 0.5 * counts[-1]
        lo = int(np.searchsorted(counts, half, side="left"))
        # numpy's median of an even count averages the two middle values
        hi = int(np.searchsorted(counts, half + 1, side="left")) if counts[-1] % 2 == 0 else lo
        if counts[-1] % 2 == 1:
            lo = hi = int(np.searchsorted(counts, (counts[-1] + 1) // 2, side="left"))
        return 0.5 * (lo + hi) / _MEDIAN_LAPLACE_PER_SIGMA
    mid = image[mid_rows, cols].astype(np.int32)
    lap = np.abs(image[above, cols].astype(np.int32) - 2 * mid + image[below, cols])
    return float(np.median(lap)) / _MEDIAN_LAPLACE_PER_SIGMA


def _sample(image, top, bottom, left, right, row_step, col_step):
    """The compared pixels: every ``row_step``-th row, ``col_step``-th column.

    8-bit frames stay uint8 (OpenCV takes differences and band means of those
    at a fraction of numpy's cost on int16: the whole step is ~1/4 of a 1080p
    decode); deeper ones become int32.
    """
    view = image[top:bottom:row_step, left:right:col_step]
    if image.dtype == np.uint8:
        quarter = (every_4th_column(image[top:bottom:row_step, left:right])
                   if col_step == 4 else None)
        return np.ascontiguousarray(view) if quarter is None else quarter
    return view.astype(np.int32)


def _band_stats(sub, prev_sub, usable, rows_per_band):
    """Absolute difference (bands x pixels) and its mean per band."""
    nb = usable // rows_per_band
    if sub.dtype == np.uint8:
        import cv2  # noqa: PLC0415  (OpenCV is loaded by the reader anyway)

        diff = cv2.absdiff(sub[:usable].reshape(nb, -1), prev_sub[:usable].reshape(nb, -1))
        band_mad = cv2.reduce(diff, 1, cv2.REDUCE_AVG, dtype=cv2.CV_32F).ravel()
        return diff, band_mad.astype(np.float64)
    diff = np.abs(sub[:usable] - prev_sub[:usable]).reshape(nb, -1)
    return diff, diff.mean(axis=1)


def _band_texture(sub, usable, nb):
    """Standard deviation of each band's pixels (only needed when some band changed)."""
    a = sub[:usable].reshape(nb, -1)
    if sub.dtype == np.uint8:
        import cv2  # noqa: PLC0415

        af = a.astype(np.float32)
        mean = cv2.reduce(af, 1, cv2.REDUCE_AVG).ravel()
        mean_sq = cv2.reduce(cv2.multiply(af, af), 1, cv2.REDUCE_AVG).ravel()
        return np.sqrt(np.maximum(mean_sq - mean * mean, 0.0)).astype(np.float64)
    return a.std(axis=1)


def _step_fit(changed, informative):
    """Best (a, b): bands [a, b) changed, the rest unchanged; returns (a, b, errors)."""
    c = np.concatenate([[0], np.cumsum(changed & informative)])
    u = np.concatenate([[0], np.cumsum(~changed & informative)])
    f = c - u                      # cost contribution of the unchanged top [0, a)
    g = u - c                      # of the changed middle up to b (plus constant)
    best_a = np.minimum.accumulate(f)
    arg_a = np.zeros(len(f), dtype=int)
    running = 0
    for i in range(1, len(f)):     # nb ~ 100: a Python loop is fine
        if f[i] < f[running]:
            running = i
        arg_a[i] = running
    total = best_a + g
    b = int(np.argmin(total))
    a = int(arg_a[b])
    errors = int(total[b] + c[-1])
    return a, b, errors


def _refine_tear(row_mad, band, rows_per_band, tau, *, new_above):
    """Sampled-row index of the tear near band boundary ``band``.

    ``row_mad`` holds the MAD of each sampled row; the rows of bands
    ``band - 1`` and ``band`` are examined. With ``new_above`` the tear is
    the first unchanged row after the changed ones, else the first changed
    row after unchanged ones.
    """
    lo = max(0, (band - 1) * rows_per_band)
    hi = min(row_mad.size, (band + 1) * rows_per_band)
    changed = row_mad[lo:hi] > tau
    if new_above:
        idx = np.flatnonzero(changed)
        return lo + (int(idx[-1]) + 1 if idx.size else 0)
    idx = np.flatnonzero(~changed)
    return lo + (int(idx[-1]) + 1 if idx.size else 0)


def _tear_row(boundary, new_above, row_mad, rows_per_band, tau, top, row_step):
    """Full-resolution image row of the tear found near band ``boundary``."""
    sampled = _refine_tear(row_mad, boundary, rows_per_band, tau, new_above=new_above)
    return top + sampled * row_step


def _torn_after_all(frame, rest, row_mad, rows_per_band, tau, top, row_step):
    """``frame``, read whole, as the torn frame that the next frame's ``rest`` completes.

    Parameters
    ----------
    frame : Frame
        The first frame of a scan, marked complete when it was read.
    rest : _Change
        The next frame's change, the rest of that scan: below the tear
        (``bottom``), or the whole frame where the tear cannot be read from it.
    row_mad, rows_per_band, tau, top, row_step
        The next frame's per-row MAD (sampled rows; None unless ``rest`` is a
        block), the sampling and the band threshold, as for :func:`_tear_row`.

    Returns
    -------
    Frame
        ``frame`` with ``partial_refresh`` set; its ``tear_row`` is the first
        row the rest changes (the first of ``frame``'s old rows: the SEM writes
        from the top), None when the rest is not a block below the top.
    """
    tear = None
    if rest.kind == "bottom" and row_mad is not None:
        tear = _tear_row(rest.start, False, row_mad, rows_per_band, tau, top, row_step)
    return dataclasses.replace(frame, partial_refresh=True, tear_row=tear)


def mark_refreshes(frames, *, crop=None, detect_data_bar=True, band_rows=8,
                   min_tear_fraction=0.05, threshold=None):
    """Flag duplicate and torn frames and fill ``content_time_s``, streaming.

    Parameters
    ----------
    frames : iterable of Frame
        In order, e.g. a :class:`VideoReader`. Frames are not copied.
    crop : (top, bottom, left, right), optional
        Region to compare, in pixels (half-open). Default: the whole frame
        without the data bar.
    detect_data_bar : bool
        Find the SEM data bar on the first frame and leave it out (its clock
        may tick while the image does not change).
    band_rows : int
        Height in pixel rows of the bands the frame is cut into; the tear row
        is reported to this resolution.
    min_tear_fraction : float
        A torn frame must keep at least this fraction of the compared rows
        old (and have at least this fraction new); smaller tears are
        reported as complete frames.
    threshold : float, optional
        Fixed band threshold in grey levels (mean absolute difference),
        overriding the adaptive one; only for noise-free synthetic video.

    Yields
    ------
    Frame
        Copies of the input frames (sharing their image arrays) with
        ``is_duplicate``, ``partial_refresh``, ``tear_row`` and
        ``content_time_s`` set, one frame behind the input: a frame is
        yielded once the next one is read (its torn state can depend on it).

    Notes
    -----
    The compared region is sampled every 2nd row and every 4th column and
    cut into bands of ``band_rows`` rows. For each band the mean absolute
    difference (MAD) to the previous frame is computed. Two levels set the
    threshold:

    * the *scan noise* level ``n = 2 sigma / sqrt(pi)``, the MAD expected
      between two scans of an unchanged scene whose pixels carry independent
      noise of standard deviation ``sigma``; ``sigma`` is measured on every
      frame from the median absolute vertical second difference (robust to
      edges, and it sees only the noise that survived compression);
    * the *compression noise* level ``c``: the 25th percentile, over the last
      64 frames, of each frame's 20th-percentile band MAD. Duplicates differ
      only by re-encoding noise, so ``c`` tracks it whenever at least about a
      quarter of recent frames are duplicates or torn; otherwise ``c`` is
      close to ``n``.

    A band is *changed* when its MAD exceeds ``min(sqrt(max(c, 0.1 n) n),
    0.5 n)``, the geometric mean of the two levels, capped at half the scan
    noise so that new scans (MAD ~ ``n``) are never missed. Bands with less
    texture than half the noise (saturated black or white) carry no
    information and are ignored. A frame with no changed band is a
    *duplicate*; its content time is that of the previous frame (and it
    inherits a torn state). Otherwise the changed bands are fitted with a
    single block ``[a, b)``: a block from the top ending above the bottom is a
    torn frame (tear row ``b``, content time = own time); a block continuing
    where the previous refresh stopped completes (or continues) that scan,
    and gets that scan's content time; a block reaching the bottom that does
    not continue anything is a bottom-first tear (tear row ``a``).

    A change that does not continue a torn frame is then a new scan or the
    encoder re-drawing the picture (a keyframe inside a run of duplicates, a
    rate-control refinement after a new scan). Its *strength* is the median MAD
    of its changed bands, in grey levels. The strengths of the last 128 such
    changes form up to three populations (residuals of predicted frames,
    re-draws, new scans): the uppermost distinct split of their log (Otsu's
    split, kept when the class means differ by a factor >= 3 and by >= 2
    pooled standard deviations) is the boundary. A change above it is a new
    scan; a weaker one only when a scan is due: at least the scan period
    (minus half a frame) after the last scan start, the period being the
    shortest recurring interval between strong changes. With one population
    (or fewer than 5 changes seen) every change is a new scan. An encoder can
    deliver a new scan weakly and refine it over the next frames; then the
    scan is found on the frame that carries it, up to a period late.

    The SEM scans at a fixed period and phase: once the strong changes (above
    the boundary, runs one frame apart counted once) hold a lattice beyond
    chance, and frames without any change show that scans repeat, the lattice
    decides instead: a change is a scan when none was taken since the
    lattice's window before it opened (see `_lattice`, `_lattice_due`), and
    off the lattice only when it is as strong as the lattice's median scan
    (the lattice may hold only the strongest scans, a multiple of the
    period). Where the encoder wiped the noise its re-draws (keyframes,
    noise restored frame by frame) are as strong as the weaker scans, above a
    boundary that splits only the residuals from the rest. A change of scan
    strength on the frame after a torn scan's first, where no scan is due, is
    that scan's rest; so is, on the frame after any scan's first, a block of
    scan-strength changes from below the top to the bottom with the rows above
    it changed 3 times less (`_torn_rest`); and the rest completing a torn top
    that was not taken is the scan, with the torn frame's content time, and that
    frame is reported torn (new content, not a repeat). When
    the rest of a scan follows a first frame that was read whole (no tear
    seen: the encoder re-drew the old rows as strongly as new ones), that
    first frame is reported torn after all (its tear row where the rest
    starts, None when the rest changes the whole frame): the frame that
    completes the scan is then its only complete frame, and the scan is
    measured once. Before
    the strong changes give a period, the intervals between the scans taken
    do (`_start_period`).

    An encoder also re-draws rows that did not change, which can hide a
    row-by-row refresh (the SEM writes a scan from top to bottom; the encoder
    changes the whole picture at once, more weakly). Two cases are read with
    the same populations (boundary ``B``):

    * a keyframe after a duplicate predicted frame (not MJPEG, where every
      frame is intra-coded) changes everywhere, but the changes above ``B``
      form one block from the top (or to the bottom) and the rest stays below
      ``B``, in rows that the last scan changed by more than ``B`` (rows no
      scan changes strongly, a data bar or a flat region, tell no tear): a
      torn frame, the tear found with ``B`` as the band threshold;
    * a keyframe's change is compared with the changes of keyframes only, once
      5 are seen and they form two populations: a keyframe re-draws the
      picture more strongly than a predicted frame refines it, so a re-draw
      can exceed the boundary of all changes; below the keyframes' own
      boundary it is a scan only when one is due.

    Where the scan noise survives the encoder (sigma of both frames >= 2
    grey levels), physics decides what the populations cannot: a new scan
    replaces every pixel's noise, so it changes by at least ``n``, while a
    re-encoding of the same scan (MJPEG's rate control re-quantizing a
    duplicate) moves only the compression error. While the changes do not form
    two populations, a change below ``0.8 n`` is a re-draw. A change of the
    whole frame is read again with ``0.8 n`` as the band threshold: on an
    intra-coded frame the bands carrying new noise can form a torn scan's top,
    and after a torn frame they can be its rest (a continuation).

    The band criterion separates duplicates from new scans as long as the
    scan noise exceeds the compression noise by a factor of ~3 or more; the
    strength model handles encoders that wipe that noise (MPEG-4, high crf).
    For noise-free synthetic frames pass ``threshold`` (no strength model).
    """
    if band_rows < 2 or int(band_rows) != band_rows:
        raise InputError(f"band_rows must be an integer >= 2, got {band_rows!r}")
    if not 0 < min_tear_fraction < 0.5:
        raise InputError(f"min_tear_fraction must be in (0, 0.5), got {min_tear_fraction!r}")
    if threshold is not None and not threshold >= 0:
        raise InputError(f"threshold must be >= 0 grey levels, got {threshold!r}")
    band_rows = int(band_rows)
    row_step, col_step = 2, 4
    lows = collections.deque(maxlen=64)
    history = collections.deque(maxlen=_HISTORY)  # (frame, strength) of changes
    unchanged = collections.deque(maxlen=_HISTORY)  # frames the band criterion found unchanged
    intra = collections.deque(maxlen=_HISTORY)    # the same, of intra-coded frames only
    last_start = None                             # frame number of the last scan start
    k = -1
    region = None
    prev_sub = prev_sigma = None
    prev = None
    last_change = None       # _Change of the last non-duplicate frame
    scan_time = None         # content time of the scan being drawn
    scan_bands = None        # bands the last scan changed by scan strength (torn parts too)
    torn_top = None          # (frame, _Change, tear row) of the last changed top not taken
    starts = collections.deque(maxlen=_START_INTERVALS + 1)   # frames of the last scan starts
    held = None              # the last frame decided, yielded once the next one is read
    for frame in frames:
        k += 1
        image = frame.image
        if region is None:
            bar = find_data_bar(image) if (detect_data_bar and crop is None) else None
            top, bottom, left, right = analysis_region(image.shape, bar, crop=crop)
            n_bands = max(1, (bottom - top) // band_rows)
            bottom = top + n_bands * band_rows if (bottom - top) >= band_rows else bottom
            region = (top, bottom, left, right)
            shape = image.shape
            min_tear = max(2, int(math.ceil(min_tear_fraction * n_bands)))
            tol = max(2, int(round(0.05 * n_bands)))
            if bar is not None:
                logger.info("comparing rows %d:%d, cols %d:%d (data bar %s excluded)",
                            top, bottom, left, right, bar)
        elif image.shape != shape:
            raise InputError(f"frame {frame.index} has shape {image.shape} but the first frame "
                             f"had {shape}; all frames of a video must have one size")
        top, bottom, left, right = region
        sub = _sample(image, top, bottom, left, right, row_step, col_step)
        sigma = _noise_sigma(image, top, bottom, left, right, col_step)
        if prev_sub is None:
            out = dataclasses.replace(frame, is_duplicate=False, partial_refresh=False,
                                      tear_row=None, content_time_s=frame.time_s)
            prev, prev_sub, prev_sigma = out, sub, sigma
            scan_time = frame.time_s
            starts.append(k)
            held = out
            continue
        rows_per_band = max(1, band_rows // row_step)
        usable = (sub.shape[0] // rows_per_band) * rows_per_band
        if usable == 0:
            rows_per_band, usable = sub.shape[0], sub.shape[0]
        diff, band_mad = _band_stats(sub, prev_sub, usable, rows_per_band)
        noise = _MAD_PER_SIGMA * 0.5 * (sigma + prev_sigma)
        lows.append(_percentile_small(band_mad.tolist(), 20))
        if threshold is not None:
            tau = float(threshold)
        else:
            comp = _percentile_small(lows, 25)
            tau = min(math.sqrt(max(comp, 0.1 * noise) * noise), 0.5 * noise)
            if frame.is_keyframe and not prev.is_keyframe:
                # an intra-coded frame re-draws the compression noise of unchanged
                # parts too (measured: up to ~0.55 n at crf 23); new scans stay ~n
                tau = max(tau, 0.65 * noise)
        changed = band_mad > tau
        nb = band_mad.size
        if not changed.any():  # most frames of a screen recording: no texture needed
            informative = np.ones(nb, bool)
        elif sigma > 0:
            informative = _band_texture(sub, usable, nb) > 0.5 * sigma
        else:
            informative = np.ones(nb, bool)
        if not np.any(changed & informative):
            change = _Change("none", 0, 0)
        else:
            a, b, errors = _step_fit(changed, informative)
            if errors > max(2, 0.15 * informative.sum()):
                change = _Change("scattered", a, b)
            elif b - a <= 0:
                change = _Change("none", 0, 0)
            elif a < min_tear and b > nb - min_tear:
                change = _Change("full", 0, nb)
            elif a < min_tear:
                change = _Change("top", 0, b)
            elif b > nb - min_tear:
                change = _Change("bottom", a, nb)
            else:
                change = _Change("middle", a, b)
        tau_tear = tau
        if threshold is None and change.kind == "full":
            # the codec re-draws what did not change (an intra-coded frame all of it): a
            # change of the whole frame can still be a row-by-row refresh, its old rows
            # changed only by re-draw strength
            bound = _redraw_level(history)
            if (frame.is_keyframe and not prev.is_keyframe and prev.is_duplicate
                    and bound is not None):
                # an intra-coded frame among predicted ones (with every frame intra-coded,
                # as MJPEG, the re-draw is no different from a duplicate's)
                redrawn = band_mad > bound
                a, b, errors = _step_fit(redrawn, informative)
                if errors <= max(2, 0.15 * informative.sum()) and b - a > 0:
                    block = np.zeros(nb, bool)
                    block[a:b] = True
                    rest = ~block & informative
                    # rows that the last scan did not change by scan strength (a data bar
                    # the bar detector missed, a flat region) tell no tear
                    scanned = rest & scan_bands if scan_bands is not None else rest
                    if ((a < min_tear <= b <= nb - min_tear
                         or min_tear <= a <= nb - min_tear < b)
                            and scanned.sum() >= max(min_tear, 0.5 * rest.sum())
                            and _is_redraw(band_mad[rest], band_mad[block & informative],
                                           bound)):
                        change = _Change("top" if a < min_tear else "bottom",
                                         0 if a < min_tear else a, b if a < min_tear else nb)
                        tau_tear = bound
        scan_level = _SCAN_NOISE_FRACTION * noise
        if (threshold is None and change.kind == "full"
                and min(sigma, prev_sigma) >= _MIN_MEASURED_SIGMA):
            # an intra-coded frame (every MJPEG frame) re-encodes every band, a predicted
            # one may refine what a torn frame showed, but only the bands carrying new
            # scan noise are the scan: they can form a torn scan's top (read on
            # intra-coded frames only: a predicted frame may send a new scan weakly
            # below its top) or the rest of one
            torn_part = _noise_block(band_mad >= scan_level, informative, last_change,
                                     min_tear=min_tear, tol=tol, top=frame.is_keyframe)
            if torn_part is not None:
                change, changed, tau_tear = torn_part, band_mad >= scan_level, scan_level
        duplicate = partial = False
        tear = None
        continues = completes_bottom_first = started_before = False
        if change.kind == "none":
            unchanged.append(k)
        else:
            continues = (last_change is not None and last_change.kind in ("top", "middle")
                         and change.kind in ("middle", "bottom", "full")
                         and abs(change.start - last_change.stop) <= tol)
            completes_bottom_first = (last_change is not None and last_change.kind == "bottom"
                                      and change.kind in ("top", "full")
                                      and prev.partial_refresh
                                      and abs(change.stop - last_change.start) <= tol)
            if (threshold is None and not (continues or completes_bottom_first)
                    and last_start == k - 1 and last_change is not None
                    and last_change.start < min_tear):
                level = _redraw_level(history)
                rest = _torn_rest(band_mad, informative, level, min_tear=min_tear)
                if rest is not None:
                    # the frame after a scan's first changes only rows below a tear by
                    # scan strength: that scan's rest (its top was read whole, the encoder
                    # re-drawing the old rows below the tear), not a scan of its own
                    change, changed, continues = rest, band_mad > level, True
            if threshold is None and not (continues or completes_bottom_first):
                # the rest of a torn scan is part of it; anything else is a scan or the
                # encoder's re-drawing, told apart by strength and the scan period
                strength = float(np.median(band_mad[changed & informative]))
                history.append((k, strength))
                if frame.is_keyframe:
                    intra.append((k, strength))
                first = history[0][0]
                if not _is_new_scan(k, strength, history, last_start,
                                    intra if frame.is_keyframe else None,
                                    sigmas=(sigma, prev_sigma),
                                    repeats=sum(1 for f in unchanged if f > first),
                                    starts=starts, top=change.kind == "top"):
                    if change.kind == "top":
                        row_mad = diff.reshape(-1, rows_per_band, sub.shape[1]).mean(
                            axis=2).ravel()
                        torn_top = (k, change, _tear_row(change.stop, True, row_mad,
                                                         rows_per_band, tau_tear, top,
                                                         row_step))
                    level = _redraw_level(history)
                    if last_start == k - 1 and level is not None and strength > level:
                        # not a scan of its own, but a change of scan strength on the frame
                        # after a scan's first (a torn one, read whole where the encoder
                        # re-draws every row, or one the encoder sent in part): the display
                        # finishes a refresh within a frame, so this is its rest (a weaker
                        # change there is the encoder refining it)
                        continues = True
                    else:
                        change = _Change("none", 0, 0)
                elif (torn_top is not None and torn_top[0] == k - 1
                      and change.kind in ("middle", "bottom")
                      and abs(change.start - torn_top[1].stop) <= tol):
                    # a scan completing the rows below the previous frame's changed top,
                    # which alone was not taken (a window's early frame, not strong
                    # enough): the scan tore there, its content is of that frame
                    started_before = True
        if (change.kind == "none" and held.partial_refresh and not held.is_duplicate
                and last_change is not None and last_change.kind == "top"):
            # a torn frame's rest follows it on the next frame (the display finishes a
            # refresh within a frame): nothing changed, so the rows below the "tear" were
            # this scan's already, told from the old ones only by the encoder's re-draw (a
            # keyframe that wiped the noise: 1080p MPEG-4 frame 1770). It was complete.
            held = prev = dataclasses.replace(held, partial_refresh=False, tear_row=None)
            last_change = _Change("full", 0, nb)
        if change.kind == "none":
            duplicate = True
            partial, tear = prev.partial_refresh, prev.tear_row
            content = prev.content_time_s
        else:
            row_mad = None
            if change.kind in ("top", "middle", "bottom"):
                row_mad = diff.reshape(-1, rows_per_band, sub.shape[1]).mean(axis=2).ravel()
            tear_args = (row_mad, rows_per_band, tau_tear, top, row_step)
            if continues:
                content = scan_time
                if change.kind == "middle":
                    partial, tear = True, _tear_row(change.stop, True, *tear_args)
            elif completes_bottom_first:
                content = scan_time
            elif started_before:
                last_start = k - 1
                starts.append(k - 1)
                content = scan_time = prev.time_s
                scan_bands = np.zeros(nb, bool)
                # that previous frame showed the scan's top: new content, a torn frame (not
                # a repeat of the scan before), its tear where its changed top ended
                held = dataclasses.replace(held, is_duplicate=False, partial_refresh=True,
                                           tear_row=torn_top[2], content_time_s=held.time_s)
            else:
                last_start = k
                starts.append(k)
                if change.kind == "top":
                    partial, tear = True, _tear_row(change.stop, True, *tear_args)
                elif change.kind == "bottom":
                    partial, tear = True, _tear_row(change.start, False, *tear_args)
                # full, middle or scattered change without a scan in progress: own time
                content = scan_time = frame.time_s
                scan_bands = np.zeros(nb, bool)
            if scan_bands is not None and threshold is None:
                # the bands this scan changed so far by scan strength (above the re-draws)
                level = _redraw_level(history)
                strong = band_mad > (tau if level is None else max(tau, level))
                scan_bands[change.start:change.stop] |= (strong & informative)[
                    change.start:change.stop]
            last_change = change
        out = dataclasses.replace(frame, is_duplicate=duplicate, partial_refresh=partial,
                                  tear_row=tear, content_time_s=content)
        if continues and not partial and not (prev.partial_refresh or prev.is_duplicate):
            # the rest of a scan whose first frame was read whole (the encoder re-drew the
            # rows below the tear as strongly as new ones): that frame was torn, this one
            # completes it, and the scan is measured once, on this frame
            held = _torn_after_all(held, change, *tear_args)
        yield held
        held = out
        prev, prev_sub, prev_sigma = out, sub, sigma
    if held is not None:
        yield held
