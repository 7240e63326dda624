"""Exact unit tests of the morphology rules of the failure decision (issue 16: every
mutant of the classifier is caught or documented). Values by hand from the definitions
in ``vision/pipeline/_failure.py``; no tolerance."""
import math

import numpy as np
import pytest

from vision.pipeline._failure import (
    CRACK_MIN_PERSISTENCE,
    DEFAULT_CAUSE_CONFIDENCE,
    LATERAL_MIN_BRANCHES,
    Morphology,
    classify_failure,
    morphology_from_scans,
)


def _conf(value, threshold):
    # the module's margin confidence, written out: 0.5 on the threshold, log scale
    return 0.5 + 0.5 * math.tanh(abs(math.log(value / threshold)) * 2.0)


def test_crack_scans_persistence_and_nan():
    m = morphology_from_scans([np.nan, 0.0, 0.4, 0.0, 0.4, 0.4], [np.nan] * 6)
    # a crack of 0.4 (any unit, > 0) is a crack; NaN and 0 are none; first at index 2
    assert m.crack_scans == 3
    assert m.crack_persistence == 0.75
    assert m.lateral_branches == 0.0
    assert m.lateral_scans == 0


def test_no_crack_has_zero_persistence():
    m = morphology_from_scans([0.0, np.nan, 0.0], [1, 2, 3])
    assert (m.crack_scans, m.crack_persistence) == (0, 0.0)


def test_branches_must_be_held_three_scans_by_default():
    br = [0, 6, 6, 6, 0, 9, 9, 0]
    assert morphology_from_scans([0] * 8, br).lateral_branches == 6.0
    assert morphology_from_scans([0] * 8, br, n_hold=2).lateral_branches == 9.0
    assert morphology_from_scans([0] * 8, br, n_hold=4).lateral_branches == 0.0
    assert morphology_from_scans([], []).lateral_branches == 0.0


def test_lateral_scans_count_area_above_zero():
    m = morphology_from_scans([0] * 5, [0] * 5, lateral_area=[np.nan, 0.0, 2.0, 0.5, 3.0])
    assert m.lateral_scans == 3
    assert morphology_from_scans([0] * 2, [0] * 2).lateral_scans == 0


def _verdict(m, **kw):
    args = {"crack_length_um": 0.0, "lateral_extent_um": 0.0,
            "trace_short_circuit_time_s": 10.0}
    args.update(kw)
    return classify_failure(morphology=m, **args)


def test_persistent_crack_is_fracture_with_its_margin_confidence():
    v = _verdict(Morphology(crack_scans=6, crack_persistence=0.75), crack_length_um=5.0)
    assert (v.mode, v.short_circuit) == ("fracture", True)
    assert v.confidence == round(_conf(0.75, CRACK_MIN_PERSISTENCE), 3)
    last = v.evidence[-1]
    assert {k: last[k] for k in ("rule", "feature", "value", "threshold", "passed")} == {
        "rule": "morphology", "feature": "crack_persistence", "value": 0.75,
        "threshold": CRACK_MIN_PERSISTENCE, "passed": True}
    assert "persistent crack" in last["text"]


def test_a_crack_only_counts_when_its_length_rule_passed():
    # same morphology, but the crack length is below the fracture rule's threshold and
    # nothing lateral was seen: the short has no visible cause
    v = _verdict(Morphology(crack_scans=6, crack_persistence=0.75), crack_length_um=1.0)
    assert v.mode == "fracture" and v.confidence == DEFAULT_CAUSE_CONFIDENCE
    assert "without a visible lithium cluster" in v.evidence[-1]["text"]


def test_branching_cluster_is_lateral_growth_with_its_margin_confidence():
    v = _verdict(Morphology(lateral_branches=7.0, lateral_scans=5), lateral_extent_um=20.0)
    assert v.mode == "lateral_growth"
    assert v.confidence == round(_conf(7.0, LATERAL_MIN_BRANCHES), 3)
    assert "branching cluster" in v.evidence[-1]["text"]


@pytest.mark.parametrize("crack_um, lateral_um", [(5.0, 0.0), (0.0, 20.0)])
def test_thin_path_of_few_branches_is_fracture(crack_um, lateral_um):
    v = _verdict(Morphology(crack_scans=1, crack_persistence=0.2, lateral_branches=2.0),
                 crack_length_um=crack_um, lateral_extent_um=lateral_um)
    assert v.mode == "fracture" and v.confidence == 0.75
    assert "thin path" in v.evidence[-1]["text"]


def test_without_short_growth_is_no_failure():
    m = Morphology(crack_scans=6, crack_persistence=1.0, lateral_branches=9.0)
    v = _verdict(m, crack_length_um=9.0, trace_short_circuit_time_s=None)
    assert (v.mode, v.short_circuit, v.confidence) == ("none", False, 1.0)
    assert v.evidence[-1]["passed"] is False
    v = _verdict(m, crack_length_um=9.0, trace_short_circuit_time_s=None, contact_loss_time_s=4.0)
    assert (v.mode, v.confidence) == ("contact_loss", 0.9)
    assert v.evidence[-1]["passed"] is True


def test_confidence_is_rounded_to_three_decimals():
    v = _verdict(Morphology(crack_scans=6, crack_persistence=0.6), crack_length_um=5.0)
    raw = _conf(0.6, CRACK_MIN_PERSISTENCE)
    assert raw != round(raw, 3)
    assert v.confidence == round(raw, 3)


def test_evidence_text_states_what_was_seen():
    v = _verdict(Morphology(crack_scans=6, crack_persistence=0.75, lateral_branches=7.0),
                 crack_length_um=5.0)
    assert v.evidence[-1]["text"] == (
        "short circuit through a persistent crack: crack in 6 scans (75 % of the scans from "
        "its first on, needs 50 %); lateral lithium with 7 branch tips held (a cluster has "
        ">= 5)")
    v = _verdict(Morphology())
    assert v.evidence[-1]["text"].startswith(
        "short circuit without a visible lithium cluster: a lithium-filled crack (1-2 px "
        "wide) is the likely path; crack in 0 scans")


def test_persistence_boundaries():
    # exactly the minimum persistence is persistent (>=), on the threshold: confidence 0.5
    v = _verdict(Morphology(crack_scans=3, crack_persistence=CRACK_MIN_PERSISTENCE),
                 crack_length_um=5.0)
    assert (v.mode, v.confidence) == ("fracture", 0.5)
    assert "persistent crack" in v.evidence[-1]["text"]
    # three crack scans that stay are a persistent crack
    v = _verdict(Morphology(crack_scans=3, crack_persistence=1.0), crack_length_um=5.0)
    assert "persistent crack" in v.evidence[-1]["text"]
    assert v.confidence == round(_conf(1.0, CRACK_MIN_PERSISTENCE), 3)
    # wave 20: fewer than lateral_min_scans = 3 crack scans never persist (issue 11: a
    # crack needs the persistence asked of lateral growth), however the fraction reads
    v = _verdict(Morphology(crack_scans=2, crack_persistence=1.0), crack_length_um=5.0)
    assert "thin path" in v.evidence[-1]["text"] and v.confidence == 0.75
    # no crack scan is no persistent crack, whatever the persistence field says
    v = _verdict(Morphology(crack_scans=0, crack_persistence=0.75), crack_length_um=5.0)
    assert "thin path" in v.evidence[-1]["text"] and v.confidence == 0.75
