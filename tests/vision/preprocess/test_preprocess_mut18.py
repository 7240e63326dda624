"""Wave 18b (issue 16): the survivors of wave 18's preprocessing speed-ups.

``every_4th_column`` must decline every array it cannot read as uint8 words, and
``is_blank_or_saturated`` must take the contiguous subsample and OpenCV's standard deviation
on 8-bit frames (the speed-up of issue 14) while numpy's decides where the two could part
(within ``_STD_TIE`` of ``min_std``). The decision itself is the same on either path
(``test_preprocess_speed_w18.py``), so the path taken is observed directly.
"""
import types

import numpy as np
import pytest

from vision.preprocess import _normalize, _subsample
from vision.preprocess._normalize import is_blank_or_saturated
from vision.preprocess._subsample import every_4th_column


def test_every_4th_column_declines_other_one_byte_types():
    # int8 and bool are one byte wide with contiguous columns: only the dtype says no
    img = np.arange(16 * 32, dtype=np.uint8).reshape(16, 32)
    assert every_4th_column(img.view(np.int8)) is None
    assert every_4th_column((img % 2).astype(bool)) is None
    assert every_4th_column(img) is not None


def test_every_4th_column_declines_a_big_endian_machine(monkeypatch):
    img = np.arange(8 * 16, dtype=np.uint8).reshape(8, 16)
    monkeypatch.setattr(_subsample, "_LITTLE_ENDIAN", False)
    assert every_4th_column(img) is None


def _spy(monkeypatch):
    calls = []

    def wrapped(rows):
        calls.append(rows.dtype)
        return every_4th_column(rows)
    monkeypatch.setattr(_normalize, "every_4th_column", wrapped)
    return calls


def test_blank_check_takes_the_contiguous_subsample_on_8bit_frames_only(monkeypatch):
    calls = _spy(monkeypatch)
    rng = np.random.default_rng(18)
    frame = rng.integers(0, 256, (64, 96), dtype=np.uint8)
    assert is_blank_or_saturated(frame) == (False, "")
    assert calls == [np.uint8]
    calls.clear()
    for other in (frame.astype(np.uint16) * 257, frame.astype(np.float32)):
        assert is_blank_or_saturated(other) == (False, "")
    assert calls == []


def _opencv_says(monkeypatch, std):
    seen = []

    def mean_std(a):
        seen.append(a)
        return np.zeros((1, 1)), np.array([[std]])
    monkeypatch.setattr(_normalize, "cv2", types.SimpleNamespace(meanStdDev=mean_std))
    return seen


def test_numpy_decides_within_the_tie_of_min_std(monkeypatch):
    # two levels in equal shares: numpy's std of the subsample is 0.5 exactly (not blank
    # at min_std 0.5); an OpenCV figure 1e-7 below would call it blank
    tie = np.tile(np.array([[100, 101]], np.uint8).repeat(4, axis=1), (64, 16))
    assert float(tie[::4, ::4].std()) == 0.5
    seen = _opencv_says(monkeypatch, 0.5 - 1e-7)
    assert is_blank_or_saturated(tie, min_std=0.5) == (False, "")
    assert len(seen) == 1 and seen[0].flags.c_contiguous


def test_numpy_decides_exactly_at_the_tie(monkeypatch):
    # OpenCV's figure exactly _STD_TIE from min_std (0 and 1e-6): numpy's (about 73) decides
    rng = np.random.default_rng(3)
    frame = rng.integers(0, 256, (64, 96), dtype=np.uint8)
    _opencv_says(monkeypatch, 0.0)
    assert abs(0.0 - _normalize._STD_TIE) == _normalize._STD_TIE
    assert is_blank_or_saturated(frame, min_std=_normalize._STD_TIE) == (False, "")


def test_opencv_decides_away_from_the_tie(monkeypatch):
    frame = np.full((64, 96), 90, np.uint8)       # numpy's std 0: blank
    _opencv_says(monkeypatch, 3.0)
    assert is_blank_or_saturated(frame, min_std=0.5) == (False, "")


@pytest.mark.parametrize("col_step", [1, 2, 3, 4, 8])
def test_refresh_sample_takes_the_word_reading_at_column_step_4_only(monkeypatch, col_step):
    from vision.preprocess import _refresh as ref
    calls = []

    returned = []

    def wrapped(rows):
        calls.append(rows.shape)
        returned.append(every_4th_column(rows))
        return returned[-1]
    monkeypatch.setattr(ref, "every_4th_column", wrapped)
    rng = np.random.default_rng(col_step)
    img = rng.integers(0, 256, (60, 88), dtype=np.uint8)
    got = ref._sample(img, 3, 57, 8, 80, 2, col_step)
    want = img[3:57:2, 8:80:col_step]
    assert got.dtype == np.uint8 and got.flags.c_contiguous
    np.testing.assert_array_equal(got, want)
    assert calls == ([want.shape[:1] + (72,)] if col_step == 4 else [])
    if col_step == 4:
        assert got is returned[0]             # the word reading itself, no second copy


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint16])
def test_run_peaks_keep_the_frames_dtype(dtype):
    from vision.preprocess import _refresh as ref
    frames = np.array([3, 4, 5, 9, 12, 13], dtype)
    got = ref._run_peaks(frames, [1.0, 3.0, 3.0, 0.5, 2.0, 1.0])
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, [4, 9, 12])
