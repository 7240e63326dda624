"""Drawn scenes where the needle's tip search finds the electrode (issue 11, mutation wave 18).

Scenes of known geometry, run through :func:`find_electrode` as a user's frame is (nothing
injected): the shapes are drawn on a noisy ceramic and blurred by 1 px, as in the other
needle tests. The electrode must be found within their tolerance (centre max(3 px, 0.2 r),
radius 0.2 r; the rim tests of ``test_electrode_random`` hold 2 px or 5 % of the radius,
which these scenes meet too but need not).

- A textured disc as grey as nothing else in the frame: dark and bright triangular grains
  set the masks' thresholds beyond the disc's level, so no mask holds it; the needle tapers
  to its tip over the disc, and the disc is found by its rim, a circle whose normal
  gradient keeps one sign all round (:func:`_tip_rim_circles`).
- An electrode seen only by its bright rim ring (its inside at the ceramic's level: no
  disc in any mask), at the tip of the needle ranked second by shape; a longer, more
  elongated bright wedge from the top edge, ranked first, ends on bare ceramic. The needle
  is the region that ends on the electrode (:func:`_raw_candidates`).
- The same rim-ring electrode at the tip of the needle ranked second by shape; a longer,
  more elongated bright wedge from the top edge, ranked first, ends on bare ceramic (its rim
  search runs: no disc in the frame is closed). An 8 px circle about the decoy's own thin
  end, its rim the blurred flanks of that end, is no disc: its inner part lies all under the
  needle grown by its edge blur (main took it as the electrode).
- A bright strip of constant width from the top edge (more elongated than the needle, but
  not narrowing) ends 3 px off a larger dark disc; the needle, a wedge narrowing to its
  tip, ends 3 px off the electrode: the narrowing ranks first, so the electrode is the disc
  at the wedge's tip though both discs are closed and the strip's is the larger.
"""
import cv2
import numpy as np
import pytest

from vision.measure._electrode import _raw_candidates, find_electrode
from vision.measure._needle import NEEDLE_MIN_LENGTH_PX, NEEDLE_MIN_OPENING

H, W = 400, 520
CERAMIC, DARK, BRIGHT, NEEDLE = 100.0, 30.0, 175.0, 190.0
#: the textured electrode: 12 grey levels darker than the ceramic, its texture +-4 levels
#: (a Gaussian field): beyond the dark mask's threshold (0.3 of the way to the dark grains)
DISC_LEVEL, TEXTURE = 88.0, 12.0
#: the decoy wedge of the rim-ring scene (as in test_electrode_contacting_needle_w17b)
DECOY_PX = 2.75 * NEEDLE_MIN_LENGTH_PX
DECOY_OPENING = 1.2 * NEEDLE_MIN_OPENING


def _fill(img, pts, level):
    mask = np.zeros((H, W), np.uint8)
    cv2.fillPoly(mask, [np.array(pts, np.int32)], 1)
    img[mask > 0] = level


def _ceramic(rng, noise=3.0):
    return CERAMIC + rng.normal(0.0, noise, (H, W))


def _blur(img):
    return cv2.GaussianBlur(img.astype(np.float32), (0, 0), 1.0)


def _near(e, x, y, r):
    return np.hypot(e.x_px - x, e.y_px - y) <= max(3.0, 0.2 * r) and abs(e.radius_px - r) <= 0.2 * r


def _textured_disc_scene(seed):
    rng = np.random.default_rng(seed)
    img = _ceramic(rng)
    yy, xx = np.mgrid[:H, :W]
    x, y, r = 330 + rng.uniform(-5, 5), 220 + rng.uniform(-5, 5), 40.0
    inside = np.hypot(xx - x, yy - y) <= r
    texture = cv2.GaussianBlur(rng.normal(0, 1, (H, W)).astype(np.float32), (0, 0), 3) * TEXTURE
    img[inside] = DISC_LEVEL + texture[inside]
    for k, (gx, gy) in enumerate([(80, 60), (200, 330), (440, 60), (120, 330), (470, 350), (250, 80)]):
        a = rng.uniform(0, np.pi)
        pts = [(gx + s * np.cos(a + t), gy + s * np.sin(a + t)) for s, t in ((45, 0), (30, 2.2), (40, 4.0))]
        _fill(img, pts, DARK if k % 2 == 0 else BRIGHT)
    _fill(img, [(0, y - 30), (x - 0.25 * r, y), (0, y + 30)], NEEDLE)   # tip 0.25 r off centre
    return _blur(img), (x, y, r)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_textured_disc_no_mask_holds_is_found_by_its_rim_at_the_needles_tip(seed):
    img, (x, y, r) = _textured_disc_scene(seed)
    cands, _, rings = _raw_candidates(img, 4.0, None)
    assert cands == []            # no mask holds a disc: the scene tests the rim search
    assert any(np.hypot(c[1] - x, c[2] - y) <= max(3.0, 0.2 * r) for c in rings)
    e = find_electrode(img)
    assert _near(e, x, y, r) and e.polarity == "dark"


