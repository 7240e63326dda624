"""Lithium segmentation against a background model of the ceramic.

Lithium is darker than LLZO and has a bright rim (edge brightening of the
secondary-electron signal). Texture and grain boundaries of the ceramic are
static, so they are removed by working on the difference between the
registered, flicker-normalised frame and a background model made from the
first scans: everything that changed beyond the noise is new lithium (dark
core and bright rim alike), as long as it is connected to the electrode.

Arrays are (rows, cols); points are (x, y) = (column, row) in pixels.
"""
import logging
import math

import cv2
import numpy as np

from calibration import InputError

from .._shared._stats import _median, _percentile, robust_sigma

logger = logging.getLogger(__name__)

__all__ = ["robust_sigma", "difference_image", "segment_lithium", "SegmentState", "disc_mask",
           "noise_by_level", "link_thin_branches"]

#: Default hysteresis of the change image in noise units (the tracker passes its own from
#: TrackOptions): a 5-sigma seed is rare in pure noise, the 2.5-sigma level follows the
#: fainter parts of the same lithium.
HIGH_SIGMA = 5.0
LOW_SIGMA = 2.5
#: Gaussian smoothing (px) of the change image before thresholding (pixel shot noise).
SMOOTH_PX = 1.0
#: Changed regions smaller than this (px) are noise.
MIN_AREA_PX = 6
#: Registration error (px) assumed at strong background edges: there the change image
#: is compared with gradient * this instead of the noise alone.
REGISTRATION_TOLERANCE_PX = 0.25
#: Noise per grey level (:func:`noise_by_level`): equal-width level bins and the fewest
#: pixels (of the subsample) a bin needs for its MAD.
NOISE_LEVEL_BINS = 16
NOISE_MIN_SAMPLES = 64
#: Residual registration scatter: measured on the background's strongest edges (this
#: percentile of the gradient, and at least EDGE_MIN_SIGMA noise levels per px); capped at
#: MAX_RESIDUAL_SHIFT_PX (beyond, it is lithium growing along the edges, not jitter).
EDGE_PERCENTILE = 99.0
EDGE_MIN_SIGMA = 2.0
MAX_RESIDUAL_SHIFT_PX = 1.5
#: Every this-many-th pixel (per axis) enters the robust noise (1 in 9 is plenty for a MAD).
STATS_SUBSAMPLE = 3
#: cv2.circle draws with this many fractional bits (sub-pixel centre and radius).
CIRCLE_SHIFT_BITS = 4
#: Lithium counts as connected to the electrode when it reaches a disc this much larger
#: than the electrode (px): the rim's own edge blur and bright rim lie in between ...
ATTACH_RING_PX = 2.0
#: ... and the ring's box is looked at with this much room (px) around the electrode.
ATTACH_BOX_PX = 3.0
#: Area detection of faint clusters (issue 11, low-SNR DLA fronts): a cluster of N pixels
#: whose mean change is m noise levels per pixel has m * sqrt(N) in its mean, so lithium
#: invisible pixel by pixel is seen averaged over an area. The per-pixel change (in noise
#: units) of the pixels the pixel scale does not already detect (its hysteresis regions
#: count 0: what is found is not found again, so a strong rod's blur neither lengthens its
#: tip nor fills the corner between two objects; tuning seed 5002) is smoothed with this Gaussian (px;
#: ~4 pi s**2 ~ 110 px averaged: the size of a DLA cluster's body, branches a few px
#: apart), compared with the noise of that smoothed image measured on the whole frame,
#: and the detected area is eroded by the same scale (the blur's fringe is not lithium).
COARSE_PX = 3.0
#: ... where less than this fraction of the Gaussian's weight is unseen, nothing is averaged
#: (too few pixels: a corner between detected objects).
MIN_UNSEEN_FRACTION = 0.25
#: Rows and columns at the frame's sides that registration filled from outside the scan (a
#: drift or drift jump moved the scene: ``shift_image`` replicates the last scanned row or
#: column, so the frame ``background - diff`` holds exact copies there, up to the scan-line
#: correction's constant per row) carry no scene, and against the background they change by
#: the whole texture difference of a dozen rows: averaged, a band along the side joins the
#: front (tuning seed 5007: a 13.5 px jump down, a band along the bottom edge, front
#: 4.8 -> 75 px). A row (column) is such a copy of its inner neighbour when at least this
#: fraction of its pixels equals it (less the median difference) within
#: :data:`COPY_TOLERANCE_SIGMA`; a scanned row has independent noise in every pixel (equal
#: by chance in a few %), a copy in all but the clipped pixels the tracker zeroes.
COPY_FRACTION = 0.5
#: ... within this fraction of the noise (float rounding of ``background - diff`` is
#: ~1e-7 of the grey scale, the noise 1e-2: any value far between the two does).
COPY_TOLERANCE_SIGMA = 1e-3
#: The area detection counts only a change toward the electrode's own grey level (new
#: lithium is lithium: darker than the ceramic where the electrode is darker). Averaged over
#: an area a cluster of lithium moves the mean that way; the artefacts the average finds
#: move it either way or the other: the scan-line correction measured on a row crossed by
#: newly grown lithium over-corrects the whole row away from lithium (tuning seed 5007, the
#: scans after its jump: rows 1-3 noise levels the other way across the frame, a band that
#: joined the front). The levels are medians of the background in the electrode disc
#: (inside this fraction of its radius) and in a ring outside it (from the rim + 3 px to
#: 1.5 radii); with no contrast between them both signs count.
LI_DISC_FRACTION = 0.8
LI_RING_OUTER = 1.5


class SegmentState:
    """What :func:`segment_lithium` derives from one background alone, kept for its scans.

    The level bins of the noise and offset tables (percentiles and a sort of ~230 000
    subsampled levels at full HD), the percentile of the background's gradient and its
    strong edges, the neighbourhood of those edges where the offset map is interpolated,
    and the electrode's grey level against its ring depend on the background model (and its
    gradient), not on the scan. Make one state per background model and pass it with every
    scan against that background::

        state = SegmentState()
        for diff in changes:
            li, strength, noise = segment_lithium(diff, ..., background=bg,
                                                  background_gradient=grad, state=state)

    The first call fills it; later calls with the same ``background`` and
    ``background_gradient`` objects reuse it (the same values as without a state, to the
    bit). Given other arrays it starts anew; an array changed in place is not noticed:
    make a new state for a new or changed background. Without a state every call computes
    everything. One state holds a few subsample-sized arrays (~5 MB at full HD), no
    full-frame array. It belongs to one sequence of calls (one video's tracker), not to
    threads working on it at once.
    """

    def __init__(self):
        self._arrays = None       # (background, background_gradient) the state was made for
        self._reset()

    def _reset(self):
        self.edge_stats = None   # (float32 gradient subsample, its columns, its percentile)
        self.edges = None        # (cut, strong edges at that cut)
        self.edge_points = None  # (rows, cols) of the edges at the percentile alone
        self.level_bins = None   # (noise bins, offset bins), or False: binned per image
        self.reach = None        # (rows, cols, reach, shape, flat indices)
        self.li_sign = None      # ((shape, x, y, radius), sign)

    def _bind(self, background, background_gradient):
        """Start anew unless the state was made for these very arrays."""
        a = self._arrays
        if a is None or a[0] is not background or a[1] is not background_gradient:
            self._reset()
            self._arrays = (background, background_gradient)


