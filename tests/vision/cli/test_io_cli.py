"""``semtrack info``: output and exit codes for good and bad input."""
import re

import cv2
import numpy as np
import pytest
import tifffile
from test_io_readers import frames_uint8, write_video
from test_io_refresh import BAR, COLS, FPS, PLAN, ROWS, encode, record

from vision import video_info
from vision.cli import main


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    images, truth = record(PLAN, seed=4)
    path = encode(images, tmp_path_factory.mktemp("rec") / "rec.mp4", crf=18)
    return path, truth


def test_video_info_counts(recording):
    path, truth = recording
    info = video_info(path)
    assert info["frames"] == len(PLAN)
    assert (info["rows"], info["cols"]) == (ROWS, COLS)
    assert info["fps"] == pytest.approx(FPS)
    assert info["duration_s"] == pytest.approx((len(PLAN) - 1) / FPS)
    assert info["duplicates"] == sum(t[0] for t in truth)
    assert info["torn"] == sum(t[1] and not t[0] for t in truth)
    bar = info["data_bar"]
    assert bar is not None and abs(bar.top - (ROWS - BAR)) <= 2 and bar.bottom == ROWS


def test_info_prints_summary(recording, capsys):
    path, truth = recording
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    n_dup = sum(t[0] for t in truth)
    assert f"frames:      {len(PLAN)}" in out
    assert f"size:        {COLS} x {ROWS} px" in out
    assert "fps:         10 (nominal)" in out
    assert f"duplicates:  {n_dup}   torn: 6" in out
    top = int(re.search(r"data bar:    rows (\d+):(\d+), cols 0:(\d+)", out).group(1))
    assert abs(top - (ROWS - BAR)) <= 2
    assert "start time:  unknown" in out


def test_info_folder_with_fps(tmp_path, capsys):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i, img in enumerate(frames_uint8(4)):
        cv2.imwrite(str(folder / f"f{i}.png"), img)
    assert main(["info", str(folder), "--fps", "2", "--no-refresh"]) == 0
    out = capsys.readouterr().out
    assert "frames:      4" in out and "duration:    1.500 s" in out
    assert "duplicates" not in out


def test_info_truncated_video_warns_and_succeeds(tmp_path, capsys):
    path = write_video(tmp_path / "full.mp4", frames_uint8(40, noise=20), options={"crf": "12"},
                       container_options={"movflags": "faststart"})
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert main(["info", str(cut)]) == 0
    captured = capsys.readouterr()
    assert "warning:" in captured.err and "cut.mp4" in captured.err
    assert "of 40 frames" in captured.err
    assert "frames:" in captured.out


def _mixed_tiff(tmp_path):
    path = tmp_path / "mixed.tif"
    with tifffile.TiffWriter(path) as w:
        w.write(np.zeros((32, 48), np.uint8))
        w.write(np.zeros((40, 48), np.uint8))
    return path


def _mixed_folder(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    cv2.imwrite(str(folder / "a1.png"), np.zeros((32, 48), np.uint8))
    cv2.imwrite(str(folder / "a2.png"), np.zeros((40, 48), np.uint8))
    return folder


def _garbage(tmp_path):
    path = tmp_path / "broken.avi"
    path.write_bytes(b"RIFF\x00\x00\x00\x00AVI LIST" + bytes(300))
    return path


def _headless(tmp_path):
    path = write_video(tmp_path / "whole.mp4", frames_uint8(10))
    cut = tmp_path / "headless.mp4"
    cut.write_bytes(path.read_bytes()[:1500])
    return cut


def _empty_folder(tmp_path):
    (tmp_path / "nothing").mkdir()
    return tmp_path / "nothing"


@pytest.mark.parametrize("make,needle", [
    (lambda t: t / "missing.mp4", "no such file"),
    (_empty_folder, "no .png or .tif"),
    (_garbage, "cannot open as a video"),
    (_headless, "headless.mp4"),
    (_mixed_tiff, "mixed shapes"),
    (_mixed_folder, "mixed shapes"),
    (lambda t: (t / "x.doc").write_bytes(b"word") and t / "x.doc", "unknown file format"),
])
def test_bad_input_exit_code_2_one_line(tmp_path, capsys, make, needle):
    path = make(tmp_path)
    args = ["info", str(path)] + (["--fps", "1"] if "mixed" in str(path) else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err          # one line
    assert err.startswith("semtrack info: error: ")
    assert needle in err and path.name in err


def test_folder_without_fps_exit_2(tmp_path, capsys):
    folder = _mixed_folder(tmp_path)
    assert main(["info", str(folder)]) == 2
    assert "pass --fps" in capsys.readouterr().err


def test_library_messages_name_keywords_and_the_cli_names_flags():
    """Library errors say what a Python caller passes; the CLI rewrites them into its flags."""
    from vision.cli._errors import KEYWORD_TO_FLAG, to_flags
    assert to_flags("no timing; pass fps=FPS with the frame rate") == \
        "no timing; pass --fps FPS with the frame rate"
    assert to_flags("pass electrode=(x_px, y_px, radius_px)") == "pass --electrode X,Y,R"
    assert to_flags("pass electrode=(x_px, y_px) inside") == "pass --electrode X,Y inside"
    # no library message (outside the CLI) names a flag of the command line
    import pathlib
    import re

    import vision
    root = pathlib.Path(vision.__file__).parent
    flag = re.compile(r"""(raise \w+Error|warnings\.warn)\((f?["'][^)]*?--[a-z])""", re.S)
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if p.parts[-2] not in ("cli", "annotate", "synthetic") and flag.search(p.read_text())]
    assert offenders == []
    assert all(k != f for k, f in KEYWORD_TO_FLAG)
