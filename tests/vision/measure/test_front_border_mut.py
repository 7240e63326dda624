"""A front piece says whether it lies at the analysed region's border (issue 16: no planted
bug survives).

Kills mutants of the lines of ``vision/measure/_front.py`` changed in wave 11
(:attr:`FrontPiece.at_border`, :attr:`FrontMeasurement.rim_zone_px`). A disc electrode in
a frame of known size (rows != cols, so the axes cannot be swapped unnoticed) with one
thick straight arm of lithium from its rim: toward each of the four borders, reaching it
or stopping well short of it (more than :data:`BORDER_PX` plus the tip smoothing). The
answer is geometric: the piece touches the border or it does not.
"""
import numpy as np
import pytest

from vision import measure_front
from vision.measure._front import BORDER_PX, BRANCH_RIM_PX, TIP_SMOOTHING_PX

#: (rows, cols) of the frame, px.
SHAPE = (140, 260)
#: Electrode centre (x, y) and radius, px: away from every border.
CENTRE, RADIUS = (130.0, 70.0), 20.0
#: Rim margin, px.
RIM_PX = 3.0
#: Half-width of an arm, px: thick enough that the tip smoothing keeps it whole.
HALF_W = 4
#: Gap left before the border by an arm that stops short of it, px: beyond BORDER_PX and
#: the tip smoothing's reach (three sigma).
SHORT_PX = BORDER_PX + 3 * TIP_SMOOTHING_PX + 6

#: The counter electrode each arm grows toward (the side it reaches).
COUNTER = {"left": "left", "right": "right", "top": "top", "bottom": "bottom"}


def _scene(side, reach_border):
    rows, cols = SHAPE
    yy, xx = np.mgrid[:rows, :cols]
    cx, cy = CENTRE
    li = (xx - cx) ** 2 + (yy - cy) ** 2 <= RADIUS ** 2
    end = 0 if reach_border else int(SHORT_PX)
    if side == "left":
        li[int(cy) - HALF_W:int(cy) + HALF_W + 1, end:int(cx)] = True
    elif side == "right":
        li[int(cy) - HALF_W:int(cy) + HALF_W + 1, int(cx):cols - end] = True
    elif side == "top":
        li[end:int(cy), int(cx) - HALF_W:int(cx) + HALF_W + 1] = True
    else:
        li[int(cy):rows - end, int(cx) - HALF_W:int(cx) + HALF_W + 1] = True
    return li


def _measure(li, counter):
    return measure_front(li, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                         counter_electrode=counter, rim_margin_px=RIM_PX)


@pytest.mark.parametrize("side", ["left", "right", "top", "bottom"])
@pytest.mark.parametrize("reach_border", [True, False], ids=["at-border", "short"])
def test_a_piece_is_at_the_border_when_it_reaches_it(side, reach_border):
    front = _measure(_scene(side, reach_border), COUNTER[side])
    assert len(front.pieces) == 1
    assert front.pieces[0].at_border is reach_border


def test_two_pieces_each_know_their_own_border():
    li = _scene("left", True) | _scene("right", False)
    front = _measure(li, "right")
    assert len(front.pieces) == 2
    # the left arm (the smaller projection toward the right) is at the border
    by_reach = sorted(front.pieces, key=lambda p: p.projected_px)
    assert [p.at_border for p in by_reach] == [True, False]


@pytest.mark.parametrize("rim", [2.0, 5.0])
def test_the_rim_zone_is_the_rim_margin_and_the_branch_rim_beyond_the_radius(rim):
    front = measure_front(_scene("right", False), electrode_xy_px=CENTRE,
                          electrode_radius_px=RADIUS, counter_electrode="right",
                          rim_margin_px=rim)
    assert front.rim_zone_px == pytest.approx(RADIUS + rim + BRANCH_RIM_PX)


@pytest.mark.parametrize("side", ["left", "right", "top", "bottom"])
def test_a_piece_footprint_lies_on_its_arm(side):
    # the footprint is some of the piece's own pixels, (x, y) in the frame
    li = _scene(side, False)
    front = _measure(li, COUNTER[side])
    pts = np.asarray(front.pieces[0].points_xy_px)
    assert pts.ndim == 2 and pts.shape[1] == 2 and len(pts) >= 2
    cols, rows = np.round(pts[:, 0]).astype(int), np.round(pts[:, 1]).astype(int)
    assert (cols >= 0).all() and (cols < SHAPE[1]).all() and (rows >= 0).all() \
        and (rows < SHAPE[0]).all()
    disc = (np.mgrid[:SHAPE[0], :SHAPE[1]][1] - CENTRE[0]) ** 2 \
        + (np.mgrid[:SHAPE[0], :SHAPE[1]][0] - CENTRE[1]) ** 2 <= RADIUS ** 2
    arm = li & ~disc
    assert arm[rows, cols].all()
