"""Exact and statistical unit tests of the numbers the pipeline reports.

These isolate one stage each and feed it hand-made inputs (no video): the
conversions are exact, so they are compared to 1e-12, where a rate tolerance of
a few per cent could not see a 2 % error; ``rate_std_um_s`` is compared with the
scatter of fitted rates on data with known noise; whisker ids, event voltages
and the failure rules are checked case by case, including two rules at once and
values on a threshold.
"""
import numpy as np
import pandas as pd
import pytest

from calibration import CM_PER_UM, FARADAY_C_MOL, MOLAR_VOLUME_LI_CM3_MOL
from vision.pipeline._events import events_table, onset_from_growth
from vision.pipeline._failure import (
    DEFAULT_THRESHOLDS,
    FailureThresholds,
    classify_failure,
    sustained_max,
)
from vision.pipeline._rates import (
    MIN_SCANS_PER_FIT,
    _noise_scale_um,
    fit_growth_rate,
    growth_rates_per_step,
    slope_standard_error,
)

TH = DEFAULT_THRESHOLDS


def _j(rate_um_s):
    """Faraday's law written out here, independently of electrochem: j = v F / V_m."""
    return rate_um_s * CM_PER_UM * FARADAY_C_MOL / MOLAR_VOLUME_LI_CM3_MOL


# ---------------------------------------------------------------------------
# Growth rates, current density, rate_std
# ---------------------------------------------------------------------------
def _two_whiskers(rates=(0.7, 3.1)):
    t = np.arange(0.0, 10.0, 0.5)
    rows = []
    for wid, r in zip((4, 9), rates):   # ids not 0..n-1: an id taken from the row order fails
        rows += [{"whisker_id": wid, "content_time_s": ti, "length_um": 2.0 + r * ti}
                 for ti in t]
    return pd.DataFrame(rows)


def test_current_density_is_faraday_of_the_rate_exactly():
    steps = pd.DataFrame({"step": [0, 1], "t_start_s": [0.0, 5.0], "t_end_s": [5.0, 10.0],
                          "control_value": [-1.0, -2.0]})
    rates = growth_rates_per_step(_two_whiskers(), steps)
    assert len(rates) == 4
    # exact to rounding: a 2 % error at the call site (or a wrong unit) fails here
    np.testing.assert_allclose(rates["current_density_A_cm2"], _j(rates["rate_um_s"]),
                               rtol=1e-12)
    # and the paper's figure: 15 um/s -> 11.13 A/cm2 ("as high as 11 A cm-2")
    assert _j(15.0) == pytest.approx(11.1329, abs=1e-4)


def test_each_whisker_keeps_its_own_rate_and_step_values():
    steps = pd.DataFrame({"step": [0, 1], "t_start_s": [0.0, 5.0], "t_end_s": [5.0, 10.0],
                          "control_value": [-1.0, -2.0]})
    rates = growth_rates_per_step(_two_whiskers((0.7, 3.1)), steps)
    by_id = rates.set_index(["whisker_id", "step"])
    # noise-free straight lines: the robust fit returns the slope to rounding
    for wid, want in ((4, 0.7), (9, 3.1)):
        for step in (0, 1):
            assert by_id.loc[(wid, step), "rate_um_s"] == pytest.approx(want, rel=1e-9), \
                f"whisker {wid} step {step}: rate filed under the wrong id?"
    assert list(by_id.loc[(4, 1), ["control_value", "t_start_s", "t_end_s"]]) == [-2.0, 5.0, 10.0]
    # scans inside [t_start, t_end] (both ends included): 0..5 s -> 11 scans, 5..9.5 s -> 10
    assert list(rates.sort_values(["whisker_id", "step"])["n_scans"]) == [11, 10, 11, 10]


def test_censored_lengths_stay_out_of_the_rate():
    # a tip at the side of the field (censored: the length is a lower bound) must not pull
    # the rate: the whisker goes on growing beyond the field, the measured length stalls
    t = np.arange(12) * 0.5
    y = 1.0 + 2.0 * t
    cens = t >= 4.0
    y = np.where(cens, 9.0, y)
    w = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": y, "censored": cens})
    r = growth_rates_per_step(w).iloc[0]
    assert r["rate_um_s"] == pytest.approx(2.0, rel=1e-9) and r["n_scans"] == 8


def test_unknown_censoring_is_not_censored():
    # rows whose `censored` is missing (NaN: e.g. a table from an older results folder, or
    # concatenated with one without the column) are measured lengths, not lower bounds
    t = np.arange(12) * 0.5
    cens = pd.Series([np.nan] * 6 + [False] * 6, dtype=object)
    w = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": 1.0 + 2.0 * t,
                      "censored": cens})
    r = growth_rates_per_step(w).iloc[0]
    assert r["n_scans"] == 12 and r["rate_um_s"] == pytest.approx(2.0, rel=1e-9)


def test_duplicated_frames_count_once_and_short_steps_are_left_out():
    w = _two_whiskers()
    w = pd.concat([w, w.iloc[:5]])   # duplicated frames repeat a scan's row
    steps = pd.DataFrame({"step": [0, 1], "t_start_s": [0.0, 0.9], "t_end_s": [0.9, 10.0],
                          "control_value": [0.0, -1.0]})
    rates = growth_rates_per_step(w, steps)
    # step 0 holds 2 scans (0, 0.5 s) < MIN_SCANS_PER_FIT = 3: too few for a fit of their own;
    # they lie on the one straight stretch of the record, whose rate (all 20 scans) is reported
    assert MIN_SCANS_PER_FIT == 3 and list(rates["step"]) == [0, 1, 0, 1]
    assert list(rates["n_scans"]) == [20, 18, 20, 18]
    one = pd.DataFrame({"step": [0, 1], "t_start_s": [0.0, 0.4], "t_end_s": [0.4, 10.0],
                        "control_value": [0.0, -1.0]})
    assert set(growth_rates_per_step(w, one)["step"]) == {1}   # one scan: no rate
    three = pd.DataFrame({"step": [0], "t_start_s": [0.0], "t_end_s": [1.0],
                          "control_value": [0.0]})
    assert list(growth_rates_per_step(w, three)["n_scans"]) == [3, 3]   # exactly 3 is enough


