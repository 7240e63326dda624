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
import logging
import math

import numpy as np

from calibration import InputError

from ._databar import analysis_region, find_data_bar

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
# The period is the shortest interval between strong scans that recurs in this share of
# the intervals (a missed strong scan doubles an interval, a re-draw taken for a scan
# splits one); a scan is due this many frames before a full period has passed.
_PERIOD_SHARE = 0.15
_DUE_SLACK = 0.5
# The periodic model (`_coherent_period`): the period from the last this many strong
# changes; periodic when their strength-weighted phase coherence reaches this (1: all on
# one comb); the longest period within this share of the best coherence (the comb's
# harmonics P/2, P/3 are as coherent as P); frequency grid oversampled this many times
# over the resolution of the span.
_PERIOD_SCANS = 24
_MIN_COHERENCE = 0.6
_COHERENCE_HARMONIC = 0.9
_COHERENCE_OVERSAMPLE = 8
_WEIGHT_POWER = 2.0
_MAX_STRONG_PER_PERIOD = 2.0
_MIN_COMB = 8            # strong changes needed before a comb is looked for
# With a period P, a change is due when at least floor(P + this) frames after the last
# scan start (a period of 9.6 frames gives intervals of 9 and 10 frames); a change off
# the comb is a scan only when at least this share of the median strength of the
# scans on it (re-draws by MPEG-4 keyframes reach half of it at 1080p).
_DUE_FRACTION = 0.15
_OFF_COMB_FRACTION = 1.0
_ON_COMB_FRAMES = 1.0
# Periods searched: from 3 frames (below, MPEG-4's keyframes on every 2nd frame alias
# with the scans) up to a span of this many periods.
_MIN_PERIOD = 3.0
_MIN_PERIODS = 2.5


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


def _coherent_period(frames, weights):
    """The scan period (frames) of the train of changes weighted by strength squared, or None.

    An SEM scans at a fixed rate, so new scans fall on a comb of period P while
    the encoder's re-draws (keyframes every GOP, refinements a frame or two after
    a scan) fall elsewhere and are weaker. The phase coherence
    ``|sum w exp(2 pi i f / P)| / sum w`` (w: strength squared) is 1 on the scans' comb and its
    harmonics (P/2, P/3, ...), low at 2P; the period is the longest P whose
    coherence is within `_COHERENCE_HARMONIC` of the best, if the best reaches
    `_MIN_COHERENCE` (else the train is not periodic: None). P is searched from
    `_MIN_PERIOD` frames to the span over `_MIN_PERIODS`.
    """
    f = np.asarray(frames, float)
    w = np.asarray(weights, float) ** _WEIGHT_POWER
    span = f[-1] - f[0]
    if f.size < _MIN_COMB or span < _MIN_PERIODS * _MIN_PERIOD:
        return None
    nu = np.arange(_MIN_PERIODS / span, 1.0 / _MIN_PERIOD,
                   1.0 / (_COHERENCE_OVERSAMPLE * span))
    if nu.size == 0:
        return None
    ang = np.outer(nu, 2.0 * np.pi * (f - f[0]))
    coh = np.hypot(np.cos(ang) @ w, np.sin(ang) @ w) / w.sum()
    best = float(coh.max())
    if best < _MIN_COHERENCE:
        return None
    i = int(np.flatnonzero(coh >= _COHERENCE_HARMONIC * best)[0])  # lowest frequency
    # the local maximum of that peak
    while i + 1 < coh.size and coh[i + 1] >= coh[i]:
        i += 1
    period = float(1.0 / nu[i])
    # a comb holds one scan a period (and a re-draw or so): many more strong changes than
    # that are scans of their own (1-2 frames a scan, scans of uneven strength) that
    # happen to line up, not a comb
    if (f.size - 1) * period / span > _MAX_STRONG_PER_PERIOD:
        return None
    return period


def _is_new_scan(k, strength, history, last_start, cache=None):
    """Whether a change of ``strength`` at frame ``k`` starts a new scan (see above).

    ``history`` holds (frame, strength) of recent changes that were not the
    continuation of a torn frame, this one included. ``cache``, a dict kept by
    the caller, remembers the period of the last set of strong changes (most
    changes are weak and leave it as it was).
    """
    bound = _two_populations([s for _, s in history])
    if bound is None:
        return True
    strong = [(f, s) for f, s in history if s > bound]
    period = None
    if len(strong) >= _MIN_STRONG:
        recent = strong[-_PERIOD_SCANS:]
        key = tuple(recent)
        if cache is not None and cache.get("key") == key:
            period = cache["period"]
        else:
            period = _coherent_period([f for f, _ in recent], [s for _, s in recent])
            if cache is not None:
                cache.update(key=key, period=period)
    if cache is not None:
        cache["periodic"] = period is not None
    if period is None:  # not (yet) periodic: strength and the shortest recurring interval
        if strength > bound:
            return True
        if len(strong) < _MIN_STRONG or last_start is None:
            return False
        return k - last_start >= _base_period(np.diff([f for f, _ in strong])) - _DUE_SLACK
    if last_start is None or k - last_start >= math.floor(period + _DUE_FRACTION):
        return True
    if k - last_start == 1 and strength > bound:
        return True  # the rest of a scan delivered over two frames (a tear the bands missed)
    # off the comb: only a change as strong as the scans on it (the scan restarted, the
    # stage moved)
    phase = np.array([(f - last_start) / period for f, _ in recent])
    on = np.abs(phase - np.round(phase)) * period < _ON_COMB_FRAMES
    level = float(np.median([s for (_, s), o in zip(recent, on) if o])) if on.any() else 0.0
    return strength > _OFF_COMB_FRACTION * level


