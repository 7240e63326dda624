"""Growth onset of whiskers: the earliest of each whisker's own back-extrapolation (issue 11:
events within one scan + one frame).

The series are on exact scan content times, so the tolerance is one scan period.
"""
import numpy as np
import pytest

from vision.pipeline._events import earliest_onset, onset_from_growth

#: The whisker tracker reports a whisker once it is about this long, px.
SEEN_FROM_PX = 4.0


def _whisker(t, onset_s, rate_px_s, noise_px, rng):
    """Measured length (px) of a whisker growing from `onset_s`; NaN until it is seen."""
    true = rate_px_s * np.clip(t - onset_s, 0.0, None)
    meas = true + rng.normal(0.0, noise_px, len(t))
    return np.where(true >= SEEN_FROM_PX, meas, np.nan)


# A slow whisker (2-3 px per scan) starts first; a fast one (10-15 px per scan) starts one
# to one and a half scans later and mostly crosses the detection length first. Whisker tips are placed to
# 0.5 px (issue 11's length RMS target is 1 px at the 90th percentile).
@pytest.mark.parametrize("scan_s", [0.1, 0.5, 2.0])
@pytest.mark.parametrize("noise_px", [0.0, 0.25, 0.5])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_first_whisker_to_grow_dates_the_onset(scan_s, noise_px, seed):
    rng = np.random.default_rng([seed, int(10 * scan_s), int(100 * noise_px)])
    t = np.arange(60) * scan_s
    onset = rng.uniform(5, 10) * scan_s
    slow = _whisker(t, onset, rng.uniform(2, 3) / scan_s, noise_px, rng)
    fast = _whisker(t, onset + rng.uniform(1, 1.5) * scan_s, rng.uniform(10, 15) / scan_s,
                    noise_px, rng)
    assert earliest_onset(t, [fast, slow]) == pytest.approx(onset, abs=scan_s)


def test_first_detected_whisker_alone_dates_it_late():
    # the case the rule is for: dated by the fast whisker seen first, the onset is that
    # whisker's, two scans after the slow one started
    t = np.arange(40) * 0.5
    slow = np.where(t >= 4.0, 5.0 * (t - 2.0), np.nan)
    fast = np.where(t >= 4.0, 20.0 * (t - 3.0), np.nan)
    assert onset_from_growth(t, fast) == pytest.approx(3.0)
    assert earliest_onset(t, [fast, slow]) == pytest.approx(2.0)


def test_no_whisker_seen_no_onset():
    t = np.arange(10) * 0.5
    assert earliest_onset(t, []) is None
    assert earliest_onset(t, [np.full(10, np.nan)]) is None


def test_a_steady_whisker_is_dated_at_its_first_sighting_not_at_the_record_start():
    # a 26 px whisker that no longer grows, its length scattering by 0.2 px: a line through
    # it rises 0.06 px and meets zero long before the record began
    t = np.arange(30) * 0.3
    steady = np.where(t >= 4.5, 26.3 + 0.2 * ((np.arange(30) + 1) % 2), np.nan)
    assert onset_from_growth(t, steady) == 0.0
    assert onset_from_growth(t, steady, noise=0.5) == pytest.approx(4.5)
    # a slow whisker (0.3 px per scan) that rises 0.9 px over its four fitted scans still
    # grows beyond that noise and is back-extrapolated
    slow = np.where(t >= 4.5, 1.0 * (t - 2.4), np.nan)
    assert onset_from_growth(t, slow, noise=0.5) == pytest.approx(2.4)
    got = earliest_onset(t, [steady, slow], noise=0.5)
    assert got == pytest.approx(2.4)


def test_a_whisker_that_appears_long_mid_video_is_not_dated_before_the_record():
    # first seen at 397 px in the 12th scan, 455 px from the next scan on (a merged or
    # re-identified object, tuning scene 7036): its line runs back past the start of the
    # record though the earlier scans did not show it; it is dated at its first sighting
    t = np.arange(20) * 0.5
    long = np.where(t >= 5.5, 455.0, np.nan)
    long[11] = 397.0
    grown = np.where(t >= 2.0, 20.0 * (t - 1.9), np.nan)
    assert onset_from_growth(t, long) == 0.0
    assert earliest_onset(t, [long]) == pytest.approx(5.5)
    assert earliest_onset(t, [long, grown]) == pytest.approx(1.9)
    # seen in the first scan, a line run back past it stays at the start of the record
    assert earliest_onset(t, [np.where(t >= 0.0, 50.0 + 2.0 * t, np.nan)]) == 0.0
