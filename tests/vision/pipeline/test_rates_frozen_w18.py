"""Frozen tips after the short circuit stay out of the last growth rate (issue 11, wave 18).

A shorted cell drives no growth: from the short on, every rod keeps the length it had then
(the generator of vision.synthetic freezes them). The video's touch-down scan is at or after
the short, so its lengths are frozen, and the change-point search needs four scans of a
standstill to cut it off. One to three frozen scans at the end of a growing stretch pulled
its rate down (tuning seed 7001: 5.42 +- 2.27 um/s for a true 7.04, the touch-down scan
3.3 um below the line). Drawn here: 6-12 growing scans, the short between two scans, 1-2
frozen scans after it (three and the scan before the short make a stretch of their own),
lengths with 0.05 um of Gaussian noise (0.5 px, stated as the tip sigma). Issue 11 asks for
a rate error median <= 3 % and the true rate within +-2 sigma; on main the median error
passed (0.6 %) but 90 % of the rates were low (p90 2.7-3.7 %): the sign test fails there.
"""
import numpy as np
import pandas as pd
import pytest

from vision.pipeline._rates import growth_rates_per_step

#: Issue 11's target for the median relative rate error per step.
MAX_MEDIAN_REL_ERROR = 0.03
#: Pixel size (um) and a tip's noise (um), stated by the tracker as its tip sigma.
PIXEL_UM = 0.1
NOISE_UM = 0.05


def _scene(rng):
    n_grow = int(rng.integers(6, 13))
    n_frozen = int(rng.integers(1, 3))
    dt = float(rng.uniform(0.2, 1.0))
    rate = float(rng.uniform(1.0, 8.0))
    t = np.arange(n_grow + n_frozen) * dt
    short_s = t[n_grow - 1] + float(rng.uniform(0.05, 0.95)) * dt
    y = 2.0 + rate * np.minimum(t, short_s) + rng.normal(0.0, NOISE_UM, t.size)
    w = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": y,
                      "tip_sigma_px": NOISE_UM / PIXEL_UM})
    # the video's touch-down: the first scan after the short
    return w, rate, float(t[n_grow])


def _rates(seed, n=40):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        w, rate, touch = _scene(rng)
        r = growth_rates_per_step(w, None, short_circuit_s=touch, pixel_size_rel_std=0.0,
                                  pixel_size_um=PIXEL_UM)
        assert len(r) == 1
        out.append((rate, float(r["rate_um_s"].iloc[0]), float(r["rate_std_um_s"].iloc[0])))
    return np.array(out)


@pytest.mark.parametrize("seed", [1, 2])
def test_frozen_scans_after_the_short_leave_the_rate_unbiased(seed):
    true, rate, std = _rates(seed).T
    rel = np.abs(rate / true - 1.0)
    assert np.median(rel) <= MAX_MEDIAN_REL_ERROR, f"median error {100 * np.median(rel):.1f} %"
    # the frozen scans pulled every rate down: now as many high as low
    assert 0.25 <= np.mean(rate > true) <= 0.75


@pytest.mark.parametrize("seed", [1, 2])
def test_frozen_scans_after_the_short_are_covered_by_the_plus_minus(seed):
    true, rate, std = _rates(seed).T
    assert np.mean(np.abs(rate - true) <= 2.0 * std) >= 0.9


def test_growth_on_the_line_after_the_short_is_kept():
    """A short placed early on the video clock (growth goes on): no scan is dropped."""
    rng = np.random.default_rng(3)
    t = np.arange(12) * 0.5
    y = 1.0 + 2.0 * t + rng.normal(0.0, 0.05, t.size)
    w = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": y})
    with_short = growth_rates_per_step(w, None, short_circuit_s=4.1)
    without = growth_rates_per_step(w, None)
    assert int(with_short["n_scans"].iloc[0]) == 12
    np.testing.assert_allclose(with_short["rate_um_s"], without["rate_um_s"])
