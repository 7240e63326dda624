"""The growth rate's +- allows for step edges misplaced by the clock sync (``edge_std_s``).

A step's edges on the video clock rest on the clock sync, known to its standard uncertainty.
When the rate changes at an edge by 15-30 % over 4-7 scans, the change-point search cannot
see it, and a fit holding the neighbour's scans is off by more than its +- from the tips
(tuning seed 5034: 6-7 % off, stated +-1.6 %). Simulated here: two steps of 4-7 scans 1 s
apart, 5-12 px/s then 15-30 % faster, 0.8 px of tip noise (0.4 px stated by the tracker),
the step edge on the video clock drawn from the true edge +- 2 s (the sync's sigma, stated).
The exact tests of :func:`_edge_sensitivity` use exact lines with known kinks.
"""
import numpy as np
import pandas as pd
import pytest

from vision.pipeline._rates import (
    EDGE_SIGMAS,
    MIN_SCANS_PER_FIT,
    _edge_sensitivity,
    fit_growth_rate,
    growth_rates_per_step,
)

PIXEL_UM = 0.1
#: Sync's standard uncertainty of the step edges in the simulation, s.
EDGE_STD_S = 2.0
#: A Gaussian's +-2 sigma holds 95.45 % of it.
NOMINAL_COVERAGE = 0.9545


def _simulate(seed, edge_std_s, n_tracks=150):
    """(covered, total): steps whose true rate lies within the stated +-2 sigma."""
    rng = np.random.default_rng(seed)
    hit = total = 0
    for _ in range(n_tracks):
        n1, n2 = (int(k) for k in rng.integers(4, 8, 2))
        r1 = float(rng.uniform(5.0, 12.0))
        r2 = r1 * float(rng.uniform(1.15, 1.3))
        t = np.arange(n1 + n2, dtype=float)
        edge = n1 - 0.5
        length_px = np.where(t < edge, 5.0 + r1 * t, 5.0 + r1 * edge + r2 * (t - edge))
        length_px = length_px + rng.normal(0.0, 0.8, len(t))
        seen = edge + rng.normal(0.0, EDGE_STD_S)
        steps = pd.DataFrame({"step": [0, 1], "t_start_s": [-10.0, seen],
                              "t_end_s": [seen, 100.0]})
        w = pd.DataFrame({"whisker_id": 0, "content_time_s": t,
                          "length_um": length_px * PIXEL_UM, "tip_sigma_px": 0.4,
                          "censored": False})
        r = growth_rates_per_step(w, steps, pixel_size_um=PIXEL_UM, edge_std_s=edge_std_s)
        for k, (a, b, rate_px) in enumerate([(-10.0, edge, r1), (edge, 100.0, r2)]):
            rows = r.loc[r["step"] == k]
            if rows.empty:
                continue
            # the row of the largest overlap with the true step (as benchmarks/validate.py)
            overlap = np.minimum(rows["t_end_s"], b) - np.maximum(rows["t_start_s"], a)
            j = int(np.argmax(overlap.to_numpy()))
            if overlap.iloc[j] <= 0:
                continue
            total += 1
            hit += bool(abs(rows["rate_um_s"].iloc[j] - rate_px * PIXEL_UM)
                        <= 2.0 * rows["rate_std_um_s"].iloc[j])
    return hit, total


def test_rate_plus_minus_covers_the_truth_across_uncertain_step_edges():
    hit, total = _simulate(1, EDGE_STD_S)
    # three binomial standard deviations below the nominal 95.45 % of +-2 sigma
    bound = NOMINAL_COVERAGE - 3.0 * np.sqrt(NOMINAL_COVERAGE * (1 - NOMINAL_COVERAGE) / total)
    assert total > 250
    assert hit / total >= bound, f"true rate within +-2 sigma in {100 * hit / total:.1f} %"


def _kink(kink_s=2.5, n=8):
    """Scans 1 s apart, 1 um/s up to ``kink_s``, then 2 um/s."""
    t = np.arange(float(n))
    return t, np.where(t <= kink_s, t, kink_s + 2.0 * (t - kink_s))


