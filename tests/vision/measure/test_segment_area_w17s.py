"""Faint lateral clusters seen over an area (issue 11: lithium the segmentation misses).

A DLA-like cluster of 1-2 px branches whose contrast equals the pixel noise (SNR 1 per
pixel) is invisible pixel by pixel at 5 sigma, but its mean over ~100 px is many sigma:
``segment_lithium`` detects it at :data:`COARSE_PX` (tuning seeds 5050, 7020, 7085).
Truth is the drawn cluster: its reach must be found within the front requirement (front
RMS <= 4 px), the same scene without lithium must give nothing beyond the rim, a strong
rod's tip must not be lengthened by the area average (whisker length within 1 px), and
the corner between a rod and a lump on the rim must stay empty (tuning seed 5002: filled,
the rod joined the lump and was lost as a whisker). Rows != cols; several seeds.
"""
import cv2
import numpy as np
import pytest

from vision.measure._segment import SMOOTH_PX, difference_image, segment_lithium

ROWS, COLS = 260, 380
EX, EY, ER = 120.0, 130.0, 30.0
CERAMIC, ELECTRODE = 100.0, 60.0
#: Noise of a frame (grey levels); the background model (a median of frames) has a third.
NOISE = 12.0
FRONT_TOL_PX = 4.0   # issue 11: front RMS <= 4 px
LENGTH_TOL_PX = 1.0  # issue 11: whisker length within 1 px


def _cluster(seed):
    """A trunk (5 px) from the rim and 1-2 px branches from its end: a DLA-like cluster."""
    rng = np.random.default_rng(seed)
    m = np.zeros((ROWS, COLS), np.uint8)
    x0 = int(EX + ER) - 2
    cv2.line(m, (x0, int(EY)), (x0 + 30, int(EY)), 1, 5)
    tips = [(x0 + 30, int(EY))]
    for _ in range(40):
        px, py = tips[rng.integers(len(tips))]
        a, length = rng.uniform(-1.2, 1.2), rng.uniform(6, 14)
        qx, qy = int(px + length * np.cos(a)), int(py + length * np.sin(a))
        if x0 + 20 <= qx <= x0 + 75:
            cv2.line(m, (px, py), (qx, qy), 1, 2)
            tips.append((qx, qy))
    return m.astype(bool)


def _segment(seed, lithium, **kw):
    rng = np.random.default_rng(seed + 100)
    clean = np.full((ROWS, COLS), CERAMIC, np.float32)
    cv2.circle(clean, (int(EX), int(EY)), int(ER), ELECTRODE, -1)
    img = clean.copy()
    img[lithium] = CERAMIC - NOISE   # contrast = the frame's pixel noise (SNR 1)
    bg = clean + rng.normal(0, NOISE / 3, clean.shape).astype(np.float32)
    frame = img + rng.normal(0, NOISE, clean.shape).astype(np.float32)
    li, _, _ = segment_lithium(difference_image(frame, bg), electrode_xy_px=(EX, EY),
                               electrode_radius_px=ER, background=bg, **kw)
    yy, xx = np.mgrid[:ROWS, :COLS]
    return li & ((xx - EX) ** 2 + (yy - EY) ** 2 > (ER + 2) ** 2)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_faint_cluster_reach_is_found(seed):
    truth = _cluster(seed)
    found = _segment(seed, truth)
    reach = np.flatnonzero(found.any(axis=0)).max() - EX
    true_reach = np.flatnonzero(truth.any(axis=0)).max() - EX
    assert abs(reach - true_reach) <= FRONT_TOL_PX, (reach, true_reach)
    # what is found is mostly the cluster (the area blur's fringe is eroded away)
    assert (found & cv2.dilate(truth.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)).sum() \
        >= 0.8 * found.sum()


