"""When cues disagree: a cue's distance to the offset against its own uncertainty (issue 13).

A cue left out of the combined group tells the offset wrong only when it lies further
from it than a scan and than two standard uncertainties of the difference: a cue as wide
as its distance (a step cue of +-4 scans, 8 scans off) cannot tell a right offset wrong,
and a warning on it is noise to the user (tuning: right offsets warned for wide step
and contact-area cues). A precise cue that far, or members of the group more than a scan
apart, still disagree: warned, confidence below 0.5. Truth: the offset the cues were
placed around; requirement half a scan.
"""
import pytest

from vision.pipeline._sync_combine import LOW_CONFIDENCE, combine_cues
from vision.pipeline._sync_cues import Cue

SCAN_S = 0.5
WINDOW_S = 40.0
TRUTH_S = 10.0


def _right_pair(seed):
    # the short circuit and the charge cue within a fifth of a scan of the truth
    d = 0.1 * SCAN_S * ((seed % 3) - 1)
    return [Cue("short_circuit", offset_s=TRUTH_S + d, sigma_s=0.87 * SCAN_S),
            Cue("charge", offset_s=TRUTH_S - d, sigma_s=0.3 * SCAN_S, sharpness=0.9,
                adequate=True)]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("far_scans, sigma_scans", [(8.0, 4.5), (-20.0, 11.0), (3.0, 2.0)])
def test_a_wide_cue_within_its_own_uncertainty_is_no_disagreement(seed, far_scans,
                                                                  sigma_scans):
    wide = Cue("steps", offset_s=TRUTH_S + far_scans * SCAN_S, sigma_s=sigma_scans * SCAN_S,
               sharpness=0.1, adequate=True)
    comb = combine_cues(_right_pair(seed) + [wide], SCAN_S, window_s=WINDOW_S)
    assert abs(comb.offset_s - TRUTH_S) <= SCAN_S / 2
    # the wide cue moves the offset by less than the precise pair's uncertainty
    alone = combine_cues(_right_pair(seed), SCAN_S, window_s=WINDOW_S)
    assert abs(comb.offset_s - alone.offset_s) <= alone.sigma_s
    assert not comb.warnings and comb.confidence >= LOW_CONFIDENCE, comb


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("far_scans", [3.0, -8.0])
def test_a_precise_cue_far_from_the_offset_disagrees(seed, far_scans):
    precise = Cue("steps", offset_s=TRUTH_S + far_scans * SCAN_S, sigma_s=0.3 * SCAN_S,
                  sharpness=0.9, adequate=True)
    comb = combine_cues(_right_pair(seed) + [precise], SCAN_S, window_s=WINDOW_S)
    assert any("disagree" in w for w in comb.warnings)
    assert comb.confidence < LOW_CONFIDENCE


def test_members_of_the_group_more_than_a_scan_apart_disagree():
    # agreeing within two combined sigmas but 1.6 scans apart: the offset lies between
    # them, possibly more than a scan from the truth
    cues = [Cue("short_circuit", offset_s=TRUTH_S, sigma_s=0.87 * SCAN_S),
            Cue("charge", offset_s=TRUTH_S + 1.6 * SCAN_S, sigma_s=0.3 * SCAN_S,
                sharpness=0.9, adequate=True)]
    comb = combine_cues(cues, SCAN_S, window_s=WINDOW_S)
    assert sorted(comb.used) == ["charge", "short_circuit"]
    assert any("disagree" in w for w in comb.warnings)
    assert comb.confidence < LOW_CONFIDENCE
