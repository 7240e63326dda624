"""Wave 19's step rule of ``detect_short_circuit`` on exact arrays (mutation, issue 16).

The helpers that judge a jump next to a control step: the robust noise sigma, the point
where the voltage leaves the control, the control's level after a step, the
galvanostatic proportional bound and the collapse against a given reference. The arrays
are drawn so that each expected figure is exact (medians of chosen numbers).
"""
import numpy as np
import pytest

from electrochem._steps import (
    COLLAPSE_MIN_SIGMAS,
    _control_level,
    _galvanostatic_step_explains,
    _leaves_control,
    _noise_sigma,
    _voltage_collapses,
)

# point-to-point differences 1, 2, 4, 7, 11: median 4, absolute deviations 3, 2, 0, 3, 7
# (median 3), so the robust sigma is 1.4826 * 3 / sqrt(2); without the median removed it
# would be 1.4826 * 4 / sqrt(2)
V_NOISE = np.cumsum([0.0, 1, 2, 4, 7, 11])
SIGMA = 1.4826 * 3 / np.sqrt(2.0)


def test_noise_sigma_is_the_robust_scatter_of_the_differences_in_the_window():
    v = np.concatenate([[1e6, -1e6], V_NOISE, [5e5, 0.0]])
    # the window: the 6 points before k = 8 (not the two before, not k itself on)
    assert np.isclose(_noise_sigma(v, 8, 6), SIGMA, rtol=1e-12)
    # unmeasured points are dropped with their differences
    w = np.concatenate([V_NOISE, [np.nan], V_NOISE[-1:] + [5.0]])
    assert np.isclose(_noise_sigma(w, 6, 6), SIGMA, rtol=1e-12)
    # a window from the start (k < window)
    assert np.isclose(_noise_sigma(V_NOISE, 6, 100), SIGMA, rtol=1e-12)


def test_noise_sigma_without_differences_is_nan():
    assert np.isnan(_noise_sigma(np.array([1.0, 2.0, 3.0]), 1, 5))
    assert np.isnan(_noise_sigma(np.array([np.nan, np.nan, 1.0]), 2, 5))


def test_the_voltage_leaves_the_control_by_three_sigmas():
    j = V_NOISE.size
    lim = COLLAPSE_MIN_SIGMAS * SIGMA
    control = np.full(j + 6, -20.0)  # the |control| is compared
    v_after = np.array([20.0, 20 - 0.99 * lim, 20 - 1.01 * lim, 0.0, 0.0, 0.0])
    v = np.concatenate([V_NOISE, v_after])
    assert _leaves_control(np.abs(v), v, control, j, 6) == j + 2
    # a gap above the control (|V| above it) does not leave it
    v2 = np.concatenate([V_NOISE, [20.0, 40.0, 20.0, 20 - 1.01 * lim, 0.0, 0.0]])
    assert _leaves_control(np.abs(v2), v2, control, j, 6) == j + 3
    # the window sets the sigma too: two points before j, one difference, no scatter
    assert _leaves_control(np.abs(v), v, control, j, 2) == j + 1
    # only the window from j on is searched
    v3 = np.concatenate([V_NOISE, [20.0, 20.0, 20.0, 0.0, 0.0, 0.0]])
    assert _leaves_control(np.abs(v3), v3, control, j, 3) is None
    assert _leaves_control(np.abs(v3), v3, control, j, 4) == j + 3


def test_without_noise_before_any_gap_leaves_the_control():
    control = np.full(4, 5.0)
    v = np.array([5.0, 5.0, 4.999, 0.0])
    assert _leaves_control(np.abs(v), v, control, 1, 3) == 2
    assert _leaves_control(np.abs(v), v, control, 0, 2) is None


def test_control_level_is_the_median_magnitude_from_k_on():
    c = np.array([9.0, 9.0, -1.0, 2.0, np.nan, -4.0, 100.0])
    assert _control_level(c, 2, 4) == 2.0      # |-1|, 2, |-4|: NaN dropped
    assert _control_level(c, 2, 5) == 3.0      # with 100: median of 1, 2, 4, 100
    assert np.isnan(_control_level(np.array([1.0, np.nan]), 1, 3))


def test_galvanostatic_bound_is_proportional_to_the_set_current():
    # set current 2 -> 1 at index 4, |V| 10 before: the step's response falls at most
    # to 10 * 1 / 2 = 5, a short below collapse x 5 = 2.5
    control = np.array([2.0, 2.0, -2.0, 2.0, 1.0, 1.0, -1.0, 1.0])

    def explains(after):
        v = np.array([10.0, 10.0, 10.0, 10.0] + [after] * 4)
        return _galvanostatic_step_explains(v, control, 4, 4, 0.5)

    assert explains(5.0)
    assert explains(2.6)
    assert not explains(2.5)          # inclusive: collapse x the bound
    assert not explains(0.1)
    # the window before k only: a different |V| earlier is not read
    v = np.array([99.0, 10.0, 10.0, 2.6, 2.6])
    c = np.array([1.0, 2.0, 2.0, 1.0, 1.0])
    assert _galvanostatic_step_explains(v, c, 3, 2, 0.5)
    # |V| 1 -> 10 before: with the first point the median before is 10 still; with a
    # window of 1 the set current before is 2 and |V| 10: the same bound
    assert _galvanostatic_step_explains(v, c, 3, 1, 0.5)


@pytest.mark.filterwarnings("ignore:All-NaN slice")
def test_galvanostatic_step_from_rest_or_without_control_is_the_steps():
    v = np.array([10.0, 10.0, 0.0, 0.0])
    assert _galvanostatic_step_explains(v, np.array([0.0, 0.0, 1.0, 1.0]), 2, 2, 0.5)
    assert _galvanostatic_step_explains(v, np.array([1.0, 1.0, 1.0, 1.0]), 0, 2, 0.5)
    assert _galvanostatic_step_explains(v, np.array([np.nan, np.nan, 1.0, 1.0]), 2, 2, 0.5)
    assert _galvanostatic_step_explains(v, np.array([1.0, 1.0, np.nan, np.nan]), 2, 2, 0.5)
    # a set current that stays: a collapse of |V| is no step's
    assert not _galvanostatic_step_explains(v, np.array([1.0, 1.0, 1.0, 1.0]), 2, 2, 0.5)


def test_voltage_collapse_against_a_given_reference():
    v_abs = np.array([0.0, 0.0, 5.0, 5.0])
    # the window before (0 V) is not read with a reference
    assert _voltage_collapses(v_abs, 2, 2, 0.5, reference=10.0)
    assert not _voltage_collapses(v_abs, 2, 2, 0.5, reference=9.99)
    assert not _voltage_collapses(v_abs, 2, 2, 0.5)
    assert not _voltage_collapses(v_abs, 2, 2, 0.5, reference=0.0)
    # the signed voltage's noise before k still asks for COLLAPSE_MIN_SIGMAS sigmas
    v = np.concatenate([V_NOISE, [0.0, 0.0]])
    k = V_NOISE.size
    ref = COLLAPSE_MIN_SIGMAS * SIGMA
    assert _voltage_collapses(np.abs(v), k, 6, 0.5, v, reference=1.01 * ref)
    assert not _voltage_collapses(np.abs(v), k, 6, 0.5, v, reference=0.99 * ref)
