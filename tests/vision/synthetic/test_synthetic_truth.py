"""Truth consistency and determinism of vision.synthetic (in memory, short clips)."""
import math

import numpy as np
import pandas as pd
import pytest

from calibration import FARADAY_C_MOL, MOLAR_VOLUME_LI_CM3_MOL, UM3_PER_CM3, InputError
from vision.synthetic import FRAME_COLUMNS, PRESETS, Scene, Whisker, preset, render_frames
from vision.synthetic._render import prepare


def _collect(scene):
    imgs, rows, wrows = [], [], []
    for img, row, w in render_frames(scene, whiskers=True):
        imgs.append(img)
        rows.append(row)
        wrows.extend(w)
    return imgs, pd.DataFrame(rows), pd.DataFrame(wrows)


@pytest.fixture(scope="module")
def whisker_clip():
    # 6 s of the whisker preset, started late so the whisker grows through a step change
    scene = preset("whisker", duration_s=6.0, steps=((-6.0, -0.5), (-3.0, -1.0), (2.0, -2.0),
                                                       (4.0, -3.0)))
    return scene, *_collect(scene)


def test_frames_have_shape_dtype_and_columns(whisker_clip):
    scene, imgs, frames, _ = whisker_clip
    assert len(imgs) == scene.n_frames == 60
    assert all(im.shape == (384, 512) and im.dtype == np.uint8 for im in imgs)
    assert list(frames.columns) == list(FRAME_COLUMNS)


def test_whisker_length_is_rate_times_time_and_tip_on_axis(whisker_clip):
    scene, _, frames, whiskers = whisker_clip
    w = scene.whiskers[0]
    rates = dict(zip([s for s, _ in scene.steps], w.rates_px_s))
    c = whiskers["content_time_s"].to_numpy()
    # steps: -1 V from -3 s, -2 V from 2 s, -3 V from 4 s
    expected = (rates[-3.0] * (np.minimum(c, 2.0) + 3.0) + rates[2.0] * np.clip(c - 2.0, 0, 2.0)
                + rates[4.0] * np.clip(c - 4.0, 0, None))
    np.testing.assert_allclose(whiskers["length_px"], expected, atol=1e-9)
    a = math.radians(w.angle_deg)
    np.testing.assert_allclose(whiskers["tip_x_px"],
                               whiskers["base_x_px"] + whiskers["length_px"] * math.cos(a), atol=1e-9)
    np.testing.assert_allclose(whiskers["tip_y_px"],
                               whiskers["base_y_px"] + whiskers["length_px"] * math.sin(a), atol=1e-9)
    # base moves with the drift exactly like the electrode centre
    merged = whiskers.merge(frames, on="frame")
    np.testing.assert_allclose(merged["base_x_px"] - merged["electrode_x_px"],
                               merged["base_x_px"].iloc[0] - merged["electrode_x_px"].iloc[0],
                               atol=1e-9)


def test_duplicates_repeat_their_scan_and_torn_frames_mix_two_scans(whisker_clip):
    scene, imgs, frames, _ = whisker_clip
    dup = frames["is_duplicate"].to_numpy()
    assert dup.sum() > 0.6 * len(frames)  # 5 frames per scan -> mostly duplicates
    for i in np.flatnonzero(dup):
        assert np.array_equal(imgs[i], imgs[i - 1])
        a, b = frames.iloc[i], frames.iloc[i - 1]
        for col in FRAME_COLUMNS:
            if col not in ("frame", "time_s", "is_duplicate", "voltage_V", "current_A"):
                assert a[col] == b[col] or (pd.isna(a[col]) and pd.isna(b[col])), col
    torn = frames.index[frames["partial_refresh"]].to_numpy()
    assert len(torn) >= 1
    for i in torn:
        tear = int(frames.loc[i, "tear_row"])
        assert 0 < tear < 384
        nxt = imgs[i + 1] if i + 1 < len(imgs) else None
        if nxt is not None and frames.loc[i + 1, "scan_index"] == frames.loc[i, "scan_index"]:
            assert np.array_equal(imgs[i][:tear], nxt[:tear])  # top: the new scan
            assert not np.array_equal(imgs[i][tear:], nxt[tear:])
        assert np.array_equal(imgs[i][tear:], imgs[i - 1][tear:])  # bottom: the previous scan
    assert (frames.loc[~frames["partial_refresh"], "tear_row"] == -1).all()


