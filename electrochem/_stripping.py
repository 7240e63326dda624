"""Galvanostatic stripping: depletion time, Sand's equation, stripped charge."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from calibration import FARADAY_C_MOL, MOLAR_VOLUME_LI_CM3_MOL, InputError

from ._physics import thickness_from_areal_charge

logger = logging.getLogger(__name__)

__all__ = [
    "LI_CONCENTRATION_PAPER_MOL_CM3",
    "MONOLAYER_THICKNESS_NM",
    "depletion_time",
    "initial_overpotential",
    "sand_analysis",
    "stripped_charge",
]

#: Initial lithium concentration c0 used in the paper's Sand analysis
#: (69.6 mmol/cm^3).
LI_CONCENTRATION_PAPER_MOL_CM3 = 69.6e-3

#: Thickness of one "virtual monolayer" of lithium, nm. 0.152 nm (the
#: metallic radius of Li) reproduces the paper's "(3-6) x 10^4 virtual
#: monolayers (5-10 um)" for 1-2 mAh/cm^2.
MONOLAYER_THICKNESS_NM = 0.152


def _tv(data, reference_V):
    for col in ("time_s", "voltage_V"):
        if col not in data.columns:
            raise InputError(f"the trace has no {col} column")
    t = data["time_s"].to_numpy(dtype=float)
    v = data["voltage_V"].to_numpy(dtype=float)
    ok = np.isfinite(t) & np.isfinite(v)
    return t[ok], np.abs(v[ok] - reference_V), ok


def initial_overpotential(data: pd.DataFrame, *, reference_V: float = 0.0, n_points: int = 5) -> float:
    """Overpotential at the start of a galvanostatic step, V.

    The median of |V - reference| over the first ``n_points`` points
    (after the first, which may still be at rest).
    """
    t, eta, _ = _tv(data, reference_V)
    if eta.size < 2:
        raise InputError("too few points for an initial overpotential")
    return float(np.median(eta[1:1 + n_points]))


def depletion_time(
    data: pd.DataFrame,
    *,
    reference_V: float = 0.0,
    smooth_points: int | None = None,
    min_rise: float = 2.0,
) -> float | None:
    """Depletion time t0 of galvanostatic stripping (overpotential diverges).

    Robust tangent construction, no fixed voltage threshold: the
    overpotential eta = |V - reference| is median-filtered; the rise is the
    tangent at the steepest point; the baseline is a straight line fitted to
    the slowly rising part (the first two thirds of the time before the rise
    reaches half its steepest slope); t0 is where the two lines intersect.
    For a kink into a straight rise that is the kink; for an exponential
    divergence it lies a few percent after the exponential term becomes
    visible. A first point still at rest (below half the overpotential of the next
    three; :func:`initial_overpotential` allows it) is left out: its step up to the
    ohmic overpotential is no divergence.

    Parameters
    ----------
    data : pandas.DataFrame
        ``time_s`` (trace clock), ``voltage_V``.
    reference_V : float
        Equilibrium potential (0 V for Li vs a Li counter electrode).
    smooth_points : int, optional
        Median-filter width (default: 1 % of the points, at least 3, odd).
    min_rise : float
        The rise is a divergence only if eta after the onset reaches at
        least ``min_rise`` times the baseline; otherwise None.

    Returns
    -------
    float or None
        t0 on the trace clock (s), or None if the overpotential does not
        diverge.
    """
    t, eta, _ = _tv(data, reference_V)
    if eta.size > 1 and eta[0] < 0.5 * np.median(eta[1:4]):
        # the first point may still be at rest (as initial_overpotential allows): no part
        # of the baseline, and its step up to the ohmic overpotential would be the steepest
        t, eta = t[1:], eta[1:]
    n = eta.size
    if n < 10:
        return None
    w = smooth_points or max(3, int(0.01 * n))
    w = w + 1 - w % 2
    from scipy.ndimage import median_filter  # scipy.ndimage when this runs

    es = median_filter(eta, size=w, mode="nearest")
    # slope on a grid of about w points to beat noise
    step = max(1, w // 2)
    idx = np.arange(0, n, step)
    tg, eg = t[idx], es[idx]
    dt = np.diff(tg)
    if np.any(dt <= 0):
        keep = np.concatenate([[True], dt > 0])
        tg, eg = tg[keep], eg[keep]
    if tg.size < 5:
        return None
    slope = np.diff(eg) / np.diff(tg)
    k = int(np.argmax(slope))
    s_max = slope[k]
    # tangent: least-squares line through the smoothed points of the steepest grid
    # step and the next (the step before it may be the baseline's last: on a kink into a
    # straight rise, ties of the slope go to the first rise step, and that baseline step
    # tilted the tangent, t0 3.6-7 % early on records of 17-33 points)
    around = (t >= tg[k]) & (t <= tg[min(k + 2, tg.size - 1)])
    s_k, c_k = np.polyfit(t[around], es[around], 1)
    t_k = 0.5 * (tg[k] + tg[k + 1])
    e_k = c_k + s_k * t_k
    # onset of the steep part: first grid step with half the maximum slope;
    # the baseline ends well before it, so no part of the rise biases it
    k_on = int(np.argmax(slope >= 0.5 * s_max))
    t_on = tg[k_on]
    base = t < t_on - (t_on - t[0]) / 3.0
    if base.sum() < 3:
        return None
    b, a = np.polyfit(t[base], es[base], 1)
    if s_k <= max(b, 0) * 5:
        return None
    baseline_at_k = a + b * t_k
    if not (baseline_at_k > 0 and np.max(es[t >= t_on]) >= min_rise * baseline_at_k):
        return None
    t0 = (e_k - s_k * t_k - a) / (b - s_k)
    return float(np.clip(t0, t[0], t_k))


def stripped_charge(
    data: pd.DataFrame,
    *,
    area_cm2: float,
    t_end_s: float | None = None,
    monolayer_thickness_nm: float = MONOLAYER_THICKNESS_NM,
    molar_volume_cm3_mol: float = MOLAR_VOLUME_LI_CM3_MOL,
) -> dict:
    """Charge passed until ``t_end_s`` (e.g. the depletion time), per area.

    Parameters
    ----------
    data : pandas.DataFrame
        ``time_s`` (trace clock), ``current_A``.
    area_cm2 : float
        Electrode contact area.
    t_end_s : float, optional
        Integrate up to this trace time (default: the whole trace).

    Returns
    -------
    dict
        ``charge_C`` (|integral I dt|), ``areal_charge_mAh_cm2``,
        ``thickness_um`` (uniform Li layer of that charge),
        ``monolayers`` (thickness / ``monolayer_thickness_nm``).
    """
    if not area_cm2 or not area_cm2 > 0:
        raise InputError(f"area_cm2 must be positive; got {area_cm2!r}")
    for col in ("time_s", "current_A"):
        if col not in data.columns:
            raise InputError(f"the trace has no {col} column")
    t = data["time_s"].to_numpy(dtype=float)
    i = data["current_A"].to_numpy(dtype=float)
    ok = np.isfinite(t) & np.isfinite(i)
    if t_end_s is not None:
        ok &= t <= t_end_s
    t, i = t[ok], i[ok]
    if t.size < 2:
        raise InputError("fewer than 2 points with current before t_end_s")
    q = abs(float(np.trapezoid(i, t)))
    q_areal = q / 3.6 / area_cm2
    thick = thickness_from_areal_charge(q_areal, molar_volume_cm3_mol=molar_volume_cm3_mol)
    return {"charge_C": q, "areal_charge_mAh_cm2": q_areal, "thickness_um": thick,
            "monolayers": thick * 1e3 / monolayer_thickness_nm}


def sand_analysis(current_density_A_cm2: ArrayLike, depletion_time_s: ArrayLike, *,
                  concentration_mol_cm3: float = LI_CONCENTRATION_PAPER_MOL_CM3) -> pd.DataFrame:
    """Sand's equation t0^(1/2) = (pi D)^(1/2) c0 F / (2 i) on several runs.

    Parameters
    ----------
    current_density_A_cm2 : (N,) array_like
        |i| of each galvanostatic run.
    depletion_time_s : (N,) array_like
        t0 of each run (e.g. from :func:`depletion_time`).
    concentration_mol_cm3 : float
        c0 (paper: 69.6 mmol/cm^3).

    Returns
    -------
    table : pandas.DataFrame
        Per run: ``current_density_A_cm2``, ``inverse_current_density_cm2_A``,
        ``sqrt_t0_s05``, ``diffusion_coefficient_cm2_s`` (D from that run
        alone: D = 4 i^2 t0 / (pi c0^2 F^2)).
    summary : dict
        ``slope_s05_A_cm2`` and ``r_squared`` of t0^(1/2) against 1/i
        (least squares through the origin, as Sand's equation has no
        offset), ``diffusion_coefficient_cm2_s`` from that slope,
        ``diffusion_spread`` (max/min of the per-run D; 1 for data that
        obey Sand's equation; the paper finds orders of magnitude).
    """
    i = np.abs(np.asarray(current_density_A_cm2, dtype=float).ravel())
    t0 = np.asarray(depletion_time_s, dtype=float).ravel()
    if i.shape != t0.shape or i.size < 1:
        raise InputError("give one depletion time per current density")
    if np.any(~np.isfinite(i)) or np.any(i <= 0) or np.any(~np.isfinite(t0)) or np.any(t0 <= 0):
        raise InputError("current densities and depletion times must be positive and finite")
    c0 = float(concentration_mol_cm3)
    d_run = 4 * i ** 2 * t0 / (np.pi * c0 ** 2 * FARADAY_C_MOL ** 2)
    x = 1.0 / i
    y = np.sqrt(t0)
    slope = float(np.sum(x * y) / np.sum(x * x))
    ss_res = float(np.sum((y - slope * x) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 and i.size > 2 else float("nan")
    d_fit = (2 * slope / (c0 * FARADAY_C_MOL)) ** 2 / np.pi
    table = pd.DataFrame({"current_density_A_cm2": i, "inverse_current_density_cm2_A": x,
                          "sqrt_t0_s05": y, "diffusion_coefficient_cm2_s": d_run})
    return table, {"slope_s05_A_cm2": slope, "r_squared": r2,
                   "diffusion_coefficient_cm2_s": float(d_fit),
                   "diffusion_spread": float(d_run.max() / d_run.min())}
