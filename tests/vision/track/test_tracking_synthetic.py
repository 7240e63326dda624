"""Accuracy of ``vision.track`` against the generator's ground truth.

Videos are rendered in memory with artefacts on: noise, scan lines, drift of
3 px/s, +-20 % flicker, duplicated (and torn) frames, and tracked as a user's run
would track them (refreshes, data bar, electrode and counter electrode found by
semtrack, never taken from the truth). Achieved figures are in the assertion
messages. The seeded whole-pipeline tests are in tests/test_accuracy_seeds.py.
"""
import math

import numpy as np
import pandas as pd
import pytest

from vision import Frame, find_data_bar, fit_growth_rate, mark_refreshes, track
from vision.synthetic import Artefacts, preset, render_frames

HARD = Artefacts(drift_px_s=3.0, flicker=0.2)
_CACHE = {}


def _run(name, **options):
    """Render preset ``name`` with hard artefacts, track it as a user's run would; cached.

    Nothing of the truth enters: duplicate and torn frames are found by
    ``mark_refreshes``, the data bar by ``find_data_bar``, the electrode and the
    counter electrode by detection (the user says only which side it is on).
    """
    if name in _CACHE:
        return _CACHE[name]
    scene = preset(name, artefacts=HARD)
    frames, truth, wtruth = [], [], []
    for img, row, wrows in render_frames(scene, whiskers=True):
        frames.append(Frame(row["frame"], row["time_s"], img))
        truth.append(row)
        wtruth.extend(wrows)
    bar = find_data_bar(frames[0].image)
    bar_box = None if bar is None else (bar.top, bar.bottom, bar.left, bar.right)
    tracks = track(list(mark_refreshes(frames)), pixel_size_um=scene.pixel_size_um,
                   data_bar=bar_box, counter_electrode="right", **options)
    out = (scene, tracks, pd.DataFrame(truth), pd.DataFrame(wtruth))
    _CACHE[name] = out
    return out


def _match(tracks, wtruth, scene):
    """Map detected whisker ids to truth ids by direction; return merged per-frame rows."""
    w = tracks.whiskers.copy()
    w["length_px"] = w["length_um"] / scene.pixel_size_um
    angles = wtruth.groupby("whisker_id")["angle_deg"].first()
    pairs = {}
    for wid, g in w.groupby("whisker_id"):
        ang = np.degrees(np.arctan2(g["tip_y_um"] - g["base_y_um"],
                                    g["tip_x_um"] - g["base_x_um"])).median()
        pairs[wid] = int((angles - ang).abs().idxmin())
    w["truth_id"] = w["whisker_id"].map(pairs)
    m = w.merge(wtruth, left_on=["frame", "truth_id"], right_on=["frame", "whisker_id"],
                suffixes=("", "_t"))
    return w, m, pairs


#: Rates are checked for steps in which the whisker grows by at least this much while
#: detected; over shorter spans the +-0.3 px scatter of single lengths dominates
#: (e.g. +6 % for 6 px of growth in 5 scans).
MIN_SPAN_UM = 20 * 0.2


def _step_rates(scene, times, lengths_um):
    """Robust rate per potential step from the scans within it (NaN if the span is short)."""
    starts = [t for t, _ in scene.steps] + [math.inf]
    out = []
    for a, b in zip(starts[:-1], starts[1:]):
        sel = (times > a) & (times <= min(b, scene.duration_s))
        if sel.sum() >= 3 and np.ptp(lengths_um[sel]) >= MIN_SPAN_UM:
            out.append(fit_growth_rate(times[sel], lengths_um[sel])[0])
        else:
            out.append(math.nan)
    return out


def _scan_rows(df):
    """One row per scan (first frame showing it)."""
    return df.drop_duplicates("content_time_s")


def test_single_whisker_length_and_rates():
    scene, tracks, truth, wtruth = _run("whisker")
    w, m, pairs = _match(tracks, wtruth, scene)
    assert len(pairs) == 1, f"expected one whisker, found ids {sorted(pairs)}"
    long = m[m["length_px_t"] > 5]
    missed = (wtruth["length_px"] > 5).sum() - len(long)
    err = long["length_px"] - long["length_px_t"]
    rms = float(np.sqrt(np.mean(err ** 2)))
    assert missed <= 5, f"{missed} frames with a whisker > 5 px not measured"
    assert rms <= 0.5, f"whisker length RMS error {rms:.3f} px (target 0.5 px) over {len(long)} frames"
    scans = _scan_rows(long)
    rates = _step_rates(scene, scans["content_time_s"].to_numpy(), scans["length_um"].to_numpy())
    true_rates = [r * scene.pixel_size_um for r in scene.whiskers[0].rates_px_s]
    for got, want in zip(rates, true_rates):
        if want > 0 and np.isfinite(got):
            assert got == pytest.approx(want, rel=0.03), \
                f"rate {got:.4f} um/s vs truth {want:.4f} um/s ({100 * (got / want - 1):+.2f} %)"
    assert sum(np.isfinite(r) for r, t in zip(rates, true_rates) if t > 0) >= 2
    # drift table against truth (drift-corrected positions rely on it)
    d = tracks.frames.merge(truth, on="frame", suffixes=("", "_t"))
    drift_rms = float(np.sqrt(np.mean((d["drift_x_px"] - d["drift_x_px_t"]) ** 2
                                      + (d["drift_y_px"] - d["drift_y_px_t"]) ** 2)))
    assert drift_rms < 0.2, f"drift RMS error {drift_rms:.3f} px"
    # base is drift-corrected: constant over time
    base_sd = float(w[["base_x_um", "base_y_um"]].std().max()) / scene.pixel_size_um
    assert base_sd < 0.3, f"whisker base wanders by {base_sd:.2f} px (drift not corrected?)"
    width = float(long["width_um"].median())
    true_width = scene.whiskers[0].width_px * scene.pixel_size_um
    assert width == pytest.approx(true_width, rel=0.05), f"width {width:.3f} um vs {true_width} um"
    kym = tracks.kymographs[int(w["whisker_id"].iloc[0])]
    assert kym.dtype == np.uint8 and kym.shape[0] >= 20 and kym.shape[1] > 100


