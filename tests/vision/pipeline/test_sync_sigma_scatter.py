"""The combined sync sigma covers the cues' own scatter (issue 13: a sync sigma that means something).

Two cues that agree (within half a scan) but lie further apart than their sigmas allow
say that at least one sigma is too small: the inverse-variance sigma of their mean,
``1 / sqrt(sum w)``, then claims more than either cue. The sigma is scaled by the
Birge ratio ``sqrt(chi2 / (m - 1))`` when above 1 (the Particle Data Group's rule).
Truth: the offset the cues were drawn about. Requirement: the truth within two
stated sigmas (about 95 % for an honest sigma); the offset itself does not move.
"""
import math

import numpy as np
import pytest

from vision.pipeline._sync_combine import combine_cues
from vision.pipeline._sync_cues import Cue

SCAN_S = 1.0
WINDOW_S = 30.0


def _pair(a_s, b_s, sigma_s):
    return [Cue("charge", offset_s=a_s, sigma_s=sigma_s, sharpness=0.9, adequate=True),
            Cue("steps", offset_s=b_s, sigma_s=sigma_s, sharpness=0.9, adequate=True)]


@pytest.mark.parametrize("truth_at", [0, 1])
def test_either_cue_right_lies_within_two_sigmas(truth_at):
    # two cues 0.3 s apart (within half a scan: they agree and are averaged), each
    # claiming +-0.1 s; the truth is one of them. The plain sigma of the mean, 0.071 s,
    # leaves it 2.1 sigmas away (main); scaled by the scatter it lies within one
    cues = _pair(10.0, 10.3, 0.1)
    comb = combine_cues(cues, SCAN_S, window_s=WINDOW_S)
    truth = cues[truth_at].offset_s
    assert comb.offset_s == pytest.approx(10.15, abs=1e-9)
    assert abs(comb.offset_s - truth) <= 2.0 * comb.sigma_s


def test_honest_cues_keep_their_coverage():
    # cues whose stated sigmas are right: the scaling must not make the sigma useless
    # (at most the chi-square's own spread) nor below the requirement's 95 % (90 % on
    # 400 draws, the binomial allowance)
    rng = np.random.default_rng(11)
    hits, ratios = [], []
    for _ in range(400):
        s1, s2 = 0.1, 0.15
        cues = [Cue("charge", offset_s=5.0 + s1 * rng.standard_normal(), sigma_s=s1,
                    sharpness=0.9, adequate=True),
                Cue("steps", offset_s=5.0 + s2 * rng.standard_normal(), sigma_s=s2,
                    sharpness=0.9, adequate=True)]
        comb = combine_cues(cues, 4.0, window_s=WINDOW_S)
        hits.append(abs(comb.offset_s - 5.0) <= 2.0 * comb.sigma_s)
        ratios.append(comb.sigma_s * math.sqrt(1 / s1 ** 2 + 1 / s2 ** 2))
    assert np.mean(hits) >= 0.90
    assert np.median(ratios) == pytest.approx(1.0)


def test_lone_cue_keeps_its_sigma():
    comb = combine_cues(_pair(10.0, 10.3, 0.1)[:1], SCAN_S, window_s=WINDOW_S)
    assert comb.sigma_s == pytest.approx(0.1)
