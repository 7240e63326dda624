"""Randomized scenes of vision.synthetic: determinism, independent streams, truth consistency, files."""
import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

from calibration import FARADAY_C_MOL, MOLAR_VOLUME_LI_CM3_MOL, UM3_PER_CM3
from vision.synthetic import (
    BankCaps,
    Scene,
    Whisker,
    WhiskerShape,
    preset,
    random_scene,
    render_frames,
    render_random,
)
from vision.synthetic import _random as rnd
from vision.synthetic._render import prepare
from vision.synthetic._scene import li_volume_um3, step_bounds, timeline

#: Tiny scenes: quick to render, same drawing rules (caps crop and shorten only).
SMALL = BankCaps(max_frames=16, max_cols=192, max_rows=128, screen_recordings=False, min_scans=3)

#: Failure mode each scenario must produce (the analysis contract).
MODE = {"control": "none", "whiskers": "none", "lateral": "lateral_growth", "crack": "fracture",
        "stripping": "contact_loss"}


def test_same_seed_same_scene_other_seed_differs():
    for seed in (0, 7, 100_000):
        assert random_scene(seed) == random_scene(seed)
        assert random_scene(seed, caps=SMALL) == random_scene(seed, caps=SMALL)
    assert random_scene(1) != random_scene(2)
    assert random_scene(1, bank_version=2) != random_scene(1)


def _perturbed(monkeypatch, group, seed):
    """The scene of ``seed`` when ``group`` draws one extra number first (a property added
    to that group later)."""
    real = rnd._rng

    def rng(version, s, g):
        r = real(version, s, g)
        if g == group:
            r.random()
        return r

    monkeypatch.setattr(rnd, "_rng", rng)
    try:
        return random_scene(seed)
    finally:
        monkeypatch.setattr(rnd, "_rng", real)


def _groups(scene):
    """Properties by the stream group that draws them."""
    ext = scene.extras
    return {
        "optics": (scene.pixel_size_um, scene.shape, ext.stage_tilt_deg, scene.eht_kv),
        "artefacts": (scene.artefacts, ext.drift_jumps, ext.contrast_jumps, ext.font),
        "trace": (scene.trace_model, scene.sync_offset_s, scene.capacitance_F),
        "files": (ext.codec, ext.crf, ext.bit_depth),
        "appearance": (ext.li_level, ext.ceramic_level, ext.edge_gain, ext.streaks),
        "whiskers": tuple((w.angle_deg, w.width_px) for w in scene.whiskers),
    }


@pytest.mark.parametrize("group", ["artefacts", "whiskers", "trace", "files"])
def test_each_group_draws_from_its_own_stream(monkeypatch, group):
    changed_somewhere = False
    for seed in (3, 11, 100_004):
        base = random_scene(seed)
        other = _perturbed(monkeypatch, group, seed)
        a, b = _groups(base), _groups(other)
        for name in a:
            if name != group:
                assert a[name] == b[name], f"perturbing {group} changed {name}"
        changed_somewhere |= a[group] != b[group]
    assert changed_somewhere  # the perturbation did reach the group itself


@pytest.mark.parametrize("seed", range(60))
def test_failure_mode_follows_the_scenario_and_events_are_set(seed):
    scene = random_scene(seed)
    tl = timeline(scene)
    scenario = scene.extras.scenario
    assert tl.failure_mode == MODE[scenario]
    assert tl.short_circuit == (scenario in ("lateral", "crack"))
    if scenario in ("lateral", "crack"):
        assert 0 < tl.touchdown_s < scene.duration_s
    if scenario == "crack":
        v = [volt for (s, e), (_, volt) in zip(step_bounds(scene), scene.steps)
             if s <= tl.crack_initiation_s < e]
        assert -1.0 <= v[0] <= -0.3
    if scenario == "stripping":
        assert 0 < tl.contact_loss_s < scene.duration_s
    if scenario == "control":
        assert tl.growth_onset_s is None
    # drawn axes stay in their ranges
    assert 0.03 <= scene.pixel_size_um <= 0.5
    assert len(scene.whiskers) <= 6
    assert all(1.5 <= w.width_px <= 15.0 for w in scene.whiskers)
    assert scene.n_frames <= BankCaps().max_frames


