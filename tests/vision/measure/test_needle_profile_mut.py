"""A needle's tip and width profile on drawn regions of known geometry (issue 16).

Written against the survivors of the mutation run of ``vision/measure/_needle.py`` (wave
15, 50 in ``_needle_tip`` and 41 in ``_width_taper``). Regions are drawn analytically (a
pixel belongs to the region when its centre lies inside the shape) on a non-square frame
(310 rows x 500 columns, so rows and columns cannot be swapped unnoticed), entering from
each of the four sides, straight in and tilted. The truth:

* ``_width_taper``: the slab widths of the continuous profile (the width integrated over
  each slab across the axis, over the slab's thickness), the base their median over the
  first TAPER_BASE_FRAC of the length, the narrowest point the least of them up to
  TAPER_END_FRAC, the taper to the tip the base over the widest from there on.
* ``_needle_tip``: the tip is the region's pixel farthest from the entry's centre (the
  wedge's apex); the rank is elongation (length**2 / area) times solidity (area / convex
  hull area); the bounds are inclusive as documented ("at most" NEEDLE_MAX_CONTACT_FRAC
  wide, "at least" NEEDLE_MIN_ELONGATION, NEEDLE_MIN_SHAFT of the line inside).
"""
import math

import cv2
import numpy as np
import pytest

import vision.measure._needle as needle
from vision.measure._needle import (
    NEEDLE_MAX_CONTACT_FRAC,
    NEEDLE_MIN_ELONGATION,
    NEEDLE_MIN_SHAFT,
    NEEDLE_MIN_SOLIDITY,
    TAPER_BASE_FRAC,
    TAPER_END_FRAC,
    TAPER_SLAB_FRAC,
    _needle_tip,
    _width_taper,
)

H, W = 310, 500
SHAPE = (H, W)
#: Slab widths are pixel counts over the slab's thickness (20 px on a 400 px needle): a
#: drawn straight edge miscounts by well under a pixel per slab, so a width is good to a
#: few per cent of a 60 px base and about 0.3 px at the narrow end.
REL_TOL = 0.04

# where each side's entry point lies and which way is into the field (unit vector)
SIDES = {"left": ((0.0, 155.0), (1.0, 0.0)), "right": ((W - 1.0, 155.0), (-1.0, 0.0)),
         "top": ((250.0, 0.0), (0.0, 1.0)), "bottom": ((250.0, H - 1.0), (0.0, -1.0))}


def _rotate(v, deg):
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return v[0] * c - v[1] * s, v[0] * s + v[1] * c


def _draw(side, tilt_deg, length, half_width):
    """Pixels whose centre lies within the profile ``half_width(u)`` (px) along an axis of
    `length` px from `side`'s entry point, tilted by `tilt_deg`; the axis starts outside the
    field so that the region is cut by the image edge. Returns xs, ys, the edge mask."""
    (ex, ey), into = SIDES[side]
    ux, uy = _rotate(into, tilt_deg)
    yy, xx = np.mgrid[:H, :W].astype(float)
    u = (xx - ex) * ux + (yy - ey) * uy
    v = -(xx - ex) * uy + (yy - ey) * ux
    inside = (u >= -100) & (u <= length) & (np.abs(v) <= half_width(np.clip(u, 0, length)))
    ys, xs = np.nonzero(inside)
    edge = (xs == 0) | (ys == 0) | (xs == W - 1) | (ys == H - 1)
    return xs, ys, edge


def _far(xs, ys, edge):
    d2 = (xs - xs[edge].mean()) ** 2 + (ys - ys[edge].mean()) ** 2
    k = int(np.argmax(d2))
    return (xs[k], ys[k]), float(d2[k])


def _truth(half_width, length, end_frac=TAPER_END_FRAC):
    """(narrowing, to_tip) of the continuous profile, by the docstring's definition, with
    slabs along the axis to the tip pixel, `length` px from the entry's centre (the drawn
    apex need not be a pixel centre: the last pixel lies up to a few px short of it)."""
    n = int(round(1 / TAPER_SLAB_FRAC))
    u = (np.arange(n * 200) + 0.5) / (n * 200) * length
    widths = (2 * half_width(u)).reshape(n, 200).mean(axis=1)
    nb = int(round(TAPER_BASE_FRAC / TAPER_SLAB_FRAC))
    ne = int(round(end_frac / TAPER_SLAB_FRAC))
    base = float(np.median(widths[:nb]))
    if ne <= nb:
        return 1.0, base / max(base, widths[nb:].max())
    k = nb + int(np.argmin(widths[nb:ne]))
    return base / widths[k], base / widths[k:].max()


