"""A needle whose tip touches another image side is read from its base (issue 16, wave 16).

Wedges drawn analytically (``cv2.fillPoly``) on a 310 x 500 field: a base on one side, the
apex on another side (the opposite one, or one next to it). The region then meets the image
edge twice, along its base and at its tip; from the tip's pixels a corner of the base lies a
little farther than the tip from the base's centre, so the reach alone read such wedges
backwards (the bug mutation testing found in wave 15, ``_needle_tip`` 53). The truth: the
tip is the drawn apex, within 2 px (a drawn edge miscounts under a pixel; the apex's pixel
and its neighbour), and the wedge narrows from its base (NEEDLE_MIN_TAPER).
"""
import cv2
import numpy as np
import pytest

from vision.measure._needle import NEEDLE_MIN_TAPER, _needle_entry, _needle_tip, needle_candidate

H, W = 310, 500
SHAPE = (H, W)
#: the apex's pixel or its neighbour (a drawn edge miscounts under a pixel)
TIP_TOL_PX = 2.0
SIDES = ("left", "right", "top", "bottom")


def _to_xy(side, u, v):
    """Frame (x, y) px of a point ``u`` px into the field from ``side``, ``v`` px along it."""
    return {"left": (u, v), "right": (W - 1 - u, v), "top": (v, u), "bottom": (v, H - 1 - u)}[side]


def _depth(side):
    """How far the field reaches from ``side``, px (its last pixel)."""
    return W - 1 if side in ("left", "right") else H - 1


def _span(side):
    """The length of ``side``, px (its last pixel)."""
    return H - 1 if side in ("left", "right") else W - 1


def _wedge(base_side, centre, half, tip):
    m = np.zeros(SHAPE, np.uint8)
    pts = [_to_xy(base_side, 0, centre - half), tip, _to_xy(base_side, 0, centre + half)]
    cv2.fillPoly(m, [np.array(pts, np.int32)], 1)
    ys, xs = np.nonzero(m)
    x0, y0 = int(xs.min()), int(ys.min())
    comp = m[y0:ys.max() + 1, x0:xs.max() + 1] > 0
    return comp, x0, y0


def _cases():
    """(base side, base centre, half width, tip (x, y)): tips on the opposite side and on a
    side next to the base's, base half widths 10-40 px (at most NEEDLE_MAX_CONTACT_FRAC of
    the shorter side wide), 8 seeds."""
    out = []
    for seed in range(8):
        rng = np.random.default_rng(seed)
        for side in SIDES:
            span = _span(side)
            half = int(rng.integers(10, 41))
            centre = int(rng.integers(half + 60, span - half - 60))
            # the opposite side, anywhere along it but a corner
            opposite = _to_xy(side, _depth(side), int(rng.integers(20, span - 20)))
            # a side next to the base's, far enough in that the wedge is long and crosses
            # that side steeply (not a sliver along it)
            u = int(rng.integers(_depth(side) // 2, _depth(side) - 20))
            beside = _to_xy(side, u, 0 if rng.random() < 0.5 else span)
            out += [(side, centre, half, opposite), (side, centre, half, beside)]
    return out


CASES = _cases()


@pytest.mark.parametrize("side,centre,half,tip", CASES)
def test_the_tip_of_a_wedge_touching_another_side_is_its_apex(side, centre, half, tip):
    comp, x0, y0 = _wedge(side, centre, half, tip)
    got = _needle_tip(comp, x0, y0, SHAPE, int(comp.sum()))
    assert got is not None
    assert np.hypot(got[0] - tip[0], got[1] - tip[1]) <= TIP_TOL_PX


@pytest.mark.parametrize("side,centre,half,tip", CASES)
def test_such_a_wedge_enters_along_its_base(side, centre, half, tip):
    comp, x0, y0 = _wedge(side, centre, half, tip)
    ys, xs = np.nonzero(comp)
    xs, ys = xs + x0, ys + y0
    entry = _needle_entry(xs, ys, SHAPE)
    # the entry is the base's pixels on its side (a drawn end may miss or add a pixel)
    base = [_to_xy(side, 0, v) for v in range(centre - half - 1, centre + half + 2)]
    got = set(zip(xs[entry].tolist(), ys[entry].tolist()))
    assert got <= set(base) and len(got) >= len(base) - 4


@pytest.mark.parametrize("side,centre,half,tip", CASES)
def test_such_a_wedge_ranks_as_a_needle_that_narrows(side, centre, half, tip):
    comp, x0, y0 = _wedge(side, centre, half, tip)
    got = needle_candidate(comp, x0, y0, SHAPE, int(comp.sum()))
    assert got is not None
    rank, needle, taper = got
    assert rank[0] and taper[0] >= NEEDLE_MIN_TAPER
    assert np.hypot(needle[1] - tip[0], needle[2] - tip[1]) <= TIP_TOL_PX


def test_a_bar_of_constant_width_across_the_field_is_read_by_its_reach():
    # a bar 9 px wide from the top side to the bottom one meets both along equal stretches;
    # neither end is the narrow one, so the reach decides as before: an entry on one of
    # the two sides and the far end on the other
    m = np.zeros(SHAPE, np.uint8)
    m[:, 200:209] = 1
    ys, xs = np.nonzero(m)
    entry = _needle_entry(xs, ys, SHAPE)
    assert entry.any() and len(set(ys[entry].tolist())) == 1
    assert ys[entry][0] in (0, H - 1)
