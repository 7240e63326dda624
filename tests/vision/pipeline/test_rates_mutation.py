"""Exact unit tests of the helpers behind the growth rates (``vision/pipeline/_rates.py``).

Written against the mutants that survived ``make mutate`` on the rewritten module (rates
per stretch of constant rate found by change points). Every input has an answer known from
first principles: lengths on exact straight lines with known breaks, a known lost tip, an
alternating tip error of known size (whose residuals and robust scatter are exact), the
standard error of a slope written out from its formula, and the optimal partition into
straight stretches found by trying every partition. Tolerances are those of floating point
(the quantities are exact) or, at a threshold, a small fraction of the threshold itself.
No video; each test takes milliseconds.
"""
import itertools

import numpy as np
import pandas as pd
import pytest

from vision.pipeline import _rates
from vision.pipeline._rates import (
    LOST_TIP_SIGMAS,
    MAD_REL_SE,
    MERGE_SIGMAS,
    MIN_SCATTER_UM,
    SEGMENT_MIN_SCANS,
    SEGMENT_PENALTY,
    _lost_tips,
    _merge_alike,
    _noise_scale_um,
    _stretch_rate,
    rate_segments,
)

#: 1.4826: the MAD of a Gaussian times this is its standard deviation.
MAD_TO_SIGMA = 1.4826


def _slope_se(t, sigma):
    """The standard error of a slope, written out: the scatter corrected for the two fitted
    parameters and the small-sample bias of the MAD, over std(t) sqrt(n)."""
    t = np.asarray(t, float)
    n = len(t)
    return sigma * np.sqrt(n / (n - 2)) * n / (n - 0.8) / (np.std(t) * np.sqrt(n))


# ---------------------------------------------------------------------------
# _lost_tips
# ---------------------------------------------------------------------------
def test_lost_tip_in_three_scans():
    # the fewest scans that can hold a lost tip: before, lost, after
    lost = _lost_tips(np.array([10.0, 0.0, 10.0]), 1.0)
    assert lost.dtype == bool and list(lost) == [False, True, False]
    # no before and after: nothing lost, and still a boolean mask (the caller inverts it)
    few = _lost_tips(np.array([10.0, 0.0]), 1.0)
    assert few.dtype == bool and list(few) == [False, False]
    assert list(_lost_tips(np.array([], float), 1.0)) == []


def test_lost_tip_threshold_is_three_sigmas_exclusive():
    # exactly LOST_TIP_SIGMAS below the rod before and after: not lost; a hair lower: lost
    on = 10.0 - LOST_TIP_SIGMAS * 1.0
    assert not _lost_tips(np.array([10.0, on, 10.0]), 1.0)[1]
    assert _lost_tips(np.array([10.0, np.nextafter(on, 0.0), 10.0]), 1.0)[1]
    assert not _lost_tips(np.array([10.0, 7.5, 10.0]), 1.0)[1]
    assert _lost_tips(np.array([10.0, 7.5, 10.0]), 0.5)[1]
    # a zero noise is floored at MIN_SCATTER_UM: 2 floors below is not lost, 4 are
    assert not _lost_tips(np.array([10.0, 10.0 - 2 * MIN_SCATTER_UM, 10.0]), 0.0)[1]
    assert _lost_tips(np.array([10.0, 10.0 - 4 * MIN_SCATTER_UM, 10.0]), 0.0)[1]


def test_lost_tips_at_the_start_of_the_record():
    # the first scan sees the tip, the next two lose it, then it is back and grows on: the
    # length before the lost scans is the first scan's own (its median with itself)
    y = np.array([5.0, 0.0, 0.0, 8.0, 9.0, 10.0])
    assert list(_lost_tips(y, 1.0)) == [False, True, True, False, False, False]


def test_lost_tips_at_the_end_of_the_record():
    # a rod growing 1 um per scan loses its tip in two scans before the last, which sees it
    # again: the length after them is the last scan's own
    y = np.arange(10.0)
    y[7:9] = 0.0
    assert list(_lost_tips(y, 0.5)) == [False] * 7 + [True, True, False]


def test_stripping_loses_only_the_last_scan():
    # a rod that shrinks and stays short is not lost; only the last scan, which has no
    # "after", lies below the length before it (documented: one scan lost by stripping)
    y = 20.0 - np.arange(10.0)
    assert list(_lost_tips(y, 0.1)) == [False] * 9 + [True]
    # one overshooting tip does not make its neighbours lost (running median of three)
    y = np.arange(8.0)
    y[3] = 30.0
    assert not _lost_tips(y, 0.1).any()


