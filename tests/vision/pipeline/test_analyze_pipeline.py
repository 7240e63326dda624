"""`semtrack analyze` end to end on the generated sample videos, against their truth.

Acceptance (issue 5): failure mode right on every case; event times within one
SEM scan of truth; sync offset recovered by `auto` within one frame interval;
local current density within 5 % of truth.
"""
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibration import InputError
from vision import analyze
from vision.cli import main

VIDEOS = Path(__file__).resolve().parents[3] / "videos"
PRESETS = ("whisker", "multi_whisker", "lateral", "crack", "stripping", "control")
SUMMARY_KEYS = {
    "failure_mode", "failure_evidence", "short_circuit", "short_circuit_time_s",
    "lateral_onset_time_s", "crack_initiation_time_s", "crack_initiation_voltage_V",
    "contact_loss_time_s", "max_growth_rate_um_s", "max_local_current_density_A_cm2",
    "growth_rates", "pixel_size_um", "pixel_size_source", "sync_offset_s", "sync_method",
    "n_frames", "n_duplicate_frames", "inputs", "semtrack_version", "parameters"}
FRAME_COLUMNS = ["frame", "time_s", "is_duplicate", "drift_x_px", "drift_y_px",
                 "whisker_count", "max_whisker_length_um", "li_area_um2",
                 "front_distance_um", "crack_length_um", "voltage_V", "current_A"]


def _truth(name):
    return json.loads((VIDEOS / f"{name}_truth.json").read_text())


_CACHE = {}


def _analysis(name):
    """Analyse a sample once per test session (pixel size from the scale bar)."""
    if name not in _CACHE:
        truth = _truth(name)
        _CACHE[name] = analyze(VIDEOS / f"{name}.mp4", trace=VIDEOS / f"{name}_trace.mpt",
                               scale_bar_um=truth["data_bar"]["scale_bar_um"],
                               counter_electrode="right", sync="auto")
    return _CACHE[name]


@pytest.mark.parametrize("name", PRESETS)
def test_failure_mode_and_short_circuit_match_truth(name):
    truth, s = _truth(name), _analysis(name).summary
    assert (s["failure_mode"], s["short_circuit"]) == (truth["failure_mode"],
                                                       truth["short_circuit"]), \
        s["failure_evidence"]


NOT_YET = {
    # Acceptance not reached yet (issue 5 stays open while this holds entries): key -> reason.
    # Strict xfail, so a pass is noticed. Keys: "sync_<preset>", "events_<preset>".
}


def _xfail(name, key):
    reason = NOT_YET.get(key)
    return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason)) \
        if reason else name


@pytest.mark.parametrize("name", [_xfail(p, f"sync_{p}") for p in PRESETS if p != "control"])
def test_auto_sync_within_half_a_scan_or_one_frame(name):
    truth, s = _truth(name), _analysis(name).summary
    if s["sync_method"] != "auto":
        pytest.fail(f"auto sync did not run: {s['sync_detail']}")
    # issue 13: within half a scan period or one frame interval, whichever is larger
    tol = max(1.0 / truth["fps"], 0.5 * s["scan_period_s"])
    err = abs(s["sync_offset_s"] - truth["sync_offset_s"])
    assert err <= tol, f"sync offset error {err:.3f} s > {tol:.3f} s"


def test_absolute_sync_from_start_timestamps():
    # asked for: never the default, the two start times come from different computers
    res = analyze(VIDEOS / "control.mp4", trace=VIDEOS / "control_trace.mpt",
                  scale_bar_um=20.0, sync="absolute")
    assert res.summary["sync_method"] == "absolute"
    assert res.summary["sync_offset_s"] == pytest.approx(_truth("control")["sync_offset_s"],
                                                         abs=1e-3)


def test_auto_sync_without_growth_falls_back_with_zero_confidence():
    s = _analysis("control").summary
    assert (s["sync_method"], s["sync_confidence"]) == ("span", 0.0)
    assert any("no lithium growth" in w for w in s["warnings"])


EVENTS = [("growth_onset_time_s", "growth_onset_s"),
          ("lateral_onset_time_s", "lateral_onset_s"),
          ("crack_initiation_time_s", "crack_initiation_s"),
          ("short_circuit_time_s", "short_circuit_s"),
          ("contact_loss_time_s", "contact_loss_s")]


