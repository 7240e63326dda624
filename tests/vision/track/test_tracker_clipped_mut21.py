"""The whiskers' change image keeps the raw change of newly clipped pixels (wave 21, issue 16).

Wave 20 (memory20) stopped holding the unmasked change through the segmentation: the
tracker keeps only the pixels clipped in this scan but not in the background (their flat
indices and raw change, ``_Tracker._newly_clipped``) and puts them back into the masked
change afterwards (``_Tracker._whisker_diff``). What the whiskers are measured on must be
the documented image: the masked change everywhere, except at a pixel clipped now and not
in the background, where the raw change is (a lower bound of the true one, of the right
sign; tuning seed 5049's clipped rims). Pixels clipped in the background (the needle)
stay zero; the masked change itself is not changed. Drawn arrays with known values.
"""
from types import SimpleNamespace

import numpy as np

from vision.track._tracker import _Tracker

SHAPE = (7, 11)   # rows, cols: not square, so that a transposed index shows


def _drawn(seed):
    rng = np.random.default_rng(seed)
    raw = rng.uniform(5.0, 50.0, SHAPE).astype(np.float32)   # every value distinct, > 0
    sat = rng.random(SHAPE) < 0.3
    bg_sat = rng.random(SHAPE) < 0.3
    assert (sat & ~bg_sat).any() and (sat & bg_sat).any() and (~sat & bg_sat).any()
    diff = raw.copy()
    diff[sat | bg_sat] = 0.0   # what _analyse does to every clipped pixel
    return raw, sat, bg_sat, diff


def test_whisker_change_is_the_masked_change_with_newly_clipped_pixels_raw():
    for seed in range(5):
        raw, sat, bg_sat, diff = _drawn(seed)
        tracker = SimpleNamespace(bg_sat=bg_sat)
        kept_diff = diff.copy()
        clipped = _Tracker._newly_clipped(tracker, raw, sat)
        wdiff = _Tracker._whisker_diff(tracker, diff, clipped)
        new = sat & ~bg_sat
        expected = np.where(new, raw, diff)
        np.testing.assert_array_equal(wdiff, expected)
        # the background's clipped pixels (the needle) stay zero, clipped now or not
        assert not wdiff[bg_sat].any()
        # the masked change the segmentation and the crack search read is not changed
        np.testing.assert_array_equal(diff, kept_diff)
        # only the few new pixels are kept, not the frame
        idx, values = clipped
        assert idx.size == np.count_nonzero(new)
        np.testing.assert_array_equal(values, raw[new])


def test_nothing_newly_clipped_keeps_the_masked_change():
    raw, sat, bg_sat, diff = _drawn(0)
    tracker = SimpleNamespace(bg_sat=bg_sat | sat)   # every clipped pixel already clipped
    assert _Tracker._newly_clipped(tracker, raw, sat) is None
    np.testing.assert_array_equal(_Tracker._whisker_diff(tracker, diff, None), diff)
    tracker = SimpleNamespace(bg_sat=bg_sat)
    none = np.zeros(SHAPE, bool)
    assert _Tracker._newly_clipped(tracker, raw, none) is None
