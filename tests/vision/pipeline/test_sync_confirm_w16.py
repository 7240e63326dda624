"""Only a cue that resolves a scan confirms another (issue 13: honest confidence).

A cue whose standard uncertainty spans several scans agrees with any estimate
within its width: it cannot tell whether a precise cue is right to half a scan,
so its agreement must not lift the precise cue above the "do not trust" level
(tuning seed 7002: a touch-down placed 0.8 scan late, beside a charge cue of
+-13 scans, was reported at confidence 0.85).
"""
from __future__ import annotations

import numpy as np
import pytest

from vision.pipeline._sync_combine import LOW_CONFIDENCE, combine_cues
from vision.pipeline._sync_cues import Cue

#: issue 13: an offset within half a scan period is right
HALF_SCAN = 0.5
SEEDS = range(6)


def _scene(seed):
    """A scan period (s), the true offset (s) and a search window (s) of a random scene."""
    rng = np.random.default_rng(seed)
    return float(rng.uniform(0.1, 1.0)), float(rng.uniform(-30.0, 30.0)), float(rng.uniform(20, 60))


@pytest.mark.parametrize("seed", SEEDS)
def test_a_wide_cue_that_agrees_does_not_confirm_a_precise_one_a_scan_off(seed):
    period, true, window = _scene(seed)
    rng = np.random.default_rng(100 + seed)
    # the short circuit placed 0.6-0.9 scan off with a stated uncertainty of 0.3 scan
    wrong = true + rng.choice([-1, 1]) * rng.uniform(0.6, 0.9) * period
    short = Cue("short_circuit", offset_s=wrong, sigma_s=0.3 * period)
    # the charge cue: right on average but 5-20 scans wide, so it agrees with the short
    width = rng.uniform(5.0, 20.0) * period
    charge = Cue("charge", offset_s=true + rng.normal(0.0, 0.5) * width, sigma_s=width,
                 sharpness=float(rng.uniform(0.5, 1.0)), adequate=True)
    comb = combine_cues([short, charge], period, window_s=window)
    assert abs(comb.offset_s - true) > HALF_SCAN * period  # the offset is wrong ...
    assert comb.confidence < LOW_CONFIDENCE                # ... and not trusted
    assert any("too wide to tell a scan" in w for w in comb.warnings)


@pytest.mark.parametrize("seed", SEEDS)
def test_two_cues_that_each_resolve_a_scan_still_confirm_each_other(seed):
    period, true, window = _scene(seed)
    rng = np.random.default_rng(200 + seed)
    short = Cue("short_circuit", offset_s=true + rng.uniform(-0.2, 0.2) * period,
                sigma_s=0.3 * period)
    charge = Cue("charge", offset_s=true + rng.uniform(-0.2, 0.2) * period,
                 sigma_s=0.3 * period, sharpness=0.9, adequate=True)
    wide = Cue("steps", offset_s=true + rng.uniform(-3, 3) * period, sigma_s=8.0 * period,
               sharpness=1.0, adequate=True)
    comb = combine_cues([short, charge, wide], period, window_s=window)
    assert abs(comb.offset_s - true) <= HALF_SCAN * period
    assert comb.confidence >= LOW_CONFIDENCE
    assert not comb.warnings


@pytest.mark.parametrize("seed", SEEDS)
def test_a_wide_cue_lends_no_sharpness_to_a_precise_one(seed):
    period, true, window = _scene(seed)
    rng = np.random.default_rng(300 + seed)
    # a charge cue whose cost has a second minimum nearly as low (sharpness 0.2) ...
    charge = Cue("charge", offset_s=true, sigma_s=0.2 * period, sharpness=0.2, adequate=True)
    alone = combine_cues([charge], period, window_s=window)
    # ... is not made sharper by a contact-area cue 10 scans wide with a sharp minimum
    wide = Cue("contact_area", offset_s=true + rng.uniform(-5, 5) * period,
               sigma_s=10.0 * period, sharpness=1.0, adequate=True)
    both = combine_cues([charge, wide], period, window_s=window)
    assert both.confidence == pytest.approx(alone.confidence, abs=0.02)
