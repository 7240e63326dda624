"""The picture inside a screen recording's flat border (issue 11: 1920x1080 recordings).

The black border made the electrode search take the whole picture for one bright
disc and merged an electrode cut by the picture's edge with the border. Hand-made
frames (rows != cols), several seeds and border sizes; the box must hold only
picture and lose at most the codec margin plus one macroblock's ringing.
"""
import cv2
import numpy as np
import pytest

from calibration import InputError
from vision.measure._electrode import find_electrode
from vision.preprocess._border import EDGE_MARGIN_PX, content_box

ROWS, COLS = 270, 480


def _picture(rng, h, w, dtype=np.uint8):
    full = 255 if dtype == np.uint8 else 65535
    img = 0.5 + 0.05 * cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 4)
    img += 0.03 * rng.standard_normal((h, w)).astype(np.float32)  # shot noise
    return np.clip(img * full, 0, full).astype(dtype)


@pytest.mark.parametrize("seed,box", [(0, (20, 250, 60, 400)), (1, (0, 270, 100, 380)),
                                      (2, (35, 270, 0, 480)), (3, (12, 240, 7, 470))])
def test_content_box_inside_a_black_border(seed, box):
    rng = np.random.default_rng(seed)
    top, bottom, left, right = box
    frame = np.zeros((ROWS, COLS), np.uint8)
    frame[top:bottom, left:right] = _picture(rng, bottom - top, right - left)
    # codec ringing: the border next to the picture is not exactly flat
    frame = cv2.GaussianBlur(frame, (0, 0), 1.0)
    got = content_box(frame)
    for g, b, inward in zip(got, box, (1, -1, 1, -1)):
        edge_at_frame = b in (0, ROWS, COLS)
        if edge_at_frame:
            assert g == b
        else:
            # inside the picture, by at most the margin and a few px of ringing
            assert 0 <= (g - b) * inward <= EDGE_MARGIN_PX + 4, (got, box)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_no_border_is_the_whole_frame(dtype):
    frame = _picture(np.random.default_rng(5), ROWS, COLS, dtype)
    assert content_box(frame) == (0, ROWS, 0, COLS)


def test_blank_frame_and_bad_input():
    assert content_box(np.zeros((ROWS, COLS), np.uint8)) == (0, ROWS, 0, COLS)
    with pytest.raises(InputError):
        content_box(np.zeros((ROWS, COLS, 3), np.uint8))


def test_electrode_found_in_the_content_box_of_a_recording():
    """An electrode cut by the picture's left edge is found within the picture."""
    rng = np.random.default_rng(7)
    top, bottom, left, right = 30, 260, 90, 400
    pic = _picture(rng, bottom - top, right - left).astype(np.float32)
    ex, ey, r = 25.0, 110.0, 40.0      # centre inside, a third of the disc beyond the edge
    yy, xx = np.mgrid[:pic.shape[0], :pic.shape[1]]
    disc = ((xx - ex) ** 2 + (yy - ey) ** 2 <= r * r).astype(np.float32)
    disc = cv2.GaussianBlur(disc, (0, 0), 0.8)
    pic = pic * (1 - disc) + 40.0 * disc + 4.0 * rng.standard_normal(pic.shape)
    frame = np.zeros((ROWS, COLS), np.uint8)
    frame[top:bottom, left:right] = np.clip(pic, 0, 255).astype(np.uint8)
    t, b, lft, rgt = content_box(frame)
    e = find_electrode(frame[t:b, lft:rgt])
    assert abs(e.x_px + lft - (left + ex)) <= 2.0
    assert abs(e.y_px + t - (top + ey)) <= 2.0
    assert abs(e.radius_px - r) <= 2.0
