"""The fast per-level tables and offset map of ``segment_lithium`` equal slow references (issue 14).

``noise_by_level`` and ``offset_by_level`` group the pixels by level bin with one radix
sort and take exact order statistics; the grey-level offset map is interpolated only in
the labelled box and around the background's strong edges. The references below are the
straightforward versions (a mask per bin, ``np.median``/``np.percentile``, the offset of
the whole frame): tables equal to the bit, strength equal to float32 rounding (the
reference's own call-to-call scatter), masks equal. Non-square scenes whose grey-level map
has a gamma-like residual, so that the offset table is not flat.
"""
import math

import cv2
import numpy as np
import pytest

from vision._shared._stats import robust_sigma
from vision.measure import _segment as seg
from vision.measure._segment import noise_by_level, offset_by_level, segment_lithium

H, W = 180, 260
EX, EY, ER = 80.0, 90.0, 20.0


def _ref_bins(lv, lo, hi, n_bins):
    return np.clip(((lv - lo) / (hi - lo) * n_bins).astype(int), 0, n_bins - 1)


def _ref_pairs(diff, level):
    d = np.asarray(diff, np.float32).ravel()
    lv = np.asarray(level, np.float32).ravel()
    ok = np.isfinite(d) & np.isfinite(lv) & (d != 0)
    return d[ok], lv[ok]


def _ref_noise_by_level(diff, level, n_bins=seg.NOISE_LEVEL_BINS, min_samples=seg.NOISE_MIN_SAMPLES):
    d, lv = _ref_pairs(diff, level)
    if d.size < min_samples:
        return np.zeros(0), np.zeros(0)
    lo, hi = np.percentile(lv, (0.1, 99.9))
    if not hi > lo:
        return np.zeros(0), np.zeros(0)
    k = _ref_bins(lv, lo, hi, n_bins)
    levels, sigmas = [], []
    for b in range(n_bins):
        sel = k == b
        if np.count_nonzero(sel) < min_samples:
            continue
        levels.append(float(np.mean(lv[sel])))
        sigmas.append(robust_sigma(d[sel]))
    return np.asarray(levels), np.asarray(sigmas)


def _ref_offset_by_level(diff, level, n_bins=seg.NOISE_LEVEL_BINS, min_samples=seg.NOISE_MIN_SAMPLES):
    d, lv = _ref_pairs(diff, level)
    if d.size < min_samples:
        return np.zeros(0), np.zeros(0)
    lo, hi = float(lv.min()), float(lv.max())
    if not hi > lo:
        return np.zeros(0), np.zeros(0)
    k = _ref_bins(lv, lo, hi, n_bins)
    levels, offsets = [], []
    for b in range(n_bins):
        sel = k == b
        if np.count_nonzero(sel) < min_samples:
            continue
        levels.append(float(np.mean(lv[sel])))
        offsets.append(float(np.median(d[sel])))
    return np.asarray(levels), np.asarray(offsets)


def _ref_strength(diff, bg, grad, smooth_px=seg.SMOOTH_PX):
    """The whole frame's strength as segment_lithium computed it before (wave 12)."""
    d = cv2.GaussianBlur(np.asarray(diff, np.float32), (0, 0), smooth_px)
    noise_sigma = max(robust_sigma(d[::3, ::3]), 1e-6)
    sub = (slice(None, None, 3), slice(None, None, 3))
    levels, sigmas = _ref_noise_by_level(d[sub], bg[sub])
    ol, of = _ref_offset_by_level(d[sub], bg[sub])
    off = np.interp(bg, ol, of).astype(np.float32)
    d = d - cv2.GaussianBlur(off, (0, 0), smooth_px)
    g, v = grad[sub].ravel(), d[sub].ravel()
    strong = g >= max(np.percentile(g, seg.EDGE_PERCENTILE), seg.EDGE_MIN_SIGMA * noise_sigma)
    tol = seg.REGISTRATION_TOLERANCE_PX
    if strong.sum() >= seg.NOISE_MIN_SAMPLES:
        s = robust_sigma(v[strong])
        excess = s * s - noise_sigma * noise_sigma
        if excess > 0:
            tol = max(tol, min(math.sqrt(excess) / float(np.median(g[strong])),
                               seg.MAX_RESIDUAL_SHIFT_PX))
    return seg._strength(d, bg, levels, sigmas, noise_sigma, grad, tol), noise_sigma