def _strong_edges(grad, noise_sigma, state=None):
    """The background's strongest edges among every :data:`STATS_SUBSAMPLE`-th pixel, or None.

    Parameters
    ----------
    grad : (M, N) float32 ndarray
        Gradient magnitude of the background, grey levels per px.
    noise_sigma : float
        Noise of the change image, grey levels.
    state : SegmentState, optional
        Keeps the gradient's percentile and the last cut's edges (the gradient is the
        background's: the same for every scan).

    Returns
    -------
    rows, cols : (K,) int ndarray
        Pixels (full-frame row, column) at or above the :data:`EDGE_PERCENTILE` percentile of
        the subsample's gradient and at least :data:`EDGE_MIN_SIGMA` noise levels per px,
        row by row; None when fewer than :data:`NOISE_MIN_SAMPLES`.
    g : (K,) float32 ndarray
        The gradient there.
    """
    stats = _edge_stats(grad, state)
    if stats is None:
        return None
    cut = max(stats[2], EDGE_MIN_SIGMA * noise_sigma)
    if state is not None and state.edges is not None and state.edges[0] == cut:
        return state.edges[1]
    edges = _edges_at(stats, cut)
    if state is not None:
        # one cut at a time (the noise changes little from scan to scan)
        state.edges = (cut, edges)
    return edges


def _edge_stats(grad, state=None):
    """(float32 gradient subsample, flat; its columns; its percentile), or None when too small."""
    if state is not None and state.edge_stats is not None:
        return state.edge_stats
    gs = grad[::STATS_SUBSAMPLE, ::STATS_SUBSAMPLE]
    if gs.size < NOISE_MIN_SAMPLES:
        return None
    g = np.array(gs, np.float32, copy=True).ravel()
    # the exact order statistics of np.percentile, interpolated in float64 (it may round
    # the float32 threshold by an ulp; float32 gradients on either side are the same)
    stats = (g, gs.shape[1], float(_percentile(g, [EDGE_PERCENTILE])[0]))
    if state is not None:
        state.edge_stats = stats
    return stats


def _edges_at(stats, cut):
    """:func:`_strong_edges` at the gradient ``cut`` (of :func:`_edge_stats`' ``stats``)."""
    g, cols, _ = stats
    idx = np.flatnonzero(g >= cut)
    if idx.size < NOISE_MIN_SAMPLES:
        return None
    r, c = np.divmod(idx, cols)
    return r * STATS_SUBSAMPLE, c * STATS_SUBSAMPLE, g[idx]


def _edge_points(grad, state=None):
    """(rows, cols) of the background's edges at the :data:`EDGE_PERCENTILE` percentile alone, or None.

    A superset of :func:`_strong_edges`' pixels whatever the noise (their cut is at least
    the percentile), the same for every scan of a background (kept in ``state``). The offset
    map is interpolated around these: its smoothed value at a strong edge depends only on
    that edge's own neighbourhood, interpolated either way, so the values used are those
    made around the scan's edges alone, and the neighbourhood is not made anew when the
    noise moves the cut.
    """
    if state is not None and state.edge_points is not None:
        return state.edge_points
    stats = _edge_stats(grad, state)
    edges = None if stats is None else _edges_at(stats, stats[2])
    points = None if edges is None else edges[:2]
    if state is not None:
        state.edge_points = points
    return points


def _residual_shift_px(d_edges, g_edges, noise_sigma):
    """Scatter (px) of the residual misregistration, from the change at strong static edges.

    At an edge of gradient g a residual shift u changes the image by g * u, so
    there ``var(d) = g**2 var(u) + noise**2``: the position scatter is measured
    from the same image (scan-line jitter, drift within a scan) on the
    background's strongest edges (:func:`_strong_edges`), the needle's, electrode's
    and grains'. ``d_edges`` and ``g_edges`` are the change and the gradient there.
    """
    s = robust_sigma(d_edges)
    excess = s * s - noise_sigma * noise_sigma
    if excess <= 0:
        return 0.0
    return float(min(math.sqrt(excess) / float(np.median(g_edges)), MAX_RESIDUAL_SHIFT_PX))


#: Rows of a block in per-pixel float64 arithmetic (memory only: at full HD a whole-frame
#: float64 temporary is 16 MB; the values are the same by blocks).
BLOCK_PIXELS = 1 << 18


