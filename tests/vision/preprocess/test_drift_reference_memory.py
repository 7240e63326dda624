"""The drift reference is kept compact (memory only, issue 14) and gives the same values."""
import numpy as np
import pytest

from vision.preprocess._register import DriftTracker


def _frames(dtype_values):
    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, (120, 160)).astype(np.float32)
    if dtype_values == "float":
        base = base + np.float32(0.25)
    elif dtype_values == "deep":
        base = base * np.float32(200)
    return base, np.roll(base, (2, 3), axis=(0, 1))


@pytest.mark.parametrize("values, kept", [("8bit", np.uint8), ("deep", np.uint16),
                                          ("float", np.float32)])
@pytest.mark.parametrize("downsample", [1, 2])
def test_reference_kept_compact_and_recropped_to_the_same_values(values, kept, downsample):
    ref, moved = _frames(values)
    tracker = DriftTracker(downsample=downsample)
    tracker.update(ref)
    full, dtype = tracker._ref_full
    assert full.dtype == kept and dtype == np.float32
    np.testing.assert_array_equal(full.astype(dtype), ref)
    box = (10, 8, 150, 110)
    tracker.set_region(box)
    fresh = DriftTracker(downsample=downsample, region=box)
    fresh.update(ref)
    assert tracker._ref[1] == fresh._ref[1]
    np.testing.assert_array_equal(tracker._ref[0], fresh._ref[0])
    assert tracker.update(moved) == fresh.update(moved)
