"""Wave 19's per-background statistics of `_segment.py` on exact arrays (mutation, issue 16).

Each must give the values its definition gives, to the bit, with or without a
`SegmentState` (wave 20: the per-background state the caller hands in; wave 19 kept module
caches) and be made anew for other input: `_strong_edges`, `_level_tables` (against
`noise_by_level`/`offset_by_level`), `_raise_above` (against `_poisson_gaussian_above`),
`_points_reach` (against a dilation) and `_li_sign`.
"""
import cv2
import numpy as np
import pytest

from vision.measure import _segment as seg
from vision.measure._segment import (
    EDGE_MIN_SIGMA,
    EDGE_PERCENTILE,
    NOISE_MIN_SAMPLES,
    STATS_SUBSAMPLE,
    SegmentState,
    _level_tables,
    _li_sign,
    _points_reach,
    _poisson_gaussian_above,
    _poisson_gaussian_fit,
    _raise_above,
    _strong_edges,
    noise_by_level,
    offset_by_level,
)


def _grad(seed=19, shape=(90, 120)):
    return np.random.default_rng(seed).gamma(2.0, 1.0, shape).astype(np.float32)


def _edges_by_definition(grad, noise_sigma):
    gs = grad[::STATS_SUBSAMPLE, ::STATS_SUBSAMPLE]
    g = gs.ravel()
    thr = float(np.percentile(g.astype(np.float64), EDGE_PERCENTILE))
    idx = np.flatnonzero(g >= max(thr, EDGE_MIN_SIGMA * noise_sigma))
    if idx.size < NOISE_MIN_SAMPLES:
        return None
    r, c = np.divmod(idx, gs.shape[1])
    return r * STATS_SUBSAMPLE, c * STATS_SUBSAMPLE, g[idx]


def _same_edges(a, b):
    if a is None or b is None:
        return a is b
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def test_strong_edges_kept_per_state_and_threshold():
    # 10 000 subsampled values: the top 1 % (100) are enough edges; a noise whose cut
    # lies above the 99th percentile leaves fewer
    grad = _grad(shape=(300, 300))
    state = SegmentState()
    for ns in (0.5, 1.0, 0.5, 3.5, 3.5, 6.0):
        assert _same_edges(_strong_edges(grad, ns), _edges_by_definition(grad, ns)), ns
        assert _same_edges(_strong_edges(grad, ns, state), _edges_by_definition(grad, ns)), ns
    assert _edges_by_definition(grad, 1.0) is not None
    assert len(_edges_by_definition(grad, 3.5)[0]) < len(_edges_by_definition(grad, 1.0)[0])
    assert _edges_by_definition(grad, 6.0) is None
    # the same state and cut: the same result object; without a state: made anew
    e1 = _strong_edges(grad, 1.0, state)
    assert _strong_edges(grad, 1.0, state) is e1
    assert _strong_edges(grad, 1.0) is not _strong_edges(grad, 1.0)
    # the state keeps a copy of the gradient's subsample (a change in place after it was
    # made does not reach it; a changed background needs a new state)
    g2 = grad.copy()
    s2 = SegmentState()
    _strong_edges(g2, 1.0, s2)
    g2[0, 0] += 50.0
    assert _same_edges(_strong_edges(g2, 0.5, s2), _edges_by_definition(grad, 0.5))
    # another gradient, no state: its own edges (a change on the subsample counts, one
    # off it does not)
    assert _same_edges(_strong_edges(g2, 1.0), _edges_by_definition(g2, 1.0))
    g3 = g2.copy()
    g3[1, 1] += 50.0
    assert _same_edges(_strong_edges(g3, 1.0), _edges_by_definition(g3, 1.0))
    # a float64 gradient as well
    g64 = g3.astype(np.float64)
    assert _same_edges(_strong_edges(g64, 1.0, SegmentState()), _edges_by_definition(g64, 1.0))
    # too small: None
    assert _strong_edges(grad[:20, :20], 0.1) is None
    assert _strong_edges(grad[:20, :20], 0.1, SegmentState()) is None


