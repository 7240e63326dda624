"""A newly accepted rod's earlier scans are measured back and reported (wave 16b)."""
import collections
import math
import types

import cv2
import numpy as np
import pandas as pd
import pytest

from vision.measure._whisker_obs import WhiskerObs
from vision.track._tables import FRAME_COLUMNS, WHISKER_COLUMNS, Tracks
from vision.track._tracker import _add_measured_back, _Tracker

PX_UM = 0.1
#: issue 11: whisker length RMS <= 1 px (p90)
LENGTH_TOL_PX = 1.0
SHAPE = (140, 220)
ANGLE = math.radians(-133.0)
U = (math.cos(ANGLE), math.sin(ANGLE))
BASE = (184.0, 99.5)
ROD_W = 7.0
FRAMES_PER_SCAN = 3


def _rod_diff(seed, length, *, level=20.0, noise=4.0, rim=12.0):
    """Change image of an SEM-like 7-px rod from BASE along U (coverage blurred 0.8 px,
    a bright edge rim, Gaussian noise; no change behind the base)."""
    rng = np.random.default_rng(seed)
    k = 8
    yy, xx = np.mgrid[0:SHAPE[0] * k, 0:SHAPE[1] * k].astype(float)
    xx, yy = (xx + 0.5) / k - 0.5, (yy + 0.5) / k - 0.5
    dx, dy = xx - BASE[0], yy - BASE[1]
    s = dx * U[0] + dy * U[1]
    d = np.abs(dx * U[1] - dy * U[0])
    big = ((s >= -20.0) & (s <= length) & (d <= ROD_W / 2)).astype(np.float32)
    cov = cv2.GaussianBlur(cv2.resize(big, (SHAPE[1], SHAPE[0]), interpolation=cv2.INTER_AREA),
                           (0, 0), 0.8)
    grad = np.hypot(cv2.Sobel(cov, cv2.CV_32F, 1, 0) / 8, cv2.Sobel(cov, cv2.CV_32F, 0, 1) / 8)
    diff = level * cov - rim * grad / max(float(grad.max()), 1e-9)
    yi, xi = np.mgrid[0:SHAPE[0], 0:SHAPE[1]].astype(float)
    diff[(xi - BASE[0]) * U[0] + (yi - BASE[1]) * U[1] < 0] = 0.0
    return (diff + rng.normal(0.0, noise, SHAPE)).astype(np.float32)


def _scans():
    """A tracker stand-in: region = full frame, no tilt, dark lithium."""
    ns = types.SimpleNamespace(region=(0, SHAPE[0], 0, SHAPE[1]), px=PX_UM, tilt_deg=0.0,
                               options=types.SimpleNamespace(min_whisker_scans=3),
                               electrode=types.SimpleNamespace(polarity="dark"), kymos={},
                               measured_back={}, back_scans=collections.deque(maxlen=64))
    for name in ("_to_full", "_whisker_length_um", "censored", "_measure_back"):
        setattr(ns, name, types.MethodType(getattr(_Tracker, name), ns))
    return ns


