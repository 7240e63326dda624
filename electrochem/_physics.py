"""Faraday's law and current constriction at a circular microelectrode.

All functions work on scalars or numpy arrays (elementwise). Quantities as
in Krauskopf et al. (reference paper): molar volume of lithium
V_m = 13.0 cm^3/mol, constriction resistance R = 1/(2 sigma d) of a circular
contact of diameter d on an ion conductor of conductivity sigma.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from calibration import (
    CM_PER_UM,
    FARADAY_C_MOL,
    GAS_CONSTANT_J_MOL_K,
    MOLAR_VOLUME_LI_CM3_MOL,
    ROOM_TEMPERATURE_K,
    UM3_PER_CM3,
    InputError,
)

__all__ = [
    "charge_from_volume",
    "constriction_resistance",
    "contact_area_cm2",
    "current_density_from_growth_rate",
    "current_density_from_initial_overpotential",
    "diameter_from_constriction_resistance",
    "electrode_area_from_initial_overpotential",
    "exchange_current_density",
    "growth_rate_from_current_density",
    "thickness_from_areal_charge",
    "volume_from_charge",
]


def _positive(name, value):
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise InputError(f"{name} must be positive and finite; got {value!r}")
    return arr


def _out(x):
    return float(x) if np.ndim(x) == 0 else x


def current_density_from_growth_rate(
    rate_um_s: ArrayLike,
    *,
    molar_volume_cm3_mol: float = MOLAR_VOLUME_LI_CM3_MOL,
) -> float | np.ndarray:
    """Local current density that grows lithium at a given speed (Faraday).

    j = v F / V_m, with v in cm/s.

    Parameters
    ----------
    rate_um_s : float or ndarray
        Growth speed normal to the growing face, in um/s.
    molar_volume_cm3_mol : float
        Molar volume of the deposit, cm^3/mol (lithium: 13.0).

    Returns
    -------
    float or ndarray
        Current density in A/cm^2 (same sign as the rate). 15 um/s gives
        11.1 A/cm^2, the paper's "as high as 11 A cm^-2".
    """
    v = np.asarray(rate_um_s, dtype=float) * CM_PER_UM
    return _out(v * FARADAY_C_MOL / _positive("molar_volume_cm3_mol", molar_volume_cm3_mol))


def growth_rate_from_current_density(
    j_A_cm2: ArrayLike,
    *,
    molar_volume_cm3_mol: float = MOLAR_VOLUME_LI_CM3_MOL,
) -> float | np.ndarray:
    """Growth speed in um/s for a current density in A/cm^2 (inverse of
    :func:`current_density_from_growth_rate`)."""
    j = np.asarray(j_A_cm2, dtype=float)
    v_cm_s = j * _positive("molar_volume_cm3_mol", molar_volume_cm3_mol) / FARADAY_C_MOL
    return _out(v_cm_s / CM_PER_UM)


def charge_from_volume(
    volume_um3: ArrayLike,
    *,
    molar_volume_cm3_mol: float = MOLAR_VOLUME_LI_CM3_MOL,
) -> float | np.ndarray:
    """Charge in C to plate (or strip) a volume of lithium given in um^3."""
    v_cm3 = np.asarray(volume_um3, dtype=float) / UM3_PER_CM3
    return _out(v_cm3 / _positive("molar_volume_cm3_mol", molar_volume_cm3_mol) * FARADAY_C_MOL)


def volume_from_charge(
    charge_C: ArrayLike,
    *,
    molar_volume_cm3_mol: float = MOLAR_VOLUME_LI_CM3_MOL,
) -> float | np.ndarray:
    """Volume of lithium in um^3 that a charge in C plates (or strips)."""
    q = np.asarray(charge_C, dtype=float)
    return _out(q / FARADAY_C_MOL * _positive("molar_volume_cm3_mol", molar_volume_cm3_mol) * UM3_PER_CM3)


def thickness_from_areal_charge(
    charge_mAh_cm2: ArrayLike,
    *,
    molar_volume_cm3_mol: float = MOLAR_VOLUME_LI_CM3_MOL,
) -> float | np.ndarray:
    """Thickness of a uniform lithium layer in um for an areal charge in
    mAh/cm^2 (1 mAh/cm^2 is 4.85 um)."""
    q_c_cm2 = np.asarray(charge_mAh_cm2, dtype=float) * 3.6
    return _out(q_c_cm2 / FARADAY_C_MOL * _positive("molar_volume_cm3_mol", molar_volume_cm3_mol) / CM_PER_UM)


def diameter_from_constriction_resistance(resistance_ohm: ArrayLike, *, conductivity_S_cm: float) -> float | np.ndarray:
    """Diameter of a circular contact from its constriction resistance.

    d = 1 / (2 sigma R) (Newman; the reference paper's R_bulk = (2 sigma d)^-1).

    Parameters
    ----------
    resistance_ohm : float or ndarray
        Constriction (spreading) resistance in ohm.
    conductivity_S_cm : float
        Ionic conductivity of the solid electrolyte in S/cm.

    Returns
    -------
    float or ndarray
        Diameter in um. sigma = 5.0e-4 S/cm, R = 363.6 kOhm gives 27.5 um.
    """
    r = _positive("resistance_ohm", resistance_ohm)
    s = _positive("conductivity_S_cm", conductivity_S_cm)
    return _out(1.0 / (2.0 * s * r) / CM_PER_UM)


def constriction_resistance(diameter_um: ArrayLike, *, conductivity_S_cm: float) -> float | np.ndarray:
    """Constriction resistance in ohm of a circular contact of diameter
    ``diameter_um`` (um) on an electrolyte of conductivity ``conductivity_S_cm``."""
    d = _positive("diameter_um", diameter_um) * CM_PER_UM
    s = _positive("conductivity_S_cm", conductivity_S_cm)
    return _out(1.0 / (2.0 * s * d))


def contact_area_cm2(diameter_um: ArrayLike) -> float | np.ndarray:
    """Area in cm^2 of a circular contact of diameter ``diameter_um`` (um)."""
    d = _positive("diameter_um", diameter_um) * CM_PER_UM
    return _out(np.pi * d ** 2 / 4.0)


def exchange_current_density(
    charge_transfer_resistance_ohm_cm2: ArrayLike,
    *,
    temperature_K: float = ROOM_TEMPERATURE_K,
) -> float | np.ndarray:
    """Exchange current density i0 = RT / (F R_CT) in A/cm^2.

    Parameters
    ----------
    charge_transfer_resistance_ohm_cm2 : float or ndarray
        Area-specific charge-transfer resistance, ohm cm^2. An upper bound
        of R_CT gives a lower bound of i0 (paper: R_CT < 0.08 ohm cm^2, so
        i0 > 0.3 A/cm^2).
    temperature_K : float
    """
    r = _positive("charge_transfer_resistance_ohm_cm2", charge_transfer_resistance_ohm_cm2)
    t = _positive("temperature_K", temperature_K)
    return _out(GAS_CONSTANT_J_MOL_K * t / (FARADAY_C_MOL * r))


def electrode_area_from_initial_overpotential(
    initial_current_A: float,
    initial_overpotential_V: float,
    *,
    conductivity_S_cm: float,
) -> float | np.ndarray:
    """Contact area in cm^2 from the initial ohmic (constriction) response.

    A = pi I0^2 / (16 sigma^2 eta0^2): from R = eta0/I0 = 1/(2 sigma d) and
    A = pi d^2/4 (the reference paper's Equation (2)).
    """
    i0 = np.abs(np.asarray(initial_current_A, dtype=float))
    eta0 = np.abs(np.asarray(initial_overpotential_V, dtype=float))
    _positive("|initial_current_A|", i0)
    _positive("|initial_overpotential_V|", eta0)
    s = _positive("conductivity_S_cm", conductivity_S_cm)
    return _out(np.pi * i0 ** 2 / (16.0 * s ** 2 * eta0 ** 2))


def current_density_from_initial_overpotential(
    current_A: ArrayLike,
    *,
    initial_current_A: float,
    initial_overpotential_V: float,
    conductivity_S_cm: float,
) -> float | np.ndarray:
    """Current density by the paper's Equation (2), i = 16 sigma^2 eta0^2 I / (pi I0^2).

    For a galvanostatic step (I = I0) this is i = 16 sigma^2 eta0^2 / (pi I0).

    Parameters
    ----------
    current_A : float or ndarray
        Current in A (sign kept).
    initial_current_A, initial_overpotential_V : float
        Current and overpotential at the start of the step, where the
        contact is still intact and the response is the constriction IR drop.
    conductivity_S_cm : float

    Returns
    -------
    float or ndarray
        Current density in A/cm^2.
    """
    area = electrode_area_from_initial_overpotential(
        initial_current_A, initial_overpotential_V, conductivity_S_cm=conductivity_S_cm)
    return _out(np.asarray(current_A, dtype=float) / area)
