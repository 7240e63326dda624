"""Wave 20's failure rules on drawn per-scan tables (wave 21, issue 16: mutation).

- Rows of one SEM scan (one content time) are one scan: their crack and lithium values are
  merged to the largest *finite* one (NaN only when no row measured it), so what the
  handover checks is what the scan showed, whichever row holds it.
- A crack counts only when the crack filter saw it in at least ``lateral_min_scans`` new
  scans (issue 11: "a crack needs the same persistence as lateral growth, at least 3 new
  scans"); exactly that many is enough; the evidence says when it was seen in fewer.
"""
import dataclasses

import numpy as np
import pytest

from vision.pipeline._failure import (
    DEFAULT_THRESHOLDS,
    HANDOVER_MIN_REACH_FRACTION,
    Morphology,
    classify_failure,
    morphology_from_scans,
)

NAN = np.nan
PX = 0.1   # um per px

# a crack in scans 0-2 (scan 2 read in two rows: a partial refresh and its completion),
# then lateral lithium from scan 3 on; the crack's tip 10 um beyond the rim
T = [0.0, 1.0, 2.0, 2.0, 3.0, 4.0]
CRACK = [4.0, 8.0, 12.0, 12.0, 0.0, 0.0]
AREA = [0.0, 0.0, 0.0, 0.0, 50.0, 60.0]
BRANCHES = [0] * 6


def _handed(crack_reach, lateral_reach, area=AREA, crack=CRACK):
    m = morphology_from_scans(crack, BRANCHES, area, scan_time_s=T, crack_reach_um=crack_reach,
                              lateral_reach_um=lateral_reach, pixel_size_um=PX)
    return m.crack_handover_scans


@pytest.mark.parametrize("rows", [(NAN, 10.0), (10.0, NAN), (3.0, 10.0), (10.0, 3.0)])
def test_the_scans_crack_reach_is_its_largest_measured_row(rows):
    crack_reach = [2.0, 6.0, *rows, NAN, NAN]
    # the lithium reaches 7 um: short of 80 % of the 10 um tip, whichever row holds it
    assert _handed(crack_reach, [NAN, NAN, NAN, NAN, 7.0, 9.0]) == 0
    # and 8 um (80 %) is the crack's lithium: both later scans handed over
    assert _handed(crack_reach, [NAN, NAN, NAN, NAN, HANDOVER_MIN_REACH_FRACTION * 10.0, 9.0]) == 2


def test_a_scan_whose_rows_measured_nothing_is_not_checked():
    # no row of the last crack scan measured the tip: the reach is not checked
    assert _handed([2.0, 6.0, NAN, NAN, NAN, NAN], [NAN, NAN, NAN, NAN, 0.5, 9.0]) == 2


def test_the_scans_lateral_area_and_reach_are_its_largest_rows():
    t = [0.0, 1.0, 2.0, 3.0, 3.0, 4.0]
    crack = [4.0, 8.0, 12.0, 0.0, 0.0, 0.0]
    # scan 3 in two rows: the first with too little lithium for a 12 um path (12 um x 1 px
    # = 1.2 um2) and no reach, the second with enough, reaching the tip
    area = [0.0, 0.0, 0.0, 0.5, 50.0, 60.0]
    reach = [NAN, NAN, NAN, NAN, 9.5, 9.5]
    m = morphology_from_scans(crack, BRANCHES, area, scan_time_s=t,
                              crack_reach_um=[2.0, 6.0, 10.0, NAN, NAN, NAN],
                              lateral_reach_um=reach, pixel_size_um=PX)
    assert m.crack_handover_scans == 2     # scans 3 and 4 (rows 3-5)
    assert m.lateral_scans == 2            # two scans, three rows
    assert m.crack_scans == 3
    # rows of one scan merged for the area too: a scan of 0.5 and 0.0 um2 rows has lithium
    m = morphology_from_scans(crack, BRANCHES, [0.0, 0.0, 0.0, 0.5, 0.0, 0.0], scan_time_s=t)
    assert m.lateral_scans == 1


def test_without_content_times_every_row_is_a_scan():
    m = morphology_from_scans(CRACK, BRANCHES, AREA)
    assert m.crack_scans == 4 and m.lateral_scans == 2
    m = morphology_from_scans([], [], [], scan_time_s=[])
    assert m.crack_scans == 0 and m.lateral_scans == 0


def _verdict(crack_scans, thresholds=DEFAULT_THRESHOLDS):
    # a crack and a branching cluster both seen (7085's kind): the crack is the cause only
    # when it counts as one
    m = Morphology(crack_scans=crack_scans, crack_persistence=1.0 if crack_scans else 0.0,
                   lateral_branches=16.0, lateral_scans=10)
    return classify_failure(crack_length_um=20.0, lateral_extent_um=50.0,
                            trace_short_circuit_time_s=10.0, morphology=m,
                            thresholds=thresholds)


def test_a_crack_seen_in_exactly_the_scans_it_needs_is_the_cause():
    n = DEFAULT_THRESHOLDS.lateral_min_scans
    assert n == 3   # issue 11
    v = _verdict(n)
    assert v.mode == "fracture"
    assert "fewer than" not in v.evidence[-1]["text"]
    assert f"crack in {n} scans (" in v.evidence[-1]["text"]


def test_a_crack_seen_in_fewer_scans_is_not_and_the_evidence_says_why():
    v = _verdict(2)
    assert v.mode == "lateral_growth"
    assert "crack in 2 scans, fewer than the 3 a crack needs (" in v.evidence[-1]["text"]
    # the scans it needs are the thresholds'
    four = dataclasses.replace(DEFAULT_THRESHOLDS, lateral_min_scans=4)
    v = _verdict(3, four)
    assert v.mode == "lateral_growth"
    assert "crack in 3 scans, fewer than the 4 a crack needs (" in v.evidence[-1]["text"]
    assert _verdict(4, four).mode == "fracture"
    # no crack at all: nothing about too few scans
    assert "fewer than" not in _verdict(0).evidence[-1]["text"]


def test_a_crack_seen_once_is_too_few_scans_too():
    assert "crack in 1 scans, fewer than the 3 a crack needs (" in _verdict(1).evidence[-1]["text"]


def test_the_handover_checks_the_area_against_the_cracks_last_length():
    # the crack grows 4 -> 8 -> 12 um; the next scan's lithium covers 1.0 um2: less than the
    # last length's path (12 um x 1 px of 0.1 um = 1.2 um2), more than the one before (0.8)
    t = [0.0, 1.0, 2.0, 3.0, 4.0]
    crack = [4.0, 8.0, 12.0, 0.0, 0.0]
    m = morphology_from_scans(crack, [0] * 5, [0.0, 0.0, 0.0, 1.0, 60.0], scan_time_s=t,
                              pixel_size_um=PX)
    assert m.crack_handover_scans == 0
    m = morphology_from_scans(crack, [0] * 5, [0.0, 0.0, 0.0, 1.25, 60.0], scan_time_s=t,
                              pixel_size_um=PX)
    assert m.crack_handover_scans == 2


def test_a_scan_whose_rows_all_lack_a_value_has_none():
    # scan 0 in two rows, neither with a crack length or a lithium area (NaN): no crack and
    # no lithium in it; the crack from scan 1 on persists in 3 of its 3 scans
    m = morphology_from_scans([NAN, NAN, 2.0, 2.0, 2.0], [0] * 5, [NAN, NAN, 0.0, 0.0, 1.0],
                              scan_time_s=[0.0, 0.0, 1.0, 2.0, 3.0])
    assert (m.crack_scans, m.crack_persistence, m.lateral_scans) == (3, 1.0, 1)