L = 400.0      # px, the needle's length in the field (left and right)
LV = 280.0     # px, from the top or bottom (the frame is 310 rows)


def _wedge(length, base_half=30.0):
    """Straight for the first quarter (its base, a bar 2 * base_half px wide), then a wedge
    narrowing to a point at the tip: a tilted entry cuts only the first slab."""
    return lambda u: np.where(u <= 0.25 * length, base_half,
                              base_half * (length - u) / (0.75 * length))


def _wedge_on_disc(length, base_half=30.0, r=40.0):
    """The wedge above ending on a disc of radius `r` px whose far edge is the tip."""
    wedge = _wedge(length, base_half)
    return lambda u: np.maximum(wedge(u), np.sqrt(np.clip(r ** 2 - (u - (length - r)) ** 2,
                                                          0, None)))


def _straight_then_wedge(length, base_half=30.0):
    """A plain wedge from the entry (no straight base): its base slabs differ one from the
    next, so the median of the first TAPER_BASE_FRAC is the middle one's width only."""
    return lambda u: base_half * (1.0 - 0.8 * u / length)


#: Tilts of the axis from the side's normal, degrees: none exactly along the pixel grid (a
#: drawn edge along a row or column counts its pixels in steps of a whole row)
CASES = [(side, tilt) for side in SIDES for tilt in (4.0, -12.0, 17.0)]


#: The plain wedge only nearly straight in: a tilted entry cuts the first slab (by 30 px x
#: 30 tan(tilt) / 2 over its 20 px thickness), and beyond about 5 degrees the cut slab is
#: no longer the widest of the base's, so the median is another slab's width
PROFILE_CASES = [(p, side, tilt) for p in (_wedge, _wedge_on_disc) for side, tilt in CASES] + \
    [(_straight_then_wedge, side, tilt) for side in SIDES for tilt in (4.0, -3.0)]


@pytest.mark.parametrize("profile, side, tilt", PROFILE_CASES)
def test_the_width_profile_of_a_drawn_needle(profile, side, tilt):
    length = L if side in ("left", "right") else LV
    hw = profile(length)
    xs, ys, edge = _draw(side, tilt, length, hw)
    tip, d2 = _far(xs, ys, edge)
    got = _width_taper(xs, ys, edge, tip)
    want = _truth(hw, math.sqrt(d2))
    assert got == pytest.approx(want, rel=REL_TOL), (side, tilt, got, want)


@pytest.mark.parametrize("side", list(SIDES))
def test_a_bar_of_constant_width_does_not_narrow(side):
    length = L if side in ("left", "right") else LV
    xs, ys, edge = _draw(side, 0.0, length, lambda u: np.full_like(u, 20.0))
    tip, _ = _far(xs, ys, edge)
    assert _width_taper(xs, ys, edge, tip) == pytest.approx((1.0, 1.0), rel=REL_TOL)


def _stepped(length, base_half=30.0):
    """A bar 60 px wide over the first quarter of its length, then 20 px wide."""
    return lambda u: np.where(u <= 0.25 * length, base_half, base_half / 3)


@pytest.mark.parametrize("profile", [_wedge, _wedge_on_disc, _stepped])
def test_without_a_middle_range_nothing_is_narrower_than_the_base(monkeypatch, profile):
    # TAPER_END_FRAC at TAPER_BASE_FRAC: no slab between the base and the end is looked at,
    # the narrowing is 1 and the taper to the tip the base over the widest slab beyond it
    # (or the base itself)
    monkeypatch.setattr(needle, "TAPER_END_FRAC", TAPER_BASE_FRAC)
    hw = profile(L)
    xs, ys, edge = _draw("left", 0.0, L, hw)
    tip, d2 = _far(xs, ys, edge)
    got = _width_taper(xs, ys, edge, tip)
    want = _truth(hw, math.sqrt(d2), end_frac=TAPER_BASE_FRAC)
    assert got == pytest.approx(want, rel=REL_TOL)
    assert got[0] == 1.0


