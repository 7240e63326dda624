"""A kinked or curving whisker is not taken for a thin branch from its tip.

:func:`vision.measure._whisker_branch.rod_through_branch` re-reads a rod along its last
straight axis when its centreline turns into a branch thinner than the rod. A rod that
itself kinks (keeping its width) or curves must be left to its centreline: each case
renders one whisker with ``vision.synthetic`` (as ``test_whisker_kink`` does), takes the
last straight detection as the prior of every later scan, as the tracker does, and
asserts that no scan is re-read. (Seeds 5029 and 7064 of the tuning sets: curving rods
were cut where they left their straight axis before the corner rule.)
"""
import numpy as np
import pytest
from test_whisker_centreline import ELECTRODE, one_whisker_scene

from vision import find_whiskers, refine_tip, segment_lithium
from vision.measure._whisker_branch import rod_through_branch
from vision.measure._whiskers import refine_width
from vision.synthetic import WhiskerShape, render_frames

#: The length (px) at which the kinked whiskers turn.
KINK_AT_PX = 35.0


def _rereads(shape, width_px, seed):
    """Scans (true length, px) in which rod_through_branch re-read the whisker."""
    ex, ey, r = ELECTRODE
    frames = list(render_frames(one_whisker_scene("bent", width_px, shape, seed), whiskers=True))
    prior, fired = None, []
    for img, _, rows in frames[1:]:
        if not rows:
            continue
        diff = frames[0][0].astype(np.float32) - img.astype(np.float32)
        li, _, _ = segment_lithium(diff, electrode_xy_px=(ex, ey), electrode_radius_px=r)
        found, _ = find_whiskers(li, electrode_xy_px=(ex, ey), electrode_radius_px=r)
        if len(found) != 1:
            continue
        if prior is not None and rod_through_branch(diff, found[0], prior) is not None:
            fired.append(round(rows[0]["length_px"]))
        w = refine_width(diff, refine_tip(diff, found[0]))
        if not w.path_xy_px:
            prior = w
    return fired


@pytest.mark.parametrize("width_px", [6.0, 9.0, 12.0])
@pytest.mark.parametrize("kink_deg", [-56.0, 20.0, 45.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_kinked_whisker_is_never_read_as_a_branch(width_px, kink_deg, seed):
    shape = WhiskerShape(kink_at_px=KINK_AT_PX, kink_deg=kink_deg)
    assert _rereads(shape, width_px, seed) == []


@pytest.mark.parametrize("width_px", [6.0, 9.0])
@pytest.mark.parametrize("turn_deg", [-40.0, 30.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_curving_whisker_is_never_read_as_a_branch(width_px, turn_deg, seed):
    # the whisker turns turn_deg over its 80 px (the bank's curves: 10-90 deg)
    shape = WhiskerShape(curvature_deg_per_px=turn_deg / 80.0)
    assert _rereads(shape, width_px, seed) == []
