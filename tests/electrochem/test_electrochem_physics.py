"""Faraday's law, constriction, exchange current: the reference paper's numbers."""
import numpy as np
import pytest

import electrochem as ec
from calibration import InputError


def test_growth_rate_to_current_density_paper():
    # paper: 15 um/s locally -> "a local current density as high as 11 A/cm2"
    j = ec.current_density_from_growth_rate(15.0)
    assert 11.1 <= j <= 11.6
    assert j == pytest.approx(15e-4 * 96485.33212 / 13.0, rel=1e-12)
    assert ec.growth_rate_from_current_density(j) == pytest.approx(15.0, rel=1e-12)
    np.testing.assert_allclose(ec.growth_rate_from_current_density(
        ec.current_density_from_growth_rate(np.array([0.1, 1.0, -2.0]))), [0.1, 1.0, -2.0])


def test_volume_charge_round_trip():
    # 1 um^3 of Li = 1e-12 cm^3 / 13 cm^3/mol = 7.69e-14 mol -> 7.42e-9 C
    assert ec.charge_from_volume(1.0) == pytest.approx(7.4219e-9, rel=1e-4)
    v = np.array([1.0, 250.0, 3.3e4])
    np.testing.assert_allclose(ec.volume_from_charge(ec.charge_from_volume(v)), v, rtol=1e-12)


def test_constriction_diameter_paper():
    # paper: sigma = 5.0e-4 S/cm, R = 363.6 kOhm -> d = 27.5 um
    d = ec.diameter_from_constriction_resistance(363.6e3, conductivity_S_cm=5.0e-4)
    assert d == pytest.approx(27.5, abs=0.01)
    assert ec.constriction_resistance(d, conductivity_S_cm=5.0e-4) == pytest.approx(363.6e3, rel=1e-12)
    assert ec.contact_area_cm2(27.5) == pytest.approx(np.pi * (27.5e-4) ** 2 / 4)


def test_exchange_current_density_paper():
    # paper: R_CT below 0.8e-1 Ohm cm2 -> i0 > 300 mA/cm2
    i0 = ec.exchange_current_density(0.08)
    assert 0.30 < i0 < 0.33
    # theoretical R_CT = 2e-3 Ohm cm2 (paper ref. 28): i0 = RT/(F R_CT) = 12.8 A/cm2
    assert ec.exchange_current_density(2e-3) == pytest.approx(12.85, rel=2e-3)


def test_stripped_charge_thickness_and_monolayers_paper():
    # paper: 1-2 mAh/cm2 ~ (3-6) x 10^4 virtual monolayers, around 5-10 um
    th = ec.thickness_from_areal_charge(np.array([1.0, 2.0]))
    np.testing.assert_allclose(th, [4.85, 9.70], rtol=2e-3)
    ml = th * 1e3 / ec.MONOLAYER_THICKNESS_NM
    assert 3.0e4 <= ml[0] <= 3.3e4 and 6.0e4 <= ml[1] <= 6.6e4


def test_equation_2_current_density_from_initial_overpotential():
    sigma = 5.0e-4
    area = 2000e-8  # the paper's ~2000 um2 microelectrodes, in cm2
    d_cm = np.sqrt(4 * area / np.pi)
    r = 1 / (2 * sigma * d_cm)
    i0_a = 1e-6
    eta0 = i0_a * r
    assert ec.electrode_area_from_initial_overpotential(i0_a, eta0, conductivity_S_cm=sigma) == pytest.approx(area)
    j = ec.current_density_from_initial_overpotential(i0_a, initial_current_A=i0_a,
                                                      initial_overpotential_V=eta0, conductivity_S_cm=sigma)
    assert j == pytest.approx(16 * sigma ** 2 * eta0 ** 2 / (np.pi * i0_a))
    assert j == pytest.approx(0.05)  # 1 uA on 2000 um2 = 50 mA/cm2


@pytest.mark.parametrize("call, match", [
    (lambda: ec.diameter_from_constriction_resistance(-1, conductivity_S_cm=5e-4), "resistance_ohm must be positive"),
    (lambda: ec.diameter_from_constriction_resistance(1e5, conductivity_S_cm=0), "conductivity_S_cm must be positive"),
    (lambda: ec.contact_area_cm2(np.nan), "diameter_um must be positive"),
    (lambda: ec.exchange_current_density(0), "charge_transfer_resistance_ohm_cm2 must be positive"),
])
def test_bad_values(call, match):
    with pytest.raises(InputError, match=match):
        call()