def test_a_region_shorter_than_a_pixel_has_no_profile():
    xs, ys = np.array([0, 0, 1]), np.array([5, 6, 5])
    edge = xs == 0
    assert _width_taper(xs, ys, edge, (0, 5)) == (0.0, 0.0)


def _tip_of(xs, ys):
    """_needle_tip on the region's bounding box, as find_electrode calls it."""
    x0, y0 = int(xs.min()), int(ys.min())
    comp = np.zeros((int(ys.max()) - y0 + 1, int(xs.max()) - x0 + 1), bool)
    comp[ys - y0, xs - x0] = True
    return _needle_tip(comp, x0, y0, SHAPE, len(xs))


def _hull_area(xs, ys):
    return cv2.contourArea(cv2.convexHull(np.column_stack([xs, ys]).astype(np.int32)))


@pytest.mark.parametrize("side, tilt", CASES)
def test_the_tip_is_the_apex_and_the_rank_elongation_times_solidity(side, tilt):
    length = L if side in ("left", "right") else LV
    xs, ys, edge = _draw(side, tilt, length, _wedge(length))
    got = _tip_of(xs, ys)
    assert got is not None
    (ex, ey), into = SIDES[side]
    apex = np.add((ex, ey), np.multiply(_rotate(into, tilt), length))
    # the last pixel centre inside the wedge lies where its width is about a pixel
    # (half-width slope 30 px over 0.75 of the length)
    assert math.hypot(got[0] - apex[0], got[1] - apex[1]) <= 0.75 * length / 30.0
    # the rank: the length squared over the area, times the area over the hull's
    (tx, ty), d2 = _far(xs, ys, edge)
    assert (got[0], got[1]) == (tx, ty)
    solidity = len(xs) / _hull_area(xs, ys)
    assert solidity > 0.95     # a wedge is convex
    assert got[2] == pytest.approx(d2 / len(xs) * solidity, rel=1e-9)


def test_a_base_of_exactly_the_largest_contact_is_a_needle():
    # 93 rows on the left edge (0.3 x 310), the axis along the middle row: 93 px across
    assert NEEDLE_MAX_CONTACT_FRAC * min(SHAPE) == 93.0
    half = 46.0
    xs, ys, edge = _draw("left", 0.0, 400.0, lambda u: half * (1.0 - u / 400.0))
    assert int(np.count_nonzero(edge)) == 93
    assert _tip_of(xs, ys) is not None
    # one row more is too wide
    xs2 = np.concatenate([xs, [0]])
    ys2 = np.concatenate([ys, [int(ys[edge].max()) + 1]])
    assert _tip_of(xs2, ys2) is None


def test_an_elongation_of_exactly_the_least_is_a_needle():
    # a 1 px line of 9 pixels on row 10 from the left edge and 7 pixels below it (x = 1..7):
    # 16 pixels, the tip (8, 10) 8 px from the entry pixel (0, 10): 64 / 16 = 4
    xs = np.r_[np.arange(9), np.arange(1, 8)] + 0
    ys = np.r_[np.full(9, 10), np.full(7, 11)]
    assert 64 / 16 == NEEDLE_MIN_ELONGATION
    got = _tip_of(xs, ys)
    assert got is not None and got[:2] == (8.0, 10.0)
    # a stubbier region (one pixel less far) is none
    keep = xs != 8
    assert _tip_of(xs[keep], ys[keep]) is None


@pytest.mark.parametrize("side", list(SIDES))
def test_a_stubby_region_entering_from_a_side_is_no_needle(side):
    # a half disc of radius 40 px on the side: length**2 / area = 1600 / 2513, far below 4
    xs, ys, edge = _draw(side, 0.0, 40.0, lambda u: np.sqrt(np.clip(40.0 ** 2 - u ** 2, 0, None)))
    assert _tip_of(xs, ys) is None


