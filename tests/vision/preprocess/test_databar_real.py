"""find_data_bar on real Zeiss and FEI TIFFs (tests/data/real/SOURCES.md) and random scenes.

Truth of the real bars was read off the pixels: the Zeiss SmartSEM bar of the
1024 x 768 KIT files is a white box with black frame lines at rows 690 and 765
(two image rows below it), so rows 690:766. The requirement is 2 rows.
"""
from pathlib import Path

import numpy as np
import pytest
import tifffile

from calibration import read_sem_info
from vision import find_data_bar

REAL = Path(__file__).resolve().parents[2] / "data" / "real"
ZEISS_WITH_BAR = ["zeiss_1-as-cast_16_Sch_10k_InLens.tif", "zeiss_FeMoOx_AntiA_04_1k5x_CN.tif"]
ZEISS_BAR_ROWS = (690, 766)
NO_BAR = ["zeiss_test_SE2_no_databar.tif", "fei_helios_test_image_2_no_databar.tif"]
TOLERANCE_ROWS = 2  # the requirement


def read(name):
    return tifffile.imread(REAL / name)


@pytest.mark.parametrize("name", ZEISS_WITH_BAR)
def test_zeiss_light_bar_within_two_rows(name):
    image = read(name)
    bar = find_data_bar(image)
    assert bar is not None, f"{name}: the SmartSEM bar was not found"
    assert abs(bar.top - ZEISS_BAR_ROWS[0]) <= TOLERANCE_ROWS
    assert abs(bar.bottom - ZEISS_BAR_ROWS[1]) <= TOLERANCE_ROWS
    assert bar.width >= 0.95 * image.shape[1]
    # the metadata states the store height (768): no appended bar, the same answer
    info = read_sem_info(REAL / name)
    assert info.vendor == "zeiss" and info.scan_height_px == image.shape[0]
    assert find_data_bar(image, scan_height_px=info.scan_height_px) == bar


@pytest.mark.parametrize("name", ZEISS_WITH_BAR)
def test_zeiss_bar_at_the_top_when_flipped(name):
    image = read(name)[::-1].copy()
    bar = find_data_bar(image)
    rows = image.shape[0]
    assert bar is not None
    assert abs(bar.top - (rows - ZEISS_BAR_ROWS[1])) <= TOLERANCE_ROWS
    assert abs(bar.bottom - (rows - ZEISS_BAR_ROWS[0])) <= TOLERANCE_ROWS


@pytest.mark.parametrize("name", ZEISS_WITH_BAR)
def test_zeiss_bar_in_16_bit(name):
    image = read(name).astype(np.uint16) * 257
    bar = find_data_bar(image)
    assert bar is not None and abs(bar.top - ZEISS_BAR_ROWS[0]) <= TOLERANCE_ROWS


@pytest.mark.parametrize("name", NO_BAR)
def test_real_images_without_a_bar(name):
    image = read(name)
    assert find_data_bar(image) is None
    info = read_sem_info(REAL / name)
    assert info.scan_height_px == image.shape[0]  # the metadata agrees: nothing appended
    assert find_data_bar(image, scan_height_px=info.scan_height_px) is None


@pytest.mark.parametrize("name", ZEISS_WITH_BAR)
@pytest.mark.parametrize("crop", [(0, 690), (0, 600), (100, 689)])
def test_crops_above_the_bar_have_none(name, crop):
    assert find_data_bar(read(name)[crop[0]:crop[1]]) is None