def _tables_by_definition(ds, bgs):
    return (*noise_by_level(ds, bgs), *offset_by_level(ds, bgs))


def _same_tables(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def _scene(seed=19, shape=(60, 80)):
    rng = np.random.default_rng(seed)
    bg = rng.uniform(20.0, 220.0, shape).astype(np.float32)
    d = rng.normal(0.0, 1.0, shape).astype(np.float32) * (1 + bg / 100)
    return d, bg


def test_level_tables_are_the_noise_and_offset_tables_to_the_bit():
    d, bg = _scene()
    state = SegmentState()
    assert _same_tables(_level_tables(d, bg), _tables_by_definition(d, bg))
    assert _same_tables(_level_tables(d, bg, state), _tables_by_definition(d, bg))
    # the same background, another change image: from the state's bins
    d2 = (d * 2.0 + 1.0).astype(np.float32)
    assert _same_tables(_level_tables(d2, bg, state), _tables_by_definition(d2, bg))
    # another background without a state: binned anew
    bg2 = (bg * 0.5).astype(np.float32)
    assert _same_tables(_level_tables(d2, bg2), _tables_by_definition(d2, bg2))
    assert _same_tables(_level_tables(d2, bg2, SegmentState()), _tables_by_definition(d2, bg2))


def test_level_tables_with_pairs_left_out_are_made_for_the_image():
    d, bg = _scene()
    state = SegmentState()
    _level_tables(d, bg, state)  # the background's bins
    for bad in (np.nan, 0.0, np.inf):
        dd = d.copy()
        dd[:20] = bad
        assert _same_tables(_level_tables(dd, bg, state), _tables_by_definition(dd, bg)), bad
    # a background with an unmeasured level: no bins of its own, pairs left out
    bgn = bg.copy()
    bgn[5, :] = np.nan
    sn = SegmentState()
    for _ in range(2):
        assert _same_tables(_level_tables(d, bgn, sn), _tables_by_definition(d, bgn))
    assert sn.level_bins is False
    assert _same_tables(_level_tables(d, bg, state), _tables_by_definition(d, bg))


def test_level_tables_of_too_few_pixels_or_one_level_are_empty():
    d, bg = _scene(shape=(6, 8))
    out = _level_tables(d, bg, SegmentState())
    assert _same_tables(out, _tables_by_definition(d, bg))
    assert all(x.size == 0 for x in out)
    d, _ = _scene()
    flat = np.full(d.shape, 100.0, np.float32)
    out = _level_tables(d, flat, SegmentState())
    assert _same_tables(out, _tables_by_definition(d, flat))
    assert all(x.size == 0 for x in out)


def test_raise_above_is_the_maximum_with_the_poisson_gaussian_model():
    levels = np.array([10.0, 50.0, 100.0])
    sigmas = np.array([1.0, 2.0, 3.0])
    level = np.array([[5.0, 100.0, 101.0], [150.0, np.nan, 400.0]], np.float32)
    s = np.array([[2.0, 2.0, 2.0], [50.0, 1.0, 1.0]], np.float32)
    want = np.maximum(s, _poisson_gaussian_above(level, levels, sigmas))
    got = s.copy()
    _raise_above(got, level, _poisson_gaussian_fit(levels, sigmas))
    assert np.array_equal(got, want)
    assert got[0, 0] == 2.0 and got[0, 1] == 2.0 and got[0, 2] > 2.9 and got[1, 0] == 50.0
    # nothing above the top level: unchanged
    got = s.copy()
    _raise_above(got, np.full(s.shape, 99.0, np.float32), _poisson_gaussian_fit(levels, sigmas))
    assert np.array_equal(got, s)


def test_poisson_gaussian_fit():
    a, b, top = _poisson_gaussian_fit(np.array([10.0, 50.0]), np.array([1.0, 3.0]))
    assert np.isclose(b, 8.0 / 40.0) and np.isclose(a, 1.0 - 10.0 * b) and top == 50.0
    assert _poisson_gaussian_fit(np.array([10.0]), np.array([1.0])) is None
    assert _poisson_gaussian_fit(np.array([10.0, 50.0]), np.array([3.0, 1.0])) is None
    assert _poisson_gaussian_fit(np.array([10.0, 50.0]), np.array([2.0, 2.0])) is None


def _reach_by_definition(points, reach, shape):
    need = np.zeros(shape, np.uint8)
    need[points] = 1
    if reach:
        need = cv2.dilate(need, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8))
    return np.flatnonzero(need)


