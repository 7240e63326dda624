"""Wave 18b (issue 16): the area detection's helpers of wave 18 on exact arrays.

Each helper's result is known from the drawing: block means of a piecewise-constant
change (``_coarse_noise``), rows copied from their inner neighbour up to a constant
(``_copied``, ``_filled_sides``), bands set to zero (``_zero_outside``), hysteresis regions
(``_seen``), a box grown on the even grid (``_grown``), 2 x 2 means (``_half``) and the
electrode's grey level against the ring around it (``_li_sign``).
"""
import math

import numpy as np
import pytest

from vision.measure import _segment as seg
from vision.measure._segment import (
    COARSE_PX,
    COPY_FRACTION,
    COPY_TOLERANCE_SIGMA,
    HIGH_SIGMA,
    LOW_SIGMA,
    NOISE_MIN_SAMPLES,
    _coarse_detection,
    _coarse_noise,
    _copied,
    _filled_sides,
    _grown,
    _half,
    _li_sign,
    _seen,
    _zero_outside,
    robust_sigma,
)


def _blocky(means, b, extra=(0, 0), fill=1e3):
    """A change image whose b x b blocks hold ``means`` (and ``extra`` rows/cols of ``fill``)."""
    d = np.kron(means, np.ones((b, b))).astype(np.float32)
    return np.pad(d, ((0, extra[0]), (0, extra[1])), constant_values=fill)


def test_coarse_noise_is_the_spread_of_the_gaussians_effective_blocks():
    b = round(math.sqrt(4 * math.pi) * COARSE_PX)
    assert b == 11
    rng = np.random.default_rng(1)
    means = rng.normal(0.0, 2.0, (10, 12)).astype(np.float32)
    # the rows and columns beyond whole blocks are left out, however large
    d = _blocky(means, b, extra=(b - 1, b - 1))
    got = _coarse_noise(d, 4.0, COARSE_PX)
    assert got == pytest.approx(robust_sigma(means) / 4.0, rel=1e-5)
    # blocks of another size would mix the drawn means
    assert _coarse_noise(_blocky(means, b)[:, 1:], 4.0, COARSE_PX) != pytest.approx(got, rel=1e-3)


def test_coarse_noise_blocks_are_at_least_two_px():
    rng = np.random.default_rng(2)
    means = rng.normal(0.0, 1.0, (10, 10)).astype(np.float32)
    for px in (0.1, 0.5):                    # sqrt(4 pi) px rounds to 0 and 2
        assert _coarse_noise(_blocky(means, 2), 1.0, px) == pytest.approx(robust_sigma(means),
                                                                           rel=1e-5)


def test_coarse_noise_needs_min_samples_blocks_and_a_spread():
    rng = np.random.default_rng(3)
    b = 11
    assert NOISE_MIN_SAMPLES == 64
    enough = rng.normal(0.0, 1.0, (8, 8)).astype(np.float32)
    assert _coarse_noise(_blocky(enough, b), 1.0, COARSE_PX) is not None
    assert _coarse_noise(_blocky(enough[:, :7], b), 1.0, COARSE_PX) is None       # 56 blocks
    assert _coarse_noise(np.zeros((100, 100), np.float32), 1.0, COARSE_PX) is None  # no spread
    # whole blocks only: 7 x 9 = 63 blocks, however many rows and columns are left over
    assert _coarse_noise(_blocky(rng.normal(0.0, 1.0, (7, 9)).astype(np.float32), b,
                                 extra=(b - 1, 0)), 1.0, COARSE_PX) is None
    assert _coarse_noise(_blocky(rng.normal(0.0, 1.0, (9, 7)).astype(np.float32), b,
                                 extra=(0, b - 1)), 1.0, COARSE_PX) is None


def _frame_copying(n_copied, shape=(40, 30), seed=0, noise=1.0):
    """(d, bg) whose frame bg - d has its last ``n_copied`` rows copying the row before."""
    rng = np.random.default_rng(seed)
    bg = rng.normal(100.0, 10.0, shape).astype(np.float32)
    frame = rng.normal(100.0, 10.0, shape).astype(np.float32)
    h = shape[0]
    for i in range(h - n_copied, h):
        frame[i] = frame[i - 1] + np.float32(rng.normal(0.0, 3.0))   # the row's offset
    return (bg - frame).astype(np.float32), bg


@pytest.mark.parametrize("n", [0, 1, 3])
def test_copied_counts_the_last_rows_copying_the_row_before(n):
    d, bg = _frame_copying(n)
    assert _copied(d, bg, 1e-3) == n


