"""The step-edge dating of a growth onset at its boundaries (wave 17, issue 16 mutation).

:func:`~vision.pipeline._events.step_edge_onset` moves a back-extrapolated whisker onset to
the control-step edge it follows within STEP_EDGE_WINDOW_SCANS scans, unless an edge follows
it within STEP_EDGE_EARLY_SCANS scans. The mutants of wave 16's lines that survived its
tests sit on the rule's boundaries: an onset exactly at an edge, an edge exactly half a scan
after the onset, and the fewest scans that give a period. Scan periods and times are exact
binary fractions, so each boundary is hit exactly; the truth is the rule's own statement
(issue 11: events within one scan + one frame; here the dated onset is an edge or the onset).
"""
import numpy as np
import pytest

from vision.pipeline._events import (
    STEP_EDGE_EARLY_SCANS,
    STEP_EDGE_WINDOW_SCANS,
    step_edge_onset,
)

#: Scan periods, s: exact binary fractions (times, windows and edges below are exact).
SCANS_S = (0.25, 0.5, 1.0)


@pytest.mark.parametrize("scan", SCANS_S)
def test_an_onset_at_an_edge_is_that_edge_not_an_earlier_one(scan):
    # growth that starts with a step is dated at it, even with an earlier edge in the window
    t = np.arange(40) * scan
    onset = 12 * scan
    earlier = onset - STEP_EDGE_WINDOW_SCANS * scan
    assert step_edge_onset(onset, [earlier, onset], scan_times_s=t, edge_sigma_s=0.0) == onset
    assert step_edge_onset(onset, [onset], scan_times_s=t, edge_sigma_s=0.0) == onset


@pytest.mark.parametrize("scan", SCANS_S)
def test_an_edge_exactly_half_a_scan_after_keeps_the_onset(scan):
    # an onset early by up to half a scan belongs to the edge after it: it is not moved to
    # the edge before it (STEP_EDGE_EARLY_SCANS inclusive)
    t = np.arange(40) * scan
    onset = 12 * scan
    after = onset + STEP_EDGE_EARLY_SCANS * scan
    before = onset - scan
    assert step_edge_onset(onset, [before, after], scan_times_s=t, edge_sigma_s=0.0) == onset
    # just beyond it the edge after no longer holds the onset: it goes to the edge before
    beyond = np.nextafter(after, np.inf)
    assert step_edge_onset(onset, [before, beyond], scan_times_s=t, edge_sigma_s=0.0) == before


@pytest.mark.parametrize("scan", SCANS_S)
def test_two_scans_give_the_period(scan):
    # two scans are the fewest that give a scan period: the rule applies with them
    t = np.array([10.0, 10.0 + scan])
    onset = 10.0 + scan
    edge = onset - scan
    assert step_edge_onset(onset, [edge], scan_times_s=t, edge_sigma_s=0.0) == edge
    # one scan (or the same scan twice) gives none: the onset stays
    assert step_edge_onset(onset, [edge], scan_times_s=t[:1], edge_sigma_s=0.0) == onset
    assert step_edge_onset(onset, [edge], scan_times_s=[10.0, 10.0], edge_sigma_s=0.0) == onset
