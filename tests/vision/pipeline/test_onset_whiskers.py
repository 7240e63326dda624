"""The growth onset from the whiskers: the first to grow, not the first seen.

Synthetic whisker tables with known onsets (straight growth from zero length, a tracker
that finds a whisker once it is DETECT_PX long and measures its length with Gaussian
scatter, seeded). Tolerance: issue 11, events within one scan + one frame.
"""
import numpy as np
import pandas as pd
import pytest

from vision.pipeline._events import extrapolated_onset, whisker_growth_onset

#: Scan period and frame interval of the synthetic videos, s.
SCAN_S = 0.2
FRAME_S = 0.04
#: Issue 11: an event within one scan plus one frame.
TOL_S = SCAN_S + FRAME_S
#: Pixel size, um, and the length at which the synthetic tracker first finds a whisker, px.
PIXEL_UM = 0.1
DETECT_PX = 4.0
#: Length scatter of the synthetic tracker, px (the tracker's tip uncertainty, ~0.3-1 px).
NOISE_PX = 0.3
SEEDS = range(6)


def _table(whiskers, *, seed, duration_s=8.0, noise_px=NOISE_PX):
    """Whisker rows per scan.

    ``whiskers`` is a list of (onset_s, rate_px_s[, lost_px, read_px]): a whisker that
    grows from zero at onset_s; a tracker that loses its tip once it is lost_px long reads
    read_px from then on.
    """
    rng = np.random.default_rng(seed)
    t = np.round(np.arange(0.0, duration_s, SCAN_S), 9)
    rows = []
    for wid, spec in enumerate(whiskers):
        onset, rate = spec[:2]
        lost, read = spec[2:] if len(spec) > 2 else (np.inf, np.nan)
        for ti in t:
            true_px = rate * (ti - onset)
            if true_px < DETECT_PX:
                continue
            px = (true_px if true_px < lost else read) + rng.normal(0.0, noise_px)
            rows.append({"whisker_id": wid, "content_time_s": ti, "length_um": px * PIXEL_UM,
                         "is_duplicate": False, "tip_sigma_px": noise_px})
    return t, pd.DataFrame(rows)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_slower_whisker_that_started_earlier_dates_the_onset(seed):
    # whisker 0 starts at 1.45 s at 40 px/s and is found first (1.6 s, 6 px); whisker 1
    # started at 1.0 s at 6 px/s and is found at 1.8 s (4.8 px): the growth began at 1.0 s
    t, w = _table([(1.45, 40.0), (1.0, 6.0)], seed=seed)
    assert w.sort_values("content_time_s")["whisker_id"].iloc[0] == 0
    onset = whisker_growth_onset(t, w, pixel_um=PIXEL_UM)
    assert abs(onset - 1.0) <= TOL_S


@pytest.mark.parametrize("seed", SEEDS)
def test_an_undetermined_extrapolation_does_not_pull_the_onset_early(seed):
    # a steady feature read as a whisker from 3.0 s (6 px with 1 px scatter, creeping
    # 0.1 px/s) extrapolates to zero tens of seconds back; the onset stays the first
    # whisker's 2.0 s
    t, w = _table([(2.0, 20.0)], seed=seed)
    rng = np.random.default_rng(100 + seed)
    ts = t[t >= 3.0]
    creep = pd.DataFrame({"whisker_id": 7, "content_time_s": ts,
                          "length_um": (6.0 + 0.1 * (ts - 3.0) + rng.normal(0, 1.0, len(ts)))
                          * PIXEL_UM, "is_duplicate": False, "tip_sigma_px": 1.0})
    onset = whisker_growth_onset(t, pd.concat([w, creep]), pixel_um=PIXEL_UM)
    assert abs(onset - 2.0) <= TOL_S


@pytest.mark.parametrize("seed", SEEDS)
def test_a_first_whisker_whose_tip_is_lost_is_dated_from_the_scans_it_grew(seed):
    # 30 px/s from 1.0 s, found at 1.2 s (6 px) and 12 px at 1.4 s; the tracker then
    # loses the tip and reads 10 px (the rod's near part; tuning scene 5039): the line
    # through four scans puts the whisker, 7 px long, in the scan before it was found and
    # meets zero before the record began; the two scans that grew meet it at 1.0 s
    t, w = _table([(1.0, 30.0, 13.0, 10.0)], seed=seed, noise_px=0.1)
    onset = whisker_growth_onset(t, w, pixel_um=PIXEL_UM)
    assert abs(onset - 1.0) <= TOL_S


def test_repeated_rows_of_one_scan_count_once():
    # rows marked is_duplicate (the same scan shown again) and repeated content times do not
    # weigh the fit: the same onset as the table without them
    t, w = _table([(1.0, 10.0)], seed=0, noise_px=0.0)
    dup = w.assign(is_duplicate=True, length_um=w["length_um"] * 0.5)
    onset = whisker_growth_onset(np.repeat(t, 2), pd.concat([w, dup]), pixel_um=PIXEL_UM)
    assert onset == pytest.approx(1.0, abs=1e-9)
    assert whisker_growth_onset(t, w.iloc[:0], pixel_um=PIXEL_UM) is None
    assert whisker_growth_onset(t, None) is None


def test_extrapolated_onset_of_an_exact_line_is_exact_and_certain():
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    y = np.array([np.nan, 1.0, 2.0, 3.0, 4.0])   # 1 per s from 0.0 s
    onset, sigma = extrapolated_onset(t, y)
    assert onset == pytest.approx(0.0, abs=1e-12)
    assert sigma == pytest.approx(0.0, abs=1e-9)


def test_extrapolated_onset_error_grows_with_the_scatter():
    t = np.arange(4.0)
    y = np.array([2.0, 3.5, 3.5, 5.0])           # 1 per s from -2 s, residuals +-0.25
    onset, sigma = extrapolated_onset(t, y)
    slope, icpt = np.polyfit(t, y, 1)
    assert onset == pytest.approx(-icpt / slope)
    assert 0.0 < sigma < np.inf
    _, sigma2 = extrapolated_onset(t, np.array([2.0, 4.0, 3.0, 5.0]))  # residuals +-0.5
    assert sigma2 > sigma


def test_extrapolated_onset_of_two_points_needs_their_scatter():
    t, y = np.array([1.0, 2.0]), np.array([1.0, 2.0])
    assert extrapolated_onset(t, y) == (pytest.approx(0.0), np.inf)
    onset, sigma = extrapolated_onset(t, y, size_sigma=0.1)
    assert onset == pytest.approx(0.0)
    assert np.isfinite(sigma) and sigma > 0


def test_extrapolated_onset_of_a_shrinking_or_single_measurement_is_none():
    assert extrapolated_onset([0.0, 1.0, 2.0], [3.0, 2.0, 1.0]) == (None, np.inf)
    assert extrapolated_onset([0.0, 1.0], [np.nan, 2.0]) == (None, np.inf)
