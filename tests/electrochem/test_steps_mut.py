"""Steps and short circuits on traces whose answer is known (issue 16: a planted bug must not survive).

Written against the survivors of the wave-14 mutation run of ``electrochem/_steps.py``
(``benchmarks/mutate_changed.py``, the whole file): each step's numbers on exact
currents (time-weighted mean, slope, the edge averages of the current ratio), the
documented tolerance, ``min_points`` and rest rows, and the short-circuit rules on
noise-free jumps (the factor, the persistence, the voltage collapse, a control change
within two points, the signal chosen by the control column).
"""
import numpy as np
import pandas as pd
import pytest

import electrochem as ec
from calibration import InputError


def _steps(controls, currents, times=None, control="control_V"):
    n = len(controls)
    t = np.arange(n, dtype=float) if times is None else np.asarray(times, float)
    return pd.DataFrame({"time_s": t, "current_A": np.asarray(currents, float),
                         control: np.asarray(controls, float)})


# --- split_steps ----------------------------------------------------------------------


def test_a_step_of_a_linear_current():
    # 10 points of I = 1..10 uA at 1 s: mean 5.5 uA, slope 1 uA/s; the edges (10 % of the
    # points, one each) give 10 / 1
    s = ec.split_steps(_steps([-1.0] * 10, np.arange(1, 11) * 1e-6, times=np.arange(10) + 3.0))
    assert len(s) == 1
    row = s.iloc[0]
    assert row["step"] == 0
    assert row["t_start_s"] == 3.0 and row["t_end_s"] == 12.0
    assert row["control_value"] == -1.0 and row["n_points"] == 10
    assert row["mean_current_A"] == pytest.approx(5.5e-6, rel=1e-12)
    assert row["dIdt_A_s"] == pytest.approx(1e-6, rel=1e-9)
    assert row["current_ratio"] == pytest.approx(10.0, rel=1e-12)
    assert row["area_ratio"] == pytest.approx(100.0, rel=1e-12)


@pytest.mark.parametrize("edge, ratio", [(0.2, 9.5 / 1.5), (0.5, 8.0 / 3.0), (0.04, 10.0),
                                         (0.25, 9.5 / 1.5), (0.15, 9.5 / 1.5)])
def test_the_edges_average_their_fraction_of_the_points(edge, ratio):
    # round(edge x 10) points at each end, at least one: 0.25 -> 2 (round half to even),
    # 0.15 -> 2, 0.04 -> 0 -> 1
    s = ec.split_steps(_steps([-1.0] * 10, np.arange(1, 11) * 1e-6), edge_fraction=edge)
    assert s["current_ratio"].iloc[0] == pytest.approx(ratio, rel=1e-12)


def test_the_mean_current_is_weighted_by_time():
    # 1 uA for 1 s, then 3 uA held over 3 s (uneven sampling): trapezoids give
    # (2 x 1 + 3 x 3) / 4 = 2.75 uA, not the plain mean of the points
    s = ec.split_steps(_steps([-2.0] * 3, [1e-6, 3e-6, 3e-6], times=[0.0, 1.0, 4.0]))
    assert s["mean_current_A"].iloc[0] == pytest.approx(2.75e-6, rel=1e-12)
    assert s["n_points"].iloc[0] == 3


def test_a_current_of_zero_at_the_start_has_no_ratio():
    s = ec.split_steps(_steps([-1.0] * 4, [0.0, 1e-6, 2e-6, 3e-6]))
    assert np.isnan(s["current_ratio"].iloc[0]) and np.isnan(s["area_ratio"].iloc[0])
    assert s["dIdt_A_s"].iloc[0] == pytest.approx(1e-6, rel=1e-9)


