"""The short-circuit cue's contact placed between the scans by the approach (issue 13).

A lateral front or a crack grows toward the counter electrode and stops there: its
progress per scan (a snapshot at the scan's content time) rises on a line and holds
from the contact on. The scans only say that the contact came in the period before
the first scan that shows it, and the tracker may find that scan a whole scan early
or late; the approach's line meeting the held value places it within the period.
The requirement is half a scan period on the offset (issue 13): the tolerance of
every contact time and offset asserted here.
"""
import math

import numpy as np
import pandas as pd
import pytest
from test_sync_auto import SCAN_S, TOL_S, make_run

from vision.pipeline._analyze import _approach_series
from vision.pipeline._sync import synchronise_auto
from vision.pipeline._sync_cues import (
    APPROACH_MODEL_VAR_SCANS2,
    TOUCHDOWN_VAR_SCANS2,
    Cue,
    approach_contact,
    short_circuit_cue,
)


def _approach(tc, *, seed, dt=SCAN_S, speed_um_s=3.0, noise_um=0.05, duration_s=24.0):
    """Scan content times and the progress (um) of a front that meets the counter electrode at tc."""
    rng = np.random.default_rng(seed)
    tv = np.arange(0.0, duration_s, dt)
    y = 5.0 + speed_um_s * np.minimum(tv, tc) + rng.normal(0.0, noise_um, len(tv))
    return tv, y


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("found", [-1, 0, 1])
def test_the_approach_places_the_contact_within_half_a_scan(seed, found):
    rng = np.random.default_rng(seed)
    tc = 12.0 + rng.uniform(0.0, SCAN_S)
    tv, y = _approach(tc, seed=seed, speed_um_s=rng.uniform(1.0, 6.0))
    # the first scan that shows the contact, or the one before / after (found a scan off)
    first = float(tv[tv >= tc][0]) + found * SCAN_S
    got = approach_contact(tv, y, first, SCAN_S)
    assert got is not None
    t_contact, sigma = got
    assert abs(t_contact - tc) <= TOL_S, (t_contact, tc)
    # the straight approach's own limit is part of the uncertainty
    assert sigma >= math.sqrt(APPROACH_MODEL_VAR_SCANS2) * SCAN_S
    assert abs(t_contact - tc) <= 2 * sigma


def test_no_approach_without_a_rise_toward_the_contact():
    tv = np.arange(0.0, 24.0, SCAN_S)
    flat = np.full(len(tv), 7.0)
    assert approach_contact(tv, flat, 12.0, SCAN_S) is None
    # a quantity that falls toward the touch-down and holds is no approach
    falling = 30.0 - 2.0 * np.minimum(tv, 11.8)
    assert approach_contact(tv, falling, 12.0, SCAN_S) is None
    # too few scans measured near the touch-down
    y = 5.0 + 3.0 * np.minimum(tv, 11.8)
    y[np.abs(tv - 12.0) > 1.0] = np.nan
    assert approach_contact(tv, y, 12.0, SCAN_S) is None