def _row_blocks(shape):
    """(start, stop) rows of blocks of about :data:`BLOCK_PIXELS` pixels covering ``shape``."""
    step = max(1, BLOCK_PIXELS // max(1, shape[1]))
    return [(r0, min(r0 + step, shape[0])) for r0 in range(0, shape[0], step)]


def _poisson_gaussian_above(level, levels, sigmas):
    """Noise beyond the brightest measured level, from the Poisson-Gaussian model, or None.

    The per-level noise (:func:`noise_by_level`) is measured between the 0.1st and
    99.9th percentile of the grey levels; a bright needle or bright lithium lies
    beyond, where ``np.interp`` would hold the last bin's noise. SEM noise variance
    grows linearly with the signal (var = a + b * level): fitted to the measured
    bins and extrapolated there (never below the last bin's noise).
    """
    fit = _poisson_gaussian_fit(levels, sigmas)
    if fit is None:
        return None
    return np.where(level > fit[2], _model_sigma(level, fit), np.float32(0.0))


def _poisson_gaussian_fit(levels, sigmas):
    """(a, b, top) of :func:`_poisson_gaussian_above`'s model, or None."""
    if levels.size < 2:
        return None
    var = np.asarray(sigmas, float) ** 2
    b, a = np.polyfit(np.asarray(levels, float), var, 1)
    if not b > 0:
        return None
    return a, b, float(levels[-1])


def _raise_above(s, level, fit):
    """``np.maximum(s, _poisson_gaussian_above(level, ...))`` in place, only where it counts.

    The model's noise counts only beyond the top level (elsewhere it is 0 and ``s`` is
    positive or NaN): computed on those pixels alone, the same values.
    """
    above = level > fit[2]
    if above.any():
        s[above] = np.maximum(s[above], _model_sigma(level[above], fit))


def _model_sigma(level, fit):
    """The model's noise sqrt(a + b * level) (float32) at ``level``, held at the top level below it."""
    a, b, top = fit
    return np.sqrt(np.maximum(a + b * np.maximum(level, top), 0.0)).astype(np.float32)


def offset_by_level(diff, level, *, n_bins=NOISE_LEVEL_BINS, min_samples=NOISE_MIN_SAMPLES):
    """Median change as a function of grey level: (levels, offsets).

    The flicker normalisation maps a scan's grey levels linearly onto the
    background's; a detector's clipping or gamma leaves a level-dependent residual
    (a bright needle a few noise levels darker or brighter than in the background,
    everywhere). Most pixels of every grey level are unchanged, so the median change
    of each level bin is that residual. Bins as :func:`noise_by_level`, over the full
    range of levels (the needle is among the brightest pixels).

    Returns
    -------
    levels, offsets : (K,) ndarray
        Bin centres (increasing) and the median change there; empty when too few pixels.
    """
    return _offset_table(*_valid_pairs(diff, level), n_bins, min_samples)


def _valid_pairs(diff, level):
    """Flat float32 (change, level) of the pixels that count: finite, change not exactly 0."""
    d = np.asarray(diff, np.float32).ravel()
    lv = np.asarray(level, np.float32).ravel()
    ok = np.isfinite(d) & np.isfinite(lv) & (d != 0)   # exact 0: pixels left out (clipped)
    if ok.all():
        return d, lv
    return d[ok], lv[ok]


def _level_bins(lv, lo, hi, n_bins, min_samples):
    """Level bins of ``lv``: (order, spans, levels), or None without a bin.

    ``lv`` grouped by equal-width level bin between ``lo`` and ``hi``: ``order`` sorts the
    pixels by bin, each bin keeping its pixels in their order (a stable sort: a bin's mean
    is that of its pixels picked by a mask, to the bit); ``spans`` are the (start, stop) of
    the bins with at least ``min_samples`` pixels in that order and ``levels`` their mean
    level. The bin of a level is ``int((lv - lo) / (hi - lo) * n_bins)`` clipped to the
    bins, in the dtype that expression has for the given ``lo``, ``hi``.
    """
    x = (lv - lo) / (hi - lo) * n_bins
    # clipping before the cast (truncation) gives the same bins; small integer keys sort
    # by radix (several times faster than the argsort of int64 keys)
    k = np.clip(x, 0, n_bins - 1, out=x).astype(np.uint8 if n_bins <= 256 else np.uint16)
    order = np.argsort(k, kind="stable")
    starts = np.concatenate([[0], np.cumsum(np.bincount(k, minlength=n_bins))])
    lv = lv[order]
    spans, levels = [], []
    for b in range(n_bins):
        s, e = starts[b], starts[b + 1]
        if e - s < min_samples:
            continue
        spans.append((s, e))
        levels.append(float(np.mean(lv[s:e])))
    return order, spans, np.asarray(levels)


def _bin_table(d, bins, stat):
    """(levels, ``stat`` of ``d`` per bin) of :func:`_level_bins`' ``bins``; empty for None."""
    if bins is None:
        return np.zeros(0), np.zeros(0)
    order, spans, levels = bins
    d = d[order]
    return levels.copy(), np.asarray([float(stat(d[s:e])) for s, e in spans])


def _offset_bins(lv, n_bins, min_samples):
    """The level bins of :func:`offset_by_level` (:func:`_level_bins`), or None."""
    if lv.size < min_samples:
        return None
    lo, hi = float(lv.min()), float(lv.max())
    if not hi > lo:
        return None
    return _level_bins(lv, lo, hi, n_bins, min_samples)


def _noise_bins(lv, n_bins, min_samples):
    """The level bins of :func:`noise_by_level` (:func:`_level_bins`), or None."""
    if lv.size < min_samples:
        return None
    lo, hi = _percentile(lv, (0.1, 99.9))
    if not hi > lo:
        return None
    return _level_bins(lv, lo, hi, n_bins, min_samples)


def _offset_table(d, lv, n_bins, min_samples):
    """:func:`offset_by_level` of valid pairs (:func:`_valid_pairs`)."""
    return _bin_table(d, _offset_bins(lv, n_bins, min_samples), _median)


def _noise_table(d, lv, n_bins, min_samples):
    """:func:`noise_by_level` of valid pairs (:func:`_valid_pairs`)."""
    return _bin_table(d, _noise_bins(lv, n_bins, min_samples), robust_sigma)


def _level_tables(ds, bgs, state=None):
    """:func:`noise_by_level` and :func:`offset_by_level` of the subsampled ``ds`` on ``bgs``.

    (levels, sigmas, offset levels, offsets), the values of the two functions to the bit.
    When every pair counts (:func:`_valid_pairs`: the usual case) the level bins are the
    background's alone (made once per ``state``: :class:`SegmentState`); otherwise they
    depend on the pixels left out and are made for this image.
    """
    d = np.asarray(ds, np.float32).ravel()
    if np.isfinite(d).all() and np.count_nonzero(d) == d.size:
        bins = None if state is None else state.level_bins
        if bins is None:
            flat = np.asarray(bgs, np.float32).ravel()
            bins = False
            if np.isfinite(flat).all():
                bins = (_noise_bins(flat, NOISE_LEVEL_BINS, NOISE_MIN_SAMPLES),
                        _offset_bins(flat, NOISE_LEVEL_BINS, NOISE_MIN_SAMPLES))
            if state is not None:
                state.level_bins = bins
        if bins:
            nb, ob = bins
            return (*_bin_table(d, nb, robust_sigma), *_bin_table(d, ob, _median))
    pairs = _valid_pairs(ds, bgs)
    return (*_noise_table(*pairs, NOISE_LEVEL_BINS, NOISE_MIN_SAMPLES),
            *_offset_table(*pairs, NOISE_LEVEL_BINS, NOISE_MIN_SAMPLES))


def difference_image(image, background):
    """Signed change ``background - image``: positive where the frame got darker.

    Parameters
    ----------
    image, background : (M, N) ndarray
        Registered and flicker-normalised frame and the background model.

    Returns
    -------
    (M, N) float32 ndarray
    """
    image = np.asarray(image, dtype=np.float32)
    background = np.asarray(background, dtype=np.float32)
    if image.shape != background.shape:
        raise InputError(f"image {image.shape} and background {background.shape} differ in shape; "
                         "build the background from frames of the same video")
    return cv2.subtract(background, image)


def disc_mask(shape, x_px, y_px, radius_px):
    """Boolean disc of ``radius_px`` around (x_px, y_px) on an image of ``shape``."""
    yy, xx = np.ogrid[: shape[0], : shape[1]]
    return (xx - x_px) ** 2 + (yy - y_px) ** 2 <= radius_px * radius_px


def noise_by_level(diff, level, *, n_bins=NOISE_LEVEL_BINS, min_samples=NOISE_MIN_SAMPLES):
    """Noise of the change image as a function of grey level: (levels, sigmas).

    SEM noise is Poisson-Gaussian: its variance grows with the signal, so a
    bright needle or bright lithium is noisier than the ceramic. The spread
    (MAD) of ``diff`` is measured in bins of ``level`` (the background's grey
    level) from the same image; most pixels of every level are unchanged, so
    the median absolute deviation is the noise there.

    Parameters
    ----------
    diff, level : ndarray
        The (smoothed) change image and the background level, same shape
        (a subsample is enough).
    n_bins : int
        Equal-width level bins between the 0.1st and 99.9th percentile.
    min_samples : int
        Bins with fewer pixels are left out (their level is interpolated).

    Returns
    -------
    levels, sigmas : (K,) ndarray
        Bin centres (increasing) and the noise there; empty when too few pixels.
    """
    return _noise_table(*_valid_pairs(diff, level), n_bins, min_samples)


def _strength(d, bg, levels, sigmas, noise_sigma, grad, tolerance_px, signed=False):
    """``|d|`` in units of each pixel's noise (float32), the same values block by block.

    ``signed``: ``d`` (not its magnitude) in units of the noise.

    The noise of the brighter of the background level and the frame level (``levels``,
    ``sigmas`` of :func:`noise_by_level`; the Poisson-Gaussian model beyond the last
    level), at least ``noise_sigma``, and the change a residual registration error of
    ``tolerance_px`` makes on the background's gradient ``grad`` (in quadrature).
    """
    if bg is not None and levels.size:
        # the frame's own level counts too: new bright lithium is noisier than the ceramic
        # (per pixel, so by blocks of rows: at full HD the float64 temporaries of the
        # whole frame were ~60 MB; the same values)
        sigma = np.empty(d.shape, np.float32)
        fit = _poisson_gaussian_fit(levels, sigmas)
        for r0, r1 in _row_blocks(d.shape):
            b = bg[r0:r1]
            level = np.maximum(b, b - d[r0:r1])
            s = np.interp(level, levels, np.maximum(sigmas, 1e-6)).astype(np.float32)
            if fit is not None:
                _raise_above(s, level, fit)
            sigma[r0:r1] = np.maximum(s, np.float32(noise_sigma))
    else:
        sigma = np.full(d.shape, noise_sigma, np.float32)
    if grad is not None:
        sigma = cv2.magnitude(grad * np.float32(tolerance_px), sigma)
    out = np.array(d, np.float32, copy=True) if signed else np.abs(d)
    out /= sigma  # in place: one array fewer
    return out


class _OffsetMap:
    """The grey-level offset of each pixel's background level, smoothed, where it is asked for.

    ``np.interp`` of the background level on the offset table (:func:`offset_by_level`;
    float64, ~35 ms for a full-HD frame) is computed only on the asked pixels and within
    the blur's reach of them; the blur runs on the whole frame (zeros elsewhere), so each
    asked pixel gets the value the whole frame's map has there, to the bit. Only the
    smoothed map is kept (one float32 frame, as the corrected change image was before).

    Parameters
    ----------
    background : (M, N) float32 ndarray
        The background model, grey levels.
    levels, offsets : (K,) ndarray
        The offset table.
    smooth_px : float
        Gaussian blur of the change image (0: none), px.
    state : SegmentState, optional
        Keeps the neighbourhood of the background's strong edges.
    """

    def __init__(self, background, levels, offsets, smooth_px, state=None):
        self._bg = background
        self._state = state
        self._levels, self._offsets = levels, offsets
        self._smooth_px = float(smooth_px)
        # OpenCV's float kernel reaches round(4 sigma) px (its size is 2 round(4 sigma) + 1)
        self._reach = int(math.ceil(4.0 * self._smooth_px)) + 1 if self._smooth_px > 0 else 0
        self._asked = []   # (box, points) asked so far
        #: (M, N) float32: the smoothed offset, valid on the pixels asked for so far.
        self.smooth = None

    def compute(self, box, points=None):
        """Make :attr:`smooth` valid in ``box`` (x0, y0, x1, y1) and at ``points`` (rows, cols)."""
        h, w = self._bg.shape
        whole = (0, 0, w, h)
        if any(b == whole for b, _ in self._asked) or (points is None and any(
                b[0] <= box[0] and b[1] <= box[1] and box[2] <= b[2] and box[3] <= b[3]
                for b, _ in self._asked)):
            return
        self._asked.append((box, points))
        # the map is made anew from ``raw`` below: the old one (a frame) not held beside it
        self.smooth = None
        raw = np.zeros((h, w), np.float32)
        if box == whole:
            for r0, r1 in _row_blocks((h, w)):  # np.interp works in float64: by blocks
                raw[r0:r1] = np.interp(self._bg[r0:r1], self._levels, self._offsets)
        else:
            # everything asked so far (the smoothed map is made anew from ``raw``): the
            # points' neighbourhoods (the same for every scan of a background) and the boxes
            # grown by the blur's reach (a pixel interpolated twice gets the same value)
            e = self._reach
            flat_bg = self._bg.reshape(-1)   # a copy if not contiguous: the same values
            for _, pts in self._asked:
                if pts is not None and len(pts[0]):
                    idx = _points_reach(pts, e, (h, w), self._state)
                    raw.reshape(-1)[idx] = np.interp(flat_bg[idx], self._levels, self._offsets)
            for (x0, y0, x1, y1), _ in self._asked:
                win = (slice(max(y0 - e, 0), min(y1 + e, h)), slice(max(x0 - e, 0), min(x1 + e, w)))
                raw[win] = np.interp(self._bg[win], self._levels, self._offsets)
        self.smooth = cv2.GaussianBlur(raw, (0, 0), self._smooth_px) if self._smooth_px > 0 else raw


def _points_reach(points, reach, shape, state=None):
    """Flat indices of the pixels within ``reach`` (a square) of ``points`` (rows, cols), row by row.

    With a ``state`` (:class:`SegmentState`) the last result is kept for the same point
    arrays (the background's strong edges, the same objects for every scan).
    """
    rows, cols = points
    c = None if state is None else state.reach
    if c is not None and c[0] is rows and c[1] is cols and c[2] == reach and c[3] == shape:
        return c[4]
    key = (rows, cols)
    rows, cols = np.asarray(rows), np.asarray(cols)
    need = np.zeros(shape, np.uint8)
    need[rows, cols] = 1
    if reach:
        need = cv2.dilate(need, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8))
    out = np.flatnonzero(need)
    if state is not None:
        state.reach = (*key, reach, shape, out)
    return out