def fei_like(image, bar_rows, *, blank=None):
    """An FEI/Thermo frame: the real FEI scan with a bar appended below it (dark grey 46,
    white text and cell lines as xT draws them); ``blank`` replaces the scan by one grey."""
    import cv2

    rows, cols = image.shape
    scan = image.copy() if blank is None else np.full_like(image, blank)
    bar = np.full((bar_rows, cols), 46, np.uint8)
    cv2.line(bar, (0, 0), (cols - 1, 0), 255, 1)
    for x in range(0, cols, cols // 8):
        cv2.line(bar, (x, 0), (x, bar_rows - 1), 255, 1)
    cv2.putText(bar, "det ETD  HV 2.00 kV  mag 35 000 x  WD 9.7 mm", (8, bar_rows // 2),
                cv2.FONT_HERSHEY_SIMPLEX, 0.6, 255, 1, cv2.LINE_AA)
    cv2.line(bar, (cols - 300, bar_rows - 12), (cols - 40, bar_rows - 12), 255, 2)
    return np.vstack([scan, bar])


@pytest.mark.parametrize("blank", [None, 0, 140, 255, 46])
def test_fei_bar_below_the_stated_scan_height(blank):
    """The FEI scan height from the real Helios file's metadata makes the bar certain, also
    when the image area is blank (at the bar's own grey only the metadata can tell)."""
    scan = read("fei_helios_test_image_2_no_databar.tif")
    height = read_sem_info(REAL / "fei_helios_test_image_2_no_databar.tif").scan_height_px
    frame = fei_like(scan, 70, blank=blank)
    bar = find_data_bar(frame, scan_height_px=height)
    assert (bar.top, bar.bottom) == (height, height + 70)
    seen = find_data_bar(frame)  # without metadata: from the pixels
    if blank == 46:
        assert seen is None
    else:
        assert seen is not None and abs(seen.top - height) <= TOLERANCE_ROWS


def test_scan_height_equal_to_the_image_says_nothing():
    image = read("zeiss_test_SE2_no_databar.tif")
    assert find_data_bar(image, scan_height_px=image.shape[0]) is None
    assert find_data_bar(image, scan_height_px=10) is None  # 98 % of the frame is no bar


# ---------------------------------------------------------------------------- random scenes
# Tuning seeds (< 100000): Zeiss-style (light grey, black text, logo), FEI-style (black,
# white frame and cell lines, ticked scale bar), the presets' black bar and none; first frames
# as rendered and after a one-frame H.264 encode at the scene's own quality.
SEEDS = {"zeiss": [1, 7, 21, 32], "fei": [3, 5, 41, 48, 54], "black": [17, 52],
         "none": [8, 31, 35, 36, 45]}


def first_frame(seed):
    from vision.synthetic import random_scene
    from vision.synthetic._render import render_frames

    scene = random_scene(seed)
    image, _ = next(render_frames(scene))
    style = scene.extras.data_bar_style if scene.artefacts.data_bar else "none"
    return image, scene.data_bar_rows, style, scene.extras.crf


def one_frame(image, codec, crf=23):
    """One frame through libx264 (at `crf`), MJPEG (FFmpeg's default quality) or MPEG-4
    (2 Mbit/s) and back; 16-bit images go in as their high byte."""
    import av

    if image.dtype != np.uint8:
        image = (image // 257).astype(np.uint8)
    buf = __import__("io").BytesIO()
    with av.open(buf, "w", format="matroska") as out:
        stream = out.add_stream({"h264": "libx264"}.get(codec, codec), rate=5)
        stream.width, stream.height = image.shape[1], image.shape[0]
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        if codec == "h264":
            stream.options = {"crf": str(crf)}
        if codec == "mpeg4":
            stream.bit_rate = 2_000_000
        frame = av.VideoFrame.from_ndarray(image, format="gray").reformat(format=stream.pix_fmt)
        for packet in [*stream.encode(frame), *stream.encode()]:
            out.mux(packet)
    buf.seek(0)
    with av.open(buf) as inp:
        return next(inp.decode(video=0)).to_ndarray(format="gray")


@pytest.mark.parametrize("seed", [s for seeds in SEEDS.values() for s in seeds])
def test_random_scene_bars(seed):
    image, bar_rows, style, crf = first_frame(seed)
    assert style == next(k for k, v in SEEDS.items() if seed in v)  # the scene is what we think
    rows = image.shape[0]
    for name, frame in (("raw", image), ("h264", one_frame(image, "h264", crf))):
        bar = find_data_bar(frame)
        if style == "none":
            assert bar is None, f"seed {seed} {name}: false bar {bar}"
        else:
            assert bar is not None, f"seed {seed} {name}: {style} bar missed"
            assert abs(bar.top - (rows - bar_rows)) <= TOLERANCE_ROWS, (seed, name, bar)
            assert bar.bottom >= rows - TOLERANCE_ROWS, (seed, name, bar)


@pytest.mark.parametrize("name", ZEISS_WITH_BAR)
@pytest.mark.parametrize("border", [0, 40, 128])
@pytest.mark.parametrize("codec", ["raw", "h264", "mjpeg", "mpeg4"])
def test_zeiss_image_in_a_screen_recording(name, border, codec):
    """The real Zeiss TIFF shown at 1.25x in a 1920 x 1080 screen recording with a plain
    border (a third of each row, 60 rows below the image): the bar is found behind the
    border, top and bottom, also after MJPEG / MPEG-4 (whose 8 x 8 blocks ring in the
    light bar and in the border rows next to the image)."""
    import cv2

    small = cv2.resize(read(name), (1280, 960), interpolation=cv2.INTER_AREA)
    canvas = np.full((1080, 1920), border, np.uint8)
    canvas[60:1020, 320:1600] = small
    frame = canvas if codec == "raw" else one_frame(canvas, codec)
    bar = find_data_bar(frame)
    top, bottom = 60 + 1.25 * ZEISS_BAR_ROWS[0], 60 + 1.25 * ZEISS_BAR_ROWS[1]
    assert bar is not None
    assert abs(bar.top - top) <= TOLERANCE_ROWS and abs(bar.bottom - bottom) <= TOLERANCE_ROWS