def test_same_seed_same_frames_other_seed_differs():
    scene = preset("multi_whisker", duration_s=1.0, shape=(128, 192))
    a = [im for im, _ in render_frames(scene)]
    b = [im for im, _ in render_frames(scene)]
    c = [im for im, _ in render_frames(scene.replace(seed=99))]
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def _edge_x(img, y, tip_x):
    """Sub-pixel x where the row profile crosses from the dark rod to the background."""
    prof = img[y - 2:y + 3].astype(float).mean(axis=0)
    dark = np.median(prof[int(tip_x) - 25:int(tip_x) - 10])
    bright = np.median(prof[int(tip_x) + 12:int(tip_x) + 30])
    half = (dark + bright) / 2
    xs = np.arange(int(tip_x) - 8, int(tip_x) + 8)
    ps = prof[xs]
    k = np.flatnonzero((ps[:-1] < half) & (ps[1:] >= half))[0]
    return xs[k] + (half - ps[k]) / (ps[k + 1] - ps[k])


def test_tip_is_rendered_at_its_subpixel_position():
    # horizontal whisker, no artefacts: moving the true tip by d moves the rendered end by d
    base = preset("whisker", artefacts=False)
    tips, edges = [], []
    for frac in (0.0, 0.13, 0.37, 0.5, 0.81):
        length = 60.0 + frac
        scene = base.replace(
            duration_s=0.1, steps=((-10.0, -1.0),),
            whiskers=(Whisker(angle_deg=0.0, rates_px_s=(length / 10.0,), width_px=10.0),))
        img, row, wrows = next(render_frames(scene, whiskers=True))
        tip_x = wrows[0]["tip_x_px"]
        assert tip_x == pytest.approx(scene.electrode_xy_px[0] + 60.0 + length, abs=1e-9)
        tips.append(tip_x)
        edges.append(_edge_x(img, int(round(wrows[0]["tip_y_px"])), tip_x))
    tips, edges = np.array(tips), np.array(edges)
    # the half-level crossing (a simple tracker) follows the true tip within 0.15 px
    np.testing.assert_allclose(edges - edges[0], tips - tips[0], atol=0.15)
    assert np.all(np.abs(edges - tips) < 2.0)  # the bright edge halo pulls it ~1.6 px in


@pytest.mark.parametrize("angle", [0.0, 90.0, 33.0])
def test_rod_coverage_integrates_to_exact_length_and_width(angle):
    from vision.synthetic._render import _rod_coverage
    a = math.radians(angle)
    for length in (40.0, 40.37, 40.81):
        cov = np.zeros((120, 140), np.float32)
        _rod_coverage(cov, 0, 30.2, 20.6, 30.2 + length * math.cos(a), 20.6 + length * math.sin(a),
                      6.4)
        # area = length x width to within the corner rounding of oblique edges
        assert cov.sum() == pytest.approx(length * 6.4, abs=0.02 if angle in (0, 90) else 0.3)


def test_faraday_trace_charge_matches_plated_volume():
    scene = preset("multi_whisker", duration_s=8.0, shape=(192, 256))
    tl, trace, *_ = prepare(scene)
    t_video = trace["time_s"].to_numpy() - scene.sync_offset_s
    cur = trace["current_A"].to_numpy()
    sel = (t_video >= 0) & (t_video <= 8.0)
    charge = np.trapezoid(cur[sel], t_video[sel])
    from vision.synthetic._scene import li_volume_um3
    vol = li_volume_um3(scene, tl, t_video[sel][-1]) - li_volume_um3(scene, tl, t_video[sel][0])
    expected = -vol / UM3_PER_CM3 / MOLAR_VOLUME_LI_CM3_MOL * FARADAY_C_MOL
    assert vol > 0
    assert charge == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_renders_small(name):
    scene = preset(name, duration_s=2.0, shape=(96, 128))
    imgs, frames, _ = _collect(scene)
    assert len(imgs) == 20 and imgs[0].shape == (96, 128)
    assert frames["time_s"].iloc[-1] == pytest.approx(1.9)


def test_bad_input_says_the_fix():
    with pytest.raises(InputError, match="unknown preset 'wisker'"):
        preset("wisker")
    with pytest.raises(InputError, match="one rate per step"):
        Scene(steps=((0.0, -1.0),), whiskers=(Whisker(angle_deg=0, rates_px_s=(1.0, 2.0)),))
    with pytest.raises(InputError, match="even rows and cols"):
        preset("control", shape=(101, 128))
    with pytest.raises(InputError, match="unknown Scene field"):
        preset("control", colour="red")
    with pytest.raises(InputError, match="gives no frame"):
        preset("control", duration_s=0.01)
    with pytest.raises(InputError, match="stripping scene is galvanostatic"):
        preset("stripping", steps=((1.0, -1.0),))
    with pytest.raises(InputError, match="tear_fraction"):
        from vision.synthetic import Artefacts
        preset("control", artefacts=Artefacts(tear_fraction=1.5))


