"""The crack stage's per-scan work at full HD (issue 14, wave 19), with the same results.

Wave 18's crack finder cost 66-70 ms a scan on the 1080p bench video (no crack), 15.5 ms
in wave 17. Half of it was the counter electrode's zones (two distance transforms of the
whole frame, on every call although the tracker passes the same mask every scan); then
the per-angle bookkeeping of the opposite-sign and along-boundary responses (boolean
indexing). Now the zones are made once per mask and the bookkeeping is a select and a
running maximum; the grain-boundary search runs only for a line piece kept at the rim, as
before (a guard). Drawn on the polycrystalline scenes of ``test_crack_boundary_w17``
and ``test_crack_counter_w18``; the crack requirement (issue 11) is its path length
within 10 %. The outputs are the same bit for bit (``benchmarks/crack_digest.py`` on
14 tuning scenes).
"""

import numpy as np
import pytest
import test_crack_boundary_w17 as w17
import test_crack_counter_w18 as w18

import vision.measure.crack._detect as det
from vision.measure._front import CounterElectrode

LENGTH_REL = 0.10


def _counter(boundary=w18.BOUNDARY):
    return CounterElectrode(side="right", boundary_px=boundary).region_mask(w18.SHAPE)


def _digest(c):
    if c is None:
        return None
    return (c.path_length_px, c.tip_xy_px, c.path.tobytes(), c.skeleton_xy_px.tobytes(),
            c.contrast, tuple(b.tobytes() for b in c.branches))


def test_counter_electrode_zones_made_once_per_mask(monkeypatch):
    # wave 20: kept in the caller's CrackState (no module cache), per window
    made = []
    zones = det.counter_zones
    monkeypatch.setattr(det, "counter_zones", lambda m: made.append(1) or zones(m))
    image, background, true = w18._scene(1, 0.30)
    counter = _counter()
    state = det.CrackState()
    first = w18._measure(image, background, counter_mask=counter, state=state)
    again = w18._measure(image, background, counter_mask=counter.copy(), state=state)
    assert len(made) == 1
    assert first is not None and _digest(first) == _digest(again)
    assert abs(first.total_length_px - true) <= LENGTH_REL * true
    # another counter electrode gets its own zones: the same result as without a state
    moved = _counter(w18.BOUNDARY + 40)
    kept = w18._measure(image, background, counter_mask=moved, state=state)
    assert len(made) == 2
    assert _digest(kept) == _digest(w18._measure(image, background, counter_mask=moved))


def test_crack_free_frame_makes_no_boundary_search(monkeypatch):
    """Without a line piece at the rim the grain-boundary search is not made."""
    def boom(*a, **k):
        raise AssertionError("the boundary search ran on a crack-free frame")

    monkeypatch.setattr(det, "_static_lines", boom)
    monkeypatch.setattr(det, "_opposite_lines", boom)
    rng = np.random.default_rng(5)
    tex = w17._texture(rng, 0.30)
    background = np.mean([w17._frame(tex, np.zeros(w17.SHAPE), rng) for _ in range(4)], axis=0)
    image = w17._frame(tex, np.zeros(w17.SHAPE), rng)
    assert w17._measure(image, background, roi=(60, 60, 240, 240)) is None


def _reference_opposite_and_along(diffs, angle_responses):
    """Wave 18's loop (boolean indexing), the values the new one must give."""
    opp = np.zeros(diffs[0].shape, np.float32)
    along = np.zeros(diffs[0].shape, np.float32)
    b_max = np.full(diffs[0].shape, -np.inf, np.float32)
    for d, b in zip(diffs, angle_responses):
        np.maximum(opp, -d, out=opp)
        upd = b > b_max
        b_max[upd] = b[upd]
        along[upd] = d[upd]
    return opp, along


@pytest.mark.parametrize("seed", [0, 1])
def test_opposite_and_along_same_values_as_wave18(seed):
    rng = np.random.default_rng(seed)
    # coarse values: ties between angles (the first angle wins) and signed zeros occur
    big = [np.round(rng.normal(size=(70, 90)), 1).astype(np.float32) for _ in range(6)]
    angles = tuple(b[5:65, 7:87] for b in big)   # windows of a kept box: strided views
    diffs = [np.round(rng.normal(size=(60, 80)), 1).astype(np.float32) for _ in range(6)]
    diffs[2][:3] = -0.0
    bg = det.CrackBackground(np.zeros((60, 80), np.float32), np.zeros((60, 80), np.float32),
                             1.0, "dark", 1, 3.0, angles)
    want = _reference_opposite_and_along(diffs, angles)
    got = det._opposite_and_along(iter([d.copy() for d in diffs]), bg)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.tobytes() == w.tobytes()