def test_a_step_with_one_current_point():
    s = ec.split_steps(_steps([-1.0] * 3, [np.nan, 4e-6, np.nan]))
    assert s["mean_current_A"].iloc[0] == pytest.approx(4e-6, rel=1e-12)
    assert np.isnan(s["dIdt_A_s"].iloc[0]) and np.isnan(s["current_ratio"].iloc[0])
    s = ec.split_steps(_steps([-1.0] * 3, [np.nan] * 3))
    assert np.isnan(s["mean_current_A"].iloc[0])


def test_steps_split_on_the_tolerance_and_at_rest_rows():
    c = [-1.0] * 4 + [-2.0] * 2 + [-2.0 + 1e-6] * 3 + [np.nan] * 2 + [-2.0] * 3 + [-3.0] * 3
    s = ec.split_steps(_steps(c, np.ones(len(c)) * 1e-6))
    # -2 and -2 + 1e-6 differ by 1e-6, within 1e-6 x max |control| = 3e-6: one step;
    # the rest rows split the next -2 V step off; the numbering runs over reported steps
    assert s["step"].tolist() == [0, 1, 2, 3]
    assert s["n_points"].tolist() == [4, 5, 3, 3]
    assert s["t_start_s"].tolist() == [0.0, 4.0, 11.0, 14.0]
    assert s["t_end_s"].tolist() == [3.0, 8.0, 13.0, 16.0]
    np.testing.assert_allclose(s["control_value"], [-1.0, -2.0 + 1e-6, -2.0, -3.0])
    # a tolerance given: the 1e-6 V change is a step of its own
    s = ec.split_steps(_steps(c, np.ones(len(c)) * 1e-6), tolerance=1e-7)
    assert s["n_points"].tolist() == [4, 3, 3, 3]  # the two-point step is dropped
    assert s["t_start_s"].tolist() == [0.0, 6.0, 11.0, 14.0]


def test_min_points_drops_switching_transients():
    c = [-1.0] * 3 + [-5.0] * 2 + [-2.0] * 4
    s = ec.split_steps(_steps(c, np.ones(len(c)) * 1e-6))
    assert s["control_value"].tolist() == [-1.0, -2.0]
    s = ec.split_steps(_steps(c, np.ones(len(c)) * 1e-6), min_points=2)
    assert s["control_value"].tolist() == [-1.0, -5.0, -2.0]
    s = ec.split_steps(_steps(c, np.ones(len(c)) * 1e-6), min_points=4)
    assert s["control_value"].tolist() == [-2.0]


def test_galvanostatic_steps_and_the_columns():
    s = ec.split_steps(_steps([1e-6] * 5 + [2e-6] * 5, [1e-6] * 5 + [2e-6] * 5,
                              control="control_A"), control="control_A")
    assert s["control_value"].tolist() == [1e-6, 2e-6]
    assert list(s.columns) == ["step", "t_start_s", "t_end_s", "control_value", "n_points",
                               "mean_current_A", "dIdt_A_s", "current_ratio", "area_ratio"]
    assert s["step"].dtype.kind == "i"
    empty = ec.split_steps(_steps([1.0, 1.0, 2.0], [1e-6] * 3))
    assert len(empty) == 0 and list(empty.columns) == list(s.columns)


def test_split_steps_refuses_what_it_cannot_split():
    d = _steps([-1.0] * 5, [1e-6] * 5)
    with pytest.raises(InputError, match=r"^the trace has no control_A column; columns are: "
                       r"time_s, current_A, control_V$"):
        ec.split_steps(d, control="control_A")
    with pytest.raises(InputError, match=r"^the trace has no time_s, current_A column; "):
        ec.split_steps(d.drop(columns=["time_s", "current_A"]))
    for bad in (0.0, -0.1, 0.51):
        with pytest.raises(InputError, match=rf"^edge_fraction must be in \(0, 0.5\]; got {bad!r}$"):
            ec.split_steps(d, edge_fraction=bad)
    assert len(ec.split_steps(d, edge_fraction=0.5)) == 1
    with pytest.raises(InputError, match="^the trace is empty$"):
        ec.split_steps(d.iloc[:0])
    with pytest.raises(InputError, match="^the control_V column holds no values$"):
        ec.split_steps(d.assign(control_V=np.nan))


