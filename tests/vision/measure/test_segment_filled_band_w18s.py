"""The area detection leaves out what registration filled from outside the scan (issue 11).

A drift jump moves the scene; registration (``shift_image``) brings it back and fills the
rows and columns the scan no longer covers by replicating the last scanned one. Against
the background such a band changes by the whole texture difference of a dozen rows:
invisible pixel by pixel, plain in an area average, and along the frame's side it joined
the lateral front (tuning seed 5007: a 13.5 px jump down, front 4.8 -> 75 px with
segment17-wip's area detection). Truth is the drawn scene: the filled rows and columns
are the jump (whole px: exactly), and nothing in them is taken for lithium (segment17-wip
added 400-1100 px of the band to what the pixel scale sees). Rows != cols; several seeds
and jumps.
"""
import cv2
import numpy as np
import pytest

from vision.measure._segment import LOW_SIGMA, _filled_sides, difference_image, segment_lithium
from vision.preprocess._register import shift_image

ROWS, COLS = 240, 400
EX, EY, ER = 110.0, 140.0, 30.0
CERAMIC, ELECTRODE = 100.0, 60.0
NOISE = 12.0                        # a frame's pixel noise; the background's is a third
TEXTURE = 12.0                      # grain texture (grey levels, std): about the pixel noise
FRONT_TOL_PX = 4.0                  # issue 11: front RMS <= 4 px
CONTRAST = NOISE                   # the cluster: 1 noise level per pixel (issue 11 DLA fronts)


def _scene(seed, jump):
    """(diff, background, cluster truth) of a scan after a drift jump ``jump`` (dx, dy) px."""
    rng = np.random.default_rng(seed)
    pad = 40
    big = cv2.GaussianBlur(rng.normal(0, 1, (ROWS + 2 * pad, COLS + 2 * pad)).astype(np.float32),
                           (0, 0), 4.0)
    big *= np.float32(TEXTURE / big.std())
    big += CERAMIC
    cv2.circle(big, (int(EX) + pad, int(EY) + pad), int(ER), ELECTRODE, -1)
    # a faint DLA-like cluster from the disc down to the frame's bottom edge (5007's front)
    m = np.zeros(big.shape, np.uint8)
    x0, y0 = int(EX + 0.7 * ER) + pad, int(EY + 0.7 * ER) + pad
    x1, y1 = x0 + 30, ROWS + pad
    cv2.line(m, (x0 - 4, y0 - 4), (x1, y1), 1, 5)
    tips = [(x0 + 15, y0 + 30), (x0 + 25, y0 + 50), (x1, y1 - 4)]
    for _ in range(40):
        px, py = tips[rng.integers(len(tips))]
        a, length = rng.uniform(-1.4, 1.4), rng.uniform(6, 14)
        qx, qy = int(px + length * np.cos(a)), int(py + length * np.sin(a))
        if x0 + 10 <= qx <= x0 + 60 and y0 + 20 <= qy:
            cv2.line(m, (px, py), (qx, qy), 1, 2)
            tips.append((qx, qy))
    # the cluster's trunk starts inside the disc (it grows from the electrode)
    lith = m.astype(bool) & (big > ELECTRODE)
    bg = big[pad:pad + ROWS, pad:pad + COLS] + rng.normal(0, NOISE / 3, (ROWS, COLS)).astype(np.float32)
    scene = big.copy()
    scene[lith] -= np.float32(CONTRAST)
    dx, dy = jump
    # the scan after the jump: the scene moved by (dx, dy), seen through the same window
    scan = scene[pad - dy:pad - dy + ROWS, pad - dx:pad - dx + COLS]
    scan = scan + rng.normal(0, NOISE, scan.shape).astype(np.float32)
    reg = shift_image(scan, dx, dy)
    return difference_image(reg, bg), bg, lith[pad:pad + ROWS, pad:pad + COLS]


JUMPS = [(0, 13), (5, 14), (-6, -12)]


@pytest.mark.parametrize("jump", JUMPS)
def test_filled_sides_are_the_jump(jump):
    d, bg, _ = _scene(0, jump)
    dx, dy = jump
    top, bottom, left, right = _filled_sides(d, bg, NOISE)
    # a whole-pixel jump of k px leaves k copies of the last scanned row
    assert (top, bottom) == (max(-dy, 0), max(dy, 0)), (top, bottom)
    assert (left, right) == (max(-dx, 0), max(dx, 0)), (left, right)


def test_no_filled_sides_without_a_jump():
    d, bg, _ = _scene(1, (0, 0))
    assert _filled_sides(d, bg, NOISE) == (0, 0, 0, 0)


@pytest.mark.parametrize("seed,jump", [(0, (0, 13)), (1, (5, 14)), (2, (-6, -12)), (3, (4, 12))])
def test_filled_band_is_not_lithium(seed, jump):
    # every change in the scene (lithium or not): the area scale adds none in the filled
    # band (the pixel scale sees the band's strongest changes, as it always did)
    d, bg, _ = _scene(seed, jump)
    kw = dict(electrode_xy_px=(EX, EY), electrode_radius_px=ER, background=bg,
              connected_to_electrode=False)
    li0, strength0, _ = segment_lithium(d, coarse_px=0, **kw)
    li = segment_lithium(d, **kw)[0] & ~li0
    dx, dy = jump
    band = np.zeros(li.shape, bool)
    band[:max(-dy, 0)] = band[ROWS - max(dy, 0):] = True
    band[:, :max(-dx, 0)] = band[:, COLS - max(dx, 0):] = True
    # (a pixel the pixel scale sees at its low level may join a region found outside)
    added = li & band & ~(strength0 > LOW_SIGMA)
    assert int(added.sum()) == 0, int(added.sum())


@pytest.mark.parametrize("jump", [(0, 13), (5, 14)])
def test_search_box_gives_the_same_mask(jump):
    # the labelled box is grown when lithium reaches its side: same mask as the whole frame
    d, bg, _ = _scene(0, jump)
    kw = dict(electrode_xy_px=(EX, EY), electrode_radius_px=ER, background=bg)
    whole = segment_lithium(d, **kw)[0]
    boxed = segment_lithium(d, search_box=(int(EX - ER) - 5, int(EY - ER) - 5, int(EX + ER) + 5,
                                            int(EY + ER) + 5), **kw)[0]
    assert np.array_equal(whole, boxed)
