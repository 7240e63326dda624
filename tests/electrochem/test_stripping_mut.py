"""Galvanostatic stripping on inputs whose answer is known (issue 16: a planted bug must not survive).

Written against the survivors of the mutation run of ``electrochem/_stripping.py`` (wave
14, ``benchmarks/mutate_changed.py``): the initial overpotential as the median of the
documented points, the stripped charge as the integral of a constant current up to and
including ``t_end_s``, the layer it makes and its monolayers, Sand's fit on three runs
worked out by hand, the depletion time of noise-free kinks and the ``min_rise`` rule.
"""
import numpy as np
import pandas as pd
import pytest

import electrochem as ec
from calibration import FARADAY_C_MOL, MOLAR_VOLUME_LI_CM3_MOL, InputError

#: um per cm.
UM_PER_CM = 1e4


def _trace(eta, *, reference_V=0.0, dt=1.0):
    t = np.arange(len(eta)) * dt
    return pd.DataFrame({"time_s": t, "voltage_V": reference_V - np.asarray(eta, float)})


# --- initial_overpotential ----------------------------------------------------------


def test_initial_overpotential_is_the_median_of_the_points_after_the_first():
    eta = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 100.0, 100.0, 100.0]
    # the first point (maybe still at rest) is skipped, the next five give the median
    assert ec.initial_overpotential(_trace(eta)) == 3.0
    assert ec.initial_overpotential(_trace(eta), n_points=4) == 2.5
    assert ec.initial_overpotential(_trace(eta), n_points=6) == 3.5
    # |V - reference|: a cell at 0.7 V equilibrium, driven below it
    assert ec.initial_overpotential(_trace(eta, reference_V=0.7), reference_V=0.7) == \
        pytest.approx(3.0, abs=1e-12)
    # a point without a voltage is left out, not counted as one of the five
    d = _trace([0.0, 1.0, np.nan, 2.0, 3.0, 4.0, 5.0, 100.0])
    assert ec.initial_overpotential(d) == 3.0


def test_initial_overpotential_needs_two_points():
    assert ec.initial_overpotential(_trace([0.0, 0.25])) == 0.25
    with pytest.raises(InputError, match="^too few points for an initial overpotential$"):
        ec.initial_overpotential(_trace([0.25]))
    with pytest.raises(InputError, match="too few points"):
        ec.initial_overpotential(_trace([0.25, np.nan, np.nan]))


@pytest.mark.parametrize("col", ["time_s", "voltage_V"])
def test_a_trace_without_time_or_voltage_is_refused_by_name(col):
    d = _trace([0.0, 1.0, 2.0]).drop(columns=col)
    with pytest.raises(InputError, match=f"^the trace has no {col} column$"):
        ec.initial_overpotential(d)
    with pytest.raises(InputError, match=f"^the trace has no {col} column$"):
        ec.depletion_time(d)


# --- stripped_charge ----------------------------------------------------------------


def _current(i_A=-2e-6, n=11, dt=1.0):
    t = np.arange(n) * dt
    return pd.DataFrame({"time_s": t, "current_A": np.full(n, i_A)})


def _layer_um(charge_C, area_cm2, molar_volume=MOLAR_VOLUME_LI_CM3_MOL):
    """Faraday: a charge Q on an area A plates Q / F mol, a layer Q V_m / (F A) thick."""
    return charge_C / FARADAY_C_MOL * molar_volume / area_cm2 * UM_PER_CM


@pytest.mark.parametrize("i_A", [-2e-6, 3e-9])
def test_stripped_charge_of_a_constant_current(i_A):
    area = 1e-5
    out = ec.stripped_charge(_current(i_A), area_cm2=area)
    q = abs(i_A) * 10.0  # 10 s
    assert out["charge_C"] == pytest.approx(q, rel=1e-12)
    assert out["areal_charge_mAh_cm2"] == pytest.approx(q / area / 3.6, rel=1e-12)
    assert out["thickness_um"] == pytest.approx(_layer_um(q, area), rel=1e-12)
    assert out["monolayers"] == pytest.approx(_layer_um(q, area) * 1e3 / 0.152, rel=1e-12)
    assert set(out) == {"charge_C", "areal_charge_mAh_cm2", "thickness_um", "monolayers"}


