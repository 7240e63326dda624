"""A rod the segmentation cut short is measured to its drawn end (wave 21, issue 16).

``_measure_rod`` (wave 20) measures a candidate on the change image: followed beyond the
segmented tip (``follow_rod``) up to *other* lithium (the lithium mask less the rod's own
piece, plus the bodies of rods read from that piece), its tip refined on the image and
its width refined. Drawn here: one straight rod 100 px long and 7 px wide from the
electrode's rim, at one level in the change image (blurred by 1 px, Gaussian noise), of
which the lithium mask shows only the first half (a faint rod's segmentation), and, in
some scenes, another lithium region (a front's patch, 12 px in radius) on the rod's axis
beyond its tip. Truth: the drawn length; issue 11: whisker length within 1 px.

Found on the way (strict xfail below): when that other lithium starts 4-8 px beyond the
tip, ``refine_tip`` fits the edge toward it and the rod is measured 1.6-3.8 px long
(the follow itself stops at the rod's end, 99.3-100.3 px).
"""
import math

import cv2
import numpy as np
import pytest

from vision.measure import find_whiskers
from vision.track._tracker import _measure_rod

EX, EY, R = 260.0, 260.0, 60.0
SHAPE = (500, 540)   # rows, cols: not square, so that axes cannot be swapped unnoticed
ROD_LENGTH_PX, ROD_WIDTH_PX, SHOWN_PX = 100.0, 7.0, 50.0
PATCH_RADIUS_PX = 12.0
#: issue 11: whisker length RMS 90th percentile <= 1 px: each drawn rod's length within it
LENGTH_TOL_PX = 1.0


def _scene(seed, patch_gap_px=None):
    """Lithium mask (the rod's first SHOWN_PX, the electrode, the patch) and change image."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SHAPE[0], 0:SHAPE[1]].astype(float)
    disc = np.hypot(xx - EX, yy - EY) <= R
    a = math.radians(float(rng.uniform(0, 360)))
    d = a + math.radians(float(rng.uniform(-10, 10)))
    bx, by = EX + R * math.cos(a), EY + R * math.sin(a)
    u = (math.cos(d), math.sin(d))
    s = (xx - bx) * u[0] + (yy - by) * u[1]
    p = -(xx - bx) * u[1] + (yy - by) * u[0]
    rod = (s >= -R / 2) & (s <= ROD_LENGTH_PX) & (np.abs(p) <= ROD_WIDTH_PX / 2) & ~disc
    li = (rod & (s <= SHOWN_PX)) | disc
    true = rod.copy()
    if patch_gap_px is not None:
        reach = ROD_LENGTH_PX + patch_gap_px + PATCH_RADIUS_PX
        patch = np.hypot(xx - (bx + reach * u[0]), yy - (by + reach * u[1])) <= PATCH_RADIUS_PX
        li |= patch
        true |= patch
    diff = cv2.GaussianBlur(30.0 * true.astype(np.float32), (0, 0), 1.0)
    diff = diff + rng.normal(0.0, 4.0, SHAPE).astype(np.float32)
    return li, diff


def _measured(li, diff):
    cands, wmask = find_whiskers(li, electrode_xy_px=(EX, EY), electrode_radius_px=R)
    assert len(cands) == 1
    # the segmentation's half of the rod
    assert cands[0].length_px == pytest.approx(SHOWN_PX, abs=2.0)
    return _measure_rod(diff, li, wmask, cands, 0)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_rod_cut_short_by_the_segmentation_is_measured_to_its_end(seed):
    rod = _measured(*_scene(seed))
    assert rod.length_px == pytest.approx(ROD_LENGTH_PX, abs=LENGTH_TOL_PX)


@pytest.mark.parametrize(("seed", "gap"), [(1, 12.0), (2, 16.0), (3, 20.0), (4, 12.0)])
def test_rod_followed_up_to_other_lithium_on_its_axis_not_through_it(seed, gap):
    # the change image runs on along the axis into the patch (followed through it: 127-133 px)
    rod = _measured(*_scene(seed, gap))
    assert rod.length_px == pytest.approx(ROD_LENGTH_PX, abs=LENGTH_TOL_PX)


@pytest.mark.xfail(strict=True, reason=(
    "wave 21 (mutation of _measure_rod): other lithium 4-8 px beyond a rod's tip on its axis "
    "pulls refine_tip's edge toward it: 101.6-103.8 px for a drawn 100 px rod (seeds 1-6), "
    "the follow itself 99.3-100.3 px; issue 11 asks 1 px"))
@pytest.mark.parametrize(("seed", "gap"), [(1, 4.0), (2, 8.0), (3, 4.0), (4, 8.0)])
def test_rod_ending_just_short_of_other_lithium_is_measured_to_its_end(seed, gap):
    rod = _measured(*_scene(seed, gap))
    assert rod.length_px == pytest.approx(ROD_LENGTH_PX, abs=LENGTH_TOL_PX)
