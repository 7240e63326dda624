"""A newly accepted rod is measured back over the scans before it was accepted (wave 16b)."""
import dataclasses
import math

import cv2
import numpy as np
import pytest

from vision.measure._whisker_back import measure_back
from vision.measure._whisker_obs import WhiskerObs
from vision.measure._whiskers import refine_tip

#: issue 11: whisker length RMS <= 1 px (p90): each scan's length within it
LENGTH_TOL_PX = 1.0

ANGLE = math.radians(-133.0)
U = (math.cos(ANGLE), math.sin(ANGLE))
BASE = (184.0, 99.5)
ROD_W = 7.0


def _rod_diff(seed, length, *, level=20.0, noise=4.0, rim=12.0, shape=(140, 220)):
    """Change image (background - frame) of a 7-px rod from BASE along U, ``length`` long.

    As an SEM image shows it: the rod's coverage (supersampled 8x, blurred 0.8 px) times
    its contrast ``level``, less a bright edge rim (the coverage's gradient magnitude,
    peaking at ``rim``), on Gaussian noise; behind the base (s < 0) the electrode, lithium
    in both images, does not change.
    """
    rng = np.random.default_rng(seed)
    k = 8
    yy, xx = np.mgrid[0:shape[0] * k, 0:shape[1] * k].astype(float)
    xx, yy = (xx + 0.5) / k - 0.5, (yy + 0.5) / k - 0.5
    dx, dy = xx - BASE[0], yy - BASE[1]
    s = dx * U[0] + dy * U[1]
    d = np.abs(dx * U[1] - dy * U[0])
    big = ((s >= -20.0) & (s <= length) & (d <= ROD_W / 2)).astype(np.float32)
    cov = cv2.resize(big, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
    cov = cv2.GaussianBlur(cov, (0, 0), 0.8)
    grad = np.hypot(cv2.Sobel(cov, cv2.CV_32F, 1, 0) / 8, cv2.Sobel(cov, cv2.CV_32F, 0, 1) / 8)
    diff = level * cov - rim * grad / max(float(grad.max()), 1e-9)
    yi, xi = np.mgrid[0:shape[0], 0:shape[1]].astype(float)
    behind = (xi - BASE[0]) * U[0] + (yi - BASE[1]) * U[1] < 0
    diff[behind] = 0.0
    return (diff + rng.normal(0.0, noise, shape)).astype(np.float32)


#: the rod as the tracker first accepted it: 30 px long (7019: a 7-px rod first reported at 30 px)
ROD = WhiskerObs(0, BASE, (BASE[0] + 30.0 * U[0], BASE[1] + 30.0 * U[1]), 30.0, 6.8, U)
#: its contrast when accepted (the synthetic rod's level)
LEVEL = 20.0


@pytest.mark.parametrize("length", [10.0, 12.0, 18.0, 25.0, 30.0])
def test_earlier_lengths_measured_back_along_the_known_axis(length):
    # 10 noise seeds: the length error's 90th percentile within issue 11's 1 px, and as
    # small as the forward tip fit's (refine_tip from the true tip) on the same images
    errs, fwd = [], []
    for seed in range(1, 11):
        diff = _rod_diff(seed, length)
        got = measure_back(diff, ROD, LEVEL)
        assert got is not None
        errs.append(got.length_px - length)
        t = np.asarray(got.tip_xy_px) - np.asarray(BASE)
        assert abs(t[0] * U[1] - t[1] * U[0]) == pytest.approx(0.0, abs=1e-6)
        assert got.whisker_id == 0 and got.width_px == ROD.width_px
        true = dataclasses.replace(ROD, tip_xy_px=(BASE[0] + length * U[0], BASE[1] + length * U[1]),
                                   length_px=length)
        fwd.append(refine_tip(diff, true, half_window_px=min(10.0, length)).length_px - length)
    p90 = float(np.percentile(np.abs(errs), 90))
    assert p90 <= LENGTH_TOL_PX
    # (refine_tip samples its profile at TIP_STEP_PX = 0.25 px: one step apart is as good)
    assert p90 <= float(np.percentile(np.abs(fwd), 90)) + 0.25


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("length", [0.0, 3.0])
def test_no_rod_before_it_is_a_width_long(seed, length):
    # before the rod is a width long (a cap on the rim) there is nothing to report
    assert measure_back(_rod_diff(seed, length), ROD, LEVEL) is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_broad_change_is_not_a_rod(seed):
    # a brightness step over the whole stretch (a front, a charging patch): the ceramic
    # beside the axis changed as much as on it
    rng = np.random.default_rng(seed)
    diff = rng.normal(0.0, 6.0, (140, 220)).astype(np.float32)
    yy, xx = np.mgrid[0:140, 0:220].astype(float)
    s = (xx - BASE[0]) * U[0] + (yy - BASE[1]) * U[1]
    diff[(s >= 0) & (s <= 15.0)] += 20.0
    assert measure_back(diff, ROD, LEVEL) is None


def test_a_curved_rod_is_not_measured_back():
    bent = WhiskerObs(0, BASE, (170.0, 80.0), 23.0, 4.0, U, path_xy_px=(BASE, (175.0, 90.0)))
    assert measure_back(_rod_diff(1, 20.0), bent, LEVEL) is None
