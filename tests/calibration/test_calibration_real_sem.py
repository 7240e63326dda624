"""SEM metadata on real Zeiss SmartSEM TIFFs (SEM-Mapping-Tool, CC0; see SOURCES.md)."""
import datetime
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile

import calibration
from calibration import InputError, acquisition_time, read_sem_info

DATA = Path(__file__).parent.parent / "data" / "real"
INLENS = DATA / "zeiss_1-as-cast_16_Sch_10k_InLens.tif"
FEMOOX = DATA / "zeiss_FeMoOx_AntiA_04_1k5x_CN.tif"


@pytest.mark.parametrize("path, width_um, tilt, kv, when", [
    # Width 11.43 µm over 1024 px; the file's own 'Image Pixel Size' says 11.16 nm
    (INLENS, 11.43, 0.0, 10.0, datetime.datetime(2019, 12, 9, 11, 18, 36)),
    (FEMOOX, 76.22, 54.0, 5.0, datetime.datetime(2021, 7, 13, 18, 23, 36)),
])
def test_zeiss_metadata(path, width_um, tilt, kv, when):
    info = read_sem_info(path)
    assert info.vendor == "zeiss"
    assert info.pixel_size.source == "zeiss_metadata"
    assert info.pixel_size.um == pytest.approx(width_um / 1024, rel=1e-12)
    assert "cross-checked" in info.pixel_size.detail
    assert info.stage_tilt_deg == tilt
    assert info.detector == "InLens"
    assert info.accelerating_voltage_kV == kv
    assert (info.image_width_px, info.image_height_px, info.scan_height_px) == (1024, 768, 768)
    assert info.acquired == when and info.time_resolution_s == 1.0
    assert acquisition_time(path) == (when, 1.0)


def test_pixel_size_tag_agrees_with_width():
    # independent check: 'Image Pixel Size' entry vs Width / pixels, within its 4 printed digits
    assert read_sem_info(INLENS).pixel_size.um * 1e3 == pytest.approx(11.16, abs=0.006)
    assert read_sem_info(FEMOOX).pixel_size.um * 1e3 == pytest.approx(74.43, abs=0.006)


def test_fei_user_date_time_and_tiff_datetime(tmp_path):
    # constructed files (no permissively licensed FEI TIFF was found): FEI's INI text in tag 34682
    fei = ("[User]\r\nDate=03/14/2022\r\nTime=09:26:53 PM\r\n[Beam]\r\nHV=15000\r\n"
           "[Scan]\r\nPixelWidth=2.5e-08\r\n[Stage]\r\nStageT=0.1745329\r\n"
           "[Image]\r\nResolutionX=1024\r\nResolutionY=884\r\n[Detectors]\r\nName=ETD\r\n")
    p = tmp_path / "fei.tif"
    tifffile.imwrite(p, np.zeros((943, 1024), np.uint8), extratags=[(34682, "s", 0, fei, True)])
    info = read_sem_info(p)
    assert info.vendor == "fei" and info.detector == "ETD"
    assert info.pixel_size.um == pytest.approx(0.025)
    assert info.stage_tilt_deg == pytest.approx(10.0, abs=1e-5)
    assert info.accelerating_voltage_kV == pytest.approx(15.0)
    assert info.scan_height_px == 884 and info.image_height_px == 943
    assert acquisition_time(p) == (datetime.datetime(2022, 3, 14, 21, 26, 53), 1.0)
    q = tmp_path / "plain.tif"
    tifffile.imwrite(q, np.zeros((4, 4), np.uint8), datetime="2020:01:02 03:04:05")
    assert acquisition_time(q) == (datetime.datetime(2020, 1, 2, 3, 4, 5), 1.0)
    r = tmp_path / "none.tif"
    tifffile.imwrite(r, np.zeros((4, 4), np.uint8), datetime=False)
    assert acquisition_time(r) == (None, None)


def test_not_a_tiff(tmp_path):
    p = tmp_path / "x.tif"
    p.write_text("hello")
    with pytest.raises(InputError, match=r"x\.tif: not a readable TIFF"):
        read_sem_info(p)


def test_import_calibration_does_not_load_opencv():
    code = ("import sys, calibration, electrochem; assert 'cv2' not in sys.modules; "
            "calibration.measure_scale_bar; assert 'cv2' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert "measure_scale_bar" in dir(calibration)


# Zeiss SmartSEM draws its light-grey data bar over the last 77 rows of the 1024 x 768
# image (rows 691-767 of these two files, the same layout in both)
ZEISS_BAR = (691, 768, 0, 1024)


@pytest.mark.parametrize("path, label_um", [(INLENS, 1.0), (FEMOOX, 10.0)])
def test_zeiss_scale_bar_label_and_length(path, label_um):
    image = tifffile.imread(path)
    bar = calibration.measure_scale_bar(image, region=ZEISS_BAR)
    assert bar.ticked
    assert bar.label_um == label_um  # "1 µm*", "10 µm" in Zeiss's sans-serif font
    # the bar's length agrees with the metadata pixel size within its ±1 px reading
    expected_px = label_um / read_sem_info(path).pixel_size.um
    assert abs(bar.length_px - expected_px) <= 1.0


def test_zeiss_metadata_and_scale_bar_cross_check(caplog):
    image = tifffile.imread(INLENS)
    with tifffile.TiffFile(INLENS) as tif:
        tags = {t.name: t.value for t in tif.pages[0].tags.values()}
    ps = calibration.resolve_pixel_size(tiff_tags=tags, image=image, data_bar=ZEISS_BAR)
    assert ps.source == "zeiss_metadata"
    assert "scale bar agrees" in ps.detail


@pytest.mark.parametrize("text, um", [("200 nm", 0.2), ("1 µm", 1.0), ("200 µm", 200.0)])
def test_vendor_font_labels_constructed(text, um):
    """Zeiss-style layout drawn with an Arial-metric font (constructed, not a real file)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", 19)
    img = Image.new("L", (600, 80), 200)  # light-grey data bar
    draw = ImageDraw.Draw(img)
    draw.text((20, 12), text, fill=0, font=font)
    draw.rectangle((18, 52, 137, 53), fill=0)  # the bar, 120 px between tick centres
    draw.rectangle((17, 42, 18, 62), fill=0)
    draw.rectangle((137, 42, 138, 62), fill=0)
    draw.text((250, 12), "EHT = 10.00 kV", fill=0, font=font)
    bar = calibration.measure_scale_bar(np.asarray(img), region=(0, 80, 0, 600))
    assert bar.ticked and bar.length_px == pytest.approx(120.0, abs=0.5)
    assert bar.label_um == pytest.approx(um)
