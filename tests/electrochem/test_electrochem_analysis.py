"""CV, potentiostatic steps, short circuits, galvanostatic stripping."""
import numpy as np
import pandas as pd
import pytest

import electrochem as ec
from calibration import InputError

SIGMA = 5.0e-4


def cv_trace(r_ohm=363.6e3, n=400, cycles=2, lag_A=0.0, seed=0):
    """Triangle sweep -1..1 V, I = eta/R, plus a hysteresis of lag_A."""
    rng = np.random.default_rng(seed)
    ramp = np.concatenate([np.linspace(-1, 1, n), np.linspace(1, -1, n)[1:]])
    v = np.concatenate([ramp] + [ramp[1:]] * (cycles - 1))
    direction = np.sign(np.gradient(v))
    i = v / r_ohm + lag_A * direction * np.cos(v * np.pi / 2) + 1e-9 * rng.normal(size=v.size)
    return v, i


def test_cv_linear_fit_gives_paper_diameter():
    v, i = cv_trace()
    fit = ec.cv_linear_fit(v, i, conductivity_S_cm=SIGMA)
    assert fit.resistance_ohm == pytest.approx(363.6e3, rel=0.002)
    assert fit.diameter_um == pytest.approx(27.5, abs=0.1)
    assert fit.r_squared > 0.999
    h = ec.cv_hysteresis(v, i)
    assert h["relative_hysteresis"] < 0.01


def test_cv_hysteresis_measures_the_gap():
    v, i = cv_trace(lag_A=2e-7)
    h = ec.cv_hysteresis(v, i)
    # anodic +lag, cathodic -lag: the gap is 2 lag at 0 V
    assert h["max_current_gap_A"] == pytest.approx(4e-7, rel=0.03)
    # integral of 2 lag cos(pi v / 2) over -1..1 = 8 lag / pi
    assert h["loop_area_W"] == pytest.approx(8 * 2e-7 / np.pi, rel=0.03)
    fit = ec.cv_linear_fit(v, i, eta_range_V=(-0.5, 0.5))
    assert fit.n_points < v.size


def test_cv_bad_input():
    with pytest.raises(InputError, match="not swept up and down"):
        ec.cv_hysteresis(np.linspace(0, 1, 50), np.linspace(0, 1, 50))
    with pytest.raises(InputError, match="at least 3 finite"):
        ec.cv_linear_fit([0, 1, np.nan], [0, 1, 2])


def steps_trace(seed=0, dt=0.1):
    """The paper's Fig. 2a protocol: -1 to -10 V, 30 s each; the contact
    diameter grows linearly within a step at higher overpotentials."""
    rng = np.random.default_rng(seed)
    t = np.arange(0, 300, dt)
    k = np.floor(t / 30)
    eta = -(k + 1)
    growth = 1 + 0.04 * k * (t - 30 * k) / 30  # relative diameter
    d_um = 27.5 * growth
    r = 1 / (2 * SIGMA * d_um * 1e-4)
    i = eta / r * (1 + 0.01 * rng.normal(size=t.size))
    return pd.DataFrame({"time_s": t + 12.5, "voltage_V": eta, "current_A": i, "control_V": eta})


def test_split_steps_current_and_area_growth():
    d = steps_trace()
    s = ec.split_steps(d)
    assert list(s.columns[:7]) == ["step", "t_start_s", "t_end_s", "control_value", "n_points",
                                   "mean_current_A", "dIdt_A_s"]
    assert len(s) == 10
    np.testing.assert_allclose(s["control_value"], -np.arange(1, 11))
    np.testing.assert_allclose(s["t_start_s"], 12.5 + 30 * np.arange(10), atol=1e-9)
    # first step: no growth, ratio 1; step k: diameter grows by 4k % over the step
    i_first = -1 * 2 * SIGMA * 27.5e-4
    assert s["mean_current_A"].iloc[0] == pytest.approx(i_first, rel=0.01)
    assert s["dIdt_A_s"].iloc[0] == pytest.approx(0, abs=2e-9)
    k = np.arange(10)
    # edges average 10 % of the points: the ends sit 5 % in from the step ends
    expected_ratio = (1 + 0.04 * k * 0.95) / (1 + 0.04 * k * 0.05)
    np.testing.assert_allclose(s["current_ratio"], expected_ratio, rtol=0.01)
    np.testing.assert_allclose(s["area_ratio"], expected_ratio ** 2, rtol=0.02)
    # dI/dt at -10 V: I = eta 2 sigma d0 (1 + 0.36 t/30)
    slope = -10 * 2 * SIGMA * 27.5e-4 * 0.36 / 30
    assert s["dIdt_A_s"].iloc[9] == pytest.approx(slope, rel=0.03)
    assert ec.detect_short_circuit(d) is None


def test_split_steps_errors():
    d = steps_trace()
    with pytest.raises(InputError, match="no control_A column"):
        ec.split_steps(d, control="control_A")
    with pytest.raises(InputError, match="holds no values"):
        ec.split_steps(d.assign(control_V=np.nan))


