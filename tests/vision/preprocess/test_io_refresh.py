"""mark_refreshes: duplicate and torn frames against known truth."""
import dataclasses
import itertools

import av
import cv2
import numpy as np
import pandas as pd
import pytest

from calibration import InputError
from vision import Frame, mark_refreshes, open_video

ROWS, COLS, BAR = 200, 184, 16   # image rows incl. a 16-row data bar at the bottom
FPS = 10.0


class Scans:
    """An SEM scene scanned repeatedly: every scan redraws the noise (sigma grey levels)."""

    def __init__(self, *, sigma=8.0, seed=0, growth=True):
        self.rng = np.random.default_rng(seed)
        base = cv2.GaussianBlur(self.rng.normal(0, 1, (ROWS, COLS)).astype(np.float32),
                                (0, 0), 5)
        self.base = 120 + base / base.std() * 30
        self.sigma, self.growth = sigma, growth
        self.yy, self.xx = np.mgrid[:ROWS, :COLS]

    def scan(self, k, t):
        img = self.base.copy()
        r = 10 + (2 * k if self.growth else 0)   # a growing dark lithium disc
        img[(self.yy - 60) ** 2 + (self.xx - 90) ** 2 < r * r] -= 50
        img += self.rng.normal(0, self.sigma, img.shape)
        img = np.clip(img, 0, 255).astype(np.uint8)
        bar = np.zeros((BAR, COLS), np.uint8)   # data bar whose clock ticks every frame
        cv2.putText(bar, f"Mag 2.0kX  t={t:5.1f}s", (4, 12), cv2.FONT_HERSHEY_SIMPLEX,
                    0.35, 255, 1)
        img[ROWS - BAR:] = bar
        return img


def record(plan, *, sigma=8.0, seed=0, growth=True):
    """Frames a screen recorder sees for ``plan``; returns images and truth rows.

    plan items: 'new' (a new complete scan), 'dup' (same as before),
    ('top', r) new scan in rows < r, old below; ('bottom', r) old above r,
    new from r; 'rest' the rest of the scan in progress (complete now);
    ('more', r) the scan in progress now covers rows < r.
    """
    scans = Scans(sigma=sigma, seed=seed, growth=growth)
    images, truth = [], []
    shown = pending = None
    content = None
    for i, step in enumerate(plan):
        t = i / FPS
        kind, row = (step, None) if isinstance(step, str) else step
        if kind == "new":
            shown, content = scans.scan(i, t), t
            truth.append((False, False, t, None))
        elif kind == "dup":
            shown = shown.copy()
            truth.append((True, truth[-1][1], content, truth[-1][3]))
        elif kind in ("top", "bottom"):
            pending, content = scans.scan(i, t), t
            shown = shown.copy()
            if kind == "top":
                shown[:row] = pending[:row]
            else:
                shown[row:ROWS - BAR] = pending[row:ROWS - BAR]
            truth.append((False, True, t, row))
        elif kind == "more":
            shown = shown.copy()
            shown[:row] = pending[:row]
            truth.append((False, True, content, row))
        elif kind == "rest":
            shown = pending.copy()
            truth.append((False, False, content, None))
        # the data bar clock is always current
        bar = scans.scan(0, t)[ROWS - BAR:]
        shown[ROWS - BAR:] = bar
        images.append(shown.copy())
    return images, truth


PLAN = ["new", "dup", "dup", "new", "dup", ("top", 50), "rest", "dup", "new", ("top", 90),
        "rest", "dup", "dup", "new", ("bottom", 70), "rest", "dup", "new",
        ("top", 30), ("more", 60), ("more", 100), "rest", "dup", "new"]


def check(frames, truth, *, tear_tol):
    assert len(frames) == len(truth)
    for f, (dup, torn, content, tear) in zip(frames, truth):
        got = (f.is_duplicate, f.partial_refresh, f.content_time_s)
        assert got == (dup, torn, pytest.approx(content, abs=1e-9)), f"frame {f.index}"
        if torn:
            assert abs(f.tear_row - tear) <= tear_tol, f"tear row of frame {f.index}"
        else:
            assert f.tear_row is None


def as_frames(images):
    return (Frame(index=i, time_s=i / FPS, image=img) for i, img in enumerate(images))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_lossless_sequence_exact(dtype):
    images, truth = record(PLAN)
    if dtype == np.uint16:
        images = [img.astype(np.uint16) * 257 for img in images]
    check(list(mark_refreshes(as_frames(images))), truth, tear_tol=1)


def encode(images, path, *, crf, keyint=None):
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=int(FPS))
        stream.width, stream.height, stream.pix_fmt = COLS, ROWS, "yuv420p"
        stream.options = {"crf": str(crf)}
        if keyint:
            stream.options = {"crf": str(crf), "g": str(keyint), "keyint_min": str(keyint)}
        for img in images:
            frame = av.VideoFrame.from_ndarray(img, format="gray").reformat(format="yuv420p")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