def test_whole_record_is_one_step_without_a_trace():
    rates = growth_rates_per_step(_two_whiskers())
    assert list(rates["step"]) == [0, 0] and rates["control_value"].isna().all()
    assert list(rates["t_start_s"]) == [0.0, 0.0] and list(rates["t_end_s"]) == [9.5, 9.5]
    assert growth_rates_per_step(pd.DataFrame()).empty


@pytest.mark.parametrize("n_scans", [5, 8, 20])
def test_rate_std_is_the_scatter_of_rates_on_known_noise(n_scans):
    # Known noise: tip lengths with Gaussian scatter sigma = 0.1 um (0.5 px at 0.2 um/px,
    # the tracker's length target). rate_std_um_s must estimate the scatter of the fitted
    # rates over repeated experiments (the standard error of the slope). Tolerance 15 %:
    # the scatter of 400 fitted rates is itself known to +-3.5 % (1 sigma) and the robust
    # scale of 5-20 residuals is biased by up to +8 % after its corrections. A rate_std
    # dividing by n instead of sqrt(n) is off by a factor sqrt(n) = 2.2-4.5; one without the
    # small-sample corrections reported 0.64 (5 scans), 0.84 (8) and 0.93 (20) of the scatter.
    rng = np.random.default_rng(12345)
    sigma = 0.1
    t = np.arange(n_scans) * 0.5
    steps = pd.DataFrame({"step": [0], "t_start_s": [0.0], "t_end_s": [t[-1]],
                          "control_value": [-1.0]})
    fitted, reported = [], []
    for _ in range(400):
        w = pd.DataFrame({"whisker_id": 0, "content_time_s": t,
                          "length_um": 1.0 + 2.0 * t + rng.normal(0, sigma, n_scans)})
        # the scatter part alone (the pixel size's share is tested below)
        r = growth_rates_per_step(w, steps, pixel_size_rel_std=0.0).iloc[0]
        fitted.append(r["rate_um_s"])
        reported.append(r["rate_std_um_s"])
    empirical = float(np.std(fitted))
    mean_reported = float(np.mean(reported))
    assert mean_reported == pytest.approx(empirical, rel=0.15), \
        f"rate_std {mean_reported:.5f} um/s vs scatter of fitted rates {empirical:.5f} um/s"
    # the fitted rates themselves scatter as least squares would (95 % efficient fit)
    assert empirical == pytest.approx(sigma / (np.std(t) * np.sqrt(n_scans)), rel=0.15)


def test_rate_std_formula_exactly_on_one_fit():
    t = np.arange(10) * 0.5
    y = 1.0 + 2.0 * t + np.array([0.1, -0.1, 0.05, -0.05, 0.0, 0.1, -0.1, 0.05, -0.05, 0.0])
    w = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": y})
    r = growth_rates_per_step(w, pixel_size_rel_std=0.0).iloc[0]
    _, _, scatter = fit_growth_rate(t, y)
    assert scatter > 0
    # sigma / (std(t) sqrt(n)), sigma = scatter * sqrt(n / (n - 2)) * n / (n - 0.8)
    want = scatter * np.sqrt(10 / 8) * 10 / 9.2 / (np.std(t) * np.sqrt(10))
    assert r["rate_std_um_s"] == pytest.approx(want, rel=1e-12)
    assert slope_standard_error(t, scatter) == r["rate_std_um_s"]
    # the pixel size's and the tilt's relative uncertainties add in quadrature (the rate in
    # um/s scales with both)
    r2 = growth_rates_per_step(w, pixel_size_rel_std=0.01, tilt_rel_std=0.02).iloc[0]
    assert r2["rate_std_um_s"] == pytest.approx(
        np.sqrt(want ** 2 + (r2["rate_um_s"] * np.hypot(0.01, 0.02)) ** 2), rel=1e-12)
    assert np.isnan(slope_standard_error([1.0, 2.0], 0.1))
    assert np.isnan(slope_standard_error([1.0, 1.0, 1.0], 0.1))
    assert slope_standard_error([0.0, 1.0, 2.0], 0.0) == 0.0


def test_fit_growth_rate_intercept_on_the_video_clock_and_errors():
    t = np.array([10.0, 11.0, 12.0, 13.0])
    rate, icpt, scatter = fit_growth_rate(t, 5.0 + 0.5 * t)
    assert (rate, icpt) == (pytest.approx(0.5, rel=1e-9), pytest.approx(5.0, abs=1e-8))
    assert scatter == pytest.approx(0.0, abs=1e-8)
    with pytest.raises(ValueError):
        fit_growth_rate([1.0, 1.0], [2.0, 3.0])
    with pytest.raises(ValueError):
        fit_growth_rate([1.0, np.nan], [2.0, 3.0])


# ---------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------
def test_event_voltage_is_the_trace_at_the_event_time_not_shifted_again():
    # the trace function already maps the video clock to the trace (it holds the offset);
    # events_table must call it with the event's video time, unchanged
    seen = []

    def trace_at(t):
        seen.append(np.asarray(t, float).copy())
        return -0.1 * np.asarray(t, float), 1e-6 * np.asarray(t, float)

    table = events_table([("crack_initiation", 7.25, "video"), ("short_circuit", 9.5, "trace")],
                         np.arange(0.0, 12.0, 0.1), trace_at)
    np.testing.assert_array_equal(np.concatenate(seen), [7.25, 9.5])
    np.testing.assert_allclose(table["voltage_V"], [-0.725, -0.95], rtol=1e-12)
    np.testing.assert_allclose(table["current_A"], [7.25e-6, 9.5e-6], rtol=1e-12)
    assert list(table["frame"]) == [73, 95]   # first frame at or after the event
    assert list(table["source"]) == ["video", "trace"]