# ---------------------------------------------------------------------------
# _stretch_rate
# ---------------------------------------------------------------------------
def test_stretch_rate_uncertainty_from_the_tip_sigma():
    # 5 scans exactly on a line: the scatter is 0, so the +- is the slope's standard error for
    # the median tip sigma combined with sqrt(2) tip sigmas over the fitted 4 s
    t = np.arange(5.0)
    y = 1.0 + 2.5 * t
    tip = np.array([np.nan, 0.1, 0.1, 0.3, 0.1])   # median of the known ones: 0.1
    rate, sd = _stretch_rate(t, y, tip)
    assert rate == pytest.approx(2.5, rel=1e-9)
    assert sd == pytest.approx(np.hypot(_slope_se(t, 0.1), np.sqrt(2.0) * 0.1 / 4.0), rel=1e-9)
    # the systematic part shrinks with the fitted duration: 8 s instead of 4 s
    rate2, sd2 = _stretch_rate(2 * t, y, tip)
    assert rate2 == pytest.approx(1.25, rel=1e-9)
    assert sd2 == pytest.approx(np.hypot(_slope_se(2 * t, 0.1), np.sqrt(2.0) * 0.1 / 8.0),
                                rel=1e-9)
    # without tip sigmas the scatter alone: 0 on an exact line
    assert _stretch_rate(t, y, np.full(5, np.nan)) == (pytest.approx(2.5, rel=1e-9),
                                                       pytest.approx(0.0, abs=1e-9))


def test_stretch_rate_keeps_a_scatter_above_the_tip_sigma():
    # an alternating tip error of +-0.5 um about the line: the residual scatter (~0.5 um)
    # exceeds the tip sigma (0.01 um) and is the one used
    t = np.arange(8.0)
    y = 1.0 + 2.0 * t + 0.5 * (-1.0) ** np.arange(8)
    _, _, scatter = _rates.fit_growth_rate(t, y)
    assert scatter > 0.3
    rate, sd = _stretch_rate(t, y, np.full(8, 0.01))
    assert sd == pytest.approx(np.hypot(_slope_se(t, scatter), np.sqrt(2.0) * 0.01 / 7.0),
                               rel=1e-9)


# ---------------------------------------------------------------------------
# _merge_alike
# ---------------------------------------------------------------------------
def test_merge_joins_a_straight_line_cut_in_two():
    # one line cut into two stretches, tips known to 0.05 um: equal rates, one stretch
    t = np.arange(10.0)
    y = 1.0 + 2.0 * t
    tip = np.full(10, 0.05)
    assert _merge_alike([(0, 5), (5, 10)], t, y, tip) == [(0, 10)]
    assert _merge_alike([(0, 10)], t, y, tip) == [(0, 10)]
    # and three pieces of it
    assert _merge_alike([(0, 4), (4, 7), (7, 10)], t, y, tip) == [(0, 10)]


def test_merge_keeps_a_real_rate_change_and_joins_the_alike_neighbours():
    # 1 um/s for 5 scans, then 3 um/s for 10 scans cut in two: the change is 2 um/s, about
    # 70 combined sigmas of 0.01 um tips: kept; the two 3 um/s pieces are joined
    t = np.arange(15.0)
    y = np.where(t < 5, t, 5.0 + 3.0 * (t - 5.0))
    tip = np.full(15, 0.01)
    assert _merge_alike([(0, 5), (5, 10), (10, 15)], t, y, tip) == [(0, 5), (5, 15)]
    assert _merge_alike([(0, 5), (5, 15)], t, y, tip) == [(0, 5), (5, 15)]
    # the same change with much larger tips (5 um: the rates agree within 3 sigmas): one stretch
    assert _merge_alike([(0, 5), (5, 15)], t, y, np.full(15, 5.0)) == [(0, 15)]


def _fake_stretch_rate(t, y, tip_um):
    """A stretch's rate is its first length, its uncertainty its first tip sigma."""
    return float(y[0]), float(tip_um[0])


