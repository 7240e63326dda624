"""The validation bank's metric functions on hand-made truth and measurement tables.

Every expected number follows from how the tables are built (a known offset, a
known swap), not from running the functions.
"""
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import _validate_metrics as vm  # noqa: E402


def _whisker_table(specs, n_frames=40, dt=0.5):
    """Truth-like whisker rows: each spec = (id, base_x, base_y, angle_deg, rate_px_s, width)."""
    rows = []
    for f in range(n_frames):
        t = f * dt
        for wid, bx, by, ang, rate, width in specs:
            length = rate * t
            a = math.radians(ang)
            rows.append({"frame": f, "content_time_s": t, "whisker_id": wid,
                         "base_x_px": bx, "base_y_px": by,
                         "tip_x_px": bx + length * math.cos(a),
                         "tip_y_px": by + length * math.sin(a),
                         "length_px": length, "width_px": width})
    return pd.DataFrame(rows)


SPECS = [(0, 100.0, 100.0, -30.0, 4.0, 8.0), (1, 120.0, 160.0, 45.0, 3.0, 6.0)]


def _measured_from(truth, *, offset_px=0.0, id_map=None, drop_ids=()):
    """Measured table = truth with the tip moved `offset_px` along the axis, ids renamed."""
    m = truth.loc[~truth["whisker_id"].isin(drop_ids)].copy()
    ang = np.arctan2(m["tip_y_px"] - m["base_y_px"], m["tip_x_px"] - m["base_x_px"])
    m["length_px"] += offset_px
    m["tip_x_px"] += offset_px * np.cos(ang)
    m["tip_y_px"] += offset_px * np.sin(ang)
    if id_map:
        m["whisker_id"] = m["whisker_id"].map(id_map)
    return m[m["length_px"] > 0]


def test_known_offset_gives_rms_and_bias_of_that_offset():
    truth = _whisker_table(SPECS)
    meas = _measured_from(truth, offset_px=1.0)
    mapping = vm.match_whiskers(truth, meas)
    assert mapping == {0: 0, 1: 1}
    err = vm.whisker_length_errors(truth, meas, mapping)
    assert len(err) == 2
    assert err["rms_px"].to_numpy() == pytest.approx([1.0, 1.0])
    assert err["bias_px"].to_numpy() == pytest.approx([1.0, 1.0])


def test_swapped_ids_are_matched_back():
    truth = _whisker_table(SPECS)
    meas = _measured_from(truth, offset_px=-0.5, id_map={0: 7, 1: 3})
    mapping = vm.match_whiskers(truth, meas)
    assert mapping == {7: 0, 3: 1}
    err = vm.whisker_length_errors(truth, meas, mapping).set_index("truth_id")
    assert err.loc[0, "measured_id"] == 7 and err.loc[1, "measured_id"] == 3
    assert err["bias_px"].to_numpy() == pytest.approx([-0.5, -0.5])


def test_matching_uses_drift_corrected_truth_and_rejects_far_whiskers():
    truth = _whisker_table(SPECS)
    drift = pd.DataFrame({"frame": np.arange(40), "drift_x_px": 5.0 + 2.0 * np.arange(40),
                          "drift_y_px": -1.0 * np.arange(40)})
    moved = truth.merge(drift, on="frame")
    for c in ("base_x_px", "tip_x_px"):
        moved[c] += moved["drift_x_px"]
    for c in ("base_y_px", "tip_y_px"):
        moved[c] += moved["drift_y_px"]
    # measured positions are in the first frame's coordinates (drift at frame 0 included)
    meas = truth.copy()
    for c in ("base_x_px", "tip_x_px"):
        meas[c] += 5.0
    assert vm.match_whiskers(moved.drop(columns=["drift_x_px", "drift_y_px"]), meas,
                             drift) == {0: 0, 1: 1}
    # a measured whisker in the right direction but 60 px away from every true base
    far = _measured_from(truth, drop_ids=(1,))
    far["base_x_px"] += 60.0
    far["tip_x_px"] += 60.0
    assert vm.match_whiskers(truth, far) == {}


