"""The overlay drawn in the analysis's one decode (issue 14): the frame spool.

``analyze`` keeps the frames the overlay shows (each frame with new content, and the
last) on disk; ``Analysis.save`` draws the overlay from them instead of decoding the
video a second time. The overlay must be the same, frame for frame, as the one drawn
from a second decode; a spool that lacks a frame falls back to the decode.
"""
import hashlib
import json
import pickle
import re
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pandas as pd
import pytest

from vision import analyze
from vision.io._registry import open_video
from vision.pipeline import _overlay, _save
from vision.pipeline._overlay import FrameSpool

VIDEOS = Path(__file__).resolve().parents[3] / "videos"
SHAPE = (37, 52)  # non-square, odd: rows and columns cannot be swapped unnoticed


@dataclass
class _Frame:
    index: int
    time_s: float
    image: np.ndarray
    is_duplicate: bool


def _frames(duplicates, dtype, seed):
    rng = np.random.default_rng(seed)
    top = np.iinfo(dtype).max
    return [_Frame(k, 0.1 * k, rng.integers(0, top, SHAPE, dtype=dtype, endpoint=True), dup)
            for k, dup in enumerate(duplicates)]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spool_holds_the_new_frames_and_the_last_pixel_for_pixel(dtype, seed):
    duplicates = [False, True, True, False, False, True, True]
    frames = _frames(duplicates, dtype, seed)
    spool = FrameSpool()
    passed = list(spool.tap(iter(frames)))
    assert [f is g for f, g in zip(passed, frames)] == [True] * len(frames)  # not copied
    held = [0, 3, 4, 6]                      # new content, and the last frame (a repeat)
    assert spool.covers(held, len(frames))
    assert not spool.covers(held + [1], len(frames))     # a repeat is not held
    assert not spool.covers(held, len(frames) + 1)       # another number of frames
    assert spool.nbytes == len(held) * frames[0].image.nbytes
    out = list(spool.frames())
    assert [(f.index, f.time_s) for f in out] == [(f.index, f.time_s) for f in frames]
    for k in held:
        image = out[k].image
        assert image.dtype == dtype and image.shape == SHAPE
        np.testing.assert_array_equal(image, frames[k].image)
    spool.close()
    assert not spool.covers(held, len(frames))


def test_spool_of_a_strided_view_holds_its_pixels():
    # the reader hands out views of the decoder's buffer, padded rows cut off
    rng = np.random.default_rng(3)
    padded = rng.integers(0, 255, (SHAPE[0], SHAPE[1] + 12), dtype=np.uint8)
    view = padded[:, :SHAPE[1]]
    view.flags.writeable = False
    spool = FrameSpool()
    list(spool.tap([_Frame(0, 0.0, view, False)]))
    np.testing.assert_array_equal(next(spool.frames()).image, view)


def test_an_unfinished_analysis_leaves_an_incomplete_spool():
    frames = _frames([False, False, True], np.uint8, 4)
    spool = FrameSpool()
    tap = spool.tap(iter(frames))
    next(tap), next(tap)                     # the tracker stopped before the end
    assert not spool.covers([0, 1], len(frames))


def test_a_spool_over_its_disk_share_stops_and_covers_nothing(monkeypatch):
    frames = _frames([False] * 5, np.uint8, 5)
    free = 10 * frames[0].image.nbytes
    # room for two frames only: the spool must stop, never fill the disk
    monkeypatch.setattr(_overlay, "SPOOL_DISK_FRACTION", 2.5 * frames[0].image.nbytes / free)
    monkeypatch.setattr(_overlay.shutil, "disk_usage",
                        lambda path: type("Usage", (), {"free": free})())
    spool = FrameSpool()
    assert len(list(spool.tap(iter(frames)))) == 5    # the analysis goes on
    assert not spool.covers([0], len(frames))
    assert spool.nbytes == 0 and spool._file is None  # the file is gone


def test_a_frame_without_pixels_stops_the_spool():
    frames = _frames([False, False, True], np.uint8, 7)
    frames[1].image = None
    spool = FrameSpool()
    assert len(list(spool.tap(iter(frames)))) == 3    # the analysis goes on
    assert not spool.covers([0], len(frames))


def test_a_pickled_spool_holds_no_frames():
    frames = _frames([False, True], np.uint8, 6)
    spool = FrameSpool()
    list(spool.tap(iter(frames)))
    copy = pickle.loads(pickle.dumps(spool))
    assert spool.covers([0, 1], 2)
    assert not copy.covers([0, 1], 2)


def _decoded(path):
    with av.open(str(path)) as c:
        return [(f.pts, hashlib.sha1(f.to_ndarray(format="yuv420p").tobytes()).hexdigest())
                for f in c.decode(video=0)]


def _key_jpegs(folder):
    return re.findall(r"data:image/jpeg;base64,[A-Za-z0-9+/=]+",
                      (folder / "report.html").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["lateral", "whisker"])
def test_overlay_from_the_spool_is_the_overlay_of_a_second_decode(tmp_path, name, monkeypatch):
    truth = json.loads((VIDEOS / f"{name}_truth.json").read_text())
    res = analyze(VIDEOS / f"{name}.mp4", trace=VIDEOS / f"{name}_trace.mpt",
                  scale_bar_um=truth["data_bar"]["scale_bar_um"], progress=False)
    new = ~res.frames["is_duplicate"].to_numpy(bool)
    assert res.frame_spool.covers(set(np.flatnonzero(new)) | {len(new) - 1}, len(new))
    opened = []
    monkeypatch.setattr(_save, "open_video",
                        lambda *a, **k: opened.append(a) or open_video(*a, **k))
    res.save(tmp_path / "spool", progress=False)
    assert opened == []                      # no second decode
    spool, res.frame_spool = res.frame_spool, None
    res.save(tmp_path / "decode", progress=False)
    assert len(opened) == 1                  # without the spool: the video decoded again
    a, b = tmp_path / "spool", tmp_path / "decode"
    assert _decoded(a / "overlay.mp4") == _decoded(b / "overlay.mp4")
    assert len(_decoded(a / "overlay.mp4")) == int(new.sum()) + (0 if new[-1] else 1)
    pd.testing.assert_frame_equal(pd.read_csv(a / "overlay_frames.csv"),
                                  pd.read_csv(b / "overlay_frames.csv"))
    assert _key_jpegs(a) == _key_jpegs(b) and _key_jpegs(a)
    spool.close()
