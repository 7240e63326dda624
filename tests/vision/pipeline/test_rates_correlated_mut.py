"""The +- of a rate when tip errors run in blocks, on residuals whose answer is known.

Issue 16 (a planted bug must not survive): written against the survivors of the wave-14
mutation run of ``vision/pipeline/_rates.py`` in full (``benchmarks/mutate_changed.py``).
``_correlated_slope_error`` (wave 13) had no fast test: its rule is checked here on
residuals built orthogonal to a line (so the least-squares residuals are exactly them)
with a known lag-1 autocorrelation rho:

* from ``AUTOCORR_MIN_SCANS`` (4) scans on, a significant rho (above 1.645 / sqrt(n))
  widens the slope's standard error by sqrt((1 + rho) / (1 - rho)), rho at most 0.9;
* residuals at rounding level (sum of squares at most n MIN_SCATTER_UM^2) have no rho;
* the delete-one jackknife error of the robust slope replaces the error when it is more
  than twice it.

And ``growth_rates_per_step`` hands ``_stretch_rate`` the track's tip sigmas, the
scatter of the whole track as the floor of a tip's error, and asks for the correlated
error (the reported rates).
"""
import numpy as np
import pandas as pd
import pytest

from vision.pipeline._rates import (
    AUTOCORR_MIN_SCANS,
    MAX_RESIDUAL_RHO,
    MIN_SCATTER_UM,
    PIXEL_SIZE_REL_STD,
    RHO_SIGNIFICANCE,
    SYSTEMATIC_TIP_ENDS,
    _correlated_slope_error,
    _stretch_rate,
    fit_growth_rate,
    growth_rates_per_step,
    slope_standard_error,
)

RATE_UM_S = 2.0


def _orthogonal(pattern, t):
    """`pattern` less its least-squares line in t: a line fit leaves exactly this."""
    p = np.asarray(pattern, float)
    a = np.column_stack([np.ones(len(t)), t])
    return p - a @ np.linalg.lstsq(a, p, rcond=None)[0]


def _rho(r):
    """Lag-1 autocorrelation of residuals (mean zero), by its definition."""
    return float(np.dot(r[1:], r[:-1]) / np.dot(r, r))


def _widened(se, rho):
    rho = min(rho, MAX_RESIDUAL_RHO)
    return se * np.sqrt((1 + rho) / (1 - rho))


def _jackknife(t, y):
    """Delete-one jackknife standard error of the robust slope, by its definition."""
    n = len(t)
    jk = np.array([fit_growth_rate(np.delete(t, k), np.delete(y, k))[0] for k in range(n)])
    return float(np.sqrt((n - 1) / n * np.sum((jk - jk.mean()) ** 2)))


def test_the_constants_are_the_documented_ones():
    assert AUTOCORR_MIN_SCANS == 4
    assert RHO_SIGNIFICANCE == 1.645
    assert MAX_RESIDUAL_RHO == 0.9


def test_tip_errors_in_runs_widen_the_error_by_the_ar1_factor():
    n = 12
    t = np.arange(n) * 0.5
    r = 0.1 * _orthogonal([1] * 4 + [-1] * 4 + [1] * 4, t)
    rho = _rho(r)
    assert RHO_SIGNIFICANCE / np.sqrt(n) < rho < MAX_RESIDUAL_RHO  # 0.475 < 0.58
    se = slope_standard_error(t, 0.1)
    got = _correlated_slope_error(t, RATE_UM_S * t + r, 0.1)
    assert got == pytest.approx(_widened(se, rho), rel=1e-9)
    assert got > 1.2 * se


def test_a_rho_below_its_significance_keeps_the_error():
    n = 12
    t = np.arange(n) * 0.5
    r = 0.1 * _orthogonal([1, 1, 1, -1, -1, -1] * 2, t)
    assert 0.2 < _rho(r) < RHO_SIGNIFICANCE / np.sqrt(n)  # 0.39 < 0.475
    se = slope_standard_error(t, 0.1)
    assert _correlated_slope_error(t, RATE_UM_S * t + r, 0.1) == pytest.approx(se, rel=1e-12)


def test_rho_is_capped():
    n = 40
    t = np.arange(n) * 0.25
    r = 0.1 * _orthogonal(np.sin(2 * np.pi * np.arange(n) / n * 1.5), t)
    assert _rho(r) > MAX_RESIDUAL_RHO
    se = slope_standard_error(t, 0.1)
    got = _correlated_slope_error(t, RATE_UM_S * t + r, 0.1)
    assert got == pytest.approx(se * np.sqrt(1.9 / 0.1), rel=1e-9)


@pytest.mark.parametrize("times", [1.5, 4.0])
def test_residuals_at_rounding_level_have_no_correlation(times):
    # the same runs, scaled to a sum of squares of 1.5 (0.4) x n MIN_SCATTER_UM^2
    n = 12
    t = np.arange(n) * 0.5
    r = _orthogonal([1] * 4 + [-1] * 4 + [1] * 4, t)
    r *= np.sqrt(times * n * MIN_SCATTER_UM ** 2 / np.dot(r, r))
    se = slope_standard_error(t, 0.1)
    got = _correlated_slope_error(t, RATE_UM_S * t + r, 0.1)
    assert got == pytest.approx(_widened(se, _rho(r)), rel=1e-6)
    r *= np.sqrt(0.4 / times)
    assert _correlated_slope_error(t, RATE_UM_S * t + r, 0.1) == pytest.approx(se, rel=1e-12)


