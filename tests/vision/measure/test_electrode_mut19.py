"""Wave 19's edge-fit agreement and rim fallback of `_electrode.py` (mutation, issue 16).

`_edge_agreement` and `_sectors_in_image` on exact points, `_edge_circle`'s sector
count, `refine_circle_edge(return_agreement=True)` and `_refined`'s fallback search on a
drawn disc (a dark disc with a blurred edge on a bright ceramic: its rim is known to the
blur, tolerance 0.5 px, the edge fit's own precision on a noiseless step).
"""
import cv2
import numpy as np
import pytest

from vision.measure._electrode import (
    EDGE_AGREE_TOL_PX,
    EDGE_SECTORS,
    MIN_EDGE_SECTORS,
    _edge_agreement,
    _edge_circle,
    _refined,
    _sectors_in_image,
    refine_circle_edge,
)

RIM_TOL_PX = 0.5
#: pixel noise of the drawn images (grey levels; the step is 140)
NOISE = 4.0


def _ring(n, r, xc=0.0, yc=0.0, dr=None):
    a = (np.arange(n) + 0.5) * 2 * np.pi / n
    rr = np.full(n, float(r)) if dr is None else r + np.asarray(dr, float)
    return np.column_stack([xc + rr * np.cos(a), yc + rr * np.sin(a)])


def test_edge_agreement_counts_points_strictly_within_the_tolerance():
    # radial offsets 0, just inside and just outside the tolerance
    dr = [0.0, EDGE_AGREE_TOL_PX - 0.01, -(EDGE_AGREE_TOL_PX - 0.01), EDGE_AGREE_TOL_PX + 0.01]
    pts = _ring(4, 20.0, 5.0, -3.0, dr)
    assert _edge_agreement(pts, 4, 5.0, -3.0, 20.0) == 0.75
    # the denominator is the sectors asked for, not the points found
    assert _edge_agreement(pts, 10, 5.0, -3.0, 20.0) == 0.3
    # another circle: none agree
    assert _edge_agreement(pts, 4, 5.0, -3.0, 25.0) == 0.0
    assert _edge_agreement(pts, 0, 5.0, -3.0, 20.0) == 0.0
    assert _edge_agreement(np.zeros((0, 2)), 4, 5.0, -3.0, 20.0) == 0.0


def test_sectors_in_image_inclusive_at_the_last_row_and_column():
    # two sectors: rays straight down (+y) and up (-y) from (5, 5), reach 5
    assert _sectors_in_image((11, 11), 5.0, 5.0, 5.0, 2) == 2
    assert _sectors_in_image((10, 11), 5.0, 5.0, 5.0, 2) == 1   # row 10 is out
    assert _sectors_in_image((11, 10), 5.0, 5.0, 5.0, 2) == 2   # columns are not rows
    assert _sectors_in_image((11, 11), 5.0, 5.0, 5.01, 2) == 0
    # four sectors at 45 degrees from the left edge: the two pointing right stay in
    assert _sectors_in_image((100, 100), 0.0, 50.0, 10.0, 4) == 2
    assert _sectors_in_image((100, 100), 50.0, 0.0, 10.0, 4) == 2


def test_edge_circle_needs_min_edge_sectors():
    pts = _ring(MIN_EDGE_SECTORS, 30.0, 2.0, 1.0)
    assert _edge_circle(pts[:-1]) is None
    xc, yc, r = _edge_circle(pts)
    assert np.allclose((xc, yc, r), (2.0, 1.0, 30.0), atol=1e-9)


