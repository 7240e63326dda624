"""The area detection counts only a change toward the lithium's grey level (issue 11).

The tracker's scan-line correction, measured on a row crossed by newly grown lithium,
over-corrects the whole row the other way (tuning seed 5007 after its drift jump: rows
1-3 noise levels brighter across the frame). Averaged over an area such rows are plain
and, through the faint cluster they cross, joined the front (5007's front 4.8 -> 75 px
with segment17-wip). Truth is the drawn scene: a faint DLA-like cluster (1 noise level
per pixel, found only by the area detection: fails on main) whose rows are brighter by
the over-correction; its reach must be found within the front requirement (4 px) and
nothing beyond it (fails on segment17-wip, which counted both signs). Both polarities
(dark lithium on bright ceramic and the reverse); rows != cols; several seeds.
"""
import cv2
import numpy as np
import pytest
from test_segment_area_w17s import _cluster  # the same DLA-like cluster, same geometry

from vision.measure._segment import _li_sign, difference_image, segment_lithium

ROWS, COLS = 260, 380
EX, EY, ER = 120.0, 130.0, 30.0
NOISE = 12.0
FRONT_TOL_PX = 4.0   # issue 11: front RMS <= 4 px
#: The cluster: 2 noise levels per pixel (issue 11: 5050 at ~2, below the pixel scale)
CONTRAST = 2.0
#: The over-correction of the rows the cluster crosses (noise levels, away from lithium)
ROW_BIAS = 0.4


def _scene(seed, dark):
    """(diff, background, truth): lithium 1 noise level toward the electrode's level."""
    ceramic, electrode = (100.0, 60.0) if dark else (60.0, 100.0)
    toward = -1.0 if dark else 1.0    # the frame's change where lithium grows
    rng = np.random.default_rng(seed + 100)
    truth = _cluster(seed)
    clean = np.full((ROWS, COLS), ceramic, np.float32)
    cv2.circle(clean, (int(EX), int(EY)), int(ER), electrode, -1)
    img = clean.copy()
    img[truth] += np.float32(toward * CONTRAST * NOISE)
    rows = np.flatnonzero(truth.any(axis=1))
    # the rows the cluster crosses, over-corrected away from lithium across the frame
    img[rows.min():rows.max() + 1] -= np.float32(toward * ROW_BIAS * NOISE)
    bg = clean + rng.normal(0, NOISE / 3, clean.shape).astype(np.float32)
    frame = img + rng.normal(0, NOISE, clean.shape).astype(np.float32)
    return difference_image(frame, bg), bg, truth


@pytest.mark.parametrize("dark", [True, False])
def test_li_sign_is_the_electrodes(dark):
    _, bg, _ = _scene(0, dark)
    assert _li_sign(bg, EX, EY, ER) == (1 if dark else -1)


def test_li_sign_without_contrast_is_zero():
    bg = np.full((ROWS, COLS), 80.0, np.float32)
    assert _li_sign(bg, EX, EY, ER) == 0


@pytest.mark.parametrize("seed,dark", [(0, True), (1, True), (2, False), (3, True), (4, False)])
def test_over_corrected_rows_do_not_join(seed, dark):
    d, bg, truth = _scene(seed, dark)
    li, _, _ = segment_lithium(d, electrode_xy_px=(EX, EY), electrode_radius_px=ER, background=bg)
    yy, xx = np.mgrid[:ROWS, :COLS]
    found = li & ((xx - EX) ** 2 + (yy - EY) ** 2 > (ER + 2) ** 2)
    true_reach = np.flatnonzero(truth.any(axis=0)).max()
    cols = np.flatnonzero(found.any(axis=0))
    assert cols.size, "the faint cluster was not found"
    assert abs(cols.max() - true_reach) <= FRONT_TOL_PX, (cols.max(), true_reach)
    # nothing on the other side of the disc either (the rows run across the frame)
    assert not found[:, :int(EX - ER) - 2].any()
