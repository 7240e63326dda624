"""The front's cluster rule and the crack touch-down at their edges (issue 16: no planted
bug survives).

Each test kills mutants of ``vision/track/_frontcrack.py`` on the lines changed in waves 9
and 10 (``benchmarks/mutate_changed.py 5a5bfd8 --file vision/track/_frontcrack.py``) that
the behaviour tests (``test_front_unbranched.py``, ``test_crack_touchdown.py``) let
through: the options passed on (not their defaults), duplicate frames, a crack seen from
the first scan, the exact scan in which a crack's touch-down becomes known, and the tip's
coordinates. The answers are exact: branch counts and scan indices of built sequences.
"""
import logging

import numpy as np
import pandas as pd
import pytest

from vision import CounterElectrode, FrontCrackState
from vision.track._frontcrack import (
    CRACK_CONFIRM_SCANS,
    FRONT_CLUSTER_MIN_BRANCHES,
    blank_transient_front,
    blank_unbranched_front,
    crack_touchdown_scan,
    is_branching_cluster,
)

#: (rows, cols) of the frames, px (rows != cols: axes cannot be swapped unnoticed).
SHAPE = (400, 600)
#: The counter electrode: the right side from x = 520 px.
COUNTER = CounterElectrode(side="right", boundary_px=520.0)
#: A crack tip at the counter electrode and one far from it, (x, y) px.
AT_COUNTER, AWAY = (521.0, 200.0), (200.0, 200.0)
#: A crack long enough to count (the default minimum is 10 px).
LONG_PX = 50.0


def _table(n_branches, *, duplicates=False):
    """A frame table with a front in every scan and the given branch tips per scan.

    With ``duplicates``, each scan is followed by a duplicate frame repeating it.
    """
    rows = []
    for k, nb in enumerate(n_branches):
        for dup in ((False, True) if duplicates else (False,)):
            rows.append({"frame": len(rows), "is_duplicate": dup, "skipped": False,
                         "li_area_um2": 5.0, "front_distance_um": 10.0 + k,
                         "front_projected_um": 9.0 + k, "fractal_dimension": 1.7,
                         "n_branches": nb, "front_touching": False})
    return pd.DataFrame(rows)


def _kept(out):
    return bool(np.isfinite(out["front_distance_um"]).all())


def _blanked(out):
    return bool(out["front_distance_um"].isna().all())


# --- the branching-cluster rule ---------------------------------------------------------

def test_nan_branch_counts_are_no_branches():
    assert not is_branching_cluster([np.nan] * 6, min_branches=1)
    assert is_branching_cluster([1, 1, 1], min_branches=1)


def test_cluster_rule_uses_the_run_length_given():
    four = [0, 9, 9, 9, 9, 0]
    assert is_branching_cluster(four, n_scans=4)
    assert not is_branching_cluster([0, 9, 9, 9, 0, 9], n_scans=4)


def test_unbranched_front_uses_the_branch_count_and_run_length_given():
    # four branch tips in every scan (four whiskers the finder missed): no cluster of
    # FRONT_CLUSTER_MIN_BRANCHES (5) tips, whatever the run length
    assert FRONT_CLUSTER_MIN_BRANCHES > 4
    assert _blanked(blank_unbranched_front(_table([4] * 10)))
    assert _blanked(blank_transient_front(_table([4] * 10)))
    assert _kept(blank_unbranched_front(_table([4] * 10), min_branches=4))
    assert _kept(blank_transient_front(_table([4] * 10), min_branches=4))
    # a cluster for four scans is no cluster when five consecutive scans are asked for
    held_four = [0, 0, 6, 6, 6, 6, 0, 0, 0, 0]
    assert _kept(blank_unbranched_front(_table(held_four), n_scans=4))
    assert _blanked(blank_unbranched_front(_table(held_four), n_scans=5))
    assert _blanked(blank_transient_front(_table(held_four), n_scans=5))
    assert _kept(blank_transient_front(_table(held_four), n_scans=4))


def test_min_branches_one_needs_a_branch_tip_and_zero_keeps_any_front():
    # min_branches=1: a front without any branch tip in any scan is no cluster
    assert _blanked(blank_unbranched_front(_table([0] * 8), min_branches=1))
    assert _kept(blank_unbranched_front(_table([1] * 8), min_branches=1))
    # min_branches=0 keeps every front, even one measured in fewer scans than n_scans
    short = _table([0] * (CRACK_CONFIRM_SCANS - 1))
    pd.testing.assert_frame_equal(blank_unbranched_front(short, min_branches=0), short)