@pytest.mark.parametrize("sigma,crf", [(8.0, 18), (8.0, 23), (4.0, 18), (12.0, 28)])
def test_h264_recording(tmp_path, sigma, crf):
    """Lossy duplicates differ by compression noise only; new scans by scan noise."""
    images, truth = record(PLAN, sigma=sigma, seed=1)
    path = encode(images, tmp_path / "rec.mp4", crf=crf)
    with open_video(path) as reader:
        frames = list(mark_refreshes(reader))
    check(frames, truth, tear_tol=16)  # H.264 codes 16x16 macroblocks: tear within one


def test_frequent_keyframes(tmp_path):
    """A keyframe every 5 frames re-codes unchanged parts: still no false tears."""
    for seed in range(5):
        images, truth = record(PLAN, seed=seed)
        path = encode(images, tmp_path / f"key{seed}.mp4", crf=18, keyint=5)
        with open_video(path) as reader:
            frames = list(mark_refreshes(reader))
        assert sum(f.is_keyframe for f in frames) == 5
        check(frames, truth, tear_tol=16)


def test_new_scans_without_change_are_not_duplicates(tmp_path):
    """No growth: consecutive scans differ only by re-drawn noise, still new content."""
    plan = ["new"] * 12 + ["dup"] * 4 + ["new"] * 4
    images, truth = record(plan, growth=False, seed=2)
    path = encode(images, tmp_path / "static.mp4", crf=20)
    with open_video(path) as reader:
        frames = list(mark_refreshes(reader))
    assert [f.is_duplicate for f in frames] == [t[0] for t in truth]
    assert not any(f.partial_refresh for f in frames)


def test_explicit_crop_and_stream_laziness():
    images, truth = record(PLAN)

    def endless():
        for i in itertools.count():
            yield Frame(index=i, time_s=i / FPS, image=images[i % len(images)])

    first = list(itertools.islice(mark_refreshes(endless(), crop=(0, ROWS - BAR, 0, COLS)), 8))
    check(first, truth[:8], tear_tol=1)


def test_data_bar_clock_would_hide_duplicates_without_exclusion():
    """Including the ticking clock of the data bar makes every frame 'changed'."""
    images, truth = record(["new", "dup", "dup", "dup"])
    out = list(mark_refreshes(as_frames(images), detect_data_bar=False, band_rows=8,
                              threshold=0.5))
    assert sum(f.is_duplicate for f in out) < 3
    out = list(mark_refreshes(as_frames(images), threshold=0.5))
    assert [f.is_duplicate for f in out] == [False, True, True, True]


def test_bad_options_and_shape_change():
    images, _ = record(["new", "dup"])
    with pytest.raises(InputError, match="band_rows"):
        list(mark_refreshes(as_frames(images), band_rows=1))
    with pytest.raises(InputError, match="min_tear_fraction"):
        list(mark_refreshes(as_frames(images), min_tear_fraction=0.7))
    frames = [Frame(0, 0.0, images[0]), Frame(1, 0.1, images[1][:-8])]
    with pytest.raises(InputError, match="frame 1 has shape"):
        list(mark_refreshes(frames))


def test_against_synthetic_generator_truth(tmp_path):
    """The synthetic SEM video's truth table (content time = the scan's time)."""
    synthetic = pytest.importorskip("vision.synthetic")
    scene = synthetic.preset("whisker", duration_s=6, seed=3)
    scene = dataclasses.replace(
        scene, artefacts=dataclasses.replace(scene.artefacts, tear_fraction=0.5))
    result = synthetic.render(scene, tmp_path, fmt="mp4")
    truth = pd.read_csv(result.truth_frames)
    with open_video(result.video) as reader:
        frames = list(mark_refreshes(reader))
    assert len(frames) == len(truth)
    assert truth["partial_refresh"].sum() >= 3 and truth["is_duplicate"].sum() >= 20
    got_dup = np.array([f.is_duplicate for f in frames])
    got_torn = np.array([f.partial_refresh for f in frames])
    np.testing.assert_array_equal(got_dup, truth["is_duplicate"].to_numpy(bool))
    np.testing.assert_array_equal(got_torn, truth["partial_refresh"].to_numpy(bool))
    # scan period and frame interval are commensurate here: a scan first appears at
    # exactly its content time
    np.testing.assert_allclose([f.content_time_s for f in frames],
                               truth["content_time_s"].to_numpy(float), atol=1e-6)
    torn = truth["partial_refresh"].to_numpy(bool)
    tears = np.array([f.tear_row for f in frames], dtype=object)[torn].astype(int)
    np.testing.assert_allclose(tears, truth["tear_row"].to_numpy()[torn], atol=8)