# --- detect_short_circuit ----------------------------------------------------------------

N = 100
DT = 0.1
K = 60


def _potentiostatic(jump=1000.0, v_after=0.01, k=K, n=N):
    """1 uA at -1 V; from point k on the current is `jump` times that and |V| is v_after."""
    idx = np.arange(n)
    return pd.DataFrame({"time_s": idx * DT,
                         "current_A": np.where(idx >= k, jump * 1e-6, 1e-6),
                         "voltage_V": np.where(idx >= k, -v_after, -1.0),
                         "control_V": -1.0})


def test_a_lasting_current_jump_with_a_collapsed_voltage_is_a_short():
    assert ec.detect_short_circuit(_potentiostatic()) == pytest.approx(K * DT)
    for k in (20, 45, 80):
        assert ec.detect_short_circuit(_potentiostatic(k=k)) == pytest.approx(k * DT)
    # without a voltage column: the current alone
    assert ec.detect_short_circuit(_potentiostatic().drop(columns="voltage_V")) == \
        pytest.approx(K * DT)
    # a voltage column without values: the current alone
    assert ec.detect_short_circuit(_potentiostatic().assign(voltage_V=np.nan)) == \
        pytest.approx(K * DT)


@pytest.mark.parametrize("jump, factor, found", [(8.0, 10.0, False), (12.0, 10.0, True),
                                                 (8.0, 7.9, True), (8.0, 8.1, False)])
def test_the_jump_must_reach_the_factor(jump, factor, found):
    got = ec.detect_short_circuit(_potentiostatic(jump=jump), factor=factor)
    assert (got == pytest.approx(K * DT)) if found else got is None


@pytest.mark.parametrize("v_after, collapse, found", [(0.5, 0.5, True), (0.55, 0.5, False),
                                                      (0.55, 0.6, True), (0.3, 0.25, False)])
def test_the_voltage_must_collapse(v_after, collapse, found):
    # |V| after <= collapse x |V| before (1 V): the cell is shorted
    got = ec.detect_short_circuit(_potentiostatic(v_after=v_after), collapse=collapse)
    assert (got == pytest.approx(K * DT)) if found else got is None


def test_a_jump_that_does_not_last_is_no_short():
    d = _potentiostatic()
    back = np.arange(N) >= 75  # 15 points up, then back for 25: 40 % of the points after
    d.loc[back, "current_A"] = 1e-6
    d.loc[back, "voltage_V"] = -1.0
    assert ec.detect_short_circuit(d) is None
    # persistence 0.35: 15 of 40 points after the jump stay up (37.5 %)
    assert ec.detect_short_circuit(d, persistence=0.35) == pytest.approx(K * DT)
    assert ec.detect_short_circuit(d, persistence=0.4) is None


@pytest.mark.parametrize("offset, found", [(0, False), (2, False), (-2, False), (3, True),
                                           (-3, True)])
def test_a_jump_within_two_points_of_a_control_change_is_a_step(offset, found):
    # the current alone (no voltage column) cannot tell a step's response from a short:
    # a jump within STEP_POINTS (2) points of a change is the step's (wave 19: with a
    # voltage the response is judged instead, test_short_after_step_w19.py)
    d = _potentiostatic().drop(columns="voltage_V")
    d.loc[K + offset:, "control_V"] = -1.5
    got = ec.detect_short_circuit(d)
    assert (got == pytest.approx(K * DT)) if found else got is None