def test_points_reach_is_the_square_neighbourhood_kept_per_points_and_reach():
    pts = (np.array([0, 5, 19]), np.array([0, 7, 29]))
    state = SegmentState()
    for reach, shape in ((2, (20, 30)), (2, (20, 30)), (0, (20, 30)), (3, (20, 30)),
                         (3, (25, 30)), (3, (20, 31))):
        for st in (None, state):
            assert np.array_equal(_points_reach(pts, reach, shape, st),
                                  _reach_by_definition(pts, reach, shape)), (reach, shape)
    a = _points_reach(pts, 3, (20, 30), state)
    assert _points_reach(pts, 3, (20, 30), state) is a
    assert _points_reach(pts, 3, (20, 30)) is not _points_reach(pts, 3, (20, 30))
    # other point arrays: anew (rows, then cols)
    for p in ((np.array([0, 6, 19]), pts[1]), (pts[0], np.array([0, 7, 28]))):
        assert np.array_equal(_points_reach(p, 3, (20, 30), state),
                              _reach_by_definition(p, 3, (20, 30)))
    assert np.array_equal(_points_reach((list(pts[0]), list(pts[1])), 1, (20, 30), state),
                          _reach_by_definition(pts, 1, (20, 30)))


def _bg_disc(dark=True, shape=(200, 200), ex=100.0, ey=100.0, r=30.0):
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    inside = np.hypot(xx - ex, yy - ey) <= r
    return np.where(inside, 50.0 if dark else 200.0, 120.0).astype(np.float32)


def test_li_sign_kept_per_state_and_electrode():
    dark, bright = _bg_disc(True), _bg_disc(False)
    sd, sb = SegmentState(), SegmentState()
    assert _li_sign(dark, 100.0, 100.0, 30.0) == 1
    assert _li_sign(dark, 100.0, 100.0, 30.0, sd) == 1
    assert _li_sign(dark, 100.0, 100.0, 30.0, sd) == 1
    # another background (its own state, or none): its own sign
    assert _li_sign(bright, 100.0, 100.0, 30.0) == -1
    assert _li_sign(bright, 100.0, 100.0, 30.0, sb) == -1
    # another electrode on the same background (here: off the disc, flat) or another
    # shape of the same values around it: anew
    assert _li_sign(bright, 30.0, 170.0, 10.0, sb) == 0
    assert _li_sign(bright, 100.0, 100.0, 30.0, sb) == -1
    assert _li_sign(bright, 100.0, 100.0, 30.0, sb) == -1
    assert _li_sign(bright[:, :190], 100.0, 100.0, 30.0, sb) == -1
    flat = np.full((200, 200), 120.0, np.float32)
    assert _li_sign(flat, 100.0, 100.0, 30.0) == 0
    # too few samples: 0, kept as well
    assert _li_sign(dark, 100.0, 100.0, 2.0, sd) == 0
    assert _li_sign(dark, 100.0, 100.0, 2.0, sd) == 0
    assert sd.li_sign == (((200, 200), 100.0, 100.0, 2.0), 0)


# ---- wave 18's open survivors: `_half` and `_coarse_detection` ----------------------


