"""Whiskers many pixels wide (fine pixel sizes), through the whole pipeline, against the truth.

At full HD and 0.06-0.07 um/px a 2-3 um whisker is 28-44 px wide: the benchmark video of
issue 14 (1920x1080, 0.0711 um/px, a 28-px whisker) reported no whisker at all. The
scenes here are small (320x240, 10 s) but at such pixel sizes: drawn with
``vision.synthetic``'s public classes, written as a video with its potentiostat trace,
analysed by ``vision.analyze`` as a user runs it (``--pixel-size`` given, automatic
sync; electrode, data bar and refreshes found by semtrack), and compared with the truth
by the validation bank's own metric functions (``benchmarks/validate.compare_scene``).

Limits are issue 11's per-scene (90th-percentile) targets: length RMS <= 1.0 px, growth
rate per step (>= 20 px of growth) within 6 %; and the whisker is measured in every frame
in which it is long enough to count (>= 10 px, the requirement's "true whisker").
"""
import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vision import analyze
from vision.synthetic import Scene, Whisker, render

BENCH = Path(__file__).resolve().parents[3] / "benchmarks"
sys.path.insert(0, str(BENCH))
import validate  # noqa: E402

#: Issue 11's 90th-percentile targets, which a single scene must meet.
WHISKER_RMS_PX = 1.0
RATE_REL = 0.06
#: A whisker counts from this length (px, issue 11's "true whisker": >= 10 px long).
MIN_TRUE_LENGTH_PX = 10.0
#: Fraction of those frames in which it must be measured: all but the odd torn frame.
MIN_COVERAGE = 0.95


def _scene(pixel_size_um, width_um, seed):
    """One whisker of ``width_um`` at ``pixel_size_um`` on a small frame, 10 s, two steps."""
    def px(um):
        return um / pixel_size_um

    return Scene(name="wide", shape=(240, 320), pixel_size_um=pixel_size_um, fps=10.0,
                 scan_period_s=0.5, duration_s=10.0, seed=seed,
                 electrode_xy_px=(90.0, 150.0), electrode_radius_px=60.0,
                 counter_electrode_x_px=300.0, steps=((1.0, -0.5), (3.0, -1.0), (6.0, -2.0)),
                 whiskers=(Whisker(angle_deg=-30.0, rates_px_s=(0.0, px(0.6), px(1.5)),
                                   width_px=px(width_um)),))


def _run(tmp_path, scene):
    render_dir, results = tmp_path / "render", tmp_path / "results"
    res = render(scene, render_dir, name="scene")
    (render_dir / "DONE.json").write_text(json.dumps({
        "seed": scene.seed, "label": "wide", "video": res.video.name, "trace": res.trace.name,
        "truth_json": res.truth_json.name, "truth_frames": res.truth_frames.name,
        "truth_whiskers": res.truth_whiskers.name, "n_frames": res.n_frames}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = analyze(res.video, trace=res.trace, pixel_size_um=scene.pixel_size_um,
                           sync="auto", progress=False)
    analysis.save(results, overlay=False, report=False)
    rec, werr, rerr, _ = validate.compare_scene(
        scene.seed, render_dir, results, {"status": "ok", "error": "", "analyze_s": math.nan})
    truth = pd.read_csv(res.truth_whiskers)
    measured = pd.read_csv(results / "whiskers.csv")
    return rec, werr, rerr, truth, measured


@pytest.mark.parametrize("pixel_size_um, width_um", [
    (0.0711, 2.0),   # the full-HD bench video's pixel size and whisker (28 px)
    pytest.param(0.06, 2.64, marks=pytest.mark.xfail(strict=True, reason=(
        "measured: step-1 rate error 147 % (1.48 vs 0.6 um/s): the 44-px stub is wider than "
        "long until 20 px long, its mask elongated along the rim, and is not found before "
        "(two scans left in the step). A radial-stub rule (branch whisker7-onrim) finds it "
        "from 10 px but took drift-exposed border strips for whiskers (check seed 7024)"))),
], ids=["28px", "44px"])
def test_wide_whisker_found_measured_and_rated(tmp_path, pixel_size_um, width_um):
    scene = _scene(pixel_size_um, width_um, seed=1)
    rec, werr, rerr, truth, measured = _run(tmp_path, scene)
    width_px = width_um / pixel_size_um
    assert rec["found"] == rec["eligible"] == 1, \
        f"{width_px:.0f}-px whisker: found {rec['found']} of {rec['eligible']}"
    frames = truth.loc[truth["length_px"] >= MIN_TRUE_LENGTH_PX, "frame"].to_numpy()
    seen = np.isin(frames, measured["frame"].to_numpy())
    assert seen.mean() >= MIN_COVERAGE, \
        f"{width_px:.0f}-px whisker measured in {seen.sum()} of {len(frames)} frames (>= 10 px " \
        f"long); missed in frames {frames[~seen].tolist()}"
    rms = float(werr["rms_px"].max())
    assert rms <= WHISKER_RMS_PX, f"{width_px:.0f}-px whisker: length RMS {rms:.2f} px"
    assert len(rerr) == 2, f"rated steps: {rerr.to_dict('records')}"
    worst = float(np.nan_to_num(rerr["rel_error"], nan=1.0).max())
    assert worst <= RATE_REL, \
        f"{width_px:.0f}-px whisker: rate errors {rerr['rel_error'].round(4).tolist()} " \
        f"(measured {rerr['measured_rate_um_s'].round(3).tolist()} um/s, " \
        f"true {rerr['true_rate_um_s'].tolist()})"
