"""A whisker with strong bright edges is lithium, a crack with bright lips is not.

The tracker takes a rod candidate whose dark core (FWHM across its centreline in the
change image) is narrower than ``WHISKER_MIN_CORE_WIDTH_PX`` for a crack. Secondary-
electron edge brightening narrows a thin whisker's core as well: at the generator's
strongest edges a 6 px whisker keeps a core of 2-2.5 px, as narrow as a plain crack's
(tuning seed 7072: a 5.7 px whisker kinked by 44 deg, taken for a crack in every scan).
Its bright rims, at its two sides, lie farther apart than a crack's two lips. Rods and
cracks are drawn as the generator draws them (coverage, lithium level, rims from the
gradient of the blurred coverage; ``test_crack_rims``), the candidate's centreline is the
drawn one (straight, curved or kinked), and the widths are measured across it.
"""
import math

import numpy as np
import pytest
from test_crack_rims import CENTRE, RADIUS, SHAPE, _coverage, _crack, _frame

from vision.measure._whiskers import WhiskerObs
from vision.track._tracker import WHISKER_MIN_CORE_WIDTH_PX, _core_width_px, _is_whisker_core, _rim_separation_px

#: Rods start on the electrode's rim and run 70 px (px).
ROD_LENGTH_PX = 70.0


def _rod_path(shape, n=71):
    """Centreline (n, 2) of a rod from the electrode's rim: straight, a 40 deg arc, or a
    45 deg kink halfway."""
    s = np.linspace(0.0, ROD_LENGTH_PX, n)
    if shape == "arc":
        heading = math.radians(40.0) * s / ROD_LENGTH_PX
    elif shape == "kink":
        heading = np.where(s < ROD_LENGTH_PX / 2, 0.0, math.radians(45.0))
    else:
        heading = np.zeros_like(s)
    heading = heading - 0.3
    step = np.diff(s, prepend=0.0)
    x = CENTRE[0] + RADIUS + np.cumsum(step * np.cos(heading))
    y = CENTRE[1] + np.cumsum(step * np.sin(heading))
    return np.column_stack([x, y])


def _candidate(path, mask_width_px):
    """The candidate the finder reports for a rod or crack along ``path`` (K, 2)."""
    u = path[-1] - path[-2]
    u = u / np.hypot(*u)
    return WhiskerObs(-1, tuple(path[0]), tuple(path[-1]),
                      float(np.hypot(*np.diff(path, axis=0).T).sum()), mask_width_px,
                      tuple(u), path_xy_px=tuple(map(tuple, path[:-1])))


def _change(path, width_px, seed, *, edge_gain, edge_sigma):
    """Change image (background - frame; dark lithium positive) of a line along ``path``."""
    rng = np.random.default_rng(seed)
    background = np.mean([_frame(np.zeros(SHAPE), rng, edge_gain=edge_gain,
                                 edge_sigma=edge_sigma) for _ in range(4)], axis=0)
    frame = _frame(_coverage(path, width_px), rng, edge_gain=edge_gain, edge_sigma=edge_sigma)
    return background - frame


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shape", ["straight", "arc", "kink"])
@pytest.mark.parametrize(("edge_gain", "edge_sigma"), [(0.75, 1.3), (1.0, 1.5)])
def test_thin_whisker_with_strong_edges_is_lithium(edge_gain, edge_sigma, shape, seed):
    # a 6 px rod (the thinnest test whisker) whose core the edges narrow
    path = _rod_path(shape)
    diff = _change(path, 6.0, seed, edge_gain=edge_gain, edge_sigma=edge_sigma)
    rod = _candidate(path, 6.0 + 2 * edge_sigma + 2.0)
    assert _is_whisker_core(diff, rod, "dark"), \
        f"core {_core_width_px(diff, rod, 'dark'):.2f} px, rims {_rim_separation_px(diff, rod, 'dark'):.2f} px"


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("width_px", [1.0, 1.5, 2.0, 2.5])
@pytest.mark.parametrize(("edge_gain", "edge_sigma"), [(0.5, 0.9), (0.75, 0.9), (1.0, 1.5)])
def test_crack_with_bright_lips_is_no_whisker(edge_gain, edge_sigma, width_px, seed):
    # Li-filled and plain cracks up to 2.5 px: at moderate edges both lips stand out, 3-4.25 px
    # apart; at strong ones they swamp the core
    rng = np.random.default_rng(seed)
    path = _crack(rng, 90.0)
    diff = _change(path, width_px, seed, edge_gain=edge_gain, edge_sigma=edge_sigma)
    crack = _candidate(path, width_px + 2 * edge_sigma + 4.0)
    assert not _is_whisker_core(diff, crack, "dark")


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shape", ["arc", "kink"])
def test_bent_rod_core_width_across_its_local_centreline(shape, seed):
    # without edge brightening a bent 7 px rod's core is its width, measured across its
    # centreline where it bends (a chord from base to tip would cross it obliquely)
    path = _rod_path(shape)
    diff = _change(path, 7.0, seed, edge_gain=0.0, edge_sigma=1.0)
    width = _core_width_px(diff, _candidate(path, 9.0), "dark")
    assert width == pytest.approx(7.0, abs=1.0)
    assert width >= WHISKER_MIN_CORE_WIDTH_PX