def test_merge_rule_on_given_rates_and_uncertainties(monkeypatch):
    # the rule alone, with the stretches' rates and sigmas given: a change of exactly
    # MERGE_SIGMAS combined sigmas is joined (hypot(3, 4) = 5 exactly), one a hair larger kept
    monkeypatch.setattr(_rates, "_stretch_rate", _fake_stretch_rate)
    t = np.arange(8.0)
    tip = np.array([3.0] * 4 + [4.0] * 4)
    on = MERGE_SIGMAS * 5.0
    y = np.array([0.0] * 4 + [on] * 4)
    assert _merge_alike([(0, 4), (4, 8)], t, y, tip) == [(0, 8)]
    y = np.array([0.0] * 4 + [np.nextafter(on, np.inf)] * 4)
    assert _merge_alike([(0, 4), (4, 8)], t, y, tip) == [(0, 4), (4, 8)]
    # the closest pair is joined first, wherever it lies: rates 0, 10, 10.5 with sigma 1
    # (gaps 7.1 and 0.35 sigma): the last two join, the first stays
    t = np.arange(12.0)
    y = np.repeat([0.0, 10.0, 10.5], 4)
    assert _merge_alike([(0, 4), (4, 8), (8, 12)], t, y, np.ones(12)) == [(0, 4), (4, 12)]
    # and the joined pair is compared again with its neighbour: rates 0, 2, 2.5 (sigma 1)
    y = np.repeat([0.0, 2.0, 2.5], 4)
    assert _merge_alike([(0, 4), (4, 8), (8, 12)], t, y, np.ones(12)) == [(0, 12)]
    # rates that differ by 1 with uncertainties of 0.2 each (3.5 combined sigmas): kept,
    # though the difference times the uncertainty is small
    y = np.repeat([1.0, 2.0], 4)
    tip = np.repeat([0.2, 0.2], 4)
    assert _merge_alike([(0, 4), (4, 8)], t[:8], y, tip) == [(0, 4), (4, 8)]


def test_merge_with_stretches_of_unknown_uncertainty(monkeypatch):
    # a pair without any uncertainty (both 0) is never joined; its neighbour with a known one
    # still is, and the joined stretch is then compared afresh
    monkeypatch.setattr(_rates, "_stretch_rate", _fake_stretch_rate)
    t = np.arange(12.0)
    y = np.full(12, 2.0)
    tip = np.repeat([0.0, 0.0, 1.0], 4)
    assert _merge_alike([(0, 4), (4, 8)], t[:8], y[:8], tip[:8]) == [(0, 4), (4, 8)]
    # with (0,4)+(4,8) at 0 sigma and (4,8)+(8,12) at 1: the second pair joins, then the first
    # (the joined stretch's first tip is 0 in the fake, so it is kept apart again)
    assert _merge_alike([(0, 4), (4, 8), (8, 12)], t, y, tip) == [(0, 4), (4, 12)]


def test_merge_on_real_fits_with_unknown_tips_and_a_joinable_neighbour():
    # exact lines at one rate, tip sigmas unknown for the first 8 scans and 0.1 um for the
    # last 4: the first pair has no uncertainty (gap infinite, not NaN), the second joins,
    # then the joined stretch (median tip 0.1) joins the first: one stretch
    t = np.arange(12.0)
    y = 1.0 + 2.0 * t
    tip = np.repeat([np.nan, np.nan, 0.1], 4)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert _merge_alike([(0, 4), (4, 8), (8, 12)], t, y, tip) == [(0, 12)]


# ---------------------------------------------------------------------------
# _noise_scale_um
# ---------------------------------------------------------------------------
def test_noise_scale_is_zero_on_straight_lines_at_uneven_times():
    # the line through the two neighbours predicts an inner scan exactly, whatever the spacing
    t = np.array([0.0, 0.3, 1.0, 1.2, 2.9, 3.0, 4.5, 7.0])
    assert _noise_scale_um(t, 2.0 + 1.7 * t) == pytest.approx(0.0, abs=1e-12)
    # a kink touches only the scan at it: the robust scatter is still 0
    y = np.where(t < 2.0, t, 2.0 + 5.0 * (t - 2.0))
    assert _noise_scale_um(t, y) == pytest.approx(0.0, abs=1e-12)
    # three scans: one comparison, 1 um off the line through its neighbours (even spacing,
    # w = 1/2: the difference has 1.5 sigma^2 of variance)
    assert _noise_scale_um(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 0.0])) == (
        pytest.approx(MAD_TO_SIGMA / np.sqrt(1.5), rel=1e-12))
    # fewer than three scans: nothing to compare
    assert _noise_scale_um(t[:2], t[:2]) == 0.0
    assert _noise_scale_um(t[:0], t[:0]) == 0.0