def test_the_rim_search_keeps_to_the_largest_radius_asked_for():
    # a max_radius_px below the electrode's: the rim search finds no circle as large, and the
    # disc at the tip is not taken from it (no disc of the masks is as large either)
    img, (x, y, r) = _textured_disc_scene(1)
    _, _, rings = _raw_candidates(img, 4.0, 0.5 * r)
    assert all(c[3] <= 0.5 * r for c in rings)


def _ring_scene(seed, *, decoy=False):
    rng = np.random.default_rng(seed)
    img = _ceramic(rng)
    yy, xx = np.mgrid[:H, :W]
    x, y, r = 330 + rng.uniform(-5, 5), 260 + rng.uniform(-5, 5), 30.0
    d = np.hypot(xx - x, yy - y)
    img[(d > r) & (d <= r + 3.0)] = BRIGHT        # the edge brightening; inside: ceramic
    _fill(img, [(0, y - 30), (x - r - 7, y), (0, y + 30)], NEEDLE)   # 4 px off the ring
    if decoy:
        half = DECOY_OPENING * DECOY_PX / 2
        _fill(img, [(int(120 - half), 0), (120, int(DECOY_PX)), (int(120 + half), 0)], NEEDLE)
    return _blur(img), (x, y, r)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_electrode_seen_only_by_its_rim_ring_at_the_needles_tip(seed):
    img, (x, y, r) = _ring_scene(seed)
    cands, needle, rings = _raw_candidates(img, 4.0, None)
    assert not any(np.hypot(c[1] - x, c[2] - y) <= r for c in cands)   # no disc of the masks
    assert any(np.hypot(c[1] - x, c[2] - y) <= max(3.0, 0.2 * r) for c in rings)
    assert _near(find_electrode(img), x, y, r)


# (main: a strict xfail) the decoy, ranked first, ends on bare ceramic; with no closed disc in
# the frame its rim search runs, and an 8 px circle centred 6 px behind its own thin end was
# "closed" (the blurred flanks of the bright end): a circle whose inner part lies all under the
# needle (grown by its edge blur) is the needle's own end, not a disc
@pytest.mark.parametrize("seed", [1, 2])
def test_an_electrode_seen_only_by_its_rim_ring_at_the_second_ranked_needle(seed):
    img, (x, y, r) = _ring_scene(seed, decoy=True)
    assert _near(find_electrode(img), x, y, r)


def _strip_scene(seed):
    rng = np.random.default_rng(seed)
    img = _ceramic(rng)
    yy, xx = np.mgrid[:H, :W]
    ex, ey, er = 300 + rng.uniform(-5, 5), 280 + rng.uniform(-5, 5), 20.0    # the electrode
    gx, gy, gr = 400.0, 150.0, 35.0                                          # the larger disc
    for cx, cy, cr in ((ex, ey, er), (gx, gy, gr)):
        img[np.hypot(xx - cx, yy - cy) <= cr] = DARK
    _fill(img, [(0, ey - 30), (ex - er - 3, ey), (0, ey + 30)], NEEDLE)      # narrows to its tip
    img[0:int(gy - gr - 3), int(gx) - 4:int(gx) + 4] = NEEDLE                # 8 px wide strip
    return _blur(img), (ex, ey, er)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_narrowing_needle_ranks_before_a_more_elongated_strip(seed):
    img, (x, y, r) = _strip_scene(seed)
    assert _near(find_electrode(img), x, y, r)
