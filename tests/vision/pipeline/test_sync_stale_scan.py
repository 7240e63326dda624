"""A last scan whose content repeats the scan before is left out of the charge match.

The scan the recording ends in can be taken from its first frame, where the lithium's
rows are not yet redrawn: its features repeat those of the scan before while the trace
goes on plating (accuracy seed 2000: 29.27 against 29.26 um, truth 33.3 um; matched,
the charge cue was 6.6 scans off). Tolerance from the requirement: half a scan period.
"""
import numpy as np
import pytest
from test_sync_auto import SCAN_S, TOL_S, _cue, make_run

from vision.pipeline._sync import STALE_FRACTION, _stale_last_scan, synchronise_auto


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("offset", [3.3, 7.7, 11.2])
def test_a_stale_last_scan_is_matched_as_if_it_were_not_there(offset, seed):
    tv, f, trace = make_run(offset, seed=seed, duration_s=20.0)
    stale = f.copy()
    stale[-1] = stale[-2]
    est = synchronise_auto(tv, stale, trace)
    without = synchronise_auto(tv[:-1], f[:-1], trace)
    assert abs(est.result.offset_s - offset) <= TOL_S, est.result
    # the charge cue fits the same scans as on the run that ends a scan earlier
    assert _cue(est, "charge").offset_s == pytest.approx(_cue(without, "charge").offset_s,
                                                         abs=0.02 * SCAN_S)


def test_only_a_last_scan_that_holds_after_growth_is_stale():
    rng = np.random.default_rng(7)
    grow = np.cumsum(1.0 + 0.05 * rng.standard_normal((12, 2)), axis=0)
    use = np.ones(12, bool)
    assert _stale_last_scan(grow, use) is None
    held = grow.copy()
    held[-1] = held[-2] + 0.5 * STALE_FRACTION
    assert _stale_last_scan(held, use) == 11
    # the last scan fitted (one before the touch-down cut) is the one judged
    assert _stale_last_scan(held, np.r_[use[:-1], False]) is None
    cut = np.vstack([held, held[-1:] + 5.0])
    assert _stale_last_scan(cut, np.r_[use, False]) == 11
    # one feature still grows: the scan was redrawn where it is
    one = held.copy()
    one[-1, 1] = grow[-1, 1]
    assert _stale_last_scan(one, use) is None
    # a slow last step is growth, not a repeat
    slow = grow.copy()
    slow[-1] = grow[-2] + 0.5 * (grow[-2] - grow[-3])
    assert _stale_last_scan(slow, use) is None
    # features that held before (a rest) hold on: nothing to tell a repeat by
    rest = np.vstack([grow, np.repeat(grow[-1:], 4, axis=0)])
    assert _stale_last_scan(rest, np.ones(len(rest), bool)) is None
