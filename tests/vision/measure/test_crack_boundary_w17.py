"""A crack that turns into a grain boundary: measured whole, whichever sign it shows there.

An intergranular lithium-filled crack crosses a grain as a dark line (lithium against
the ceramic), then turns at a junction into a grain boundary and runs along it. There
the lithium replaces the boundary's groove: where the groove was darker than the
lithium the crack is a *bright* line in the difference to the background (tuning seed
7012), where it was lighter a faint dark one. Before, the crack was measured up to the
junction only (7012: 120 px of 900). Drawn here on a polycrystalline background (Voronoi
grains of different grey levels with dark boundary grooves); the requirement (issue 11)
is the crack path length within 10 % per frame (90th percentile). Without a crack, or
with a crack that stops at the junction, the boundaries must not count as crack.
"""

import cv2
import numpy as np
import pytest
from test_crack_rims import _coverage as _rims_coverage  # the same supersampled drawing

from vision import crack_background
from vision.measure.crack._detect import detect_crack

SHAPE = (260, 460)        # rows, cols
CENTRE = (60.0, 150.0)    # electrode (x, y)
RADIUS = 30.0
CERAMIC, LITHIUM = 0.46, 0.15
#: Grey-level spread of the grains (the generator's polycrystalline substrate: a few %).
GRAIN_SPREAD = 0.03
#: The length requirement of issue 11 (90th percentile per frame).
LENGTH_REL = 0.10
NOISE = 0.03
#: The crack: across a grain from the rim to a junction, then along a boundary (sharp
#: turn of about 100 deg), px.
JUNCTION = (175.0, 175.0)
BOUNDARY_END = (230.0, 40.0)


def _coverage(pts, width):
    return _rims_coverage(pts, width, SHAPE)


def _segment(a, b):
    n = int(np.ceil(np.hypot(b[0] - a[0], b[1] - a[1])))
    t = np.linspace(0.0, 1.0, n + 1)[:, None]
    return np.asarray(a) * (1 - t) + np.asarray(b) * t


def _crack_paths():
    rim = (CENTRE[0] + RADIUS, CENTRE[1])
    return _segment(rim, JUNCTION), _segment(JUNCTION, BOUNDARY_END)


def _texture(rng, groove):
    """Voronoi grains (random grey levels) with boundary grooves at ``groove``, plus the
    boundary the crack will follow (from the junction on, and beyond it)."""
    yy, xx = np.mgrid[:SHAPE[0], :SHAPE[1]].astype(np.float32)
    seeds = rng.uniform((0, 0), (SHAPE[1], SHAPE[0]), (14, 2))
    d = np.stack([(xx - sx) ** 2 + (yy - sy) ** 2 for sx, sy in seeds])
    lab = np.argmin(d, axis=0)
    img = (CERAMIC + rng.uniform(-GRAIN_SPREAD, GRAIN_SPREAD, len(seeds)))[lab].astype(np.float32)
    edges = cv2.dilate((cv2.Laplacian(lab.astype(np.float32), cv2.CV_32F) != 0).astype(np.uint8),
                       np.ones((2, 2), np.uint8)).astype(np.float32)
    # the crack's boundary, continued beyond both ends (a boundary runs junction to junction)
    _, along = _crack_paths()
    u = (along[-1] - along[0]) / np.hypot(*(along[-1] - along[0]))
    gb = _segment(along[0] - 30 * u, along[-1] + 30 * u)
    edges = np.maximum(edges, _coverage(gb, 2.5))
    return img * (1 - edges) + groove * edges


def _frame(texture, cover, rng):
    yy, xx = np.mgrid[:SHAPE[0], :SHAPE[1]]
    elec = ((xx - CENTRE[0]) ** 2 + (yy - CENTRE[1]) ** 2 <= RADIUS ** 2).astype(np.float32)
    cov = np.maximum(cover.astype(np.float32), elec)
    img = texture * (1 - cov) + LITHIUM * cov
    img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 0.6)
    return (img + rng.normal(0, NOISE, SHAPE)).astype(np.float32)


def _measure(image, background, **kw):
    return detect_crack(image, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                        background=crack_background(background), **kw)


def _scene(seed, groove, crack=True, along=True):
    rng = np.random.default_rng(seed)
    tex = _texture(rng, groove)
    background = np.mean([_frame(tex, np.zeros(SHAPE), rng) for _ in range(4)], axis=0)
    across, on_boundary = _crack_paths()
    cover = np.zeros(SHAPE)
    if crack:
        cover = _coverage(across, 2.0)
        if along:
            # lithium fills the boundary's groove (2.5 px) along the crack
            cover = np.maximum(cover, _coverage(on_boundary, 2.5))
    return _frame(tex, cover, rng), background


def _true_length(along=True):
    across, on_boundary = _crack_paths()
    n = float(np.hypot(*np.diff(across, axis=0).T).sum())
    return n + (float(np.hypot(*np.diff(on_boundary, axis=0).T).sum()) if along else 0.0)


# grooves darker than the lithium (the crack reads bright along the boundary) and lighter
# (it reads as a faint dark line there)
@pytest.mark.parametrize("groove", [0.04, 0.30], ids=["bright-along", "dark-along"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_crack_turning_into_a_grain_boundary_is_measured_whole(seed, groove):
    image, background = _scene(seed, groove)
    c = _measure(image, background)
    true = _true_length()
    assert c is not None
    assert abs(c.path_length_px - true) <= LENGTH_REL * true, (c.path_length_px, true)
    # the far tip is the boundary's end, not the junction
    assert np.hypot(c.tip_xy_px[0] - BOUNDARY_END[0], c.tip_xy_px[1] - BOUNDARY_END[1]) \
        <= LENGTH_REL * true


@pytest.mark.parametrize("groove", [0.04, 0.30], ids=["dark-groove", "light-groove"])
@pytest.mark.parametrize("seed", [4, 5, 6])
def test_grain_boundaries_alone_are_no_crack(seed, groove):
    image, background = _scene(seed, groove, crack=False)
    assert _measure(image, background) is None


@pytest.mark.parametrize("groove", [0.04, 0.30], ids=["dark-groove", "light-groove"])
@pytest.mark.parametrize("seed", [7, 8])
def test_crack_ending_at_a_junction_gains_no_boundary(seed, groove):
    image, background = _scene(seed, groove, along=False)
    c = _measure(image, background)
    true = _true_length(along=False)
    # (no more than the crack: where it crosses a boundary it may be cut short, as before)
    assert c is None or c.path_length_px <= (1.0 + LENGTH_REL) * true, (c.path_length_px, true)
