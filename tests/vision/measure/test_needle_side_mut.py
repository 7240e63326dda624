"""A needle cannot end on the side it enters from: ``_same_side`` on pixels laid out by hand.

Written against the survivors of the mutation run of ``vision/measure/_needle.py`` (wave 15b:
22 of ``_same_side``'s 31 mutants survived the needle tests). The truth is the docstring's:
pixel ``k`` lies on an image side (column 0, row 0, the last column, the last row) that a
pixel of the stretch also lies on. A non-square field (40 rows x 60 columns), so rows and
columns cannot be swapped unnoticed; pixels one short of a side are on no side.
"""
import cv2
import numpy as np
import pytest

from vision.measure._needle import _base_across, _entry_chord, _needle_entry, _needle_tip, _same_side

H, W = 40, 60
SHAPE = (H, W)

#: a few pixels along each side, away from the corners, and one pixel inside the field,
#: next to each side (on no side)
ON = {"left": [(0, 10), (0, 11), (0, 12)], "top": [(20, 0), (21, 0), (22, 0)],
      "right": [(W - 1, 25), (W - 1, 26)], "bottom": [(33, H - 1), (34, H - 1)]}
NEXT_TO = {"left": [(1, 10), (1, 11)], "top": [(20, 1), (21, 1)],
           "right": [(W - 2, 25), (W - 2, 26)], "bottom": [(33, H - 2), (34, H - 2)]}
TIPS = {**{side: px[0] for side, px in ON.items()},
        **{f"next to {side}": px[0] for side, px in NEXT_TO.items()}, "inside": (30, 20)}


def _call(stretch_px, tip):
    pts = list(stretch_px) + [tip]
    xs = np.array([p[0] for p in pts])
    ys = np.array([p[1] for p in pts])
    stretch = np.zeros(len(pts), bool)
    stretch[:len(stretch_px)] = True
    return _same_side(xs, ys, stretch, len(pts) - 1, SHAPE)


@pytest.mark.parametrize("stretch_side", list(ON))
@pytest.mark.parametrize("tip", list(TIPS))
def test_a_tip_on_the_side_of_the_stretch(stretch_side, tip):
    assert _call(ON[stretch_side], TIPS[tip]) is (tip == stretch_side)


@pytest.mark.parametrize("stretch_side", list(NEXT_TO))
@pytest.mark.parametrize("tip", list(ON))
def test_pixels_next_to_a_side_are_on_none(stretch_side, tip):
    # a "stretch" one pixel inside the field touches no side
    assert _call(NEXT_TO[stretch_side], TIPS[tip]) is False


@pytest.mark.parametrize("corner, sides", [((0, 0), ("left", "top")),
                                           ((W - 1, 0), ("top", "right")),
                                           ((W - 1, H - 1), ("right", "bottom")),
                                           ((0, H - 1), ("bottom", "left"))])
def test_a_corner_pixel_lies_on_both_its_sides(corner, sides):
    for side in ON:
        assert _call(ON[side], corner) is (side in sides), (corner, side)
    # a stretch through the corner touches both sides
    for side in ON:
        assert _call([corner], TIPS[side]) is (side in sides), (corner, side)


def _left_entry(rows=11):
    """Edge pixels of a straight entry on the left side, rows 10 ... 10 + rows - 1."""
    ys = np.arange(10, 10 + rows)
    return np.zeros_like(ys), ys


@pytest.mark.parametrize("rows", [1, 2, 11])
def test_the_base_of_a_straight_entry_straight_across_is_its_chord(rows):
    # the axis along a row through the entry's centre: the width across it is the chord
    xs, ys = _left_entry(rows)
    edge = np.ones(len(xs), bool)
    centre = 10 + (rows - 1) / 2
    for tip in [(1, centre), (5, centre), (50, centre)]:   # from 1 px: an axis
        assert _base_across(xs, ys, edge, tip) == pytest.approx(rows, abs=1e-9)


def test_the_base_across_an_oblique_axis():
    # 45 degrees to the side's normal, 1.4 px to 40 px away: the 10 px between the chord's
    # end pixels times cos 45, plus one pixel
    xs, ys = _left_entry(11)
    edge = np.ones(len(xs), bool)
    for d in (1, 28):
        assert _base_across(xs, ys, edge, (d, 15 + d)) == pytest.approx(
            10 / np.sqrt(2) + 1, abs=1e-9)