def test_censored_frames_are_excluded_from_length_errors():
    truth = _whisker_table(SPECS[:1])
    meas = _measured_from(truth, offset_px=1.0)
    # in the censored frames the measurement is 10 px short (a lower bound)
    cens = truth["frame"].to_numpy() >= 30
    meas.loc[meas["frame"] >= 30, "length_px"] -= 11.0
    mapping = vm.match_whiskers(truth, meas)
    err = vm.whisker_length_errors(truth, meas, mapping, censored=cens)
    assert err["rms_px"].iloc[0] == pytest.approx(1.0)
    assert err["n_frames"].iloc[0] == 29  # frames 1..29 (frame 0 has length 0)
    uncensored = vm.whisker_length_errors(truth, meas, mapping)
    assert uncensored["rms_px"].iloc[0] > 3.0


def test_censoring_from_geometry_and_eligibility():
    truth = _whisker_table([(0, 100.0, 100.0, 0.0, 4.0, 8.0)], n_frames=40)
    # frame f: length 2 f px, tip x = 100 + 2 f; it leaves a 150-px-wide field (x > 148)
    # once longer than 48 px
    cens = vm.truth_censored(truth, (200, 150))
    assert not cens[truth["length_px"] < 45].any() and cens[truth["length_px"] > 50].all()
    # the censored column of the generator wins over geometry
    flagged = truth.assign(censored=True)
    assert vm.truth_censored(flagged, (200, 150)).all()
    # width 8 px, long enough for more than 10 scans -> eligible; too thin -> not
    assert vm.eligible_whiskers(truth) == [0]
    thin = truth.assign(width_px=2.0)
    assert vm.eligible_whiskers(thin) == []
    # >= 10 px and inside the field in frames 5..13 only: 9 scans -> not eligible; 10 -> yes
    assert vm.eligible_whiskers(truth, truth["length_px"] >= 28) == []
    assert vm.eligible_whiskers(truth, truth["length_px"] >= 30) == [0]


def test_found_counts_eligible_whiskers_with_a_match():
    assert vm.whiskers_found([0, 1, 2], {5: 0, 6: 2, 7: 9}) == (2, 3)


def test_step_rates_relative_error_coverage_and_short_steps():
    # whisker grows 4 px/s; steps: [0, 10) s -> 40 px growth, [10, 12) s -> 8 px (< 20 px)
    truth = _whisker_table([(0, 100.0, 100.0, 0.0, 4.0, 8.0)], n_frames=25)
    steps = pd.DataFrame({"step": [0, 1], "start_s": [0.0, 10.0], "end_s": [10.0, np.nan],
                          "voltage_V": [-1.0, -2.0]})
    px = 0.2  # um per px: true rate 0.8 um/s
    rates = pd.DataFrame({"whisker_id": [4, 4], "step": [2, 3], "t_start_s": [0.0, 10.0],
                          "t_end_s": [10.0, 20.0], "rate_um_s": [0.82, 0.5],
                          "rate_std_um_s": [0.005, 0.01]})
    out = vm.step_rate_errors(truth, steps, rates, {4: 0}, px)
    assert len(out) == 1  # the short step does not count
    row = out.iloc[0]
    assert row["true_rate_um_s"] == pytest.approx(0.8)
    assert row["rel_error"] == pytest.approx(0.025)
    assert not row["within_2sigma"]  # 0.02 off, 2 sigma = 0.01
    wide = rates.assign(rate_std_um_s=0.011)
    assert vm.step_rate_errors(truth, steps, wide, {4: 0}, px)["within_2sigma"].iloc[0]
    # no measured rate for a counted step: a miss (NaN error)
    missed = vm.step_rate_errors(truth, steps, rates.iloc[:0], {4: 0}, px)
    assert len(missed) == 1 and math.isnan(missed["rel_error"].iloc[0])
    # a whisker narrower than 3 px need not be found: its steps do not count
    thin = truth.assign(width_px=2.0)
    assert vm.step_rate_errors(thin, steps, rates.iloc[:0], {}, px).empty


