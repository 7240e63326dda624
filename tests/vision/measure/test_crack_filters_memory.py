"""The crack background is filtered one angle at a time: same values, less memory.

The reference is the former implementation (all six oriented responses of the
frame at once, ``np.max`` over the stack, kernel spectra always cached), kept here
verbatim apart from names: results must be bit-for-bit the same.
"""
import tracemalloc

import cv2
import numpy as np
import pytest

from vision.measure.crack import _filters
from vision.measure.crack._filters import crack_background, ridge_response


def _reference_stack(img, sigma_px, elongation, n_orientations):
    kerns = _filters._oriented_kernels(float(sigma_px), float(elongation), int(n_orientations))
    half = kerns[0].shape[0] // 2
    h, w = img.shape
    big_h, big_w = cv2.getOptimalDFTSize(h + 2 * half), cv2.getOptimalDFTSize(w + 2 * half)
    a = cv2.copyMakeBorder(np.ascontiguousarray(img, np.float32), half, half, half, half,
                           cv2.BORDER_REFLECT)
    a = cv2.copyMakeBorder(a, 0, big_h - a.shape[0], 0, big_w - a.shape[1],
                           cv2.BORDER_CONSTANT, value=0)
    spectra = []
    for k in kerns:
        kp = np.zeros((big_h, big_w), np.float32)
        kp[:k.shape[0], :k.shape[1]] = k
        spectra.append(cv2.dft(np.roll(kp, (-half, -half), axis=(0, 1))))
    f = cv2.dft(a)
    return [cv2.idft(cv2.mulSpectrums(f, kf, 0), flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
            [half:half + h, half:half + w] for kf in spectra]


def _reference_background(img, *, sigma_px=1.0, polarity="dark", tolerance_px=1, elongation=3.0):
    img = np.asarray(img, np.float32)
    angles = tuple(_reference_stack(-img if polarity == "bright" else img, sigma_px, elongation,
                                    _filters.N_ORIENTATIONS))
    resp = np.maximum(np.max(angles, axis=0), 0)
    if tolerance_px > 0:
        k = 2 * int(tolerance_px) + 1
        resp = cv2.dilate(resp, np.ones((k, k), np.uint8))
    return resp, angles


def _scene(rows, cols, seed):
    """Grey ceramic with noise, grain boundaries (dark lines) and a bright rim: rows != cols."""
    rng = np.random.default_rng(seed)
    img = 120 + 6 * rng.standard_normal((rows, cols)).astype(np.float32)
    for _ in range(12):
        p0 = (int(rng.integers(cols)), int(rng.integers(rows)))
        p1 = (int(rng.integers(cols)), int(rng.integers(rows)))
        cv2.line(img, p0, p1, 70.0, 2)
    cv2.circle(img, (cols // 3, rows // 2), rows // 5, 200.0, 3)
    return img


@pytest.mark.parametrize("shape", [(300, 413), (1080, 1920)], ids=["box", "full-hd"])
@pytest.mark.parametrize("polarity", ["dark", "bright"])
def test_background_identical_to_all_angles_at_once(shape, polarity):
    img = _scene(*shape, seed=shape[0] + (polarity == "bright"))
    bg = crack_background(img, polarity=polarity)
    ref_resp, ref_angles = _reference_background(img, polarity=polarity)
    assert bg.response.dtype == np.float32
    np.testing.assert_array_equal(bg.response, ref_resp)
    assert len(bg.angle_responses) == len(ref_angles) == _filters.N_ORIENTATIONS
    for a, b in zip(bg.angle_responses, ref_angles):
        assert a.dtype == np.float32 and a.flags.c_contiguous
        np.testing.assert_array_equal(a, b)


def test_ridge_response_identical_cached_or_not(monkeypatch):
    img = _scene(257, 390, seed=3)
    ref = np.maximum(np.max(_reference_stack(img, 1.5, 3.0, 6), axis=0), 0)
    _filters._SPECTRA.clear()
    cached = ridge_response(img, sigma_px=1.5, elongation=3.0)
    assert len(_filters._SPECTRA) == 1          # small: its spectra are kept
    again = ridge_response(img, sigma_px=1.5, elongation=3.0)
    monkeypatch.setattr(_filters, "SPECTRA_CACHE_BYTES", 0)
    _filters._SPECTRA.clear()
    uncached = ridge_response(img, sigma_px=1.5, elongation=3.0)
    assert not _filters._SPECTRA                # too large for the budget: made per angle
    for r in (cached, again, uncached):
        np.testing.assert_array_equal(r, ref)
    # the filter itself: filter2D with each kernel (the DFT is exact to float rounding)
    kerns = _filters._oriented_kernels(1.5, 3.0, 6)
    direct = np.max([cv2.filter2D(img, cv2.CV_32F, k, borderType=cv2.BORDER_REFLECT)
                     for k in kerns], axis=0)
    np.testing.assert_allclose(ref, np.maximum(direct, 0), atol=1e-3)


def test_full_hd_background_memory():
    """Peak allocation of a 1080p background: the six responses kept, and little else.

    The former code held, at its peak, the six responses in their padded transforms
    (6 x 8.7 MB), their cached kernel spectra (6 x 8.7 MB, kept after) and the stacked
    maximum (6 x 8.3 MB): 19.7 frames at the peak, 13.7 kept. Now: the six kept
    responses, the maximum, the image transform and one angle's spectrum, product and
    inverse transform: 10.2 frames at the peak, 7.0 kept.
    """
    img = _scene(1080, 1920, seed=7)
    frame_mb = img.nbytes / 2**20
    _filters._SPECTRA.clear()
    tracemalloc.start()
    try:
        bg = crack_background(img)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    kept = sum(a.nbytes for a in bg.angle_responses) + bg.response.nbytes
    assert kept / 2**20 == pytest.approx(7 * frame_mb)
    # 6 kept + max + transform + one angle's spectrum/product/inverse (padded, ~1.05
    # frame each, not all alive at once): at most 12 frames; the former code needed 19.7
    assert peak / 2**20 < 12 * frame_mb
    assert not _filters._SPECTRA   # full-frame spectra are not kept


# -- the background kept in a box (what the tracker keeps) ---------------------------------

def _assert_same_window(a, b):
    for x, y in ((a.image, b.image), (a.response, b.response)):
        np.testing.assert_array_equal(x, y)
    assert len(a.angle_responses) == len(b.angle_responses)
    for x, y in zip(a.angle_responses, b.angle_responses):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("polarity", ["dark", "bright"])
def test_boxed_background_windows_identical_inside_and_beyond(polarity):
    img = _scene(420, 560, seed=11)
    full = crack_background(img, polarity=polarity)
    boxed = crack_background(img, polarity=polarity, box=(200, 150, 300, 260))
    m = _filters.BOX_KEEP_MARGIN_PX
    assert boxed.box == (200 - m, 150 - m, 300 + m, 260 + m)
    assert boxed.response.shape == (110 + 2 * m, 100 + 2 * m)
    assert all(a.shape == boxed.response.shape for a in boxed.angle_responses)
    inside = (slice(100, 300), slice(150, 330))
    _assert_same_window(boxed.window(inside), full.window(inside))
    assert boxed.box == (200 - m, 150 - m, 300 + m, 260 + m)     # not filtered again
    # beyond the kept box (a crack grown past it): filtered again, the same values
    beyond = (slice(40, 330), slice(120, 545))
    _assert_same_window(boxed.window(beyond), full.window(beyond))
    assert boxed.box == (120 - m, 0, 560, 330 + m)
    _assert_same_window(boxed.window(inside), full.window(inside))
    # the whole frame (slices with open ends)
    whole = (slice(None), slice(None))
    _assert_same_window(boxed.window(whole), full.window(whole))
    assert boxed.box == (0, 0, 560, 420)


def test_boxed_background_clipped_and_small():
    """A box at the frame's corner is clipped; a 1080p background keeps only its box."""
    img = _scene(1080, 1920, seed=5)
    bg = crack_background(img, box=(-10, -10, 300, 200))
    m = _filters.BOX_KEEP_MARGIN_PX
    assert bg.box == (0, 0, 300 + m, 200 + m)
    kept = sum(a.nbytes for a in bg.angle_responses) + bg.response.nbytes
    assert kept == 7 * (300 + m) * (200 + m) * 4     # 2.9 MB instead of 58 MB
    full = crack_background(img)
    win = (slice(0, 250), slice(30, 330))
    _assert_same_window(bg.window(win), full.window(win))


def test_detect_crack_same_with_boxed_background():
    """detect_crack in a box, with a crack grown beyond it: same measurement either way."""
    from vision.measure.crack import detect_crack

    bg_img = _scene(400, 520, seed=21)
    img = bg_img.copy()
    ex, ey, rad = 150, 200, 30
    cv2.circle(bg_img, (ex, ey), rad, 40.0, -1)
    cv2.circle(img, (ex, ey), rad, 40.0, -1)
    cv2.line(img, (ex + rad - 2, ey), (480, 120), 200.0, 2)   # a crack to far outside
    roi = (ex - rad - 100, ey - rad - 100, ex + rad + 100, ey + rad + 100)
    full = crack_background(bg_img)
    boxed = crack_background(bg_img, box=roi)
    kw = dict(electrode_xy_px=(ex, ey), electrode_radius_px=rad, roi=roi)
    a = detect_crack(img, background=full, **kw)
    b = detect_crack(img, background=boxed, **kw)
    assert a is not None and b is not None
    assert a.path_length_px == b.path_length_px > 200        # grown well past the box
    np.testing.assert_array_equal(a.path, b.path)
    np.testing.assert_array_equal(a.skeleton_xy_px, b.skeleton_xy_px)
    assert a.tip_xy_px == b.tip_xy_px and a.contrast == b.contrast
    assert boxed.box != _filters._grow_box(roi, bg_img.shape, _filters.BOX_KEEP_MARGIN_PX)