def test_multi_whisker_ids_stable_and_rates():
    scene, tracks, truth, wtruth = _run("multi_whisker")
    w, m, pairs = _match(tracks, wtruth, scene)
    assert sorted(pairs.values()) == [0, 1, 2], f"detected ids {pairs} (truth 0, 1, 2)"
    # no swaps: every detected id stays within 3 px of its truth whisker's tip in every frame
    m = m.merge(truth[["frame", "drift_x_px", "drift_y_px"]], on="frame")
    tip_err = np.hypot(m["tip_x_um"] / scene.pixel_size_um - (m["tip_x_px"] - m["drift_x_px"]),
                       m["tip_y_um"] / scene.pixel_size_um - (m["tip_y_px"] - m["drift_y_px"]))
    assert tip_err.max() < 3, f"a whisker id jumped: tip {tip_err.max():.1f} px from its truth"
    long = m[m["length_px_t"] > 5]
    err = long["length_px"] - long["length_px_t"]
    rms = float(np.sqrt(np.mean(err ** 2)))
    assert rms <= 0.5, f"multi-whisker length RMS error {rms:.3f} px over {len(long)} rows"
    for wid, tid in pairs.items():
        g = _scan_rows(long[long["whisker_id"] == wid])
        rates = _step_rates(scene, g["content_time_s"].to_numpy(), g["length_um"].to_numpy())
        true_rates = [r * scene.pixel_size_um for r in scene.whiskers[tid].rates_px_s]
        for got, want in zip(rates, true_rates):
            if want > 0 and np.isfinite(got):
                assert got == pytest.approx(want, rel=0.05), \
                    f"whisker {tid}: rate {got:.4f} um/s vs {want:.4f} ({100 * (got / want - 1):+.2f} %)"


def test_stripping_video_reports_no_growth():
    scene, tracks, truth, _ = _run("stripping")
    f = tracks.frames
    assert tracks.whiskers.empty
    assert tracks.crack_initiation_frame is None and tracks.touchdown_frame is None
    # no growth = no lateral lithium held for the failure classifier's 3 consecutive scans
    # (a one-scan noise blob at the rim is not growth; the per-frame maximum was fitted)
    scans = f[~f["is_duplicate"].astype(bool) & ~f["skipped"].astype(bool)]["li_area_um2"]
    held = scans.rolling(3).min().max()
    assert held < 2.0, f"Li area held at {held:.2f} um2 for 3 scans"


def test_control_video_reports_nothing():
    scene, tracks, truth, _ = _run("control")
    f = tracks.frames
    assert tracks.whiskers.empty, f"whiskers reported: {tracks.whiskers['whisker_id'].unique()}"
    assert (f["whisker_count"] == 0).all()
    assert not f["front_touching"].any() and tracks.touchdown_frame is None
    assert (f["li_area_um2"].fillna(0) < 1.0).all(), f"Li area up to {f['li_area_um2'].max():.2f} um2"
    assert tracks.crack_initiation_frame is None
    assert (f["crack_length_um"].fillna(0) == 0).all()
    # a rate fitted to the (absent) lengths would be 0: the largest lengths are NaN
    assert f["max_whisker_length_um"].isna().all()


def test_lateral_front_distance_and_touchdown():
    scene, tracks, truth, _ = _run("lateral")
    d = tracks.frames.merge(truth, on="frame", suffixes=("", "_t"))
    # frames where the front reaches at least 5 px beyond the rim, before touch-down
    d = d[(d["front_distance_px"] > scene.electrode_radius_px + 5) & ~d["front_touching_t"]]
    err = d["front_distance_um"] / scene.pixel_size_um - d["front_distance_px"]
    rms = float(np.sqrt(np.nanmean(err ** 2)))
    # the first scan of the front (a few short branches) is taken for a Li-filled crack
    assert err.notna().mean() > 0.9, f"front missed in {int(err.isna().sum())} of {len(err)} frames"
    assert tracks.crack_initiation_frame is None, "lateral branches reported as a crack"
    assert rms <= 2.0, f"front max-distance RMS error {rms:.2f} px over {len(d)} frames before touch-down"
    true_td = int(truth.loc[truth["front_touching"], "frame"].min())
    scan = scene.fps * scene.scan_period_s
    assert tracks.touchdown_frame is not None
    late = tracks.touchdown_frame - true_td
    # issue 11: within one scan. A front within the segmentation's reach of the counter
    # electrode (vision.track._frontcrack.FRONT_TOUCH_TOLERANCE_PX) in the scan before the
    # truth's first touching one is read touching: the touch falls between the two scans
    assert -scan <= late <= scan, f"touch-down at frame {tracks.touchdown_frame}, truth {true_td}"