def test_events_sorted_by_time_frames_clipped_and_nan_without_trace():
    table = events_table([("short_circuit", 50.0, "video"), ("growth_onset", -1.0, "video"),
                          ("lateral_onset", 1.0, "video"), ("contact_loss", np.nan, "trace")],
                         np.arange(0.0, 2.0, 0.5), None)
    assert list(table["event"]) == ["growth_onset", "lateral_onset", "short_circuit"]
    assert list(table["frame"]) == [0, 2, 3]
    assert table["voltage_V"].isna().all() and table["current_A"].isna().all()
    assert events_table([("growth_onset", None, "video")], [0.0], None).empty
    # equal times: ordered by name, stable
    same = events_table([("short_circuit", 1.0, "video"), ("lateral_onset", 1.0, "video")],
                        [0.0, 1.0], None)
    assert list(same["event"]) == ["lateral_onset", "short_circuit"]


def test_onset_back_extrapolation_exact_cases():
    t = np.arange(0.0, 6.0, 0.5)
    # seen from 3.0 s, length 2 um/s * (t - 2.2): the line crosses 0 at 2.2 s
    y = np.where(t >= 3.0, 2.0 * (t - 2.2), np.nan)
    assert onset_from_growth(t, y) == pytest.approx(2.2, abs=1e-9)
    # only the first n_fit points after first sight are fitted: a later change of rate
    # does not move the onset
    y2 = np.where(t >= 4.5, y + 10.0 * (t - 4.5), y)
    assert onset_from_growth(t, y2) == pytest.approx(2.2, abs=1e-9)
    # a baseline: the onset is where the quantity left it
    assert onset_from_growth(t, y + 1.0, baseline=1.0) == pytest.approx(2.2, abs=1e-9)
    # a single sighting: its own time; a shrinking one: its first time
    assert onset_from_growth(t, np.where(t == 4.0, 1.0, np.nan)) == 4.0
    assert onset_from_growth(t, np.where(t >= 3.0, 10.0 - t, np.nan)) == 3.0
    # never before the record: a slow line that extrapolates to before t = 0 is clipped
    assert onset_from_growth(t, np.where(t >= 3.0, 5.0 + 0.1 * t, np.nan)) == 0.0
    assert onset_from_growth(t + 7.0, np.where(t >= 3.0, 5.0 + 0.1 * t, np.nan)) == 7.0


# ---------------------------------------------------------------------------
# The failure classifier: two rules at once, thresholds, confidence
# ---------------------------------------------------------------------------
BIG = 30.0   # um, ten times each length threshold


@pytest.mark.parametrize("features, mode", [
    # crack and lateral both pass: fracture (rule 1 comes first; a crack is the cause)
    (dict(crack_length_um=BIG, lateral_extent_um=BIG), "fracture"),
    (dict(crack_length_um=BIG, lateral_extent_um=BIG, touchdown_time_s=5.0), "fracture"),
    # crack and contact loss: fracture
    (dict(crack_length_um=BIG, contact_loss_time_s=3.0), "fracture"),
    # lateral and contact loss: lateral growth (rule 2 before rule 3)
    (dict(lateral_extent_um=BIG, contact_loss_time_s=3.0), "lateral_growth"),
    (dict(touchdown_time_s=4.0, contact_loss_time_s=3.0), "lateral_growth"),
    # all three: fracture
    (dict(crack_length_um=BIG, lateral_extent_um=BIG, contact_loss_time_s=3.0), "fracture"),
    # a touch-down alone is lateral growth (the front reached the counter electrode)
    (dict(touchdown_time_s=4.0), "lateral_growth"),
    # a trace short circuit alone decides no mode
    (dict(trace_short_circuit_time_s=4.0), "none"),
    (dict(contact_loss_time_s=3.0), "contact_loss"),
    # below both thresholds with contact loss: contact loss
    (dict(crack_length_um=1.0, lateral_extent_um=1.0, contact_loss_time_s=3.0), "contact_loss"),
])
def test_rule_order_when_several_rules_fire(features, mode):
    v = classify_failure(**features)
    assert v.mode == mode, v.evidence
    passed = {e["rule"]: e["passed"] for e in v.evidence}
    assert passed["fracture"] == (features.get("crack_length_um", 0) >= TH.crack_min_length_um)
    assert passed["contact_loss"] == ("contact_loss_time_s" in features)


def test_thresholds_are_inclusive_on_equality():
    # ">=" on both length rules: a value exactly on the threshold passes
    assert classify_failure(crack_length_um=TH.crack_min_length_um).mode == "fracture"
    assert classify_failure(lateral_extent_um=TH.lateral_min_extent_um).mode == "lateral_growth"
    below = np.nextafter(TH.lateral_min_extent_um, 0)
    assert classify_failure(lateral_extent_um=below).mode == "none"
    below = np.nextafter(TH.crack_min_length_um, 0)
    assert classify_failure(crack_length_um=below).mode == "none"
    # whichever thresholds are passed in are the ones used
    th = FailureThresholds(crack_min_length_um=10.0, lateral_min_extent_um=20.0)
    assert classify_failure(crack_length_um=9.0, thresholds=th).mode == "none"
    assert classify_failure(crack_length_um=10.0, thresholds=th).mode == "fracture"
    assert classify_failure(lateral_extent_um=19.0, thresholds=th).mode == "none"
    assert classify_failure(lateral_extent_um=20.0, thresholds=th).mode == "lateral_growth"


def test_short_circuit_from_trace_or_touchdown():
    assert not classify_failure(crack_length_um=BIG).short_circuit
    assert classify_failure(trace_short_circuit_time_s=1.0).short_circuit
    assert classify_failure(touchdown_time_s=1.0).short_circuit
    ev = classify_failure(trace_short_circuit_time_s=2.0, touchdown_time_s=3.0).evidence[-1]
    assert ev["rule"] == "short_circuit" and ev["value"] == 2.0   # the trace's time first
    assert classify_failure(touchdown_time_s=3.0).evidence[-1]["value"] == 3.0


