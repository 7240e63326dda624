"""The video's touch-down from the front and from a persistent crack (issue 16: no planted
bug survives).

:meth:`FrameScheduler.tracks` takes the earlier of the front's touch-down and a persistent
crack's (``_crack_touchdown_frame``). The behaviour tests check each alone; these build the
finished frame table of a video (one row per scan, no image) where both happen, in either
order, and check the frame reported: the earlier one, the short circuit that came first.
They kill the mutants of ``vision/track/_schedule.py`` on the lines changed in wave 10
(``benchmarks/mutate_changed.py 5a5bfd8 --file vision/track/_schedule.py``).
"""
import logging
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from vision import CounterElectrode
from vision.track._schedule import FrameScheduler, _crack_touchdown_frame
from vision.track._tables import FRAME_COLUMNS

#: Pixel size, um/px.
PX_UM = 0.5
#: Analysed region (top, bottom, left, right), px of the full frame.
REGION = (20, 420, 30, 630)
#: The counter electrode, right side at x = 500 px of the region.
COUNTER = CounterElectrode(side="right", boundary_px=500.0)
N_SCANS = 20
#: First scan with a crack; its tip grows 40 px per scan from x = 300 px (region), reaching
#: the counter electrode's 500 px in its fifth scan and staying there.
CRACK_FROM = 4
CRACK_TOUCH_SCAN = CRACK_FROM + 4
#: Frames per scan (each scan's frame index is FRAMES_PER_SCAN x its number).
FRAMES_PER_SCAN = 3


def _rows(front_touch_scan=None, crack=True):
    """Frame rows: a branching lateral front in every scan from scan 2 (touching from
    ``front_touch_scan`` on, if given) and, with ``crack``, the growing crack."""
    left, top = REGION[2], REGION[0]
    rows = []
    for k in range(N_SCANS):
        row = dict.fromkeys(FRAME_COLUMNS, math.nan)
        row.update(frame=FRAMES_PER_SCAN * k, time_s=0.5 * k, content_time_s=0.5 * k,
                   is_duplicate=False, partial_refresh=False, skipped=False,
                   whisker_count=0, n_branches=0, front_touching=False)
        if k >= 2:
            row.update(li_area_um2=100.0 + k, front_distance_um=20.0 + k,
                       front_projected_um=18.0 + k, fractal_dimension=1.7, n_branches=12,
                       front_touching=front_touch_scan is not None and k >= front_touch_scan)
        if crack and k >= CRACK_FROM:
            x = min(300.0 + 40.0 * (k - CRACK_FROM + 1), 500.0)
            row.update(crack_length_um=PX_UM * (x - 280.0), crack_tip_x_um=PX_UM * (x + left),
                       crack_tip_y_um=PX_UM * (200.0 + top))
        rows.append(row)
    return rows


def _touchdown(rows, counter=COUNTER):
    tracker = SimpleNamespace(kymos={}, front_log=None, electrode_full=None, counter=counter,
                              region=REGION, px=PX_UM)
    sched = FrameScheduler(tracker, frame_interval_s=0.5)
    sched.rows = rows
    return sched.tracks().touchdown_frame


def test_crack_alone_sets_the_touchdown():
    assert _touchdown(_rows()) == FRAMES_PER_SCAN * CRACK_TOUCH_SCAN


@pytest.mark.parametrize("front_scan", [CRACK_TOUCH_SCAN - 3, CRACK_TOUCH_SCAN - 1,
                                        CRACK_TOUCH_SCAN, CRACK_TOUCH_SCAN + 1,
                                        CRACK_TOUCH_SCAN + 4])
def test_the_earlier_of_front_and_crack_is_the_touchdown(front_scan):
    got = _touchdown(_rows(front_touch_scan=front_scan))
    assert got == FRAMES_PER_SCAN * min(front_scan, CRACK_TOUCH_SCAN)


def test_front_alone_and_no_counter_electrode():
    assert _touchdown(_rows(front_touch_scan=12, crack=False)) == FRAMES_PER_SCAN * 12
    # without a counter electrode only the front's own touching flag counts
    assert _touchdown(_rows(), counter=None) is None
    assert _touchdown(_rows(front_touch_scan=15), counter=None) == FRAMES_PER_SCAN * 15


def test_a_crack_short_of_the_counter_electrode_is_no_touchdown():
    rows = _rows()
    for row in rows:  # the same crack stopped 60 px before the counter electrode
        row["crack_tip_x_um"] = min(row["crack_tip_x_um"], PX_UM * (440.0 + REGION[2]))
    assert _touchdown(rows) is None


@pytest.mark.parametrize("side, axis", [("right", 0), ("bottom", 1)])
def test_a_side_without_boundary_is_the_analysed_regions_edge(side, axis):
    # the counter electrode beyond the region's right (bottom) edge: 600 (400) px from its
    # left (top); a crack whose tip is at the last column (row) from its first scan touches
    # it there, one stopped 40 px short does not
    top, bottom, left, right = REGION
    edge = (right - left, bottom - top)[axis] - 1.0
    for reach, expect in ((edge, True), (edge - 40.0, False)):
        rows = _rows()
        for row in rows:
            if math.isfinite(row["crack_tip_x_um"]):
                tip = [200.0, 200.0]
                tip[axis] = reach
                row["crack_tip_x_um"] = PX_UM * (tip[0] + left)
                row["crack_tip_y_um"] = PX_UM * (tip[1] + top)
        got = _touchdown(rows, counter=CounterElectrode(side=side))
        assert got == (FRAMES_PER_SCAN * CRACK_FROM if expect else None)


def test_no_analysed_region_no_crack_touchdown():
    measured = pd.DataFrame({"frame": [0, 3, 6], "crack_tip_x_um": [265.0] * 3,
                             "crack_tip_y_um": [110.0] * 3})
    scans = SimpleNamespace(counter=COUNTER, region=None, px=PX_UM)
    assert _crack_touchdown_frame(measured, np.ones(3, bool), scans) is None
    assert _crack_touchdown_frame(measured, np.ones(3, bool),
                                  SimpleNamespace(counter=COUNTER, region=REGION, px=PX_UM)) == 0


def test_crack_touchdown_is_logged_with_its_frame(caplog):
    with caplog.at_level(logging.INFO, logger="vision.track._schedule"):
        _touchdown(_rows())
    assert f"crack reaches the counter electrode at frame {FRAMES_PER_SCAN * CRACK_TOUCH_SCAN}" \
        in [r.getMessage() for r in caplog.records]