def test_crack_initiation_length_tip():
    scene, tracks, truth, _ = _run("crack")
    true_init = int(truth.loc[truth["crack_length_px"] > 0, "frame"].min())
    scan = scene.fps * scene.scan_period_s
    assert tracks.crack_initiation_frame is not None
    late = tracks.crack_initiation_frame - true_init
    assert abs(late) <= scan, f"crack initiation at frame {tracks.crack_initiation_frame}, truth {true_init}"
    # achieved: exact (frame 105); the target is one scan
    assert late == 0, f"crack initiation at frame {tracks.crack_initiation_frame}, truth {true_init}"
    # the Li-filled crack is segmented several px wide, like a rod: it is not a whisker
    assert tracks.whiskers.empty, f"whisker ids {tracks.whiskers['whisker_id'].unique()} on the crack video"
    d = tracks.frames.merge(truth, on="frame", suffixes=("", "_t"))
    d = d[(d["crack_length_px"] > 20) & (d["crack_tip_x_px"] < scene.counter_electrode_x_px - 10)]
    rel = d["crack_length_um"] / scene.pixel_size_um / d["crack_length_px"] - 1
    tip = np.hypot(d["crack_tip_x_um"] / scene.pixel_size_um - (d["crack_tip_x_px"] - d["drift_x_px_t"]),
                   d["crack_tip_y_um"] / scene.pixel_size_um - (d["crack_tip_y_px"] - d["drift_y_px_t"]))
    ok = rel.abs() <= 0.05
    # achieved (hard artefacts, 80 frames = 16 scans): every frame within 5 %, median
    # -2.2 %, worst -3.6 %
    msg = f"path length within 5 % in {100 * ok.mean():.0f} % of {len(ok)} frames; median error " \
          f"{100 * rel.median():+.1f} %, worst {100 * rel.abs().max():.1f} %"
    assert abs(rel.median()) <= 0.03, msg
    assert ok.all(), msg
    # achieved: every tip within 3 px (worst 1.50 px, RMS 0.94 px)
    tip = tip.fillna(np.inf)  # a frame without a detected crack counts as a miss
    tip_rms = float(np.sqrt(np.mean(tip ** 2)))
    tmsg = f"tip within 3 px in {100 * (tip <= 3).mean():.0f} % of frames, worst {tip.max():.2f} px, " \
           f"RMS {tip_rms:.2f} px"
    assert (tip <= 3).all(), tmsg
    assert tip_rms <= 1.25, tmsg


def _electrode_area_per_scan(name):
    """(content time, measured electrode Li area, truth Li area), um2, one row per scan."""
    scene, tracks, truth, _ = _run(name)
    f = tracks.frames
    f = f[~f["skipped"].astype(bool) & ~f["partial_refresh"].astype(bool)]
    m = _scan_rows(f.merge(truth[["frame", "li_area_px"]], on="frame"))
    return (m["content_time_s"].to_numpy(float), m["electrode_li_area_um2"].to_numpy(float),
            m["li_area_px"].to_numpy(float) * scene.pixel_size_um ** 2)


def test_electrode_li_area_follows_stripping():
    scene = preset("stripping")
    t, got, want = _electrode_area_per_scan("stripping")
    during = t <= scene.stripping.t0_s
    lost, lost_true = got[0] - got[during], want[0] - want[during]
    scale = float(np.sum(lost * lost_true) / np.sum(lost_true ** 2))
    resid = lost - scale * lost_true
    rms = float(np.sqrt(np.mean(resid ** 2)))
    msg = (f"area lost: {scale:.3f} x truth, RMS {rms:.2f} um2 around that (truth loses "
           f"{lost_true.max():.0f} um2); first scan {got[0]:.1f} vs truth {want[0]:.1f} um2")
    # the part of the electrode under the needle is not seen (a steady offset) and its
    # share of the loss is missed; the rest follows the truth scan by scan
    assert 0.9 <= scale <= 1.05, msg
    assert rms <= 0.02 * lost_true.max(), msg
    assert np.all(np.diff(got[during]) < 1.0), f"area must fall while stripping: {np.round(got, 1)}"


@pytest.mark.parametrize("name", ["control", "whisker"])
def test_electrode_li_area_steady_without_stripping(name):
    t, got, want = _electrode_area_per_scan(name)
    spread = float(np.ptp(got) / np.median(got))
    assert spread <= 0.03, f"{name}: electrode Li area spread {100 * spread:.1f} % " \
                           f"({got.min():.1f}-{got.max():.1f} um2)"
