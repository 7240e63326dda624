"""Per-pixel noise only where the lithium is labelled: the same mask (issue 14).

``segment_lithium`` computes each pixel's noise (by its grey level, the registration
term on static edges) and the change strength in the box it labels, not in the whole
frame. The mask must equal that of the whole frame's computation, and the strength
equal it wherever it was computed.
"""
import cv2
import numpy as np
import pytest

from vision.measure._segment import segment_lithium

H, W = 160, 240
EX, EY, ER = 70.0, 80.0, 18.0


def _scene(seed, rod_len):
    rng = np.random.default_rng(seed)
    bg = np.full((H, W), 90.0, np.float32)
    cv2.rectangle(bg, (150, 0), (175, H), 200.0, -1)            # a bright needle-like bar
    bg = cv2.GaussianBlur(bg, (0, 0), 1.5)
    img = bg.copy()
    cv2.circle(img, (int(EX), int(EY)), int(ER), 40.0, -1)       # the electrode
    ang = rng.uniform(-0.4, 0.4)
    x1, y1 = EX + (ER + rod_len) * np.cos(ang), EY + (ER + rod_len) * np.sin(ang)
    cv2.line(img, (int(EX), int(EY)), (int(x1), int(y1)), 40.0, 5)
    bg_n = bg + rng.normal(0, 2.0 + bg / 60.0).astype(np.float32)  # noise grows with level
    img_n = img + rng.normal(0, 2.0 + img / 60.0).astype(np.float32)
    grad = cv2.magnitude(cv2.Sobel(bg, cv2.CV_32F, 1, 0) / 8, cv2.Sobel(bg, cv2.CV_32F, 0, 1) / 8)
    return bg_n - img_n, bg_n, grad


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noise_in_the_box_gives_the_whole_frames_mask_and_strength(seed):
    diff, bg, grad = _scene(seed, rod_len=60.0)
    kw = dict(electrode_xy_px=(EX, EY), electrode_radius_px=ER, background=bg,
              background_gradient=grad)
    full, s_full, n_full = segment_lithium(diff, **kw)
    assert full[:, int(EX + ER + 40):].any()          # the rod reaches far beyond the disc
    assert np.count_nonzero(s_full) > 0.99 * s_full.size
    # a box holding the lithium; one the rod runs out of (the whole frame is labelled)
    for box in [(30, 30, 160, 130), (40, 50, 100, 110)]:
        li, s, n = segment_lithium(diff, search_box=box, **kw)
        assert np.array_equal(li, full) and n == n_full, box
        done = s != 0
        assert done[box[1]:box[3], box[0]:box[2]].all()
        np.testing.assert_allclose(s[done], s_full[done], rtol=1e-6)
    # the box that holds the lithium leaves the far side of the frame uncomputed
    _, s, _ = segment_lithium(diff, search_box=(30, 30, 160, 130), **kw)
    assert not s[:, 200:].any()