def test_step_rate_ends_at_the_short_circuit():
    # 4 px/s until a short circuit at 7 s, then frozen (the generator freezes every whisker
    # at the short) until 12 s, all in one step. The step's true rate is the growth before the
    # short (0.8 um/s), not the least-squares mixture with the standstill (~0.5 um/s: the
    # metric called a tracker that measured 0.8 um/s right 40-60 % off, tuning seed 5004).
    truth = _whisker_table([(0, 100.0, 100.0, 0.0, 4.0, 8.0)], n_frames=25)
    truth["length_px"] = np.minimum(truth["length_px"], 28.0)
    steps = pd.DataFrame({"step": [0], "start_s": [0.0], "end_s": [np.nan], "voltage_V": [-1.0]})
    rates = pd.DataFrame({"whisker_id": [4], "step": [0], "t_start_s": [0.0], "t_end_s": [7.0],
                          "rate_um_s": [0.8], "rate_std_um_s": [0.01]})
    mixed = vm.step_rate_errors(truth, steps, rates, {4: 0}, 0.2)
    assert mixed["true_rate_um_s"].iloc[0] < 0.7   # without the short time: the mixture
    out = vm.step_rate_errors(truth, steps, rates, {4: 0}, 0.2, short_circuit_s=7.0)
    assert out["true_rate_um_s"].iloc[0] == pytest.approx(0.8)
    assert out["rel_error"].iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert out["within_2sigma"].iloc[0]
    # a short before the step's growth reaches 20 px leaves the step out
    assert vm.step_rate_errors(truth, steps, rates, {4: 0}, 0.2, short_circuit_s=4.0).empty


def _frames(front_true, front_meas, crack_true=None, crack_meas=None):
    n = len(front_true)
    tf = pd.DataFrame({"frame": np.arange(n), "content_time_s": 0.5 * np.arange(n),
                       "electrode_radius_px": 50.0, "front_distance_px": front_true,
                       "crack_length_px": np.full(n, np.nan) if crack_true is None else crack_true})
    mf = pd.DataFrame({"frame": np.arange(n), "front_distance_px": front_meas,
                       "crack_length_px": np.full(n, np.nan) if crack_meas is None else crack_meas})
    return tf, mf


def test_front_rms_until_touchdown():
    true = np.array([0.0, 0.0, 60.0, 80.0, 100.0, 120.0, 140.0])
    meas = np.array([np.nan, np.nan, 62.0, 78.0, 102.0, np.nan, 200.0])
    tf, mf = _frames(true, meas)
    # touch-down at 3.0 s: frame 6 (content 3.0 s) is excluded; frame 5 has no measurement
    assert vm.front_rms(tf, mf, touchdown_s=3.0) == pytest.approx(2.0)
    assert vm.front_coverage(tf, mf, touchdown_s=3.0) == pytest.approx(3 / 4)
    assert vm.front_rms(tf, mf) > 20.0


def test_crack_length_error_ignores_short_cracks_and_counts_missing_as_zero():
    true = np.array([np.nan, 5.0, 20.0, 40.0, 80.0])
    meas = np.array([np.nan, 0.0, 21.0, 42.0, 84.0])
    tf, mf = _frames(np.zeros(5), np.zeros(5), true, meas)
    assert vm.crack_length_error(tf, mf) == pytest.approx(0.05)
    tf, mf = _frames(np.zeros(5), np.zeros(5), true, np.array([np.nan] * 4 + [84.0]))
    assert vm.crack_length_error(tf, mf) == pytest.approx(1.0)  # median of 1, 1, 0.05


def test_event_tolerance_is_one_scan_plus_one_frame():
    truth = {"growth_onset_s": 2.0, "lateral_onset_s": 5.0, "crack_initiation_s": None,
             "touchdown_s": 9.0}
    summary = {"growth_onset_time_s": 2.59, "lateral_onset_time_s": 5.61,
               "crack_initiation_time_s": 3.0, "touchdown_time_s": None}
    ev = vm.event_errors(truth, summary, scan_period_s=0.5, frame_interval_s=0.1).set_index(
        "event")
    assert ev.loc["growth_onset", "within"] and not ev.loc["lateral_onset", "within"]
    assert not ev.loc["touchdown", "within"] and math.isnan(ev.loc["touchdown", "error_s"])
    assert ev.loc["crack_initiation", "spurious"]
    assert ev.loc["growth_onset", "error_s"] == pytest.approx(0.59)
    # a touch-down after the end of the video is not an event the video can show
    short = vm.event_errors(truth, summary, 0.5, 0.1, duration_s=8.0)
    assert "touchdown" not in set(short["event"])
    # without a touch-down seen in the video, the reported short-circuit time stands for it
    sc = vm.event_errors(truth, {**summary, "short_circuit_time_s": 9.3}, 0.5, 0.1)
    assert sc.set_index("event").loc["touchdown", "within"]