@pytest.mark.parametrize("name", [_xfail(p, f"events_{p}") for p in PRESETS])
def test_event_times_within_one_scan(name):
    truth, s = _truth(name), _analysis(name).summary
    scan = truth["scan_period_s"]
    for ours, theirs in EVENTS:
        if truth.get(theirs) is None:
            assert s[ours] is None, f"{ours}: found {s[ours]} but it did not happen"
        else:
            assert s[ours] is not None, f"{ours}: missed (truth {truth[theirs]:.2f} s)"
            assert abs(s[ours] - truth[theirs]) <= scan, \
                f"{ours}: {s[ours]:.3f} s vs truth {truth[theirs]:.3f} s (one scan = {scan} s)"


def test_crack_initiation_voltage_against_the_true_trace():
    # the paper's key number (cracks start near -0.7 V). Truth: the trace at the TRUE
    # initiation time (trace clock = video clock + the true offset). The measured time may
    # be one scan off (the events' limit), so the voltage may be anything the true trace
    # shows within one scan of it, plus 5 mV of measurement noise. The crack sample steps
    # from -0.5 V to -0.75 V one second before the crack: an offset applied twice (3.2 s
    # further) reads -0.5 V and fails.
    import electrochem
    truth, s = _truth("crack"), _analysis("crack").summary
    tr = electrochem.read_trace(VIDEOS / "crack_trace.mpt").data
    t_video = tr["time_s"].to_numpy(float) - truth["sync_offset_s"]
    near = np.abs(t_video - truth["crack_initiation_s"]) <= truth["scan_period_s"]
    lo, hi = tr["voltage_V"][near].min(), tr["voltage_V"][near].max()
    got = s["crack_initiation_voltage_V"]
    assert got is not None and lo - 0.005 <= got <= hi + 0.005, \
        f"{got} V; the true trace shows {lo:.3f}..{hi:.3f} V around the true initiation"
    assert got == pytest.approx(truth["crack_initiation_voltage_V"], abs=0.05)
    # and exactly the trace at the reported time under the reported offset
    want = np.interp(s["crack_initiation_time_s"] + s["sync_offset_s"], tr["time_s"],
                     tr["voltage_V"])
    assert got == pytest.approx(want, abs=1e-9)


def test_event_voltages_are_the_trace_at_the_event_times(tmp_path):
    import electrochem
    for name in ("crack", "lateral"):
        res = _analysis(name)
        tr = electrochem.read_trace(VIDEOS / f"{name}_trace.mpt").data
        off = res.summary["sync_offset_s"]
        assert len(res.events)
        for row in res.events.itertuples():
            want = np.interp(row.time_s + off, tr["time_s"], tr["voltage_V"])
            assert row.voltage_V == pytest.approx(want, abs=1e-9), (name, row)


def test_growth_rates_of_each_whisker_match_its_truth_whisker():
    # rates are matched to truth whiskers by their direction (base -> tip), not by id: a
    # rate filed under another whisker's id is then compared with the wrong truth and fails
    truth, res = _truth("multi_whisker"), _analysis("multi_whisker")
    w = res.whiskers.drop_duplicates("whisker_id", keep="last")
    angle = np.degrees(np.arctan2(w["tip_y_um"] - w["base_y_um"], w["tip_x_um"] - w["base_x_um"]))
    truth_angles = {tw["whisker_id"]: tw["angle_deg"] for tw in truth["whiskers"]}
    checked = 0
    for wid, ang in zip(w["whisker_id"], angle):
        tid = min(truth_angles, key=lambda k: abs((truth_angles[k] - ang + 180) % 360 - 180))
        tw = next(t for t in truth["whiskers"] if t["whisker_id"] == tid)
        mine = res.growth_rates.loc[res.growth_rates["whisker_id"] == wid]
        for step in tw["steps"]:
            end = step["end_s"] or truth["duration_s"]
            # steps with >= 20 px of growth (as the current-density test above)
            if step["rate_um_s"] * (end - max(step["start_s"], tw["onset_s"])) < \
                    20 * truth["pixel_size_um"]:
                continue
            mid = 0.5 * (step["start_s"] + end)
            row = mine.loc[(mine["t_start_s"] <= mid) & (mine["t_end_s"] >= mid)]
            if row.empty:
                continue
            checked += 1
            got = float(row["rate_um_s"].iloc[0])
            # 5 %: the local current density requirement of issue 5 (j is proportional to v)
            assert got == pytest.approx(step["rate_um_s"], rel=0.05), \
                f"whisker {wid} (truth {tid}), step {step['step']}: {got:.3f} vs " \
                f"{step['rate_um_s']:.3f} um/s"
    assert checked >= 3


