"""The counter electrode's band rules of wave 11 at their edges (issue 16: no planted bug
survives).

Kills mutants of the lines of ``vision/measure/_electrode.py`` changed in wave 11
(``benchmarks/mutate_changed.py 03236e8 --file vision/measure/_electrode.py``) that
``test_electrode_band_edge.py`` lets through. The answers are geometric:

- the depth where a line's band ends (:func:`_line_edges`): its first pixel outside
  the band, or the step that best splits it into band and rest, on lines built with a
  known edge and known stray pixels;
- a straight edge (:func:`_straight_edge`): lines at the median within the tolerance,
  lines that stop early are interruptions, lines that pass it by more are no edge;
- a band along each of the four sides, dark or bright, thin or over most of the frame,
  found at its edge by :func:`find_counter_electrode` and by
  :func:`resolve_counter_electrode` given its side (within the front's 4 px RMS
  requirement, issue 11), and no band in a frame without one.
"""
import numpy as np
import pytest

from vision.measure._electrode import (
    BAND_MIN_STRAIGHT,
    BAND_STRAIGHT_FRAC,
    BAND_STRAIGHT_PX,
    _band_depths,
    _band_fits,
    _line_edges,
    _straight_edge,
    find_counter_electrode,
    resolve_counter_electrode,
)

#: Largest error (px) of the counter electrode's edge: the front's RMS requirement (issue 11).
EDGE_TOL_PX = 4.0
#: (rows, cols) of the frames (rows != cols: axes cannot be swapped unnoticed).
SHAPE = (300, 440)


# --- where a line's band ends -------------------------------------------------------------

def _lines(depths, n=60, *, band=50.0, rest=150.0):
    out = np.full((len(depths), n), rest)
    for i, d in enumerate(depths):
        out[i, :d] = band
    return out


@pytest.mark.parametrize("step_fit", [False, True])
def test_line_edges_of_clean_lines_are_their_band_depths(step_fit):
    depths = [0, 5, 17, 33, 59]
    dark = _line_edges(_lines(depths), 100.0, dark=True, step_fit=step_fit)
    np.testing.assert_array_equal(dark, depths)
    bright = _line_edges(_lines(depths, band=200.0, rest=90.0), 145.0, dark=False,
                         step_fit=step_fit)
    np.testing.assert_array_equal(bright, depths)


def test_a_line_all_band_ends_at_its_length():
    lines = _lines([60, 60, 10], n=60)
    np.testing.assert_array_equal(_line_edges(lines, 100.0, dark=True), [60, 60, 10])
    np.testing.assert_array_equal(_line_edges(lines, 100.0, dark=True, step_fit=True),
                                  [60, 60, 10])


def test_stray_pixels_end_the_band_early_only_without_the_step_fit():
    # a deep band (edge 30) whose textured lithium crosses the mid-level at 8 and 12, and
    # a ceramic with a dark grain at 45
    lines = _lines([30, 30])
    lines[0, [8, 12]] = 150.0
    lines[1, 45] = 50.0
    np.testing.assert_array_equal(_line_edges(lines, 100.0, dark=True), [8, 30])
    np.testing.assert_array_equal(_line_edges(lines, 100.0, dark=True, step_fit=True), [30, 30])


def test_the_mid_level_is_not_part_of_the_band():
    # pixels exactly at the mid-level are neither darker nor brighter than it
    lines = np.array([[50.0] * 10 + [100.0] * 5 + [150.0] * 45])
    assert _line_edges(lines, 100.0, dark=True)[0] == 10
    assert _line_edges(lines, 100.0, dark=True, step_fit=True)[0] == 10
    assert _line_edges(lines[:, ::-1], 100.0, dark=False)[0] == 45


# --- a straight edge --------------------------------------------------------------------------