def test_confidence_responds_to_the_evidence():
    th = TH.crack_min_length_um

    def conf(**kw):
        return classify_failure(**kw).confidence

    # on the threshold: 0.5 (a coin toss); further away: higher, towards 1
    assert conf(crack_length_um=th) == 0.5
    near, mid, far = conf(crack_length_um=1.1 * th), conf(crack_length_um=2 * th), \
        conf(crack_length_um=10 * th)
    assert 0.5 < near < mid < far <= 1.0
    # the exact shape: 0.5 + 0.5 tanh(2 |ln(x / threshold)|), rounded to 3 decimals
    assert mid == round(0.5 + 0.5 * np.tanh(2 * np.log(2.0)), 3) == 0.941
    # below the threshold the 'none' verdict is surer the smaller the feature
    assert conf(crack_length_um=0.9 * th) < conf(crack_length_um=0.3 * th)
    # 'none' is as unsure as its closest call
    assert conf(crack_length_um=0.3 * th, lateral_extent_um=0.95 * TH.lateral_min_extent_um) == \
        conf(lateral_extent_um=0.95 * TH.lateral_min_extent_um)
    # lateral growth with a touch-down is certain; without it, its margin decides
    assert conf(lateral_extent_um=1.2 * TH.lateral_min_extent_um, touchdown_time_s=1.0) == 1.0
    assert conf(lateral_extent_um=1.2 * TH.lateral_min_extent_um) < 0.9
    assert conf(contact_loss_time_s=2.0) == 0.9
    assert conf() == 1.0    # nothing at all: no doubt


def test_sustained_max_exact():
    assert sustained_max([1, 5, 5, 5, 2], 3) == 5
    assert sustained_max([1, 5, 5, 2, 9], 3) == 2
    assert sustained_max([np.nan, np.nan, np.nan], 3) is None
    assert sustained_max([1.0, 2.0], 3) is None
    assert sustained_max([4.0, 4.0, 4.0], 3) == 4.0


def test_evidence_is_reported_exactly():
    # summary.json's failure_evidence (and the report) show these records as they are:
    # every key, value, threshold and sentence
    full = classify_failure(crack_length_um=4.5, lateral_extent_um=2.25, touchdown_time_s=7.5,
                            trace_short_circuit_time_s=8.25, contact_loss_time_s=3.125)
    assert full.evidence == [
        {"rule": "fracture", "feature": "crack_length_um", "value": 4.5, "threshold": 3.0,
         "passed": True, "text": "longest crack 4.50 µm vs threshold 3.0 µm"},
        {"rule": "lateral_growth", "feature": "lateral_extent_um", "value": 2.25,
         "threshold": 3.0, "passed": True,
         "text": "lateral lithium 2.25 µm beyond the rim vs threshold 3.0 µm; touched the "
                 "counter electrode"},
        {"rule": "contact_loss", "feature": "contact_loss_time_s", "value": 3.125,
         "threshold": None, "passed": True,
         "text": "depletion (diverging overpotential) at 3.12 s"},
        {"rule": "short_circuit", "feature": "short_circuit_time_s", "value": 8.25,
         "threshold": None, "passed": True,
         "text": "trace: current jump / voltage collapse at 8.25 s; video: touch-down at the "
                 "counter electrode at 7.50 s"},
    ]
    assert (full.mode, full.short_circuit) == ("fracture", True)
    empty = classify_failure()
    assert empty.evidence == [
        {"rule": "fracture", "feature": "crack_length_um", "value": 0.0, "threshold": 3.0,
         "passed": False, "text": "longest crack 0.00 µm vs threshold 3.0 µm"},
        {"rule": "lateral_growth", "feature": "lateral_extent_um", "value": 0.0,
         "threshold": 3.0, "passed": False,
         "text": "lateral lithium 0.00 µm beyond the rim vs threshold 3.0 µm"},
        {"rule": "contact_loss", "feature": "contact_loss_time_s", "value": None,
         "threshold": None, "passed": False, "text": "no depletion time in the trace"},
        {"rule": "short_circuit", "feature": "short_circuit_time_s", "value": None,
         "threshold": None, "passed": False,
         "text": "trace: no short circuit; video: no touch-down"},
    ]
    from vision.pipeline._failure import thresholds_dict
    # the growth-mode thresholds (issue 15) sit beside the failure-mode ones
    assert thresholds_dict() == {"crack_min_length_um": 3.0, "lateral_min_extent_um": 3.0,
                                 "lateral_min_scans": 3, "whisker_min_growth_um": 1.0,
                                 "stripping_min_loss_fraction": 0.05}
    assert thresholds_dict(FailureThresholds(crack_min_length_um=5.0))["crack_min_length_um"] \
        == 5.0


def test_margin_confidence_edges():
    from vision.pipeline._failure import _margin_confidence
    # no value, not finite, zero or negative: no doubt about 'absent'
    for v in (None, np.nan, np.inf, 0.0, -1.0):
        assert _margin_confidence(v, 3.0) == 1.0, v
    # a positive value below 1 is not 'absent': its margin counts (0.5 um vs 3 um)
    assert _margin_confidence(0.5, 3.0) == pytest.approx(0.5 + 0.5 * np.tanh(2 * np.log(6)))
    assert _margin_confidence(0.5, 3.0) < 1.0
    assert _margin_confidence(3.0, 3.0) == 0.5


def test_onset_edge_cases():
    t = np.arange(0.0, 7.5, 0.5)        # 15 scans; first sighting at index 6 (not len / 2)
    # zeros at the baseline before growth are 'not seen'; the line from 3.0 s on crosses 0
    # at 2.5 s
    y = np.where(t >= 3.0, 2.0 * (t - 2.5), 0.0)
    assert onset_from_growth(t, y) == pytest.approx(2.5, abs=1e-9)
    y = np.where(t >= 3.0, 2.0 * (t - 2.5), np.nan)
    assert onset_from_growth(t, y) == pytest.approx(2.5, abs=1e-9)
    # missing values given as None (an object column) count as not seen
    assert onset_from_growth(list(t), [None] * 6 + list(y[6:])) == pytest.approx(2.5, abs=1e-9)
    # two sightings half a scan apart are enough for the back-extrapolation
    y2 = np.where(t >= 6.5, 4.0 * (t - 6.0), np.nan)
    assert onset_from_growth(t, y2) == pytest.approx(6.0, abs=1e-9)
    # a steady size (slope 0) was there when first seen: its first time
    assert onset_from_growth(t, np.where(t >= 3.0, 2.0, np.nan)) == 3.0
    # ... whatever its size (the fit's rounding slope grows with it: +5e-11 for 1e6)
    assert onset_from_growth(t, np.where(t >= 3.0, 1e6, np.nan)) == 3.0
    # a line that crosses the baseline after the first sighting: clipped to that sighting
    y3 = np.full(len(t), np.nan)
    y3[6:10] = [0.01, 0.02, 0.03, 100.0]
    assert onset_from_growth(t, y3) == 3.0