def test_a_galvanostatic_short_is_a_collapse_of_the_voltage():
    idx = np.arange(N)
    d = pd.DataFrame({"time_s": idx * DT, "current_A": -1e-6,
                      "voltage_V": np.where(idx >= K, -0.01, -0.5), "control_A": -1e-6})
    assert ec.detect_short_circuit(d) == pytest.approx(K * DT)
    assert ec.detect_short_circuit(d, quantity="voltage") == pytest.approx(K * DT)
    # the current does not jump: asked for it, no short
    assert ec.detect_short_circuit(d, quantity="current") is None
    # both control columns: potentiostatic, the current is examined
    assert ec.detect_short_circuit(d.assign(control_V=-0.5)) is None
    # a voltage that rises tenfold is no short
    assert ec.detect_short_circuit(d.assign(voltage_V=np.where(idx >= K, -5.0, -0.5))) is None


@pytest.mark.parametrize("window", [3, 5, 10, 30])
def test_the_window_given(window):
    assert ec.detect_short_circuit(_potentiostatic(), window=window) == pytest.approx(K * DT)


def test_short_traces():
    # 10 points are enough (the window is cut to a third of them), 9 are not
    assert ec.detect_short_circuit(_potentiostatic(k=5, n=10)) == pytest.approx(5 * DT)
    assert ec.detect_short_circuit(_potentiostatic(k=5, n=9)) is None
    # rows without time or current do not count
    d = _potentiostatic(k=5, n=12)
    d.loc[[0, 11], "current_A"] = np.nan
    d.loc[1, "time_s"] = np.nan
    assert ec.detect_short_circuit(d) is None


def test_detect_short_circuit_refuses_bad_options():
    d = _potentiostatic()
    with pytest.raises(InputError, match=r"^quantity must be 'auto', 'current' or 'voltage'; "
                       r"got 'power'$"):
        ec.detect_short_circuit(d, quantity="power")
    for bad in (1.0, 0.5):
        with pytest.raises(InputError, match=rf"^factor must be > 1; got {bad!r}$"):
            ec.detect_short_circuit(d, factor=bad)
    with pytest.raises(InputError, match=r"^the trace has no time_s column; "):
        ec.detect_short_circuit(d.drop(columns="time_s"))
    with pytest.raises(InputError, match=r"^the trace has no current_A column; "):
        ec.detect_short_circuit(d.drop(columns="current_A"))


def test_a_step_with_two_current_points_has_its_line():
    s = ec.split_steps(_steps([-1.0] * 3, [1e-6, np.nan, 3e-6]))
    assert s["mean_current_A"].iloc[0] == pytest.approx(2e-6, rel=1e-12)
    assert s["dIdt_A_s"].iloc[0] == pytest.approx(1e-6, rel=1e-9)
    assert s["current_ratio"].iloc[0] == pytest.approx(3.0, rel=1e-12)


def test_a_short_step_and_one_at_one_time():
    # half a second of 1 -> 2 uA: a slope of 2 uA/s
    s = ec.split_steps(_steps([-1.0] * 6, np.linspace(1e-6, 2e-6, 6), times=np.arange(6) * 0.1))
    assert s["dIdt_A_s"].iloc[0] == pytest.approx(2e-6, rel=1e-9)
    assert s["mean_current_A"].iloc[0] == pytest.approx(1.5e-6, rel=1e-12)
    # three points logged at one time: no time span, the plain mean and no slope
    s = ec.split_steps(_steps([-1.0] * 3, [1e-6, 2e-6, 6e-6], times=[5.0, 5.0, 5.0]))
    assert s["mean_current_A"].iloc[0] == pytest.approx(3e-6, rel=1e-12)
    assert np.isnan(s["dIdt_A_s"].iloc[0])


def test_rest_rows_are_no_step_even_of_one_point():
    c = [-1.0, np.nan, -2.0, np.nan, np.nan]
    s = ec.split_steps(_steps(c, np.ones(len(c)) * 1e-6), min_points=1)
    assert s["control_value"].tolist() == [-1.0, -2.0]


