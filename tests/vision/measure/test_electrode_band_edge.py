"""Counter-electrode edges interrupted by grains, and electrodes ringed by a bright rim (issue 11).

Synthetic frames and edge profiles with a known answer, several seeds each:

- a thin lithium band whose lines are interrupted (bright grains over it, as the data bar
  or the needle crossing some lines) still has a straight edge; a disc cut by the side
  (the working electrode) has none;
- a frame whose counter-electrode band covers most of it keeps the noise of its own
  texture (the band removed is set to one level and carries no gradient);
- an electrode whose boundary carries the secondary-electron bright ring is measured at
  the ring's crest, not at its outer flank.

Tolerances: the counter electrode's edge to the front's 4 px RMS requirement (issue 11);
the electrode's centre and radius as in test_electrode_random.py (max(2 px, 5 % of r)).
"""
import cv2
import numpy as np
import pytest

from vision.measure._electrode import (
    BAND_STRAIGHT_PX,
    _band_fits,
    _rim_ridge,
    _RimGradient,
    _straight_edge,
    find_counter_electrode,
    find_electrode,
)

#: Largest error (px) of the counter electrode's edge: the front's RMS requirement (issue 11).
EDGE_TOL_PX = 4.0


def _electrode_tol(radius_px):
    return max(2.0, 0.05 * radius_px)


@pytest.mark.parametrize("seed", range(5))
def test_interrupted_straight_edge_is_straight(seed):
    """30 % of the lines end early (runs of grains over the band): the edge is still straight."""
    rng = np.random.default_rng(seed)
    n, edge = 400, 45.0
    depth = np.rint(edge + rng.normal(0, 0.7, n)).astype(int)
    for start in rng.choice(n - 20, 6, replace=False):
        depth[start:start + 20] = rng.integers(0, 30)   # 6 runs of 20 lines: 30 %
    med, straight = _straight_edge(depth)
    assert straight
    assert abs(med - edge) <= EDGE_TOL_PX


@pytest.mark.parametrize("radius", [120.0, 250.0, 400.0])
def test_disc_cut_by_the_side_is_no_straight_edge(radius):
    """A disc centred beyond the side: its depth is an arc, whatever part of the side it spans."""
    n = 500
    x = np.arange(n) - n / 2
    for cut in (0.3, 0.6):       # the disc reaches ``cut`` of its radius into the field
        depth = np.sqrt(np.clip(radius ** 2 - x ** 2, 0, None)) - (1 - cut) * radius
        depth = np.clip(np.rint(depth), 0, None).astype(int)
        assert not _straight_edge(depth)[1], (radius, cut)


@pytest.mark.parametrize("seed", range(3))
def test_edge_passed_by_many_lines_is_not_straight(seed):
    """Lines that pass the edge by far more than the tolerance are no interruption."""
    rng = np.random.default_rng(seed)
    depth = np.full(300, 40)
    deeper = rng.choice(300, 90, replace=False)      # 30 % reach 20 px further
    depth[deeper] += int(5 * BAND_STRAIGHT_PX)
    assert not _straight_edge(depth)[1]


def _band_frame(seed, shape=(360, 520), band_px=20.0, grains=12):
    """Ceramic with a dark band along the right side (edge at x = w - band_px) and bright grains
    over it that cut some lines; returns the frame and the edge's x (px)."""
    rng = np.random.default_rng(seed)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    edge_x = w - band_px
    img = 110.0 + 30.0 * (np.clip(xx - edge_x + 0.5, 0, 1) * -1.0)     # band 30 levels darker
    for _ in range(grains):
        gy, gx = rng.uniform(10, h - 10), rng.uniform(edge_x, w)
        img = np.where(np.hypot(xx - gx, yy - gy) <= rng.uniform(5, 9), 150.0, img)
    img += rng.normal(0, 4.0, shape)
    return img.astype(np.float32), edge_x


