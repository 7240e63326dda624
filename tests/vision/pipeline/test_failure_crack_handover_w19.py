"""A crack whose lithium the segmentation takes as lateral lithium is still a crack (wave 19).

The per-scan tables are the ones `semtrack analyze` measured on tuning scene 5044 (main
8079c8a, `/work/tuneresults/c18b_res5000/bank-v1/5044/frames.csv`, new scans from
1.33 s on): a lithium-filled transgranular crack, truth ``fracture``, seen by the crack
filter in 4 scans growing ~11 um a scan; from the next scan on the lithium segmentation
takes the crack's (bright, filled) lithium and reports it as "lateral lithium" with
34-53 skeleton tips, while the crack filter no longer reports it. Main counted the crack
in 4 of 11 scans (36 % < 50 %) and called the short circuit ``lateral_growth``.
"""
import numpy as np

from vision.pipeline._failure import (
    CRACK_MIN_PERSISTENCE,
    classify_failure,
    morphology_from_scans,
)

# scene 5044, new scans 1.33-3.17 s: crack path length (um), lateral lithium area (um2),
# lateral branch tips
CRACK_5044 = [0, 19.63, 31.22, 41.50, 53.38, 0, 0, 0, 0, 0, 0, 0]
AREA_5044 = [0, 0, 0, 0, 0, 192.3, 306.4, 278.5, 361.5, 382.3, 344.5, 368.4]
BRANCHES_5044 = [0, 0, 0, 0, 0, 51, 53, 43, 44, 44, 34, 50]
# its touch-down (the "front" reached the counter electrode at 2.33 s) and the trace's short
TOUCH_5044_S, TRACE_SHORT_5044_S = 2.33, 2.52


def _verdict(crack, branches, area):
    m = morphology_from_scans(crack, branches, area)
    return classify_failure(crack_length_um=max(crack), lateral_extent_um=74.9,
                            touchdown_time_s=TOUCH_5044_S,
                            trace_short_circuit_time_s=TRACE_SHORT_5044_S, morphology=m,
                            touchdown_by="front"), m


def test_crack_lithium_taken_as_lateral_lithium_is_fracture_5044():
    v, m = _verdict(CRACK_5044, BRANCHES_5044, AREA_5044)
    assert (v.mode, v.short_circuit) == ("fracture", True)  # the scene's truth
    # the crack filter's own count is unchanged (what the growth mode `crack` reads)
    assert m.crack_scans == 4
    assert m.crack_persistence < CRACK_MIN_PERSISTENCE


def test_a_young_lateral_trunk_taken_for_a_crack_for_two_scans_stays_lateral():
    # the same tables with the "crack" seen in two scans only before the front: a
    # flash on the thin first trunk of a lateral front, not a confirmed crack run
    crack = [0, 0, 0, 41.50, 53.38, 0, 0, 0, 0, 0, 0, 0]
    v, m = _verdict(crack, BRANCHES_5044, AREA_5044)
    assert m.crack_handover_scans == 0
    assert v.mode == "lateral_growth"


def test_lateral_lithium_already_beside_the_crack_is_not_handed_over():
    # lateral lithium present in the last crack scan is lithium of its own
    area = list(AREA_5044)
    area[4] = 150.0
    branches = list(BRANCHES_5044)
    branches[2:5] = [40, 40, 40]
    area[2:4] = [100.0, 120.0]
    v, m = _verdict(CRACK_5044, branches, area)
    assert m.crack_handover_scans == 0
    assert v.mode == "lateral_growth"


def test_handover_ends_when_the_lateral_lithium_goes_or_the_crack_returns():
    from vision.pipeline._failure import crack_lithium_handover
    c = np.array([1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0], bool)
    lat = np.array([0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1], bool)
    assert crack_lithium_handover(c, lat).tolist() == [
        False, False, False, True, True, False, False, False, False, True, True]
    # a crack run shorter than n_hold hands nothing over
    assert not crack_lithium_handover(c, lat, n_hold=4).any()
    # the crack coming back ends the handover; lithium then beside the crack is its own
    c2 = np.array([1, 1, 1, 0, 1, 0], bool)
    lat2 = np.array([0, 0, 0, 1, 1, 1], bool)
    assert crack_lithium_handover(c2, lat2).tolist() == [
        False, False, False, True, False, False]