def test_stripped_charge_up_to_and_including_t_end():
    d = _current(-2e-6)
    # the point at t_end_s is in: 0..5 s, five seconds of current
    assert ec.stripped_charge(d, area_cm2=1e-5, t_end_s=5.0)["charge_C"] == pytest.approx(1e-5)
    assert ec.stripped_charge(d, area_cm2=1e-5, t_end_s=5.5)["charge_C"] == pytest.approx(1e-5)
    # two points are enough for an integral, one is not
    assert ec.stripped_charge(d, area_cm2=1e-5, t_end_s=1.0)["charge_C"] == pytest.approx(2e-6)
    with pytest.raises(InputError, match="^fewer than 2 points with current before t_end_s$"):
        ec.stripped_charge(d, area_cm2=1e-5, t_end_s=0.0)


def test_stripped_charge_leaves_out_rows_without_current_or_time():
    d = _current(-2e-6)
    d.loc[3, "current_A"] = np.nan
    d.loc[7, "time_s"] = np.nan
    # trapezoids over the remaining points of a constant current: still 10 s of it
    assert ec.stripped_charge(d, area_cm2=1e-5)["charge_C"] == pytest.approx(2e-5)
    # and up to t_end_s: the rows without current stay out there too
    assert ec.stripped_charge(d, area_cm2=1e-5, t_end_s=5.0)["charge_C"] == pytest.approx(1e-5)
    d = _current(-2e-6, n=3)
    d.loc[1:, "current_A"] = np.nan
    with pytest.raises(InputError, match="fewer than 2 points"):
        ec.stripped_charge(d, area_cm2=1e-5)


def test_stripped_charge_uses_the_layer_constants_given():
    d = _current(-2e-6)
    out = ec.stripped_charge(d, area_cm2=1e-5, monolayer_thickness_nm=0.3, molar_volume_cm3_mol=26.0)
    assert out["thickness_um"] == pytest.approx(_layer_um(2e-5, 1e-5, 26.0), rel=1e-12)
    assert out["monolayers"] == pytest.approx(_layer_um(2e-5, 1e-5, 26.0) * 1e3 / 0.3, rel=1e-12)


@pytest.mark.parametrize("area", [0.0, -1e-5, None, float("nan")])
def test_stripped_charge_needs_a_positive_area(area):
    with pytest.raises(InputError, match=r"^area_cm2 must be positive; got "):
        ec.stripped_charge(_current(), area_cm2=area)


@pytest.mark.parametrize("col", ["time_s", "current_A"])
def test_stripped_charge_names_a_missing_column(col):
    with pytest.raises(InputError, match=f"^the trace has no {col} column$"):
        ec.stripped_charge(_current().drop(columns=col), area_cm2=1e-5)


# --- sand_analysis --------------------------------------------------------------------


def test_sand_fit_through_the_origin_on_three_runs_worked_by_hand():
    # 1/i = 1, 2, 3 and sqrt(t0) = 1, 2, 2: slope sum(xy)/sum(xx) = 11/14, residuals
    # 3/14, 6/14, -5/14 (ss 5/14) about a mean of 5/3 (ss 2/3): R^2 = 1 - 15/28 = 13/28
    i = np.array([1.0, 0.5, 1.0 / 3.0])
    t0 = np.array([1.0, 4.0, 4.0])
    c0 = 0.05
    table, summary = ec.sand_analysis(i, t0, concentration_mol_cm3=c0)
    assert summary["slope_s05_A_cm2"] == pytest.approx(11 / 14, rel=1e-12)
    assert summary["r_squared"] == pytest.approx(13 / 28, rel=1e-12)
    # sqrt(t0) = sqrt(pi D) c0 F / (2 i): D = (2 slope / (c0 F))^2 / pi
    cf = c0 * FARADAY_C_MOL
    assert summary["diffusion_coefficient_cm2_s"] == pytest.approx(
        (2 * 11 / 14 / cf) ** 2 / np.pi, rel=1e-12)
    # per run D = 4 i^2 t0 / (pi c0^2 F^2): 1, 1 and 4/9 of 4 / (pi c0^2 F^2)
    d_unit = 4 / (np.pi * cf ** 2)
    np.testing.assert_allclose(table["diffusion_coefficient_cm2_s"], d_unit * np.array([1, 1, 4 / 9]),
                               rtol=1e-12)
    assert summary["diffusion_spread"] == pytest.approx(9 / 4, rel=1e-12)
    assert list(table.columns) == ["current_density_A_cm2", "inverse_current_density_cm2_A",
                                   "sqrt_t0_s05", "diffusion_coefficient_cm2_s"]
    np.testing.assert_allclose(table["current_density_A_cm2"], i, rtol=1e-15)
    np.testing.assert_allclose(table["inverse_current_density_cm2_A"], [1, 2, 3], rtol=1e-12)
    np.testing.assert_allclose(table["sqrt_t0_s05"], [1, 2, 2], rtol=1e-15)
    assert set(summary) == {"slope_s05_A_cm2", "r_squared", "diffusion_coefficient_cm2_s",
                            "diffusion_spread"}