def test_the_short_circuit_cue_weighs_the_contact_with_the_touch_down_scan():
    td, dt, dt_trace, short = 20.5, SCAN_S, 0.1, 27.0
    plain = short_circuit_cue(short, td, dt, dt_trace)
    contact = (20.31, 0.16)
    cue = short_circuit_cue(short, td, dt, dt_trace, contact=contact)
    scan_var = dt ** 2 / 12.0 + TOUCHDOWN_VAR_SCANS2 * dt ** 2
    w1, w2 = 1.0 / scan_var, 1.0 / contact[1] ** 2
    video = ((td - dt / 2) * w1 + contact[0] * w2) / (w1 + w2)
    assert cue.offset_s == pytest.approx((short - dt_trace / 2) - video, abs=1e-12)
    assert cue.sigma_s == pytest.approx(math.sqrt(1.0 / (w1 + w2) + dt_trace ** 2 / 12.0))
    assert cue.sigma_s < plain.sigma_s
    assert "approach" in cue.detail


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("found", [-1, 1])
def test_a_touch_down_found_a_scan_off_is_placed_by_the_approach(seed, found):
    # the contact at 20.3 s (video clock); the tracker reports the touch-down a scan
    # before or after the first scan that shows it: the scan's midpoint alone is then
    # more than half a scan off, the approach of the front puts it back
    offset, contact = 6.4, 20.3 + 0.05 * seed
    tv, _, trace = make_run(offset, seed=seed, short_at_video_s=contact)
    jump_trace = float(trace["time_s"][trace["current_A"] <= -2e-6].iloc[0])
    touch_video = float(tv[tv >= contact][0]) + found * SCAN_S
    _, front = _approach(contact, seed=seed)
    alone = synchronise_auto(tv, np.zeros((len(tv), 1)), trace, until_trace_s=jump_trace,
                             until_video_s=touch_video)
    assert abs(alone.result.offset_s - offset) > TOL_S
    est = synchronise_auto(tv, np.zeros((len(tv), 1)), trace, until_trace_s=jump_trace,
                           until_video_s=touch_video, approach=[(tv, front)])
    assert abs(est.result.offset_s - offset) <= TOL_S, est.result
    # a series that gives no approach (a flat crack length) is passed over
    both = synchronise_auto(tv, np.zeros((len(tv), 1)), trace, until_trace_s=jump_trace,
                            until_video_s=touch_video,
                            approach=[(tv, np.zeros(len(tv))), (tv, front)])
    assert both.result.offset_s == pytest.approx(est.result.offset_s, abs=1e-12)


def _crack_frames(contact, *, seed, dt=SCAN_S, duration_s=24.0):
    """Tracked frames of a crack whose tip stops at the counter electrode at `contact`
    (video clock, s) while its branches go on lengthening; torn frames repeat a scan."""
    rng = np.random.default_rng(seed)
    tv = np.arange(0.0, duration_s, dt)
    travel = 4.0 * np.clip(tv - 3.0, 0.0, contact - 3.0)           # um along the main path
    branches = 2.5 * np.clip(tv - contact, 0.0, None)               # um after the contact
    on = tv >= 3.0
    x = np.where(on, 40.0 + 0.8 * travel, np.nan) + rng.normal(0.0, 0.03, len(tv))
    y = np.where(on, 60.0 - 0.6 * travel, np.nan) + rng.normal(0.0, 0.03, len(tv))
    frames = pd.DataFrame({"content_time_s": tv, "front_distance_um": np.nan,
                           "crack_length_um": np.where(on, travel + branches, 0.0),
                           "crack_tip_x_um": x, "crack_tip_y_um": y})
    # a torn frame before the complete one of every fifth scan: the stale values of the
    # scan before under the new content time
    cols = ["crack_length_um", "crack_tip_x_um", "crack_tip_y_um"]
    torn = frames.iloc[5::5].copy()
    torn[cols] = frames[cols].shift(1).iloc[5::5].to_numpy()
    torn["order"], frames["order"] = 0, 1
    rows = pd.concat([torn, frames]).sort_values(["content_time_s", "order"])
    return tv, rows.drop(columns="order").reset_index(drop=True), travel


def test_the_crack_tip_travel_is_an_approach_series():
    tv, frames, travel = _crack_frames(15.2, seed=1)
    series = _approach_series(frames)
    # one row per scan, the complete frame's (the last of the scan's rows; a torn
    # frame's stale tip would be 2 um short)
    for t, _ in series:
        np.testing.assert_array_equal(t, tv)
    tip = series[-1][1]
    np.testing.assert_allclose(tip[tv >= 3.5], travel[tv >= 3.5], atol=0.2)
    assert np.isnan(tip[tv < 3.0]).all()


@pytest.mark.parametrize("seed", range(4))
def test_a_branched_crack_is_placed_by_its_tip_not_its_length(seed):
    # the crack's length goes on growing with its branches after the contact: its kink is
    # no plateau; the tip's travel stops at the counter electrode
    offset, contact = 6.4, 15.2 + 0.07 * seed
    tv, _, trace = make_run(offset, seed=seed, short_at_video_s=contact)
    jump_trace = float(trace["time_s"][trace["current_A"] <= -2e-6].iloc[0])
    touch_video = float(tv[tv >= contact][0]) + SCAN_S            # found a scan late
    _, frames, _ = _crack_frames(contact, seed=seed)
    est = synchronise_auto(tv, np.zeros((len(tv), 1)), trace, until_trace_s=jump_trace,
                           until_video_s=touch_video, approach=_approach_series(frames))
    assert abs(est.result.offset_s - offset) <= TOL_S, est.result


