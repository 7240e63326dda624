"""Batch discovery uses the io registry and electrochem's reader list (issue 10)."""
import cv2
import numpy as np

import vision


def _frames(folder, ext, n=3):
    folder.mkdir()
    for i in range(n):
        img = np.full((32, 40), 40 * i, np.uint8)
        cv2.imwrite(str(folder / f"frame_{i:03d}{ext}"), img)


def test_folder_of_numbered_tif_frames_is_one_video(tmp_path):
    _frames(tmp_path / "run_tif", ".tif")
    videos, traces = vision.discover_videos(tmp_path)
    assert videos == [tmp_path / "run_tif"] and traces == []


def test_webm_and_tsv_are_discovered(tmp_path):
    (tmp_path / "a.webm").write_bytes(b"\x1a\x45\xdf\xa3" + bytes(12))
    (tmp_path / "a_trace.tsv").write_text("time_s\tEwe_V\n0\t0\n")
    videos, traces = vision.discover_videos(tmp_path)
    assert videos == [tmp_path / "a.webm"]
    assert traces == [tmp_path / "a_trace.tsv"]