def test_short_circuit_potentiostatic_with_noise_and_spikes():
    d = steps_trace()
    i = d["current_A"].to_numpy().copy()
    t = d["time_s"].to_numpy()
    short = t >= 200.05
    i[short] = -2e-3 * (1 + 0.05 * np.random.default_rng(3).normal(size=short.sum()))
    i[[500, 900, 1700]] *= 80  # isolated spikes are not shorts
    v = d["voltage_V"].to_numpy().copy()
    v[short] *= 0.02  # shorted: the measured cell voltage collapses
    assert ec.detect_short_circuit(d.assign(current_A=i, voltage_V=v)) == pytest.approx(
        200.1, abs=0.11)
    # the same current jump while the voltage holds is plating onset, not a short
    assert ec.detect_short_circuit(d.assign(current_A=i)) is None
    only_spikes = d["current_A"].to_numpy().copy()
    only_spikes[[500, 900, 1700]] *= 80
    assert ec.detect_short_circuit(d.assign(current_A=only_spikes)) is None
    # independent of the current range: same answer in nA
    assert ec.detect_short_circuit(d.assign(current_A=i * 1e-3, voltage_V=v)) == \
        pytest.approx(200.1, abs=0.11)


def test_short_circuit_transient_is_not_a_short():
    d = steps_trace()
    i = d["current_A"].to_numpy().copy()
    t = d["time_s"].to_numpy()
    i[(t > 100) & (t < 103)] *= 50  # 3 s burst, then back: not lasting
    assert ec.detect_short_circuit(d.assign(current_A=i)) is None


def test_short_circuit_galvanostatic_voltage_collapse():
    t = np.arange(0, 100, 0.05)
    rng = np.random.default_rng(1)
    v = -0.5 - 0.002 * t + 0.005 * rng.normal(size=t.size)
    v[t >= 61.0] = -0.004 + 0.001 * rng.normal(size=(t >= 61.0).sum())
    d = pd.DataFrame({"time_s": t, "voltage_V": v, "current_A": -1e-6, "control_A": -1e-6})
    assert ec.detect_short_circuit(d) == pytest.approx(61.0, abs=0.06)
    with pytest.raises(InputError, match="quantity must be"):
        ec.detect_short_circuit(d, quantity="power")


def stripping_trace(t0, *, i_a=1e-6, eta0=0.2, noise=0.003, seed=0, shape="linear"):
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1.25 * t0, 2500)
    base = eta0 * (1 + 0.15 * t / t0)
    if shape == "linear":  # the tangents meet exactly at t0
        rise = np.where(t > t0, (t - t0) * 40 * eta0 / t0, 0.0)
    else:  # exponential divergence, capped at the 5 V limit
        rise = 0.02 * eta0 * np.expm1(np.clip((t - t0) / (0.01 * t0), 0, 50))
    eta = np.minimum(base + rise, 5.0) + noise * rng.normal(size=t.size)
    return pd.DataFrame({"time_s": t, "voltage_V": eta, "current_A": i_a, "control_A": i_a})


@pytest.mark.parametrize("t0", [12.0, 150.0, 2400.0])
@pytest.mark.parametrize("shape, tol", [("linear", 0.01), ("exp", 0.08)])
def test_depletion_time(t0, shape, tol):
    d = stripping_trace(t0, shape=shape)
    assert ec.depletion_time(d) == pytest.approx(t0, rel=tol)
    # works the same for negative voltages (sign of the stripping current)
    assert ec.depletion_time(d.assign(voltage_V=-d["voltage_V"])) == pytest.approx(t0, rel=tol)


def test_no_depletion_without_divergence():
    d = stripping_trace(100.0)
    flat = d.assign(voltage_V=0.2 * (1 + 0.1 * d["time_s"] / 100)
                    + 0.003 * np.random.default_rng(5).normal(size=len(d)))
    assert ec.depletion_time(flat) is None


def test_stripped_charge_and_sand():
    # 2000 um2 electrode, 50 mA/cm2 for t0 s -> q = 0.05 t0 / 3.6 mAh/cm2
    area = 2e-5
    i_a = 0.05 * area
    t0 = 100.8  # 1.4 mAh/cm2, inside the paper's 1-2 mAh/cm2
    d = stripping_trace(t0, i_a=-i_a)
    t_dep = ec.depletion_time(d)
    q = ec.stripped_charge(d, area_cm2=area, t_end_s=t_dep)
    assert q["areal_charge_mAh_cm2"] == pytest.approx(1.4, rel=0.01)
    assert q["thickness_um"] == pytest.approx(1.4 * 4.85, rel=0.01)
    eta0 = ec.initial_overpotential(d)
    assert eta0 == pytest.approx(0.2, rel=0.02)
    # Equation (2) gives back the current density when eta0 is the constriction drop
    j = ec.current_density_from_initial_overpotential(
        i_a, initial_current_A=i_a, initial_overpotential_V=1 / (2 * SIGMA * np.sqrt(4 * area / np.pi)) * i_a,
        conductivity_S_cm=SIGMA)
    assert j == pytest.approx(0.05)
    # Sand: runs obeying t0 = pi D (c0 F / 2 i)^2 with one D give spread 1 and that D
    D = 1e-9
    i = np.array([0.01, 0.05, 0.1, 0.5])
    c0F = ec.LI_CONCENTRATION_PAPER_MOL_CM3 * 96485.33212
    t0s = np.pi * D * (c0F / (2 * i)) ** 2
    table, summary = ec.sand_analysis(i, t0s)
    assert summary["diffusion_coefficient_cm2_s"] == pytest.approx(D, rel=1e-9)
    assert summary["diffusion_spread"] == pytest.approx(1.0)
    assert summary["r_squared"] == pytest.approx(1.0)
    # constant stripped charge (paper): t0 = Q/i -> D rises with i, spread >> 1
    t0q = 1.5 * 3.6 / i
    table, summary = ec.sand_analysis(i, t0q)
    assert summary["diffusion_spread"] == pytest.approx(50.0)
    np.testing.assert_allclose(table["sqrt_t0_s05"], np.sqrt(t0q))
    with pytest.raises(InputError, match="positive and finite"):
        ec.sand_analysis([0.1, 0.0], [1, 2])