def test_confusion_matrix_counts():
    truth = ["none", "none", "fracture", "lateral_growth", "fracture", "contact_loss"]
    meas = ["none", "lateral_growth", "lateral_growth", "lateral_growth", "error", "contact_loss"]
    cm = vm.confusion_matrix(truth, meas)
    assert cm.loc["none", "none"] == 1 and cm.loc["none", "lateral_growth"] == 1
    assert cm.loc["fracture", "lateral_growth"] == 1 and cm.loc["fracture", "error"] == 1
    assert cm.loc["lateral_growth", "lateral_growth"] == 1
    assert cm.loc["contact_loss", "contact_loss"] == 1
    assert int(cm.to_numpy().sum()) == 6
    assert vm.failure_correct({"failure_mode": "fracture", "short_circuit": True},
                              {"failure_mode": "lateral_growth", "short_circuit": True}) \
        == (False, True)


def test_sync_tolerances_warnings_and_confidence_ordering():
    table = pd.DataFrame({
        # fine tolerance max(0.25, 0.1) = 0.25 s; one scan 0.5 s; two scans 1.0 s
        "error_s": [0.1, -0.2, 0.3, 0.9, -2.0, np.nan],
        "scan_period_s": 0.5, "frame_interval_s": 0.1,
        "confidence": [0.9, 0.9, 0.8, 0.3, 0.7, np.nan],
        "warned": [False, False, False, True, False, True]})
    s = vm.sync_metrics(table)
    assert s["n"] == 6
    assert s["within_fine"] == pytest.approx(2 / 6)
    assert s["within_two_scans"] == pytest.approx(4 / 6)
    # large: 0.9, -2.0 and the missing offset
    assert s["n_large"] == 3
    assert s["large_warned"] == pytest.approx(2 / 3)
    assert s["large_low_confidence"] == pytest.approx(2 / 3)
    assert vm.has_sync_warning(["trace: automatic synchronisation failed"])
    assert not vm.has_sync_warning(["frame 3 torn"])
    assert vm.sync_error({"sync_offset_s": 3.2}, {"sync_offset_s": 3.0}) == pytest.approx(-0.2)


def test_summary_table_pass_fail_and_missing_rates():
    scenes = pd.DataFrame({
        "mode_ok": [True, True, False], "sc_ok": [True, True, True],
        "has_growth": [True, False, True], "true_mode": ["fracture", "none", "none"],
        "measured_mode": ["fracture", "none", "lateral_growth"],
        "found": [2, 0, 1], "eligible": [2, 0, 1],
        "front_rms_px": [np.nan, np.nan, 1.0], "crack_rel_error": [0.02, np.nan, np.nan],
        "crack_init_within": [True, np.nan, np.nan]})
    werr = pd.DataFrame({"rms_px": [0.2, 0.4, 0.6], "bias_px": [0.1, -0.1, 0.3]})
    rerr = pd.DataFrame({"rel_error": [0.01, 0.02, np.nan], "within_2sigma": [True, True, False]})
    ev = pd.DataFrame({"error_s": [0.1, 0.2], "within": [True, True], "spurious": [False, False]})
    sync = pd.DataFrame({"error_s": [0.0, 0.1], "scan_period_s": 0.5, "frame_interval_s": 0.1,
                         "confidence": [0.9, 0.9], "warned": [False, False]})
    t = vm.summarize(scenes, werr, rerr, ev, sync).set_index("metric")
    assert t.loc["failure mode and short-circuit flag right", "value"] == pytest.approx(200 / 3)
    assert t.loc["failure mode and short-circuit flag right", "pass"] is False
    assert t.loc["scenes without growth reported `none`", "pass"] is True
    assert t.loc["whisker length RMS per whisker, median", "value"] == pytest.approx(0.4)
    assert t.loc["whisker length bias, mean over whiskers", "value"] == pytest.approx(0.1)
    # the missing rate counts as 100 %: 90th pct between 2 % and 100 %
    assert t.loc["growth rate per step, relative error, median", "value"] == pytest.approx(2.0)
    assert t.loc["growth rate per step, relative error, 90th pct", "pass"] is False
    assert t.loc["sync errors > one scan that carry a warning", "pass"] is None
    score, problems = vm.scene_problems({"status": "ok", "mode_ok": False, "sc_ok": True,
                                         "measured_mode": "lateral_growth",
                                         "true_mode": "none", "eligible": 1, "found": 0})
    assert score > 0 and "truth none" in problems[0] and "not found" in problems[1]
    assert vm.scene_problems({"status": "timeout", "error": "no result"})[0] == 100.0
