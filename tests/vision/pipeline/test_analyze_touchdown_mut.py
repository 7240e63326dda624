"""The pipeline's lateral onset and who touched the counter electrode (issue 16: no planted
bug survives).

``_video_events`` dates the lateral onset from the frame table (front distance minus the
electrode's radius, the thresholds given, the front's scatter of FRONT_STEP_NOISE_PX and
the touch-down) and ``_front_touched`` says whether the front, not only a crack, touched.
A frame table built from a front of known onset checks both; they kill the mutants of
``vision/pipeline/_analyze.py`` on the lines changed in wave 10
(``benchmarks/mutate_changed.py 5a5bfd8 --file vision/pipeline/_analyze.py``). Tolerance
of an onset: one scan (issue 11: events within one scan + one frame; exact scan times).
"""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from vision.pipeline._analyze import _front_touched, _video_events, _VideoEvents
from vision.pipeline._failure import DEFAULT_THRESHOLDS, FailureThresholds

#: Pixel size, um/px, and electrode radius, px.
PX_UM = 0.1
RADIUS_PX = 50.0
#: Scan period, s; the front grows 80 px/s from ONSET_S.
SCAN_S = 0.4
ONSET_S = 1.6
SPEED_PX_S = 80.0


def _frames(*, stop_scan=None, stop_px=None, duplicates=False):
    """Frame table of a front growing from ONSET_S (seen from 1 px beyond the rim).

    With ``stop_scan``, the front is stopped at ``stop_px`` from that scan on (it reached
    the counter electrode). With ``duplicates``, each scan is followed by a duplicate
    frame with another front distance (the table's duplicates are not scans).
    """
    t = np.arange(30) * SCAN_S
    px = SPEED_PX_S * (t - ONSET_S)
    if stop_scan is not None:
        px[stop_scan:] = stop_px
    dist_um = np.where(px >= 1.0, (RADIUS_PX + px) * PX_UM, np.nan)
    rows = []
    for k in range(len(t)):
        for dup in ((False, True) if duplicates else (False,)):
            rows.append({"frame": len(rows), "content_time_s": t[k], "is_duplicate": dup,
                         "front_distance_um": dist_um[k] + (50.0 if dup else 0.0),
                         "crack_length_um": np.nan,
                         "front_touching": stop_scan is not None and k >= stop_scan})
    return pd.DataFrame(rows), t


def _events(frames, touchdown_t=None, thresholds=DEFAULT_THRESHOLDS):
    tracks = SimpleNamespace(electrode=SimpleNamespace(radius_px=RADIUS_PX),
                             crack_initiation_frame=None)
    return _video_events(frames, None, tracks, SimpleNamespace(um=PX_UM), thresholds,
                         touchdown_t)


def test_lateral_onset_from_the_frame_table():
    frames, _ = _frames(duplicates=True)
    ev = _events(frames)
    assert ev.lateral_onset_s == pytest.approx(ONSET_S, abs=SCAN_S)
    assert ev.growth_onset_s == ev.lateral_onset_s
    # the extent is beyond the electrode's rim (distance - radius), um, per new scan
    assert len(ev.extent_um) == 30 and len(ev.new) == 30
    seen = np.isfinite(ev.extent_um)
    np.testing.assert_allclose(ev.extent_um[seen],
                               PX_UM * SPEED_PX_S * (np.arange(30)[seen] * SCAN_S - ONSET_S))


def test_the_touch_down_scan_is_not_fitted():
    # the front reaches the counter electrode in scan 7 (2.8 s), stopped at 64.5 px there
    # instead of the line's 96 px: fitted, it would date the onset half a second early
    frames, t = _frames(stop_scan=7, stop_px=64.5)
    ev = _events(frames, touchdown_t=t[7])
    assert ev.touchdown_s == t[7]
    assert ev.lateral_onset_s == pytest.approx(ONSET_S, abs=SCAN_S)


def test_the_thresholds_given_confirm_the_front():
    # 80 px/s from 1.6 s: 3.2, 6.4, 9.6 um ... from scan 5; the record ends after scan 8
    frames, _ = _frames()
    frames = frames.iloc[:9]
    assert _events(frames).lateral_onset_s == pytest.approx(ONSET_S, abs=SCAN_S)
    # 5 scans beyond 3 um are not in the record; 4 scans beyond 3 um are
    assert _events(frames, thresholds=FailureThresholds(lateral_min_scans=5)).lateral_onset_s \
        is None
    assert _events(frames, thresholds=FailureThresholds(lateral_min_scans=4)).lateral_onset_s \
        == pytest.approx(ONSET_S, abs=SCAN_S)
    # nor do three scans hold 10 um (scan 8 alone does)
    assert _events(frames, thresholds=FailureThresholds(
        lateral_min_extent_um=10.0)).lateral_onset_s is None


def test_front_touched_only_when_a_scan_says_so():
    frames, _ = _frames(stop_scan=7, stop_px=64.5)
    assert _front_touched(_events(frames))
    frames["front_touching"] = False
    assert not _front_touched(_events(frames))
    empty = _VideoEvents(new=frames.iloc[:0], extent_um=np.zeros(0), growth_onset_s=None,
                         lateral_onset_s=None, crack_initiation_s=None, touchdown_s=None)
    assert _front_touched(empty) is False
    # the flag may come as 0/1 from a file: any non-zero is a touch
    frames["front_touching"] = np.arange(len(frames)) == 12
    frames["front_touching"] = frames["front_touching"].astype(int)
    assert _front_touched(_events(frames)) is True


def test_growth_modes_report_the_lateral_onset_as_the_lateral_first_time():
    from vision.pipeline._analyze import _growth_modes

    frames, t = _frames(stop_scan=7, stop_px=64.5)
    ev = _events(frames, touchdown_t=t[7])
    lateral = {e["mode"]: e for e in _growth_modes(None, ev, None, None, DEFAULT_THRESHOLDS,
                                                   0.0, front_touched=_front_touched(ev))
               }["lateral"]
    assert lateral["present"]
    assert lateral["first_time_s"] == ev.lateral_onset_s
    assert lateral["first_time_s"] == pytest.approx(ONSET_S, abs=SCAN_S)


def test_no_scans_no_front_touch():
    # a video without a new scan has an empty table (not even its columns)
    empty = _VideoEvents(new=pd.DataFrame(), extent_um=np.zeros(0), growth_onset_s=None,
                         lateral_onset_s=None, crack_initiation_s=None, touchdown_s=None)
    assert _front_touched(empty) is False


def test_the_front_scatter_is_two_pixels_in_um():
    # a front growing 10 px/s (4 px a scan) from 1.6 s, 0.4-2.0 um beyond the rim in scans
    # 5-9; in scan 9 the tracker jumps to the counter electrode's 14 um and stays there (a
    # jump confirms the front, flat after): the onset is dated from the scans before the
    # jump, whose extents are beyond the front's 2 px (0.2 um) scatter
    frames, t = _frames()
    px = np.clip(10.0 * (t - ONSET_S), 0.0, None)
    px[9:] = 140.0 + 1e-3 * np.arange(len(t) - 9)
    frames["front_distance_um"] = np.where(px >= 1.0, (RADIUS_PX + px) * PX_UM, np.nan)
    assert _events(frames).lateral_onset_s == pytest.approx(ONSET_S, abs=SCAN_S)
