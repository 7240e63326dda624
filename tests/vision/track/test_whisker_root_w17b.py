"""A whisker grows from a fixed root: its base does not move from scan to scan (wave 17b).

A rod grown at a slant to the electrode's radius meets the rim at a slant too: an axis a
few degrees off the rod's own, read from the rod's mask in each scan, meets the electrode
circle a pixel or two along the rim from the true base, and each scan's length carries that
scan's error (tuning seed 7058: +1.2-2 px on its short rows). The tracker gives a straight
rod one root: the median of the base and axis read from the middle of its fitted sides in
the scans it is long enough in, and measures every straight row, the earlier ones too,
from that base (its length the tip's distance from it). Since wave 18 only where the rim
meets the rod at a slant (ROOT_MIN_SLANT_DEG), the rod does not curve measurably, and the
scans' own bases lie within an axis error's reach of the root (wave 17's root for every
straight rod made radial and curved rods on the tuning seeds worse).

Each case renders one growing straight whisker with ``vision.synthetic`` (detector noise on;
drift, flicker, tears and scan lines off) and tracks the whole video as a user's run does
(electrode and counter electrode found, not taken from the truth). Tolerance: issue 11's
length target, 1.0 px RMS per whisker (90th percentile over the noise seeds).
"""
import math
import types

import numpy as np
import pandas as pd
import pytest

from vision import Frame, mark_refreshes, track
from vision.synthetic import Artefacts, Scene, Whisker, render_frames
from vision.track._tables import FRAME_COLUMNS, WHISKER_COLUMNS, Tracks
from vision.track._tracker import _on_roots, _Tracker

PX_UM = 0.1
#: Issue 11's length target (px; RMS per whisker, 90th percentile).
LENGTH_TOL_PX = 1.0
SEEDS = range(4)
ELECTRODE = (90.0, 120.0, 50.0)


def _scene(seed, off_radial_deg, *, angle_deg=-10.0, width_px=9.0, rate_px_s=10.0):
    """A 320 x 240 scene whose one whisker grows ``rate_px_s`` for 5.5 s along ``angle_deg``,
    its root ``off_radial_deg`` along the rim from where the radius along it meets it."""
    ex, ey, r = ELECTRODE
    return Scene(name="root", shape=(240, 320), pixel_size_um=PX_UM, fps=2.0, scan_period_s=0.5,
                 duration_s=6.0, seed=seed, electrode_xy_px=(ex, ey), electrode_radius_px=r,
                 counter_electrode_x_px=300.0, steps=((0.5, -1.0),),
                 whiskers=(Whisker(angle_deg=angle_deg, rates_px_s=(rate_px_s,), width_px=width_px,
                                   base_angle_deg=angle_deg - off_radial_deg),),
                 artefacts=Artefacts(drift_px_s=0.0, flicker=0.0, tear_fraction=0.0,
                                     scanline_sigma=0.0, data_bar=False))


def _tracked(scene):
    frames, truth = [], []
    for img, row, wrows in render_frames(scene, whiskers=True):
        frames.append(Frame(row["frame"], row["time_s"], img))
        truth.extend(wrows)
    tracks = track(list(mark_refreshes(frames)), pixel_size_um=scene.pixel_size_um,
                   counter_electrode="right")
    return tracks.whiskers, pd.DataFrame(truth)


@pytest.mark.parametrize("off_radial_deg", [
    -30.0,
    pytest.param(30.0, marks=pytest.mark.xfail(strict=True, reason=(
        "wave 18: the root's shift bound (the scans' bases within MASK_AXIS_PX / cos(slant) = "
        "1.15 px of the root) rejects 3 of 4 seeds at +30 deg: their scans' bases lie 0.7-1.4 px "
        "(median) off the true one and the root within 0.3 px, so the bound is tight for a "
        "straight rod; length RMS 0.85, 1.04, 0.35, 0.54 px (p90 within 1 px), bases not one"))),
])
def test_a_slanted_rod_is_measured_from_its_one_true_base(off_radial_deg):
    rms, base_err = [], []
    for seed in SEEDS:
        w, t = _tracked(_scene(seed, off_radial_deg))
        assert w["whisker_id"].nunique() == 1
        m = w.merge(t, on="frame", suffixes=("", "_t"))
        assert len(m) >= 6
        err = m["length_um"].to_numpy() / PX_UM - m["length_px"].to_numpy()
        rms.append(float(np.sqrt(np.mean(err ** 2))))
        # one base for every row, on the true one
        assert m["base_x_um"].nunique() == 1 and m["base_y_um"].nunique() == 1
        base_err.append(float(np.hypot(m["base_x_um"].iloc[0] / PX_UM - m["base_x_px"].iloc[0],
                                       m["base_y_um"].iloc[0] / PX_UM - m["base_y_px"].iloc[0])))
    assert float(np.percentile(rms, 90)) <= LENGTH_TOL_PX, np.round(rms, 2)
    assert float(np.percentile(base_err, 90)) <= LENGTH_TOL_PX, np.round(base_err, 2)


#: The electrode of the table tests: its rim passes through the root (10, 50) at a slant of
#: 26.6 deg to the rods along +x (RADIAL: the rim square to them).
SLANTED = types.SimpleNamespace(x_px=0.0, y_px=45.0, radius_px=math.hypot(10.0, 5.0))
RADIAL = types.SimpleNamespace(x_px=0.0, y_px=50.0, radius_px=10.0)


def _scans(reads, straight, electrode=SLANTED):
    ns = types.SimpleNamespace(region=(0, 100, 0, 100), px=PX_UM, tilt_deg=0.0, root_reads=reads,
                               straight_scans=straight, electrode=electrode)
    for name in ("_to_full", "_length_um"):
        setattr(ns, name, types.MethodType(getattr(_Tracker, name), ns))
    return ns