def _notched(side, notch_px):
    """A straight bar (15 px wide, 300 px long, pointed at its tip) with a grain as bright as
    it attached near its entry (a ragged L off the edge: solidity below NEEDLE_MIN_SOLIDITY)
    and a notch `notch_px` px long cut across its axis from one side, open to the outside (no
    hole to fill): the line from the entry to the tip leaves the region over the notch only."""
    length = 300.0 if side in ("left", "right") else 260.0
    (ex, ey), into = SIDES[side]
    yy, xx = np.mgrid[:H, :W].astype(float)
    u = (xx - ex) * into[0] + (yy - ey) * into[1]
    v = -(xx - ex) * into[1] + (yy - ey) * into[0]
    bar = (u >= 0) & (np.abs(v) <= np.minimum(7.0, (length - u) / 2))
    notch = (u >= 0.5 * length) & (u < 0.5 * length + notch_px) & (v <= 3)
    grain = (((u >= 10) & (u <= 14) & (v > 7) & (v <= 60)) |
             ((u >= 10) & (u <= 150) & (v > 55) & (v <= 60)))
    ys, xs = np.nonzero((bar & ~notch) | grain)
    return xs, ys, length


@pytest.mark.parametrize("side", list(SIDES))
def test_a_straight_shaft_with_a_grain_is_a_needle_while_its_line_stays_inside(side):
    xs, ys, length = _notched(side, 0)
    assert len(xs) / _hull_area(xs, ys) < NEEDLE_MIN_SOLIDITY
    got = _tip_of(xs, ys)
    assert got is not None
    # the tip is the bar's point, the rank its elongation times NEEDLE_MIN_SOLIDITY
    (tx, ty), d2 = _far(xs, ys, (xs == 0) | (ys == 0) | (xs == W - 1) | (ys == H - 1))
    (ex, ey), into = SIDES[side]
    assert (tx, ty) == (ex + into[0] * length, ey + into[1] * length)
    assert got == pytest.approx((tx, ty, d2 / len(xs) * NEEDLE_MIN_SOLIDITY), rel=1e-9)
    # the line is sampled once per pixel of its length, both ends included (300 samples
    # 300/299 px apart): a notch one pixel longer than 1 - NEEDLE_MIN_SHAFT of the samples
    # holds that many of them (15 of 300, 13 of 260) and is still a needle; one pixel more
    # (16, 14 samples off) is not
    off = round((1 - NEEDLE_MIN_SHAFT) * length) + 1
    assert _tip_of(*_notched(side, off)[:2]) is not None
    assert _tip_of(*_notched(side, off + 1)[:2]) is None


#: A ring (a disc seen only by its rim, outer and inner radius px) at the tip of a shaft 15 px
#: wide, cut by the image edge: the ring's inside is a hole open to that edge only. The ring
#: meets the edge in two stretches of 10 px, shorter than the shaft's base (the entry is the
#: longest stretch, or of the two longest the one reaching farther).
RING = (40.0, 32.0)
SHAFT_HALF = 7.0


def _shaft_to_ring(cut_by):
    """A straight shaft 15 px wide entering from a side perpendicular to `cut_by` and ending
    on a ring whose centre lies 20 px inside the side `cut_by` (the ring crosses it); the
    shaft runs along the ring's diameter, so the tip (the ring's far point from the entry) and
    the entry lie on one row or column. Returns xs, ys and the tip (x, y)."""
    r_out, r_in = RING
    yy, xx = np.mgrid[:H, :W].astype(float)
    if cut_by in ("top", "bottom"):
        row = 20.0 if cut_by == "top" else H - 21.0
        cx, cy = 300.0, row
        shaft = (np.abs(yy - row) <= SHAFT_HALF) & (xx <= cx - r_in)
        tip = (cx + r_out, row)
    else:
        col = 20.0 if cut_by == "left" else W - 21.0
        cx, cy = col, 230.0
        shaft = (np.abs(xx - col) <= SHAFT_HALF) & (yy <= cy - r_in)
        tip = (col, cy + r_out)
    d = np.hypot(xx - cx, yy - cy)
    ys, xs = np.nonzero(shaft | ((d <= r_out) & (d >= r_in)))
    return xs, ys, tip