def test_straight_edge_median_and_tolerance():
    med = 100.0
    tol = max(BAND_STRAIGHT_PX, BAND_STRAIGHT_FRAC * med)
    n = 100
    bad = int(np.ceil((1.0 - BAND_MIN_STRAIGHT) * n)) + 1    # too many lines off the edge
    ok = int((1.0 - BAND_MIN_STRAIGHT) * n) - 1              # few enough
    for off, straight in ((tol, True), (tol + 1.0, False)):
        depth = np.full(n, med)
        depth[:bad] = med + off                              # lines past the edge
        got_med, got = _straight_edge(depth)
        assert got_med == med
        assert got is straight, (off, straight)
    depth = np.full(n, med)
    depth[:ok] = med + 3 * tol
    assert _straight_edge(depth)[1] is True
    depth[:bad] = med + 3 * tol
    assert _straight_edge(depth)[1] is False


def test_lines_that_stop_early_are_interruptions_not_edge():
    depth = np.full(100, 40.0)
    depth[:45] = 2.0                         # 45 % of the lines end under grains
    med, straight = _straight_edge(depth)
    assert straight
    # lines just short of the tolerance below the median still count as reaching the edge
    tol = max(BAND_STRAIGHT_PX, BAND_STRAIGHT_FRAC * 40.0)
    depth = np.full(100, 40.0)
    depth[:30] = 40.0 - tol                  # within the tolerance: on the edge
    assert _straight_edge(depth) == (40.0, True)


def test_a_short_tolerance_for_thin_bands_and_a_relative_one_for_deep_bands():
    # thin band: BAND_STRAIGHT_PX holds; deep band: BAND_STRAIGHT_FRAC of its depth
    for med in (10.0, 200.0):
        tol = max(BAND_STRAIGHT_PX, BAND_STRAIGHT_FRAC * med)
        depth = np.full(100, med)
        depth[:40] = med + tol - 0.5
        assert _straight_edge(depth)[1], med
        depth[:40] = med + tol + 0.5
        assert not _straight_edge(depth)[1], med


# --- bands along each side -----------------------------------------------------------------

def _band_image(side, depth, seed, *, shape=SHAPE, band=60.0, rest=120.0, noise=4.0,
                band_noise=None):
    """Ceramic (level ``rest``, noise ``noise``) with a band (level ``band``, noise
    ``band_noise``, default ``noise``) ``depth`` px deep along ``side``."""
    rng = np.random.default_rng(seed)
    h, w = shape
    inside = np.zeros(shape, bool)
    if side == "left":
        inside[:, :depth] = True
    elif side == "right":
        inside[:, w - depth:] = True
    elif side == "top":
        inside[:depth] = True
    else:
        inside[h - depth:] = True
    sd = np.where(inside, noise if band_noise is None else band_noise, noise)
    img = np.where(inside, band, rest) + sd * rng.normal(0.0, 1.0, shape)
    return img.astype(np.float32)


def _edge(side, depth, shape=SHAPE):
    """The band's edge (px, the boundary between its last pixel and the ceramic's first)."""
    h, w = shape
    return {"left": depth - 0.5, "right": w - depth - 0.5, "top": depth - 0.5,
            "bottom": h - depth - 0.5}[side]


SIDES = ["left", "right", "top", "bottom"]


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("seed", [0, 1])
def test_a_band_is_found_on_its_side_at_its_edge(side, seed):
    depth = 24 if seed else 40
    img = _band_image(side, depth, seed)
    fits = _band_fits(img)
    assert set(fits) == {side}, fits
    assert abs(fits[side][0] - depth) <= EDGE_TOL_PX
    assert _band_depths(img) == {side: fits[side][0]}
    co = find_counter_electrode(img)
    assert co.side == side and abs(co.boundary_px - _edge(side, depth)) <= EDGE_TOL_PX, co
    co = resolve_counter_electrode(img, side)
    assert co.side == side and abs(co.boundary_px - _edge(side, depth)) <= EDGE_TOL_PX, co


@pytest.mark.parametrize("side", ["right", "bottom"])
@pytest.mark.parametrize("polarity", ["dark", "bright"])
def test_a_band_of_either_grey_level_is_found_whatever_the_polarity_given(side, polarity):
    # the lithium's polarity may be misread from the electrode's rim: the band is a
    # plateau either way
    img = _band_image(side, 30, 3, band=180.0)
    co = find_counter_electrode(img, polarity=polarity)
    assert co is not None and co.side == side, co
    assert abs(co.boundary_px - _edge(side, 30)) <= EDGE_TOL_PX, co


