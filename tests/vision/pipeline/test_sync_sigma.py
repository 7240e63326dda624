"""A cue's stated uncertainty holds its known systematic errors (issue 13).

Each test builds a run whose cue is off by a known systematic, then asserts that the
truth lies within two of the cue's (or the combination's) standard uncertainties: a
two-sided 95 % interval, the level at which two cues are said to agree
(``AGREE_SIGMAS``). The systematics:

- the lithium a scan measures was scanned at its own rows, not at the scan's content
  time (its middle): anywhere within +-half a scan, the same in every scan;
- the touch-down a short circuit is matched with is found a scan early or late in
  the video, and the contact lies anywhere within the scan before it.
"""
import math

import numpy as np
import pytest
from test_sync_auto import SCAN_S, _volume, make_run

from vision.pipeline._sync import SCAN_FEATURE_CUES, _with_content_time, synchronise_auto
from vision.pipeline._sync_combine import low_confidence_warning
from vision.pipeline._sync_cues import AGREE_SIGMAS, Cue, short_circuit_cue

#: the requirement of every offset (issue 13): half a scan period
TOL_S = SCAN_S / 2


@pytest.mark.parametrize("frac", [-0.45, -0.25, 0.25, 0.45])
@pytest.mark.parametrize("seed", [0, 1])
def test_lithium_scanned_off_the_content_time_lies_within_two_sigma(frac, seed):
    # the whisker sits at rows scanned `frac` of a scan after the scan's middle: every
    # scan measures the volume of that moment, but is placed at the content time
    offset = 5.2
    tv, _, trace = make_run(offset, seed=seed)
    rng = np.random.default_rng(seed + 11)
    vol = _volume(tv + frac * SCAN_S)
    seen = vol + rng.normal(0.0, 0.002 * vol.max(), len(tv))
    est = synchronise_auto(tv, seen[:, None], trace)
    err = est.result.offset_s - offset
    assert abs(err) <= TOL_S + 0.1 * SCAN_S, err       # the estimate itself is not worse
    # the stated uncertainty holds the bias (the fit's curvature alone: 0.025 s here,
    # the bias up to 0.26 s)
    assert abs(err) <= AGREE_SIGMAS * est.sigma_s, (err, est.sigma_s)
    charge = [c for c in est.cues if c.name == "charge"][0]
    assert charge.sigma_s >= SCAN_S / math.sqrt(12.0)


def test_the_place_within_the_scan_is_added_to_the_scan_feature_cues_only():
    dt = 0.4
    for name in SCAN_FEATURE_CUES:
        cue = _with_content_time(Cue(name, offset_s=3.0, sigma_s=0.05), dt)
        assert cue.sigma_s == pytest.approx(math.hypot(0.05, dt / math.sqrt(12.0)))
        assert cue.offset_s == 3.0 and cue.name == name
    # the short circuit holds it already; a bound or a cue without estimate is unchanged
    for cue in (Cue("short_circuit", offset_s=3.0, sigma_s=0.05),
                Cue("onset", lo_s=1.0), Cue("charge", detail="no growth")):
        assert _with_content_time(cue, dt) == cue


@pytest.mark.parametrize("late_scans", [-1, 0, 1])
@pytest.mark.parametrize("frac", [0.02, 0.25, 0.5, 0.75, 0.98])
def test_a_touch_down_found_a_scan_late_or_early_lies_within_two_sigma(late_scans, frac):
    # contact at `frac` of a scan (video clock); the first scan that shows it is the
    # next one, found `late_scans` scans late (negative: early); the trace jumps at its
    # first sample after the contact
    offset, dt_trace, scan = 7.3, 0.1, 0.3
    contact_video = 10 * scan + frac * scan
    touch = (math.floor(contact_video / scan) + 1 + late_scans) * scan
    contact_trace = contact_video + offset
    first = (math.floor(contact_trace / dt_trace) + 1) * dt_trace
    cue = short_circuit_cue(first, touch, scan, dt_trace)
    assert abs(cue.offset_s - offset) <= AGREE_SIGMAS * cue.sigma_s, (cue.offset_s, cue.sigma_s)
    # and a uniform place within the scan alone is at least dt / sqrt 12
    assert cue.sigma_s >= scan / math.sqrt(12.0)


@pytest.mark.parametrize("fell_back", [True, False])
def test_a_low_confidence_alone_does_not_hide_the_lone_charge_cue_checks(monkeypatch, fell_back):
    # tuning seed 7060: a lone charge cue on a feature that falls back; with the place
    # within the scan in its sigma the combination's confidence dropped below 0.5 and its
    # generic warning stopped the specific check (confidence 0.46 instead of 0.3). The
    # combination is given here as such a generic low confidence
    import vision.pipeline._sync as sync
    from vision.pipeline._sync import SPLIT_CONFIDENCE
    from vision.pipeline._sync_combine import Combined
    offset = 6.0
    tv, f, trace = make_run(offset, seed=2)
    monkeypatch.setattr(sync, "combine_cues", lambda cues, dt, window_s=None: Combined(
        offset_s=offset, sigma_s=0.07, confidence=0.46, used=["charge"], warnings=[]))
    monkeypatch.setattr(sync, "_split_halves", lambda *args: None)
    monkeypatch.setattr(sync, "falls_back", lambda y: fell_back)
    est = synchronise_auto(tv, f, trace)
    if fell_back:
        # the specific message replaces the generic one, with its confidence
        assert len(est.warnings) == 1 and "falls back" in est.warnings[0], est.warnings
        assert est.result.confidence <= SPLIT_CONFIDENCE
    else:
        # without one the low confidence is worded by the caller, once
        assert est.warnings == [low_confidence_warning(offset, 0.46)], est.warnings
        assert est.result.confidence == pytest.approx(0.46)


def test_the_combination_leaves_a_low_confidence_alone_to_the_caller():
    from vision.pipeline._sync_combine import LOW_CONFIDENCE, combine_cues
    blunt = Cue("charge", offset_s=5.0, sigma_s=0.05, sharpness=0.2, adequate=True)
    comb = combine_cues([blunt], 0.5, window_s=30.0)
    assert comb.confidence < LOW_CONFIDENCE and comb.warnings == []
    assert low_confidence_warning(5.0, comb.confidence).startswith("sync confidence low")
    other = Cue("steps", offset_s=7.0, sigma_s=0.05, sharpness=0.9, adequate=True)
    comb = combine_cues([blunt, other], 0.5, window_s=30.0)
    assert any("disagree" in w for w in comb.warnings)         # a disagreement is specific