@pytest.mark.parametrize("seed", range(4))
def test_thin_band_under_bright_grains_is_found(seed):
    image, edge_x = _band_frame(seed)
    fits = _band_fits(image)                  # the plateau and straight-edge rule itself
    assert "right" in fits, fits
    assert abs(image.shape[1] - fits["right"][0] - edge_x) <= EDGE_TOL_PX, fits
    co = find_counter_electrode(image, polarity="dark")
    assert co is not None and co.side == "right", co
    assert abs(co.boundary_px - edge_x) <= EDGE_TOL_PX, (co, edge_x)


@pytest.mark.parametrize("seed", range(3))
def test_rim_noise_ignores_a_flattened_band(seed):
    """Two thirds of the frame at one level: the gradient noise is the textured third's."""
    rng = np.random.default_rng(seed)
    img = np.full((300, 450), 100.0, np.float32)
    img[:, :150] += rng.normal(0, 5.0, (300, 150)).astype(np.float32)
    ref = np.full((300, 150), 100.0, np.float32) + rng.normal(0, 5.0, (300, 150)).astype(np.float32)
    noise = _RimGradient(img).gradient(2.0)[2]
    noise_ref = _RimGradient(ref).gradient(2.0)[2]
    assert 0.7 * noise_ref <= noise <= 1.3 * noise_ref


def _rimmed_disc(seed, xc, yc, r, shape=(400, 600), gain=60.0, sigma=1.5, band_frac=0.0):
    """Dark disc (level 60 on ceramic 120) with a bright ring of width ``sigma`` on its boundary;
    a dark band (level 60) over ``band_frac`` of the width on the right."""
    rng = np.random.default_rng(seed)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.hypot(xx - xc, yy - yc)
    inside = np.clip(r + 0.5 - d, 0, 1)
    img = 120.0 - 60.0 * inside + gain * np.exp(-0.5 * ((d - r) / sigma) ** 2)
    img = np.where(xx >= w * (1.0 - band_frac), 60.0, img)
    img += rng.normal(0, 6.0, shape)
    return cv2.GaussianBlur(img.astype(np.float32), (0, 0), 1.0)


@pytest.mark.parametrize("gain", [30.0, 60.0, 90.0])
@pytest.mark.parametrize("seed,r", [(0, 12.0), (1, 18.0), (2, 30.0)])
def test_rim_ridge_moves_the_outer_flank_to_the_ring(seed, r, gain):
    """The ring (half to one and a half times the step's 60 levels) is measured at its centre."""
    sm = cv2.GaussianBlur(_rimmed_disc(seed, 300.0, 200.0, r, gain=gain), (0, 0), 2.0)
    outer = r + 3.0                     # the ring's outer flank, where a polish may stop
    got = _rim_ridge(sm, 300.0, 200.0, outer, max(1.0, 0.4 * outer), 4.0)
    assert abs(got - r) <= _electrode_tol(r)


@pytest.mark.parametrize("seed", range(3))
def test_rim_ridge_leaves_a_plain_edge(seed):
    """No bright ring: the radius stays where the edge is."""
    sm = cv2.GaussianBlur(_rimmed_disc(seed, 300.0, 200.0, 20.0, gain=0.0), (0, 0), 2.0)
    assert _rim_ridge(sm, 300.0, 200.0, 20.0, 8.0, 4.0) == 20.0


@pytest.mark.parametrize("seed,yc", [(0, 150.0), (1, 220.0), (2, 280.0)])
def test_rimmed_electrode_cut_by_the_edge_beside_a_wide_band(seed, yc):
    """A 12 px dark disc with a bright rim cut by the left edge, a band over 62 % of the frame
    on the right and a faint large patch of brighter ceramic: the disc is found, at its crest."""
    h, w = 400, 600
    xc, r = 2.5, 12.0
    img = _rimmed_disc(seed, xc, yc, r, shape=(h, w), band_frac=0.62)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    # a faint brighter patch of the ceramic, 50 px across, with no edge of its own
    patch = np.exp(-0.5 * (np.hypot(xx - 40.0, yy - (yc + 120.0) % h) / 25.0) ** 2)
    img = (img + 10.0 * patch).astype(np.float32)
    el = find_electrode(img)
    tol = _electrode_tol(r)
    assert np.hypot(el.x_px - xc, el.y_px - yc) <= tol, el
    assert abs(el.radius_px - r) <= tol, el