def test_sand_takes_the_size_of_a_stripping_current_and_any_shape():
    i = np.array([[-1.0, -0.5], [1.0 / 3.0, 0.25]])
    t0 = np.array([1.0, 4.0, 9.0, 16.0])  # exactly Sand: sqrt(t0) = 1 / i
    table, summary = ec.sand_analysis(i, t0)
    np.testing.assert_allclose(table["current_density_A_cm2"], [1, 0.5, 1 / 3, 0.25], rtol=1e-15)
    assert summary["slope_s05_A_cm2"] == pytest.approx(1.0, rel=1e-12)
    assert summary["r_squared"] == pytest.approx(1.0, rel=1e-12)
    assert summary["diffusion_spread"] == pytest.approx(1.0, rel=1e-12)


def test_sand_r_squared_needs_three_runs_that_differ():
    _, summary = ec.sand_analysis([1.0, 0.5], [1.0, 4.0])
    assert np.isnan(summary["r_squared"])
    assert summary["slope_s05_A_cm2"] == pytest.approx(1.0, rel=1e-12)
    # three runs with one sqrt(t0): nothing to explain
    _, summary = ec.sand_analysis([1.0, 0.5, 0.25], [4.0, 4.0, 4.0])
    assert np.isnan(summary["r_squared"])
    _, summary = ec.sand_analysis([0.2], [4.0])
    assert np.isnan(summary["r_squared"])
    assert summary["slope_s05_A_cm2"] == pytest.approx(0.4, rel=1e-12)


@pytest.mark.parametrize("i, t0", [([0.1, 0.2], [1.0]), ([], []), ([0.1, np.nan], [1.0, 2.0]),
                                   ([0.1, 0.2], [1.0, 0.0]), ([0.1, 0.2], [1.0, -2.0]),
                                   ([0.1, 0.2], [1.0, np.inf]), ([0.1, np.inf], [1.0, 2.0])])
def test_sand_refuses_what_is_no_set_of_runs(i, t0):
    with pytest.raises(InputError):
        ec.sand_analysis(i, t0)


def test_sand_messages():
    with pytest.raises(InputError, match="^give one depletion time per current density$"):
        ec.sand_analysis([0.1, 0.2], [1.0])
    with pytest.raises(InputError, match="^give one depletion time per current density$"):
        ec.sand_analysis([], [])
    with pytest.raises(InputError, match="^current densities and depletion times must be "
                       "positive and finite$"):
        ec.sand_analysis([0.1, 0.2], [1.0, 0.0])


# --- depletion_time ---------------------------------------------------------------------


def _kink(t0, *, n=2500, eta0=0.2, base_rise=0.15, top=None, rise=40.0, t_max=1.25):
    """Noise-free overpotential: a straight baseline, a straight rise from t0 (the two
    tangents meet at t0), optionally flat from ``top`` volts on."""
    t = np.linspace(0, t_max * t0, n)
    eta = eta0 * (1 + base_rise * t / t0) + np.where(t > t0, (t - t0) * rise * eta0 / t0, 0.0)
    if top is not None:
        eta = np.minimum(eta, top)
    return pd.DataFrame({"time_s": t, "voltage_V": eta})


