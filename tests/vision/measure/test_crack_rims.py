"""A thin lithium-filled crack in dark lithium, seen as a bright line by its rims.

Secondary-electron edge brightening puts a bright rim on each edge of lithium, whatever
the lithium's own contrast. A crack narrower than its two rims then shows as a bright
double line in a scene whose lithium is darker than the ceramic (tuning seed 5014: a
1.5 px crack, rims of 0.6 over a lithium contrast of 0.3). Drawn here as the generator
draws it (coverage, lithium level, rims from the gradient of the blurred coverage), at
known length; the requirement (issue 11) is the crack path length within 10 % per frame
(90th percentile); every case here is held to it.
"""
import math

import cv2
import numpy as np
import pytest
from test_crack_branches import _polyline  # the same random walk as the branch scenes

from vision import crack_background
from vision.measure.crack._detect import detect_crack, detect_crack_core_or_rims

SHAPE = (220, 330)        # rows, cols
CENTRE = (60.0, 110.0)    # electrode (x, y)
RADIUS = 30.0
SS = 4                    # supersampling of the drawing
CERAMIC, LITHIUM = 0.46, 0.15
#: The length requirement of issue 11 (90th percentile per frame).
LENGTH_REL = 0.10


def _coverage(pts, width, shape=SHAPE):
    """Area coverage (0-1) of a polyline `width` px wide on a `shape` grid, drawn at SS×."""
    canvas = np.zeros((shape[0] * SS, shape[1] * SS), np.uint8)
    q = np.round(((pts + 0.5) * SS - 0.5) * 16).astype(np.int32)
    cv2.polylines(canvas, [q.reshape(-1, 1, 2)], False, 255, max(1, int(round(width * SS))),
                  cv2.LINE_8, 4)
    return cv2.resize(canvas, (shape[1], shape[0]), interpolation=cv2.INTER_AREA) / 255.0


def _crack(rng, length, heading=0.1, step=3.0, wiggle=0.08):
    """A tortuous crack path from the electrode's rim (the branch tests' random walk)."""
    return _polyline((CENTRE[0] + RADIUS, CENTRE[1]), heading, length, rng, step=step,
                     wiggle=wiggle)


def _frame(cover, rng, *, edge_gain, edge_sigma=0.9, noise=0.02):
    yy, xx = np.mgrid[:SHAPE[0], :SHAPE[1]]
    elec = ((xx - CENTRE[0]) ** 2 + (yy - CENTRE[1]) ** 2 <= RADIUS ** 2).astype(np.float32)
    cov = np.maximum(cover.astype(np.float32), elec)
    grain = 0.03 * np.sin(xx / 19.0) * np.cos(yy / 27.0)
    img = (CERAMIC + grain) * (1 - cov) + LITHIUM * cov
    blur = cv2.GaussianBlur(cov, (0, 0), edge_sigma)
    gx = cv2.Sobel(blur, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(blur, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    img = img + edge_gain * edge_sigma * math.sqrt(2 * math.pi) * np.sqrt(gx * gx + gy * gy)
    img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 0.6)
    return (img + rng.normal(0, noise, SHAPE)).astype(np.float32)


def _scene(seed, *, width, edge_gain, noise=0.02, length=190.0):
    rng = np.random.default_rng(seed)
    pts = _crack(rng, length)
    background = np.mean([_frame(np.zeros(SHAPE), rng, edge_gain=edge_gain, noise=noise)
                          for _ in range(4)], axis=0)
    return (background, _frame(_coverage(pts, width), rng, edge_gain=edge_gain, noise=noise),
            length)


def _measure(fn, image, background, polarity="dark", **kw):
    return fn(image, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
              background=crack_background(background, polarity=polarity), polarity=polarity, **kw)


@pytest.mark.parametrize(("seed", "width"), [(1, 1.5), (2, 1.0)])
def test_thin_crack_with_strong_rims_is_measured_along_its_rims(seed, width):
    # noisy (0.07 on a lithium contrast of 0.31): the dark core breaks up, the rims hold
    background, image, true = _scene(seed, width=width, edge_gain=0.6, noise=0.07)
    # the core search with its pieces left unjoined (test_crack_link.py joins them)
    old = _measure(detect_crack, image, background, link_gaps=False)
    new = _measure(detect_crack_core_or_rims, image, background,
                   rim_background=crack_background(background, polarity="bright"))
    assert new is not None
    assert abs(new.total_length_px - true) <= LENGTH_REL * true, (new.total_length_px, true)
    # the case this is for: the search for a dark core's rim piece alone falls short of it
    assert old is None or old.total_length_px < (1 - LENGTH_REL) * true, old.total_length_px


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_wide_dark_crack_keeps_its_core_measurement(seed):
    # a 3 px crack with faint rims is a dark line: the core's measurement stands
    background, image, true = _scene(seed, width=3.0, edge_gain=0.05)
    core = _measure(detect_crack, image, background)
    both = _measure(detect_crack_core_or_rims, image, background,
                    rim_background=crack_background(background, polarity="bright"))
    assert core is not None and both is not None
    assert abs(both.total_length_px - true) <= LENGTH_REL * true, (both.total_length_px, true)
    assert both.total_length_px >= core.total_length_px