@pytest.mark.parametrize("dts", [(1.0,), (1.0, 3.0), (0.5, 2.0)])
def test_noise_scale_of_an_alternating_tip_error(dts):
    # lengths on a line plus +-a in turn: each inner scan differs from its neighbours' line by
    # exactly 2a (whatever the weight w, since (1 - w) + w = 1); scaled by the standard
    # deviation of the difference, sqrt(1 + w^2 + (1 - w)^2) sigma, and the MAD
    # (1.4826 median |d|) of those values is the estimate
    a = 0.2
    n = 12
    t = np.concatenate([[0.0], np.cumsum(np.resize(dts, n - 1))])
    y = 3.0 + 0.8 * t + a * (-1.0) ** np.arange(n)
    w = dts[0] / (dts[0] + dts[-1]) if len(dts) > 1 else 0.5
    # with two spacings in turn the weights are w and 1 - w: the same scale for both
    want = MAD_TO_SIGMA * 2 * a / np.sqrt(1.0 + w ** 2 + (1.0 - w) ** 2)
    assert _noise_scale_um(t, y) == pytest.approx(want, rel=1e-6)


def test_noise_scale_leaves_out_scans_between_equal_times():
    # a repeated time (dt of its neighbours 0) gives no line: left out, not a division by 0
    t = np.array([0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    y = 1.0 + t + 0.1 * (-1.0) ** np.arange(8)
    y[:3] = [50.0, -50.0, 80.0]   # nonsense at the repeated time does not count
    # inner scans 1 (dt 0, out), 2 (neighbours 0 and 1 s apart: in, a residual of ~30 um),
    # 3..6 (+-0.2 um / sqrt(1.5) each): the median of five is the alternating one
    with np.errstate(all="raise"):
        got = _noise_scale_um(t, y)
    assert got == pytest.approx(MAD_TO_SIGMA * 0.2 / np.sqrt(1.5), rel=1e-6)
    assert _noise_scale_um(np.zeros(5), np.arange(5.0)) == 0.0   # one time only


# ---------------------------------------------------------------------------
# rate_segments
# ---------------------------------------------------------------------------
def _sse(t, y):
    """Residual sum of squares of the least-squares line (0 for one point)."""
    if len(t) < 2 or np.ptp(t) == 0:
        return float(np.sum((y - y.mean()) ** 2))
    p = np.polyfit(t, y, 1)
    return float(np.sum((y - np.polyval(p, t)) ** 2))


def _best_partition(t, y, penalty, min_scans):
    """The optimal partition by trying them all: least squares per stretch plus the penalty
    for each stretch beyond the first."""
    n = len(t)
    best, arg = np.inf, None
    for k in range(0, n):
        for cuts in itertools.combinations(range(min_scans, n - min_scans + 1), k):
            edges = (0,) + cuts + (n,)
            if any(b - a < min_scans for a, b in zip(edges[:-1], edges[1:])):
                continue
            cost = sum(_sse(t[a:b], y[a:b]) for a, b in zip(edges[:-1], edges[1:])) + k * penalty
            if cost < best:
                best, arg = cost, [(a, b) for a, b in zip(edges[:-1], edges[1:])]
        if k * min_scans > n:
            break
    return arg


def _penalty(noise_um, n):
    # the documented penalty: SEGMENT_PENALTY log(n) sigma^2, sigma one standard error high
    sigma = max(noise_um * (1.0 + MAD_REL_SE / np.sqrt(n - 2)), MIN_SCATTER_UM)
    return SEGMENT_PENALTY * np.log(n) * sigma ** 2


def test_segments_of_exact_lines_with_known_breaks():
    # 1 um/s for scans 0-9, 3 um/s for 10-19, 0 um/s for 20-27 (breaks between scans)
    t = np.arange(28.0) * 0.5 + 100.0
    tb1, tb2 = t[9] + 0.25, t[19] + 0.25
    y = np.where(t < tb1, t - t[0], tb1 - t[0] + 3.0 * (t - tb1))
    y = np.where(t < tb2, y, tb1 - t[0] + 3.0 * (tb2 - tb1))
    want = [(0, 10), (10, 20), (20, 28)]
    assert rate_segments(t, y, noise_um=0.01) == want
    assert rate_segments(t, y) == want   # noise from the lengths: 0, floored
    # one straight line stays one stretch, whatever the noise given
    assert rate_segments(t, 2.0 * t, noise_um=0.0) == [(0, 28)]
    assert rate_segments(t, 2.0 * t) == [(0, 28)]
    # lists are taken
    assert rate_segments(list(t), list(y), noise_um=0.01) == want
    # the partition does not depend on the unit of time (scans 5 ms or 500 s apart)
    assert rate_segments(t / 100.0, y, noise_um=0.01) == want
    assert rate_segments(t * 1000.0, y, noise_um=0.01) == want


def test_segments_need_min_scans_each():
    t = np.arange(8.0)
    y = np.where(t < 4, t, 4.0 + 5.0 * (t - 4.0))
    # 8 scans: two stretches of SEGMENT_MIN_SCANS = 4 fit
    assert SEGMENT_MIN_SCANS == 4
    assert rate_segments(t, y, noise_um=0.01) == [(0, 4), (4, 8)]
    # 7 scans cannot hold two stretches of 4
    assert rate_segments(t[1:], y[1:], noise_um=0.01) == [(0, 7)]
    # with min_scans=3 they can: the break is between scans 3 and 4 of the original
    assert rate_segments(t[1:], y[1:], noise_um=0.01, min_scans=3) == [(0, 3), (3, 7)]
    # a change two scans before the end cannot be its own stretch of 4: every stretch has >= 4
    t = np.arange(14.0)
    y = np.where(t < 12, t, 12.0 + 20.0 * (t - 12.0))
    got = rate_segments(t, y, noise_um=0.01)
    assert got[0][0] == 0 and got[-1][1] == 14
    assert all(b - a >= 4 for a, b in got)
    assert all(b == c for (_, b), (c, _) in zip(got[:-1], got[1:]))


@pytest.mark.parametrize("n, kink, min_scans", [(20, 11, 4), (3, 1, 1)])
def test_segment_penalty_at_its_threshold(n, kink, min_scans):
    # one kink whose one-line sum of squares S is known: two stretches on the two exact lines
    # cost the penalty, one costs S; the split is made just when the documented penalty is
    # below S (also on 3 scans with stretches of 1, where the MAD's standard error is
    # 1.17 / sqrt(1))
    t = np.arange(n) * 0.7
    y = np.where(t < t[kink], 0.3 * t, 0.3 * t[kink] + 0.9 * (t - t[kink]))
    s = _sse(t, y)
    # the noise whose penalty equals S
    noise_eq = np.sqrt(s / (SEGMENT_PENALTY * np.log(n))) / (1.0 + MAD_REL_SE / np.sqrt(n - 2))
    assert _penalty(noise_eq, n) == pytest.approx(s, rel=1e-12)
    assert noise_eq > 10 * MIN_SCATTER_UM   # the floor plays no part
    with np.errstate(all="raise"):   # stretches of one time are no division by zero
        split = rate_segments(t, y, noise_um=noise_eq * 0.999, min_scans=min_scans)
        one = rate_segments(t, y, noise_um=noise_eq * 1.001, min_scans=min_scans)
    assert one == [(0, n)]
    if n > 3:
        assert split == [(0, kink), (kink, n)]
    else:   # on 3 scans either split fits two exact lines
        assert len(split) == 2 and split[0][0] == 0 and split[-1][1] == n


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_segments_are_the_optimal_partition(seed):
    # noisy piecewise-straight lengths (breaks at random scans, uneven times far from 0); at
    # three noise levels the result is the partition that minimises the sum of squares plus
    # the penalty, found here by trying every partition
    rng = np.random.default_rng(seed)
    n = 16
    t = 5000.0 + np.cumsum(rng.uniform(0.3, 1.0, n))
    rates = rng.uniform(-1.0, 3.0, 3)
    kinks = np.sort(rng.choice(np.arange(3, n - 3), 2, replace=False))
    slope = rates[np.searchsorted(kinks, np.arange(n), side="right")]
    y = 10.0 + np.concatenate([[0.0], np.cumsum(slope[1:] * np.diff(t))])
    y = y + rng.normal(0.0, 0.15, n)
    for noise in (0.02, 0.1, 0.3):
        want = _best_partition(t, y, _penalty(noise, n), SEGMENT_MIN_SCANS)
        assert rate_segments(t, y, noise_um=noise) == want, noise
    # the default noise is the lengths' own noise scale
    noise = _noise_scale_um(t, y)
    assert rate_segments(t, y) == _best_partition(t, y, _penalty(noise, n), SEGMENT_MIN_SCANS)


# ---------------------------------------------------------------------------
# growth_rates_per_step
# ---------------------------------------------------------------------------
def _whisker(t, y, **cols):
    return pd.DataFrame({"whisker_id": 3, "content_time_s": t, "length_um": y, **cols})


def test_a_lost_tip_is_left_out_of_the_stretches_and_the_fit():
    # 2 um/s, one scan lost (1 um instead of 11 um): without it, one stretch, the exact rate
    t = np.arange(12.0) * 0.5
    y = 1.0 + 2.0 * t
    y[5] = 1.0
    r = _rates.growth_rates_per_step(_whisker(t, y), pixel_size_rel_std=0.0)
    assert len(r) == 1
    assert r["rate_um_s"].iloc[0] == pytest.approx(2.0, rel=1e-9)
    assert r["n_scans"].iloc[0] == 11 and r["rate_std_um_s"].iloc[0] < 1e-6


def test_a_record_too_short_to_fit_gives_no_rate():
    # two scans (too few for a rate, no lost tip can be told): no row, no error
    r = _rates.growth_rates_per_step(_whisker([0.0, 1.0], [1.0, 2.0]))
    assert r.empty and "rate_um_s" in r.columns


def _kinked(n=20, rate1=1.0, rate2=3.0):
    """Scans 1 s apart, rate1 for scans 0..9 and rate2 for 10..19 (the change between scans
    9 and 10, at 9.5 s)."""
    t = np.arange(float(n))
    return t, np.where(t < 9.5, 2.0 + rate1 * t, 2.0 + rate1 * 9.5 + rate2 * (t - 9.5))


def test_each_stretch_is_fitted_and_cut_half_way_to_the_next_scan():
    # one step over the whole record: a row per stretch, its edges the step's cut half-way
    # between the last scan of one stretch and the first of the next
    t, y = _kinked()
    steps = pd.DataFrame({"step": [7], "t_start_s": [-1.0], "t_end_s": [30.0],
                          "control_value": [-0.5]})
    r = _rates.growth_rates_per_step(_whisker(t, y), steps, pixel_size_rel_std=0.0)
    assert list(r["step"]) == [7, 7] and list(r["whisker_id"]) == [3, 3]
    assert list(r["n_scans"]) == [10, 10]
    np.testing.assert_allclose(r["rate_um_s"], [1.0, 3.0], rtol=1e-9)
    np.testing.assert_allclose(r["rate_std_um_s"], [0.0, 0.0], atol=1e-9)
    assert list(r["t_start_s"]) == [-1.0, 9.5] and list(r["t_end_s"]) == [9.5, 30.0]
    assert list(r["control_value"]) == [-0.5, -0.5]


def test_a_step_holding_the_end_of_a_stretch_gets_the_stretch_rate():
    # the step edge on the video clock is 1.5 s late (at 11 s, the rate changed at 9.5 s):
    # step 0 holds two scans (10 and 11) of the 3 um/s stretch, too few to fit alone, so it
    # gets the whole stretch's rate; step 1 holds nine of them (11 counted in both: edges
    # are inclusive)
    t, y = _kinked()
    steps = pd.DataFrame({"step": [0, 1], "t_start_s": [0.0, 11.0], "t_end_s": [11.0, 19.0],
                          "control_value": [-1.0, -2.0]})
    r = _rates.growth_rates_per_step(_whisker(t, y), steps, pixel_size_rel_std=0.0)
    assert list(r["step"]) == [0, 0, 1]
    assert list(r["n_scans"]) == [10, 10, 9]
    np.testing.assert_allclose(r["rate_um_s"], [1.0, 3.0, 3.0], rtol=1e-9)
    assert list(r["t_start_s"]) == [0.0, 9.5, 11.0] and list(r["t_end_s"]) == [9.5, 11.0, 19.0]
    # one scan of the stretch in step 0 (edge at 10 s) may be the change a scan off: no row
    steps.loc[0, "t_end_s"] = steps.loc[1, "t_start_s"] = 10.0
    r = _rates.growth_rates_per_step(_whisker(t, y), steps, pixel_size_rel_std=0.0)
    assert list(r["step"]) == [0, 1] and list(r["n_scans"]) == [10, 10]
    # a stretch shorter than min_scans gives no rate to a step holding two of its scans
    # (min_scans 11: no stretch is long enough, nothing is reported)
    assert _rates.growth_rates_per_step(_whisker(t, y), steps, min_scans=11).empty


def test_the_tip_sigma_sets_the_noise_for_lost_tips():
    # a straight rod growing 2 um per scan with one scan 5 um short, 1 um below the median
    # of the scans before it (9 um): with tips known only to 2.5 px x 0.2 um/px = 0.5 um
    # (3 sigma = 1.5 um) that is within the tip error and kept (every scan is fitted, in one
    # stretch or more); with no tip sigma the lengths' own noise is 0 (floored) and the scan
    # is a lost tip
    t = np.arange(12.0)
    y = 1.0 + 2.0 * t
    y[6] -= 5.0
    w = _whisker(t, y, tip_sigma_px=2.5)
    kept = _rates.growth_rates_per_step(w, pixel_size_um=0.2)
    assert kept["n_scans"].sum() == 12
    lost = _rates.growth_rates_per_step(w)   # no pixel size: the tip sigma is not known in um
    assert list(lost["n_scans"]) == [11] and lost["rate_um_s"].iloc[0] == pytest.approx(2.0)
    lost = _rates.growth_rates_per_step(w.drop(columns="tip_sigma_px"), pixel_size_um=0.2)
    assert list(lost["n_scans"]) == [11]


def test_a_standstill_after_the_short_circuit_is_left_out_by_its_median_time():
    # growth at 1 um/s, then a standstill from 9.5 s on (scans 10-19, median time 14.5 s):
    # left out when its median time is after the short circuit, kept when it is not
    t, y = _kinked(rate2=0.0)
    steps = pd.DataFrame({"step": [0], "t_start_s": [0.0], "t_end_s": [19.0]})
    w = _whisker(t, y)
    assert list(_rates.growth_rates_per_step(w, steps, short_circuit_s=14.4)["n_scans"]) == [10]
    both = _rates.growth_rates_per_step(w, steps, short_circuit_s=14.5)
    assert list(both["n_scans"]) == [10, 10] and both["rate_um_s"].iloc[1] == pytest.approx(0.0)
    assert np.isnan(both["control_value"]).all()   # steps without a control value
    # a NaN short-circuit time is no short circuit
    assert len(_rates.growth_rates_per_step(w, steps, short_circuit_s=np.nan)) == 2


def test_one_scan_stretches_far_from_time_zero_raise_no_floating_point_error():
    # stretches of one scan have no time spread: the line's explained variance is taken as 0,
    # whatever rounding leaves of the zero spread and covariance (times near 1000 s make the
    # covariance a rounding residue over an exact zero: a division by zero, not 0 / 0); the
    # result is still the optimal partition
    t = np.array([1000.17, 1000.41, 1002.70, 1005.44, 1006.07, 1007.29, 1008.13, 1009.13])
    y = np.array([-3.8, -1.87, 0.12, -6.98, -0.66, -3.74, -2.2, -1.63])
    with np.errstate(all="raise"):
        got = rate_segments(t, y, noise_um=0.5, min_scans=1)
    assert got == _best_partition(t, y, _penalty(0.5, len(t)), 1)


def test_censored_lengths_at_the_field_edge_give_no_stretch_of_their_own():
    # 2 um/s for 12 scans, then the tip leaves the field: 6 censored scans at the edge (a
    # lower bound, constant). Left out, they make no standstill stretch: one row, 12 scans
    t = np.arange(18.0) * 0.5
    cens = np.arange(18) >= 12
    y = np.where(cens, 1.0 + 2.0 * 6.0, 1.0 + 2.0 * t)
    r = _rates.growth_rates_per_step(_whisker(t, y, censored=cens))
    assert list(r["n_scans"]) == [12] and r["rate_um_s"].iloc[0] == pytest.approx(2.0, rel=1e-9)
    # all censored: nothing to fit, the empty table keeps its columns
    r = _rates.growth_rates_per_step(_whisker(t, y, censored=True))
    assert r.empty and list(r.columns) == ["whisker_id", "step", "control_value", "t_start_s",
                                           "t_end_s", "n_scans", "rate_um_s", "rate_std_um_s",
                                           "current_density_A_cm2"]


def test_two_scans_give_a_rate_only_when_two_are_enough():
    # min_scans=2: the slope of two lengths (no scatter to give a standard error: NaN)
    w = _whisker([1.0, 3.0], [2.0, 5.0])
    r = _rates.growth_rates_per_step(w, min_scans=2)
    assert list(r["n_scans"]) == [2] and r["rate_um_s"].iloc[0] == pytest.approx(1.5, rel=1e-12)
    assert np.isnan(r["rate_std_um_s"].iloc[0])
    assert _rates.growth_rates_per_step(w).empty   # the default, 3


def test_a_whisker_seen_once_does_not_stop_the_others():
    # whisker 1 has one scan (no rate); whisker 2, after it in id order, is still fitted
    t = np.arange(10.0)
    w = pd.concat([pd.DataFrame({"whisker_id": [1], "content_time_s": [0.0], "length_um": [4.0]}),
                   pd.DataFrame({"whisker_id": 2, "content_time_s": t, "length_um": 1.0 + 0.5 * t})])
    r = _rates.growth_rates_per_step(w)
    assert list(r["whisker_id"]) == [2] and r["rate_um_s"].iloc[0] == pytest.approx(0.5, rel=1e-9)


def test_the_tip_sigma_sets_the_resolution_of_the_change_points():
    # 1 um/s for 8 scans, 1.26 um/s for 8: one line through both leaves S = 1.42 um^2. With
    # tips known to 0.2 um the penalty of a second stretch (10 log(16) sigma^2, sigma one
    # standard error high) is 1.91 um^2 > S: one stretch, the change is below what the tips
    # resolve. From the lengths alone (noise 0) the change is exact: two stretches. The
    # merging step would keep the two apart (0.26 um/s is > 3 combined sigmas), so the one
    # stretch is the change-point search's own result.
    t = np.arange(16.0)
    y = np.where(t < 7.5, 1.0 * t, 7.5 + 1.26 * (t - 7.5))
    assert _sse(t, y) < _penalty(0.2, 16)
    assert _merge_alike([(0, 8), (8, 16)], t, y, np.full(16, 0.2)) == [(0, 8), (8, 16)]
    w = _whisker(t, y, tip_sigma_px=2.0)
    one = _rates.growth_rates_per_step(w, pixel_size_um=0.1)
    assert list(one["n_scans"]) == [16]
    two = _rates.growth_rates_per_step(w)
    assert list(two["n_scans"]) == [8, 8]
    np.testing.assert_allclose(two["rate_um_s"], [1.0, 1.26], rtol=1e-9)


def test_a_short_record_lends_its_rate_to_a_step_holding_two_of_its_scans():
    # 3 scans (one stretch, exactly min_scans): the first step holds two of them and gets the
    # rate of all three; the second holds one (may be a scan off): no row
    w = _whisker([0.0, 1.0, 2.0], [1.0, 1.7, 2.4])
    steps = pd.DataFrame({"step": [0, 1], "t_start_s": [0.0, 1.5], "t_end_s": [1.5, 2.0]})
    r = _rates.growth_rates_per_step(w, steps)
    assert list(r["step"]) == [0] and list(r["n_scans"]) == [3]
    assert r["rate_um_s"].iloc[0] == pytest.approx(0.7, rel=1e-9)


def test_after_the_short_circuit_each_step_is_kept_if_it_grows_by_more_than_2_sigma():
    # one straight stretch at 0.2 um/s, tips known to 0.4 um, all after a short circuit
    # stated at -1 s (the short's time on the video clock is off). Step 0 holds 3 scans over
    # 2 s: its +- (the slope's standard error for 0.4 um and sqrt(2) 0.4 um over 2 s) is
    # above 0.1 um/s, so it does not show growth by more than 2 sigma: left out. Step 1 holds
    # 11 scans over 10 s: 0.2 um/s is 2.7 of its sigmas: growth, kept
    t = np.arange(14.0)
    w = _whisker(t, 1.0 + 0.2 * t, tip_sigma_px=4.0)
    steps = pd.DataFrame({"step": [0, 1], "t_start_s": [0.0, 3.0], "t_end_s": [2.0, 13.0]})
    sd_a = np.hypot(_slope_se(t[:3], 0.4), np.sqrt(2.0) * 0.4 / 2.0)
    sd_b = np.hypot(_slope_se(t[3:], 0.4), np.sqrt(2.0) * 0.4 / 10.0)
    assert 0.2 <= 2 * sd_a and 2 * sd_b < 0.2 < 3 * sd_b
    kw = {"pixel_size_um": 0.1, "pixel_size_rel_std": 0.0}
    both = _rates.growth_rates_per_step(w, steps, **kw)
    assert list(both["n_scans"]) == [3, 11]
    np.testing.assert_allclose(both["rate_std_um_s"], [sd_a, sd_b], rtol=1e-9)
    r = _rates.growth_rates_per_step(w, steps, short_circuit_s=-1.0, **kw)
    assert list(r["step"]) == [1] and r["rate_um_s"].iloc[0] == pytest.approx(0.2, rel=1e-9)
