"""Wave 19's crack handover on exact per-scan tables (mutation, issue 16).

`crack_lithium_handover`, `morphology_from_scans`'s handover and `_persistence`, and what
the failure rules read of them (`Morphology.failure_persistence`, the evidence and the
text). The tables are drawn: which scans are handed over follows from the docstring's
three conditions (a confirmed run of `n_hold` crack scans, no lateral lithium in its last
scan, lateral lithium and no crack in the next), so every expected value is exact.
"""
import numpy as np

from vision.pipeline._failure import (
    CRACK_MIN_PERSISTENCE,
    Morphology,
    _margin_confidence,
    _persistence,
    classify_failure,
    crack_lithium_handover,
    morphology_from_scans,
)


def _b(xs):
    return np.array(xs, bool)


def test_a_run_broken_by_a_scan_without_crack_starts_again_from_zero():
    # two crack scans, a gap, two more: never n_hold = 3 in a row, nothing handed over
    c = _b([1, 1, 0, 1, 1, 0])
    lat = _b([0, 0, 0, 0, 0, 1])
    assert not crack_lithium_handover(c, lat).any()


def test_after_a_handover_the_crack_run_is_counted_from_zero():
    # the crack returns for two scans after a handover: not a confirmed run of its own
    c = _b([1, 1, 1, 0, 1, 1, 0])
    lat = _b([0, 0, 0, 1, 0, 0, 1])
    assert crack_lithium_handover(c, lat).tolist() == [
        False, False, False, True, False, False, False]


def test_lateral_lithium_in_the_scan_before_the_run_does_not_matter():
    # only the run's last scan is checked for lithium of its own
    c = _b([0, 1, 1, 1, 0])
    lat = _b([1, 0, 0, 0, 1])
    assert crack_lithium_handover(c, lat).tolist() == [False, False, False, False, True]


def test_a_scan_without_crack_and_without_lateral_lithium_ends_nothing_it_did_not_start():
    # no lateral lithium in the scan after the run: no handover, and lithium two scans
    # later is lateral lithium (the run was broken)
    c = _b([1, 1, 1, 0, 0])
    lat = _b([0, 0, 0, 0, 1])
    assert not crack_lithium_handover(c, lat).any()


def test_the_first_scan_is_never_handed_over_and_inputs_may_be_numbers():
    assert crack_lithium_handover([0, 0], [1, 1]).tolist() == [False, False]
    # 0/1 numbers as well as bools (np.asarray(.., bool))
    assert crack_lithium_handover([2.0, 3.0, 4.0, 0.0], [0, 0, 0, 5.0]).tolist() == [
        False, False, False, True]


def test_persistence_of_the_scans_from_the_first_seen_one():
    assert _persistence(_b([0, 0, 0])) == 0.0
    assert _persistence(_b([0, 1, 0, 1])) == 2 / 3
    assert _persistence(_b([1, 0, 0, 0])) == 0.25


def test_morphology_counts_the_handover_and_its_persistence_exactly():
    crack = [0, 10.0, 12.0, 14.0, 0, 0, 0, 0]
    area = [0, 0, 0, 0, 50.0, 60.0, 0, 0]
    m = morphology_from_scans(crack, [0] * 8, area)
    assert m.crack_scans == 3
    assert m.crack_persistence == 3 / 7
    assert m.crack_handover_scans == 2
    assert m.crack_lithium_persistence == 5 / 7
    assert m.failure_persistence == 5 / 7


def test_morphology_without_handover_reports_none_and_the_crack_persistence():
    m = morphology_from_scans([0, 1.0, 1.0, 1.0, 0], [0] * 5, [0, 0, 0, 0, 0])
    assert m.crack_handover_scans == 0
    assert m.crack_lithium_persistence is None
    assert m.failure_persistence == 0.75
    # without an area: no handover either
    m = morphology_from_scans([0, 1.0, 1.0, 1.0, 0], [0] * 5)
    assert (m.crack_handover_scans, m.crack_lithium_persistence) == (0, None)


