"""A step holding two scans of a stretch: their disagreement with the stretch enters the +-.

A step holding only two scans of a stretch of constant rate gets the stretch's rate (the
change-point search needs four scans on each side of a change). When the two scans' own
rate differs from it, the step's rate is not known better than that difference (tuning seed
7036: 10.9 +- 0.3 um/s given for a true 7.8). Exact lines and a fake :func:`_stretch_rate`
give every answer from first principles.
"""
import numpy as np
import pandas as pd
import pytest

from vision.pipeline import _rates
from vision.pipeline._rates import (
    PIXEL_SIZE_REL_STD,
    _stretch_rate,
    _unseen_change,
    growth_rates_per_step,
)


def _fake_stretch_rate(t, y, tip_um, noise_um=0.0):
    """A stretch's rate is its first length, its uncertainty its first tip sigma."""
    return float(y[0]), float(tip_um[0])


@pytest.mark.parametrize("gap", [-0.7, 0.0, 1e-6, 2.5])
def test_unseen_change_is_the_difference_of_the_two_rates(monkeypatch, gap):
    # the two scans say 1.0, the stretch (from scan 1 on) 1.0 + gap, whatever their sigmas
    monkeypatch.setattr(_rates, "_stretch_rate", _fake_stretch_rate)
    t = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([1.0, 1.0 + gap, 0.0, 0.0])
    tip = np.array([0.3, 40.0, 0.0, 0.0])
    inside = np.array([True, True, False, False])
    stretch = np.array([False, True, True, True])
    assert _unseen_change(t, y, tip, 0.0, inside, stretch) == pytest.approx(abs(gap), abs=1e-15)


def test_a_step_with_two_scans_at_another_rate_states_the_disagreement():
    # 1 um/s for scans 0-1, then 2 um/s (exact): step 0 holds scans 0 and 1 only, too few
    # for a stretch of their own; they are given the rate of their stretch (scans 0-3),
    # whose +- now holds its disagreement with the two scans' 1 um/s
    t = np.arange(12.0)
    y = np.where(t <= 1.0, 1.0 + t, 2.0 + 2.0 * (t - 1.0))
    w = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": y})
    steps = pd.DataFrame({"step": [0, 1], "t_start_s": [-1.0, 1.2], "t_end_s": [1.2, 20.0]})
    r = growth_rates_per_step(w, steps, pixel_size_rel_std=0.0)
    row = r.loc[r["step"] == 0].iloc[0]
    stretch = np.arange(12) < row["n_scans"]
    rate_st, sd_st = _stretch_rate(t[stretch], y[stretch], np.full(int(row["n_scans"]), np.nan))
    assert row["rate_um_s"] == pytest.approx(rate_st, rel=1e-9)
    assert abs(row["rate_um_s"] - 1.0) > 3 * sd_st       # stated without the disagreement
    noise = _rates._noise_scale_um(t, y)
    _, sd = _stretch_rate(t[stretch], y[stretch], np.full(int(row["n_scans"]), np.nan), noise,
                          correlated=True)
    assert row["rate_std_um_s"] == pytest.approx(np.hypot(sd, abs(rate_st - 1.0)), rel=1e-12)
    assert row["rate_std_um_s"] >= abs(row["rate_um_s"] - 1.0)  # the true 1 um/s within 1 sigma


def test_a_step_whose_two_scans_follow_their_stretch_adds_little():
    # one straight noisy record: the two scans of step 0 agree with the stretch within their
    # noise, so its +- is the stretch's (tips and pixel size) and their small difference
    rng = np.random.default_rng(7)
    t = np.arange(12.0)
    y = 1.0 + 0.8 * t + rng.normal(0.0, 0.05, 12)
    w = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": y})
    steps = pd.DataFrame({"step": [0, 1], "t_start_s": [-1.0, 1.2], "t_end_s": [1.2, 20.0]})
    r = growth_rates_per_step(w, steps)
    assert list(r["step"]) == [0, 1]
    row0, row1 = r.iloc[0], r.iloc[1]
    assert row0["n_scans"] == 12 and row1["n_scans"] == 10   # step 1 fits its own scans
    noise = _rates._noise_scale_um(t, y)
    _, sd = _stretch_rate(t, y, np.full(12, np.nan), noise, correlated=True)
    gap = abs((y[1] - y[0]) - row0["rate_um_s"])          # the two scans' rate vs the stretch's
    assert gap < 3 * np.sqrt(2.0) * 0.05    # within the two scans' own noise (0.05 um each)
    assert row0["rate_std_um_s"] == pytest.approx(
        np.sqrt(sd ** 2 + (row0["rate_um_s"] * PIXEL_SIZE_REL_STD) ** 2 + gap ** 2), rel=1e-12)


#: A Gaussian's +-2 sigma holds 95.45 % of it.
NOMINAL_COVERAGE = 0.9545


def _coverage_two_scans(seed, n_tracks=100):
    """Step 0 holds two scans (1 s apart) at 5-15 px/s, step 1 the rest at 1.2-1.5 times the
    rate; 0.3 px of tip noise, 0.2 px stated. (covered, total) of step 0's true rate."""
    rng = np.random.default_rng(seed)
    hit = total = 0
    for _ in range(n_tracks):
        n = int(rng.integers(8, 14))
        r1 = float(rng.uniform(5.0, 15.0))
        r2 = r1 * float(rng.uniform(1.2, 1.5))
        t = np.arange(float(n))
        length_px = np.where(t < 1.5, 5.0 + r1 * t, 5.0 + 1.5 * r1 + r2 * (t - 1.5))
        length_px = length_px + rng.normal(0.0, 0.3, n)
        steps = pd.DataFrame({"step": [0, 1], "t_start_s": [-10.0, 1.5], "t_end_s": [1.5, 100.0]})
        w = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": 0.1 * length_px,
                          "tip_sigma_px": 0.2, "censored": False})
        rows = growth_rates_per_step(w, steps, pixel_size_um=0.1)
        rows = rows.loc[rows["step"] == 0]
        if rows.empty:
            continue
        total += 1
        hit += bool(abs(rows["rate_um_s"].iloc[0] - 0.1 * r1) <= 2.0 * rows["rate_std_um_s"].iloc[0])
    return hit, total


def test_two_scans_at_a_new_rate_are_covered():
    # before (the stretch's +- alone) none of these steps was covered
    hit, total = _coverage_two_scans(4)
    bound = NOMINAL_COVERAGE - 3.0 * np.sqrt(NOMINAL_COVERAGE * (1 - NOMINAL_COVERAGE) / total)
    assert total == 100
    assert hit / total >= bound, f"true rate within +-2 sigma in {hit} of {total} steps"