#: The rods' width in the table tests (px): a tip within half of it of the axis is the rod's.
ROD_W_PX = 4.0


def _tracks(rows, n_frames):
    frames = pd.DataFrame([dict(dict.fromkeys(FRAME_COLUMNS, np.nan), frame=k, is_duplicate=False,
                                partial_refresh=False, skipped=False, whisker_count=1)
                           for k in range(n_frames)], columns=list(FRAME_COLUMNS))
    w = pd.DataFrame([dict(dict.fromkeys(WHISKER_COLUMNS, np.nan), frame=k, whisker_id=0,
                           base_x_um=b[0] * PX_UM, base_y_um=b[1] * PX_UM, tip_x_um=tip[0] * PX_UM,
                           tip_y_um=tip[1] * PX_UM, length_um=L * PX_UM,
                           width_um=ROD_W_PX * PX_UM)
                      for k, b, tip, L in rows], columns=list(WHISKER_COLUMNS))
    return Tracks(frames=frames, whiskers=w, drift=pd.DataFrame(), electrode=None,
                  counter_electrode=None, kymographs={}, kymograph_times_s={}, touchdown_frame=None,
                  crack_initiation_frame=None, n_skipped_frames=0, pixel_size_um=PX_UM)


#: The root read in four scans at (10, 50) along +x, one read 2 px off (the median holds).
READS = {0: [((10.0, 50.0), (1.0, 0.0), 20.0), ((10.0, 50.0), (1.0, 0.0), 21.0),
             ((12.0, 48.0), (0.99, 0.14), 22.0), ((10.0, 50.0), (1.0, 0.0), 23.0)]}


def test_straight_rows_are_measured_from_the_median_root_and_bent_rows_kept():
    # straight rows with a base 1 px off along the rim (within MASK_AXIS_PX / cos(26.6 deg)
    # of the root) are measured from the root; frame 2 bent (kept as measured)
    rows = [(0, (9.6, 50.9), (20.0, 50.2), 8.6), (1, (9.6, 50.9), (24.0, 49.8), 12.5),
            (2, (11.5, 49.0), (28.0, 53.0), 17.3), (3, (10.3, 49.9), (32.0, 50.0), 21.7)]
    got = _on_roots(_tracks(rows, 4), _scans(READS, {0: {0, 1, 3}}))
    w = got.whiskers.set_index("frame")
    # each length the tip's distance from the root
    np.testing.assert_allclose(w.loc[[0, 1, 3], "length_um"] / PX_UM,
                               [math.hypot(10.0, 0.2), math.hypot(14.0, 0.2), 22.0], atol=1e-9)
    np.testing.assert_allclose(w.loc[[0, 1, 3], ["base_x_um", "base_y_um"]].to_numpy() / PX_UM,
                               [[10.0, 50.0]] * 3, atol=1e-9)
    assert w.loc[2, "length_um"] == pytest.approx(1.73) and w.loc[2, "base_x_um"] == pytest.approx(1.15)
    f = got.frames.set_index("frame")
    assert f.loc[0, "max_whisker_length_um"] == pytest.approx(math.hypot(10.0, 0.2) * PX_UM)


def test_a_rod_whose_tip_leaves_the_axis_keeps_its_rows():
    # frame 2's tip (read straight) 3 px off the axis, more than half the width: the rod
    # curves, it has no one axis, and every row stays as measured
    rows = [(0, (11.5, 49.0), (20.0, 50.2), 8.6), (1, (11.5, 49.0), (24.0, 51.0), 12.5),
            (2, (11.5, 49.0), (28.0, 53.0), 17.3)]
    tracks = _tracks(rows, 3)
    assert _on_roots(tracks, _scans(READS, {0: {0, 1, 2}})) is tracks


def test_a_rod_square_to_the_rim_keeps_its_rows():
    # the rim square to the rod: each scan's own base is as good as the root's (a mask axis
    # 1 px off meets the rim within issue 11's 0.2 px bias bound), and the rows stay
    rows = [(0, (11.5, 49.0), (20.0, 50.2), 8.6), (1, (11.5, 49.0), (24.0, 49.8), 12.5)]
    tracks = _tracks(rows, 2)
    assert _on_roots(tracks, _scans(READS, {0: {0, 1}}, RADIAL)) is tracks


def test_a_rod_whose_axis_turns_with_its_length_keeps_its_rows():
    # the read axis turns 1 deg per px of length (a curvature of 2 deg/px): continued from
    # the middle of a 40 px rod to the rim it misses the base by ~7 px, more than the
    # mask's axis error the root corrects; the rows stay
    reads = {0: [((10.0, 50.0), (math.cos(math.radians(k)), math.sin(math.radians(k))), 38.0 + k)
                 for k in range(5)]}
    rows = [(0, (11.5, 49.0), (20.0, 50.2), 8.6), (1, (11.5, 49.0), (24.0, 49.8), 12.5)]
    tracks = _tracks(rows, 2)
    assert _on_roots(tracks, _scans(reads, {0: {0, 1}})) is tracks


def test_a_root_farther_from_the_scans_bases_than_an_axis_error_keeps_the_rows():
    # the scans' bases 3 px along the rim from the root: more than two lines MASK_AXIS_PX
    # apart across the rod can meet the circle apart (1.1 px at 26.6 deg); the reads see
    # another line than the rod's root (a kink near the base) and the rows stay
    rows = [(0, (8.7, 52.7), (20.0, 50.2), 8.6), (1, (8.7, 52.7), (24.0, 49.8), 12.5)]
    tracks = _tracks(rows, 2)
    assert _on_roots(tracks, _scans(READS, {0: {0, 1}})) is tracks
