"""Who touched the counter electrode, through the whole post-tracking pass (issue 16: no
planted bug survives).

``_finish`` (everything after tracking: sync, rates, events, failure mode, summary) tells
the failure classifier and the growth modes whether the video's touch-down was the
lateral front's or only a crack's (``_front_touched``). The classifier and the growth
modes are tested alone (``test_failure_crack_touchdown.py``); this runs ``_finish`` on a
finished frame table (no video decoded, no trace) of a persistent crack that reaches the
counter electrode, with and without the front touching it in the same scans. It kills the
mutants of ``vision/pipeline/_analyze.py`` on ``_finish``'s lines changed in wave 11
(``benchmarks/mutate_changed.py 03236e8 --file vision/pipeline/_analyze.py``), which no
fast test reached (the whole analysis takes minutes).
"""
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from vision.pipeline._analyze import _finish, _Request, _Tracked
from vision.pipeline._failure import CRACK_MIN_PERSISTENCE, DEFAULT_THRESHOLDS
from vision.track._tables import FRAME_COLUMNS, WHISKER_COLUMNS

#: Pixel size, um/px; electrode radius, px.
PX_UM = 0.5
RADIUS_PX = 40.0
#: Scans (one frame each), scan period s.
N_SCANS = 30
SCAN_S = 0.4
#: The crack: confirmed at scan CRACK_SCAN, growing 6 um a scan until it reaches the
#: counter electrode at scan TOUCH_SCAN (well beyond the crack length threshold).
CRACK_SCAN = 5
TOUCH_SCAN = 15
CRACK_UM_PER_SCAN = 6.0


def _tracked(front_touching, crack_until=N_SCANS, touchdown=TOUCH_SCAN):
    """The frame table of a crack from CRACK_SCAN, seen until scan ``crack_until``."""
    rows = []
    for k in range(N_SCANS):
        row = dict.fromkeys(FRAME_COLUMNS, math.nan)
        row.update(frame=k, time_s=SCAN_S * k, content_time_s=SCAN_S * k, is_duplicate=False,
                   partial_refresh=False, skipped=False, whisker_count=0, n_branches=0,
                   front_touching=front_touching and k >= TOUCH_SCAN, li_area_um2=50.0)
        if CRACK_SCAN <= k < crack_until:
            row["crack_length_um"] = CRACK_UM_PER_SCAN * (min(k, TOUCH_SCAN) - CRACK_SCAN + 1)
        rows.append(row)
    frames = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    tracks = SimpleNamespace(
        touchdown_frame=touchdown, crack_initiation_frame=CRACK_SCAN, n_skipped_frames=0,
        electrode=SimpleNamespace(x_px=100.0, y_px=80.0, radius_px=RADIUS_PX, source="given"))
    return _Tracked(frames=frames, whiskers=pd.DataFrame(columns=list(WHISKER_COLUMNS)),
                    tracks=tracks, pixel=SimpleNamespace(um=PX_UM, source="given", detail=""),
                    bar_box=None, drawings={}, video_start=None)


def _request(video):
    return _Request(video=str(video), pixel_size_um=PX_UM, scale_bar_um=None, fps=None,
                    tilt_deg=0.0, electrode=None, counter_electrode="right",
                    sync_offset_s=None, sync=None, crop=None, trace_columns=None,
                    trace_units=None, thresholds=DEFAULT_THRESHOLDS)


@pytest.mark.parametrize("front_touching", [False, True])
def test_the_touchdown_is_lateral_evidence_only_when_the_front_touched(tmp_path, front_touching):
    video = tmp_path / "scene.tif"
    video.write_bytes(b"not decoded")
    warnings = []
    result = _finish(_request(video), _tracked(front_touching), None, warnings.append, warnings)
    s = result.summary
    touch_s = SCAN_S * TOUCH_SCAN
    assert s["touchdown_time_s"] == pytest.approx(touch_s)
    rules = {e["rule"]: e for e in s["failure_evidence"]}
    # a short circuit either way, at the touch-down; lateral lithium only if the front touched
    assert s["short_circuit"] is True
    assert rules["lateral_growth"]["passed"] is front_touching
    assert ("a crack reached the counter electrode" in rules["short_circuit"]["text"]) \
        is not front_touching
    # the crack is beyond its threshold in any case: fracture either way (rule order)
    assert s["failure_mode"] == "fracture"
    modes = {e["mode"]: e for e in s["growth_mode_evidence"]}
    assert modes["crack"]["present"]
    assert modes["lateral"]["present"] is front_touching
    assert ("lateral" in s["growth_modes"]) is front_touching
    assert np.isfinite(result.frames["crack_length_um"]).sum() == N_SCANS - CRACK_SCAN
    # the verdict is the morphology's: the crack is in every scan from its first
    assert rules["morphology"]["value"] == pytest.approx(1.0)


def test_a_crack_seen_in_few_scans_is_no_crack_growth(tmp_path):
    # a crack beyond the length threshold in 4 scans, then never again: seen in 4 of the
    # 25 scans from its first, under CRACK_MIN_PERSISTENCE (the young trunk of a front)
    video = tmp_path / "scene.tif"
    video.write_bytes(b"not decoded")
    warnings = []
    tracked = _tracked(False, crack_until=CRACK_SCAN + 4, touchdown=None)
    s = _finish(_request(video), tracked, None, warnings.append, warnings).summary
    persistence = 4 / (N_SCANS - CRACK_SCAN)
    assert persistence < CRACK_MIN_PERSISTENCE
    assert CRACK_UM_PER_SCAN * 4 >= DEFAULT_THRESHOLDS.crack_min_length_um, "long enough"
    rules = {e["rule"]: e for e in s["failure_evidence"]}
    assert rules["morphology"]["value"] == pytest.approx(persistence)
    modes = {e["mode"]: e for e in s["growth_mode_evidence"]}
    assert not modes["crack"]["present"]
    assert "crack" not in s["growth_modes"]
