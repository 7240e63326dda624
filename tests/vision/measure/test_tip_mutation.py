"""The whisker tip estimator's newer parts on constructed rods with a known end.

Written against the survivors of ``make mutate CHANGED=1b7ba61`` (docs/pages/mutation.md):
``follow_rod`` (the tip of a rod the segmentation cut short moved to the rod's end), the
centreline of a kinked rod (``WhiskerObs.centreline`` / ``point_at``) and the linking
coordinates (``_link_coords``). Each rod is drawn as a band of constant change on
Gaussian noise, its end known to the pixel edge; tolerances: 1.5 px for ``follow_rod``
(its result only has to land inside ``refine_tip``'s +-6 px edge search, which then
fits the edge to the 0.5 px target), exact for the geometry.
"""
import dataclasses

import numpy as np
import pytest

from vision import WhiskerObs
from vision.measure._whiskers import (
    LINK_DIRECTION_PX_PER_RAD,
    LINK_LENGTH_WEIGHT,
    _link_coords,
    follow_rod,
)

#: follow_rod lands inside refine_tip's edge search; 1.5 px as in test_whisker_fits.py
FOLLOW_TOL_PX = 1.5


def _band(shape, p0, p1, width, value):
    """`value` on the pixel centres within width/2 of the segment p0-p1 (x, y), flat ends.

    A rod ending at p1 on the pixel grid ends half a pixel beyond p1's pixel centre.
    """
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    d = p1 - p0
    t = ((xx - p0[0]) * d[0] + (yy - p0[1]) * d[1]) / (d @ d)
    dist = np.hypot(xx - (p0[0] + t * d[0]), yy - (p0[1] + t * d[1]))
    return np.where((dist <= width / 2) & (t >= 0) & (t <= 1), value, 0.0)


def _noise(shape, seed, sigma=8.0):
    return np.random.default_rng(seed).normal(0.0, sigma, shape)


def _cut(base, direction, length, width, *, path=()):
    """The detection: the mask's tip `length` px along the (last) axis from the anchor."""
    u = np.asarray(direction, float) / np.hypot(*direction)
    anchor = np.asarray(path[-1] if len(path) >= 2 else base, float)
    s_anchor = float(np.hypot(*np.diff(np.asarray(path, float), axis=0).T).sum()) \
        if len(path) >= 2 else 0.0
    tip = anchor + length * u
    return WhiskerObs(-1, tuple(base), (float(tip[0]), float(tip[1])), s_anchor + length,
                      width, (float(u[0]), float(u[1])), 0.7, tuple(path))


@pytest.mark.parametrize("contrast", [40.0, -40.0])
def test_follow_rod_on_a_vertical_rod_of_either_contrast(contrast):
    # a rod along +y from (30, 10) to (30, 130), 6 px wide; the mask stops at y = 50.
    # Vertical (x and y must not be swapped) and dark or bright (the sign of the change)
    shape = (160, 60)
    diff = _noise(shape, 1) + _band(shape, (30, 10), (30, 130), 6.0, contrast)
    w = _cut((30.0, 10.0), (0.0, 1.0), 40.0, 6.0)
    got = follow_rod(diff, w)
    assert got.length_px == pytest.approx(120.5, abs=FOLLOW_TOL_PX)   # to the last pixel's edge
    assert got.tip_xy_px[0] == pytest.approx(30.0, abs=1e-9)
    assert got.tip_xy_px[1] == pytest.approx(10.0 + got.length_px, abs=1e-9)
    # only the tip and the length change
    assert dataclasses.replace(got, tip_xy_px=w.tip_xy_px, length_px=w.length_px) == w


def test_follow_rod_on_an_oblique_rod_stays_on_its_axis():
    # 30 deg below the x axis, 100 px long, 7 px wide; the mask has the first 35 px
    a = np.radians(30.0)
    u = (float(np.cos(a)), float(np.sin(a)))
    base = (15.0, 20.0)
    end = (base[0] + 100.0 * u[0], base[1] + 100.0 * u[1])
    shape = (110, 140)
    diff = _noise(shape, 2) + _band(shape, base, end, 7.0, 45.0)
    w = _cut(base, u, 35.0, 7.0)
    got = follow_rod(diff, w)
    assert got.length_px == pytest.approx(100.0, abs=FOLLOW_TOL_PX)
    # on the axis: the tip is the base plus the length along the direction
    np.testing.assert_allclose(got.tip_xy_px, np.add(base, np.multiply(got.length_px, u)),
                               atol=1e-9)


