"""Lateral onset dated from where the confirmed front left the rim (issue 11: events
within one scan + one frame).

The series are on exact scan content times, so the tolerance is one scan period (the
requirement's frame interval is the display lag of a video, absent here).
"""
import numpy as np
import pytest

from vision.pipeline._events import growth_run_start, lateral_onset

#: The failure rule's defaults (FailureThresholds): 3 um held for 3 scans.
MIN_EXTENT_UM = 3.0
MIN_SCANS = 3
#: Pixel size of the series, um.
PIXEL_UM = 0.1
#: Extent below which the onset rule sees no front, um (FRONT_STEP_NOISE_PX).
NOISE_UM = 2.0 * PIXEL_UM
#: The tracker reports a front once it is this far beyond the rim, px.
SEEN_FROM_PX = 1.0


def _front(t, onset_s, speed_px_s, noise_px, rng):
    """Measured extent (um) of a front growing from `onset_s`; NaN before it is seen."""
    true_px = speed_px_s * np.clip(t - onset_s, 0.0, None)
    meas = true_px + rng.normal(0.0, noise_px, len(t)) if noise_px else true_px.copy()
    return np.where(true_px >= SEEN_FROM_PX, meas * PIXEL_UM, np.nan)


# Fronts growing 2-10 px per scan whose edge scatters by at most an eighth of a scan's
# growth: the range where the rule dates the onset within a scan (98-100 % of 450 seeds
# per case; at 2 px/scan with 1 px scatter the scan-to-scan steps are noise, and one
# onset in three falls more than a scan off).
@pytest.mark.parametrize("scan_s", [0.1, 0.5, 2.0])
@pytest.mark.parametrize("px_per_scan, noise_px", [
    (2.0, 0.0), (2.0, 0.25), (4.0, 0.25), (4.0, 0.5), (10.0, 0.5), (10.0, 1.0)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_onset_within_one_scan_of_the_truth(scan_s, px_per_scan, noise_px, seed):
    rng = np.random.default_rng([seed, int(10 * scan_s), int(px_per_scan), int(100 * noise_px)])
    t = np.arange(80) * scan_s
    onset = rng.uniform(5, 15) * scan_s
    extent = _front(t, onset, px_per_scan / scan_s, noise_px, rng)
    got = lateral_onset(t, extent, min_extent=MIN_EXTENT_UM, min_scans=MIN_SCANS,
                        noise=NOISE_UM)
    assert got == pytest.approx(onset, abs=scan_s)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_jump_at_the_confirmation_does_not_date_the_onset(seed):
    # the front is measured from its first px; at 2.5 um the tracker jumps to the counter
    # electrode (a jump is what confirms the front): the onset is that of the growth
    rng = np.random.default_rng(seed)
    t = np.arange(60) * 0.1
    onset = rng.uniform(1.0, 2.0)
    extent = _front(t, onset, 60.0, 0.5, rng)
    jump = int(np.argmax(extent > 2.5))
    extent[jump:] = 14.0
    got = lateral_onset(t, extent, min_extent=MIN_EXTENT_UM, min_scans=MIN_SCANS,
                        noise=NOISE_UM)
    assert got == pytest.approx(onset, abs=0.1)
    # dated from the confirmation alone (a flat line) it would be the jump's scan
    assert t[jump] - onset > 2 * 0.1


def test_a_creeping_precursor_is_not_the_front():
    # 1 px per scan beyond the rim for 10 scans (a whisker root, a precursor: tuning scene
    # 7002), then a front at 40 px per scan: the onset is the front's. (The price: a front
    # that itself speeds up more than fourfold is dated from its speed-up.)
    t = np.arange(40) * 0.5
    onset = 10.2
    px = np.where(t < 5.0, np.nan, 8.0 + 2.0 * (t - 5.0))
    px = np.maximum(px, 80.0 * (t - onset))
    got = lateral_onset(t, px * PIXEL_UM, min_extent=MIN_EXTENT_UM, min_scans=MIN_SCANS,
                        noise=NOISE_UM)
    assert got == pytest.approx(onset, abs=0.5)


def test_a_steady_root_at_the_rim_before_the_front_is_not_its_start():
    # a whisker root 5 px beyond the rim for 10 scans, then the front grows through it
    t = np.arange(40) * 0.5
    onset = 10.0
    px = np.where(t < 5.0, np.nan, np.maximum(5.0, 10.0 * (t - onset)))
    got = lateral_onset(t, px * PIXEL_UM, min_extent=MIN_EXTENT_UM, min_scans=MIN_SCANS,
                        noise=NOISE_UM)
    assert got == pytest.approx(onset, abs=0.5)


def test_scatter_of_an_empty_rim_before_the_front_is_not_growth():
    # before the front the rim measures 0-1 px beyond itself (scatter, whisker roots)
    rng = np.random.default_rng(4)
    t = np.arange(60) * 0.5
    onset = 14.2
    extent = _front(t, onset, 8.0, 0.5, rng)
    before = t < onset
    extent[before] = rng.uniform(0.0, 1.0, before.sum()) * PIXEL_UM
    got = lateral_onset(t, extent, min_extent=MIN_EXTENT_UM, min_scans=MIN_SCANS,
                        noise=NOISE_UM)
    assert got == pytest.approx(onset, abs=0.5)


def test_no_confirmed_front_no_onset():
    t = np.arange(20) * 0.5
    short = np.where(t >= 3.0, 4.0, np.nan)
    short[8:] = np.nan  # beyond 3 um for 2 scans only
    assert lateral_onset(t, short, min_extent=MIN_EXTENT_UM, min_scans=MIN_SCANS,
                         noise=NOISE_UM) is None
    assert lateral_onset(t[:2], [5.0, 6.0], min_extent=MIN_EXTENT_UM, min_scans=MIN_SCANS,
                         noise=NOISE_UM) is None


@pytest.mark.parametrize("before, expected", [
    ([np.nan, 0.6, 1.0, 2.0], 1),   # walks back to the first scan beyond the noise
    ([np.nan, 3.0, 1.0, 2.0], 2),   # 3.0 then 1.0: a drop, not this front
    ([np.nan, 1.0, np.nan, 2.0], 3),  # a scan without a front ends the run
    ([0.1, 0.2, 0.3, 0.4], 4),      # all within the noise of the empty rim
    ([np.nan, 1.0, 2.0, 2.0], 3),   # 2.0 then 2.0: not growing (a root at the rim)
])
def test_growth_run_start(before, expected):
    size = np.array(before + [2.5, 3.0, 3.5])
    assert growth_run_start(size, 4, noise=0.5) == expected


def test_scans_after_the_touch_down_are_not_fitted():
    # the front reaches the counter electrode 3 scans after it is seen and stops there:
    # fitted through the plateau, the rate is too low and the onset early
    t = np.arange(30) * 0.4
    onset, touch = 1.6, 2.9
    px = np.clip(80.0 * (t - onset), 0.0, 80.0 * (touch - onset))
    extent = np.where(px >= SEEN_FROM_PX, px * PIXEL_UM, np.nan)
    kw = dict(min_extent=MIN_EXTENT_UM, min_scans=MIN_SCANS, noise=NOISE_UM)
    assert lateral_onset(t, extent, until_s=touch, **kw) == pytest.approx(onset, abs=0.4)
    assert lateral_onset(t, extent, **kw) < onset - 0.1


def test_growth_run_start_with_a_rate_and_a_scan_shown_twice():
    t = np.array([0.0, 1.0, 2.0, 2.0, 3.0, 4.0])
    size = np.array([1.0, 2.0, 10.0, 10.0, 20.0, 30.0])
    # 10 per s: 2.0 -> 10.0 grew 8 in 1 s (>= 2.5 per s), 1.0 -> 2.0 only 1 (< 2.5)
    assert growth_run_start(size, 5, time_s=t, min_rate=2.5, noise=0.5) == 1
    assert growth_run_start(size, 5, time_s=t, min_rate=0.0, noise=0.5) == 0
    # the two entries of the scan at 2.0 s differ by more than the noise: not one scan
    size[2] = 8.0
    assert growth_run_start(size, 5, time_s=t, min_rate=2.5, noise=0.5) == 3


def test_a_scan_shown_again_later_is_one_scan():
    # 15 scans/s shown at 30 frames/s: some scans appear on two frames that are both kept
    # as new (a torn frame keeps its scan's measurement), the second at a later display
    # time; taken as two scans, the repeat reads as a stall that ends the run and skews
    # the fit (tuning scene 7038: onset 2.13 s for 2.03 s with a 0.067 s scan)
    scan = 1 / 15
    k = np.arange(60)
    onset = 20.4 * scan
    t_scan = k * scan
    px = 12.0 * (t_scan - onset) / scan  # 12 px per scan, 3 um (30 px) after 2.5 scans
    px = np.where(px >= 10.0, px, np.nan)  # seen from 10 px
    shown_twice = k % 2 == 0
    t = np.concatenate([t_scan, t_scan[shown_twice] + scan / 2])
    y = np.concatenate([px, px[shown_twice]])
    order = np.argsort(t, kind="stable")
    got = lateral_onset(t[order], y[order] * PIXEL_UM, min_extent=MIN_EXTENT_UM,
                        min_scans=MIN_SCANS, noise=NOISE_UM)
    # exact data, one entry per scan: the line through the first sightings is exact
    assert got == pytest.approx(onset, abs=1e-9)


def test_repeats_previous():
    from vision.pipeline._events import repeats_previous
    y = [np.nan, 1.0, 1.0, np.nan, 1.0, 2.0, 2.0, 2.5]
    assert repeats_previous(y).tolist() == [False, False, True, False, True, False, True, False]
