"""The lateral onset's rules at their edges (issue 16: no planted bug survives).

Each test kills mutants of ``vision/pipeline/_events.py`` that the behaviour tests of
``test_events_lateral_onset.py`` let through (``benchmarks/mutate_changed.py 5a5bfd8
--file vision/pipeline/_events.py``): the documented defaults, the inclusive and strict
comparisons, the touch-down scan and the run that reaches the record's first scan. The
series are exact lines (or exact steps), so the answers are known; the tolerance of an
onset is one scan (issue 11: events within one scan + one frame; no display lag here).
"""
import numpy as np
import pytest

from vision.pipeline._events import _growth_rate, growth_run_start, lateral_onset

#: The failure rule's defaults (FailureThresholds): 3 um held for 3 scans.
MIN_EXTENT_UM = 3.0
MIN_SCANS = 3
#: Scatter of the extent, um: FRONT_STEP_NOISE_PX (2 px) at 0.1 um/px.
NOISE_UM = 0.2
KW = dict(min_extent=MIN_EXTENT_UM, min_scans=MIN_SCANS, noise=NOISE_UM)


# --- growth_run_start ---------------------------------------------------------------

def test_run_start_defaults_count_any_growth_beyond_the_baseline():
    # documented defaults: noise 0 (any size beyond the baseline is measured growth) and
    # min_rate 0 (any growth, however slow, belongs to the run)
    assert growth_run_start([0.5, 1.0, 2.0], 2) == 0
    assert growth_run_start([1.0, 1.1, 1.2], 2, time_s=[0.0, 1.0, 2.0]) == 0


def test_run_start_a_size_equal_to_the_noise_is_not_beyond_it():
    # "beyond the baseline by more than noise": 0.5 with noise 0.5 is scatter of the rim
    assert growth_run_start([0.5, 1.0, 2.0], 2, noise=0.5) == 1
    assert growth_run_start([0.51, 1.0, 2.0], 2, noise=0.5) == 0


def test_run_start_stops_at_the_first_scan_of_the_record():
    # a front growing from the record's first scan starts there, whatever the scans after
    # the confirmation measure (here the front is lost again: a smaller last entry)
    assert growth_run_start([1.0, 2.0, 3.0, 0.5], 2) == 0
    assert growth_run_start([1.0, 2.0, 3.0, 0.5], 2, time_s=[0.0, 1.0, 2.0, 3.0],
                            min_rate=0.5) == 0


def test_run_start_the_same_scan_twice_without_noise_is_one_scan():
    # two entries of one scan (same content time) measuring the same size: one scan, the
    # run goes on through it even with no noise allowed
    t = [0.0, 1.0, 1.0, 2.0]
    assert growth_run_start([1.0, 2.0, 2.0, 3.0], 3, time_s=t) == 0
    assert growth_run_start([1.0, 2.0, 2.5, 3.0], 3, time_s=t) == 2


# --- _growth_rate: the confirmed scans' rate that sets FRONT_RATE_FRACTION's floor ------

def test_growth_rate_is_the_line_through_the_first_four_points():
    t = np.arange(6.0)
    y = np.array([0.0, 1.0, 2.0, 3.0, 10.0, 30.0])  # a line for four points, then a jump
    assert _growth_rate(t, y, 0.5) == pytest.approx(1.0)
    # NaN entries are skipped, not counted among the four
    y_gap = np.array([np.nan, 0.0, np.nan, 4.0, 6.0, 8.0, 30.0])
    assert _growth_rate(np.arange(7.0), y_gap, 0.5) == pytest.approx(2.0)


def test_growth_rate_of_two_points_and_of_a_short_span():
    # two points are a line; a span shorter than a second is still a span
    assert _growth_rate(np.array([0.0, 1.0]), np.array([0.0, 2.0]), 0.5) == pytest.approx(2.0)
    assert _growth_rate(np.array([0.0, 0.1, 0.2]), np.array([0.0, 1.0, 2.0]), 0.5) \
        == pytest.approx(10.0)


@pytest.mark.parametrize("t, y", [
    ([], []),
    ([0.0, 1.0, 2.0], [np.nan, np.nan, np.nan]),
    ([0.0, 1.0, 2.0], [np.nan, 4.0, np.nan]),
    ([1.0, 1.0], [0.0, 3.0]),   # one scan twice: no span, no rate
])
def test_growth_rate_without_a_span_is_zero(t, y):
    assert _growth_rate(np.array(t), np.array(y), 0.5) == 0.0