def test_edge_sensitivity_is_the_move_without_the_scans_near_the_end_edge():
    # the step ends at 5 s, the zone is 2 s: scans 3..7 are dropped (3 is exactly 2 s off:
    # inside), scans 0..2 lie on the 1 um/s line
    t, y = _kink()
    sel = np.ones(len(t), bool)
    rate = fit_growth_rate(t, y)[0]
    got = _edge_sensitivity(t, y, sel, -100.0, 5.0, 2.0, rate)
    assert got == pytest.approx(abs(rate - 1.0), rel=1e-9)
    assert got > 0.3


def test_edge_sensitivity_at_the_start_edge():
    # mirrored: the step starts at 2 s, zone 2 s drops scans 0..4; scans 5..7 lie on 2 um/s
    t, y = _kink(kink_s=4.5)
    sel = np.ones(len(t), bool)
    rate = fit_growth_rate(t, y)[0]
    got = _edge_sensitivity(t, y, sel, 2.0, 100.0, 2.0, rate)
    assert got == pytest.approx(abs(rate - 2.0), rel=1e-9)


def test_edge_sensitivity_is_zero_without_zone_scans_or_enough_core():
    t, y = _kink()
    sel = np.ones(len(t), bool)
    rate = fit_growth_rate(t, y)[0]
    assert _edge_sensitivity(t, y, sel, -100.0, 5.0, 0.0, rate) == 0.0       # no zone
    assert _edge_sensitivity(t, y, sel, -100.0, 5.0, np.nan, rate) == 0.0    # no zone
    assert _edge_sensitivity(t, y, sel, -100.0, 100.0, 2.0, rate) == 0.0     # no scan near
    # zone 2.5 s about 5 s leaves scans 0..2 = MIN_SCANS_PER_FIT: a rate; 3 s leaves two
    assert MIN_SCANS_PER_FIT == 3
    assert _edge_sensitivity(t, y, sel, -100.0, 5.0, 2.5, rate) > 0.3
    assert _edge_sensitivity(t, y, sel, -100.0, 5.0, 3.0, rate) == 0.0
    # only the scans of ``sel`` count: without scans 0 and 1 the core is scan 2 alone
    sel[:2] = False
    assert _edge_sensitivity(t, y, sel, -100.0, 5.0, 2.0, rate) == 0.0


def test_edge_sensitivity_of_a_straight_line_is_zero():
    t = np.arange(10.0)
    y = 3.0 + 0.7 * t
    sel = np.ones(10, bool)
    assert _edge_sensitivity(t, y, sel, 2.0, 6.0, 1.0, 0.7) == pytest.approx(0.0, abs=1e-9)


def test_rate_std_holds_the_edge_sensitivity():
    # one straight noisy record, one step edge at 6.2 s: each step's +- is that without the
    # edge term combined with the rate's move without the scans within EDGE_SIGMAS sigma
    rng = np.random.default_rng(3)
    t = np.arange(14.0)
    y = 1.0 + 0.5 * t + rng.normal(0.0, 0.05, len(t))
    w = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": y, "censored": False})
    steps = pd.DataFrame({"step": [0, 1], "t_start_s": [-1.0, 6.2], "t_end_s": [6.2, 20.0]})
    plain = growth_rates_per_step(w, steps)
    wide = growth_rates_per_step(w, steps, edge_std_s=1.5)
    assert len(plain) == len(wide) == 2
    np.testing.assert_array_equal(plain["rate_um_s"], wide["rate_um_s"])
    # the zone is one sync sigma (68 % of the edges' placements), here 1.5 s
    assert EDGE_SIGMAS == 1.0
    for k, (a, b) in enumerate([(-1.0, 6.2), (6.2, 20.0)]):
        sel = (t >= a) & (t <= b)
        move = _edge_sensitivity(t, y, sel, a, b, 1.5, plain["rate_um_s"].iloc[k])
        assert move > 0
        assert wide["rate_std_um_s"].iloc[k] == pytest.approx(
            np.hypot(plain["rate_std_um_s"].iloc[k], move), rel=1e-12)
    # the default (0 s) is the exact edge: no term
    pd.testing.assert_frame_equal(plain, growth_rates_per_step(w, steps, edge_std_s=0.0))


@pytest.mark.parametrize("bad", [-0.1, np.nan, np.inf])
def test_edge_std_must_be_a_finite_non_negative_time(bad):
    w = pd.DataFrame({"whisker_id": [0], "content_time_s": [0.0], "length_um": [1.0]})
    with pytest.raises(ValueError, match="edge_std_s must be a finite time >= 0 s"):
        growth_rates_per_step(w, edge_std_s=bad)