@pytest.mark.parametrize("t0", [12.0, 150.0, 2400.0])
@pytest.mark.parametrize("n", [400, 2500])
def test_depletion_time_of_a_kink_is_the_kink(t0, n):
    assert ec.depletion_time(_kink(t0, n=n)) == pytest.approx(t0, rel=1e-9)
    # the median-filter width given (odd, or made odd) does not move a noise-free kink
    for w in (3, 6, 21):
        assert ec.depletion_time(_kink(t0, n=n), smooth_points=w) == pytest.approx(t0, rel=1e-9)
    # the overpotential is |V - reference|
    d = _kink(t0, n=n)
    d["voltage_V"] = 0.3 - d["voltage_V"]
    assert ec.depletion_time(d, reference_V=0.3) == pytest.approx(t0, rel=1e-9)


def test_depletion_time_of_a_kink_late_in_the_record():
    # the baseline is the first two thirds of the time before the onset
    assert ec.depletion_time(_kink(80.0, t_max=1.05, n=2000)) == pytest.approx(80.0, rel=1e-9)


@pytest.mark.parametrize("ratio, found", [(2.5, True), (1.9, False)])
def test_min_rise_is_the_rise_over_the_baseline(ratio, found):
    # a flat baseline at 0.2 V rising to a plateau of ratio x 0.2 V
    d = _kink(100.0, base_rise=0.0, top=0.2 * ratio, t_max=1.5)
    t0 = ec.depletion_time(d)
    if found:
        assert t0 == pytest.approx(100.0, rel=1e-9)
    else:
        assert t0 is None
    # min_rise given: the threshold moves with it
    assert (ec.depletion_time(d, min_rise=ratio * 0.99) is None) is False
    assert ec.depletion_time(d, min_rise=ratio * 1.01) is None


def test_a_steady_rise_is_no_divergence():
    t = np.linspace(0, 100, 500)
    d = pd.DataFrame({"time_s": t, "voltage_V": 0.2 + 0.01 * t})
    assert ec.depletion_time(d) is None


def test_ten_points_are_the_least_for_a_depletion_time():
    # the kink at 5 s of a 10 s record: on the documented grid ten points find it exactly
    assert ec.depletion_time(_kink(5.0, n=10, t_max=2.0)) == pytest.approx(5.0, rel=1e-9)
    assert ec.depletion_time(_kink(5.0, n=9, t_max=2.0)) is None


@pytest.mark.parametrize("ratio, found", [(2.2, True), (1.9, False)])
def test_min_rise_is_over_the_baseline_at_the_steepest_point(ratio, found):
    # a baseline rising 15 % over the record's first 100 s: 0.23 V at the kink (100 s),
    # a plateau of ratio x 0.23 V after it
    d = _kink(100.0, top=ratio * 0.2 * 1.15, t_max=1.5)
    t0 = ec.depletion_time(d)
    assert (t0 == pytest.approx(100.0, rel=1e-9)) if found else t0 is None


def test_the_depletion_time_is_on_the_trace_clock():
    d = _kink(50.0)
    assert ec.depletion_time(d.assign(time_s=d["time_s"] + 1000.0)) == pytest.approx(1050.0, rel=1e-12)


def test_repeated_time_stamps_count_once():
    # a potentiostat that logs every point twice (same time): the grid's repeated times
    # give no slope (no division by a zero step)
    d = _kink(50.0, n=150)
    twice = pd.concat([d, d]).sort_values("time_s", kind="stable").reset_index(drop=True)
    assert ec.depletion_time(twice) == pytest.approx(50.0, rel=1e-9)


@pytest.mark.parametrize("burst, width", [(2, 5), (3, 6), (3, 7)])
def test_the_median_filter_of_the_width_given_removes_a_burst(burst, width):
    # a charging flash of `burst` points in the baseline: a median of 2 burst + 1 points
    # (an even width is made odd, one more) removes it; the kink is found as without it
    d = _kink(100.0, n=1000)
    eta = d["voltage_V"].to_numpy().copy()
    eta[300:300 + burst] += 5.0
    assert ec.depletion_time(d.assign(voltage_V=eta), smooth_points=width) == \
        pytest.approx(100.0, rel=1e-6)


def test_a_first_point_at_rest_does_not_hide_the_kink():
    d = _kink(100.0, n=1000)
    eta = d["voltage_V"].to_numpy().copy()
    eta[0] = 0.0
    assert ec.depletion_time(d.assign(voltage_V=eta)) == pytest.approx(100.0, rel=1e-3)
