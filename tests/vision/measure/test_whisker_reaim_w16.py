"""A short straight piece of a known longer rod is measured along that rod's axis (wave 16)."""
import math

import numpy as np
import pytest

from vision.measure._whisker_obs import WhiskerObs
from vision.measure._whisker_reaim import reaim_on_prior
from vision.measure._whiskers import follow_rod, refine_tip

#: issue 11: whisker length RMS <= 1 px (p90): each scan's length within it
LENGTH_TOL_PX = 1.0

ANGLE = math.radians(-133.0)
U = (math.cos(ANGLE), math.sin(ANGLE))
BASE = (184.0, 99.5)
ROD_LEN, ROD_W = 63.0, 7.0


def _rod_diff(seed, *, level=20.0, noise=6.0, shape=(140, 220)):
    """Change image of a 7-px rod from BASE along U, ROD_LEN long (+level on Gaussian noise)."""
    rng = np.random.default_rng(seed)
    diff = rng.normal(0.0, noise, shape).astype(np.float32)
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(float)
    dx, dy = xx - BASE[0], yy - BASE[1]
    s = dx * U[0] + dy * U[1]
    d = np.abs(dx * U[1] - dy * U[0])
    diff[(s >= 0) & (s <= ROD_LEN) & (d <= ROD_W / 2)] += level
    return diff


def _piece(length, turn_deg, width=3.7):
    """A straight candidate from BASE, ``length`` long, its direction off by ``turn_deg``."""
    a = ANGLE + math.radians(turn_deg)
    u = (math.cos(a), math.sin(a))
    return WhiskerObs(-1, BASE, (BASE[0] + length * u[0], BASE[1] + length * u[1]), length,
                      width, u)


PRIOR = WhiskerObs(0, BASE, (BASE[0] + 57.0 * U[0], BASE[1] + 57.0 * U[1]), 57.0, 6.9, U)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("turn_deg", [-4.5, 4.5])
def test_short_piece_of_a_faint_rod_is_followed_to_its_end(seed, turn_deg):
    # 5022: the segmentation kept 23 px of a 63-px, 7-px rod, its direction 4.5 deg off;
    # followed along the known rod's axis the tip lands on the rod's end
    diff = _rod_diff(seed)
    got = reaim_on_prior(_piece(23.0, turn_deg), PRIOR)
    assert got is not None
    assert got.direction_xy == pytest.approx(U)
    assert got.width_px == pytest.approx(6.9)
    end = refine_tip(diff, follow_rod(diff, got))
    assert end.length_px == pytest.approx(ROD_LEN, abs=LENGTH_TOL_PX)


def test_reaim_keeps_the_piece_s_reach_on_the_known_axis():
    got = reaim_on_prior(_piece(23.0, 4.5), PRIOR)
    # the tip is the projection of the piece's tip on the axis: 23 cos(4.5 deg)
    assert got.length_px == pytest.approx(23.0 * math.cos(math.radians(4.5)), abs=1e-9)
    assert got.base_xy_px == PRIOR.base_xy_px
    t = np.asarray(got.tip_xy_px) - np.asarray(BASE)
    assert abs(t[0] * U[1] - t[1] * U[0]) == pytest.approx(0.0, abs=1e-9)


def test_reaim_only_a_shorter_straight_piece_inside_the_rod():
    # longer than the known rod: its own direction is the better one
    assert reaim_on_prior(_piece(60.0, 1.0), PRIOR) is None
    # its tip off the rod's body (more than half its width off the axis): another rod
    assert reaim_on_prior(_piece(40.0, 10.0), PRIOR) is None
    # a curved candidate or a curved known rod: not a straight piece
    bent = WhiskerObs(-1, BASE, (170.0, 80.0), 23.0, 4.0, U, path_xy_px=(BASE, (175.0, 90.0)))
    assert reaim_on_prior(bent, PRIOR) is None
    assert reaim_on_prior(_piece(23.0, 0.0), bent) is None


def test_reaim_not_a_piece_as_long_as_the_rod_less_its_cap():
    # shorter by less than the rod's width (6.9 px): the tip's scatter, not a piece
    assert reaim_on_prior(_piece(52.0, 1.0), PRIOR) is None
    assert reaim_on_prior(_piece(50.0, 1.0), PRIOR) is not None
