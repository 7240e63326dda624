"""The robust line of ``fit_growth_rate`` is the Huber optimum, not the solver's start.

Issue 16 (a planted bug must not survive): mutants 73 and 74 of ``fit_growth_rate``
(wave 14's run of ``vision/pipeline/_rates.py`` in full) stop ``least_squares`` at a
tolerance of 1 instead of 1e-12, after its first step from the Theil-Sen line. Huber
regression's optimum is where the estimating equations hold: the residuals' Huber psi
(the residual, clipped at +-f_scale) sums to zero, alone and weighted by the centred time.
"""
import numpy as np
import pytest

from vision.pipeline._rates import fit_growth_rate

#: The estimating equations hold to this, relative to f_scale x sum |t - mean t| (the
#: largest the weighted sum can be): the solver's 1e-12 tolerances leave ~1e-8.
GRADIENT_REL = 1e-6


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_the_fit_solves_the_huber_equations(seed):
    rng = np.random.default_rng(seed)
    t = np.arange(12) * 0.5
    y = 2.0 * t + 0.05 * rng.normal(size=t.size)
    y[3] += 3.0  # a torn scan
    y[8] -= 2.0  # a lost tip
    y[10] += 0.3
    c = 0.1
    rate, icpt, _ = fit_growth_rate(t, y, f_scale_um=c)
    psi = np.clip(y - (rate * t + icpt), -c, c)
    tc = t - t.mean()
    bound = c * np.abs(tc).sum()
    assert abs(psi.sum()) <= GRADIENT_REL * c * t.size
    assert abs((psi * tc).sum()) <= GRADIENT_REL * bound
    # the outliers are in the linear part of the loss: the rate is near the truth
    assert rate == pytest.approx(2.0, abs=0.05)
