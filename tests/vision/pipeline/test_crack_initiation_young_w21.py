"""Crack initiation back-extrapolated from the young crack's scans (wave 21, issue 11).

A crack fills with lithium at once and grows from zero length at its initiation. Two ways
a back-extrapolated line went early on fresh dev scenes (8016, 8036, 8042, 8087: 1.4 to
9.8 scans early):

* a short reading at the rim (0.7-1.5 um, below the crack length threshold) creeping for
  scans before the crack ran, confirmed by the tracker as the crack's start: a line through
  it reaches back seconds (8036, 8042). Fixed: such a reading is fitted only if it is not
  more than half a scan before the line of the first crack-long scans meets zero.
* scattered first lengths (the first one too long, 8016, 8087): the line meets zero before
  a scan that measured the region crack-free. Not fixed: clipping at that scan loses the
  tuning scenes whose young crack the tracker misses for 1-3 scans (strict xfail below).

Frame tables with a known linear crack (the synthetic renderer's constant-speed tip);
tolerance one scan (issue 11: crack initiation within one scan).
"""
from types import SimpleNamespace

import numpy as np
import pytest

from vision.pipeline._analyze import _video_events
from vision.pipeline._events import crack_initiation
from vision.pipeline._failure import DEFAULT_THRESHOLDS

PX_UM = 0.1
RADIUS_PX = 40.0
N_SCANS = 40
MIN_UM = DEFAULT_THRESHOLDS.crack_min_length_um


def _frames(t, crack_um):
    import pandas as pd
    return pd.DataFrame({"frame": np.arange(len(t)), "content_time_s": t,
                         "is_duplicate": False, "front_distance_um": np.nan,
                         "crack_length_um": crack_um})


def _scene(seed, kind):
    """(frames, tracks, truth initiation s, scan period s) of a crack with a known start."""
    rng = np.random.default_rng(seed)
    scan = float(rng.uniform(0.1, 0.8))
    t = np.arange(N_SCANS) * scan
    t_crack = float(rng.uniform(15, 20)) * scan
    speed = float(rng.uniform(2.0, 6.0)) * MIN_UM / scan  # 2-6 thresholds per scan
    crack = np.clip(speed * (t - t_crack), 0.0, None)
    k = int(np.argmax(crack > 0))  # first scan that shows the crack
    if kind == "creep":
        # a sub-threshold reading at the rim, creeping for 3-8 scans before the crack,
        # which the tracker confirms as the crack's start; one scan between shows nothing
        n = int(rng.integers(3, 9))
        start = k - 1 - n
        crack[start:k - 1] = np.linspace(0.25, 0.5, n) * MIN_UM
        crack[k - 1] = 0.0
        init = start
    else:  # "scatter": the first length reads 2-3 scans' growth too long
        crack[k] += float(rng.uniform(2.0, 3.0)) * speed * scan
        init = k
    tracks = SimpleNamespace(electrode=SimpleNamespace(radius_px=RADIUS_PX),
                             crack_initiation_frame=init)
    return _frames(t, crack), tracks, t_crack, scan


@pytest.mark.parametrize("kind,seed", [("creep", s) for s in range(4)] + [
    pytest.param("scatter", 0, marks=pytest.mark.xfail(strict=True, reason=(
        "first length 2-3 scans' growth too long: the line meets zero 4.6 scans early "
        "(before the last scan measured crack-free); a clip there loses tuning scenes "
        "whose young crack is missed 1-3 scans"))),
    ("scatter", 1)])
def test_crack_initiation_within_one_scan(seed, kind):
    frames, tracks, truth, scan = _scene(seed, kind)
    ev = _video_events(frames, None, tracks, SimpleNamespace(um=PX_UM), DEFAULT_THRESHOLDS,
                       None)
    assert ev.crack_initiation_s is not None
    assert abs(ev.crack_initiation_s - truth) <= scan
    # the growth onset (no whisker, no front) is the crack's
    assert abs(ev.growth_onset_s - truth) <= scan


def test_a_young_crack_missed_for_scans_is_still_dated_by_the_line():
    # the tracker misses a crack shorter than a few px: 0 at t = 4 and 5 although it grew
    # from t = 3.5; the line through the later scans dates it, not the last 0
    t = np.arange(12.0)
    length = np.clip(2.0 * (t - 3.5), 0.0, None)
    length[[4, 5]] = 0.0
    assert crack_initiation(t, length, start_s=6.0, min_length=MIN_UM) == pytest.approx(3.5)


def test_clean_linear_crack_unchanged():
    # a crack first seen short and growing steadily: the line back to zero, as before
    t = np.arange(10.0)
    length = np.clip(2.0 * (t - 3.5), 0.0, None)  # 1, 3, 5 ... from t = 4
    assert crack_initiation(t, length, start_s=4.0, min_length=MIN_UM) == pytest.approx(3.5)


def test_never_long_enough_fits_what_was_seen():
    t = np.arange(8.0)
    length = np.array([0, 0, 0, 0.5, 1.0, 1.5, 2.0, 2.5])
    assert crack_initiation(t, length, start_s=3.0, min_length=MIN_UM) == pytest.approx(2.0)
    assert crack_initiation(t, np.zeros(8), start_s=3.0, min_length=MIN_UM) is None