def _coarse_noise(d, noise_sigma, coarse_px):
    """Noise (in units of ``noise_sigma``) of the change averaged over :data:`COARSE_PX`, or None.

    Measured on the whole frame, so the same whatever box is labelled: the robust spread of
    the means of ``d`` over square blocks with the Gaussian's effective area (a Gaussian of
    scale s averages white noise like a box of side sqrt(4 pi) s). The pixel noise is
    correlated (the earlier smoothing, compression, scan lines) and the frame may hold
    large-scale residuals of the normalisation: both widen these means, so this measures the
    noise the area detection really meets.
    """
    b = max(2, int(round(math.sqrt(4.0 * math.pi) * coarse_px)))
    h, w = d.shape
    if (h // b) * (w // b) < NOISE_MIN_SAMPLES:
        return None
    means = cv2.resize(d[: h // b * b, : w // b * b], (w // b, h // b), interpolation=cv2.INTER_AREA)
    sc = robust_sigma(means) / noise_sigma
    return sc if sc > 0 else None


def _copied(d, bg, tol):
    """How many of the last rows of the frame ``bg - d`` copy the row before each.

    A copy up to a constant (the median difference; see :data:`COPY_FRACTION`): the
    scan-line correction moves each row of the change image by its own offset. Row by row
    from the last (no frame-sized temporary); at most half the rows.
    """
    n, h = 0, d.shape[0]
    while n < h // 2:
        i = h - 1 - n
        r = (bg[i] - d[i]) - (bg[i - 1] - d[i - 1])
        r -= np.float32(np.median(r))
        if np.count_nonzero(np.abs(r) <= tol) < COPY_FRACTION * r.size:
            break
        n += 1
    return n


def _filled_sides(d, bg, noise_sigma):
    """Rows/columns filled from outside the scan at each side: (top, bottom, left, right).

    ``d`` is the change image as given (before smoothing), ``bg`` its background (see
    :data:`COPY_FRACTION`).
    """
    tol = COPY_TOLERANCE_SIGMA * noise_sigma
    return (_copied(d[::-1], bg[::-1], tol), _copied(d, bg, tol),
            _copied(d.T[::-1], bg.T[::-1], tol), _copied(d.T, bg.T, tol))


def _zero_outside(a, sides, origin, shape):
    """Set ``a`` (a box of a frame of ``shape`` starting at ``origin`` (x, y)) to 0 in ``sides``."""
    top, bottom, left, right = sides
    x0, y0 = origin
    h, w = shape
    a[:max(top - y0, 0)] = 0
    a[max(h - bottom - y0, 0):] = 0
    a[:, :max(left - x0, 0)] = 0
    a[:, max(w - right - x0, 0):] = 0


def _seen(strength, low_sigma, high_sigma):
    """Pixels the pixel scale detects: regions above ``low_sigma`` holding one above ``high_sigma``."""
    n, labels = cv2.connectedComponents((strength > low_sigma).view(np.uint8), connectivity=8)
    keep = np.zeros(n, bool)
    keep[np.unique(labels[strength > high_sigma])] = True
    keep[0] = False
    return keep[labels]


def _grown(box, halo, w, h):
    """``box`` (x0, y0, x1, y1) grown by ``halo`` px within the frame, its start on even px.

    (The area detection's 2 x 2 grid is then the frame's.)
    """
    x0, y0, x1, y1 = box
    g0, h0 = max(x0 - halo, 0), max(y0 - halo, 0)
    return g0 - g0 % 2, h0 - h0 % 2, min(x1 + halo, w), min(y1 + halo, h)


def _half(img):
    """2 x 2 means of ``img`` (float32; an odd last row/column repeated)."""
    h, w = img.shape
    if h % 2 or w % 2:
        img = cv2.copyMakeBorder(img, 0, h % 2, 0, w % 2, cv2.BORDER_REPLICATE)
    return cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), interpolation=cv2.INTER_AREA)


def _li_sign(bg, ex, ey, r, state=None):
    """+1 if the electrode (its lithium) is darker than the ceramic around it, -1 if brighter, 0 if neither.

    Sampled every :data:`STATS_SUBSAMPLE` px (see :data:`LI_DISC_FRACTION`); kept in
    ``state`` (:class:`SegmentState`) for the same electrode.
    """
    h, w = bg.shape
    k = STATS_SUBSAMPLE
    ro = LI_RING_OUTER * r
    y0, y1 = max(int(ey - ro), 0), min(int(ey + ro) + 1, h)
    x0, x1 = max(int(ex - ro), 0), min(int(ex + ro) + 1, w)
    key = (bg.shape, ex, ey, r)
    c = None if state is None else state.li_sign
    if c is not None and c[0] == key:
        return c[1]
    sub = bg[y0:y1:k, x0:x1:k]
    yy, xx = np.ogrid[y0:y1:k, x0:x1:k]
    dist = np.hypot(xx - ex, yy - ey)
    inner, ring = sub[dist <= LI_DISC_FRACTION * r], sub[(dist >= r + 3) & (dist <= ro)]
    if inner.size < NOISE_MIN_SAMPLES or ring.size < NOISE_MIN_SAMPLES:
        sign = 0
    else:
        sign = int(np.sign(np.median(ring) - np.median(inner)))
    if state is not None:
        state.li_sign = (key, sign)
    return sign


def _coarse_detection(z, seen, sc, low_sigma, high_sigma, coarse_px, sign=0):
    """Faint clusters seen over an area (:data:`COARSE_PX`): (low, high) masks of ``z``'s shape.

    ``z`` is the signed change in units of each pixel's noise (its first row and column on
    even frame coordinates); ``seen`` the pixels the pixel scale already detects. The
    change, clipped to +-``low_sigma``, is averaged with a Gaussian of ``coarse_px`` and
    divided by its noise ``sc`` (:func:`_coarse_noise`); it counts only where the unseen
    pixels alone (normalised convolution: their weighted mean over its noise, ``sc`` over
    the square root of their fraction of the weight) changed the same way by at least
    their noise: the blur of what is already found does not fill a corner between two
    objects or lengthen a rod. ``low`` (with ``seen``, eroded by ``coarse_px``: the blur's
    fringe is not lithium) and ``high`` are the hysteresis levels of that ratio. Computed
    on 2 x 2 means (the scale is several px; a quarter of the pixels to filter).
    """
    h, w = z.shape
    s2 = 0.5 * float(coarse_px)
    unseen = (~seen).astype(np.float32)
    f = cv2.GaussianBlur(_half(unseen), (0, 0), s2)
    # z * unseen in the weights' own array (the same float32 products): one z-sized
    # temporary fewer at segmentation's peak (7.6 MB when the box is a full-HD frame)
    zu = np.multiply(z, unseen, out=unseen) if z.dtype == np.float32 else z * unseen
    del unseen
    cu = cv2.GaussianBlur(_half(zu), (0, 0), s2)
    del zu
    c = cv2.GaussianBlur(_half(np.clip(z, -low_sigma, low_sigma)), (0, 0), s2)
    enough = f >= MIN_UNSEEN_FRACTION
    cu /= np.sqrt(np.maximum(f, np.float32(MIN_UNSEEN_FRACTION)))
    # the unseen pixels themselves changed, the same way, by at least their own noise
    ok = enough & (np.abs(cu) > sc) & (np.sign(cu) == np.sign(c))
    if sign:
        ok &= np.sign(c) == sign   # toward the lithium's level (LI_DISC_FRACTION)
    a = np.where(ok, np.abs(c), np.float32(0.0))
    both = np.stack([a > low_sigma * sc, a > high_sigma * sc], axis=-1).view(np.uint8)
    up = cv2.resize(both, (2 * both.shape[1], 2 * both.shape[0]),
                    interpolation=cv2.INTER_NEAREST)[:h, :w]
    # the detected pixels are part of the area eroded (no moat around them)
    low = (up[..., 0] | seen.view(np.uint8))
    k = 2 * int(round(coarse_px)) + 1
    low = cv2.erode(low, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))).view(bool)
    high = up[..., 1].view(bool) & low
    return low, high


