"""Pixel size from TIFF metadata (Zeiss, FEI, ImageJ, OME, baseline) and the source order."""
import logging

import numpy as np
import pytest
import tifffile

from calibration import InputError, PixelSize, resolve_pixel_size, stage_tilt_from_tags

H, W = 96, 160  # non-square frames


def _zeiss_blob(width_um="46.40", pixel_nm="45.31", mu=b"\xb5"):
    """CZ_SEM tag 34118 as SmartSEM writes it: CRLF lines, latin-1 micro sign."""
    lines = [
        b"0", b"4.531e-008",
        b"AP_IMAGE_PIXEL_SIZE", b"Image Pixel Size = " + pixel_nm.encode() + b" nm",
        b"AP_WIDTH", b"Width = " + width_um.encode() + b" " + mu + b"m",
        b"AP_HEIGHT", b"Height = 15.42 " + mu + b"m",
        b"DP_IMAGE_STORE", b"Store resolution = 160 * 96",
        b"AP_MAG", b"Mag = 2.50 K X",
        b"AP_ACTUALKV", b"EHT = 5.00 kV",
        b"AP_STAGE_AT_T", b"Stage at T = 30.0 \xb0",
    ]
    return b"\r\n".join(lines) + b"\r\n"


def _write_read(path, extratags=(), **kw):
    data = (np.arange(H * W) % 251).astype(np.uint8).reshape(H, W)
    tifffile.imwrite(path, data, extratags=list(extratags), **kw)
    with tifffile.TiffFile(path) as tif:
        page = tif.pages.first
        return {t.name: t.value for t in page.tags.values()}, page.asarray()


def _zeiss(tmp_path, **kw):
    blob = _zeiss_blob(**kw)
    return _write_read(tmp_path / "zeiss.tif", [(34118, "B", len(blob), blob, True)])


def test_zeiss_width_over_pixels(tmp_path):
    # 46.4 µm / 160 px = 0.29 µm; the pixel-size entry says 0.29 µm too (agrees)
    tags, img = _zeiss(tmp_path, width_um="46.40", pixel_nm="290.0")
    assert isinstance(tags["CZ_SEM"], dict)
    ps = resolve_pixel_size(tiff_tags=tags, image=img)
    assert isinstance(ps, PixelSize)
    assert ps.source == "zeiss_metadata"
    assert ps.um == pytest.approx(46.40 / W, rel=1e-9)
    assert "cross-checked" in ps.detail and "160 px" in ps.detail


def test_zeiss_wrong_pixel_size_tag_loses_and_warns(tmp_path, caplog):
    # the tag is off by a factor 1024/160 as in files saved at another store resolution
    tags, img = _zeiss(tmp_path, width_um="46.40", pixel_nm="45.31")
    with caplog.at_level(logging.WARNING, logger="calibration"):
        ps = resolve_pixel_size(tiff_tags=tags, image=img)
    assert ps.um == pytest.approx(0.29, rel=1e-9)
    assert "disagrees" in ps.detail and "45.31 nm" in ps.detail
    assert any("Zeiss metadata disagree" in r.message for r in caplog.records)


def test_zeiss_pixel_size_tag_alone(tmp_path):
    blob = b"AP_IMAGE_PIXEL_SIZE\r\nImage Pixel Size = 558.2 pm\r\nAP_MAG\r\nMag = 100.00 K X\r\n"
    tags, img = _write_read(tmp_path / "z.tif", [(34118, "B", len(blob), blob, True)])
    ps = resolve_pixel_size(tiff_tags=tags, image=img)
    assert ps.source == "zeiss_metadata"
    assert ps.um == pytest.approx(558.2e-6)
    assert "not cross-checked" in ps.detail


@pytest.mark.parametrize("unit,factor", [("nm", 1e-3), ("mm", 1e3), ("pm", 1e-6)])
def test_zeiss_width_units(tmp_path, unit, factor):
    blob = f"AP_WIDTH\r\nWidth = 3.2 {unit}\r\n".encode()
    tags, img = _write_read(tmp_path / "z.tif", [(34118, "B", len(blob), blob, True)])
    assert resolve_pixel_size(tiff_tags=tags).um == pytest.approx(3.2 * factor / W)