def test_copied_takes_a_row_equal_in_half_its_pixels():
    d, bg = _frame_copying(2, shape=(20, 40))
    assert COPY_FRACTION == 0.5
    frame = bg - d
    # 20 of 40 pixels equal, 10 far above and 10 far below (the median difference stays 0)
    half = frame.copy()
    half[-1, :10] += 50.0
    half[-1, 10:20] -= 50.0
    assert _copied(bg - half, bg, 1e-3) == 2
    less = frame.copy()                       # 19 of 40: no copy (the last row decides)
    less[-1, :11] += 50.0
    less[-1, 11:21] -= 50.0
    assert _copied(bg - less, bg, 1e-3) == 0


def test_copied_tolerance_is_inclusive_and_absolute():
    # exact binary fractions: 30 of 40 pixels off by exactly +-0.25 from the row before
    rng = np.random.default_rng(6)
    frame = rng.integers(0, 200, (20, 40)).astype(np.float32)
    frame[-1] = frame[-2] + np.float32(7.0)
    frame[-1, :30] += np.array([0.25, -0.25] * 15, np.float32)
    bg = np.zeros_like(frame)
    d = bg - frame
    assert _copied(d, bg, 0.25) == 1          # |r| equal to the tolerance counts
    assert _copied(d, bg, 0.2) == 0           # 10 of 40 within
    assert _copied(d, bg - 3.0, 0.25) == 1    # a constant background changes nothing


def test_copied_stops_at_half_the_rows():
    bg = np.zeros((9, 12), np.float32)
    d = np.zeros((9, 12), np.float32)         # every row a copy
    assert _copied(d, bg, 1e-3) == 4


def test_filled_sides_in_order_top_bottom_left_right():
    rng = np.random.default_rng(5)
    bg = rng.normal(100.0, 10.0, (50, 60)).astype(np.float32)
    frame = rng.normal(100.0, 10.0, (50, 60)).astype(np.float32)
    frame[:2] = frame[2]                      # top 2
    frame[-3:] = frame[-4]                    # bottom 3
    frame[:, :4] = frame[:, 4:5]              # left 4
    frame[:, -5:] = frame[:, -6:-5]           # right 5
    d = (bg - frame).astype(np.float32)
    assert _filled_sides(d, bg, 1.0) == (2, 3, 4, 5)
    # the tolerance is COPY_TOLERANCE_SIGMA of the noise: a copy off by 10x that is none
    off = frame.copy()
    alternate = np.where(np.arange(60) % 2, 1, -1).astype(np.float32)
    off[-3:] += 0.01 * np.arange(1, 4, dtype=np.float32)[:, None] * alternate
    assert _filled_sides((bg - off).astype(np.float32), bg, 1.0)[1] == 0
    assert _filled_sides((bg - off).astype(np.float32), bg, 0.01 / COPY_TOLERANCE_SIGMA
                         * 2.5)[1] == 3


def test_zero_outside_the_filled_sides_of_a_box():
    # frame 20 x 30; box from (x, y) = (4, 3), 12 x 20; filled: top 5, bottom 6, left 7, right 8
    a = np.ones((12, 20), np.int8)
    _zero_outside(a, (5, 6, 7, 8), (4, 3), (20, 30))
    want = np.zeros((12, 20), np.int8)
    want[5 - 3:20 - 6 - 3, 7 - 4:30 - 8 - 4] = 1
    np.testing.assert_array_equal(a, want)
    b = np.ones((12, 20), np.int8)
    _zero_outside(b, (2, 0, 1, 0), (4, 3), (20, 30))   # sides outside the box: nothing
    assert b.all()
    c = np.ones((12, 20), np.int8)
    _zero_outside(c, (0, 0, 0, 0), (0, 0), (12, 20))
    assert c.all()
    # a box wholly inside the bottom (right) band: all of it zero
    e = np.ones((4, 5), np.int8)
    _zero_outside(e, (0, 10, 0, 0), (0, 16), (20, 30))
    assert not e.any()
    e = np.ones((4, 5), np.int8)
    _zero_outside(e, (0, 0, 0, 10), (24, 0), (20, 30))
    assert not e.any()


def test_seen_is_hysteresis_with_8_connectivity_and_strict_levels():
    s = np.zeros((7, 9), np.float32)
    s[1, 1], s[2, 2], s[3, 3] = 5.0, 2.5, 2.5        # a seed and a diagonal chain
    s[1, 6], s[2, 6] = 2.5, 4.0                      # seed exactly at high: not a seed
    s[5, 1], s[5, 2] = 6.0, 2.0                      # exactly at low: not in the region
    got = _seen(s, 2.0, 4.0)
    want = np.zeros_like(got)
    want[1, 1] = want[2, 2] = want[3, 3] = True
    want[5, 1] = True
    np.testing.assert_array_equal(got, want)
    assert not _seen(np.zeros((4, 4), np.float32), 2.0, 4.0).any()