def test_pixel_scale_alone_misses_it():
    # the reason for the area scale: at the pixel scale the reach is lost in most scenes
    missed = 0
    for seed in range(4):
        truth = _cluster(seed)
        cols = np.flatnonzero(_segment(seed, truth, coarse_px=0).any(axis=0))
        true_reach = np.flatnonzero(truth.any(axis=0)).max() - EX
        missed += cols.size == 0 or true_reach - (cols.max() - EX) > FRONT_TOL_PX
    assert missed >= 3, missed


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_noise_alone_gives_no_lithium(seed):
    found = _segment(seed, np.zeros((ROWS, COLS), bool))
    assert found.sum() <= 6, int(found.sum())   # a blip of MIN_AREA_PX at most


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_strong_rod_tip_not_lengthened(seed):
    rod = np.zeros((ROWS, COLS), np.uint8)
    x0, length = int(EX + ER) - 2, 60
    cv2.line(rod, (x0, int(EY)), (x0 + length, int(EY)), 1, 5)
    rod = rod.astype(bool)
    # a rod of 5x the noise: plain at the pixel scale
    rng = np.random.default_rng(seed)
    clean = np.full((ROWS, COLS), CERAMIC, np.float32)
    cv2.circle(clean, (int(EX), int(EY)), int(ER), ELECTRODE, -1)
    img = clean.copy()
    img[rod] = CERAMIC - 5 * NOISE
    bg = clean + rng.normal(0, NOISE / 3, clean.shape).astype(np.float32)
    frame = img + rng.normal(0, NOISE, clean.shape).astype(np.float32)
    d = difference_image(frame, bg)
    kw = dict(electrode_xy_px=(EX, EY), electrode_radius_px=ER, background=bg)
    tip = np.flatnonzero(segment_lithium(d, **kw)[0][int(EY) - 1:int(EY) + 2].any(axis=0)).max()
    true_tip = np.flatnonzero(rod.any(axis=0)).max()
    # within the requirement plus the pixel scale's own smoothing (SMOOTH_PX)
    assert abs(tip - true_tip) <= LENGTH_TOL_PX + SMOOTH_PX, (tip, true_tip)
    tip0 = np.flatnonzero(segment_lithium(d, coarse_px=0, **kw)[0][int(EY) - 1:int(EY) + 2]
                          .any(axis=0)).max()
    assert abs(tip - tip0) <= LENGTH_TOL_PX, (tip, tip0)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_corner_between_rod_and_lump_stays_empty(seed):
    # (seed 1 filled 59 px of the corner until the area detection left the area scale
    # around what the pixel scale finds above its high level to the pixel scale, wave 18)
    # a rod and a lump on the rim, 6 px apart at the root: both plain at the pixel scale;
    # the noise between them is not lithium
    rng = np.random.default_rng(seed)
    clean = np.full((ROWS, COLS), CERAMIC, np.float32)
    cv2.circle(clean, (int(EX), int(EY)), int(ER), ELECTRODE, -1)
    img = clean.copy()
    x0 = int(EX + ER) - 2
    rod = np.zeros((ROWS, COLS), np.uint8)
    cv2.line(rod, (x0, int(EY)), (x0 + 50, int(EY) + 30), 1, 5)
    lump = np.zeros((ROWS, COLS), np.uint8)
    cv2.circle(lump, (x0 + 2, int(EY) - 14), 10, 1, -1)
    img[(rod | lump).astype(bool)] = CERAMIC - 5 * NOISE
    bg = clean + rng.normal(0, NOISE / 3, clean.shape).astype(np.float32)
    frame = img + rng.normal(0, NOISE, clean.shape).astype(np.float32)
    d = difference_image(frame, bg)
    kw = dict(electrode_xy_px=(EX, EY), electrode_radius_px=ER, background=bg)
    li = segment_lithium(d, **kw)[0]
    li0 = segment_lithium(d, coarse_px=0, **kw)[0]
    # what the area scale adds lies on the rod or the lump (their blurred edges), not between
    added = li & ~li0
    near = cv2.dilate((rod | lump), np.ones((5, 5), np.uint8)).astype(bool)
    assert int((added & ~near).sum()) == 0, int((added & ~near).sum())
