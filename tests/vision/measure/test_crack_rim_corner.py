"""A Li-filled crack leaving the electrode at a slant is not hidden by the corner it makes.

The segmentation draws the electrode's lithium and the Li-filled crack (a band a few px
wide with its rims) as one mask. Where the band leaves the disc at a slant, a disc of
``THICK_LI_PX`` fits into the acute corner between band and disc, and the opening that
finds thick (lateral) lithium kept that corner: a few px beyond the rim, across the
crack's root, so no crack pixel was left at the rim and the crack was lost (tuning seed
7065: found up to 230 px, then lost for the rest of the video). Known geometry: straight
or wiggly 2-px cracks drawn at a slant to the rim on a noisy background with grain
boundaries, the electrode of the scenes' size. Requirement (issue 11): crack path length within
10 % (p90); every case here is held to it.
"""
import math

import cv2
import numpy as np
import pytest

from vision import crack_background, detect_crack
from vision.measure.crack._detect import THICK_LI_PX

#: The requirement: crack path length within 10 % (issue 11, p90).
LENGTH_TOLERANCE = 0.10
SHAPE = (260, 380)        # rows, cols (non-square)
CENTRE = (110.0, 120.0)   # electrode (x, y), px
#: An electrode of the scenes' size (tuning seed 7065: 90 px): its rim is nearly straight
#: over a corner, so a THICK_LI_PX disc fits between it and a slanted band.
RADIUS = 90.0
SS = 4                    # supersampling of the drawing


def _coverage(pts, width):
    """Anti-aliased coverage (0..1) of a polyline ``pts`` ((n, 2) x, y px) ``width`` px wide."""
    canvas = np.zeros((SHAPE[0] * SS, SHAPE[1] * SS), np.uint8)
    fixed = np.round(((pts + 0.5) * SS - 0.5) * 16).astype(np.int32)
    cv2.polylines(canvas, [fixed], False, 255, int(round(width * SS)), cv2.LINE_8, 4)
    return cv2.resize(canvas, (SHAPE[1], SHAPE[0]), interpolation=cv2.INTER_AREA) / 255.0


def _slanted_scene(seed, heading_rad, length=120.0):
    """(background, frame, li mask, true length): a 2-px crack leaving the rim at
    ``heading_rad`` from the radial direction (+x at the start point), on a noisy
    background with grain boundaries, lithium drawn as the segmentation draws it."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:SHAPE[0], :SHAPE[1]]
    base = 120.0 + 8.0 * np.sin(xx / 23.0) * np.cos(yy / 31.0)
    for _ in range(4):
        a = rng.uniform(0, np.pi)
        d = (xx - rng.uniform(0, SHAPE[1])) * math.sin(a) - (yy - rng.uniform(0, SHAPE[0])) * math.cos(a)
        base -= 25.0 * np.exp(-0.5 * d ** 2)
    cx, cy = CENTRE
    elec = (xx - cx) ** 2 + (yy - cy) ** 2 <= RADIUS ** 2
    # a gently wiggling path at the given slant (3 px steps)
    a = heading_rad
    pts = [np.array([cx + RADIUS, cy])]
    while len(pts) <= length / 3.0:
        a += rng.normal(0, 0.03)
        pts.append(pts[-1] + 3.0 * np.array([math.cos(a), math.sin(a)]))
    pts = np.array(pts)
    cover = _coverage(pts, 2.0)

    def frame(with_crack):
        img = base.copy()
        if with_crack:
            img = img * (1 - 0.55 * cover)
        img[elec] = 60.0
        return (img + rng.normal(0, 4.0, SHAPE)).astype(np.float32)

    background = np.mean([frame(False) for _ in range(4)], axis=0)
    img = frame(True)
    # lithium as the segmentation draws it: the crack with its rims (a band ~9 px wide,
    # thinner than THICK_LI_PX) and the electrode's own lithium
    li = cv2.dilate(((background - img) > 20.0).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    li |= elec
    true = float(np.hypot(*np.diff(pts, axis=0).T).sum())
    return background, img, li, true


@pytest.mark.parametrize("seed, heading", [(11, 0.9), (12, -0.9), (13, 1.05), (14, -1.05),
                                           (15, 0.7)])
def test_slanted_crack_keeps_its_root(seed, heading):
    background, img, li, true = _slanted_scene(seed, heading)
    m = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                     background=crack_background(background), li_mask=li)
    assert m is not None, "crack lost at its root"
    err = abs(m.total_length_px / true - 1)
    assert err <= LENGTH_TOLERANCE, \
        f"length {m.total_length_px:.1f} px vs truth {true:.1f} px ({100 * err:.1f} %)"


@pytest.mark.parametrize("seed", [21, 22])
def test_thick_lithium_at_the_rim_still_hides_a_line(seed):
    # lateral lithium at the rim holds whole THICK_LI_PX discs beyond it: it stays thick
    background, img, li, true = _slanted_scene(seed, 0.9)
    cx, cy = CENTRE
    start = (cx + RADIUS, cy)
    yy, xx = np.mgrid[:SHAPE[0], :SHAPE[1]]
    li = li | ((xx - start[0]) ** 2 + (yy - start[1]) ** 2 <= (1.5 * THICK_LI_PX) ** 2)
    m = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                     background=crack_background(background), li_mask=li)
    assert m is None or math.dist(m.path[0], start) > THICK_LI_PX
