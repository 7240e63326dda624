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
def test_auto_sync_within_one_frame_interval(name):
    truth, s = _truth(name), _analysis(name).summary
    if s["sync_method"] != "auto":
        pytest.fail(f"auto sync did not run: {s['sync_detail']}")
    frame_interval = 1.0 / truth["fps"]
    err = abs(s["sync_offset_s"] - truth["sync_offset_s"])
    assert err <= frame_interval, f"sync offset error {err:.3f} s > {frame_interval} s"


def test_absolute_sync_from_start_timestamps():
    res = analyze(VIDEOS / "control.mp4", trace=VIDEOS / "control_trace.mpt",
                  scale_bar_um=20.0)
    assert res.summary["sync_method"] == "absolute"   # the default when both have timestamps
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
    (out / "stale.txt").write_text("x")
    res.save(out, overlay=False)
    assert not (out / "stale.txt").exists()
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