def _half_by_definition(img):
    """2 x 2 means with the odd last row/column repeated (numpy, float64 then float32)."""
    h, w = img.shape
    p = np.pad(np.asarray(img, np.float64), ((0, h % 2), (0, w % 2)), mode="edge")
    return p.reshape(p.shape[0] // 2, 2, p.shape[1] // 2, 2).mean(axis=(1, 3))


@pytest.mark.parametrize("shape", [(4, 6), (3, 4), (4, 3), (5, 7), (1, 2)])
def test_half_is_the_two_by_two_mean_with_the_odd_edge_repeated(shape):
    img = np.arange(np.prod(shape), dtype=np.float32).reshape(shape) ** 1.5
    got = seg._half(img)
    assert got.shape == ((shape[0] + 1) // 2, (shape[1] + 1) // 2)
    assert np.allclose(got, _half_by_definition(img), rtol=1e-6, atol=0)


# the hysteresis levels and the noise of the averaged change in the coarse tests
LOW, HIGH, SC = 1.5, 3.0, 0.6
COARSE_PX_T = 3.0
#: mask pixels that may differ on the transposed scene (rounding at a threshold)
TRANSPOSE_PX = 6


def _coarse(z, seen, sign=0, coarse_px=COARSE_PX_T):
    return seg._coarse_detection(np.asarray(z, np.float32), seen, SC, LOW, HIGH, coarse_px,
                                 sign=sign)


def _grid(n=64):
    return np.mgrid[0:n, 0:n]


def test_coarse_detection_is_the_same_for_the_transposed_scene():
    # an isotropic blur: transposing the scene transposes the masks (a found object's
    # pixels on a checkerboard, so half of each 2 x 2 block is unseen, and a faint
    # rectangle beside it whose extent the blur of each input sets)
    yy, xx = _grid()
    seen = ((yy + xx) % 2 == 0) & (yy >= 8) & (yy < 40) & (xx >= 8) & (xx < 30)
    z = np.where(seen, 2.0, 0.0)
    z[(yy >= 14) & (yy < 34) & (xx >= 20) & (xx < 56) & ~seen] = 1.0
    low, high = _coarse(z, seen)
    low_t, high_t = _coarse(z.T.copy(), seen.T.copy())
    assert low.sum() > 100
    # to the blur's rounding: the separable blur runs along rows first, so a pixel at a
    # threshold may fall either side (4 of 151 here); an anisotropic blur moves the
    # mask's edges by pixels
    assert np.count_nonzero(low_t.T != low) <= TRANSPOSE_PX
    assert np.count_nonzero(high_t.T != high) <= TRANSPOSE_PX


def test_a_found_object_alone_grows_no_area_around_it():
    # the blur of what is already found is not a change of the pixels around it
    yy, xx = _grid()
    seen = np.hypot(yy - 32, xx - 32) <= 8
    for s, sign in ((10.0, 0), (10.0, 1), (-10.0, 0), (-10.0, -1)):
        low, high = _coarse(np.where(seen, s, 0.0), seen, sign=sign)
        assert not (low & ~seen).any() and not (high & ~seen).any(), (s, sign)


def test_unseen_pixels_between_found_ones_count_with_their_own_noise():
    # half of each 2 x 2 block found (a checkerboard, the found pixels' change 2, clipped
    # to LOW): the unseen half changed by z0; their mean over its noise is
    # z0 * sqrt(f) / SC with f = 1/2 (normalised convolution)
    yy, xx = _grid()
    board = (yy + xx) % 2 == 0
    patch = (yy >= 16) & (yy < 48) & (xx >= 16) & (xx < 48)
    seen = board & patch
    for z0, found in ((1.0, True), (0.4, False)):
        # 1.0 * 0.707 > 0.6 = SC; 0.4 * 0.707 < SC (the clipped mean 0.95 > LOW * SC)
        z = np.where(seen, 2.0, np.where(patch, z0, 0.0))
        low, _ = _coarse(z, seen)
        assert bool(low[32, 32]) is found, z0
        assert bool(low[28:36, 28:36].all()) is found, z0


def test_the_clipped_change_never_reaches_the_high_level_above_low_sigma():
    # the change is clipped to +-LOW before the blur: a strong unseen change reaches LOW
    # at most, below HIGH * SC here, so nothing is high; the low area is the patch's
    yy, xx = _grid()
    patch = (yy >= 16) & (yy < 48) & (xx >= 16) & (xx < 48)
    none = np.zeros_like(patch)
    for s in (10.0, -10.0):
        low, high = _coarse(np.where(patch, s, 0.0), none)
        assert not high.any() and low[32, 32] and not low[2, 2], s


def test_either_sign_without_a_sign_and_the_sign_asked_for():
    yy, xx = _grid()
    patch = (yy >= 16) & (yy < 48) & (xx >= 16) & (xx < 48)
    none = np.zeros_like(patch)
    dark = np.where(patch, -1.0, 0.0)
    assert seg._coarse_detection(dark.astype(np.float32), none, SC, LOW, HIGH, 3.0)[0][32, 32]
    assert _coarse(dark, none, sign=-1)[0][32, 32]
    assert not _coarse(dark, none, sign=1)[0].any()


@pytest.mark.parametrize("signed", [False, True])
def test_strength_is_the_change_over_the_noise_and_leaves_the_change_alone(signed):
    # no background: the noise is noise_sigma, with the registration term in quadrature
    d = np.array([[-6.0, 3.0], [0.0, 8.0]], np.float32)
    grad = np.array([[0.0, 4.0], [0.0, 0.0]], np.float32)
    keep = d.copy()
    out = seg._strength(d, None, np.zeros(0), np.zeros(0), 2.0, grad, 0.75, signed=signed)
    sigma = np.array([[2.0, np.hypot(2.0, 3.0)], [2.0, 2.0]])
    want = (d if signed else np.abs(d)) / sigma
    assert out.dtype == np.float32
    assert np.allclose(out, want, rtol=1e-6)
    assert np.array_equal(d, keep)   # the caller's change is not divided in place
    # the default is the magnitude
    if not signed:
        assert np.array_equal(seg._strength(d, None, np.zeros(0), np.zeros(0), 2.0, grad, 0.75),
                              out)
    # a float64 change is left alone too (segment_lithium passes float32; a float64
    # change keeps float64 strengths without ``signed``)
    d64 = d.astype(np.float64)
    out64 = seg._strength(d64, None, np.zeros(0), np.zeros(0), 2.0, None, 0.0, signed=signed)
    assert np.allclose(out64, (d64 if signed else np.abs(d64)) / 2.0)
    assert np.array_equal(d64, keep.astype(np.float64))
    if signed:  # the signed strengths are made in float32 whatever the change's dtype
        assert out64.dtype == np.float32


def test_li_sign_reads_the_disc_and_the_ring_only():
    # dark everywhere but the ring from r + 3 to LI_RING_OUTER r: the ring is brighter
    # than the disc, +1; the dark band at the rim and the box's dark corners are not read
    yy, xx = np.mgrid[0:200, 0:200]
    dist = np.hypot(xx - 100.0, yy - 100.0)
    bg = np.where((dist >= 33) & (dist <= 45), 120.0, 50.0).astype(np.float32)
    assert _li_sign(bg, 100.0, 100.0, 30.0) == 1


def test_li_sign_needs_noise_min_samples_in_the_disc():
    # r = 16: about 57 samples (every STATS_SUBSAMPLE-th px) within 0.8 r, fewer than
    # NOISE_MIN_SAMPLES, while the ring holds more: no sign
    dark = _bg_disc(True, ex=100.0, ey=100.0, r=16.0)
    # _li_sign's own grid: from int(100 - 1.5 r) = 76 in steps of STATS_SUBSAMPLE
    yy, xx = np.mgrid[76:125:STATS_SUBSAMPLE, 76:125:STATS_SUBSAMPLE]
    assert np.count_nonzero(np.hypot(xx - 100, yy - 100) <= 0.8 * 16) < NOISE_MIN_SAMPLES
    assert _li_sign(dark, 100.0, 100.0, 16.0) == 0
    assert _li_sign(_bg_disc(True, ex=100.0, ey=100.0, r=24.0), 100.0, 100.0, 24.0) == 1