@pytest.mark.parametrize("name", ["whisker", "multi_whisker"])
def test_faraday_ratio_against_truth(name):
    # truth: the same ratio from the truth files: |charge| of the true trace over the
    # video's scans / charge of the true whisker volume (pi/4 w^2 L per whisker) grown
    # meanwhile (about 1: the presets' current is that of the visible whiskers, plus
    # noise and charging spikes). Tolerance 10 %: the volume goes with width squared and
    # the width target is 5 % (length errors of 0.5 px on 100+ px add little).
    import electrochem
    truth, res = _truth(name), _analysis(name)
    px = truth["pixel_size_um"]
    tw = pd.read_csv(VIDEOS / f"{name}_truth_whiskers.csv")
    tf = pd.read_csv(VIDEOS / f"{name}_truth_frames.csv")
    vol = (np.pi / 4 * (tw["width_px"] * px) ** 2 * tw["length_px"] * px).groupby(
        tw["frame"]).sum().reindex(tf["frame"], fill_value=0.0).to_numpy()
    new = res.frames.loc[~res.frames["is_duplicate"].astype(bool), "content_time_s"]
    t0, t1 = float(new.iloc[0]), float(new.iloc[-1])
    tr = electrochem.read_trace(VIDEOS / f"{name}_trace.mpt").data
    tt = tr["time_s"].to_numpy(float) - truth["sync_offset_s"]
    sel = (tt >= t0) & (tt <= t1)
    charge = np.trapezoid(np.abs(tr["current_A"].to_numpy(float)[sel]), tt[sel])
    grown = np.interp(t1, tf["content_time_s"], vol) - np.interp(t0, tf["content_time_s"], vol)
    want = charge / electrochem.charge_from_volume(grown)
    got = res.summary["faraday_ratio"]
    assert 0.9 <= want <= 1.1   # the presets' trace carries the visible whiskers' charge
    assert got is not None and got == pytest.approx(want, rel=0.10), \
        f"faraday ratio {got} vs truth {want:.4f}"


def _true_speed(name, column):
    """The summary's speed estimator on the truth's column (px -> um), one row per scan."""
    from vision.pipeline._summary import _speed
    tf = pd.read_csv(VIDEOS / f"{name}_truth_frames.csv").drop_duplicates("content_time_s")
    return _speed(tf.assign(**{column: tf[column] * _truth(name)["pixel_size_um"]}), column)


def test_front_speed_against_truth():
    # front: the estimator (largest robust 3-scan speed) on the true distances. The
    # distances may be 2 px RMS off (issue 5/11 front target), so a speed over two scans
    # (1 s) may be 2 x 2 px / 1 s = 0.8 um/s off at 0.2 um/px
    got, want = _analysis("lateral").summary["front_speed_um_s"], \
        _true_speed("lateral", "front_distance_px")
    assert got is not None and abs(got - want) <= 0.8, f"front speed {got} vs {want:.3f} um/s"


def test_crack_tip_speed_against_truth():
    # crack tip: the estimator on the true path lengths (6.0 um/s: the preset's 30 px/s).
    # Path lengths may scatter by 3 % RMS (target of the crack tests) on 20-60 um, about
    # 1 um per scan: a speed over two scans (1 s) by sqrt(2) um/s, 23 % of 6 um/s, and the
    # estimator (median of the 3 largest) leans high: 25 %. A speed in px/s (x5), over
    # one scan instead of two (x2) or of the whole path fails.
    s = _analysis("crack").summary
    want = _true_speed("crack", "crack_length_px")
    got = s["crack_tip_speed_um_s"]
    assert want == pytest.approx(6.0, rel=0.01)
    assert got is not None and got == pytest.approx(want, rel=0.25), \
        f"crack tip speed {got} vs {want:.3f} um/s"