@pytest.mark.parametrize("beyond_s", [0.0, 4.0, 9.0])
def test_a_charge_cue_that_puts_its_scans_after_the_short_is_not_combined(monkeypatch, beyond_s):
    # the charge cue's estimate (monkeypatched: the match of the video's growth with the
    # short's current) maps scans it fitted, all before the touch-down, after the trace's
    # short circuit: its model does not hold there, it is reported but not weighed against
    # the short circuit (no disagreement). An estimate at the true offset stays combined.
    from vision.pipeline import _sync

    offset, contact = 6.4, 20.3
    tv, f, trace = make_run(offset, seed=5, short_at_video_s=contact)
    jump_trace = float(trace["time_s"][trace["current_A"] <= -2e-6].iloc[0])
    touch_video = float(tv[tv >= contact][0])
    wrong = Cue("charge", offset_s=offset + beyond_s, sigma_s=0.05, sharpness=0.9, adequate=True)
    monkeypatch.setattr(_sync, "_charge_with_leakage", lambda *a, **k: wrong)
    est = synchronise_auto(tv, f, trace, until_trace_s=jump_trace, until_video_s=touch_video)
    charge = next(c for c in est.cues if c.name == "charge")
    last_fitted = float(tv[tv < touch_video].max())
    after = last_fitted + charge.offset_s - 2 * 0.05 > jump_trace
    assert after == (beyond_s > 0)
    assert (charge.informative is False) == after
    assert abs(est.result.offset_s - offset) <= TOL_S, est.result
    if after:
        assert not any("disagree" in w for w in est.warnings), est.warnings
        assert "after the trace's short circuit" in charge.detail


@pytest.mark.parametrize("adequate, why", [(None, "no residuals to check it by"),
                                            (False, "structured residuals")])
def test_a_lone_cue_is_warned_for_what_it_lacks(adequate, why):
    # a short circuit placed by the approach is known to a third of a scan: still nothing
    # but itself checks it (a touch-down found scans off would go unseen), so it is
    # warned, with the reason it has; a lone fitted cue is blamed on its residuals
    from vision.pipeline._sync_combine import SINGLE_CUE_CONFIDENCE, combine_cues

    cue = Cue("short_circuit", offset_s=6.4, sigma_s=0.3 * SCAN_S, adequate=adequate)
    comb = combine_cues([cue], SCAN_S, window_s=30.0)
    assert comb.offset_s == pytest.approx(6.4)
    assert len(comb.warnings) == 1 and why in comb.warnings[0], comb.warnings
    assert comb.confidence <= SINGLE_CUE_CONFIDENCE


def test_an_agreeing_fitted_cue_does_not_lower_the_short_circuits_confidence():
    # the short circuit has no cost curve (sharpness None: one event in each clock, no
    # second-best offset); a charge cue that agrees, with a flat cost (sharpness 0.05),
    # confirms it and must not make the pair less trusted than a lone cue
    from vision.pipeline._sync_combine import LOW_CONFIDENCE, combine_cues

    short = Cue("short_circuit", offset_s=6.40, sigma_s=0.3 * SCAN_S)
    charge = Cue("charge", offset_s=6.45, sigma_s=0.3 * SCAN_S, sharpness=0.05, adequate=True)
    comb = combine_cues([short, charge], SCAN_S, window_s=30.0)
    assert set(comb.used) == {"short_circuit", "charge"}
    assert abs(comb.offset_s - 6.4) <= TOL_S
    sigma = 0.3 * SCAN_S / math.sqrt(2.0)
    assert comb.confidence == pytest.approx(math.sqrt(1.0 - sigma / SCAN_S))
    assert comb.confidence >= LOW_CONFIDENCE and not comb.warnings
    # two fitted cues: the sharper one's sharpness, as before
    steps = Cue("steps", offset_s=6.42, sigma_s=0.3 * SCAN_S, sharpness=0.6, adequate=True)
    both = combine_cues([steps, charge], SCAN_S, window_s=30.0)
    assert both.confidence == pytest.approx(0.6 * math.sqrt(1.0 - sigma / SCAN_S))
