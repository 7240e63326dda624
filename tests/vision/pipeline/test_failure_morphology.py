"""Failure mode as the cause of a short circuit, crack vs lateral by morphology (issue 11 §3).

Hand-made per-scan tables shaped like what the tracker reports: a crack
flashing for three scans on the young trunk of a lateral front, a persistent
crack, a branching cluster, a single thin path segmented as lithium, noise
blips and substrate features without a short circuit.
"""
import numpy as np
import pytest

from vision.pipeline._failure import (
    CRACK_MIN_PERSISTENCE,
    DEFAULT_THRESHOLDS,
    LATERAL_MIN_BRANCHES,
    Morphology,
    classify_failure,
    morphology_from_scans,
)

TH = DEFAULT_THRESHOLDS
N = 40
BIG = 50.0  # um: far beyond every length threshold


def _scans(crack_from=None, crack_to=None, branches=0, branch_from=0):
    """(crack_length, n_branches, lateral_area) per scan."""
    crack = np.zeros(N)
    if crack_from is not None:
        crack[crack_from:crack_to] = 20.0
    br = np.zeros(N)
    br[branch_from:] = branches
    area = np.where(br > 0, 100.0, 0.0)
    return crack, br, area


def test_morphology_summary_is_exact():
    crack, br, area = _scans(crack_from=10, crack_to=13, branches=12, branch_from=12)
    m = morphology_from_scans(crack, br, area)
    assert m.crack_scans == 3
    assert m.crack_persistence == pytest.approx(3 / 30)
    assert m.lateral_branches == 12
    assert m.lateral_scans == 28
    # a branch count seen in fewer than 3 consecutive scans is not held
    br = np.zeros(N)
    br[5:7] = 30
    assert morphology_from_scans(crack, br).lateral_branches == 0
    assert morphology_from_scans([np.nan] * 5, [np.nan] * 5) == Morphology()


def test_no_short_circuit_is_never_lateral_or_fracture():
    # big lateral lithium and a persistent crack, but nothing shorted: growth modes only
    crack, br, area = _scans(crack_from=5, crack_to=N, branches=40, branch_from=5)
    m = morphology_from_scans(crack, br, area)
    v = classify_failure(crack_length_um=BIG, lateral_extent_um=BIG, morphology=m)
    assert (v.mode, v.short_circuit) == ("none", False)
    v = classify_failure(crack_length_um=BIG, lateral_extent_um=BIG, contact_loss_time_s=4.0,
                         morphology=m)
    assert (v.mode, v.short_circuit) == ("contact_loss", False)
    assert v.evidence[-1]["rule"] == "morphology"


def test_crack_flash_on_a_young_lateral_trunk_is_lateral_growth():
    # the trunk of a lateral front is taken for a crack in scans 10-12, then it branches
    crack, br, area = _scans(crack_from=10, crack_to=13, branches=20, branch_from=12)
    m = morphology_from_scans(crack, br, area)
    assert m.crack_persistence < CRACK_MIN_PERSISTENCE
    v = classify_failure(crack_length_um=5.0, lateral_extent_um=BIG,
                         trace_short_circuit_time_s=30.0, morphology=m)
    assert (v.mode, v.short_circuit) == ("lateral_growth", True)


def test_persistent_crack_is_fracture_even_beside_a_branching_front():
    crack, br, area = _scans(crack_from=10, crack_to=N, branches=20, branch_from=12)
    v = classify_failure(crack_length_um=BIG, lateral_extent_um=BIG, touchdown_time_s=30.0,
                         morphology=morphology_from_scans(crack, br, area))
    assert (v.mode, v.short_circuit) == ("fracture", True)


@pytest.mark.parametrize("branches, mode", [
    (LATERAL_MIN_BRANCHES, "lateral_growth"),      # a branching cluster
    (LATERAL_MIN_BRANCHES - 1, "fracture"),        # one thin path of few branches
    (1, "fracture"),
])
def test_lithium_beyond_the_rim_by_its_branches(branches, mode):
    crack, br, area = _scans(branches=branches, branch_from=10)
    v = classify_failure(lateral_extent_um=BIG, trace_short_circuit_time_s=30.0,
                         morphology=morphology_from_scans(crack, br, area))
    assert v.mode == mode


def test_short_circuit_without_visible_cause_is_a_low_confidence_fracture():
    v = classify_failure(trace_short_circuit_time_s=3.0, morphology=Morphology())
    assert (v.mode, v.short_circuit) == ("fracture", True)
    assert v.confidence == 0.5
    assert "without a visible" in v.evidence[-1]["text"]


def test_without_morphology_the_scalar_rules_stay():
    assert classify_failure(lateral_extent_um=BIG).mode == "lateral_growth"
    assert classify_failure(crack_length_um=BIG).mode == "fracture"
    assert classify_failure(trace_short_circuit_time_s=4.0).mode == "none"