@pytest.mark.parametrize("n", [4, 12])
def test_a_jackknife_more_than_twice_the_error_replaces_it(n):
    # scatter of 0.05 um about the line, a stated scatter of 1 nm: the jackknife is larger
    rng = np.random.default_rng(n)
    t = np.arange(n) * 0.5
    y = RATE_UM_S * t + 0.05 * rng.normal(size=n)
    se = slope_standard_error(t, MIN_SCATTER_UM)
    jk = _jackknife(t, y)
    assert jk > 2 * _widened(se, 0.9)
    assert _correlated_slope_error(t, y, MIN_SCATTER_UM) == pytest.approx(jk, rel=1e-9)


def test_a_jackknife_within_twice_the_error_does_not():
    n = 12
    rng = np.random.default_rng(1)
    t = np.arange(n) * 0.5
    e = rng.normal(size=n)
    y = RATE_UM_S * t + 0.05 * e
    se = slope_standard_error(t, 0.05)
    assert _rho(_orthogonal(e, t)) < RHO_SIGNIFICANCE / np.sqrt(n)
    assert _jackknife(t, y) < 2 * se
    assert _correlated_slope_error(t, y, 0.05) == pytest.approx(se, rel=1e-12)


def test_fewer_than_four_scans_keep_the_independent_error():
    # three scans off a line by much more than the stated scatter: the jackknife would
    # be far larger, but three scans say nothing of their correlation
    t = np.array([0.0, 0.5, 1.0])
    y = RATE_UM_S * t + np.array([0.0, 0.3, -0.1])
    se = slope_standard_error(t, MIN_SCATTER_UM)
    assert _jackknife(t, y) > 2 * se
    assert _correlated_slope_error(t, y, MIN_SCATTER_UM) == se


def test_an_unknown_error_stays_unknown():
    t = np.arange(12) * 0.5
    y = RATE_UM_S * t + 0.1 * (-1.0) ** np.arange(12)
    assert np.isnan(_correlated_slope_error(t, y, np.nan))
    # and an exact line has neither scatter nor jackknife
    assert _correlated_slope_error(t, RATE_UM_S * t, 0.1) == slope_standard_error(t, 0.1)


# --- what growth_rates_per_step hands on -----------------------------------------------

N_ALT = 20
ALT_UM = 0.05
PIXEL_UM = 0.1


def _alternating_track(tip_sigma_px):
    """A rod at 0.2 um/s whose tip alternates +-ALT_UM about the truth, scans every 0.5 s.

    The scatter of its lengths (second differences, 1.4826 MAD) is known:
    1.4826 x 2 a / sqrt(1.5) for even spacing (see test_rates_mutation.py).
    """
    t = np.arange(N_ALT) * 0.5
    y = 5.0 + 0.2 * t + ALT_UM * (-1.0) ** np.arange(N_ALT)
    w = pd.DataFrame({"whisker_id": 1, "content_time_s": t, "length_um": y,
                      "tip_sigma_px": tip_sigma_px})
    return w, t, y, 1.4826 * 2 * ALT_UM / np.sqrt(1.5)


def _reported(t, y, tip_um, noise_um):
    rate, tip_std = _stretch_rate(t, y, tip_um, noise_um, correlated=True)
    return rate, float(np.hypot(tip_std, rate * PIXEL_SIZE_REL_STD))


def test_a_tip_error_is_at_least_the_scatter_of_the_track():
    # stated tip sigmas of 0.01 px (1 nm) understate the 0.12 um scatter of the lengths:
    # the systematic tip term is sqrt(2) x that scatter over the fitted time
    w, t, y, noise = _alternating_track(0.01)
    out = growth_rates_per_step(w, pixel_size_um=PIXEL_UM)
    assert len(out) == 1 and out["n_scans"].iloc[0] == N_ALT
    std = out["rate_std_um_s"].iloc[0]
    assert std >= np.sqrt(SYSTEMATIC_TIP_ENDS) * noise / np.ptp(t)
    rate, expected = _reported(t, y, np.full(N_ALT, 0.01 * PIXEL_UM), noise)
    assert out["rate_um_s"].iloc[0] == pytest.approx(rate, rel=1e-12)
    assert std == pytest.approx(expected, rel=1e-9)


def test_without_tip_sigmas_there_is_no_systematic_tip_term():
    w, t, y, noise = _alternating_track(0.01)
    out = growth_rates_per_step(w)  # no pixel size: the tip sigmas are not used
    std = out["rate_std_um_s"].iloc[0]
    assert std == pytest.approx(_reported(t, y, np.full(N_ALT, np.nan), noise)[1], rel=1e-9)
    # (the scatter taken as a tip sigma would add sqrt(2) x 0.12 um over 9.5 s)
    assert std < 0.9 * _reported(t, y, np.full(N_ALT, noise), noise)[1]


def test_the_reported_error_allows_for_tip_errors_in_runs():
    # tips off in blocks of six scans within a stated sigma of 0.1 um (one stretch)
    n = 24
    t = np.arange(n) * 0.5
    y = 5.0 + 1.0 * t + 0.1 * _orthogonal(([1] * 6 + [-1] * 6) * 2, t)
    w = pd.DataFrame({"whisker_id": 1, "content_time_s": t, "length_um": y, "tip_sigma_px": 1.0})
    out = growth_rates_per_step(w, pixel_size_um=PIXEL_UM)
    assert out["n_scans"].tolist() == [n]
    tips = np.full(n, 1.0 * PIXEL_UM)
    rate, expected = _reported(t, y, tips, 1.0 * PIXEL_UM)
    independent = _stretch_rate(t, y, tips, 1.0 * PIXEL_UM)[1]
    assert expected > 1.3 * independent
    assert out["rate_std_um_s"].iloc[0] == pytest.approx(expected, rel=1e-9)