@pytest.mark.parametrize("name", ["whisker", "multi_whisker", "control", "stripping"])
def test_no_speed_without_front_or_crack(name):
    s = _analysis(name).summary
    assert s["front_speed_um_s"] is None and s["crack_tip_speed_um_s"] is None, \
        (s["front_speed_um_s"], s["crack_tip_speed_um_s"])


@pytest.mark.parametrize("name", ["whisker", "multi_whisker"])
def test_local_current_density_within_5_percent(name):
    truth, res = _truth(name), _analysis(name)
    rates = res.growth_rates
    assert len(rates), "no growth rates"
    worst, checked = 0.0, 0
    px = truth["pixel_size_um"]
    for tw in truth["whiskers"]:
        for step in tw["steps"]:
            end = step["end_s"] or truth["duration_s"]
            # steps in which the whisker grows >= 20 px: over less, the +-0.3 px scatter
            # of single tip positions dominates a rate (as in the tracker's own tests)
            if step["rate_um_s"] * (end - max(step["start_s"], tw["onset_s"])) < 20 * px:
                continue
            checked += 1
            mid = 0.5 * (step["start_s"] + end)
            cand = rates.loc[(rates["t_start_s"] <= mid) & (rates["t_end_s"] >= mid)]
            errs = np.abs(cand["current_density_A_cm2"] / step["current_density_A_cm2"] - 1)
            assert len(cand), f"no rate fitted for step {step['step']} (t = {mid:.1f} s)"
            worst = max(worst, float(errs.min()))
    assert checked >= 2
    assert worst <= 0.05, f"worst local current density error {100 * worst:.1f} % > 5 %"


def test_save_writes_the_contract_and_replaces_cleanly(tmp_path):
    res = _analysis("lateral")
    out = tmp_path / "lateral"
    res.save(out)
    names = {p.name for p in out.iterdir()}
    assert {"summary.json", "frames.csv", "whiskers.csv", "events.csv", "overlay.mp4",
            "report.html"} <= names
    summary = json.loads((out / "summary.json").read_text())
    assert SUMMARY_KEYS <= set(summary)
    assert summary["inputs"]["video"]["sha256"] and summary["inputs"]["trace"]["sha256"]
    frames = pd.read_csv(out / "frames.csv")
    assert list(frames.columns[:len(FRAME_COLUMNS)]) == FRAME_COLUMNS
    assert len(frames) == summary["n_frames"] == _truth("lateral")["n_frames"]
    events = pd.read_csv(out / "events.csv")
    assert list(events.columns) == ["event", "time_s", "frame", "voltage_V", "current_A",
                                    "source"]
    assert set(events["source"]) == {"video", "trace"}  # short circuit seen by both
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "data:image/jpeg;base64," in html
    assert "http://" not in html and "https://" not in html  # self-contained
    import av
    with av.open(str(out / "overlay.mp4")) as c:
        n_overlay = sum(1 for _ in c.decode(video=0))
    # one overlay frame per new scan (and the last frame), mapped to its video frame
    mapping = pd.read_csv(out / "overlay_frames.csv")
    assert list(mapping.columns) == ["overlay_frame", "frame", "time_s"]
    assert n_overlay == len(mapping) < summary["n_frames"]
    assert list(mapping["overlay_frame"]) == list(range(n_overlay))
    new_scans = set(frames.loc[~frames["is_duplicate"].astype(bool), "frame"])
    assert set(mapping["frame"]) == new_scans | {summary["n_frames"] - 1}
    # rerun: the folder is replaced, no temporary folders left behind
    res.save(out, overlay=False)
    assert not (out / "overlay.mp4").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["lateral"]
    # ... but never a file semtrack did not write (issue 15.1): it stops the save
    (out / "stale.txt").write_text("x")
    with pytest.raises(InputError, match="stale.txt"):
        res.save(out, overlay=False)
    assert (out / "stale.txt").read_text() == "x"
    assert [p.name for p in tmp_path.iterdir()] == ["lateral"]


def _short_trace(tmp_path, keep_s):
    import electrochem
    tr = electrochem.read_trace(VIDEOS / "whisker_trace.mpt")
    data = tr.data.loc[tr.data["time_s"] <= keep_s]
    path = tmp_path / "short.mpt"
    electrochem.write_mpt(path, data, start_time=tr.start_time)
    return path