def test_growth_rate_needs_a_rise_beyond_the_noise_over_the_span():
    t = np.arange(4.0)
    # 1 um/s for 3 s rises 3 um: beyond a noise of 2 um (the rate, not rate / span)
    assert _growth_rate(t, t.copy(), 2.0) == pytest.approx(1.0)
    # a rise within the noise is no growth: the rate is 0, not the slope
    assert _growth_rate(t, 0.1 * t, 2.0) == 0.0
    # a rise exactly equal to the noise is not beyond it
    rise = np.polyfit(t, t, 1)[0] * np.ptp(t)
    assert _growth_rate(t, t.copy(), float(rise)) == 0.0


# --- lateral_onset --------------------------------------------------------------------

def test_an_extent_equal_to_the_threshold_holds_it():
    # "at least min_extent": 3.0 um counts; the front grows 2 um/s from 1.5 s and the
    # record ends when it has held 3 um for exactly three scans
    t = np.arange(6.0)
    extent = 2.0 * (t - 1.5)
    extent[extent <= 0] = np.nan  # [nan, nan, 1, 3, 5, 7]
    assert lateral_onset(t, extent, **KW) == pytest.approx(1.5, abs=1.0)


def test_a_record_of_exactly_min_scans_scans_can_confirm_a_front():
    # the front grew before the record: the onset is its first time (never before it)
    t = np.array([1.0, 2.0, 3.0])
    assert lateral_onset(t, [4.0, 5.0, 6.0], **KW) == pytest.approx(1.0)


def test_the_touch_down_scan_itself_is_not_fitted():
    # 80 px/s (0.1 um/px) from 1.6 s, scans every 0.4 s; the front reaches the counter
    # electrode in the scan at 2.8 s (its touch-down time), where it is stopped at 64.5 px
    # instead of the line's 96: that scan is not the front's free growth
    scan = 0.4
    t = np.arange(30) * scan
    onset = 1.6
    touch = t[7]  # 2.8 s on the scans' clock (bit for bit)
    px = np.where(t >= touch, 64.5, 80.0 * (t - onset))
    extent = np.where(px >= 1.0, 0.1 * px, np.nan)
    assert lateral_onset(t, extent, until_s=touch, **KW) == pytest.approx(onset, abs=scan)


def test_a_front_that_touches_in_its_first_scan_dates_from_that_scan():
    # grown 40 um/s from 1.8 s, first seen at 2.0 s already touching the counter electrode
    scan = 0.5
    t = np.arange(10) * scan
    onset = 1.8
    extent = np.where(t >= 2.0, 8.0 + 40.0 * (t - 2.0), np.nan)
    got = lateral_onset(t, extent, until_s=2.0, **KW)
    assert got == pytest.approx(2.0)
    assert got == pytest.approx(onset, abs=scan)


def test_the_front_rate_comes_from_the_confirming_scan_on():
    # a precursor creeping 1 px per scan at the rim, then a front at 80 px/s from 10.2 s
    # that touches the counter electrode two scans after it is confirmed: the rate of the
    # two usable confirmed scans still sets the floor that leaves the precursor out
    scan = 0.5
    t = np.arange(40) * scan
    onset = 10.2
    px = np.where(t < 5.0, np.nan, 8.0 + 2.0 * (t - 5.0))
    px = np.maximum(px, 80.0 * (t - onset))
    extent = 0.1 * px
    confirmed = 22  # 6.4, 10.4, 14.4 um: the first run of three scans beyond 3 um
    assert extent[confirmed - 1] < MIN_EXTENT_UM <= extent[confirmed]
    got = lateral_onset(t, extent, until_s=t[confirmed + 2], **KW)
    assert got == pytest.approx(onset, abs=scan)


def test_rim_scatter_within_the_noise_is_not_the_front_start():
    # the rim reads 0.05, 0.10, 0.15 um (within the 0.2 um scatter) before a front that
    # grows 2 um/s from 4.25 s; at its confirmation the tracker jumps to the counter
    # electrode (flat confirmed scans: no rate floor), so only the noise keeps the rim's
    # scatter out of the run
    scan = 0.5
    t = np.arange(20) * scan
    extent = np.full(len(t), np.nan)
    extent[6:9] = [0.05, 0.10, 0.15]
    extent[9:12] = [0.5, 1.5, 2.5]
    extent[12:] = 14.0 + 1e-3 * np.arange(len(t) - 12)
    assert lateral_onset(t, extent, **KW) == pytest.approx(4.25, abs=scan)