def test_events_table_columns_and_types():
    table = events_table([("growth_onset", 1.0, "video"), ("short_circuit", 0.5, "trace")],
                         [0, 1, 2], lambda t: ([1, 2], [3, 4]))
    assert list(table.columns) == ["event", "time_s", "frame", "voltage_V", "current_A",
                                   "source"]
    assert list(table.index) == [0, 1]
    assert table["frame"].dtype.kind == "i" and list(table["frame"]) == [1, 1]
    assert table["voltage_V"].dtype == np.float64 and table["current_A"].dtype == np.float64
    assert list(table["event"]) == ["short_circuit", "growth_onset"]
    empty = events_table([], [0.0], None)
    assert empty.empty and list(empty.columns) == list(table.columns)
    # no frame times (a trace-only record): frame 0
    none = events_table([("short_circuit", 2.0, "trace")], [], None)
    assert list(none["frame"]) == [0] and none["frame"].dtype.kind == "i"


def test_empty_rates_table_has_its_columns():
    cols = ["whisker_id", "step", "control_value", "t_start_s", "t_end_s", "n_scans",
            "rate_um_s", "rate_std_um_s", "current_density_A_cm2"]
    assert list(growth_rates_per_step(None).columns) == cols
    assert list(growth_rates_per_step(pd.DataFrame()).columns) == cols
    short = pd.DataFrame({"whisker_id": 1, "content_time_s": [0.0, 1.0],
                          "length_um": [1.0, 2.0]})
    assert list(growth_rates_per_step(short).columns) == cols   # too few scans: no rows


def test_rates_order_duplicates_and_steps_without_control_value():
    w = _two_whiskers()
    w = w.iloc[::-1].reset_index(drop=True)                  # id 9 first, times descending
    w["frame"] = np.arange(len(w))
    dup = w.iloc[:6].assign(frame=lambda d: d["frame"] + 1000)  # duplicated frames: other
    w = pd.concat([w, dup], ignore_index=True)                # frame numbers, same scan
    steps = pd.DataFrame({"step": [0], "t_start_s": [0.0], "t_end_s": [10.0]})  # no control
    rates = growth_rates_per_step(w, steps)
    assert list(rates["whisker_id"]) == [4, 9]               # sorted by id
    assert list(rates["n_scans"]) == [20, 20]                # each scan once
    assert rates["control_value"].isna().all()
    np.testing.assert_allclose(rates["rate_um_s"], [0.7, 3.1], rtol=1e-9)


def test_fit_growth_rate_skips_missing_points():
    # a missing length (NaN or None from an object column) or time drops that point only
    for t, y in (([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, np.nan, 3.0]),
                 ([0, 1, 2, 3], [0, 1, None, 3]),
                 ([0, 1, None, 3], [0, 1, 5, 3])):
        rate, icpt, _ = fit_growth_rate(t, y)
        assert rate == pytest.approx(1.0, rel=1e-9) and icpt == pytest.approx(0.0, abs=1e-9)


def test_fit_growth_rate_edges_and_its_documented_huber_scale():
    from scipy import stats

    from vision._shared._stats import mad_sigma
    # two points are enough; fewer, or one time only, is a clear error
    assert fit_growth_rate([0.0, 1.0], [0.0, 2.0])[0] == pytest.approx(2.0, rel=1e-9)
    for t, y in (([1.0], [2.0]), ([1.0, 1.0], [2.0, 3.0])):
        with pytest.raises(ValueError, match="^fit_growth_rate needs at least two points "
                                             "at different times$"):
            fit_growth_rate(t, y)
    # the default Huber scale is 1.345 x the MAD scatter about the Theil-Sen line (95 %
    # efficiency on Gaussian scatter): the same fit as that scale given explicitly
    rng = np.random.default_rng(7)
    t = np.arange(12) * 0.5
    y = 1.0 + 2.0 * t + rng.normal(0, 0.1, 12)
    y[3] += 2.0
    ts = stats.theilslopes(y, t - t.mean()).slope
    icpt = np.median(y - ts * (t - t.mean()))
    scale = 1.345 * max(mad_sigma(y - (ts * (t - t.mean()) + icpt)), 1e-3)
    assert fit_growth_rate(t, y)[0] == pytest.approx(fit_growth_rate(t, y, f_scale_um=scale)[0],
                                                     rel=1e-9)
    assert fit_growth_rate(t, y)[0] != pytest.approx(
        fit_growth_rate(t, y, f_scale_um=scale * 2.345 / 1.345)[0], rel=1e-6)


def test_sustained_max_takes_missing_as_not_held():
    assert sustained_max([None, 2.0, 2.0, 2.0], 3) == 2.0
    assert sustained_max([2.0, None, 2.0, 2.0], 3) is None


# ---------------------------------------------------------------------------
# Growth modes (issue 15): every entry exactly, thresholds inclusive, first times
# ---------------------------------------------------------------------------
def _modes(**kw):
    from vision.pipeline._failure import classify_growth_modes
    return {g["mode"]: g for g in classify_growth_modes(**kw)}