def test_the_tolerance_is_inclusive():
    # -1.0 and -1.5 differ by exactly the tolerance 0.5: the same step
    s = ec.split_steps(_steps([-1.0] * 3 + [-1.5] * 3, np.ones(6) * 1e-6), tolerance=0.5)
    assert s["n_points"].tolist() == [6]


def test_a_jump_of_exactly_the_factor_is_a_short():
    # 1 uA -> 10 uA: log10 ratio 1.0, the factor 10 (a minimum: inclusive)
    assert ec.detect_short_circuit(_potentiostatic(jump=10.0)) == pytest.approx(K * DT)
    # any factor above 1 is accepted
    assert ec.detect_short_circuit(_potentiostatic(jump=2.0), factor=1.5) == pytest.approx(K * DT)


def test_persistence_is_beyond_half_the_jump_in_log_scale():
    # 1 uA -> 1 mA for 15 points, then 10 uA: 10 uA is below half the jump (31.6 uA), so
    # only 15 of the 40 points after it stay beyond
    d = _potentiostatic()
    d.loc[np.arange(N) >= 75, "current_A"] = 1e-5
    assert ec.detect_short_circuit(d) is None
    assert ec.detect_short_circuit(d, persistence=0.3) == pytest.approx(K * DT)
    # exactly the fraction asked for (15 of 40 = 0.375) is enough
    d.loc[np.arange(N) >= 75, "current_A"] = 1e-6
    assert ec.detect_short_circuit(d, persistence=0.375) == pytest.approx(K * DT)


def test_a_step_or_a_growth_onset_before_the_short_does_not_stop_the_search():
    # at point 30 the control steps and the current jumps (a step of the experiment);
    # the short comes at point 70
    d = _potentiostatic(k=70)
    d.loc[30:69, "current_A"] = 1e-4
    assert ec.detect_short_circuit(d.assign(control_V=np.where(np.arange(N) >= 30, -1.5, -1.0))) \
        == pytest.approx(70 * DT)
    # the same jump at 30 while the voltage holds (plating onset)
    assert ec.detect_short_circuit(d) == pytest.approx(70 * DT)


def test_a_galvanostatic_step_of_the_current_is_no_short():
    # the set current falls 100x and |V| 50x (no more than in proportion: wave 19, a
    # collapse deeper than that is a short, test_short_after_step_w19.py)
    idx = np.arange(N)
    d = pd.DataFrame({"time_s": idx * DT, "current_A": -1e-6,
                      "voltage_V": np.where(idx >= K, -0.01, -0.5),
                      "control_A": np.where(idx >= K, -1e-8, -1e-6)})
    assert ec.detect_short_circuit(d) is None
    # a step of the control_V column in a record that has both (the current alone)
    d = _potentiostatic().drop(columns="voltage_V")
    d["control_A"] = -1e-6
    d.loc[K:, "control_V"] = -1.5
    assert ec.detect_short_circuit(d) is None


def test_a_read_back_setpoint_that_jitters_is_no_step():
    # the control column read back with +-0.4 uV jitter on -2 V: within 1e-6 of the
    # largest |control| (2 uV), no change of the control value
    rng = np.random.default_rng(0)
    d = _potentiostatic().assign(control_V=-2.0 + 0.4e-6 * rng.uniform(-1, 1, N))
    assert ec.detect_short_circuit(d) == pytest.approx(K * DT)


def test_the_short_is_logged_with_its_index_time_and_jump(caplog):
    import logging

    caplog.set_level(logging.DEBUG, logger="electrochem._steps")
    ec.detect_short_circuit(_potentiostatic())
    assert [r.getMessage() for r in caplog.records] == [
        "short circuit at index 60 (t=6 s), jump x1e+03"]


def test_a_row_without_time_is_left_out():
    # the first row of the short logged without a time: the short starts at the next row
    d = _potentiostatic()
    d.loc[K, "time_s"] = np.nan
    assert ec.detect_short_circuit(d) == pytest.approx((K + 1) * DT)