def test_follow_rod_on_a_kinked_rod_moves_along_its_last_piece():
    # base (10, 40) -> vertex (50, 40), then 45 deg down for 60 px: arc length 100 px; the
    # mask ends 20 px into the second piece
    a = np.radians(45.0)
    u = (float(np.cos(a)), float(np.sin(a)))
    v = (50.0, 40.0)
    end = (v[0] + 60.0 * u[0], v[1] + 60.0 * u[1])
    shape = (120, 120)
    diff = _noise(shape, 3) + np.maximum(_band(shape, (10, 40), v, 6.0, 40.0),
                                         _band(shape, v, end, 6.0, 40.0))
    w = _cut((10.0, 40.0), u, 20.0, 6.0, path=((10.0, 40.0), v))
    assert w.length_px == pytest.approx(60.0)
    got = follow_rod(diff, w)
    assert got.length_px == pytest.approx(100.0, abs=FOLLOW_TOL_PX)
    np.testing.assert_allclose(got.tip_xy_px, np.add(v, np.multiply(got.length_px - 40.0, u)),
                               atol=1e-9)
    assert got.path_xy_px == w.path_xy_px


def test_follow_rod_keeps_a_tip_that_is_already_at_the_end():
    shape = (60, 160)
    diff = _noise(shape, 4) + _band(shape, (20, 30), (100, 30), 6.0, 40.0)
    # the mask ends at the rod's end, or one pixel short (no move of a pixel or less)
    for length in (80.5, 79.8):
        w = _cut((20.0, 30.0), (1.0, 0.0), length, 6.0)
        assert follow_rod(diff, w) is w


def test_follow_rod_needs_a_core_inside_the_mask():
    # a mask shorter than FOLLOW_MIN_CORE_PX plus half a width has no core to set the level
    shape = (60, 160)
    diff = _noise(shape, 5) + _band(shape, (20, 30), (120, 30), 6.0, 40.0)
    w = _cut((20.0, 30.0), (1.0, 0.0), 6.5, 6.0)
    assert follow_rod(diff, w) is w
    # with a core of 4 px (the least) it follows
    w = _cut((20.0, 30.0), (1.0, 0.0), 7.5, 6.0)
    assert follow_rod(diff, w).length_px == pytest.approx(100.5, abs=FOLLOW_TOL_PX)


def test_follow_rod_continuation_must_keep_its_level_fraction():
    # beyond the mask the rod keeps 40 % of the core's change: not the same rod at the
    # default half, followed when level_frac allows 0.3
    shape = (60, 300)
    core = _band(shape, (20, 30), (60, 30), 6.0, 50.0)
    rest = _band(shape, (61, 30), (140, 30), 6.0, 20.0)
    diff = _noise(shape, 6, sigma=4.0) + np.maximum(core, rest)
    w = _cut((20.0, 30.0), (1.0, 0.0), 40.0, 6.0)
    assert follow_rod(diff, w) is w
    got = follow_rod(diff, w, level_frac=0.3)
    assert got.length_px == pytest.approx(120.5, abs=FOLLOW_TOL_PX)


def test_follow_rod_continuation_must_be_significant():
    # a faint rod (change 3 on noise 8): the core's level is not min_z standard errors
    # above zero, nothing moves; with min_z lowered it does
    shape = (60, 180)
    diff = _noise(shape, 7) + _band(shape, (20, 30), (140, 30), 6.0, 3.0)
    w = _cut((20.0, 30.0), (1.0, 0.0), 40.0, 6.0)
    assert follow_rod(diff, w) is w
    # a strong rod passes with the default significance, and fails an absurd one
    strong = _noise(shape, 7) + _band(shape, (20, 30), (140, 30), 6.0, 40.0)
    assert follow_rod(strong, w).length_px == pytest.approx(120.5, abs=FOLLOW_TOL_PX)
    assert follow_rod(strong, w, min_z=1e4) is w


def test_follow_rod_only_stops_at_other_lithium_beyond_the_mask():
    # other lithium on the axis inside the segmented part (the electrode's rim, another
    # rod crossing near the base) does not stop the profile; beyond the mask it does
    shape = (60, 180)
    diff = _noise(shape, 8) + _band(shape, (20, 30), (140, 30), 6.0, 40.0)
    w = _cut((20.0, 30.0), (1.0, 0.0), 40.0, 6.0)
    near = np.zeros(shape, bool)
    near[:, 40:45] = True                     # inside the mask (x 20..60)
    assert follow_rod(diff, w, other_li=near).length_px == pytest.approx(120.5,
                                                                        abs=FOLLOW_TOL_PX)
    # the rod ends at x = 90 (edge 90.5); other lithium (as strong) on the axis from 100
    # to 130: the profile stops at it and the step at the rod's end is found
    diff = _noise(shape, 8) + _band(shape, (20, 30), (90, 30), 6.0, 40.0) \
        + _band(shape, (100, 30), (130, 30), 6.0, 40.0)
    far = np.zeros(shape, bool)
    far[:, 100:131] = True
    got = follow_rod(diff, w, other_li=far)
    assert got.length_px == pytest.approx(70.5, abs=FOLLOW_TOL_PX)