def test_duplicate_frames_are_not_scans_of_the_cluster():
    # a cluster in two scans, each shown on two frames: two scans, not four
    two = [0, 9, 9, 0, 0, 0]
    assert _blanked(blank_unbranched_front(_table(two, duplicates=True)))
    three = [0, 9, 9, 9, 0, 0]
    assert _kept(blank_unbranched_front(_table(three, duplicates=True)))


# --- crack_touchdown_scan ----------------------------------------------------------------

@pytest.mark.parametrize("counter, tip", [
    # the tip's y is beyond a right boundary's x (and left of a left one): no touch
    (CounterElectrode(side="right", boundary_px=300.0), (100.0, 350.0)),
    (CounterElectrode(side="left", boundary_px=50.0), (200.0, 30.0)),
])
def test_touchdown_compares_the_tip_x_with_a_side_boundary(counter, tip):
    tips = np.array([tip] * 5)
    assert crack_touchdown_scan(tips, [True] * 5, counter, SHAPE) is None
    # the same tips with x at the boundary touch from the first confirmed scan
    at = np.array([[counter.boundary_px, tip[1]]] * 5)
    assert crack_touchdown_scan(at, [True] * 5, counter, SHAPE) == 0


# --- FrontCrackState: the streaming touch-down --------------------------------------------

class _Crack:
    """The two attributes of a crack measurement the event state reads."""

    def __init__(self, length_px, tip_xy_px):
        self.path_length_px = length_px
        self.tip_xy_px = tip_xy_px


def _feed(cracks, *, dt=0.5, frames_per_scan=5):
    """Feed scans (None: no crack) and return the state and the scans with touchdown_now."""
    state = FrontCrackState(counter_electrode=COUNTER, image_shape=SHAPE)
    now = []
    for k, c in enumerate(cracks):
        if state.update(frame_index=frames_per_scan * k, time_s=dt * k, crack=c).touchdown_now:
            now.append(k)
    return state, now


def test_touchdown_known_in_the_scan_that_confirms_the_crack():
    # a crack from scan 4, at the counter electrode from scan 6: confirmed in scan
    # 4 + persist_scans = 6, the touch-down scan itself (frame 30, 3.0 s)
    cracks = [None] * 4 + [_Crack(LONG_PX, AWAY)] * 2 + [_Crack(LONG_PX, AT_COUNTER)] * 6
    state, now = _feed(cracks)
    assert (state.touchdown_frame, state.touchdown_time_s) == (30, 3.0)
    assert now == [6]
    # touching from its first scan (4): known when the third scan confirms it (6)
    cracks = [None] * 4 + [_Crack(LONG_PX, AT_COUNTER)] * 8
    state, now = _feed(cracks)
    assert (state.touchdown_frame, state.touchdown_time_s) == (20, 2.0)
    assert now == [4 + CRACK_CONFIRM_SCANS - 1]


def test_a_crack_from_the_first_scan():
    state, now = _feed([_Crack(LONG_PX, AT_COUNTER)] * 6)
    assert (state.touchdown_frame, state.touchdown_time_s) == (0, 0.0)
    assert now == [CRACK_CONFIRM_SCANS - 1]


@pytest.mark.parametrize("lead", [0, 1, 3])
def test_two_scans_at_the_counter_electrode_are_no_touchdown(lead):
    # a line in two scans only (the first two of the video, or after scans without one),
    # then none: fewer than CRACK_CONFIRM_SCANS scans, not a touch-down
    cracks = [None] * lead + [_Crack(LONG_PX, AT_COUNTER)] * 2 + [None] * 4
    state, now = _feed(cracks)
    assert state.touchdown_frame is None and now == []


def test_a_line_shorter_than_a_crack_at_the_counter_electrode_is_no_touchdown():
    short_px = 0.5 * FrontCrackState().min_crack_length_px
    state, now = _feed([_Crack(short_px, AT_COUNTER)] * 8)
    assert state.touchdown_frame is None and now == []
    assert state.crack_initiation_frame is None


def test_crack_touchdown_is_logged_with_its_frame_and_time(caplog):
    cracks = [None] * 2 + [_Crack(LONG_PX, AT_COUNTER)] * 4
    with caplog.at_level(logging.INFO, logger="vision.track._frontcrack"):
        _feed(cracks)
    assert "crack reaches the counter electrode at frame 10 (t = 1.00 s)" in [
        r.getMessage() for r in caplog.records]


def test_side_counter_electrode_without_boundary_needs_the_image_shape():
    with pytest.raises(ValueError, match=r"^a side counter electrode without boundary_px needs "
                       r"image_shape=\(rows, cols\): its boundary is the image's edge\.$"):
        FrontCrackState(counter_electrode=CounterElectrode(side="right"))
