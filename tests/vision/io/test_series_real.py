"""Folders of single SEM TIFFs timed by each file's own acquisition time.

No permissively licensed real in-situ series was found, so the series are built
in tmp_path from a real Zeiss SmartSEM TIFF (tests/data/real/SOURCES.md): each
copy is the original file with only its ``CZ_SEM`` acquisition time (``Time
:18:23:36``, same length) rewritten, as SmartSEM writes one file per scan; the
plain-TIFF series are the real pixels written by tifffile with a ``DateTime``
tag per file.
"""
import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pytest
import tifffile

from calibration import InputError, acquisition_time, pixel_size_from_tags
from vision import open_video
from vision.io._series_times import even_spacing

REAL = Path(__file__).resolve().parents[2] / "data" / "real"
ZEISS = REAL / "zeiss_FeMoOx_AntiA_04_1k5x_CN.tif"
STAMP = b"Time :18:23:36"
START = dt.datetime(2021, 7, 13, 18, 23, 36)


def zeiss_series(folder, true_times_s, *, names=None):
    """Copies of the real Zeiss TIFF stamped at START + floor(t) (what the SEM writes)."""
    raw = ZEISS.read_bytes()
    assert raw.count(STAMP) == 1
    folder.mkdir()
    for i, t in enumerate(true_times_s):
        when = START + dt.timedelta(seconds=int(np.floor(t)))
        stamp = f"Time :{when:%H:%M:%S}".encode()
        name = names[i] if names else f"scan_{i + 1:03d}.tif"
        (folder / name).write_bytes(raw.replace(STAMP, stamp))
    return folder


def test_patched_copies_carry_the_new_times(tmp_path):
    folder = zeiss_series(tmp_path / "s", [0.0, 61.5])
    assert acquisition_time(folder / "scan_001.tif") == (START, 1.0)
    assert acquisition_time(folder / "scan_002.tif") == (START + dt.timedelta(seconds=61), 1.0)


@pytest.mark.parametrize("interval, offset, n", [(0.4, 0.3, 12), (2.37, 0.9, 8), (1.0, 0.5, 6)])
def test_equally_spaced_series_runs_without_fps(tmp_path, interval, offset, n):
    truth = offset + interval * np.arange(n)
    folder = zeiss_series(tmp_path / "s", truth)
    with pytest.warns(UserWarning, match=r"1 s resolution.*equally spaced.*interpolated"):
        reader = open_video(folder)
    with reader:
        times = np.array([f.time_s for f in reader])
        meta = reader.metadata
        assert reader.start_time is None  # the SEM's clock never sets absolute sync by itself
    assert meta["acquired"][0] == START + dt.timedelta(seconds=int(np.floor(offset)))
    assert meta["time_resolution_s"] == 1.0 and meta["evenly_spaced"]
    # the stated uncertainty holds the truth, and is far below the 1 s stamps over a run
    unc = meta["time_uncertainty_s"]
    assert np.all(np.abs(times - (truth - truth[0])) <= unc + 1e-9)
    assert abs(meta["frame_interval_s"] - interval) <= meta["frame_interval_uncertainty_s"] + 1e-9
    assert meta["frame_interval_uncertainty_s"] <= 1.0 / (n - 1)
    # the first file's Zeiss tags travel with the folder: pixel size, scan height
    px = pixel_size_from_tags({k: v for k, v in meta["tiff_tags"].items()}, image_width_px=1024)
    assert px is not None and px.um == pytest.approx(0.07443, rel=1e-3)
    assert meta["scan_height_px"] == 768


def test_pause_in_the_run_keeps_each_stamp(tmp_path):
    truth = [0.2, 0.7, 1.2, 1.7, 30.2, 30.7]  # two bursts 29 s apart: not equally spaced
    folder = zeiss_series(tmp_path / "s", truth)
    with pytest.warns(UserWarning, match=r"not equally spaced.*± 1 s"):
        reader = open_video(folder)
    with reader:
        times = np.array([f.time_s for f in reader])
        assert not reader.metadata["evenly_spaced"]
    assert times.tolist() == [0.0, 0.5, 1.0, 1.5, 30.0, 30.5]  # shared seconds spread evenly
    assert np.all(np.abs(times - (np.array(truth) - truth[0])) <= 1.0)