def test_growth_mode_entries_are_reported_exactly():
    # summary.json's growth_mode_evidence shows these records as they are: every key,
    # value, threshold, first time and sentence, in the schema's order
    from vision._schema import GROWTH_MODES
    from vision.pipeline._failure import classify_growth_modes
    full = classify_growth_modes(
        whisker_growth_um=12.5, whisker_onset_s=1.25, lateral_extent_um=4.5,
        lateral_onset_s=6.5, touchdown_time_s=9.75, crack_length_um=3.5,
        crack_initiation_s=2.5, electrode_loss_fraction=0.125, stripping_onset_s=11.5,
        contact_loss_time_s=13.125)
    assert [g["mode"] for g in full] == list(GROWTH_MODES)
    assert full == [
        {"mode": "whisker", "present": True, "first_time_s": 1.25, "value": 12.5,
         "threshold": 1.0, "text": "longest whisker grew 12.50 µm vs threshold 1.0 µm"},
        {"mode": "lateral", "present": True, "first_time_s": 6.5, "value": 4.5,
         "threshold": 3.0,
         "text": "lateral lithium 4.50 µm beyond the rim vs threshold 3.0 µm; touched the "
                 "counter electrode"},
        {"mode": "crack", "present": True, "first_time_s": 2.5, "value": 3.5,
         "threshold": 3.0,
         "text": "longest lithium-filled crack 3.50 µm vs threshold 3.0 µm"},
        {"mode": "stripping", "present": True, "first_time_s": 11.5, "value": 0.125,
         "threshold": 0.05,
         "text": "electrode lithium area fell by 12.5 % vs threshold 5 %; depletion at "
                 "13.12 s"},
    ]
    # nothing measured: every mode absent, value 0, no first time, the plain sentences
    assert classify_growth_modes() == [
        {"mode": "whisker", "present": False, "first_time_s": None, "value": 0.0,
         "threshold": 1.0, "text": "longest whisker grew 0.00 µm vs threshold 1.0 µm"},
        {"mode": "lateral", "present": False, "first_time_s": None, "value": 0.0,
         "threshold": 3.0, "text": "lateral lithium 0.00 µm beyond the rim vs threshold 3.0 µm"},
        {"mode": "crack", "present": False, "first_time_s": None, "value": 0.0,
         "threshold": 3.0, "text": "longest lithium-filled crack 0.00 µm vs threshold 3.0 µm"},
        {"mode": "stripping", "present": False, "first_time_s": None, "value": 0.0,
         "threshold": 0.05, "text": "electrode lithium area fell by 0.0 % vs threshold 5 %"},
    ]


def test_growth_mode_thresholds_are_inclusive_and_the_given_ones():
    # ">=" on every rule, as in the failure rules: a value on the threshold counts
    on = _modes(whisker_growth_um=TH.whisker_min_growth_um, whisker_onset_s=1.0,
                lateral_extent_um=TH.lateral_min_extent_um, lateral_onset_s=2.0,
                crack_length_um=TH.crack_min_length_um, crack_initiation_s=3.0,
                electrode_loss_fraction=TH.stripping_min_loss_fraction,
                stripping_onset_s=4.0)
    assert {m: g["present"] for m, g in on.items()} == dict.fromkeys(on, True)
    assert [on[m]["first_time_s"] for m in ("whisker", "lateral", "crack", "stripping")] == \
        [1.0, 2.0, 3.0, 4.0]
    below = _modes(whisker_growth_um=np.nextafter(TH.whisker_min_growth_um, 0),
                   whisker_onset_s=1.0,
                   lateral_extent_um=np.nextafter(TH.lateral_min_extent_um, 0),
                   lateral_onset_s=2.0,
                   crack_length_um=np.nextafter(TH.crack_min_length_um, 0),
                   crack_initiation_s=3.0,
                   electrode_loss_fraction=np.nextafter(TH.stripping_min_loss_fraction, 0),
                   stripping_onset_s=4.0)
    # below every threshold: absent, and an onset given for an absent mode is not reported
    assert all(not g["present"] and g["first_time_s"] is None for g in below.values())
    # whichever thresholds are passed in are the ones used (and reported)
    th = FailureThresholds(whisker_min_growth_um=7.0, lateral_min_extent_um=20.0,
                           crack_min_length_um=10.0, stripping_min_loss_fraction=0.25)
    for feature, value, mode in (("whisker_growth_um", 7.0, "whisker"),
                                 ("lateral_extent_um", 20.0, "lateral"),
                                 ("crack_length_um", 10.0, "crack"),
                                 ("electrode_loss_fraction", 0.25, "stripping")):
        assert _modes(**{feature: value}, thresholds=th)[mode]["present"], mode
        assert not _modes(**{feature: 0.9 * value}, thresholds=th)[mode]["present"], mode
        assert _modes(thresholds=th)[mode]["threshold"] == value
    assert _modes(thresholds=th)["stripping"]["text"] == \
        "electrode lithium area fell by 0.0 % vs threshold 25 %"
    assert _modes(thresholds=th)["whisker"]["text"] == \
        "longest whisker grew 0.00 µm vs threshold 7.0 µm"
    # the sentence gives the stripping threshold in per cent: 100 x the fraction
    # (0.6 -> "60 %"; any other factor moves it by at least half a per cent)
    assert _modes(thresholds=FailureThresholds(stripping_min_loss_fraction=0.6))[
        "stripping"]["text"] == "electrode lithium area fell by 0.0 % vs threshold 60 %"


