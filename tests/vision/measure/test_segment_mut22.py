"""Wave 22 (issue 16): ``_segment.py``'s open survivors of wave 20's list, at the documented rules.

``_coarse_detection`` 66 (``ok = sign(c) == sign`` for ``ok &= ...``): with a sign given,
the coarse scale counted every pixel whose averaged change has the lithium's sign, also
where no pixel is unseen. The documented rule: a coarse pixel counts only where the unseen
pixels alone changed, the same way, by at least their noise; a change that is all found
pixel by pixel adds nothing at the coarse scale (its blur would fill corners and lengthen
rods). Drawn: the faint patch of ``test_segment_area_mut18.py``, all of it seen.
"""
import numpy as np
import pytest

import vision.measure._segment as seg
from vision.measure._segment import COARSE_PX, HIGH_SIGMA, LOW_SIGMA, _coarse_detection, _coarse_noise


@pytest.mark.parametrize("sign", [0, 1])
def test_a_change_seen_everywhere_adds_no_coarse_pixel(sign):
    rng = np.random.default_rng(1)
    z = rng.normal(0.0, 1.0, (160, 160)).astype(np.float32)
    z[60:100, 60:100] += 0.8
    sc = _coarse_noise(z, 1.0, COARSE_PX)
    seen = np.zeros(z.shape, bool)
    seen[40:120, 40:120] = True  # the patch and 20 px around it found pixel by pixel
    low, high = _coarse_detection(z, seen, sc, LOW_SIGMA, HIGH_SIGMA, COARSE_PX, sign)
    # no coarse pixel within the seen square, a blur's reach inside its border
    inner = (slice(50, 110), slice(50, 110))
    assert not high[inner].any()
    # the seen pixels stay the area (eroded by the coarse scale at most)
    assert low[inner].all()


# ``_li_sign`` (wave 20's open 38, 45, 69, 70): the electrode's grey level against its ring.
# The medians need at least NOISE_MIN_SAMPLES subsampled pixels each ("the fewest a bin
# needs"): exactly that many are enough. A state keeps the sign of one electrode: another
# radius on the same background is another electrode.
CERAMIC, LITHIUM = 200.0, 50.0


def _disc(shape, ex, ey, r):
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    bg = np.full(shape, CERAMIC, np.float32)
    bg[np.hypot(xx - ex, yy - ey) <= r] = LITHIUM
    return bg


def _samples(shape, ex, ey, r):
    """Inner and ring sample counts by the documented sampling (every STATS_SUBSAMPLE px of
    the box of 1.5 radii; inner within 0.8 r, ring from r + 3 px to 1.5 r)."""
    k, ro = seg.STATS_SUBSAMPLE, seg.LI_RING_OUTER * r
    y0, y1 = max(int(ey - ro), 0), min(int(ey + ro) + 1, shape[0])
    x0, x1 = max(int(ex - ro), 0), min(int(ex + ro) + 1, shape[1])
    yy, xx = np.ogrid[y0:y1:k, x0:x1:k]
    d = np.hypot(xx - ex, yy - ey)
    return int((d <= seg.LI_DISC_FRACTION * r).sum()), int(((d >= r + 3) & (d <= ro)).sum())


@pytest.mark.parametrize("shape,ex,ey,r", [
    ((400, 400), 200.0, 200.5, 17.0),   # exactly NOISE_MIN_SAMPLES inside the disc
    ((44, 44), 22.0, 22.0, 17.5),       # exactly NOISE_MIN_SAMPLES in the ring (frame-cut)
    ((200, 200), 23.0, 11.0, 17.5),     # cut by the first row: every sampled row counts
    # the bounds are inclusive: a sampled pixel exactly at 0.8 r, at r + 3 px, at 1.5 r
    ((200, 200), 10.0, 0.0, 25.0), ((200, 200), 21.0, 11.0, 19.0), ((200, 200), 12.0, 0.0, 24.0),
])
def test_li_sign_with_exactly_the_fewest_samples_is_measured(shape, ex, ey, r):
    assert seg.NOISE_MIN_SAMPLES in _samples(shape, ex, ey, r)
    assert min(_samples(shape, ex, ey, r)) == seg.NOISE_MIN_SAMPLES
    assert seg._li_sign(_disc(shape, ex, ey, r), ex, ey, r) == 1
    # a radius 1 px smaller leaves too few: no sign
    assert min(_samples(shape, ex, ey, r - 1.0)) < seg.NOISE_MIN_SAMPLES
    assert seg._li_sign(_disc(shape, ex, ey, r - 1.0), ex, ey, r - 1.0) == 0


def test_li_sign_kept_in_a_state_is_of_one_electrode():
    bg = _disc((400, 400), 200.0, 200.5, 17.0)
    state = seg.SegmentState()
    assert seg._li_sign(bg, 200.0, 200.5, 17.0, state) == 1
    # a 60 px electrode at the same centre: disc and ring both mostly ceramic, no sign
    assert seg._li_sign(bg, 200.0, 200.5, 60.0) == 0
    assert seg._li_sign(bg, 200.0, 200.5, 60.0, state) == 0
    assert seg._li_sign(bg, 200.0, 200.5, 17.0, state) == 1


#: pixels of the high mask that may differ on the transposed scene (rounding at a level)
TRANSPOSE_PX = 6


def test_coarse_detection_of_a_striped_seen_area_does_not_depend_on_the_axes():
    # ``_coarse_detection`` 18 (the unseen fraction blurred along one axis only: ksize
    # (1, 0)): the unseen pixels' share of the weight is a 2-D Gaussian average, so a scene
    # whose found pixels form stripes gives the transposed masks when transposed (the
    # image axes are not special); blurred along y only, the share in the stripes across
    # x is 0 or 1 and half the faint patch is lost one way round (384 px differ)
    rng = np.random.default_rng(1)
    z = rng.normal(0.0, 1.0, (160, 160)).astype(np.float32)
    z[40:120, 40:120] += 0.8
    seen = np.zeros(z.shape, bool)
    seen[:, (np.arange(160) // 2) % 2 == 0] = True  # 2 px stripes, every other pair
    sc = _coarse_noise(z, 1.0, COARSE_PX)
    _, high = _coarse_detection(z, seen, sc, LOW_SIGMA, HIGH_SIGMA, COARSE_PX, 0)
    _, high_t = _coarse_detection(np.ascontiguousarray(z.T), np.ascontiguousarray(seen.T),
                                  sc, LOW_SIGMA, HIGH_SIGMA, COARSE_PX, 0)
    assert high[40:120, 40:120].any()
    assert (high != high_t.T).sum() <= TRANSPOSE_PX
