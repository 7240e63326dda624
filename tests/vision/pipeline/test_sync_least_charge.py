"""The lone charge cue's least-charge check: a fit that gives every feature its least charge.

Constructed runs with a known offset (``test_sync_auto.make_run``); tolerances from
issue 13: an offset within half a scan period, or warned with a confidence below 0.5.
"""
from dataclasses import replace

import numpy as np
import pytest
from test_sync_auto import TOL_S, _cue, make_run

from vision.pipeline._sync import (
    CHARGE_PER_UM3_C,
    MIN_SEEN_VOLUME_FRACTION,
    _at_least_charge,
    synchronise_auto,
)
from vision.pipeline._sync_combine import LOW_CONFIDENCE, SINGLE_CUE_CONFIDENCE


def test_at_least_charge_is_every_fitted_feature_on_its_bound():
    mins = np.array([MIN_SEEN_VOLUME_FRACTION, 0.02]) * CHARGE_PER_UM3_C
    assert _at_least_charge(tuple(mins), mins)
    assert _at_least_charge((mins[0], float("nan")), mins)        # a feature left out
    assert not _at_least_charge((mins[0], 0.5 * CHARGE_PER_UM3_C), mins)
    assert not _at_least_charge((2.0 * CHARGE_PER_UM3_C,), mins[:1])
    assert not _at_least_charge(None, mins)
    assert not _at_least_charge(tuple(mins), np.zeros(2))         # no least charge set


@pytest.mark.parametrize("seed", [0, 1, 2, 4, 5])
def test_a_lone_charge_cue_that_gives_the_lithium_seen_only_its_least_charge_is_warned(
        monkeypatch, seed):
    import vision.pipeline._sync as sync
    # isolated from the lone cue's other checks (residuals, halves, falls back: their own
    # tests), which the tuning scenes' such cues passed (7012, 7067, 7087: residuals
    # adequate, scans off)
    charge = sync._charge_with_leakage
    monkeypatch.setattr(sync, "_charge_with_leakage",
                        lambda *a, **k: replace(charge(*a, **k), adequate=True))
    monkeypatch.setattr(sync, "_split_halves", lambda *args: None)
    monkeypatch.setattr(sync, "falls_back", lambda y: False)
    offset = 6.0
    tv, f, trace = make_run(offset, seed=seed)
    clean = synchronise_auto(tv, f, trace)
    # the lithium seen in full (twice its volume plated, the unseen deposit) is not doubted
    assert abs(clean.result.offset_s - offset) <= TOL_S
    assert not any("least charge" in w for w in clean.warnings), clean.warnings
    if seed == 2:  # a sharp minimum: trusted (the others' blunter ones are below 0.5 alone)
        assert clean.warnings == [] and clean.result.confidence > LOW_CONFIDENCE
    # the video shows seven times the volume the trace plates (a track of more than the
    # lithium: 2/7 um3 of lithium per um3 seen, below the least MIN_SEEN_VOLUME_FRACTION):
    # the fit gives the whisker volume only its least charge, and the offset is doubted
    est = synchronise_auto(tv, f * 7.0, trace)
    scale = _cue(est, "charge").scales_C[0] / CHARGE_PER_UM3_C
    assert scale == pytest.approx(MIN_SEEN_VOLUME_FRACTION, rel=1e-3)
    assert est.result.confidence <= SINGLE_CUE_CONFIDENCE
    assert len(est.warnings) == 1 and "least charge" in est.warnings[0], est.warnings