def test_charge_is_unseen_factor_times_visible_volume_plus_the_nuisances():
    seed = next(s for s in range(200) if random_scene(s).extras.scenario == "lateral")
    scene = random_scene(seed).replace(current_noise_A=0.0)
    tm = scene.trace_model
    assert tm.unseen_factor > 1.0 and (tm.leakage_S != 0.0 or tm.offset_A != 0.0)
    tl, trace, *_ = prepare(scene)
    t_trace = trace["time_s"].to_numpy()
    tv = t_trace / (1 + 1e-6 * tm.clock_drift_ppm) - scene.sync_offset_s
    cur = trace["current_A"].to_numpy()
    sel = (tv >= 0) & (tv <= min(scene.duration_s, tl.touchdown_s) - 0.5)
    # remove leakage, offset and the charging spikes (their charge is C dV per step)
    cur = cur - tm.leakage_S * trace["control_V"].to_numpy() - tm.offset_A
    spikes = sum(scene.capacitance_F * (v - p) for (t, v), p in
                 zip(scene.steps, [scene.rest_voltage_V] + [v for _, v in scene.steps[:-1]])
                 if tv[sel][0] <= t <= tv[sel][-1] - 2.0)
    charge = np.trapezoid(cur[sel], tv[sel]) - spikes
    vol = li_volume_um3(scene, tl, tv[sel][-1]) - li_volume_um3(scene, tl, tv[sel][0])
    expected = -tm.unseen_factor * vol / UM3_PER_CM3 / MOLAR_VOLUME_LI_CM3_MOL * FARADAY_C_MOL
    assert vol > 0
    assert charge == pytest.approx(expected, rel=0.03)


def _collect(scene):
    rows, wrows, imgs = [], [], []
    for img, row, w in render_frames(scene, whiskers=True):
        imgs.append(img)
        rows.append(row)
        wrows.extend(w)
    return imgs, pd.DataFrame(rows), pd.DataFrame(wrows)


def test_censored_exactly_when_the_tip_leaves_the_field_or_enters_the_data_bar():
    base = random_scene(next(s for s in range(200)
                             if random_scene(s, caps=SMALL).artefacts.data_bar), caps=SMALL)
    rows, cols = base.shape
    ex, ey = cols * 0.3, rows * 0.4
    fast = 2.0 * cols / base.duration_s
    scene = base.replace(
        electrode_xy_px=(ex, ey), electrode_radius_px=12.0, counter_electrode_x_px=cols - 4.0,
        steps=((0.0, -1.0),), lateral=None, crack=None, stripping=None,
        whiskers=(Whisker(angle_deg=0.0, rates_px_s=(fast,), width_px=4.0),     # out right
                  Whisker(angle_deg=90.0, rates_px_s=(fast,), width_px=4.0),    # into the bar
                  Whisker(angle_deg=-135.0, rates_px_s=(0.5,), width_px=4.0)),  # stays inside
        extras=dataclasses.replace(base.extras, whisker_shapes=(WhiskerShape(),) * 3,
                                   content_box=None))
    _, _, w = _collect(scene)
    bar_top = rows - scene.data_bar_rows
    for k, lim in ((0, "x"), (1, "y")):
        sub = w[w["whisker_id"] == k]
        beyond = (sub["tip_x_px"] > cols - 1 - 2.0) if lim == "x" else (sub["tip_y_px"] > bar_top - 1 - 2.0)
        assert beyond.any() and (~beyond).any()
        np.testing.assert_array_equal(sub["censored"].to_numpy(), beyond.to_numpy())
    assert not w.loc[w["whisker_id"] == 2, "censored"].any()
    assert w.loc[w["whisker_id"] == 1, "tip_in_data_bar"].any()