def test_zeiss_stage_tilt(tmp_path):
    tags, _ = _zeiss(tmp_path)
    assert stage_tilt_from_tags(tags) == pytest.approx(30.0)


def _fei_text(pixel_m="4.5e-08", section="Scan"):
    return (f"[User]\r\nDate=10/06/2026\r\n[Beam]\r\nHV=5000\r\n[{section}]\r\n"
            f"PixelWidth={pixel_m}\r\nPixelHeight={pixel_m}\r\nHorFieldsize=7.2e-06\r\n"
            "[Stage]\r\nStageT=0.9076\r\n[Image]\r\nResolutionX=160\r\nResolutionY=96\r\n")


@pytest.mark.parametrize("code,name", [(34682, "FEI_HELIOS"), (34680, "FEI_SFEG")])
def test_fei_pixel_width(tmp_path, code, name):
    text = _fei_text()
    tags, img = _write_read(tmp_path / "fei.tif", [(code, "s", 0, text, True)])
    assert isinstance(tags[name], dict)
    ps = resolve_pixel_size(tiff_tags=tags, image=img)
    assert ps.source == "fei_metadata"
    assert ps.um == pytest.approx(0.045)
    assert "PixelWidth" in ps.detail
    assert stage_tilt_from_tags(tags) == pytest.approx(52.0, abs=0.01)  # 0.9076 rad


def test_fei_field_width_fallback(tmp_path):
    text = "[Scan]\r\nHorFieldsize=7.2e-06\r\n[Image]\r\nResolutionX=160\r\n"
    tags, _ = _write_read(tmp_path / "fei.tif", [(34682, "s", 0, text, True)])
    ps = resolve_pixel_size(tiff_tags=tags)
    assert ps.um == pytest.approx(7.2 / 160)
    assert "HorFieldsize" in ps.detail


def test_imagej_resolution(tmp_path):
    path = tmp_path / "ij.tif"
    data = np.zeros((H, W), np.uint8)
    tifffile.imwrite(path, data, imagej=True, resolution=(1 / 0.125, 1 / 0.125), metadata={"unit": "um"})
    with tifffile.TiffFile(path) as tif:
        tags = {t.name: t.value for t in tif.pages.first.tags.values()}
    ps = resolve_pixel_size(tiff_tags=tags)
    assert ps.source == "imagej_metadata"
    assert ps.um == pytest.approx(0.125)


def test_imagej_micro_escape_and_uncalibrated():
    tags = {"ImageDescription": "ImageJ=1.54f\nunit=\\u00B5m\n", "XResolution": (4, 1)}
    assert resolve_pixel_size(tiff_tags=tags).um == pytest.approx(0.25)
    tags = {"ImageDescription": "ImageJ=1.54f\nunit=pixel\n", "XResolution": (1, 1)}
    with pytest.raises(InputError, match="pass --pixel-size UM"):
        resolve_pixel_size(tiff_tags=tags)


def test_ome_physical_size(tmp_path):
    path = tmp_path / "x.ome.tif"
    tifffile.imwrite(path, np.zeros((H, W), np.uint8), ome=True,
                     metadata={"PhysicalSizeX": 12.5, "PhysicalSizeXUnit": "nm"})
    with tifffile.TiffFile(path) as tif:
        tags = {t.name: t.value for t in tif.pages.first.tags.values()}
    ps = resolve_pixel_size(tiff_tags=tags)
    assert ps.source == "ome_metadata"
    assert ps.um == pytest.approx(0.0125)


def test_tiff_resolution_calibrated_and_screen_default(tmp_path):
    tags, _ = _write_read(tmp_path / "cm.tif", resolution=(50000.0, 50000.0), resolutionunit="CENTIMETER")
    ps = resolve_pixel_size(tiff_tags=tags)
    assert ps.source == "tiff_resolution"
    assert ps.um == pytest.approx(0.2)
    tags, _ = _write_read(tmp_path / "dpi.tif", resolution=(72.0, 72.0), resolutionunit="INCH")
    with pytest.raises(InputError, match=r"dpi\.tif: no pixel size in the file metadata.*--pixel-size UM"):
        resolve_pixel_size(tiff_tags=tags, path=tmp_path / "dpi.tif")


