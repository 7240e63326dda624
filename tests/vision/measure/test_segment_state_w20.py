"""``segment_lithium``'s per-background statistics live in an explicit ``SegmentState`` (wave 20, issue 14).

Wave 19 kept them in four module-level caches (hidden global state: two videos analysed
in turns, or in threads, replaced each other's entries). Now the caller makes one state per
background and hands it in; without one every call computes everything. Truth: the same
call without a state (masks and noise level equal, strength to float32 rounding:
``cv2.magnitude`` rounds a few pixels by an ulp from call to call), and the rod drawn into
each scene is found to its tip.
"""
import threading

import numpy as np
import pytest
from segment_drawing import drawn_background, drawn_scan

from calibration import InputError
from vision.measure import _segment as seg
from vision.measure._segment import SegmentState, segment_lithium

H, W = 150, 230   # not square: axes cannot be swapped unnoticed
EX, EY, ER = 70.0, 75.0, 18.0
#: the rod's tip within the blur (SMOOTH_PX) and the bright rim of the drawn rod (px)
TIP_TOLERANCE_PX = 4


def _background(seed, needle_level, shape=(H, W)):
    """A background (a bright bar, grains, level-dependent noise) and its gradient."""
    return drawn_background(seed, shape, (150, 172), needle_level)


def _scan(bg, length, seed):
    """Change image of a scan: the electrode and a rod of ``length`` px to its right, with noise."""
    return drawn_scan(bg, (EX, EY, ER), length, seed)


def _kw(bg, grad, state=None):
    return dict(electrode_xy_px=(EX, EY), electrode_radius_px=ER, background=bg,
                background_gradient=grad, state=state)


def _check(got, want, length):
    assert np.array_equal(got[0], want[0])
    assert got[2] == want[2]
    np.testing.assert_allclose(got[1], want[1], rtol=1e-6, atol=1e-6)
    tip = np.flatnonzero(got[0][int(EY)]).max()
    assert abs(tip - (EX + ER + length)) <= TIP_TOLERANCE_PX


def test_two_videos_in_turns_each_with_its_state():
    # two backgrounds (another needle level: other level bins and edges), scans in turns
    videos = [_background(1, 215.0), _background(2, 160.0)]
    states = [SegmentState(), SegmentState()]
    for i, length in enumerate((12, 12, 30, 30, 45, 45)):
        v = i % 2
        bg, grad = videos[v]
        diff = _scan(bg, length, 10 * i + v)
        _check(segment_lithium(diff, **_kw(bg, grad, states[v])),
               segment_lithium(diff, **_kw(bg, grad)), length)
    # each state holds its own background's bins
    assert states[0].level_bins is not None and states[1].level_bins is not None
    assert states[0].level_bins is not states[1].level_bins


def test_two_videos_in_threads_each_with_its_state():
    videos = [_background(3, 215.0), _background(4, 160.0)]
    lengths = (15, 25, 35, 45)
    scans = [[_scan(bg, n, 100 * v + k) for k, n in enumerate(lengths)]
             for v, (bg, _) in enumerate(videos)]
    want = [[segment_lithium(d, **_kw(*videos[v])) for d in scans[v]] for v in range(2)]
    got = [[None] * len(lengths) for _ in range(2)]

    def run(v):
        state = SegmentState()
        for k, d in enumerate(scans[v]):
            got[v][k] = segment_lithium(d, **_kw(*videos[v], state))

    threads = [threading.Thread(target=run, args=(v,)) for v in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for v in range(2):
        for k, n in enumerate(lengths):
            _check(got[v][k], want[v][k], n)


def test_no_module_level_cache_and_no_full_frame_array_in_a_state():
    # nothing of a call is kept in the module
    assert not [n for n in vars(seg) if n.endswith("_CACHE")]
    bg, grad = _background(5, 215.0)
    state = SegmentState()
    segment_lithium(_scan(bg, 30, 1), **_kw(bg, grad, state))
    held = []

    def arrays(x):
        if isinstance(x, np.ndarray):
            held.append(x)
        elif isinstance(x, (tuple, list)):
            for y in x:
                arrays(y)

    for name in ("edge_stats", "edges", "edge_points", "level_bins", "reach", "li_sign"):
        arrays(getattr(state, name))
    assert held
    # subsample-sized (every STATS_SUBSAMPLE-th px per axis) or smaller: no frame
    assert max(a.size for a in held) <= (H // seg.STATS_SUBSAMPLE + 1) * (W // seg.STATS_SUBSAMPLE + 1)


def test_state_must_be_a_segment_state():
    bg, grad = _background(6, 215.0)
    with pytest.raises(InputError, match="state must be a SegmentState"):
        segment_lithium(_scan(bg, 20, 2), **_kw(bg, grad, {}))


@pytest.mark.parametrize("noise_sigma", [0.5, 12.0])
def test_offset_map_around_the_percentile_edges_gives_the_values_at_the_scans_edges(noise_sigma):
    # the neighbourhood is made once per background around the edges at the percentile (a
    # superset of the scan's edges, whose cut the noise raises): the smoothed offset at the
    # scan's edges and in a box is the one made around the scan's edges alone, to the bit
    # (large enough for NOISE_MIN_SAMPLES edges in the top 1 % of the subsample)
    bg, grad = _background(7, 215.0, (300, 420))
    edges = seg._strong_edges(grad, noise_sigma)
    points = seg._edge_points(grad)
    assert edges is not None and len(points[0]) >= len(edges[0])
    rows, cols = edges[:2]
    levels = np.array([60.0, 90.0, 130.0, 200.0])
    offsets = np.array([0.5, -0.25, 1.5, -2.0])
    box = (40, 30, 120, 110)
    want = seg._OffsetMap(bg, levels, offsets, seg.SMOOTH_PX)
    want.compute(box, (rows, cols))
    got = seg._OffsetMap(bg, levels, offsets, seg.SMOOTH_PX, SegmentState())
    got.compute(box, points)
    assert np.array_equal(got.smooth[rows, cols], want.smooth[rows, cols])
    assert np.array_equal(got.smooth[30:110, 40:120], want.smooth[30:110, 40:120])
    # a noise of 12 puts the cut (EDGE_MIN_SIGMA noise levels) above the percentile (20.3
    # here): fewer edges, another neighbourhood, the same values where they are used
    if noise_sigma > 10:
        assert len(points[0]) > len(rows)
        assert not np.array_equal(got.smooth, want.smooth)
    # and segment_lithium with a state equals it without, scan after scan (the definition:
    # at these fixed noise levels the rod's contrast is not what is tested)
    state = SegmentState()
    for k, length in enumerate((20, 40)):
        diff = _scan(bg, length, 50 + k)
        a = segment_lithium(diff, noise_sigma=noise_sigma, **_kw(bg, grad, state))
        b = segment_lithium(diff, noise_sigma=noise_sigma, **_kw(bg, grad))
        assert np.array_equal(a[0], b[0]) and a[2] == b[2]
        np.testing.assert_allclose(a[1], b[1], rtol=1e-6, atol=1e-6)
