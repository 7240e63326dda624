"""The needle is the best-ranked needle-like region whose tip rests on the electrode (issue 11).

The needle contacts the electrode: a region that ranks first by its shape alone (a long
tapering wedge, more elongated than the needle: a grain cluster at the side, random seed
8090) but ends on bare ceramic is not the needle while another needle-like region ends on
a closed disc or rim ring that is also the largest disc. Drawn scenes of known geometry: a
bright decoy wedge from the top edge (NEEDLE_MIN_LENGTH_PX long or more, opening at 1.2 x
NEEDLE_MIN_OPENING) ending on ceramic; the needle from the left edge, as bright as the
electrode it ends on (one region: its base wider than the disc, so the disc is found only
as the largest circle inscribed at the needle's tip); a smaller round dark grain, the best
disc of the masks. The electrode must be found within the tolerance of the other needle
tests (centre max(3 px, 0.2 r), radius 0.2 r). Where the decoy itself ends on a closed
disc, it stays the needle (its rank decides); a lower-ranked sliver ending on a round grain
smaller than the best disc is not taken (tuning seed 7053).
"""
import cv2
import numpy as np
import pytest

from vision.measure._electrode import find_electrode
from vision.measure._needle import NEEDLE_MIN_LENGTH_PX, NEEDLE_MIN_OPENING

H, W = 600, 800
CERAMIC, DARK, BRIGHT = 100.0, 30.0, 190.0
#: the decoy's length (px) and opening (base over length): a wedge, more elongated than the
#: needle with the electrode at its end
DECOY_PX = 2.75 * NEEDLE_MIN_LENGTH_PX
DECOY_OPENING = 1.2 * NEEDLE_MIN_OPENING


def _fill(img, pts, level):
    mask = np.zeros((H, W), np.uint8)
    cv2.fillPoly(mask, [np.array(pts, np.int32)], 1)
    img[mask > 0] = level


def _scene(seed, *, decoy_disc=None):
    """(image, electrode (x, y, r) px); ``decoy_disc`` None or (x, y, r) px of a dark disc
    3 px beyond the decoy's tip."""
    rng = np.random.default_rng(seed)
    img = CERAMIC + rng.normal(0.0, 3.0, (H, W))
    yy, xx = np.mgrid[:H, :W]
    x, y, r = 420.0 + rng.uniform(-5, 5), 350.0 + rng.uniform(-5, 5), 30.0
    img[np.hypot(xx - x, yy - y) <= r] = BRIGHT
    _fill(img, [(0, 260), (int(x), int(y)), (0, 400)], BRIGHT)      # the needle, 140 px base
    img[np.hypot(xx - 650, yy - 480) <= 22.0] = DARK                # the grain
    half = DECOY_OPENING * DECOY_PX / 2
    _fill(img, [(int(600 - half), 0), (600, int(DECOY_PX)), (int(600 + half), 0)], BRIGHT)
    if decoy_disc is not None:
        img[np.hypot(xx - decoy_disc[0], yy - decoy_disc[1]) <= decoy_disc[2]] = DARK
    return cv2.GaussianBlur(img.astype(np.float32), (0, 0), 1.0), (x, y, r)


def _near(e, x, y, r):
    return np.hypot(e.x_px - x, e.y_px - y) <= max(3.0, 0.2 * r) and abs(e.radius_px - r) <= 0.2 * r


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_needle_is_the_region_whose_tip_rests_on_the_electrode(seed):
    img, (x, y, r) = _scene(seed)
    assert _near(find_electrode(img), x, y, r)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_when_the_best_ranked_region_ends_on_a_disc_it_is_the_needle(seed):
    # the decoy (ranked first by its shape) ends 3 px off a 20 px dark disc: that disc is the
    # electrode, whatever the disc at the other region's tip
    disc = (600.0, DECOY_PX + 3.0 + 20.0, 20.0)
    img, _ = _scene(seed, decoy_disc=disc)
    assert _near(find_electrode(img), *disc)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_lower_ranked_sliver_ending_on_a_small_round_grain_is_not_the_needle(seed):
    # a 150 px dark electrode is the best disc; the decoy (ranked first) ends on ceramic, and a
    # short bright sliver from the right side (ranked after it) ends 3 px off a 20 px round
    # dark grain (both beyond the reach of _at_tip from the electrode): the grain is closed
    # but smaller than the best disc, so the sliver is not the needle against its shape's
    # rank and the electrode stays the best disc (tuning seed 7053)
    rng = np.random.default_rng(seed)
    img = CERAMIC + rng.normal(0.0, 3.0, (H, W))
    yy, xx = np.mgrid[:H, :W]
    x, y, r = 300.0 + rng.uniform(-5, 5), 380.0 + rng.uniform(-5, 5), 150.0
    img[np.hypot(xx - x, yy - y) <= r] = DARK
    gx, gy, gr = 720.0, 520.0, 20.0
    img[np.hypot(xx - gx, yy - gy) <= gr] = DARK
    tip = (int(gx + gr + 3), int(gy))
    _fill(img, [(W - 1, int(gy) - 8), tip, (W - 1, int(gy) + 8)], BRIGHT)   # 0.7 x 80 px
    half = DECOY_OPENING * DECOY_PX / 2
    _fill(img, [(int(650 - half), 0), (650, int(DECOY_PX)), (int(650 + half), 0)], BRIGHT)
    img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 1.0)
    assert _near(find_electrode(img), x, y, r)