def segment_lithium(diff, *, electrode_xy_px, electrode_radius_px, noise_sigma=None,
                    high_sigma=HIGH_SIGMA, low_sigma=LOW_SIGMA, smooth_px=SMOOTH_PX,
                    min_area_px=MIN_AREA_PX,
                    connected_to_electrode=True, background_gradient=None,
                    registration_tolerance_px=REGISTRATION_TOLERANCE_PX, search_box=None,
                    background=None, coarse_px=COARSE_PX, state=None):
    """New lithium: pixels that changed beyond the noise, connected to the electrode.

    Parameters
    ----------
    diff : (M, N) ndarray
        :func:`difference_image` of a registered, normalised frame.
    electrode_xy_px : (float, float)
        Electrode centre (x, y), pixels.
    electrode_radius_px : float
        Electrode radius, pixels. The disc is always part of the mask.
    noise_sigma : float, optional
        Noise level of ``diff`` after smoothing; measured (MAD) if None.
    high_sigma, low_sigma : float
        Hysteresis thresholds on ``|diff|`` (smoothed) in units of the noise:
        a region counts if it contains a pixel above ``high_sigma`` and
        consists of pixels above ``low_sigma``.
    smooth_px : float
        Gaussian smoothing of ``diff`` before thresholding (0: none).
    min_area_px : int
        Smaller changed regions are noise.
    connected_to_electrode : bool
        Keep only regions that touch the electrode disc (growth starts at
        the electrode); False keeps every significant change.
    background_gradient : (M, N) ndarray, optional
        Gradient magnitude of the background model (grey levels per px).
        The change expected from a residual registration error of
        ``registration_tolerance_px`` on static edges (needle, electrode,
        grain boundaries) is added to the noise there, so those edges are
        not taken for new lithium.
    registration_tolerance_px : float
        Residual registration error allowed for, px.
    background : (M, N) ndarray, optional
        The background model ``diff`` was taken against. Given, the noise is
        measured per grey level (:func:`noise_by_level`) and each pixel's
        change is compared with the noise of the brighter of its background
        and its frame level (shot noise grows with the signal), and the
        residual registration error is measured on the background's strong
        edges (at least ``registration_tolerance_px``).
    search_box : (x0, y0, x1, y1), optional
        Pixel box (end exclusive) where lithium is expected, e.g. around the
        lithium of the previous scan: the changed regions are labelled in this
        box only (faster on large frames). The result is the same as without
        it: when a region touching the electrode reaches a side of the box,
        the whole image is labelled. Used only with ``connected_to_electrode``.
    coarse_px : float
        Scale (px) of the area detection of faint clusters (:data:`COARSE_PX`);
        0 turns it off (pixel scale only).
    state : SegmentState, optional
        What is derived from ``background`` and ``background_gradient`` alone, kept for
        the scans of one background (one state per background model; the same results as
        without it). None: everything is computed in this call.

    Returns
    -------
    li_mask : (M, N) bool ndarray
        Electrode disc plus the new lithium.
    strength : (M, N) float32 ndarray
        ``|diff|`` after smoothing, in units of the (local) noise level, where the
        changed regions were labelled (``search_box`` grown to the electrode's ring,
        or the whole image); 0 elsewhere.
    noise_sigma : float
        The noise level used.
    """
    d = np.asarray(diff, dtype=np.float32)
    if d.ndim != 2:
        raise InputError(f"diff must be a 2-D array (rows, cols), got shape {d.shape}")
    if state is not None:
        if not isinstance(state, SegmentState):
            raise InputError(f"state must be a SegmentState (one per background), got {type(state).__name__}")
        state._bind(background, background_gradient)
    if smooth_px > 0:
        d = cv2.GaussianBlur(d, (0, 0), smooth_px)
    if noise_sigma is None:
        noise_sigma = robust_sigma(d[::STATS_SUBSAMPLE, ::STATS_SUBSAMPLE])
    noise_sigma = max(float(noise_sigma), 1e-6)
    grad = None if background_gradient is None else np.asarray(background_gradient, np.float32)
    ex, ey = (float(v) for v in electrode_xy_px)
    h, w = d.shape
    disc = np.zeros((h, w), np.uint8)
    f = 1 << CIRCLE_SHIFT_BITS
    cv2.circle(disc, (int(round(ex * f)), int(round(ey * f))),
               int(round(max(electrode_radius_px, 1.0) * f)), 1, -1, cv2.LINE_8, CIRCLE_SHIFT_BITS)
    ring = np.zeros((h, w), np.uint8)
    cv2.circle(ring, (int(round(ex * f)), int(round(ey * f))),
               int(round((max(electrode_radius_px, 1.0) + ATTACH_RING_PX) * f)), 1, -1, cv2.LINE_8,
               CIRCLE_SHIFT_BITS)
    # the ring's bounding box: the regions touching it are looked for there
    r = max(electrode_radius_px, 1.0) + ATTACH_BOX_PX
    ry0, ry1 = max(int(ey - r), 0), min(int(ey + r) + 2, h)
    rx0, rx1 = max(int(ex - r), 0), min(int(ex + r) + 2, w)
    if connected_to_electrode and search_box is not None:
        try:
            bx0, by0, bx1, by1 = (int(round(float(v))) for v in search_box)
        except (TypeError, ValueError):
            raise InputError(f"search_box must be (x0, y0, x1, y1) in px, got {search_box!r}") from None
        box = (max(min(bx0, rx0), 0), max(min(by0, ry0), 0), min(max(bx1, rx1), w),
               min(max(by1, ry1), h))
    else:
        box = (0, 0, w, h)
    filled = (0, 0, 0, 0)
    if coarse_px > 0 and background is not None and np.shape(background) == (h, w):
        filled = _filled_sides(np.asarray(diff, np.float32), np.asarray(background, np.float32),
                              noise_sigma)
    top, bottom, left, right = filled
    li_sign = (_li_sign(np.asarray(background, np.float32), ex, ey, max(electrode_radius_px, 1.0), state)
               if coarse_px > 0 and background is not None and np.shape(background) == (h, w) else 0)
    # the noise of the area's means on the scanned part only (a filled band is no noise)
    sc = (_coarse_noise(d[top:h - bottom, left:w - right], noise_sigma, coarse_px)
          if coarse_px > 0 and h - bottom - top > 0 and w - right - left > 0 else None)
    # the area detection looks this far (px) around the box: its blur (OpenCV's kernel
    # reaches round(4 s)) and its erosion, so the box gives the whole frame's values
    halo = 0 if sc is None else int(round(4 * coarse_px)) + int(round(coarse_px)) + 2
    offset = None
    if background is not None:
        bg = np.asarray(background, dtype=np.float32)
        sub = (slice(None, None, STATS_SUBSAMPLE), slice(None, None, STATS_SUBSAMPLE))
        levels, sigmas, off_levels, offsets = _level_tables(d[sub], bg[sub], state)
        edges = None if grad is None else _strong_edges(grad, noise_sigma, state)
        if off_levels.size:
            # residual of the grey-level map (clipping, gamma): static bright or dark
            # objects (the needle) change level with the flicker, lithium does not care
            # (the offset of each pixel's background level, smoothed as ``d`` was: the
            # same as removing it before the smoothing, also at the needle's blurred edge),
            # only where it is used: the strong edges and the labelled box
            offset = _OffsetMap(bg, off_levels, offsets, smooth_px, state)
            offset.compute(_grown(box, halo, w, h),
                           None if edges is None else _edge_points(grad, state))
        if edges is not None:
            rows, cols, g_edges = edges
            d_edges = d[rows, cols]
            if offset is not None:
                d_edges = d_edges - offset.smooth[rows, cols]
            registration_tolerance_px = max(registration_tolerance_px, _residual_shift_px(
                d_edges, g_edges, noise_sigma))
    else:
        bg, levels, sigmas = None, np.empty(0), np.empty(0)
    # per pixel, so only where it is labelled (the box, the whole frame when needed): at
    # full HD the frame's noise per level and the strength cost ~40 ms a scan otherwise
    strength = np.zeros(d.shape, np.float32)

    def strength_in(box):
        x0, y0, x1, y1 = box
        db = d[y0:y1, x0:x1]
        if offset is not None:
            offset.compute(box)
            db = db - offset.smooth[y0:y1, x0:x1]
        z = _strength(
            db, None if bg is None else bg[y0:y1, x0:x1], levels, sigmas,
            noise_sigma, None if grad is None else grad[y0:y1, x0:x1],
            registration_tolerance_px, signed=True)
        strength[y0:y1, x0:x1] = np.abs(z)
        return z

    li = np.zeros((h, w), bool)
    while True:
        x0, y0, x1, y1 = box
        g0, h0, g1, h1 = _grown(box, halo, w, h)
        z = strength_in((g0, h0, g1, h1))
        inner = (slice(y0 - h0, y1 - h0), slice(x0 - g0, x1 - g0))
        sub_strength = strength[y0:y1, x0:x1]
        low = sub_strength > low_sigma
        high = sub_strength > high_sigma
        if sc is not None:
            if any(filled):
                # what registration filled from outside the scan is not averaged (nor found)
                _zero_outside(z, filled, (g0, h0), (h, w))
            c_low, c_high = _coarse_detection(z, _seen(np.abs(z), low_sigma, high_sigma),
                                              sc, low_sigma, high_sigma, coarse_px, li_sign)
            if any(filled):
                _zero_outside(c_low, filled, (g0, h0), (h, w))
                _zero_outside(c_high, filled, (g0, h0), (h, w))
            # within the area scale of a pixel above the high level the average is that
            # object's (its blurred edge, a corner beside it): the pixel scale alone decides
            # there (tuning seed 5002: 1-35 px at a rod's side and root, its rate worse)
            c_low = c_low[inner]
            strong = high.view(np.uint8)
            if strong.any():
                k = 2 * int(round(coarse_px)) + 1
                near = cv2.dilate(strong, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
                c_low &= low | ~near.view(bool)
            low |= c_low
            high |= c_high[inner] & c_low
        del z
        # labels only (the areas by bincount): several times faster than with stats
        n, labels = cv2.connectedComponents(low.view(np.uint8), connectivity=8)
        if n <= 1:
            break
        keep = np.zeros(n, bool)
        keep[np.unique(labels[high])] = True
        if connected_to_electrode:
            touching = np.zeros(n, bool)
            rl = labels[ry0 - y0:ry1 - y0, rx0 - x0:rx1 - x0]
            touching[np.unique(rl[ring[ry0:ry1, rx0:rx1].astype(bool)])] = True
            touching[0] = False
            if box != (0, 0, w, h):
                # a region touching the electrode that reaches an inner side of the box
                # may go on outside it: label the whole image instead
                sides = [labels[0] if y0 > 0 else None, labels[-1] if y1 < h else None,
                         labels[:, 0] if x0 > 0 else None, labels[:, -1] if x1 < w else None]
                if any(s is not None and touching[s].any() for s in sides):
                    box = (0, 0, w, h)
                    continue
            keep &= touching
        if keep.any():
            keep[np.bincount(labels.ravel(), minlength=n) < min_area_px] = False
        keep[0] = False
        li[y0:y1, x0:x1] = keep[labels]
        break
    # fill holes (the dark core between bright rims may be within the noise)
    # (in the labelled box and a 1 px ring of zeros: nothing is found outside the box, and
    # a region's outer contour and its filled inside do not depend on where it lies)
    x0, y0, x1, y1 = box
    win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(max(x0 - 1, 0), min(x1 + 1, w)))
    li_u8 = np.ascontiguousarray(li[win], np.uint8)
    contours, _ = cv2.findContours(li_u8, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if contours:
        cv2.drawContours(li_u8, contours, -1, 1, thickness=-1)
        li[win] = li_u8.view(bool)
    li |= disc.view(bool)
    return li, strength, noise_sigma


#: Thin branches (:func:`link_thin_branches`): the line (ridge) filter works at these
#: Gaussian scales (px), the size of 1-3 px wide branches; the larger response counts.
RIDGE_SCALES_PX = (1.0, 1.5)
#: A pixel is on a line where the ridge response exceeds its median away from the known branches by this
#: many robust standard deviations (the low level of the hysteresis; the known branches
#: are its seeds): 2.5 follows the faint links between a DLA front's clusters (tuning
#: seeds 5008, 5051: links 1-2 px wide in heavy noise) ...
RIDGE_LOW_SIGMA = 2.5
#: ... in line fragments of at least this many pixels (a lone noise response is a pixel or
#: two; a 1 px line in noise breaks into fragments of a few px and more, which the gaps
#: below join) ...
RIDGE_MIN_FRAGMENT_PX = 8
#: ... that reach the known branches, or a fragment that does, across gaps of up to this
#: many px (a branch whose contrast dips below the low level for a few px is not cut).
RIDGE_LINK_GAP_PX = 3
#: The ridge filter runs in the box of the known branches grown by this many px (and by
#: a quarter of the box's size); when the linked lines reach a side of the box, it runs
#: on the whole frame once.
RIDGE_BOX_MARGIN_PX = 48
#: Fewer than this many robust samples in the box: no statistics, nothing linked.
RIDGE_MIN_SAMPLES = 256


#: Rows filtered at once by :func:`_ridge_response` (a whole-region call at 1080p held ~10
#: float32 frames of temporaries, +85 MB); a halo of 4 sigma + 2 rows makes it bit-identical.
RIDGE_BLOCK_ROWS = 128


def _ridge_response(img, scales):
    """Largest scale-normalised ridge strength of bright lines in ``img`` (float32), by row blocks."""
    rows = img.shape[0]
    halo = int(math.ceil(4 * max(scales))) + 2   # Gaussian half kernel (4 sigma) + Sobel
    if rows <= RIDGE_BLOCK_ROWS + 2 * halo:
        return _ridge_block(img, scales)
    out = np.empty(img.shape, np.float32)
    for a in range(0, rows, RIDGE_BLOCK_ROWS):
        b = min(a + RIDGE_BLOCK_ROWS, rows)
        a0, b0 = max(a - halo, 0), min(b + halo, rows)
        out[a:b] = _ridge_block(img[a0:b0], scales)[a - a0:b - a0]
    return out


def _ridge_block(img, scales):
    out = None
    for s in scales:
        g = cv2.GaussianBlur(img, (0, 0), float(s))
        hxx = cv2.Sobel(g, cv2.CV_32F, 2, 0, ksize=3)
        hyy = cv2.Sobel(g, cv2.CV_32F, 0, 2, ksize=3)
        hxy = cv2.Sobel(g, cv2.CV_32F, 1, 1, ksize=3)
        # the most negative Hessian eigenvalue: curvature across a bright line
        lam = 0.5 * (hxx + hyy - cv2.magnitude(hxx - hyy, 2.0 * hxy))
        r = np.maximum(-lam, 0.0) * np.float32(s * s)
        out = r if out is None else np.maximum(out, r)
    return out


def link_thin_branches(diff, seeds, *, low_sigma=RIDGE_LOW_SIGMA,
                       min_fragment_px=RIDGE_MIN_FRAGMENT_PX, gap_px=RIDGE_LINK_GAP_PX,
                       scales_px=RIDGE_SCALES_PX, box_margin_px=RIDGE_BOX_MARGIN_PX):
    """Thin lines of the change image linked to known thin branches (ridge filter, hysteresis).

    The branches of a fractal (DLA) front are 1-2 px wide; the segmentation and
    the crack filter find them where their contrast is high, and lose the
    clusters beyond a faint link. A Hessian ridge filter (largest curvature
    across a line, at :data:`RIDGE_SCALES_PX`) of ``diff`` with the polarity of
    the lithium at ``seeds`` marks line pixels above :data:`RIDGE_LOW_SIGMA`
    robust standard deviations of its own response; fragments of at least
    ``min_fragment_px`` pixels that reach the seeds, directly or through other
    such fragments, across gaps up to ``gap_px``, are kept (hysteresis with the
    known branches as the high level). Only the box around the seeds is filtered
    (:data:`RIDGE_BOX_MARGIN_PX`), the whole frame when the lines reach its side.

    Parameters
    ----------
    diff : (M, N) ndarray
        The change image (background minus frame; new lithium differs from zero).
    seeds : (M, N) array of bool
        Known thin branches (e.g. the crack filter's branching line network).
    low_sigma, min_fragment_px, gap_px, scales_px, box_margin_px
        See the module constants.

    Returns
    -------
    (M, N) ndarray of bool
        The linked line pixels (the seeds not included); all False without seeds.
    """
    d = np.asarray(diff, np.float32)
    seeds = np.asarray(seeds, bool)
    if d.shape != seeds.shape or d.ndim != 2:
        raise ValueError(f"diff {d.shape} and seeds {seeds.shape} must be 2-D of one shape.")
    out = np.zeros(d.shape, bool)
    if not seeds.any():
        return out
    # lithium darker than the ceramic changes diff upward: lines are bright in diff
    sign = np.float32(1.0 if float(np.median(d[seeds])) >= 0 else -1.0)
    rows, cols = d.shape
    ys, xs = np.nonzero(seeds)
    m = box_margin_px + max(int(xs.max() - xs.min()), int(ys.max() - ys.min())) // 4
    box = (max(int(xs.min()) - m, 0), max(int(ys.min()) - m, 0),
           min(int(xs.max()) + m + 1, cols), min(int(ys.max()) + m + 1, rows))
    pad = int(math.ceil(3 * max(scales_px))) + 2
    k = 2 * int(gap_px) + 1
    while True:
        x0, y0, x1, y1 = box
        # filter with real pixels around the box (no border response at its sides)
        px0, py0, px1, py1 = max(x0 - pad, 0), max(y0 - pad, 0), min(x1 + pad, cols), min(y1 + pad, rows)
        r = _ridge_response(sign * d[py0:py1, px0:px1], scales_px)[y0 - py0:y1 - py0, x0 - px0:x1 - px0]
        sd = seeds[y0:y1, x0:x1]
        # the statistics of the ridge response away from the known branches (a box full
        # of branches would raise the level)
        sub = (slice(None, None, STATS_SUBSAMPLE), slice(None, None, STATS_SUBSAMPLE))
        sample = r[sub][~sd[sub]]
        if sample.size < RIDGE_MIN_SAMPLES:
            return out
        sig = robust_sigma(sample)
        if not sig > 0:
            return out
        low = (r > float(np.median(sample)) + low_sigma * sig).astype(np.uint8)
        n0, lab0, st0, _ = cv2.connectedComponentsWithStats(low, connectivity=8)
        big = st0[:, cv2.CC_STAT_AREA] >= min_fragment_px
        big[0] = False
        low = big[lab0]
        joined = cv2.dilate(low.astype(np.uint8), np.ones((k, k), np.uint8)) | sd.astype(np.uint8)
        n, lab = cv2.connectedComponents(joined, connectivity=8)
        keep = np.zeros(n, bool)
        keep[np.unique(lab[sd])] = True
        keep[0] = False
        linked = keep[lab] & low & ~sd
        whole = box == (0, 0, cols, rows)
        if not whole and linked.any():
            sides = [linked[0] if y0 > 0 else None, linked[-1] if y1 < rows else None,
                     linked[:, 0] if x0 > 0 else None, linked[:, -1] if x1 < cols else None]
            if any(sd_ is not None and sd_.any() for sd_ in sides):
                box = (0, 0, cols, rows)
                continue
        out[y0:y1, x0:x1] = linked
        return out
