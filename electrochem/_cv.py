"""Cyclic voltammetry on a microelectrode: linearity of I(eta), hysteresis."""
from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import ArrayLike

from calibration import InputError

from ._physics import diameter_from_constriction_resistance

__all__ = ["CVLinearFit", "cv_hysteresis", "cv_linear_fit"]


def _xy(voltage_V, current_A, name="voltage_V"):
    v = np.asarray(voltage_V, dtype=float).ravel()
    i = np.asarray(current_A, dtype=float).ravel()
    if v.shape != i.shape:
        raise InputError(f"{name} and current_A must have the same length; "
                         f"got {v.size} and {i.size}")
    ok = np.isfinite(v) & np.isfinite(i)
    if ok.sum() < 3:
        raise InputError("a CV analysis needs at least 3 finite (voltage, "
                         "current) points; is there a current column?")
    return v[ok], i[ok]


@dataclasses.dataclass
class CVLinearFit:
    """Linear fit I = slope * eta + intercept.

    Attributes
    ----------
    slope_S : float
        dI/d(eta) in A/V.
    intercept_A : float
    r_squared : float
    resistance_ohm : float
        1 / slope: the constriction (IR) resistance when kinetics are
        ohmic, as in the reference paper's Figure 1d.
    diameter_um : float or None
        Contact diameter d = 1/(2 sigma R) if a conductivity was given.
    n_points : int
    """

    slope_S: float
    intercept_A: float
    r_squared: float
    resistance_ohm: float
    diameter_um: float | None
    n_points: int


def cv_linear_fit(
    overpotential_V: ArrayLike,
    current_A: ArrayLike,
    *,
    eta_range_V: tuple[float, float] | None = None,
    conductivity_S_cm: float | None = None,
) -> CVLinearFit:
    """Fit current against overpotential with a straight line.

    Parameters
    ----------
    overpotential_V : (N,) array_like
        eta in V (for Li|LLZO|Li, the working-electrode potential vs the Li
        counter/reference electrode).
    current_A : (N,) array_like
    eta_range_V : (float, float), optional
        Fit only points with eta in this range.
    conductivity_S_cm : float, optional
        Electrolyte conductivity; gives the contact diameter from the slope.

    Returns
    -------
    CVLinearFit
    """
    eta, i = _xy(overpotential_V, current_A, "overpotential_V")
    if eta_range_V is not None:
        lo, hi = sorted(eta_range_V)
        sel = (eta >= lo) & (eta <= hi)
        if sel.sum() < 3:
            raise InputError(f"fewer than 3 points with overpotential in "
                             f"[{lo}, {hi}] V; widen eta_range_V")
        eta, i = eta[sel], i[sel]
    if np.ptp(eta) == 0:
        raise InputError("the overpotential does not vary; not a sweep")
    slope, intercept = np.polyfit(eta, i, 1)
    pred = slope * eta + intercept
    ss_res = float(np.sum((i - pred) ** 2))
    ss_tot = float(np.sum((i - i.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    resistance = 1.0 / slope if slope != 0 else float("inf")
    d = None
    if conductivity_S_cm is not None and np.isfinite(resistance) and resistance > 0:
        d = diameter_from_constriction_resistance(resistance, conductivity_S_cm=conductivity_S_cm)
    return CVLinearFit(slope_S=float(slope), intercept_A=float(intercept),
                       r_squared=float(r2), resistance_ohm=float(resistance),
                       diameter_um=d, n_points=int(eta.size))


def cv_hysteresis(voltage_V: ArrayLike, current_A: ArrayLike, *, n_grid: int = 200) -> dict:
    """Hysteresis between the anodic (rising potential) and cathodic scans.

    The points are split by the sign of the potential change; both branches
    are interpolated on a common potential grid over their overlap.

    Parameters
    ----------
    voltage_V, current_A : (N,) array_like
        In the order measured.
    n_grid : int

    Returns
    -------
    dict
        ``max_current_gap_A`` (largest |I_anodic - I_cathodic|),
        ``loop_area_W`` (integral of |I_a - I_c| dV over the overlap, in
        A*V), ``relative_hysteresis`` (loop area / (potential span * max
        |I|), 0 for a perfectly linear, reversible response),
        ``overlap_V`` (the potential range compared).
    """
    v, i = _xy(voltage_V, current_A)
    dv = np.diff(v)
    up = np.concatenate([dv > 0, [dv[-1] > 0]])
    down = np.concatenate([dv < 0, [dv[-1] < 0]])
    if up.sum() < 2 or down.sum() < 2:
        raise InputError("the potential is not swept up and down; hysteresis "
                         "needs an anodic and a cathodic scan")

    def branch(mask):
        vb, ib = v[mask], i[mask]
        order = np.argsort(vb, kind="stable")
        vb, ib = vb[order], ib[order]
        # average duplicates (several cycles) on the same potential
        uv, inv = np.unique(vb, return_inverse=True)
        ui = np.bincount(inv, weights=ib) / np.bincount(inv)
        return uv, ui

    va, ia = branch(up)
    vc, ic = branch(down)
    lo, hi = max(va[0], vc[0]), min(va[-1], vc[-1])
    if not hi > lo:
        raise InputError("the anodic and cathodic scans do not overlap in potential")
    grid = np.linspace(lo, hi, n_grid)
    gap = np.interp(grid, va, ia) - np.interp(grid, vc, ic)
    area = float(np.trapezoid(np.abs(gap), grid))
    imax = float(np.max(np.abs(i)))
    rel = area / ((hi - lo) * imax) if imax > 0 else 0.0
    return {"max_current_gap_A": float(np.max(np.abs(gap))), "loop_area_W": area,
            "relative_hysteresis": rel, "overlap_V": (float(lo), float(hi))}
