"""A crack ends where it meets the counter electrode: it does not run on along its rim.

The crack finder joins line pieces that continue a crack across a faint stretch, at a
grain junction at any angle (``vision.measure.crack._link``). The counter electrode's
edge is such a line (its bright rim is in the background's lines), and where lithium
creeps along that edge the joiner took it for the crack's continuation (tuning seed
7034: 14 px before touch-down a corner join followed the counter electrode's edge 100 px).
The counter electrode is now passed to the finder (``counter_mask``): no piece joins an
end that has met it, and no piece running along its edge joins. Drawn on the
polycrystalline background of ``test_crack_boundary_w17`` with a counter electrode on the
right (lithium, bright rim) and a line of lithium along its edge, beginning 12 px beside
the crack's end; the requirement (issue 11) is the crack path length within 10 %.
"""

import numpy as np
import pytest
import test_crack_boundary_w17 as w17
from test_crack_boundary_w17 import CENTRE, RADIUS, SHAPE, _coverage, _frame, _measure, _segment

from vision.measure._front import CounterElectrode

#: The counter electrode's boundary (x, px) and its rim's grey level (edge brightening).
BOUNDARY = 300.0
RIM = 0.75
#: The crack meets the counter electrode here (y, px).
END_Y = 150.0
#: The lithium line along the counter electrode's edge: its start this far from the crack's
#: end (within the joiner's corner gap), its length.
ALONG_GAP_PX = 12.0
ALONG_LEN_PX = 100.0
LENGTH_REL = 0.10


def _scene(seed, groove):
    """(image, background, true length): a lithium-filled crack from the rim to the counter electrode."""
    rng = np.random.default_rng(seed)
    tex = w17._texture(rng, groove)
    xx = np.arange(SHAPE[1])[None, :]
    tex = np.where(xx >= BOUNDARY, w17.LITHIUM, tex).astype(np.float32)
    rim = _coverage(_segment((BOUNDARY - 2, 0), (BOUNDARY - 2, SHAPE[0] - 1)), 2.5)
    tex = tex * (1 - rim) + RIM * rim
    background = np.mean([_frame(tex, np.zeros(SHAPE), rng) for _ in range(4)], axis=0)
    cover = _coverage(_segment((CENTRE[0] + RADIUS, CENTRE[1]), (BOUNDARY, END_Y)), 2.0)
    along = _segment((BOUNDARY - 3.5, END_Y - ALONG_GAP_PX),
                     (BOUNDARY - 3.5, END_Y - ALONG_GAP_PX - ALONG_LEN_PX))
    cover = np.maximum(cover, _coverage(along, 2.0))
    true = float(np.hypot(BOUNDARY - CENTRE[0] - RADIUS, END_Y - CENTRE[1]))
    return _frame(tex, cover, rng), background, true


def _check(seed, groove):
    image, background, true = _scene(seed, groove)
    counter = CounterElectrode(side="right", boundary_px=BOUNDARY).region_mask(SHAPE)
    c = _measure(image, background, counter_mask=counter)
    assert c is not None
    assert abs(c.total_length_px - true) <= LENGTH_REL * true, (c.total_length_px, true)
    assert np.hypot(c.tip_xy_px[0] - BOUNDARY, c.tip_xy_px[1] - END_Y) <= LENGTH_REL * true


# (without the counter electrode, crack18-wip 98f28ec measured these 343-376 px of 210: the
# crack ran on along the counter electrode's edge)
@pytest.mark.parametrize(("groove", "seed"), [(0.04, 1), (0.30, 1), (0.04, 2), (0.30, 2),
                                              (0.30, 3), (0.04, 4), (0.30, 4)])
def test_crack_meeting_the_counter_electrode_ends_there(groove, seed):
    _check(seed, groove)


@pytest.mark.xfail(strict=True, reason="dark grooves, seed 3: the crack turns into a grain "
                   "boundary 25 px before the counter electrode (243.7 px of 210, tip 26 px off), "
                   "with or without the counter electrode")
def test_crack_meeting_the_counter_electrode_ends_there_seed3():
    _check(3, 0.04)


# --- a line beside the crack's end, heading back along it --------------------------------
# A crack filling with lithium shows its second lip (or a boundary beside it) as a line
# next to its end. The joiner's corner rule took such a line, starting at the crack's end
# and running back along the crack, for the crack's continuation (tuning seed 7034, frame
# 160: the tip turned 33 px back). A piece after a corner may not reach back toward the
# electrode farther than it reaches out (``LINK_CORNER_BACK_PX``). Drawn: a crack to
# BACK_END, a boundary 7 px beside it from a short cross boundary at its end back 40 px,
# lithium in it.
BACK_END = np.array([220.0, 150.0])
BESIDE_PX, BACK_PX, CROSS_PX = 7.0, 40.0, 4.0


def _back_scene(seed, groove):
    rng = np.random.default_rng(seed)
    tex = w17._texture(rng, groove)
    a = BACK_END + np.array([CROSS_PX, -BESIDE_PX])
    b = a - np.array([BACK_PX, 0.0])
    edge = np.maximum(_coverage(_segment(a, b), 2.5), _coverage(_segment(BACK_END, a), 2.5))
    tex = tex * (1 - edge) + groove * edge
    background = np.mean([_frame(tex, np.zeros(SHAPE), rng) for _ in range(4)], axis=0)
    cover = _coverage(_segment((CENTRE[0] + RADIUS, CENTRE[1]), BACK_END), 2.0)
    cover = np.maximum(cover, _coverage(_segment(a + np.array([-3.0, 0.0]), b), 2.0))
    return _frame(tex, cover, rng), background, float(BACK_END[0] - CENTRE[0] - RADIUS)


def _check_back(seed, groove):
    image, background, true = _back_scene(seed, groove)
    c = _measure(image, background)
    assert c is not None
    assert abs(c.total_length_px - true) <= LENGTH_REL * true, (c.total_length_px, true)
    assert np.hypot(*(np.asarray(c.tip_xy_px) - BACK_END)) <= LENGTH_REL * true


# (crack18-wip 98f28ec measured 178.1, 194.8 and 177.7 px of 130 in the first three: the
# path ran on from the crack's end back along the line beside it)
@pytest.mark.parametrize(("groove", "seed"), [(0.04, 2), (0.04, 4), (0.30, 4), (0.30, 2),
                                              (0.04, 3), (0.30, 3)])
def test_line_beside_the_crack_end_heading_back_is_not_joined(groove, seed):
    _check_back(seed, groove)


@pytest.mark.xfail(strict=True, reason="dark grooves, seeds 1 and 5: the crack is cut short "
                   "where it crosses grain boundaries (113.2 px of 130; none found), as on "
                   "crack18-wip")
@pytest.mark.parametrize("seed", [1, 5])
def test_line_beside_the_crack_end_short_crack(seed):
    _check_back(seed, 0.04)