def test_morphology_unmeasured_area_is_no_lithium_and_n_hold_is_passed_on():
    crack = [1.0, 1.0, 1.0, 0, 0]
    # NaN area (not measured) is no lateral lithium: nothing to hand over
    m = morphology_from_scans(crack, [0] * 5, [0, 0, 0, np.nan, 5.0])
    assert m.crack_handover_scans == 0
    # a zero area is no lateral lithium either
    m = morphology_from_scans(crack, [0] * 5, [0, 0, 0, 0.0, 5.0])
    assert m.crack_handover_scans == 0
    m = morphology_from_scans(crack, [0] * 5, [0, 0, 0, 4.0, 5.0])
    assert m.crack_handover_scans == 2
    # any area > 0 is lithium (um2: a fraction of one is some)
    m = morphology_from_scans(crack, [0] * 5, [0, 0, 0, 0.5, 1.0])
    assert m.crack_handover_scans == 2
    # the morphology's n_hold is the run that confirms a crack
    m = morphology_from_scans(crack, [0] * 5, [0, 0, 0, 4.0, 5.0], n_hold=4)
    assert m.crack_handover_scans == 0
    m = morphology_from_scans(crack, [0] * 5, [0, 0, 0, 4.0, 5.0], n_hold=2)
    assert m.crack_handover_scans == 2


def test_failure_persistence_property():
    assert Morphology(crack_persistence=0.3).failure_persistence == 0.3
    assert Morphology(crack_persistence=0.3,
                      crack_lithium_persistence=0.8).failure_persistence == 0.8
    assert Morphology(crack_persistence=0.3,
                      crack_lithium_persistence=0.0).failure_persistence == 0.0


def _classify(m):
    return classify_failure(crack_length_um=40.0, lateral_extent_um=74.9,
                            touchdown_time_s=2.33, trace_short_circuit_time_s=2.52,
                            morphology=m, touchdown_by="front")


def test_the_rules_read_the_persistence_with_the_handover():
    # 4 crack scans of 6 (67 %) and 2 handed over (100 %): fracture either way, the
    # confidence and the evidence from the handover's figure
    m = morphology_from_scans([1.0, 1.0, 1.0, 1.0, 0, 0], [0] * 6, [0, 0, 0, 0, 9.0, 9.0])
    assert (m.crack_persistence, m.failure_persistence) == (4 / 6, 1.0)
    v = _classify(m)
    assert v.mode == "fracture"
    assert v.confidence == round(_margin_confidence(1.0, CRACK_MIN_PERSISTENCE), 3)
    assert v.confidence != round(_margin_confidence(4 / 6, CRACK_MIN_PERSISTENCE), 3)
    ev = [e for e in v.evidence if e["rule"] == "morphology"][0]
    assert ev["feature"] == "crack_persistence"
    assert ev["value"] == 1.0
    assert ("crack in 4 scans and 2 where its lithium was segmented as lateral lithium "
            "(100 % of the scans from its first on, needs 50 %)") in ev["text"]


def test_the_rules_at_the_threshold_and_the_text_without_handover():
    # exactly CRACK_MIN_PERSISTENCE with the handover (1 crack scan run of 3, then 1
    # handed over and 4 without): 4 of 8 = 50 % is persistent
    m = Morphology(crack_scans=3, crack_persistence=3 / 8, crack_handover_scans=1,
                   crack_lithium_persistence=CRACK_MIN_PERSISTENCE)
    v = _classify(m)
    assert v.mode == "fracture" and "through a persistent crack" in v.evidence[-1]["text"]
    m = Morphology(crack_scans=3, crack_persistence=0.6, crack_handover_scans=0)
    v = _classify(m)
    assert v.mode == "fracture"
    ev = [e for e in v.evidence if e["rule"] == "morphology"][0]
    assert "crack in 3 scans (60 % of the scans" in ev["text"]
    # a persistence without a crack scan is no crack
    m = Morphology(crack_scans=0, crack_persistence=0.0, crack_handover_scans=0,
                   crack_lithium_persistence=0.9, lateral_branches=0.0)
    v = _classify(m)
    assert (v.mode, v.confidence) == ("fracture", 0.75)  # one thin path, not persistent
    assert "through a persistent crack" not in v.evidence[-1]["text"]
