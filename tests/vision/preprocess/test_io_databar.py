"""find_data_bar on synthetic SEM frames with and without a Zeiss/FEI-like bar."""
import av
import cv2
import numpy as np
import pytest

from calibration import InputError
from vision import DataBar, analysis_region, analysis_rows, crop_image, find_data_bar

ROWS, COLS = 300, 416


def sem_image(*, seed=0, sigma=12.0):
    """Textured mid-grey ceramic with scan noise, float."""
    rng = np.random.default_rng(seed)
    base = cv2.GaussianBlur(rng.normal(0, 1, (ROWS, COLS)).astype(np.float32), (0, 0), 6)
    return 140 + base / base.std() * 25 + rng.normal(0, sigma, (ROWS, COLS))


def add_bar(img, height, *, bottom=True, background=0.0, text=255.0):
    sub = np.full((height, COLS), background, np.float32)
    canvas = np.zeros((height, COLS), np.uint8)
    cv2.putText(canvas, "EHT = 5.00 kV   WD = 8.5 mm   Mag = 2.00 K X", (6, height // 2),
                cv2.FONT_HERSHEY_SIMPLEX, 0.4, 255, 1, cv2.LINE_AA)
    cv2.putText(canvas, "SE2   10 um", (COLS - 110, height - 6), cv2.FONT_HERSHEY_SIMPLEX,
                0.35, 255, 1, cv2.LINE_AA)
    cv2.line(canvas, (COLS - 110, 6), (COLS - 20, 6), 255, 3)  # scale bar
    sub += canvas.astype(np.float32) / 255 * (text - background)
    out = img.copy()
    if bottom:
        out[ROWS - height:] = sub
    else:
        out[:height] = sub
    return out


def u8(img):
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("height", [24, 40])
def test_bottom_bar_found_exactly(height):
    bar = find_data_bar(u8(add_bar(sem_image(), height)))
    assert bar == DataBar(ROWS - height, ROWS, 0, COLS)


def test_top_bar_and_16bit():
    img = add_bar(sem_image(seed=1), 30, bottom=False)
    bar = find_data_bar(u8(img).astype(np.uint16) * 257)
    assert bar == DataBar(0, 30, 0, COLS)


def test_bar_survives_h264_limited_range(tmp_path):
    """A screen recording: black becomes luma 16, text is blurred by the codec."""
    frame = u8(add_bar(sem_image(seed=2), 32))
    path = tmp_path / "rec.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=5)
        stream.width, stream.height, stream.pix_fmt = COLS, ROWS, "yuv420p"
        stream.options = {"crf": "28"}
        for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="gray")
                                    .reformat(format="yuv420p")):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    with av.open(str(path)) as inp:
        decoded = next(inp.decode(video=0)).to_ndarray(format="gray")
    bar = find_data_bar(decoded)
    assert bar is not None
    assert abs(bar.top - (ROWS - 32)) <= 2 and bar.bottom == ROWS
    assert (bar.left, bar.right) == (0, COLS)


def test_no_bar_in_plain_image():
    assert find_data_bar(u8(sem_image(seed=3))) is None


@pytest.mark.parametrize("sigma", [8.0, 4.0, 2.5])
def test_dark_lithium_blob_is_not_a_bar(sigma):
    """Lithium is darker than LLZO but noisy; with a bright whisker across it."""
    rng = np.random.default_rng(4)
    img = sem_image(seed=4)
    img[ROWS - 70:] = 35 + rng.normal(0, sigma, (70, COLS))      # full-width dark band
    img[150:, 100:300] = 35 + rng.normal(0, sigma, (150, 200))   # and a big dark blob
    cv2.line(img, (120, 280), (260, 240), 235, 3)                 # a bright whisker in it
    assert find_data_bar(u8(img)) is None


def test_black_frame_and_tiny_image_have_no_bar():
    assert find_data_bar(np.zeros((ROWS, COLS), np.uint8)) is None
    assert find_data_bar(np.full((ROWS, COLS), 7, np.uint16)) is None
    assert find_data_bar(np.zeros((8, 10), np.uint8)) is None


def test_plain_black_border_without_text_is_not_a_bar():
    img = sem_image(seed=5)
    img[ROWS - 20:] = 0
    assert find_data_bar(u8(img)) is None


def test_analysis_region_and_crop():
    bar = DataBar(260, 300, 0, COLS)
    assert analysis_region((ROWS, COLS), bar) == (0, 260, 0, COLS)
    assert analysis_rows((ROWS, COLS), bar) == (0, 260)
    assert analysis_region((ROWS, COLS), DataBar(0, 30, 0, COLS)) == (30, ROWS, 0, COLS)
    assert analysis_region((ROWS, COLS), None) == (0, ROWS, 0, COLS)
    # a user crop overrides the bar
    assert analysis_region((ROWS, COLS), bar, crop=(10, 200, 20, 400)) == (10, 200, 20, 400)
    img = np.arange(ROWS * COLS).reshape(ROWS, COLS)
    view = crop_image(img, (10, 200, 20, 400))
    assert view.shape == (190, 380) and view[0, 0] == img[10, 20]


@pytest.mark.parametrize("crop", [(0, 400, 0, 10), (50, 40, 0, 10), (0, 10, -1, 5), (1, 2, 3)])
def test_bad_crop_says_what_fits(crop):
    with pytest.raises(InputError, match="crop"):
        analysis_region((ROWS, COLS), None, crop=crop)


def test_colour_image_rejected():
    with pytest.raises(InputError, match="2-D"):
        find_data_bar(np.zeros((ROWS, COLS, 3), np.uint8))