def test_li_area_and_scale_bar_are_exact():
    scene = preset("control", artefacts=False, duration_s=0.1)
    img, row = next(render_frames(scene))
    assert row["li_area_px"] == pytest.approx(math.pi * scene.electrode_radius_px ** 2, rel=1e-3)
    from vision.synthetic._artefacts import scale_bar
    sb = scale_bar(scene)
    assert sb["length_px"] == 100 and sb["length_um"] == 20.0  # 0.2 um/px
    line = img[sb["y"]]
    white = np.flatnonzero(line[sb["x0"] - 5:sb["x1"] + 6] == 255) + sb["x0"] - 5
    assert white.min() == sb["x0"] and white.max() == sb["x1"] and white.size == 100


def test_scene_round_trips_through_dict():
    for name in PRESETS:
        scene = preset(name, seed=7)
        import json
        assert Scene.from_dict(json.loads(json.dumps(scene.to_dict()))) == scene


def test_drift_moves_the_image_as_the_truth_says():
    # no noise/flicker, strong drift: the electrode's dark-area centroid follows the truth
    from vision.synthetic import Artefacts
    scene = preset("control", duration_s=6.0, seed=11,
                   artefacts=Artefacts(noise=False, scanline_sigma=0.0, drift_px_s=3.0, flicker=0.0,
                                       tear_fraction=0.0))
    got, want = [], []
    for img, row in render_frames(scene):
        if row["is_duplicate"]:
            continue
        x0, y0 = int(row["electrode_x_px"]) - 75, int(row["electrode_y_px"]) - 75
        win = img[y0:y0 + 151, x0:x0 + 151].astype(float)
        dark = np.clip((110.0 - win) / 60.0, 0, 1)  # Li ~ 51, ceramic ~ 140
        yy, xx = np.mgrid[0:151, 0:151]
        got.append((np.sum(dark * xx) / dark.sum() + x0, np.sum(dark * yy) / dark.sum() + y0))
        want.append((row["drift_x_px"], row["drift_y_px"]))
    got, want = np.array(got), np.array(want)
    assert np.ptp(want[:, 0]) + np.ptp(want[:, 1]) > 2  # it really drifted (sub-pixel values)
    np.testing.assert_allclose(got - got[0], want - want[0], atol=0.08)


def test_scan_period_not_a_multiple_of_the_frame_interval():
    scene = preset("whisker", duration_s=3.0, scan_period_s=0.37, shape=(96, 128),
                   artefacts=False)
    frames = pd.DataFrame([row for _, row in render_frames(scene)])
    k = np.floor(frames["time_s"] / 0.37 + 1e-9).astype(int)
    np.testing.assert_array_equal(frames["scan_index"], k)
    np.testing.assert_allclose(frames["content_time_s"], k * 0.37)
    runs = np.diff(np.flatnonzero(np.diff(np.r_[-1, k.to_numpy()])))
    assert set(runs) <= {3, 4}
    assert frames["is_duplicate"].sum() == len(frames) - k.nunique()


@pytest.mark.parametrize("name", ["lateral", "crack"])
def test_front_and_crack_reach_the_counter_electrode_at_touchdown(name):
    scene = preset(name, shape=(96, 128), artefacts=False)
    from vision.synthetic import truth_json
    tl, *_ = prepare(scene)
    frames = pd.DataFrame([row for _, row in render_frames(scene)])
    info = truth_json(scene, tl, frames)
    td, k = info["touchdown_s"], info["touchdown_frame"]
    assert info["short_circuit"] and 0 < td < scene.duration_s
    assert frames.loc[k, "content_time_s"] >= td > frames.loc[k - 1, "content_time_s"]
    ce = scene.counter_electrode_x_px
    if name == "lateral":
        assert info["failure_mode"] == "lateral_growth"
        assert not frames.loc[:k - 1, "front_touching"].any() and frames.loc[k:, "front_touching"].all()
        assert frames.loc[k, "front_x_px"] == pytest.approx(ce)
        assert (frames.loc[:k - 1, "front_x_px"].dropna() < ce).all()
        # growth stops at the short: the front no longer changes
        assert frames.loc[k:, "front_distance_px"].nunique() == 1
    else:
        assert info["failure_mode"] == "fracture"
        assert info["crack_initiation_voltage_V"] == pytest.approx(-0.75)
        before = frames["content_time_s"] < info["crack_initiation_s"]
        assert frames.loc[before, "crack_length_px"].isna().all()
        assert frames.loc[k, "crack_tip_x_px"] == pytest.approx(ce)
        grow = frames.loc[~before & (frames["content_time_s"] < td), "crack_length_px"].to_numpy()
        assert np.all(np.diff(grow) >= 0) and grow[-1] > 0.8 * (ce - scene.electrode_xy_px[0])
