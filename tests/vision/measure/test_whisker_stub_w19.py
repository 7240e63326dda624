"""Two whiskers from one root that never part: a stub beside a rod (issue 11, wave 19).

Tuning seed 5034 grows an 8.2 px whisker 55 px long 9 deg off an 11.2 px whisker whose
base lies 2.6 px away: their axes stay closer than the sum of their half widths, so the
lithium mask holds one region, read on main as one rod 15-16 px wide and the stub is not
found. Drawn here as masks (pixel centres inside either rod, the electrode disc, edges
ragged by a pixel as a segmented edge is): the finder must report both rods, each length
within 3 px of the drawn one (the finder's tip is pixel-level; the tracker refines it on
the image) and each direction within 6 deg. A single rod whose mask widens at its root
(the fillet where the segmentation meets the electrode) or bows near its root is one rod.
"""
import math

import numpy as np
import pytest
from rod_drawing import rod_px

from vision.measure import find_whiskers

EX, EY, R = 260.0, 260.0, 60.0
SHAPE = (520, 520)
#: The finder's tip is pixel-level; the tracker's refine_tip moves it up to
#: TIP_MAX_SHIFT_PX = 6 px along the axis, so a candidate within half of that is refined.
TIP_TOL_PX = 3.0
#: An axis this far off moves the tip of a 25 px stub 2.6 px sideways, within its half
#: width: the tip's profile along the axis still crosses the stub's end (and the
#: validation's match gate is 25 deg).
DIR_TOL_DEG = 6.0
#: Drawings whose flipped edge pixels make the stub's edge fit a line only within 1.05 px
#: (measured), over the finder's bound: not split (known misses).
RAGGED_MISSES = {(0, -9.0, 50.0), (3, 14.0, 25.0)}


def _rod(mask, base_deg, dir_deg, width, length, *, offset=0.0):
    """Draw a rod from the rim at ``base_deg`` (moved ``offset`` px along the rim), pointing
    at ``dir_deg``, into ``mask``; its base and unit direction."""
    rod, base, u = rod_px(SHAPE, (EX, EY), R, base_deg, dir_deg, width, length,
                          offset_px=offset)
    mask |= rod
    return base, u


def _scene(seed):
    rng = np.random.default_rng(seed)
    mask = np.zeros(SHAPE, bool)
    yy, xx = np.mgrid[0:SHAPE[0], 0:SHAPE[1]]
    disc = np.hypot(xx - EX, yy - EY) <= R
    return rng, mask, disc


def _ragged(mask, rng):
    """Flip one in twenty of the pixels on the region's border: a segmented edge (tuning
    seed 5034's stub edges fit a line within 0.4-0.75 px RMS; these within 0.5-1)."""
    import cv2
    m = mask.astype(np.uint8)
    edge = (cv2.dilate(m, np.ones((3, 3), np.uint8)) > 0) & ~(cv2.erode(m, np.ones((3, 3), np.uint8)) > 0)
    flip = edge & (rng.random(mask.shape) < 0.05)
    return mask ^ flip


def _angle(u):
    return math.degrees(math.atan2(u[1], u[0]))


def _ang_diff(a, b):
    return abs((a - b + 180.0) % 360.0 - 180.0)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("rod_w", "stub_w", "turn_deg", "stub_len"),
                         [(11.2, 8.2, 9.0, 35.0),    # seed 5034's pair
                          (11.2, 8.2, -9.0, 50.0),
                          (9.0, 7.0, 14.0, 25.0)])
def test_stub_beside_rod_is_found(request, seed, rod_w, stub_w, turn_deg, stub_len):
    if (seed, turn_deg, stub_len) in RAGGED_MISSES:
        request.applymarker(pytest.mark.xfail(strict=True, reason=(
            "ragged drawn edge: the stub's edge fits its line within 1.05 px RMS, over "
            "STUB_EDGE_RMS_PX = 1.0 (a looser bound takes seed 7080's thin 'V' arm)")))
    rng, mask, disc = _scene(seed)
    base_deg = float(rng.uniform(0, 360))
    rod_dir = base_deg + float(rng.uniform(-10, 10))
    rod_len = 150.0
    _rod(mask, base_deg, rod_dir, rod_w, rod_len)
    _rod(mask, base_deg, rod_dir + turn_deg, stub_w, stub_len, offset=2.6 * math.copysign(1, turn_deg))
    li = _ragged(mask & ~disc, rng) | disc
    found, _ = find_whiskers(li, electrode_xy_px=(EX, EY), electrode_radius_px=R)
    assert len(found) == 2, [(round(w.length_px, 1), round(w.width_px, 1)) for w in found]
    long, short = sorted(found, key=lambda w: -w.length_px)
    assert abs(long.length_px - rod_len) <= TIP_TOL_PX
    assert _ang_diff(_angle(long.direction_xy), rod_dir) <= DIR_TOL_DEG
    assert abs(short.length_px - stub_len) <= TIP_TOL_PX, short
    assert _ang_diff(_angle(short.direction_xy), rod_dir + turn_deg) <= DIR_TOL_DEG, short


@pytest.mark.parametrize("seed", range(4))
def test_rod_with_root_fillet_is_one_rod(seed):
    """A rod whose mask widens by 3 px a side over its first 7 px (the rim fillet)."""
    rng, mask, disc = _scene(seed)
    base_deg = float(rng.uniform(0, 360))
    _rod(mask, base_deg, base_deg, 8.0, 120.0)
    _rod(mask, base_deg, base_deg, 14.0, 7.0)
    li = _ragged(mask & ~disc, rng) | disc
    found, _ = find_whiskers(li, electrode_xy_px=(EX, EY), electrode_radius_px=R)
    assert len(found) == 1, [(round(w.length_px, 1), round(w.width_px, 1)) for w in found]


@pytest.mark.parametrize("seed", range(4))
def test_rod_bowed_at_its_root_is_not_split(seed):
    """A rod whose first 25 px are offset 4 px to one side and converge on its line."""
    rng, mask, disc = _scene(seed)
    base_deg = float(rng.uniform(0, 360))
    _rod(mask, base_deg, base_deg, 10.0, 140.0)
    # the bow: a short piece from a root 4 px along the rim, converging at 9 deg
    _rod(mask, base_deg, base_deg - 9.0, 10.0, 25.0, offset=4.0)
    li = _ragged(mask & ~disc, rng) | disc
    found, _ = find_whiskers(li, electrode_xy_px=(EX, EY), electrode_radius_px=R)
    assert len(found) == 1, [(round(w.length_px, 1), round(w.width_px, 1)) for w in found]