@pytest.mark.parametrize("pixels, chord", [
    # the chord as _entry_chord measures it: the extent plus a pixel along each axis
    (([0] * 11, list(range(10, 21))), np.hypot(1, 11)),            # 11 px on the left side
    ((list(range(0, 10)) + [0] * 5, [0] * 10 + list(range(1, 6))), np.hypot(10, 6))])  # a corner
def test_a_tip_at_the_entry_has_the_chord_as_its_base(pixels, chord):
    # the tip less than a pixel from the entry's centre: no axis, the chord
    xs, ys = (np.array(p) for p in pixels)
    edge = np.ones(len(xs), bool)
    tip = (xs.mean() + 0.3, ys.mean() - 0.4)
    assert _base_across(xs, ys, edge, tip) == pytest.approx(chord, abs=1e-9)


@pytest.mark.parametrize("rows", [5, 11, 17])
@pytest.mark.parametrize("side", ["left", "right", "top", "bottom"])
def test_the_chord_of_a_straight_entry_is_its_length(rows, side):
    # a bar `rows` px wide entering straight through one side, its box not at the origin
    # where it can be: the chord is its width to within half a pixel
    comp = np.ones((rows, 20), bool) if side in ("left", "right") else np.ones((20, rows), bool)
    x0, y0 = {"left": (0, 7), "right": (W - 20, 7), "top": (9, 0), "bottom": (9, H - 20)}[side]
    xs, ys, edge, chord = _entry_chord(comp, x0, y0, SHAPE)
    assert np.count_nonzero(edge) == rows
    assert set(zip(xs[edge], ys[edge])) == {
        "left": {(0, y0 + i) for i in range(rows)},
        "right": {(W - 1, y0 + i) for i in range(rows)},
        "top": {(x0 + i, 0) for i in range(rows)},
        "bottom": {(x0 + i, H - 1) for i in range(rows)}}[side]
    assert chord == pytest.approx(rows, abs=0.5)


def _needle_onto_a_cut_disc(entry_side):
    """A wedge 15 px wide at its base entering from `entry_side` (left or right) and ending
    on a disc of radius 40 px whose centre lies 10 px inside the top edge: the disc meets the
    top edge along a 77 px chord, far longer than the needle's base (check seed 7079)."""
    yy, xx = np.mgrid[:310, :500].astype(float)
    ex = 0.0 if entry_side == "left" else 499.0
    cx, cy = 250.0, 10.0
    u = np.abs(xx - ex) / abs(cx - ex)          # 0 at the entry, 1 at the disc's centre
    line_y = 200.0 + (cy - 200.0) * u
    wedge = (u <= 1) & (np.abs(yy - line_y) <= 7.0 * (1 - u) + 1)
    disc = np.hypot(xx - cx, yy - cy) <= 40.0
    ys, xs = np.nonzero(wedge | disc)
    return xs, ys


@pytest.mark.parametrize("entry_side", ["left", "right"])
def test_the_needle_enters_where_the_region_reaches_farthest_from(entry_side):
    # of the two stretches on the edge (the needle's base, the disc's chord) the entry is the
    # one whose farthest pixel is farther: the base (the disc's far side lies about 354 px
    # from its centre; from the chord's centre the farthest pixel, a corner of the base, is
    # about 325 px away), though the chord is five times as long
    xs, ys = _needle_onto_a_cut_disc(entry_side)
    edge_x = 0 if entry_side == "left" else 499
    entry = _needle_entry(xs, ys, (310, 500))
    assert entry.any() and (xs[entry] == edge_x).all()
    on_side = xs == edge_x
    assert np.array_equal(entry, on_side)
    chord = ys == 0
    assert np.count_nonzero(chord) > 4 * np.count_nonzero(on_side)


@pytest.mark.parametrize("tip", [(499, 150), (499, 100), (300, 309)])
def test_a_needle_whose_tip_touches_another_side_is_read_from_its_base(tip):
    # a wedge 61 px wide at its base on the left edge (rows 120-180) tapering to a point on
    # the right or bottom side: the tip is the point, not a corner of the base
    m = np.zeros((310, 500), np.uint8)
    cv2.fillPoly(m, [np.array([(0, 120), tip, (0, 180)], np.int32)], 1)
    ys, xs = np.nonzero(m)
    x0, y0 = int(xs.min()), int(ys.min())
    comp = m[y0:ys.max() + 1, x0:xs.max() + 1] > 0
    got = _needle_tip(comp, x0, y0, (310, 500), int(comp.sum()))
    assert got is not None and np.hypot(got[0] - tip[0], got[1] - tip[1]) <= 2.0
