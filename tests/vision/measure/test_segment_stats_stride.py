"""The statistics of ``segment_lithium`` on at most ~100k pixels (issue 14).

Full-HD frames take a coarser stride (5 instead of 3) for the noise, level and edge
statistics; frames up to 1024x768 keep stride 3. On a full-HD scene with known noise the
measured noise level stays within the statistical error of its sample, and the lithium
found is the same as with the finer stride, to the pixel at its tip (issue 11: whisker
length RMS <= 1 px).
"""
import math

import cv2
import numpy as np
import pytest

from vision.measure import _segment as seg
from vision.measure._segment import segment_lithium

H, W = 1080, 1920
EX, EY, ER = 700.0, 540.0, 60.0
ROD_PX = 150.0
#: white noise blurred by a Gaussian of sigma s keeps 1 / (2 sqrt(pi) s) of its sigma
BLUR_GAIN = 1.0 / (2.0 * math.sqrt(math.pi) * seg.SMOOTH_PX)


@pytest.mark.parametrize(("shape", "stride"), [((384, 512), 3), ((768, 1024), 3), ((1080, 1920), 5),
                                               ((994, 1920), 5), ((1024, 1280), 4)])
def test_stride_keeps_the_sample_under_the_cap(shape, stride):
    assert seg._stats_stride(shape) == stride
    n = len(range(0, shape[0], stride)) * len(range(0, shape[1], stride))
    assert n <= seg.STATS_MAX_PIXELS
    if stride > seg.STATS_SUBSAMPLE:     # not coarser than needed
        finer = len(range(0, shape[0], stride - 1)) * len(range(0, shape[1], stride - 1))
        assert finer > seg.STATS_MAX_PIXELS


def _scene(seed, sigma=3.0):
    rng = np.random.default_rng(seed)
    bg = np.full((H, W), 100.0, np.float32)
    cv2.rectangle(bg, (1400, 0), (1460, H), 210.0, -1)          # a bright needle-like bar
    bg = cv2.GaussianBlur(bg, (0, 0), 1.5)
    img = bg.copy()
    cv2.circle(img, (int(EX), int(EY)), int(ER), 40.0, -1)
    x1 = int(EX + ER + ROD_PX)
    cv2.line(img, (int(EX), int(EY)), (x1, int(EY)), 40.0, 5)
    bg_n = bg + rng.normal(0, sigma, (H, W)).astype(np.float32) * 0.25  # averaged background
    img_n = img + rng.normal(0, sigma, (H, W)).astype(np.float32)
    grad = cv2.magnitude(cv2.Sobel(bg, cv2.CV_32F, 1, 0) / 8, cv2.Sobel(bg, cv2.CV_32F, 0, 1) / 8)
    return bg_n - img_n, bg_n, grad, x1, math.hypot(1.0, 0.25) * sigma * BLUR_GAIN


@pytest.mark.parametrize("seed", [0, 1])
def test_full_hd_noise_and_lithium_with_the_coarser_stride(seed, monkeypatch):
    diff, bg, grad, x_tip, noise_true = _scene(seed)
    kw = dict(electrode_xy_px=(EX, EY), electrode_radius_px=ER, background=bg,
              background_gradient=grad, search_box=(500, 400, 1000, 700))
    li, _, noise = segment_lithium(diff, **kw)
    # ~83k pixels: the MAD's relative error 1.17 / sqrt(n) = 0.4 %; 3 % allows the blur's
    # discrete kernel and the lithium among the pixels
    assert noise == pytest.approx(noise_true, rel=0.03)
    # the rod's end: its round cap (half its 5 px width) beyond the drawn end, within the
    # change image's blur (2 sigma)
    assert abs(np.flatnonzero(li[int(EY)]).max() - (x_tip + 2.5)) <= 2.0 * seg.SMOOTH_PX
    monkeypatch.setattr(seg, "STATS_MAX_PIXELS", 10 ** 9)    # stride 3 everywhere
    li3, _, noise3 = segment_lithium(diff, **kw)
    assert noise == pytest.approx(noise3, rel=0.02)
    assert abs(int(np.flatnonzero(li[int(EY)]).max()) - int(np.flatnonzero(li3[int(EY)]).max())) <= 1
    assert np.count_nonzero(li ^ li3) <= 0.01 * np.count_nonzero(li3)