def _disc(shape, xc, yc, r, *, blur=1.0, noise=NOISE):
    """A dark disc on a bright ceramic, with a little pixel noise (a noiseless flat
    profile gives the edge model the same spurious position in every sector)."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.where(np.hypot(xx - xc, yy - yc) <= r, 60.0, 200.0)
    img = cv2.GaussianBlur(img, (0, 0), blur)
    img += np.random.default_rng(19).normal(0.0, noise, img.shape)
    return img.astype(np.float32)


def test_refine_circle_edge_reports_the_agreement_of_the_sectors_in_the_image():
    img = _disc((160, 160), 80.3, 79.6, 40.0)
    x, y, r, agree = refine_circle_edge(img, 80.0, 80.0, 41.0, return_agreement=True)
    assert abs(r - 40.0) < RIM_TOL_PX and np.hypot(x - 80.3, y - 79.6) < RIM_TOL_PX
    assert agree == 1.0
    assert refine_circle_edge(img, 80.0, 80.0, 41.0) == (x, y, r)
    # a disc cut by the image's left edge: only the sectors in the image are counted
    img2 = _disc((160, 160), 30.0, 80.0, 40.0)
    x2, y2, r2, agree2 = refine_circle_edge(img2, 30.0, 80.0, 40.0, return_agreement=True)
    n_in = _sectors_in_image(img2.shape, 30.0, 80.0, 48.0, EDGE_SECTORS)
    assert n_in < EDGE_SECTORS
    assert abs(r2 - 40.0) < RIM_TOL_PX
    assert agree2 == 1.0


def test_refine_circle_edge_without_enough_sectors_keeps_the_start():
    # no profile in the image is finite: no sector
    flat = np.full((60, 60), np.nan, np.float32)
    assert refine_circle_edge(flat, 30.0, 30.0, 10.0, return_agreement=True) == (
        30.0, 30.0, 10.0, 0.0)
    assert refine_circle_edge(flat, 30.0, 30.0, 10.0) == (30.0, 30.0, 10.0)


def test_refined_keeps_the_edge_fit_that_agrees():
    img = _disc((160, 160), 80.0, 80.0, 40.0)
    x, y, r = _refined(img, 80.5, 80.0, 41.5, 40.0)
    assert abs(r - 40.0) < RIM_TOL_PX and np.hypot(x - 80.0, y - 80.0) < RIM_TOL_PX


@pytest.mark.parametrize("r_region", [52.0, 60.0])
def test_refined_finds_the_rim_inside_a_region_circle_that_holds_more(r_region):
    # the region's circle 12-20 px beyond the rim (a grain or a rim ring beside the
    # disc): the edge fit's window around it never reaches the rim; the search from
    # the inscribed circle on does
    img = _disc((200, 200), 100.0, 100.0, 40.0)
    x, y, r = _refined(img, 100.0, 100.0, r_region, 40.0)
    assert abs(r - 40.0) < RIM_TOL_PX and np.hypot(x - 100.0, y - 100.0) < RIM_TOL_PX


def test_refined_without_a_rim_keeps_the_region_circle():
    # no sector found by the fit nor by the search: the region's circle stays
    flat = np.full((120, 120), np.nan, np.float32)
    assert _refined(flat, 60.0, 60.0, 30.0, 28.0) == (60.0, 60.0, 30.0)


def test_edge_agreement_exactly_at_the_tolerance_and_one_point():
    # a point exactly EDGE_AGREE_TOL_PX off the circle does not agree (strict)
    pts = np.array([[20.0 + EDGE_AGREE_TOL_PX, 0.0], [0.0, 20.0]])
    assert _edge_agreement(pts, 2, 0.0, 0.0, 20.0) == 0.5
    assert _edge_agreement(pts[1:], 4, 0.0, 0.0, 20.0) == 0.25


def test_sectors_in_image_asymmetric_cases():
    # three sectors at 60, 180 and 300 degrees from the left edge: two point right
    assert _sectors_in_image((100, 100), 0.0, 50.0, 10.0, 3) == 2
    # from the top edge: 60 degrees down, 180 (along the edge, y = 0 to rounding) in, 300 up
    assert _sectors_in_image((100, 100), 50.0, 0.0, 10.0, 3) == 2
    # one sector points to 180 degrees: it ends at x = 5 - 5 = 0 exactly (in) ...
    assert _sectors_in_image((11, 11), 5.0, 5.0, 5.0, 1) == 1
    # ... and from outside the image on the right at x = w - 1 (in) or w (out)
    assert _sectors_in_image((11, 10), 14.0, 5.0, 5.0, 1) == 1
    assert _sectors_in_image((11, 10), 15.0, 5.0, 5.0, 1) == 0