def test_fps_overrides_the_stamps(tmp_path):
    folder = zeiss_series(tmp_path / "s", [0.0, 0.4, 0.8])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with open_video(folder, fps=2.5) as reader:
            assert [f.time_s for f in reader] == pytest.approx([0.0, 0.4, 0.8])
            assert reader.metadata["time_source"] == "fps argument"


def test_stamps_out_of_name_order_are_refused(tmp_path):
    folder = zeiss_series(tmp_path / "s", [0.0, 5.0, 3.0])
    with pytest.raises(InputError, match=r"scan_003\.tif was acquired at .* but sorts after "
                                         r"scan_002\.tif.*fps=FPS"):
        open_video(folder)


def test_files_without_a_time_are_named(tmp_path):
    folder = zeiss_series(tmp_path / "s", [0.0, 1.0])
    image = tifffile.imread(ZEISS)
    tifffile.imwrite(folder / "scan_003.tif", image)  # no DateTime, no vendor tags
    with pytest.raises(InputError, match=r"1 of the 3 TIFFs carry no acquisition time "
                                         r"\(first: scan_003\.tif\); pass fps=FPS"):
        open_video(folder)


def test_plain_tiff_datetime_series(tmp_path):
    """Real pixels, one DateTime tag per file (tifffile), 2 s apart."""
    image = tifffile.imread(ZEISS)
    folder = tmp_path / "plain"
    folder.mkdir()
    for i in range(5):
        tifffile.imwrite(folder / f"f{i}.tif", image, datetime=START + dt.timedelta(seconds=2 * i))
    with pytest.warns(UserWarning, match=r"TIFF DateTime, 1 s resolution"):
        reader = open_video(folder)
    with reader:
        times = [f.time_s for f in reader]
        unc = reader.metadata["time_uncertainty_s"]
    assert np.all(np.abs(np.array(times) - 2.0 * np.arange(5)) <= unc + 1e-9)
    assert unc <= 1.0


def test_png_folder_still_needs_fps(tmp_path):
    import cv2

    folder = tmp_path / "png"
    folder.mkdir()
    for i in range(2):
        cv2.imwrite(str(folder / f"{i}.png"), np.zeros((20, 20), np.uint8))
    with pytest.raises(InputError, match="no frame timing; pass fps=FPS"):
        open_video(folder)


@pytest.mark.parametrize("interval", [0.13, 0.5, 0.77, 1.0, 3.3])
@pytest.mark.parametrize("offset", [0.0, 0.49, 0.99])
def test_even_spacing_brackets_the_truth(interval, offset):
    n = 40
    stamps = np.floor(offset + interval * np.arange(n))
    dt_s, half = even_spacing(stamps - stamps[0])
    assert abs(dt_s - interval) <= half + 1e-12
    assert half <= 1.0 / (n - 1)


def test_even_spacing_refuses_a_pause():
    assert even_spacing(np.array([0, 1, 2, 3, 20, 21, 22.0])) is None


def test_analyze_runs_on_a_series_without_fps(tmp_path, capsys):
    """`semtrack analyze FOLDER` of single real Zeiss TIFFs, no --fps: exit 0, six frames
    timed from the files (0.375 s apart from 1 s stamps), pixel size from the metadata."""
    import json

    from vision.cli._main import main

    folder = zeiss_series(tmp_path / "run", 0.2 + 0.4 * np.arange(6))
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["analyze", str(folder), "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_frames"] == 6
    assert summary["pixel_size_source"] == "zeiss_metadata"
    assert summary["sync_method"] != "absolute"
    assert summary["duration_s"] == pytest.approx(2.0, abs=0.62)  # truth 2.0 s, stated ± 0.62 s
    assert "frame times from the files' acquisition times" in capsys.readouterr().err