def _length(scan):
    """True length of the rod in a scan, px: a 2-px bump for 4 scans, then 1.2 px/scan."""
    return 2.0 if scan < 4 else 2.0 + 1.2 * (scan - 3)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_rod_accepted_late_gets_its_earlier_scans(seed):
    # accepted at scan 22 (24.8 px: 3.5 widths, as 7019's faint rod), seen to scan 26
    first, last = 22, 26
    ns = _scans()
    frames, rows = [], []
    for scan in range(last + 1):
        L = _length(scan)
        diff = _rod_diff(100 * seed + scan, L)
        if scan >= first:
            rod = WhiskerObs(0, BASE, (BASE[0] + L * U[0], BASE[1] + L * U[1]), L, 6.8, U)
            ns._measure_back([rod], diff, types.SimpleNamespace(index=scan * FRAMES_PER_SCAN),
                             (0.0, 0.0))
            ns.kymos[0] = object()
        else:
            ns._measure_back([], diff, types.SimpleNamespace(index=scan * FRAMES_PER_SCAN),
                             (0.0, 0.0))
        for j in range(FRAMES_PER_SCAN):
            k = scan * FRAMES_PER_SCAN + j
            row = dict.fromkeys(FRAME_COLUMNS, np.nan)
            row.update(frame=k, time_s=0.1 * k, content_time_s=0.1 * scan * FRAMES_PER_SCAN,
                       is_duplicate=j > 0, partial_refresh=False, skipped=False,
                       whisker_count=int(scan >= first))
            frames.append(row)
            if scan >= first:
                r = dict.fromkeys(WHISKER_COLUMNS, np.nan)
                r.update(frame=k, time_s=0.1 * k, whisker_id=0, censored=False,
                         length_um=L * PX_UM, width_um=6.8 * PX_UM)
                rows.append(r)
    tracks = Tracks(frames=pd.DataFrame(frames, columns=list(FRAME_COLUMNS)),
                    whiskers=pd.DataFrame(rows, columns=list(WHISKER_COLUMNS)), drift=pd.DataFrame(),
                    electrode=None, counter_electrode=None, kymographs={}, kymograph_times_s={},
                    touchdown_frame=None, crack_initiation_frame=None, n_skipped_frames=0,
                    pixel_size_um=PX_UM)
    got = _add_measured_back(tracks, ns)
    w = got.whiskers
    scans = w.loc[w["frame"] % FRAMES_PER_SCAN == 0]
    back = scans.loc[scans["frame"] < first * FRAMES_PER_SCAN]
    # reported from its first scan a width long (>= 6.8 px: scan 8) or one scan later,
    # never while a 2-px bump
    first_back = int(back["frame"].min()) // FRAMES_PER_SCAN
    assert first_back <= 9 and _length(first_back) >= 6.8 - LENGTH_TOL_PX
    err = back["length_um"].to_numpy() / PX_UM - np.array([_length(f // FRAMES_PER_SCAN)
                                                          for f in back["frame"]])
    assert float(np.percentile(np.abs(err), 90)) <= LENGTH_TOL_PX
    # duplicates repeat their scan's row; counts and longest lengths follow
    assert len(w.loc[w["frame"] < first * FRAMES_PER_SCAN]) == FRAMES_PER_SCAN * len(back)
    f = got.frames.set_index("frame")
    for k in back["frame"]:
        assert f.loc[k, "whisker_count"] == 1
        assert f.loc[k + 1, "max_whisker_length_um"] == pytest.approx(
            float(back.loc[back["frame"] == k, "length_um"].iloc[0]))
    assert (got.whiskers["frame"].diff().dropna() >= 0).all()


def test_a_rod_seen_in_too_few_scans_gets_no_earlier_scans():
    ns = _scans()
    ns.measured_back = {0: [(0, (0.0, 0.0), WhiskerObs(0, BASE, BASE, 8.0, 6.8, U))]}
    frames = pd.DataFrame([dict(dict.fromkeys(FRAME_COLUMNS, np.nan), frame=k, is_duplicate=False,
                                partial_refresh=False, skipped=False, whisker_count=0)
                           for k in range(4)], columns=list(FRAME_COLUMNS))
    w = pd.DataFrame([dict(dict.fromkeys(WHISKER_COLUMNS, np.nan), frame=k, whisker_id=0,
                           length_um=1.0) for k in (2, 3)], columns=list(WHISKER_COLUMNS))
    tracks = Tracks(frames=frames, whiskers=w, drift=pd.DataFrame(), electrode=None,
                    counter_electrode=None, kymographs={}, kymograph_times_s={},
                    touchdown_frame=None, crack_initiation_frame=None, n_skipped_frames=0,
                    pixel_size_um=PX_UM)
    assert _add_measured_back(tracks, ns) is tracks
