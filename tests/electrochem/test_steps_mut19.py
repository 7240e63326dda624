"""Wave 19's step rule of ``detect_short_circuit`` on exact arrays (mutation, issue 16).

The helpers that judge a jump next to a control step: the robust noise sigma, the point
where the voltage leaves the control, the control's level after a step, the
galvanostatic proportional bound and the collapse against a given reference. The arrays
are drawn so that each expected figure is exact (medians of chosen numbers).
"""
import numpy as np
import pandas as pd
import pytest

import electrochem as ec
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


# ---- detect_short_circuit's step rule on drawn tables -----------------------------------

N = 100
JUMP_AT = 50


def _current_only(change_at, *, spike_at=None, later_short=None):
    """A record of the current alone (1 Hz): 1 uA, then 1 mA from JUMP_AT on, a control
    column that changes at the indices `change_at` (no voltage column: the step cannot be
    judged, STEP_POINTS decides), optionally a one-point spike before the jump (the jump's
    first point at the midpoint, `j0`, is then the spike) and a second jump later."""
    t = np.arange(float(N))
    i = np.where(t >= JUMP_AT, 1e-3, 1e-6)
    if spike_at is not None:
        i[spike_at] = 1e-3
    if later_short is not None:
        i[later_short:] = 1.0
    control = np.zeros(N)
    for c in np.atleast_1d(change_at):
        control[c:] += 0.1
    return pd.DataFrame({"time_s": t, "current_A": i, "control_V": -1.0 - control})


@pytest.mark.parametrize("offset, step", [(-2, True), (-3, False), (0, True), (2, True),
                                          (3, False)])
def test_a_current_only_jump_within_step_points_of_a_change_is_the_step(offset, step):
    got = ec.detect_short_circuit(_current_only(JUMP_AT + offset), window=5)
    assert got == (None if step else float(JUMP_AT))


def test_a_current_only_jump_after_a_spike_the_change_near_either_end_or_between():
    # j0 = the spike (the first point at the midpoint), j = the jump (the first that
    # stays): a window of 20 holds the spike in every candidate's search
    spike = JUMP_AT - 6
    # near j0 only, near j only (after it), between them (3 from each): the step's
    for c in (spike - 2, JUMP_AT + 2, JUMP_AT - 3):
        assert ec.detect_short_circuit(_current_only(c, spike_at=spike), window=20) is None, c
    # 3 from j0 before it, 3 after j: a short
    for c in (spike - 3, JUMP_AT + 3):
        assert ec.detect_short_circuit(_current_only(c, spike_at=spike),
                                       window=20) == float(JUMP_AT), c


def test_a_later_short_after_a_step_is_still_found():
    # the step's jump is passed over, the next jump (a short 1000 x) is looked at
    got = ec.detect_short_circuit(_current_only(JUMP_AT, later_short=75), window=5)
    assert got == 75.0


def test_a_later_galvanostatic_short_after_a_step_down_is_still_found():
    # set current 20 -> 1 uA at 30: |V| 1 -> 0.05 V, proportional: the step's; at 70 |V|
    # collapses 100 x at the same set current: a short
    t = np.arange(float(N))
    control = np.where(t < 30, -2e-5, -1e-6)
    v = np.where(t < 30, -1.0, -0.05)
    v[70:] = -0.0005
    d = pd.DataFrame({"time_s": t, "voltage_V": v, "current_A": control, "control_A": control})
    assert ec.detect_short_circuit(d, window=5) == 70.0


def test_with_both_controls_a_voltage_collapse_at_a_step_is_the_step():
    # the set current halves at 30 and |V| collapses 2000 x there (deeper than the
    # current: a short by the galvanostatic bound), but the record holds a control
    # voltage too: not judged by the set current, STEP_POINTS decides: the step's
    t = np.arange(float(N))
    control = np.where(t < 30, -2e-6, -1e-6)
    v = np.where(t < 30, -1.0, -0.0005)
    d = pd.DataFrame({"time_s": t, "voltage_V": v, "current_A": control, "control_A": control})
    assert ec.detect_short_circuit(d, window=5) == 30.0
    d["control_V"] = np.where(t < 30, -1.0, -1.1)
    assert ec.detect_short_circuit(d, window=5, quantity="voltage") is None


