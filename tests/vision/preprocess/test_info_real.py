"""``semtrack info`` on real Zeiss/FEI TIFFs (tests/data/real/SOURCES.md) and a TIFF series."""
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from vision import video_info
from vision.cli._main import main

REAL = Path(__file__).resolve().parents[2] / "data" / "real"


def test_info_zeiss_prints_metadata_and_bar(capsys):
    assert main(["info", str(REAL / "zeiss_FeMoOx_AntiA_04_1k5x_CN.tif")]) == 0
    out = capsys.readouterr().out
    assert "pixel size:  74.43 nm (zeiss_metadata: Width = 76.22 µm / 1024 px" in out
    assert "stage tilt:  54 deg" in out
    assert "detector:    InLens" in out
    assert "voltage:     5 kV" in out
    assert "data bar:    rows 690:766, cols 0:1024" in out


def test_info_fei_without_bar(capsys):
    assert main(["info", str(REAL / "fei_helios_test_image_2_no_databar.tif")]) == 0
    out = capsys.readouterr().out
    assert "pixel size:  97.66 nm (fei_metadata: FEI_HELIOS [Scan] PixelWidth" in out
    assert "stage tilt:  32 deg" in out and "detector:    ETD" in out
    assert "voltage:     30 kV" in out
    assert "data bar:    none found" in out


def test_info_without_metadata_says_where_a_pixel_size_comes_from(tmp_path, capsys):
    import tifffile

    image = tifffile.imread(REAL / "zeiss_test_SE2_no_databar.tif")
    path = tmp_path / "bare.tif"
    tifffile.imwrite(path, image)  # real pixels, no SEM metadata, no bar
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "pixel size:  unknown (no pixel size in the metadata and no data bar" in out
    assert "--pixel-size or --scale-bar-um" in out
    assert "stage tilt" not in out and "detector" not in out and "voltage" not in out


def test_info_on_a_zeiss_series_without_fps(tmp_path, capsys):
    """Copies of the real Zeiss TIFF with only their CZ_SEM time rewritten (0.4 s scans)."""
    raw = (REAL / "zeiss_FeMoOx_AntiA_04_1k5x_CN.tif").read_bytes()
    start = dt.datetime(2021, 7, 13, 18, 23, 36)
    folder = tmp_path / "run"
    folder.mkdir()
    for i in range(6):
        when = start + dt.timedelta(seconds=int(np.floor(0.2 + 0.4 * i)))
        (folder / f"img_{i}.tif").write_bytes(
            raw.replace(b"Time :18:23:36", f"Time :{when:%H:%M:%S}".encode()))
    with pytest.warns(UserWarning, match="equally spaced"):
        info = video_info(folder, refresh=False)
    assert info["frames"] == 6 and info["time_uncertainty_s"] is not None
    assert info["pixel_size"].source == "zeiss_metadata"
    assert (info["data_bar"].top, info["data_bar"].bottom) == (690, 766)
    assert main(["info", str(folder), "--no-refresh"]) == 0
    captured = capsys.readouterr()
    assert "frame times: from each file's acquisition time (whole seconds), uncertain by" in captured.out
    assert "first file stamped 2021-07-13 18:23:36" in captured.out
    assert "format:      image frames (img_0.tif .. img_5.tif)" in captured.out
    assert "pixel size:  74.43 nm (zeiss_metadata" in captured.out
    assert "1 s resolution" in captured.err and "equally spaced" in captured.err


@pytest.mark.parametrize("name", ["zeiss_1-as-cast_16_Sch_10k_InLens.tif"])
def test_info_dict_keys(name):
    info = video_info(REAL / name, refresh=False)
    assert info["vendor"] == "zeiss" and info["detector"] == "InLens"
    assert info["accelerating_voltage_kV"] == pytest.approx(10.0)
    assert info["stage_tilt_deg"] == 0.0
    assert info["pixel_size"].um == pytest.approx(0.011162, rel=1e-3)


def _ini(sections):
    return "".join(f"[{name}]\r\n" + "".join(f"{k}={v}\r\n" for k, v in body.items())
                   for name, body in sections.items() if isinstance(body, dict))


@pytest.mark.parametrize("blank", [None, 46])
def test_fei_file_with_appended_bar_and_blank_image(tmp_path, blank):
    """An FEI file as xT writes it: the real Helios scan (1536 x 1024, its own FEI_HELIOS
    metadata, re-serialised as the INI text xT appends) with a 70-row bar appended below;
    ``blank`` = the image area blanked to the bar's own grey (only the metadata can tell)."""
    import tifffile
    from test_databar_real import fei_like

    src = REAL / "fei_helios_test_image_2_no_databar.tif"
    with tifffile.TiffFile(src) as tif:
        scan = tif.pages[0].asarray()
        fei = tif.pages[0].tags["FEI_HELIOS"].value
    assert fei["Image"]["ResolutionY"] == 1024
    frame = fei_like(scan, 70, blank=blank)
    path = tmp_path / "fei_with_bar.tif"
    tifffile.imwrite(path, frame, extratags=[(34682, "s", 0, _ini(fei), True)])
    info = video_info(path, refresh=False)
    assert (info["data_bar"].top, info["data_bar"].bottom) == (1024, 1094)
    assert info["pixel_size"].source == "fei_metadata" and info["detector"] == "ETD"