@pytest.mark.parametrize("cut_by", list(SIDES))
def test_a_ring_at_the_tip_cut_by_the_image_edge_is_closed_against_it(cut_by):
    # the line from the entry to the tip crosses the ring's inside (64 of 300-odd px): the
    # electrode at the tip is a hole in the region, closed against the image edge, and the
    # line lies inside the region with its holes filled
    xs, ys, tip = _shaft_to_ring(cut_by)
    assert len(xs) / _hull_area(xs, ys) < NEEDLE_MIN_SOLIDITY
    got = _tip_of(xs, ys)
    assert got is not None, cut_by
    # the entry is the shaft's base on the edge
    entry = (xs == 0) if cut_by in ("top", "bottom") else (ys == 0)
    assert np.count_nonzero(entry) == 2 * SHAFT_HALF + 1
    (tx, ty), d2 = _far(xs, ys, entry)
    assert (tx, ty) == tip
    assert got == pytest.approx((tx, ty, d2 / len(xs) * NEEDLE_MIN_SOLIDITY), rel=1e-9)


@pytest.mark.parametrize("cut_by", list(SIDES))
def test_a_ring_open_to_the_field_is_no_shaft(cut_by):
    # the same ring with a gap of 8 px on its side away from the image edge: its inside is
    # open to the field, not a hole, and the line leaves the region over 20 % of its length
    xs, ys, tip = _shaft_to_ring(cut_by)
    r_out, _ = RING
    centre = (tip[0] - r_out, tip[1]) if cut_by in ("top", "bottom") else (tip[0], tip[1] - r_out)
    away = {"top": (0, 1), "bottom": (0, -1), "left": (1, 0), "right": (-1, 0)}[cut_by]
    gap = (np.abs((xs - centre[0]) * away[1] - (ys - centre[1]) * away[0]) <= 4) & \
        ((xs - centre[0]) * away[0] + (ys - centre[1]) * away[1] > 0)
    assert _tip_of(xs[~gap], ys[~gap]) is None


@pytest.mark.parametrize("start, step", [((0, 5), (1, 1)), ((0, 290), (1, -1)),
                                         ((480, 0), (-1, 1)), ((W - 1, 200), (-1, -1)),
                                         ((30, H - 1), (1, -1))])
def test_a_short_diagonal_line_does_not_narrow(start, step):
    # a line one pixel wide, 18 diagonal steps (25.5 px) long: its slabs (1.27 px thick) are
    # thinner than a diagonal step (1.41 px), so some hold no pixel. A line of constant width
    # does not narrow: the least width is floored at one pixel per slab, the base's width
    xs = start[0] + step[0] * np.arange(19)
    ys = start[1] + step[1] * np.arange(19)
    edge = (xs == 0) | (ys == 0) | (xs == W - 1) | (ys == H - 1)
    assert np.count_nonzero(edge) == 1
    narrowing, to_tip = _width_taper(xs, ys, edge, (xs[-1], ys[-1]))
    assert narrowing == pytest.approx(1.0, rel=0.05) and to_tip == pytest.approx(1.0, rel=0.05)


@pytest.mark.parametrize("profile, narrows_to_tip", [(_wedge, True), (_wedge_on_disc, False)])
@pytest.mark.parametrize("side", ["right", "bottom"])
def test_a_needle_candidate_is_ranked_by_its_narrowing(profile, narrows_to_tip, side):
    # a wedge narrows (6 x from its base) whether or not a disc widens it again at its tip:
    # it is ranked with the tapering regions (NEEDLE_MIN_TAPER); the taper to the tip tells
    # the free tip (the same 6 x) from the one on a disc (below 1)
    length = L if side == "right" else LV
    hw = profile(length)
    xs, ys, edge = _draw(side, 4.0, length, hw)
    x0, y0 = int(xs.min()), int(ys.min())
    comp = np.zeros((int(ys.max()) - y0 + 1, int(xs.max()) - x0 + 1), bool)
    comp[ys - y0, xs - x0] = True
    got = needle.needle_candidate(comp, x0, y0, SHAPE, len(xs))
    assert got is not None
    rank, (score, tx, ty), taper = got
    (fx, fy), d2 = _far(xs, ys, edge)
    assert (tx, ty) == (fx, fy)
    want = _truth(hw, math.sqrt(d2))
    assert taper == pytest.approx(want, rel=REL_TOL)
    # the narrowing comes first in the rank (before the wedge flag and the elongation x
    # solidity that orders the rest)
    assert rank[0] is True and rank[-1] == score
    assert (taper[1] >= needle.NEEDLE_MIN_TAPER) is narrows_to_tip
