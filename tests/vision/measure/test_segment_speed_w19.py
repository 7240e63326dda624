"""Per-background work of ``segment_lithium`` is done once, with the same results (issue 14, wave 19).

The level bins of the noise and offset tables, the percentile of the background's gradient
(its strong edges), the electrode's sign and the strong edges' neighbourhood depend on the
background alone: they are made for the first scan of a background and kept in its
``SegmentState`` (wave 20: one state per background, handed in by the caller; wave 19 kept
them in module-level caches). A sequence of scans of a rod growing from an electrode on one
background: every scan gives what a call without a state gives (masks and noise level
equal, strength equal to float32 rounding: ``cv2.magnitude`` rounds a few pixels by an ulp
from call to call), the rod is found, and a state given other arrays starts anew.
"""
import cv2
import numpy as np
import pytest
from segment_drawing import drawn_background, drawn_scan

from vision.measure import _segment as seg
from vision.measure._segment import SegmentState, noise_by_level, offset_by_level, segment_lithium

H, W = 180, 260
EX, EY, ER = 80.0, 90.0, 20.0


def _background(seed):
    """Background (a bright needle-like bar, grains, level-dependent noise) and its gradient."""
    return drawn_background(seed, (H, W), (170, 195), 215.0)


def _scan(bg, length, seed):
    """The change image of a scan: the electrode and a rod of ``length`` px, with noise and
    a gamma-like residual."""
    return drawn_scan(bg, (EX, EY, ER), length, seed, gamma_residual=True)


def _kw(bg, grad, box=None, state=None):
    return dict(electrode_xy_px=(EX, EY), electrode_radius_px=ER, background=bg,
                background_gradient=grad, search_box=box, state=state)


def _assert_same(got, want):
    assert np.array_equal(got[0], want[0])
    assert got[2] == want[2]
    np.testing.assert_allclose(got[1], want[1], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_scans_of_one_background_equal_first_calls(seed):
    bg, grad = _background(seed)
    state = SegmentState()
    for i, length in enumerate((10, 25, 40, 55)):
        diff = _scan(bg, length, 100 * seed + i)
        box = (40, 40, int(EX + ER + length + 15), 150) if i % 2 else None
        got = segment_lithium(diff, **_kw(bg, grad, box, state))   # the state of earlier scans
        want = segment_lithium(diff, **_kw(bg, grad, box))
        _assert_same(got, want)
        # the rod is found to its tip (within the blur and the rim)
        cols = np.flatnonzero(got[0][int(EY)])
        assert abs(cols.max() - (EX + ER + length)) <= 4


def test_per_background_statistics_are_taken_once(monkeypatch):
    calls = []
    percentile = seg._percentile
    monkeypatch.setattr(seg, "_percentile", lambda *a: calls.append(1) or percentile(*a))
    bg, grad = _background(7)
    state = SegmentState()
    for i in range(4):
        segment_lithium(_scan(bg, 20 + 10 * i, i), **_kw(bg, grad, state=state))
    # the noise table's level range and the edges' gradient percentile, for the first scan
    # only (every scan took both before wave 19)
    assert len(calls) == 2
    bg2, grad2 = _background(8)
    segment_lithium(_scan(bg2, 30, 9), **_kw(bg2, grad2, state=state))   # other arrays: anew
    assert len(calls) == 4
    # without a state every call takes both (nothing is kept between calls)
    for _ in range(2):
        segment_lithium(_scan(bg2, 30, 9), **_kw(bg2, grad2))
    assert len(calls) == 8


def test_a_state_given_other_arrays_starts_anew():
    bg, grad = _background(3)
    diff = _scan(bg, 30, 1)
    state = SegmentState()
    segment_lithium(diff, **_kw(bg, grad, state=state))
    # other arrays of other values (a rebuilt background), then the gradient alone
    bg2, grad2 = bg.copy(), grad.copy()
    bg2[:, :100] += 25.0
    grad2[:, 120:] *= 2.0
    _assert_same(segment_lithium(diff, **_kw(bg2, grad2, state=state)),
                 segment_lithium(diff, **_kw(bg2, grad2)))
    grad3 = grad2 * np.float32(0.5)
    _assert_same(segment_lithium(diff, **_kw(bg2, grad3, state=state)),
                 segment_lithium(diff, **_kw(bg2, grad3)))
    assert state.level_bins is not None and state.edge_stats is not None


def test_tables_with_pixels_left_out_equal_the_public_functions():
    # clipped pixels (exact 0) and NaN change the bins: no cached bins for them
    bg, grad = _background(4)
    diff = cv2.GaussianBlur(_scan(bg, 30, 2), (0, 0), 1.0)
    state = SegmentState()
    seg._level_tables(diff[::3, ::3], bg[::3, ::3], state)        # the bins of this background
    diff[:40, :60] = 0.0
    diff[100, 100] = np.nan
    sub = (slice(None, None, 3), slice(None, None, 3))
    got = seg._level_tables(diff[sub], bg[sub], state)
    want = (*noise_by_level(diff[sub], bg[sub]), *offset_by_level(diff[sub], bg[sub]))
    for g, w in zip(got, want):
        assert g.size > 0
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("seed", range(4))
def test_model_noise_beyond_the_top_level_equals_the_whole_blocks(seed):
    rng = np.random.default_rng(seed)
    levels = np.sort(rng.uniform(20, 180, 10))
    sigmas = np.sqrt(1.0 + 0.05 * levels) * rng.uniform(0.9, 1.1, 10)
    level = rng.uniform(0, 255, (50, 70)).astype(np.float32)
    level[0, :5] = np.nan
    level[1, :5] = np.float32(levels[-1])                          # at the top level exactly
    s = np.interp(level, levels, sigmas).astype(np.float32)
    want = np.maximum(s, seg._poisson_gaussian_above(level, levels, sigmas))
    fit = seg._poisson_gaussian_fit(levels, sigmas)
    assert fit is not None
    seg._raise_above(s, level, fit)
    np.testing.assert_array_equal(s, want)