@pytest.mark.parametrize("side", SIDES)
def test_a_band_over_most_of_the_frame_is_found(side):
    # the band covers 60 % of the frame along the side: the lithium is the commonest level
    # (the ceramic is the textured level: grains, particles; the lithium the flat one)
    depth = int(0.6 * (SHAPE[1] if side in ("left", "right") else SHAPE[0]))
    img = _band_image(side, depth, 4, noise=8.0, band_noise=2.0)
    co = find_counter_electrode(img)
    assert co is not None and co.side == side, co
    assert abs(co.boundary_px - _edge(side, depth)) <= EDGE_TOL_PX, co


@pytest.mark.parametrize("seed", [0, 1])
def test_no_band_in_a_plain_frame(seed):
    rng = np.random.default_rng(seed)
    img = (120.0 + rng.normal(0.0, 4.0, SHAPE)).astype(np.float32)
    assert _band_fits(img) == {}
    assert _band_fits(img, thorough=True) == {}


def test_of_two_bands_the_plateau_furthest_from_its_scatter_wins():
    # a flat band on the left, one whose level drifts across it on the right (its
    # lithium's level changes with depth): the flat plateau stands further apart
    rng = np.random.default_rng(5)
    img = np.full(SHAPE, 120.0, np.float32)
    img[:, :30] = 60.0
    img[:, -30:] = 45.0 + np.linspace(0.0, 30.0, 30)[::-1]
    img = (img + rng.normal(0.0, 2.0, SHAPE)).astype(np.float32)
    fits = _band_fits(img, thorough=True)
    assert {"left", "right"} <= set(fits)
    assert fits["left"][1] > fits["right"][1]
    assert find_counter_electrode(img).side == "left"


def test_a_given_side_without_a_band_is_the_image_edge():
    rng = np.random.default_rng(6)
    img = (120.0 + rng.normal(0.0, 4.0, SHAPE)).astype(np.float32)
    h, w = SHAPE
    for side, edge in (("left", 0.0), ("right", w - 1.0), ("top", 0.0), ("bottom", h - 1.0)):
        co = resolve_counter_electrode(img, side)
        assert co.side == side and abs(co.boundary_px - edge) <= 1.0, co


def _grainy_band_image(side, depth, seed, *, grains=60):
    """A dark band (60 on ceramic 120) ``depth`` px deep along ``side`` with bright grains
    (140, 2-5 px) of textured lithium over it: its lines cross the mid-level here and there."""
    rng = np.random.default_rng(seed)
    rows, cols = SHAPE if side in ("left", "right") else SHAPE[::-1]
    yy, xx = np.mgrid[:rows, :cols]
    img = np.full((rows, cols), 120.0)
    img[:, cols - depth:] = 60.0                  # built along the right side
    for _ in range(grains):
        gy, gx = rng.uniform(0, rows), rng.uniform(cols - depth + 8, cols - 4)
        img[np.hypot(xx - gx, yy - gy) <= rng.uniform(2, 5)] = 140.0
    img += rng.normal(0.0, 4.0, img.shape)
    img = {"right": img, "left": img[:, ::-1], "bottom": img.T, "top": img.T[::-1]}[side]
    return np.ascontiguousarray(img, dtype=np.float32)


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("seed,depth", [(0, 40), (1, 40), (2, 60)])
def test_a_given_side_with_grains_over_its_band_is_measured_at_the_band_edge(side, seed, depth):
    # the lines' best single steps (the thorough search) find the edge; the first
    # crossing stops at the grains, the lithium mask runs into them
    img = _grainy_band_image(side, depth, seed)
    for co in (resolve_counter_electrode(img, side), find_counter_electrode(img)):
        assert co.side == side and abs(co.boundary_px - _edge(side, depth)) <= EDGE_TOL_PX, co
