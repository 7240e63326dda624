"""The needle reaches into the field: a sliver along the image edge is not preferred to it.

The contacting needle runs from beyond the image edge to the electrode, whose centre is in
the field, so its tip lies farther from the side it enters through than its base there is
wide. A cluster of grains cut by the edge may be elongated and narrow like a wedge (check
tuning seed 8014: a dark cluster 74 px along the bottom edge, 13 px deep, outranked the
bright needle and a 59 px grain was taken for the 87 px electrode). Drawn geometry with a
known electrode; the tolerance is the one of the needle tests (a fifth of the radius, at
least 3 px: the disc at the tip, not a grain elsewhere).
"""
import cv2
import numpy as np
import pytest

from vision.measure._electrode import find_electrode
from vision.measure._needle import (
    NEEDLE_MIN_DEPTH_FRAC,
    NEEDLE_MIN_OWN_SHAFT,
    _entry_chord,
    _needle_tip,
    _tip_depth,
)

H, W = 600, 800


def _scene(seed, sliver):
    """A small dark electrode with a bright needle on its rim, a larger round dark grain, and
    (``sliver``) a thin dark wedge lying along the bottom edge, narrowing away from its base."""
    rng = np.random.default_rng(seed)
    img = 128.0 + rng.normal(0.0, 3.0, (H, W))
    yy, xx = np.mgrid[:H, :W]
    x, y, r = 300.0 + 10 * seed, 350.0 - 5 * seed, 13.0 + seed
    img[np.hypot(xx - 600, yy - 200) <= 70.0] = 60.0
    img[np.hypot(xx - x, yy - y) <= r] = 60.0
    wedge = np.zeros((H, W), np.uint8)
    cv2.fillPoly(wedge, [np.array([(0, int(y) - 30), (int(x - r - 3), int(y)), (0, int(y) + 30)],
                                  np.int32)], 1)
    img[wedge > 0] = 200.0
    if sliver:
        # base 60 px on the bottom edge, far end 230 px along it and 12 px deep: more elongated
        # than the needle (length^2 / area), and it narrows as a wedge does
        s = np.zeros((H, W), np.uint8)
        cv2.fillPoly(s, [np.array([(520, H - 1), (580, H - 1), (330, H - 13)], np.int32)], 1)
        img[s > 0] = 60.0
    return cv2.GaussianBlur(img.astype(np.float32), (0, 0), 1.0), (x, y, r)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("sliver", [False, True])
def test_the_needle_not_a_sliver_along_the_edge_marks_the_electrode(seed, sliver):
    img, (x, y, r) = _scene(seed, sliver)
    e = find_electrode(img)
    assert np.hypot(e.x_px - x, e.y_px - y) <= max(3.0, 0.2 * r), (seed, sliver, e)
    assert abs(e.radius_px - r) <= max(3.0, 0.2 * r), (seed, sliver, e)


def _depth_and_base(poly):
    mask = np.zeros((H, W), np.uint8)
    cv2.fillPoly(mask, [np.array(poly, np.int32)], 1)
    comp = mask.astype(bool)
    xs, ys, entry, base = _entry_chord(comp, 0, 0, (H, W))
    far = int(np.argmax((xs - xs[entry].mean()) ** 2 + (ys - ys[entry].mean()) ** 2))
    return _tip_depth(xs, ys, entry, (xs[far], ys[far]), (H, W)), base


def test_tip_depth_of_wedges_into_the_field_and_of_one_along_the_edge():
    # a wedge from the left edge to (420, 250): 420 px deep, base 80 px
    depth, base = _depth_and_base([(0, 380), (420, 250), (0, 460)])
    assert depth == pytest.approx(420, abs=1) and depth >= NEEDLE_MIN_DEPTH_FRAC * base
    # the same wedge from the bottom-left corner at 45 degrees: depth from both sides counts
    depth, base = _depth_and_base([(0, H - 60), (300, H - 300), (60, H - 1), (0, H - 1)])
    assert depth == pytest.approx(299, abs=2) and depth >= NEEDLE_MIN_DEPTH_FRAC * base
    # a wedge along the bottom edge, 12 px deep for a 60 px base: flatter than a half disc
    depth, base = _depth_and_base([(520, H - 1), (580, H - 1), (330, H - 13)])
    assert depth == pytest.approx(12, abs=1) and depth < NEEDLE_MIN_DEPTH_FRAC * base


def _tip_of(mask):
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    lab = 1 + int(np.argmax(stats[1:, 4]))
    x0, y0, bw, bh, area = (int(v) for v in stats[lab])
    return _needle_tip(labels[y0:y0 + bh, x0:x0 + bw] == lab, x0, y0, (H, W), area)


@pytest.mark.parametrize("length", [120, 150, 180])
def test_a_ring_of_grains_reached_across_its_hole_has_no_tip_to_measure_depth_by(length):
    # a wedge from the left edge (base 40 px) joined with a ring of grains (inner radius 140 px,
    # 20 px wide) around the disc at its tip, as tuning seed 8128's bright region: its far end
    # is on the ring's far side, the line to it crosses the disc, a hole, over 280 px
    yy, xx = np.mgrid[:H, :W]
    xc = length + 160
    mask = (np.abs(np.hypot(xx - xc, yy - 300) - 150) <= 10).astype(np.uint8)
    cv2.fillPoly(mask, [np.array([(0, 280), (length + 15, 300), (0, 320)], np.int32)], 1)
    tip = _tip_of(mask)
    assert tip is not None and tip[0] == pytest.approx(xc + 160, abs=2)
    assert tip[3] < NEEDLE_MIN_OWN_SHAFT
    # the wedge alone is solid: all of its line lies in it
    wedge = np.zeros((H, W), np.uint8)
    cv2.fillPoly(wedge, [np.array([(0, 280), (length + 15, 300), (0, 320)], np.int32)], 1)
    assert _tip_of(wedge)[3] == 1.0
    # with a grain attached at its entry, its line still lies in it
    cv2.fillPoly(wedge, [np.array([(0, 250), (30, 255), (35, 285), (0, 290)], np.int32)], 1)
    tip = _tip_of(wedge)
    assert tip is not None and tip[3] >= NEEDLE_MIN_OWN_SHAFT