def test_galvanostatic_bound_reads_the_window_from_the_first_point():
    # k = 2 < window = 4: the window before holds points 0 and 1
    control = np.array([4.0, 2.0, 1.0, 1.0, 1.0, 1.0])
    v = np.array([100.0, 10.0, 2.0, 2.0, 2.0, 2.0])
    # set current median 3, |V| median 55: the bound 55 / 3 = 18.3, 2.0 below half of it
    assert not _galvanostatic_step_explains(v, control, 2, 4, 0.5)
    v = np.array([10.0, 10.0, 2.0, 2.0, 2.0, 2.0])
    # |V| 10, the bound 10 / 3 = 3.33: 2.0 above half of it, the step's
    assert _galvanostatic_step_explains(v, control, 2, 4, 0.5)
    # k = 1: the one point before counts
    assert not _galvanostatic_step_explains(np.array([10.0, 0.1, 0.1, 0.1]),
                                            np.array([2.0, 1.0, 1.0, 1.0]), 1, 3, 0.5)


def _potentiostatic_step(v_after, control_after, *, noise_v=0.0, seed=19):
    """A potentiostatic record (1 Hz): control -1 V, then `control_after` from JUMP_AT on;
    the current jumps 1 uA -> 1 mA there; the voltage -1 V (plus noise) then `v_after`."""
    rng = np.random.default_rng(seed)
    t = np.arange(float(N))
    control = np.where(t < JUMP_AT, -1.0, control_after)
    v = np.where(t < JUMP_AT, -1.0 + rng.normal(0.0, noise_v, N), v_after)
    i = np.where(t < JUMP_AT, -1e-6, -1e-3)
    return pd.DataFrame({"time_s": t, "voltage_V": v, "current_A": i, "control_V": control})


def test_the_voltage_at_the_new_control_level_is_the_steps_response():
    # -1 -> -0.3 V with the current up 1000 x: |V| falls below half its level before, but
    # it is the new control's: a step, not a short
    assert ec.detect_short_circuit(_potentiostatic_step(-0.3, -0.3), window=5) is None
    # the voltage collapses to 1 mV instead: a short
    assert ec.detect_short_circuit(_potentiostatic_step(-0.001, -0.3), window=5) == float(JUMP_AT)


def test_a_control_level_within_the_voltage_noise_shows_no_collapse():
    # a step to -2 mV with 10 mV of voltage noise before: the level the control sets is
    # not COLLAPSE_MIN_SIGMAS noise sigmas above zero, a collapse to 0 V cannot be told
    assert ec.detect_short_circuit(_potentiostatic_step(0.0, -0.002, noise_v=0.01),
                                   window=5) is None
    # without the noise the collapse is seen
    assert ec.detect_short_circuit(_potentiostatic_step(0.0, -0.002), window=5) == float(JUMP_AT)


# ---- wave 20: which changes count as near the jump ---------------------------------------


def _voltage_off_its_control(change_at):
    """A potentiostatic record (1 Hz) whose voltage is not at its control: the control
    -1 V (-1.1 V from `change_at` on), the measured voltage -0.2 V (the cell at its
    compliance, or measured across other electrodes), then -0.15 V from JUMP_AT on, where
    the current jumps 1 uA -> 1 mA. Against the voltage before (0.2 V) the fall to 0.15 V
    is no collapse (above `collapse` x 0.2 = 0.1 V); against the control (1 V) it is."""
    t = np.arange(float(N))
    control = np.where(t < change_at, -1.0, -1.1)
    v = np.where(t < JUMP_AT, -0.2, -0.15)
    i = np.where(t < JUMP_AT, -1e-6, -1e-3)
    return pd.DataFrame({"time_s": t, "voltage_V": v, "current_A": i, "control_V": control})


@pytest.mark.parametrize("change_at, short", [
    (JUMP_AT - 5, True),   # exactly a window before the jump's first point: near
    (JUMP_AT + 5, True),   # exactly a window after it: near
    (JUMP_AT - 6, False),  # one point further: far, judged by the voltage before
    (JUMP_AT + 6, False),
    (10, False),           # a change far before the jump
    (90, False),           # and far after it
])
def test_a_change_within_a_window_of_the_jump_judges_it_by_the_control(change_at, short):
    # near a change (within `window` points of the jump, inclusive) the voltage is judged
    # against the level the control sets (documented: "within a window of it"), elsewhere
    # against the voltage before the jump
    got = ec.detect_short_circuit(_voltage_off_its_control(change_at), window=5)
    assert got == (float(JUMP_AT) if short else None)