def test_user_value_wins(tmp_path):
    tags, img = _zeiss(tmp_path)
    ps = resolve_pixel_size(user_um=0.5, tiff_tags=tags, image=img)
    assert (ps.um, ps.source) == (0.5, "user")


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "abc"])
def test_bad_user_values(bad):
    with pytest.raises(InputError, match="--pixel-size must be"):
        resolve_pixel_size(user_um=bad, path="v.avi")
    with pytest.raises(InputError, match="--scale-bar-um must be"):
        resolve_pixel_size(scale_bar_um=bad, image=np.zeros((H, W)), path="v.avi")


def test_no_source_names_file_and_options():
    with pytest.raises(InputError, match=r"^video\.avi: .*pass --pixel-size UM"):
        resolve_pixel_size(path="video.avi")
    with pytest.raises(InputError, match="no scale bar found in the data bar; pass --pixel-size UM"):
        resolve_pixel_size(image=np.full((H, W), 10, np.uint8), data_bar=(70, 96, 0, 160), path="v.avi")


def test_bad_tags_type():
    with pytest.raises(InputError, match="tiff_tags must be a dict"):
        resolve_pixel_size(tiff_tags=[("ImageWidth", 3)])


def test_pixelsize_validates():
    with pytest.raises(InputError, match="source must be one of"):
        PixelSize(um=1.0, source="guess")
    with pytest.raises(InputError, match="positive number"):
        PixelSize(um=-1.0, source="user")


def test_zeiss_width_from_image_or_store_resolution():
    cz = {"ap_width": ("Width", 51.2, "µm"), "dp_image_store": ("Store resolution", "1024 * 768")}
    rgb = np.zeros((H, W, 3), np.uint8)  # no ImageWidth tag: the frame's columns count
    assert resolve_pixel_size(tiff_tags={"CZ_SEM": cz}, image=rgb).um == pytest.approx(51.2 / W)
    assert resolve_pixel_size(tiff_tags={"CZ_SEM": cz}).um == pytest.approx(0.05)  # 1024 px stored


def test_fei_escan_section(tmp_path):
    text = _fei_text(pixel_m="1.25e-07", section="EScan")
    tags, _ = _write_read(tmp_path / "fei.tif", [(34682, "s", 0, text, True)])
    ps = resolve_pixel_size(tiff_tags=tags)
    assert ps.um == pytest.approx(0.125)
    assert "[EScan]" in ps.detail


def test_metadata_wins_over_scale_bar_um_with_warning(tmp_path, caplog):
    tags, _ = _write_read(tmp_path / "fei.tif", [(34682, "s", 0, _fei_text(), True)])
    img = np.full((H, W), 5, np.uint8)
    img[80:83, 20:120] = 255  # a 100 px bar on a flat data bar
    with caplog.at_level(logging.WARNING, logger="calibration"):
        ps = resolve_pixel_size(tiff_tags=tags, image=img, data_bar=(70, H, 0, W), scale_bar_um=10.0)
    assert (ps.source, ps.um) == ("fei_metadata", pytest.approx(0.045))
    assert any("--scale-bar-um gives 0.1 µm/px" in r.message for r in caplog.records)


@pytest.mark.parametrize("bar_um, warns", [
    (4.5, False),    # 100 px bar = 4.5 µm: exactly the metadata's 0.045 µm/px
    (4.55, False),   # 1.1 % off: inside the bar's ±1 px (1 %) + label rounding
    (5.0, True),     # 11 % off: a real disagreement
])
def test_scale_bar_cross_checked_against_metadata(tmp_path, caplog, bar_um, warns):
    tags, _ = _write_read(tmp_path / "fei.tif", [(34682, "s", 0, _fei_text(), True)])
    img = np.full((H, W), 5, np.uint8)
    img[80:83, 20:120] = 255  # a 100 px bar on a flat data bar
    with caplog.at_level(logging.WARNING, logger="calibration"):
        ps = resolve_pixel_size(tiff_tags=tags, image=img, data_bar=(70, H, 0, W), scale_bar_um=bar_um)
    assert ps.um == pytest.approx(0.045)
    assert any("more than the bar's ±1 px" in r.message for r in caplog.records) == warns
    assert ("disagrees" in ps.detail) == warns
