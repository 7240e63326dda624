"""What the per-background states keep, and when they start anew (wave 21, issue 16).

Wave 20 replaced the module-level caches by states the caller owns: ``SegmentState``
(``segment_lithium``) and ``CrackState`` (``detect_crack``). Their documented contract:

- ``SegmentState``: later calls with the same ``background`` and ``background_gradient``
  objects reuse it; given another background *or* another gradient it starts anew; the
  results are those of the call without a state.
- ``CrackState``: each kind of work is kept for the ``STATE_WINDOWS`` most recent
  windows (the least recently stored goes first; storing a window again makes it the most
  recent), every entry checked against its inputs, kept arrays read-only.

Truth: the call without a state (the drawn backgrounds and rod of
``test_segment_state_w20``), and the documented keeping rule on drawn keys.
"""
import numpy as np
import pytest
import test_segment_state_w20 as w20

import vision.measure.crack._detect as det
from vision.measure._segment import SegmentState, segment_lithium


def _same(got, want, length):
    w20._check(got, want, length)


def test_a_state_given_another_gradient_or_background_starts_anew():
    bg1, grad1 = w20._background(11, 215.0)
    bg2, grad2 = w20._background(12, 160.0)   # another needle level: other bins and edges
    for (b0, g0), (b1, g1) in (((bg1, grad1), (bg1, grad2)), ((bg1, grad1), (bg2, grad1)),
                               ((bg1, grad1), (bg2, grad2))):
        state = SegmentState()
        segment_lithium(w20._scan(b0, 25, 1), **w20._kw(b0, g0, state))
        diff = w20._scan(b1, 35, 2)
        _same(segment_lithium(diff, **w20._kw(b1, g1, state)),
              segment_lithium(diff, **w20._kw(b1, g1)), 35)
        # and what it keeps is the new arrays' (the same scan with a fresh state)
        fresh = SegmentState()
        segment_lithium(diff, **w20._kw(b1, g1, fresh))
        assert state.edge_stats[2] == fresh.edge_stats[2]   # the gradient's percentile
        assert np.array_equal(state.edge_stats[0], fresh.edge_stats[0])
        assert repr(state.level_bins) == repr(fresh.level_bins)


def test_a_state_with_the_same_arrays_is_reused():
    bg, grad = w20._background(13, 215.0)
    state = SegmentState()
    segment_lithium(w20._scan(bg, 20, 3), **w20._kw(bg, grad, state))
    names = ("edge_stats", "edges", "level_bins", "li_sign")
    kept = [getattr(state, n) for n in names]
    assert all(k is not None for k in kept)
    diff = w20._scan(bg, 40, 4)
    _same(segment_lithium(diff, **w20._kw(bg, grad, state)),
          segment_lithium(diff, **w20._kw(bg, grad)), 40)
    # the background's work is not made again for the next scan
    assert all(getattr(state, n) is k for n, k in zip(names, kept))
    # and a fresh state holds nothing
    fresh = SegmentState()
    assert all(getattr(fresh, n) is None for n in
               ("edge_stats", "edges", "edge_points", "level_bins", "reach", "li_sign"))


def _check_any(_inputs):
    return True


def test_crack_state_keeps_the_most_recent_windows_of_each_kind():
    assert det.STATE_WINDOWS == 2   # one window a scan, two while a crack grows out of it
    s = det.CrackState()
    assert s._get("geometry", "A", _check_any) is None
    assert s._put("geometry", "A", None, "a") == "a"
    s._put("geometry", "B", None, "b")
    s._put("along", "C", None, "c")        # another kind does not push a window out
    assert s._get("geometry", "A", _check_any) == "a"
    assert s._get("geometry", "B", _check_any) == "b"
    s._put("geometry", "D", None, "d")     # a third window: the least recently stored goes
    assert s._get("geometry", "A", _check_any) is None
    assert s._get("geometry", "B", _check_any) == "b"
    assert s._get("geometry", "D", _check_any) == "d"
    assert s._get("along", "C", _check_any) == "c"
    s._put("geometry", "D", None, "d2")    # the same window again: it is replaced, B stays
    assert s._get("geometry", "B", _check_any) == "b"
    assert s._get("geometry", "D", _check_any) == "d2"
    s._put("geometry", "B", None, "b2")    # B the most recent now: D goes next
    s._put("geometry", "E", None, "e")
    assert s._get("geometry", "D", _check_any) is None
    assert s._get("geometry", "B", _check_any) == "b2"
    assert s._get("geometry", "E", _check_any) == "e"


def test_crack_state_entry_is_checked_against_its_inputs():
    s = det.CrackState()
    mask = np.array([[True, False], [False, True]])
    s._put("counter", (0, 0, 2, 2), mask.copy(), "zones")
    seen = []

    def same(old):
        seen.append(old)
        return np.array_equal(old, mask)

    assert s._get("counter", (0, 0, 2, 2), same) == "zones"
    assert np.array_equal(seen[0], mask)   # the check reads the inputs kept, not the value
    assert s._get("counter", (0, 0, 2, 2), lambda old: np.array_equal(old, ~mask)) is None
    assert s._get("counter", (0, 0, 2, 3), same) is None


def test_kept_arrays_are_read_only():
    a, b = np.zeros(3), np.ones((2, 2))
    out = det._frozen(a, None, b)
    assert out[0] is a and out[1] is None and out[2] is b
    for x in (a, b):
        with pytest.raises(ValueError):
            x[0] = 5.0