def _scene(seed):
    """Change image, background and its gradient: a needle, an electrode and a rod of lithium."""
    rng = np.random.default_rng(seed)
    bg = np.full((H, W), 90.0, np.float32)
    cv2.rectangle(bg, (170, 0), (195, H), 215.0, -1)             # a bright needle-like bar
    bg = cv2.GaussianBlur(bg, (0, 0), 1.5)
    bg += cv2.GaussianBlur(rng.normal(0, 12, (H, W)).astype(np.float32), (0, 0), 3.0)  # grains
    img = bg.copy()
    cv2.circle(img, (int(EX), int(EY)), int(ER), 40.0, -1)        # the electrode
    ang = rng.uniform(-0.5, 0.5)
    x1, y1 = EX + (ER + 55) * np.cos(ang), EY + (ER + 55) * np.sin(ang)
    cv2.line(img, (int(EX), int(EY)), (int(x1), int(y1)), 40.0, 5)
    img = img + 0.0004 * (img - 100.0) ** 2                        # gamma-like residual of the map
    bg_n = bg + rng.normal(0, 2.0 + bg / 60.0).astype(np.float32)  # noise grows with level
    img_n = (img + rng.normal(0, 2.0 + img / 60.0)).astype(np.float32)
    grad = cv2.magnitude(cv2.Sobel(bg, cv2.CV_32F, 1, 0) / 8, cv2.Sobel(bg, cv2.CV_32F, 0, 1) / 8)
    return bg_n - img_n, bg_n, grad


@pytest.mark.parametrize("seed", range(6))
def test_tables_equal_the_masked_references_to_the_bit(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2000, 60000))
    level = rng.gamma(3.0, 25.0, n).astype(np.float32)
    if seed % 2:
        level = np.round(level)                                  # integer levels: ties at bin edges
    diff = rng.normal(0, 1.0 + level / 50.0).astype(np.float32)
    diff[rng.random(n) < 0.05] += 30.0                           # changed pixels
    diff[rng.random(n) < 0.02] = 0.0                             # left out (clipped)
    diff[:3] = np.nan
    for fast, ref in [(noise_by_level, _ref_noise_by_level), (offset_by_level, _ref_offset_by_level)]:
        got, want = fast(diff, level), ref(diff, level)
        assert got[0].size > 0
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("seed", range(4))
def test_strength_and_mask_equal_the_whole_frame_reference(seed):
    diff, bg, grad = _scene(seed)
    kw = dict(electrode_xy_px=(EX, EY), electrode_radius_px=ER, background=bg,
              background_gradient=grad)
    want, noise = _ref_strength(diff, bg, grad)
    li, s, n = segment_lithium(diff, **kw)
    assert n == noise
    # float32 rounding only (the reference itself scatters by an ulp from call to call)
    np.testing.assert_allclose(s, want, rtol=1e-6, atol=1e-6)
    assert li[:, int(EX + ER + 30):].any()                       # the rod was found
    # in a box that holds the lithium: the same mask, the same strength where computed
    li_b, s_b, n_b = segment_lithium(diff, search_box=(40, 40, 170, 150), **kw)
    assert np.array_equal(li_b, li) and n_b == n
    done = s_b != 0
    assert not done[:, 200:].any()                               # the offset map was not needed there
    np.testing.assert_allclose(s_b[done], want[done], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("smooth_px", [0.0, 1.0, 1.6])
def test_offset_map_where_asked_equals_the_whole_frames(seed, smooth_px):
    rng = np.random.default_rng(seed)
    bg = (rng.gamma(3.0, 25.0, (H, W))).astype(np.float32)
    levels = np.sort(rng.uniform(0, 250, 12))
    offsets = rng.normal(0, 3, 12)
    full = np.interp(bg, levels, offsets).astype(np.float32)
    if smooth_px > 0:
        full = cv2.GaussianBlur(full, (0, 0), smooth_px)
    om = seg._OffsetMap(bg, levels, offsets, smooth_px)
    rows = rng.integers(0, H, 40)
    cols = rng.integers(0, W, 40)
    rows[:2], cols[:2] = (0, H - 1), (W - 1, 0)                  # at the frame's corners too
    box = (30, 20, 120, 100)
    om.compute(box, (rows, cols))
    np.testing.assert_array_equal(om.smooth[rows, cols], full[rows, cols])
    np.testing.assert_array_equal(om.smooth[20:100, 30:120], full[20:100, 30:120])
    # a second box elsewhere: it and everything asked before
    om.compute((150, 90, 250, 170))
    np.testing.assert_array_equal(om.smooth[90:170, 150:250], full[90:170, 150:250])
    np.testing.assert_array_equal(om.smooth[20:100, 30:120], full[20:100, 30:120])
    np.testing.assert_array_equal(om.smooth[rows, cols], full[rows, cols])
    om.compute((0, 0, W, H))
    np.testing.assert_array_equal(om.smooth, full)