@dataclasses.dataclass(slots=True)
class _Change:
    """What changed between two frames, in band units."""
    kind: str          # "none", "full", "top", "bottom", "middle", "scattered"
    start: int         # first changed band
    stop: int          # one past the last changed band


def _noise_sigma(image, top, bottom, left, right, col_step):
    """Robust per-pixel noise standard deviation from vertical 2nd differences."""
    step = max(1, (bottom - top) // 48)
    rows = np.arange(top + 1, bottom - 1, step)
    if rows.size == 0:
        return 0.0
    cols = slice(left, right, col_step)
    mid = image[rows, cols].astype(np.int32)
    lap = np.abs(image[rows - 1, cols].astype(np.int32) - 2 * mid + image[rows + 1, cols])
    if image.dtype == np.uint8:  # integers 0..1020: the median from a histogram
        counts = np.cumsum(np.bincount(lap.ravel()))
        half = 0.5 * counts[-1]
        lo = int(np.searchsorted(counts, half, side="left"))
        # numpy's median of an even count averages the two middle values
        hi = int(np.searchsorted(counts, half + 1, side="left")) if counts[-1] % 2 == 0 else lo
        if counts[-1] % 2 == 1:
            lo = hi = int(np.searchsorted(counts, (counts[-1] + 1) // 2, side="left"))
        return 0.5 * (lo + hi) / _MEDIAN_LAPLACE_PER_SIGMA
    return float(np.median(lap)) / _MEDIAN_LAPLACE_PER_SIGMA


def _sample(image, top, bottom, left, right, row_step, col_step):
    """The compared pixels: every ``row_step``-th row, ``col_step``-th column.

    8-bit frames stay uint8 (OpenCV takes differences and band means of those
    at a fraction of numpy's cost on int16: the whole step is ~1/4 of a 1080p
    decode); deeper ones become int32.
    """
    view = image[top:bottom:row_step, left:right:col_step]
    if image.dtype == np.uint8:
        return np.ascontiguousarray(view)
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
        ``content_time_s`` set.

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

    Once at least 8 strong changes are seen and they lie on a comb (an SEM
    scans at a fixed rate: the phase coherence of the strong changes, weighted
    by strength squared, reaches 0.6 at a period P of 3 frames or more, with at
    most 2 strong changes a period), the period comes from the comb instead
    (keyframe re-draws are strong too, and the shortest recurring interval then
    fell on them): a change is a new scan when due on the comb (at least
    ``floor(P + 0.15)`` frames after the last scan start), when it is the
    strong second frame of a scan delivered over two frames, or, off the comb,
    when it is as strong as the median scan on the comb (the scan restarted).

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
    last_start = None                             # frame number of the last scan start
    period_cache = {}
    k = -1
    region = None
    prev_sub = prev_sigma = None
    prev = None
    last_change = None       # _Change of the last non-duplicate frame
    scan_time = None         # content time of the scan being drawn
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
            yield out
            continue
        rows_per_band = max(1, band_rows // row_step)
        usable = (sub.shape[0] // rows_per_band) * rows_per_band
        if usable == 0:
            rows_per_band, usable = sub.shape[0], sub.shape[0]
        diff, band_mad = _band_stats(sub, prev_sub, usable, rows_per_band)
        noise = _MAD_PER_SIGMA * 0.5 * (sigma + prev_sigma)
        lows.append(float(np.percentile(band_mad, 20)))
        if threshold is not None:
            tau = float(threshold)
        else:
            comp = float(np.percentile(lows, 25))
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
        duplicate = partial = False
        tear = None
        continues = completes_bottom_first = False
        if change.kind != "none":
            continues = (last_change is not None and last_change.kind in ("top", "middle")
                         and change.kind in ("middle", "bottom", "full")
                         and abs(change.start - last_change.stop) <= tol)
            completes_bottom_first = (last_change is not None and last_change.kind == "bottom"
                                      and change.kind in ("top", "full")
                                      and prev.partial_refresh
                                      and abs(change.stop - last_change.start) <= tol)
            if threshold is None and not (continues or completes_bottom_first):
                # the rest of a torn scan is part of it; anything else is a scan or the
                # encoder's re-drawing, told apart by strength and the scan period
                strength = float(np.median(band_mad[changed & informative]))
                history.append((k, strength))
                if not _is_new_scan(k, strength, history, last_start, period_cache):
                    change = _Change("none", 0, 0)
        if change.kind == "none":
            duplicate = True
            partial, tear = prev.partial_refresh, prev.tear_row
            content = prev.content_time_s
        else:
            row_mad = None
            if change.kind in ("top", "middle", "bottom"):
                row_mad = diff.reshape(-1, rows_per_band, sub.shape[1]).mean(axis=2).ravel()
            tear_args = (row_mad, rows_per_band, tau, top, row_step)
            if continues:
                content = scan_time
                if change.kind == "middle":
                    partial, tear = True, _tear_row(change.stop, True, *tear_args)
            elif completes_bottom_first:
                content = scan_time
            else:
                # a scan delivered over two frames (the second the rest or a refinement
                # of the first) keeps the first as the start: the comb's phase
                if last_start != k - 1:
                    last_start = k
                if change.kind == "top":
                    partial, tear = True, _tear_row(change.stop, True, *tear_args)
                elif change.kind == "bottom":
                    partial, tear = True, _tear_row(change.start, False, *tear_args)
                # full, middle or scattered change without a scan in progress: own time
                content = scan_time = frame.time_s
            last_change = change
        out = dataclasses.replace(frame, is_duplicate=duplicate, partial_refresh=partial,
                                  tear_row=tear, content_time_s=content)
        prev, prev_sub, prev_sigma = out, sub, sigma
        yield out
