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