def test_follow_rod_does_not_follow_a_parallel_neighbour_or_a_broad_change():
    # beyond the mask a band twice the rod's width (a front, a brightness step): the
    # sides one width off the axis change as much as the axis, no rod
    shape = (80, 180)
    base = _noise(shape, 9) + _band(shape, (20, 40), (60, 40), 6.0, 40.0)
    wide = base + _band(shape, (60, 40), (140, 40), 30.0, 40.0) * (base < 1e9)
    w = _cut((20.0, 40.0), (1.0, 0.0), 40.0, 6.0)
    assert follow_rod(wide, w) is w
    # a change only to one side (a neighbour below the axis) does not make it a rod either
    one_side = base + _band(shape, (60, 50), (140, 50), 10.0, 40.0)
    assert follow_rod(one_side, w) is w


def test_centreline_and_point_at_on_a_kinked_rod():
    # base (0, 0) -> (30, 0) -> (30, 40) -> tip (60, 40): arc length 100
    w = WhiskerObs(1, (0.0, 0.0), (60.0, 40.0), 100.0, 5.0, (1.0, 0.0), 0.5,
                   ((0.0, 0.0), (30.0, 0.0), (30.0, 40.0)))
    line = w.centreline(step_px=10.0)
    assert line.shape == (11, 2)
    np.testing.assert_allclose(line[[0, 3, 4, 7, 10]],
                               [[0, 0], [30, 0], [30, 10], [30, 40], [60, 40]], atol=1e-12)
    np.testing.assert_allclose(w.centreline(step_px=30.0)[-2:], [[50, 40], [60, 40]])
    for s, p, u in [(0.0, (0, 0), (1, 0)), (15.0, (15, 0), (1, 0)), (30.0, (30, 0), (0, 1)),
                    (55.0, (30, 25), (0, 1)), (85.0, (45, 40), (1, 0)),
                    (110.0, (70, 40), (1, 0)), (-5.0, (-5, 0), (1, 0))]:
        got_p, got_u = w.point_at(s)
        np.testing.assert_allclose(got_p, p, atol=1e-12, err_msg=str(s))
        np.testing.assert_allclose(got_u, u, atol=1e-12, err_msg=str(s))
    assert w.anchor() == ((30.0, 40.0), 70.0)
    # a straight rod: the axis from the base along direction_xy
    s = WhiskerObs(2, (10.0, 5.0), (10.0, 25.0), 20.0, 5.0, (0.0, 1.0))
    np.testing.assert_allclose(s.point_at(7.5)[0], (10.0, 12.5))
    assert s.point_at(7.5)[1] == (0.0, 1.0)
    np.testing.assert_allclose(s.centreline(step_px=8.0), [[10, 5], [10, 13], [10, 21], [10, 25]])
    # a rod of no length is its base
    z = WhiskerObs(3, (4.0, 4.0), (4.0, 4.0), 0.0, 5.0, (1.0, 0.0))
    np.testing.assert_allclose(z.centreline(), [[4.0, 4.0]])


def test_link_coordinates_are_root_direction_and_weighted_length():
    # straight: base (row, col), the direction scaled, the length weighted
    w = WhiskerObs(-1, (12.0, 34.0), (52.0, 64.0), 50.0, 6.0, (0.8, 0.6))
    assert _link_coords(w) == pytest.approx((34.0, 12.0, 0.6 * LINK_DIRECTION_PX_PER_RAD,
                                             0.8 * LINK_DIRECTION_PX_PER_RAD,
                                             LINK_LENGTH_WEIGHT * 50.0), abs=1e-12)
    # bent: the direction the rod leaves its root in (the first piece), not its last
    b = WhiskerObs(-1, (0.0, 0.0), (40.0, 30.0), 60.0, 6.0, (0.0, 1.0), 0.5,
                   ((0.0, 0.0), (0.0, 20.0), (40.0, 20.0)))
    assert _link_coords(b) == pytest.approx((0.0, 0.0, LINK_DIRECTION_PX_PER_RAD, 0.0,
                                             LINK_LENGTH_WEIGHT * 60.0), abs=1e-12)
    # an unnormalised direction is normalised
    n = dataclasses.replace(w, direction_xy=(8.0, 6.0))
    assert _link_coords(n) == pytest.approx(_link_coords(w), abs=1e-12)


def test_an_empty_scan_ages_the_linker_memory():
    # a whisker missed in one scan keeps its id with memory 1; missed in two, it does not
    from vision.measure._whiskers import WhiskerLinker

    w = WhiskerObs(-1, (50.0, 40.0), (90.0, 40.0), 40.0, 8.0, (1.0, 0.0))
    linker = WhiskerLinker(search_range_px=30, memory=1)
    (first,) = linker.link([w])
    assert linker.link([]) == []
    (again,) = linker.link([w])
    assert again.whisker_id == first.whisker_id
    assert linker.link([]) == [] and linker.link([]) == []
    (late,) = linker.link([w])
    assert late.whisker_id != first.whisker_id
    # an empty first scan links nothing and starts nothing
    fresh = WhiskerLinker(search_range_px=30, memory=1)
    assert fresh.link([]) == []
    (one,) = fresh.link([w])
    (two,) = fresh.link([w])
    assert one.whisker_id == two.whisker_id
