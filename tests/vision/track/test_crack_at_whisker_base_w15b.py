"""A crack joined to a whisker at its base stays visible to the crack finder.

The segmentation can join a crack and a whisker into one piece where they meet at the
electrode's rim (tuning seed 5027). The tracker used to hide every segmented piece that
holds an accepted whisker's axis from the crack finder, the crack included: the crack was
missed (failure mode `none` for a fracture, crack length 100 % off). Now only the
whisker's body (its centreline +- half its width + ROD_BODY_MARGIN_PX) is hidden.

Tolerance: the crack path length is required within 10 % (issue 11), so at least 90 %
of the crack's drawn length must stay visible; the whole rod must stay hidden (else its
sides would read as crack lips, the first release's false cracks at a whisker's root).
"""
import math

import cv2
import numpy as np
import pytest

from vision.measure._whisker_obs import WhiskerObs
from vision.track._tracker import _crack_exclusion

#: Electrode (x, y, radius; px) and the mask's shape (rows, cols; not square).
ELECTRODE = (200.0, 260.0, 90.0)
SHAPE = (520, 640)
#: Lengths of the whisker and of the crack from the rim (px), the crack's width (px): a
#: generator crack is 2 px wide, segmented with its lips a few px wide.
ROD_PX, CRACK_PX, CRACK_W_PX = 120.0, 180.0, 4
#: Share of the crack's length that must stay visible (the 10 % crack-length requirement).
MIN_VISIBLE = 0.9


def _scene(seed):
    """Mask of a whisker and a crack leaving the rim at the same point, the whisker and
    its truth; the crack's pixels and its unit direction."""
    rng = np.random.default_rng(seed)
    ex, ey, r = ELECTRODE
    a = math.radians(rng.uniform(-60.0, 60.0))
    turn = math.radians(rng.choice([-1.0, 1.0]) * rng.uniform(40.0, 80.0))
    width = float(rng.uniform(6.0, 12.0))
    base = np.array([ex + r * math.cos(a), ey + r * math.sin(a)])
    u = np.array([math.cos(a), math.sin(a)])
    v = np.array([math.cos(a + turn), math.sin(a + turn)])
    tip = base + ROD_PX * u
    rod = np.zeros(SHAPE, np.uint8)
    cv2.line(rod, tuple(np.round(base - 3 * u).astype(int)), tuple(np.round(tip).astype(int)), 1,
             int(round(width)))
    crack = np.zeros(SHAPE, np.uint8)
    cv2.line(crack, tuple(np.round(base).astype(int)), tuple(np.round(base + CRACK_PX * v).astype(int)),
             1, CRACK_W_PX)
    yy, xx = np.ogrid[:SHAPE[0], :SHAPE[1]]
    outside = np.hypot(xx - ex, yy - ey) >= r - 1
    rod, crack = (rod > 0) & outside, (crack > 0) & outside
    w = WhiskerObs(-1, tuple(base), tuple(tip), ROD_PX, width, tuple(u))
    return rod | crack, w, rod, crack & ~rod, base, v


@pytest.mark.parametrize("seed", range(6))
def test_crack_joined_to_a_whisker_base_stays_visible(seed):
    mask, w, rod, crack, base, v = _scene(seed)
    n, _ = cv2.connectedComponents(mask.astype(np.uint8))
    assert n == 2, "the scene must be one segmented piece"
    hidden = _crack_exclusion(mask, [w], [w])
    assert hidden[rod].all(), "the whisker's body must stay hidden"
    ys, xs = np.nonzero(crack & ~hidden)
    reach = (np.column_stack([xs, ys]) - base) @ v
    visible = reach.max() - reach.min() if len(reach) else 0.0
    assert visible >= MIN_VISIBLE * CRACK_PX, f"{visible:.1f} of {CRACK_PX} px visible"
    # what is hidden lies within the whisker's body
    assert not (hidden & ~mask).any()


@pytest.mark.parametrize("seed", range(3))
def test_thin_rod_no_whisker_is_not_hidden(seed):
    # a candidate rod not accepted as a whisker (a crack's stretch) is left to the crack finder,
    # including a piece it shares with nothing accepted
    mask, w, *_ = _scene(seed)
    assert not _crack_exclusion(mask, [w], []).any()
    # with no candidate at all the rod mask is empty anyway and passed as is
    empty = np.zeros(SHAPE, bool)
    assert not _crack_exclusion(empty, [], []).any()

