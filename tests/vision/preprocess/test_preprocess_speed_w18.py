"""Wave 18 (issue 14): cheaper preprocessing with the same results.

Each faster path must give the wave-17 value to the bit, or the same decision, on
seeded random input of the shapes the pipeline meets (1080p and 768x1024 frames,
regions with odd offsets and widths, views of larger buffers), and fall back where its
reading does not apply. The wave-17 implementations are copied here to compare with.
"""
import numpy as np
import pytest

from vision.preprocess import _refresh as ref
from vision.preprocess._normalize import is_blank_or_saturated
from vision.preprocess._subsample import every_4th_column


def _run_peaks_w17(frames, strengths):
    frames = np.asarray(frames)
    strengths = np.asarray(strengths, float)
    starts = np.flatnonzero(np.diff(frames, prepend=frames[0] - 2) > 1)
    ends = np.append(starts[1:], frames.size)
    return np.array([frames[a + int(np.argmax(strengths[a:b]))] for a, b in zip(starts, ends)])


def _blank_w17(image, *, min_std=0.5, max_saturated_fraction=0.95):
    sub = image[::4, ::4]
    if np.issubdtype(image.dtype, np.integer):
        full = np.iinfo(image.dtype).max
        if np.mean(sub >= full) > max_saturated_fraction:
            return True, "saturated"
    if float(sub.std()) < min_std:
        return True, "blank"
    return False, ""


@pytest.mark.parametrize("shape", [(1080, 1920), (768, 1024), (37, 52)])
def test_every_4th_column_is_the_strided_copy(shape):
    rng = np.random.default_rng(sum(shape))
    img = rng.integers(0, 256, shape, dtype=np.uint8)
    for rows in (img, img[1::2], img[3:-5:3, 4:], img[:, 8:-4]):
        got = every_4th_column(rows)
        assert got is not None and got.dtype == np.uint8 and got.flags.c_contiguous
        np.testing.assert_array_equal(got, rows[:, ::4])


def test_every_4th_column_declines_what_it_cannot_read():
    img = np.arange(24 * 40, dtype=np.uint8).reshape(24, 40)
    assert every_4th_column(img[:, :38]) is None                    # width not a multiple
    assert every_4th_column(img[:, ::2]) is None                    # columns not contiguous
    assert every_4th_column(img.astype(np.uint16)) is None          # not 8-bit
    assert every_4th_column(img.astype(np.float32)) is None


@pytest.mark.parametrize("region", [(0, 1040, 0, 1920), (3, 1001, 16, 1900),
                                    (3, 1001, 17, 1901), (40, 760, 1, 1023)])
def test_refresh_sample_is_the_strided_copy(region):
    top, bottom, left, right = region
    rng = np.random.default_rng(right)
    img = rng.integers(0, 256, (1080, 1920), dtype=np.uint8)
    got = ref._sample(img, top, bottom, left, right, 2, 4)
    want = np.ascontiguousarray(img[top:bottom:2, left:right:4])
    assert got.dtype == np.uint8 and got.flags.c_contiguous
    np.testing.assert_array_equal(got, want)
    deep = img.astype(np.uint16) * 257
    np.testing.assert_array_equal(ref._sample(deep, top, bottom, left, right, 2, 4),
                                  deep[top:bottom:2, left:right:4].astype(np.int32))


@pytest.mark.parametrize("seed", range(4))
def test_run_peaks_is_the_wave17_peaks(seed):
    rng = np.random.default_rng(seed)
    for _ in range(300):
        n = int(rng.integers(1, 130))
        frames = np.cumsum(rng.choice([1, 1, 2, 3, 9], n)) + int(rng.integers(0, 50))
        strengths = np.round(rng.lognormal(0.0, 1.0, n), int(rng.integers(0, 3)))  # ties
        got, want = ref._run_peaks(frames, strengths), _run_peaks_w17(frames, strengths)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_blank_or_saturated_truth():
    rng = np.random.default_rng(7)
    assert is_blank_or_saturated(np.full((1080, 1920), 37, np.uint8)) == (True, "blank")
    assert is_blank_or_saturated(np.full((1080, 1920), 255, np.uint8)) == (True, "saturated")
    scan = np.clip(rng.normal(120.0, 12.0, (1080, 1920)), 0, 255).astype(np.uint8)
    assert is_blank_or_saturated(scan) == (False, "")


@pytest.mark.parametrize("seed", range(3))
def test_blank_or_saturated_decides_as_wave17(seed):
    rng = np.random.default_rng(seed)
    for t in range(600):
        h, w = int(rng.integers(8, 300)), int(rng.integers(8, 300))
        kind = t % 5
        if kind == 0:
            img = np.full((h, w), rng.integers(0, 256), np.uint8)
        elif kind == 1:     # near the saturated fraction
            img = np.where(rng.random((h, w)) < rng.uniform(0.9, 1.0), 255,
                           rng.integers(0, 256, (h, w))).astype(np.uint8)
        elif kind == 2:     # standard deviation near min_std
            img = np.clip(rng.normal(128, rng.uniform(0.2, 0.8), (h, w)).round(), 0,
                          255).astype(np.uint8)
        elif kind == 3:     # two levels: std sqrt(p (1 - p)) crosses 0.5 at p = 0.5
            img = (rng.random((h, w)) < rng.uniform(0.0, 0.6)).astype(np.uint8) + 100
        else:               # a view with odd offsets
            img = rng.integers(0, 256, (h + 3, w + 8), dtype=np.uint8)[1:, 3:w + 3]
        for min_std in (0.5, 0.3, 0.45):
            assert is_blank_or_saturated(img, min_std=min_std) == _blank_w17(img,
                                                                             min_std=min_std)
    # an exact tie: two levels in equal shares have std 0.5 exactly; numpy decides
    tie = np.tile(np.array([[100, 101, 100, 101]], np.uint8), (64, 64))
    tie = np.repeat(tie, 4, axis=0).repeat(4, axis=1)[:256, :1024]
    assert is_blank_or_saturated(tie) == _blank_w17(tie)