def test_crack_growth_mode_persistence_exactly():
    # with the per-scan persistence, the crack growth mode needs the failure rules' 50 %
    # (inclusive), and its sentence gives the persistence and the threshold in per cent
    from vision.pipeline._failure import CRACK_MIN_PERSISTENCE
    assert CRACK_MIN_PERSISTENCE == 0.5
    on = _modes(crack_length_um=3.5, crack_initiation_s=2.5, crack_persistence=0.5)["crack"]
    assert on == {"mode": "crack", "present": True, "first_time_s": 2.5, "value": 3.5,
                  "threshold": 3.0,
                  "text": "longest lithium-filled crack 3.50 µm vs threshold 3.0 µm; seen in "
                          "50 % of the scans from its first on (a crack persists: >= 50 %)"}
    off = _modes(crack_length_um=3.5, crack_initiation_s=2.5,
                 crack_persistence=float(np.nextafter(0.5, 0)))["crack"]
    assert (off["present"], off["first_time_s"], off["value"]) == (False, None, 3.5)
    assert off["text"].endswith("seen in 50 % of the scans from its first on (a crack "
                                "persists: >= 50 %)")
    # persistent but too short: absent (both rules hold)
    short = _modes(crack_length_um=2.5, crack_initiation_s=2.5, crack_persistence=1.0)["crack"]
    assert (short["present"], short["first_time_s"]) == (False, None)
    assert short["text"].endswith("seen in 100 % of the scans from its first on (a crack "
                                  "persists: >= 50 %)")
    # without the persistence (None), the length alone decides and the sentence is plain
    plain = _modes(crack_length_um=3.5, crack_initiation_s=2.5, crack_persistence=None)["crack"]
    assert plain["present"] and plain["text"] == \
        "longest lithium-filled crack 3.50 µm vs threshold 3.0 µm"
    # 0 % is a persistence (no crack seen after its first scan), not "unknown"
    zero = _modes(crack_length_um=3.5, crack_initiation_s=2.5, crack_persistence=0.0)["crack"]
    assert not zero["present"] and "seen in 0 %" in zero["text"]


def test_growth_mode_first_times_and_the_trace_evidence():
    # a touch-down is lateral growth whatever the extent; its time is the first time
    # only when no lateral onset was measured
    td = _modes(lateral_extent_um=0.5, touchdown_time_s=9.0)["lateral"]
    assert (td["present"], td["first_time_s"], td["value"]) == (True, 9.0, 0.5)
    both = _modes(lateral_extent_um=0.5, lateral_onset_s=4.0, touchdown_time_s=9.0)
    assert both["lateral"]["first_time_s"] == 4.0
    # a depletion time in the trace is stripping by definition; its time is the first
    # time only when the electrode's area gave no onset
    dep = _modes(electrode_loss_fraction=0.01, contact_loss_time_s=14.0)["stripping"]
    assert (dep["present"], dep["first_time_s"], dep["value"]) == (True, 14.0, 0.01)
    assert dep["text"] == \
        "electrode lithium area fell by 1.0 % vs threshold 5 %; depletion at 14.00 s"
    area = _modes(electrode_loss_fraction=0.2, stripping_onset_s=3.0,
                  contact_loss_time_s=14.0)["stripping"]
    assert area["first_time_s"] == 3.0
    # a loss without an onset time: present, first time unknown unless the trace has one
    assert _modes(electrode_loss_fraction=0.2)["stripping"]["first_time_s"] is None
    assert _modes(electrode_loss_fraction=0.2)["stripping"]["present"]
    # times and values come back as floats (JSON numbers), whatever type went in
    g = _modes(whisker_growth_um=np.int64(3), whisker_onset_s=np.int64(2))["whisker"]
    assert type(g["first_time_s"]) is float and type(g["value"]) is float
    assert (g["first_time_s"], g["value"]) == (2.0, 3.0)
    # one mode does not switch on another
    only = _modes(crack_length_um=50.0, crack_initiation_s=1.0, touchdown_time_s=None)
    assert [m for m, e in only.items() if e["present"]] == ["crack"]


def test_rates_end_at_the_short_circuit():
    # 2 um/s until a short circuit at 6 s, then the whisker stands still (a shorted cell drives
    # no growth) to 10 s, all in one step: the growth and the standstill are two stretches of
    # constant rate, found from the lengths alone (one line through both was 1.3 um/s)
    t = np.arange(0.0, 10.0, 0.25)
    w = pd.DataFrame({"whisker_id": 0, "content_time_s": t,
                      "length_um": 1.0 + 2.0 * np.minimum(t, 6.0)})
    steps = pd.DataFrame({"step": [0], "t_start_s": [0.0], "t_end_s": [10.0],
                          "control_value": [-1.0]})
    both = growth_rates_per_step(w, steps)
    assert list(both["rate_um_s"]) == [pytest.approx(2.0, rel=1e-6), pytest.approx(0.0, abs=1e-6)]
    # the change is at the kink, within a scan (the scan at 6 s fits either line exactly)
    assert both["t_start_s"].iloc[0] == 0.0 and both["t_end_s"].iloc[1] == 10.0
    assert both["t_end_s"].iloc[0] == both["t_start_s"].iloc[1] == pytest.approx(6.0, abs=0.25)
    # with the short circuit the standstill after it is not reported as a rate
    r = growth_rates_per_step(w, steps, short_circuit_s=6.0)
    assert len(r) == 1 and r["rate_um_s"].iloc[0] == pytest.approx(2.0, rel=1e-6)
    assert r["n_scans"].iloc[0] in (24, 25) and r["t_end_s"].iloc[0] == pytest.approx(6.0, abs=0.25)
    # a stated short before any scan cannot stop growth the video shows (the short's time on
    # the video clock is off): the growth is kept, the standstill is not
    early = growth_rates_per_step(w, steps, short_circuit_s=-1.0)
    assert len(early) == 1 and early["rate_um_s"].iloc[0] == pytest.approx(2.0, rel=1e-6)
    flat = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": 3.0})
    none = growth_rates_per_step(flat, steps, short_circuit_s=-1.0)
    assert none.empty and "rate_um_s" in none.columns


