"""Wave 19's crack-detector speed-ups on exact arrays (mutation, issue 16).

`_window_counter_zones` (the counter electrode's zones of a window, kept in a
`CrackState` for an equal mask there; wave 20: no module cache),
`_opposite_and_along` (the opposite-sign response and the response along the
background's strongest line, one angle at a time) and `_boundary_mean`'s precomputed
weights: each against its definition on small drawn arrays.
"""
from types import SimpleNamespace

import numpy as np

from vision.measure.crack import _detect
from vision.measure.crack._detect import CrackState, _boundary_mean, _opposite_and_along, _window_counter_zones
from vision.measure.crack._link import counter_zones


def _mask(shape=(40, 50), box=(10, 20, 15, 30)):
    m = np.zeros(shape, bool)
    y0, y1, x0, x1 = box
    m[y0:y1, x0:x1] = True
    return m


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def _zones(mask, state=None, window=None):
    rows, cols = mask.shape
    return _window_counter_zones(mask, window or (0, 0, cols, rows), state)


def test_counter_zones_are_kept_for_an_equal_mask_and_made_anew_otherwise():
    state = CrackState()
    m = _mask()
    z1 = _zones(m, state)
    assert _same(z1, counter_zones(m))
    # an equal mask (another array): the same zones, not made again
    assert _zones(m.copy(), state) is z1
    # the caller's mask changed in place: compared by value, new zones
    m[30:35, 5:10] = True
    z2 = _zones(m, state)
    assert z2 is not z1
    assert _same(z2, counter_zones(m))
    # another shape: its own zones
    m3 = _mask((41, 50))
    z3 = _zones(m3, state)
    assert z3[0].shape == (41, 50) and _same(z3, counter_zones(m3))
    # no state: made, and nothing kept anywhere (wave 20: no module cache)
    assert _same(_zones(m3), counter_zones(m3))
    assert not hasattr(_detect, "_COUNTER_CACHE")


def test_counter_zones_the_same_values_in_another_shape_are_not_equal():
    state = CrackState()
    m = np.zeros((20, 30), bool)
    z1 = _zones(m, state)
    z2 = _zones(np.zeros((30, 20), bool), state)
    assert z2[0].shape == (30, 20) and z1[0].shape == (20, 30)


def test_window_zones_are_the_frame_zones_cut_to_the_window():
    # made from the window and the reach around it only: the same bits as the whole
    # frame's zones (exact distances; OpenCV counts no region beyond an image's border)
    rng = np.random.default_rng(20)
    for _ in range(30):
        rows, cols = (int(v) for v in rng.integers(30, 120, 2))
        yy, xx = np.ogrid[:rows, :cols]
        m = np.zeros((rows, cols), bool)
        for _ in range(int(rng.integers(1, 4))):
            x, y, r = rng.integers(0, cols), rng.integers(0, rows), rng.integers(2, 40)
            m |= (xx - x) ** 2 + (yy - y) ** 2 <= r * r
        x0, x1 = sorted(int(v) for v in rng.integers(0, cols, 2))
        y0, y1 = sorted(int(v) for v in rng.integers(0, rows, 2))
        if x1 - x0 < 1 or y1 - y0 < 1:
            continue
        got = _zones(m, window=(x0, y0, x1, y1))
        assert _same(got, tuple(z[y0:y1, x0:x1] for z in counter_zones(m)))


def test_opposite_and_along_per_pixel():
    # three angles, four pixels (1 x 4)
    b = [np.array([[1.0, 5.0, 2.0, 3.0]], np.float32),
         np.array([[4.0, 1.0, 2.0, 3.0]], np.float32),
         np.array([[0.0, 2.0, 7.0, 3.0]], np.float32)]
    d = [np.array([[-1.0, 2.0, 0.5, 9.0]], np.float32),
         np.array([[3.0, -4.0, -0.5, 8.0]], np.float32),
         np.array([[-2.5, 1.0, 6.0, 7.0]], np.float32)]
    bg = SimpleNamespace(angle_responses=b)
    opp, along = _opposite_and_along(iter(d), bg)
    assert opp.dtype == np.float32 and along.dtype == np.float32
    # max over angles of -d, clipped at 0
    assert opp.tolist() == [[2.5, 4.0, 0.5, 0.0]]
    # d at the angle of the strongest b (pixel 3: a tie, the first angle's)
    assert along.tolist() == [[3.0, 2.0, 6.0, 9.0]]


def test_opposite_and_along_reads_the_diffs_once_in_order():
    b = [np.full((2, 2), 1.0, np.float32), np.full((2, 2), 2.0, np.float32)]
    seen = []

    def diffs():
        for i in range(2):
            seen.append(i)
            yield np.full((2, 2), -float(i + 1), np.float32)

    opp, along = _opposite_and_along(diffs(), SimpleNamespace(angle_responses=b))
    assert seen == [0, 1]
    assert np.all(opp == 2.0) and np.all(along == -2.0)


def test_boundary_mean_with_precomputed_weights_is_the_same():
    import cv2

    rng = np.random.default_rng(19)
    resp = rng.normal(0.0, 1.0, (30, 40)).astype(np.float32)
    static = np.zeros((30, 40), bool)
    static[10, 5:35] = True
    static[5:25, 20] = True
    st = static.astype(np.float32)
    weights = (st, cv2.GaussianBlur(st, (0, 0), 3.0))
    a = _boundary_mean(resp, static, 3.0)
    b = _boundary_mean(resp, static, 3.0, weights)
    assert np.array_equal(a, b)
    # the weights are used: another blur gives another mean
    other = (st, cv2.GaussianBlur(st, (0, 0), 1.0))
    assert not np.array_equal(a, _boundary_mean(resp, static, 3.0, other))


def test_angle_maxima_are_the_per_angle_differences_maxima():
    # (image - g * background)'s response per angle is a - g b (linear filters): its
    # maximum clipped at 0, the negated maximum (opposite sign) and the image's own
    from vision.measure.crack._filters import _oriented_stack

    rng = np.random.default_rng(19)
    img = rng.normal(100.0, 5.0, (48, 64)).astype(np.float32)
    img[20:22, 5:60] -= 30.0            # a dark line
    back = rng.normal(100.0, 5.0, (48, 64)).astype(np.float32)
    back[5:40, 30:32] += 25.0           # a bright background line
    sigma, elong, n = 1.5, 3.0, 6
    b = [x.copy() for x in _oriented_stack(back, sigma, elong, n)]
    a = [x.copy() for x in _oriented_stack(img, sigma, elong, n)]
    g = 0.8
    opts = {"polarity": "dark", "sigma_px": sigma, "elongation": elong}
    resp, diff_resp, opp_resp, along = _detect._angle_maxima(
        img, g, SimpleNamespace(angle_responses=b), opts)
    d = [ai - np.float32(g) * bi for ai, bi in zip(a, b)]
    assert np.allclose(resp, np.maximum(np.max(a, axis=0), 0.0), atol=1e-4)
    assert np.allclose(diff_resp, np.maximum(np.max(d, axis=0), 0.0), atol=1e-4)
    assert np.allclose(opp_resp, np.maximum(np.max(-np.asarray(d), axis=0), 0.0), atol=1e-4)
    first = np.argmax(np.asarray(b), axis=0)
    assert np.allclose(along, np.take_along_axis(np.asarray(d), first[None], 0)[0], atol=1e-4)
    assert diff_resp.max() > 1.0 and opp_resp.max() > 1.0
