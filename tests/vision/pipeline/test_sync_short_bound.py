"""The scans before the touch-down lie before the short on the trace (issue 13).

After a short circuit the trace's current is the short's: a steady current whose charge
rises as a straight line, like lithium that grows at a steady rate. A charge cue free to
put the growth seen before the touch-down onto the short's charge matches the two
(tuning scenes of lateral growth and fracture: charge cue 5 to 25 scans late, against a
right short-circuit cue, and a warning on a right offset). The scans before the
touch-down show no contact, so they come before the short on the trace: the cues that
match them do not search beyond :func:`short_bound`. Truth: the offset the run was
built with; tolerance half a scan (issue 13).
"""
import numpy as np
import pytest
from test_sync_auto import SCAN_S, TOL_S, _cue, make_run

from vision.pipeline._sync import SHORT_BOUND_SCANS, _against_short, short_bound, synchronise_auto
from vision.pipeline._sync_combine import combine_cues
from vision.pipeline._sync_cues import Cue

#: one step of steady growth from 7 s (video) until the whisker touches at 13.3 s
STEADY = [(2.0, -0.3, 0.0), (7.0, -0.9, 2.5)]
TOUCH_S = 13.3


def _run(offset, seed):
    tv, f, trace = make_run(offset, seed=seed, duration_s=16.0, steps=STEADY,
                            short_at_video_s=TOUCH_S, tail_s=12.0)
    touch = float(tv[tv >= TOUCH_S][0])
    jump = float(trace["time_s"][trace["current_A"] <= -2e-6].iloc[0])
    return tv, f, trace, touch, jump


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("offset", [6.0, 9.3])
def test_steady_growth_is_not_matched_with_the_short_s_charge(offset, seed):
    tv, f, trace, touch, jump = _run(offset, seed)
    est = synchronise_auto(tv, f, trace, until_trace_s=jump, until_video_s=touch)
    # the charge cue finds the growth before the short (main: 6.25 s late, on the short)
    assert abs(_cue(est, "charge").offset_s - offset) <= TOL_S, _cue(est, "charge")
    assert abs(est.result.offset_s - offset) <= TOL_S, est.result
    # two cues that agree on a right offset: trusted, no warning
    assert est.result.confidence >= 0.5 and not est.warnings, (est.result, est.warnings)


def test_the_bound_is_the_last_scan_before_the_touchdown_plus_its_leeway():
    tv = np.arange(0.0, 16.0, SCAN_S)
    # the last scan before the touch-down at 13.5 s is 13.0 s
    got = short_bound(20.0, 13.5, tv, SCAN_S, lo=-50.0, hi=50.0)
    assert got == pytest.approx(20.0 - 13.0 + SHORT_BOUND_SCANS * SCAN_S)
    # the true offset of a run whose contact came at 13.3 s (video) is 20.0 - 13.3 = 6.7 s
    # (touch-down found in the right scan) or its scan found a scan late: inside either way
    assert got >= 20.0 - 13.3 and got >= 20.0 - (13.3 - SCAN_S)
    # no short or no touch-down: the search is left as it was
    assert short_bound(None, 13.5, tv, SCAN_S, lo=-50.0, hi=50.0) == 50.0
    assert short_bound(20.0, None, tv, SCAN_S, lo=-50.0, hi=50.0) == 50.0
    # a bound outside the search, or leaving less than a scan of it, narrows nothing
    assert short_bound(200.0, 13.5, tv, SCAN_S, lo=-50.0, hi=50.0) == 50.0
    assert short_bound(20.0, 13.5, tv, SCAN_S, lo=8.0, hi=50.0) == 50.0


@pytest.mark.parametrize("past_scans", [0.0, 0.3, -0.4])
def test_a_cue_against_the_bound_found_no_minimum_and_is_not_combined(past_scans):
    # tuning seed 7060: the charge cue's cost falls on toward the short's charge, and the
    # bound stops it 2 scans after the truth (+-0.3 scans stated); combined with the short
    # circuit (right, +-0.87 scans) it pulled the offset 1.8 scans off
    truth, scan = 10.0, 0.25
    bound = truth + 2.0 * scan
    short = Cue("short_circuit", offset_s=truth + 0.1 * scan, sigma_s=0.87 * scan)
    charge = Cue("charge", offset_s=bound + past_scans * scan, sigma_s=0.3 * scan,
                 sharpness=0.9, adequate=True)
    got = _against_short(charge, bound, scan)
    assert got.informative is False and "bound" in got.detail
    comb = combine_cues([short, got], scan, window_s=40.0)
    assert comb.used == ["short_circuit"]
    assert abs(comb.offset_s - truth) <= scan / 2
    # the short circuit's own uncertainty (+-0.87 scans) is more than half a scan: said
    assert comb.confidence < 0.5 and comb.warnings


def test_a_cue_clear_of_the_bound_and_other_cues_are_left_alone():
    scan, bound = 0.25, 12.0
    clear = Cue("charge", offset_s=bound - 0.6 * scan, sigma_s=0.1)
    assert _against_short(clear, bound, scan) == clear
    short = Cue("short_circuit", offset_s=bound, sigma_s=0.2)
    assert _against_short(short, bound, scan) == short
