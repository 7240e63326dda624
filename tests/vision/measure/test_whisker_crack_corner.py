"""A Li-filled crack that turns by a right angle or more is not a (kinked) whisker.

A crack filled with lithium is a thin lithium line from the electrode's rim; an
intergranular one turns along grain boundaries by any angle. Segmented several px wide
(with its blur and rims), its first two legs passed the rod tests as a kinked whisker and
the crack was hidden from the crack finder (tuning seed 5024: 395 px, turning 96 deg over
18 px, 9 px wide in the mask). A whisker's kink turns by less than a right angle (the
bank's renderer: 15-60 deg), and such a kinked rod is still found.
"""
import math

import cv2
import numpy as np
import pytest

from vision import find_whiskers

#: Electrode of the test mask (x, y, radius; px) and the mask's shape (rows, cols).
ELECTRODE = (130.0, 500.0, 120.0)
SHAPE = (560, 640)
#: First leg from the rim, second leg after the corner (px): long enough a first leg that
#: the region is elongated (a rod, not a stub), as 5024's (290 and 105 px).
LEG1_PX, LEG2_PX = 280.0, 100.0


def _mask(turn_deg, seed, width_px=9):
    """Mask of a line from the rim: LEG1_PX outward, then LEG2_PX turned by ``turn_deg``,
    its sides made ragged (a third of its edge pixels dropped, some grown)."""
    rng = np.random.default_rng(seed)
    ex, ey, r = ELECTRODE
    a0 = math.radians(-40.0 + rng.uniform(-10.0, 10.0))
    base = np.array([ex + r * math.cos(a0), ey + r * math.sin(a0)])
    corner = base + LEG1_PX * np.array([math.cos(a0), math.sin(a0)])
    a1 = a0 + math.radians(turn_deg)
    tip = corner + LEG2_PX * np.array([math.cos(a1), math.sin(a1)])
    m = np.zeros(SHAPE, np.uint8)
    pts = np.round(np.array([base, corner, tip]) * 16).astype(np.int32)
    cv2.polylines(m, [pts], False, 1, thickness=width_px, lineType=cv2.LINE_8, shift=4)
    edge = (m > 0) & (cv2.erode(m, np.ones((3, 3), np.uint8)) == 0)
    m[edge & (rng.random(SHAPE) < 1 / 3)] = 0
    grow = (cv2.dilate(m, np.ones((3, 3), np.uint8)) > 0) & (m == 0)
    m[grow & (rng.random(SHAPE) < 0.1)] = 1
    yy, xx = np.ogrid[:SHAPE[0], :SHAPE[1]]
    m[np.hypot(xx - ex, yy - ey) < r - 2] = 0      # the line starts at the rim
    return m > 0


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("turn_deg", [96.0, 100.0, -110.0])
@pytest.mark.parametrize("width_px", [7, 9])
def test_crack_turning_a_right_angle_is_not_a_whisker(turn_deg, width_px, seed):
    ex, ey, r = ELECTRODE
    found, _ = find_whiskers(_mask(turn_deg, seed, width_px), electrode_xy_px=(ex, ey),
                             electrode_radius_px=r)
    assert found == [], f"{len(found)} whisker(s): {found}"


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("turn_deg", [45.0, -60.0])
def test_rod_kinked_by_less_than_a_right_angle_is_still_found(turn_deg, seed):
    ex, ey, r = ELECTRODE
    found, _ = find_whiskers(_mask(turn_deg, seed), electrode_xy_px=(ex, ey), electrode_radius_px=r)
    assert len(found) == 1
    # its length along the two legs, within a width of the drawn LEG1_PX + LEG2_PX (its base on the ragged rim)
    assert found[0].length_px == pytest.approx(LEG1_PX + LEG2_PX, abs=9.0)


@pytest.mark.parametrize("turn_deg", [95.0, -120.0])
def test_curve_chords_are_no_corner(turn_deg):
    # a curve's chain of 2-px chords turning more than a right angle within 3 widths has
    # no legs (pieces a width long): its turn is the curve tests' (tuning seed 5010)
    from vision.measure._whiskers import _sharpest_corner_deg
    width = 10.0
    ang = np.radians(np.linspace(0.0, turn_deg, 12))
    heads = 2.0 * np.column_stack([np.cos(ang), np.sin(ang)])
    assert _sharpest_corner_deg(heads, 3 * width, width) == 0.0
    # two legs a width long either side of the same 24 px of chords: a corner
    legs = np.vstack([[width * heads[0] / 2], heads, [width * heads[-1] / 2]])
    assert _sharpest_corner_deg(legs, 3 * width, width) == pytest.approx(abs(turn_deg))