def test_trace_shorter_than_video_warns_and_video_results_stay(tmp_path):
    trace = _short_trace(tmp_path, 12.0)
    with pytest.warns(UserWarning, match="covers only"):
        res = analyze(VIDEOS / "whisker.mp4", trace=trace, scale_bar_um=20.0,
                      sync_offset_s=3.2)
    assert res.frames["voltage_V"].isna().any() and res.frames["voltage_V"].notna().any()
    assert res.frames["max_whisker_length_um"].max() > 20


def test_trace_not_overlapping_warns(tmp_path):
    with pytest.warns(UserWarning, match="does not overlap"):
        res = analyze(VIDEOS / "control.mp4", trace=VIDEOS / "control_trace.mpt",
                      scale_bar_um=20.0, sync_offset_s=1e4)
    assert res.frames["current_A"].isna().all()
    assert res.summary["failure_mode"] == "none"


def test_trace_without_current_warns(tmp_path):
    import electrochem
    tr = electrochem.read_trace(VIDEOS / "control_trace.mpt")
    path = tmp_path / "nocurrent.csv"
    tr.data[["time_s", "voltage_V"]].to_csv(path, index=False)
    with pytest.warns(UserWarning, match="no current"):
        res = analyze(VIDEOS / "control.mp4", trace=path, scale_bar_um=20.0)
    assert res.frames["current_A"].isna().all()


def test_cli_bad_input_exit_code_2(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "missing.mp4"), "--pixel-size", "0.2"]) == 2
    err = capsys.readouterr().err
    assert "missing.mp4" in err and "Traceback" not in err
    assert main(["analyze", str(VIDEOS / "control.mp4"), "--electrode", "a,b"]) == 2
    assert "--electrode" in capsys.readouterr().err


def test_cli_writes_results(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["analyze", str(VIDEOS / "control.mp4"), "--trace",
                 str(VIDEOS / "control_trace.mpt"), "--scale-bar-um", "20", "--sync-offset",
                 "3.2", "--out", str(out), "--no-overlay", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "failure mode none" in printed and str(out) in printed
    assert json.loads((out / "summary.json").read_text())["sync_method"] == "given"
    assert os.path.exists(out / "report.html") and not os.path.exists(out / "overlay.mp4")


def test_out_never_destroys_what_is_not_a_results_folder(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "notes.txt").write_text("keep me")
    args = [str(VIDEOS / "control.mp4"), "--pixel-size", "0.2", "--no-overlay", "--quiet"]
    assert main(["analyze", *args, "--out", str(data)]) == 2
    assert "not a semtrack results folder" in capsys.readouterr().err
    assert (data / "notes.txt").read_text() == "keep me"
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert main(["analyze", *args, "--out", str(a_file)]) == 2
    assert "not a folder" in capsys.readouterr().err and a_file.read_text() == "x"
    assert main(["analyze", *args, "--out", str(a_file / "res")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_results_folder_readable_by_colleagues(tmp_path):
    out = tmp_path / "res"
    _analysis("control").save(out, overlay=False, report=False)
    mask = os.umask(0o022)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~mask


def test_crop_keeps_the_scale_bar_for_calibration():
    res = analyze(VIDEOS / "control.mp4", crop=(0, 350, 0, 512))
    assert res.summary["pixel_size_source"] == "scale_bar"
    assert res.summary["pixel_size_um"] == pytest.approx(0.2, rel=0.01)


def test_overlay_draws_only_whiskers_that_are_reported():
    res = _analysis("lateral")
    drawn = {w[0] for d in res.drawings.values() for w in d.whiskers}
    assert drawn <= set(res.whiskers["whisker_id"])


def test_csv_trace_with_column_mapping(tmp_path):
    import electrochem
    tr = electrochem.read_trace(VIDEOS / "whisker_trace.mpt")
    path = tmp_path / "lab.csv"
    tr.data.rename(columns={"time_s": "Time", "voltage_V": "Ewe", "current_A": "I"})[
        ["Time", "Ewe", "I"]].to_csv(path, index=False)
    res = analyze(VIDEOS / "whisker.mp4", trace=path, scale_bar_um=20.0, sync_offset_s=3.2,
                  trace_columns="time=Time,voltage=Ewe,current=I",
                  trace_units="time=s,voltage=V,current=A")
    assert res.frames["current_A"].notna().all()
    assert res.summary["parameters"]["trace_columns"] == "time=Time,voltage=Ewe,current=I"