def test_grown_box_on_the_even_grid_within_the_frame():
    assert _grown((10, 20, 30, 40), 3, 100, 100) == (6, 16, 33, 43)
    assert _grown((11, 21, 30, 40), 4, 100, 100) == (6, 16, 34, 44)
    assert _grown((2, 1, 95, 98), 5, 97, 99) == (0, 0, 97, 99)
    assert _grown((10, 20, 30, 40), 0, 100, 100) == (10, 20, 30, 40)


def test_half_repeats_an_odd_last_row_and_column():
    img = np.arange(15, dtype=np.float32).reshape(3, 5)
    got = _half(img)
    want = np.array([[3.0, 5.0, 6.5], [10.5, 12.5, 14.0]], np.float32)
    np.testing.assert_allclose(got, want)
    even = np.arange(16, dtype=np.float32).reshape(4, 4)
    np.testing.assert_allclose(_half(even), [[2.5, 4.5], [10.5, 12.5]])


def _disc_scene(inner, ring, r=20.0, size=120, c=(60.0, 60.0)):
    yy, xx = np.mgrid[0:size, 0:size]
    dist = np.hypot(xx - c[0], yy - c[1])
    return np.where(dist <= r, inner, ring).astype(np.float32)


def test_li_sign_of_a_dark_bright_and_flat_electrode():
    assert _li_sign(_disc_scene(50, 150), 60.0, 60.0, 20.0) == 1
    assert _li_sign(_disc_scene(150, 50), 60.0, 60.0, 20.0) == -1
    assert _li_sign(_disc_scene(80, 80), 60.0, 60.0, 20.0) == 0
    # the disc read inside 0.8 r, the ring from r + 3 to 1.5 r: a 2 px rim of another
    # level at each boundary leaves the sign alone
    bg = _disc_scene(50, 150)
    yy, xx = np.mgrid[0:120, 0:120]
    dist = np.hypot(xx - 60.0, yy - 60.0)
    bg[(dist > 0.8 * 20 + 0.5) & (dist < 20 + 2.5)] = 1000.0
    bg[dist > 1.5 * 20 + 0.5] = -1000.0
    assert _li_sign(bg, 60.0, 60.0, 20.0) == 1
    # too few samples (a tiny electrode): no sign
    assert _li_sign(_disc_scene(50, 150, r=3.0), 60.0, 60.0, 3.0) == 0
    # near a corner of the frame: clipped, still read
    assert _li_sign(_disc_scene(50, 150, c=(22.0, 22.0)), 22.0, 22.0, 20.0) == 1
    assert seg.LI_DISC_FRACTION == 0.8 and seg.LI_RING_OUTER == 1.5


def _faint_patch(amp, seed=1):
    """Unit noise with a 40 x 40 patch changed by ``amp`` noise levels (0.8: below LOW_SIGMA)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 1.0, (160, 160)).astype(np.float32)
    z[60:100, 60:100] += amp
    return z


@pytest.mark.parametrize("amp", [0.8, -0.8])
def test_coarse_detection_counts_only_the_change_toward_lithium(amp):
    z = _faint_patch(amp)
    sc = _coarse_noise(z, 1.0, COARSE_PX)
    seen = np.zeros(z.shape, bool)
    patch = (slice(60, 100), slice(60, 100))
    for sign in (0, 1, -1):
        low, high = _coarse_detection(z, seen, sc, LOW_SIGMA, HIGH_SIGMA, COARSE_PX, sign)
        if sign in (0, int(np.sign(amp))):
            # most of the patch (its fringe eroded), hardly anything of the noise around it
            assert low[patch].mean() > 0.6 and high[patch].mean() > 0.6
            assert low.sum() - low[patch].sum() < 40
            assert not (high & ~low).any()
        else:
            assert not low[patch].any() and not high.any()


def test_coarse_detection_keeps_what_is_seen():
    # the pixels found pixel by pixel are part of the area (eroded by k = 7 px at most);
    # the blur beside them is left to segment_lithium (pixel scale alone near a high pixel)
    rng = np.random.default_rng(4)
    z = rng.normal(0.0, 1.0, (160, 160)).astype(np.float32)
    z[70:90, 70:90] = 12.0
    seen = _seen(z, LOW_SIGMA, HIGH_SIGMA)
    sc = _coarse_noise(z, 1.0, COARSE_PX)
    low, _ = _coarse_detection(z, seen, sc, LOW_SIGMA, HIGH_SIGMA, COARSE_PX, 0)
    assert low[74:86, 74:86].all()