def test_rate_std_is_at_least_the_tip_sigma_over_the_fit():
    # 3 scans exactly on a line: their residual scatter is 0, yet each tip is known to only
    # 0.5 px (the tracker's tip_sigma_px) = 0.1 um at 0.2 um/px. The rate's +- is then the
    # slope's standard error for that scatter and the systematic part (two tip sigmas over the
    # fitted duration, added in quadrature), never ~0.
    t = np.array([0.0, 0.5, 1.0])
    w = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": 1.0 + 2.0 * t,
                      "tip_sigma_px": 0.5})
    exact = growth_rates_per_step(w, pixel_size_rel_std=0.0).iloc[0]
    assert exact["rate_std_um_s"] < 1e-6   # without the pixel size: the scatter alone
    r = growth_rates_per_step(w, pixel_size_rel_std=0.0, pixel_size_um=0.2).iloc[0]
    assert r["rate_um_s"] == pytest.approx(2.0)
    assert r["rate_std_um_s"] == pytest.approx(
        np.hypot(slope_standard_error(t, 0.1), np.sqrt(2) * 0.1 / 1.0), rel=1e-9)
    # a residual scatter above the tip sigma is kept (7 scans with 1 um scatter)
    t7 = np.arange(7) * 0.5
    noisy = pd.DataFrame({"whisker_id": 0, "content_time_s": t7, "tip_sigma_px": 0.5,
                          "length_um": 1.0 + 2.0 * t7 + np.random.default_rng(3).normal(0, 1, 7)})
    big = growth_rates_per_step(noisy, pixel_size_rel_std=0.0, pixel_size_um=0.2).iloc[0]
    small = growth_rates_per_step(noisy, pixel_size_rel_std=0.0).iloc[0]
    assert small["rate_std_um_s"] > slope_standard_error(t7, 0.1)
    # ... and a tip's error is the larger of the tip sigma and the track's own scatter of a
    # length (here ~1 um, not the stated 0.1 um): the systematic part uses it too
    _, _, scatter = fit_growth_rate(t7, noisy["length_um"].to_numpy(float))
    tip = max(0.1, _noise_scale_um(t7, noisy["length_um"].to_numpy(float)))
    assert tip > 0.5
    assert big["rate_std_um_s"] == pytest.approx(
        np.hypot(slope_standard_error(t7, max(scatter, tip)), np.sqrt(2) * tip / 3.0), rel=1e-9)


def test_true_rate_within_two_sigma_when_the_tip_sigma_understates_the_scatter():
    # Issue 11: the true rate must lie within the stated +-2 sigma in >= 90 % of steps.
    # The tracker's tip sigma (the edge fit's) understates the real scatter of a tip: on
    # tuning seed 5000 it said 0.2-0.3 px where the tips scattered by 0.5-0.8 px about the
    # truth. Here each tip scatters by 0.1 um (0.5 px at 0.2 um/px) while tip_sigma_px
    # says 0.1 px; steps of 4-6 scans (the bank's short steps), one true rate per step.
    rng = np.random.default_rng(2026)
    px, real_um, stated_px, dt = 0.2, 0.1, 0.1, 0.5
    inside = []
    for _ in range(150):
        n_per = rng.integers(4, 7, size=4)
        rates = rng.uniform(0.5, 2.0, size=4)
        t, y, edges, length = [], [], [0.0], 1.0
        for n, v in zip(n_per, rates):
            for _k in range(n):
                t.append(len(t) * dt)
                y.append(length)
                length += v * dt
            edges.append(len(t) * dt - dt / 2)
        t = np.asarray(t)
        w = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "tip_sigma_px": stated_px,
                          "length_um": np.asarray(y) + rng.normal(0, real_um, len(t))})
        steps = pd.DataFrame({"step": range(4), "t_start_s": np.maximum(edges[:-1], 0.0),
                              "t_end_s": edges[1:], "control_value": -rates})
        r = growth_rates_per_step(w, steps, pixel_size_um=px)
        for row in r.itertuples():
            inside.append(abs(row.rate_um_s - rates[row.step]) <= 2 * row.rate_std_um_s)
    assert len(inside) >= 400
    assert np.mean(inside) >= 0.90, f"true rate within +-2 sigma in {100 * np.mean(inside):.1f} %"


def test_rate_change_found_from_the_lengths_when_the_step_edge_is_off():
    # 1 um/s until 5 s, then 2 um/s (the step edge at 5 s), 0.25 s scans with 0.02 um of tip
    # noise; the steps reach the rates with their edge at 6 s (a clock sync four scans off).
    # One line per step mixed both rates in the second step; the change is in the lengths.
    rng = np.random.default_rng(7)
    t = np.arange(0.0, 10.0, 0.25)
    y = 1.0 + np.where(t < 5.0, t, 5.0 + 2.0 * (t - 5.0)) + rng.normal(0, 0.02, len(t))
    w = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": y})
    steps = pd.DataFrame({"step": [0, 1], "t_start_s": [0.0, 6.0], "t_end_s": [6.0, 10.0],
                          "control_value": [-1.0, -2.0]})
    r = growth_rates_per_step(w, steps)
    # the row covering most of the true first and second stretch of constant rate
    for a, b, want in ((0.0, 5.0, 1.0), (5.0, 10.0, 2.0)):
        overlap = np.minimum(r["t_end_s"], b) - np.maximum(r["t_start_s"], a)
        best = r.iloc[int(np.argmax(overlap))]
        assert best["rate_um_s"] == pytest.approx(want, rel=0.02)
        assert abs(best["rate_um_s"] - want) <= 3 * best["rate_std_um_s"]
    # a straight record with the same noise stays one stretch per step
    flat = pd.DataFrame({"whisker_id": 0, "content_time_s": t,
                         "length_um": 1.0 + 2.0 * t + rng.normal(0, 0.02, len(t))})
    assert len(growth_rates_per_step(flat, steps)) == 2


def test_lost_tips_stay_out_of_the_rate():
    # the segmentation lost the tip for three scans (lengths fell by 1-2.5 um, then came back):
    # a rod does not shrink while it grows, so those scans are not lengths of the rod
    t = np.arange(0.0, 8.0, 0.25)
    y = 1.0 + 1.5 * t
    y[12:15] -= np.array([1.0, 2.0, 2.5])
    w = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": y})
    r = growth_rates_per_step(w)
    assert len(r) == 1 and r["rate_um_s"].iloc[0] == pytest.approx(1.5, rel=1e-6)
    assert r["n_scans"].iloc[0] == len(t) - 3
    # a length that falls and stays down (stripping) is kept
    down = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": 20.0 - 1.0 * t})
    assert growth_rates_per_step(down)["rate_um_s"].iloc[0] == pytest.approx(-1.0, rel=1e-6)