def test_inclined_whisker_shows_cos_of_its_true_length():
    base = random_scene(5, caps=SMALL)
    scene = base.replace(
        steps=((-5.0, -1.0),), lateral=None, crack=None, stripping=None,
        whiskers=(Whisker(angle_deg=0.0, rates_px_s=(3.0,), width_px=4.0),),
        extras=dataclasses.replace(base.extras, whisker_shapes=(WhiskerShape(inclination_deg=40),)))
    _, _, w = _collect(scene)
    np.testing.assert_allclose(w["length_px"], w["length_3d_px"] * math.cos(math.radians(40)))
    np.testing.assert_allclose(w["length_3d_px"], 3.0 * (w["content_time_s"] + 5.0))


def test_curved_whisker_tip_is_at_its_arc_length():
    base = random_scene(5, caps=SMALL)
    scene = base.replace(
        steps=((-5.0, -1.0),), lateral=None, crack=None, stripping=None,
        whiskers=(Whisker(angle_deg=0.0, rates_px_s=(6.0,), width_px=4.0),),
        extras=dataclasses.replace(base.extras, whisker_shapes=(
            WhiskerShape(curvature_deg_per_px=0.5),)))
    from vision.synthetic._scene import whisker_path
    pts, _ = whisker_path(scene, 0, 60.0)
    assert np.sum(np.hypot(*np.diff(pts, axis=0).T)) == pytest.approx(60.0)
    # a circular arc of radius R = 1 / curvature: chord = 2 R sin(L / 2R)
    big_r = 1.0 / math.radians(0.5)
    chord = np.hypot(*(pts[-1] - pts[0]))
    assert chord == pytest.approx(2 * big_r * math.sin(60.0 / (2 * big_r)), rel=1e-3)


def test_presets_carry_no_extras_and_random_scenes_round_trip():
    d = preset("whisker").to_dict()
    assert "extras" not in d and "trace_model" not in d
    scene = random_scene(42)
    assert Scene.from_dict(json.loads(json.dumps(scene.to_dict()))) == scene


@pytest.mark.parametrize("fmt", ["mp4", "avi", "mpeg4", "mjpeg", "tiff", "png"])
def test_random_scene_renders_through_every_writer(tmp_path, fmt):
    seed = {"mp4": 1, "avi": 2, "mpeg4": 3, "mjpeg": 4, "tiff": 5, "png": 6}[fmt]
    scene = random_scene(seed, caps=SMALL)
    if fmt in ("tiff", "png"):  # 16-bit files
        scene = scene.replace(extras=dataclasses.replace(scene.extras, bit_depth=16, codec=fmt))
    res = render_random(scene, tmp_path, fmt=fmt)
    info = json.loads(res.truth_json.read_text())
    frames = pd.read_csv(res.truth_frames)
    assert len(frames) == scene.n_frames == info["n_frames"]
    assert info["random"]["seed"] == seed and info["failure_mode"] == MODE[info["random"]["scenario"]]
    assert {"crack_filled_length_px", "gain", "beam_shift_x_px"} <= set(frames.columns)
    assert set(pd.read_csv(res.truth_whiskers).columns) >= {"censored", "length_3d_px"}
    if fmt in ("mp4", "avi", "mpeg4", "mjpeg"):
        import av
        with av.open(str(res.video)) as c:
            n = sum(1 for _ in c.decode(video=0))
        assert n == scene.n_frames
    elif fmt == "tiff":
        import tifffile
        stack = tifffile.imread(res.video)
        assert stack.shape == (scene.n_frames, *scene.shape) and stack.dtype == np.uint16
        assert stack.max() > 255
    else:
        import cv2
        img = cv2.imread(str(min(res.video.glob("*.png"))), cv2.IMREAD_UNCHANGED)
        assert img.dtype == np.uint16 and img.shape == scene.shape


