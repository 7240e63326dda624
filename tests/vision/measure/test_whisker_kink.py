"""Kinked whiskers are measured as two straight legs meeting at the corner.

The bank's renderer kinks a quarter of its whiskers (15-60 deg). The medial path of a
kinked rod, and any path smoothed along it, rounds the corner over about a width: read as
a curve, a 56 deg kink in a 13 px rod came out 1.6-2.1 px short (tuning seed 7036). Each
case renders one kinked whisker with ``vision.synthetic`` (detector noise on; drift,
flicker and tears off) as ``test_whisker_centreline`` does, and runs the detection and
the tip fit. The length must be within issue 11's per-whisker target, 1.0 px (length
RMS <= 1 px at the 90th percentile), of the truth row's length.
"""
import math

import numpy as np
import pytest
from test_whisker_centreline import ELECTRODE, one_whisker_scene

from vision import find_whiskers, refine_tip, segment_lithium
from vision.measure._whiskers import _kink_corner
from vision.synthetic import WhiskerShape, render_frames

#: Issue 11's length target (px, 90th percentile of the per-whisker RMS).
LENGTH_TOL_PX = 1.0
#: The length at which the whisker kinks (px; the scene, its electrode, final length and
#: growth time are those of the curved-centreline test).
KINK_AT_PX = 35.0


def _scene(width_px, kink_deg, seed):
    """A 320 x 240 scene whose one whisker grows to LENGTH_PX, kinking by kink_deg."""
    return one_whisker_scene("kinked", width_px,
                             WhiskerShape(kink_at_px=KINK_AT_PX, kink_deg=kink_deg), seed)


@pytest.mark.parametrize("width_px", [6.0, 9.0, 13.0])
@pytest.mark.parametrize("kink_deg", [-45.0, 56.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kinked_whisker_length_along_its_legs(kink_deg, width_px, seed):
    ex, ey, r = ELECTRODE
    frames = list(render_frames(_scene(width_px, kink_deg, seed), whiskers=True))
    diff = frames[0][0].astype(np.float32) - frames[-1][0].astype(np.float32)
    li, _, _ = segment_lithium(diff, electrode_xy_px=(ex, ey), electrode_radius_px=r)
    found, _ = find_whiskers(li, electrode_xy_px=(ex, ey), electrode_radius_px=r)
    assert len(found) == 1, f"found {len(found)} whiskers"
    w = refine_tip(diff, found[0])
    truth = frames[-1][2][0]
    assert w.length_px == pytest.approx(truth["length_px"], abs=LENGTH_TOL_PX), \
        f"length {w.length_px:.2f} px vs {truth['length_px']:.2f} px"
    # two legs: the base and the corner before the tip
    assert len(w.path_xy_px) == 2


def _digital(points):
    """A path (K, 2) through ``points`` rounded to whole pixels (the medial path's staircase)."""
    return np.round(np.asarray(points, float))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("turn_deg", [40.0, 60.0])
def test_kink_corner_found_on_a_digital_corner(turn_deg, seed):
    # two straight legs of 30 px meeting at (40, 50), on the pixel grid, each point moved by
    # up to half a pixel across the path (the ragged sides of a mask): the corner is found
    # within a width's ramp of the truth
    rng = np.random.default_rng(seed)
    a0, a1 = math.radians(10.0), math.radians(10.0 + turn_deg)
    corner = np.array([40.0, 50.0])
    leg1 = corner - np.arange(30, 0, -1)[:, None] * [math.cos(a0), math.sin(a0)]
    leg2 = corner + np.arange(0, 31)[:, None] * [math.cos(a1), math.sin(a1)]
    path = np.vstack([leg1, leg2]) + rng.uniform(-0.5, 0.5, (61, 2))
    got = _kink_corner(_digital(path), 8.0)
    assert got is not None
    assert np.hypot(*(got - corner)) <= 4.0


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("turn_deg", [30.0, 60.0, 90.0])
@pytest.mark.parametrize("length_px", [30, 60])
def test_kink_corner_none_on_a_digital_arc(length_px, turn_deg, seed):
    # an arc turning evenly is no kink at any width up to a third of its length (on a short
    # one a corner near an end fits about as well: tuning seed 5010)
    rng = np.random.default_rng(seed)
    radius = length_px / math.radians(turn_deg)
    t = np.linspace(0.0, math.radians(turn_deg), length_px + 1)
    path = np.column_stack([radius * np.sin(t), radius * (1 - np.cos(t))]) \
        + rng.uniform(-0.5, 0.5, (length_px + 1, 2))
    for width_px in (5.0, 8.0, 10.0):
        assert _kink_corner(_digital(path), width_px) is None
