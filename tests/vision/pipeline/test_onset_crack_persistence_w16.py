"""Growth onset next to a crack that does not persist (wave 16, issue 11).

A lithium-filled crack does not come and go: a line the crack filter sees in a few scans
only (fewer than CRACK_MIN_PERSISTENCE of the new scans from its first on, the rule that
makes a crack a growth mode) is not a crack, and it must not date the growth onset before
the whisker or front the tracker measures (tuning scenes 5051 and 7002: such a line put the
onset 0.6 and 2.8 s before the front). It still dates the growth when nothing else does,
and a crack that persists dates it as before. Frame tables of known onsets; tolerance one
scan (issue 11: events within one scan + one frame).
"""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from vision.pipeline._analyze import _video_events
from vision.pipeline._events import first_growth_onset
from vision.pipeline._failure import CRACK_MIN_PERSISTENCE, DEFAULT_THRESHOLDS

PX_UM = 0.1
RADIUS_PX = 40.0
N_SCANS = 40
#: Whisker, front and crack growth rates, um/s (a few px per scan at the periods below).
WHISKER_UM_S = 1.5
FRONT_UM_S = 4.0
CRACK_UM_S = 6.0
#: A transient line: this long (above the crack length threshold), for this many scans.
TRANSIENT_UM = 2.0 * DEFAULT_THRESHOLDS.crack_min_length_um
TRANSIENT_SCANS = 3


def _scene(seed, *, whisker=True, front=False, crack="transient"):
    """Frame and whisker tables with known onsets; returns (frames, whiskers, tracks, truth).

    The whisker (or front) starts at a random time in the first third; a transient line is
    seen for TRANSIENT_SCANS scans some scans before it; a persistent crack grows from a time
    before it and stays.
    """
    rng = np.random.default_rng(seed)
    scan = float(rng.uniform(0.1, 0.8))
    t = np.arange(N_SCANS) * scan
    t_grow = float(rng.uniform(8, 14)) * scan
    truth = {"scan": scan, "grow": t_grow}
    crack_um = np.zeros(N_SCANS)
    init_k = None
    if crack == "transient":
        init_k = int(rng.integers(1, 5))
        crack_um[init_k:init_k + TRANSIENT_SCANS] = TRANSIENT_UM
    elif crack == "persistent":
        t_crack = t_grow - float(rng.uniform(3, 6)) * scan
        crack_um = np.clip(CRACK_UM_S * (t - t_crack), 0.0, None)
        init_k = int(np.argmax(crack_um > DEFAULT_THRESHOLDS.crack_min_length_um))
        truth["crack"] = t_crack
    front_px = FRONT_UM_S * (t - t_grow) / PX_UM if front else np.full(N_SCANS, -1.0)
    frames = pd.DataFrame({
        "frame": np.arange(N_SCANS), "content_time_s": t, "is_duplicate": False,
        "front_distance_um": np.where(front_px >= 1.0, (RADIUS_PX + front_px) * PX_UM, np.nan),
        "crack_length_um": crack_um})
    whiskers = None
    if whisker:
        length = WHISKER_UM_S * (t - t_grow)
        seen = length >= 3 * PX_UM  # found once a few pixels long
        whiskers = pd.DataFrame({"whisker_id": 0, "content_time_s": t[seen],
                                 "length_um": length[seen]})
    tracks = SimpleNamespace(electrode=SimpleNamespace(radius_px=RADIUS_PX),
                             crack_initiation_frame=init_k)
    return frames, whiskers, tracks, truth


def _events(frames, whiskers, tracks):
    return _video_events(frames, whiskers, tracks, SimpleNamespace(um=PX_UM),
                         DEFAULT_THRESHOLDS, None)


@pytest.mark.parametrize("seed", range(5))
def test_transient_line_does_not_date_a_whisker_onset(seed):
    frames, whiskers, tracks, truth = _scene(seed)
    ev = _events(frames, whiskers, tracks)
    assert ev.crack_initiation_s is not None  # the line is still reported as found
    assert ev.crack_initiation_s < truth["grow"] - truth["scan"]
    assert abs(ev.growth_onset_s - truth["grow"]) <= truth["scan"]


@pytest.mark.parametrize("seed", range(5))
def test_transient_line_does_not_date_a_front_onset(seed):
    frames, _, tracks, truth = _scene(seed, whisker=False, front=True)
    ev = _events(frames, None, tracks)
    assert abs(ev.lateral_onset_s - truth["grow"]) <= truth["scan"]
    assert abs(ev.growth_onset_s - truth["grow"]) <= truth["scan"]


@pytest.mark.parametrize("seed", range(5))
def test_transient_line_alone_still_dates_the_growth(seed):
    frames, _, tracks, _ = _scene(seed, whisker=False)
    ev = _events(frames, None, tracks)
    assert ev.growth_onset_s == ev.crack_initiation_s
    assert ev.growth_onset_s is not None


@pytest.mark.parametrize("seed", range(5))
def test_persistent_crack_before_the_whisker_dates_the_growth(seed):
    frames, whiskers, tracks, truth = _scene(seed, crack="persistent")
    ev = _events(frames, whiskers, tracks)
    assert abs(ev.crack_initiation_s - truth["crack"]) <= truth["scan"]
    assert ev.growth_onset_s == ev.crack_initiation_s


def test_first_growth_onset_rule():
    # a persistent crack (or one of unknown persistence) is one of the onsets
    assert first_growth_onset(5.0, 6.0, 3.0, crack_persistence=1.0) == 3.0
    assert first_growth_onset(5.0, None, 3.0) == 3.0
    assert first_growth_onset(5.0, None, 3.0, crack_persistence=CRACK_MIN_PERSISTENCE) == 3.0
    # a transient one only without a whisker or a front
    below = np.nextafter(CRACK_MIN_PERSISTENCE, 0.0)
    assert first_growth_onset(5.0, None, 3.0, crack_persistence=below) == 5.0
    assert first_growth_onset(None, 6.0, 3.0, crack_persistence=0.1) == 6.0
    assert first_growth_onset(None, None, 3.0, crack_persistence=0.1) == 3.0
    # a later transient line changes nothing; the earliest of whisker and front
    assert first_growth_onset(5.0, 4.0, 7.0, crack_persistence=0.1) == 4.0
    assert first_growth_onset(None, None, None) is None