def test_screen_recording_is_black_outside_its_content_box():
    caps = BankCaps(max_frames=4, screen_max_frames=4, min_scans=1)
    seed = next(s for s in range(300) if random_scene(s, caps=caps).extras.content_box)
    scene = random_scene(seed, caps=caps)
    x0, y0, w, h = scene.extras.content_box
    img, _ = next(render_frames(scene))
    assert img.shape == (1080, 1920)
    assert img[:y0].max() == 0 and img[:, :x0].max() == 0 and img[:, x0 + w:].max() == 0
    assert img[y0 + 10:y0 + h - 80, x0 + 10:x0 + w - 10].mean() > 5


def test_synth_random_cli(tmp_path, capsys):
    from vision._cli import main
    seed = next(s for s in range(200) if random_scene(s).shape[1] <= 512
                and random_scene(s).extras.scenario == "whiskers")
    assert main(["synth", "random", "--seed", str(seed), "--out", str(tmp_path),
                 "--format", "avi"]) == 0
    out = capsys.readouterr().out
    assert f"random_{seed}.avi" in out
    scene = random_scene(seed)  # the printout: the scene's pixel size in µm/px, its length in s
    assert f"{scene.pixel_size_um:.3g} µm/px" in out, out
    assert f"{scene.duration_s:g} s long" in out, out
    assert json.loads((tmp_path / f"random_{seed}_truth.json").read_text())["random"]["seed"] == seed
    assert main(["synth", "random", "--out", str(tmp_path)]) == 2
    assert "needs --seed" in capsys.readouterr().err


def _crack_scene(style, fill_delay=0.0):
    seed = next(s for s in range(400) if random_scene(s).crack is not None)
    scene = random_scene(seed, caps=SMALL)
    return scene.replace(extras=dataclasses.replace(scene.extras, crack_style=style,
                                                    crack_fill_delay_s=fill_delay))


def test_intergranular_crack_runs_along_the_grain_boundaries():
    from scipy.spatial import cKDTree

    from vision.synthetic._paths import grain_seeds
    scene = _crack_scene("intergranular")
    scene = scene.replace(extras=dataclasses.replace(scene.extras, grain_size_px=10.0))
    segs = timeline(scene).crack
    seeds = grain_seeds(scene)
    # every corner of the path but its two ends is a Voronoi vertex: equidistant to 3 grains
    d, _ = cKDTree(seeds).query(np.column_stack([segs.x1[:-1], segs.y1[:-1]]), k=3)
    assert len(d) >= 3
    np.testing.assert_allclose(d[:, 2] - d[:, 0], 0.0, atol=1e-6)


def test_branched_crack_reports_its_main_path_and_fills_later():
    scene = _crack_scene("branched", fill_delay=0.6)
    tl = timeline(scene)
    assert tl.crack.branch.any() and (~tl.crack.branch).any()
    _, frames, _ = _collect(scene)
    grown = frames.dropna(subset=["crack_length_px"])
    assert (grown["crack_main_length_px"] <= grown["crack_length_px"] + 1e-9).all()
    assert (grown["crack_filled_length_px"] <= grown["crack_length_px"] + 1e-9).all()
    assert (grown["crack_filled_length_px"] < grown["crack_length_px"]).any()
    main = ~tl.crack.branch
    end = grown.iloc[-1]
    if end["content_time_s"] >= tl.touchdown_s:
        assert end["crack_main_length_px"] == pytest.approx(float(np.sum(tl.crack.length[main])))


@pytest.mark.parametrize("name", ["whisker", "crack"])
def test_presets_still_write_the_committed_truth_byte_for_byte(tmp_path, name):
    from pathlib import Path

    from vision.synthetic import render
    videos = Path(__file__).resolve().parents[1] / "videos"
    res = render(preset(name), tmp_path, fmt="mp4", name=name, crf=32)
    for path in (res.truth_frames, res.truth_whiskers, res.truth_json, res.trace):
        assert path.read_bytes() == (videos / path.name).read_bytes(), path.name
