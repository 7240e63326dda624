"""What a potentiostat file holds and the analyses that apply to it.

:func:`summarize_trace` returns a JSON-ready dict; the text rendering for
``semtrack trace`` lives apart, in :mod:`electrochem._format`.
"""
from __future__ import annotations

import logging
import math

import numpy as np

from calibration import InputError

from ._cv import cv_hysteresis, cv_linear_fit
from ._eis import charge_transfer_resistance_bound, fit_rc, kk_frequency_cutoff, lin_kk
from ._physics import (
    contact_area_cm2,
    diameter_from_constriction_resistance,
    electrode_area_from_initial_overpotential,
    exchange_current_density,
)
from ._steps import detect_short_circuit, split_steps
from ._stripping import depletion_time, initial_overpotential, stripped_charge
from ._trace import Trace

logger = logging.getLogger(__name__)

__all__ = ["summarize_trace"]

#: EC-Lab writes this electrode area when the user did not set one.
ECLAB_DEFAULT_AREA_CM2 = 0.001


def _clean(x):
    """Make numbers JSON-safe: numpy scalars to Python, NaN/inf to None."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return [_clean(v) for v in x.tolist()]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else None
    return x


def _range(values):
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None
    return [float(v.min()), float(v.max())]


def summarize_trace(
    trace: Trace,
    *,
    conductivity_S_cm: float | None = None,
    area_cm2: float | None = None,
    f_min_Hz: float | None = None,
    kk_max_residual: float = 0.02,
    cpe: bool = False,
    temperature_K: float = 298.15,
) -> dict:
    """Describe a trace and run the analyses that apply to it.

    Parameters
    ----------
    trace : Trace
        From :func:`electrochem.read_trace`.
    conductivity_S_cm : float, optional
        Electrolyte conductivity; enables contact diameters/areas from
        constriction resistances (EIS R1, CV slope, Equation (2)).
    area_cm2 : float, optional
        Electrode contact area; overrides the file's and the ones derived
        from constriction resistances.
    f_min_Hz : float, optional
        EIS: lowest frequency to fit (default: the Lin-KK cutoff).
    kk_max_residual : float
        EIS: Lin-KK residual limit for the low-frequency cutoff.
    cpe : bool
        EIS: fit R1 || CPE instead of R1 || C1.
    temperature_K : float
        For the exchange current density.

    Returns
    -------
    dict
        ``file`` (what the file holds) and ``analyses`` (a dict per
        analysis that applies; an analysis that could not run holds
        ``{"error": message}``), JSON-ready (NaN as None).
    """
    d = trace.data
    t = d["time_s"].to_numpy(dtype=float)
    has_current = bool(np.isfinite(d["current_A"].to_numpy(dtype=float)).any())
    file_area = trace.electrode_area_cm2
    info = {
        "path": str(trace.path) if trace.path else None,
        "format": trace.path.suffix.lower().lstrip(".") if trace.path else None,
        "technique": trace.technique,
        "start_time": trace.start_time.isoformat(sep=" ") if trace.start_time else None,
        "electrode_area_cm2": file_area,
        "n_points": int(len(d)),
        "time_range_s": _range(t),
        "voltage_range_V": _range(d["voltage_V"]),
        "current_range_A": _range(d["current_A"]) if has_current else None,
        "columns": [str(c) for c in d.columns],
    }
    notes = list(getattr(trace, "warnings", []) or [])
    if file_area is not None and abs(file_area - ECLAB_DEFAULT_AREA_CM2) < 1e-12:
        notes.append("the file's electrode area 0.001 cm2 is EC-Lab's default; "
                     "give --area-cm2 if it was not set on purpose")
    for ctl in ("control_V", "control_A"):
        if ctl in d.columns:
            vals = np.unique(np.round(d[ctl].dropna().to_numpy(dtype=float), 12))
            if vals.size <= 20:
                info[f"{ctl}_values"] = vals.tolist()
            else:
                info[f"{ctl}_values"] = None
                info[f"{ctl}_distinct"] = int(vals.size)
                info[f"{ctl}_range"] = [float(vals[0]), float(vals[-1])]
    analyses = {}
    contact_area = area_cm2

    def run(name, func):
        try:
            result = func()
        except InputError as exc:
            analyses[name] = {"error": exc.message}
            return None
        if result is not None:
            analyses[name] = result
        return result

    is_eis = {"frequency_Hz", "z_real_ohm", "z_imag_ohm"} <= set(d.columns)
    if is_eis:
        res = run("eis", lambda: _eis(d, conductivity_S_cm, area_cm2 or file_area, f_min_Hz,
                                      kk_max_residual, cpe, temperature_K))
        if res and contact_area is None and res.get("contact_area_cm2"):
            contact_area = res["contact_area_cm2"]
    else:
        if trace.technique in ("CV", "LSV") and has_current:
            run("cv", lambda: _cv(d, conductivity_S_cm))
        is_sweep = trace.technique in ("CV", "LSV")
        if is_sweep:
            pass  # the control is a ramp, not steps
        elif "control_V" in d.columns and has_current:
            run("steps", lambda: _steps(d, "control_V"))
        elif "control_A" in d.columns and has_current:
            run("steps", lambda: _steps(d, "control_A"))
        galvano = (trace.technique in ("CP", "GCPL") or
                   ("control_A" in d.columns and "control_V" not in d.columns))
        n_set = (np.unique(d["control_A"].dropna().to_numpy()).size
                 if "control_A" in d.columns else 0)
        # one galvanostatic step (stripping/plating); a cycling protocol with
        # several set currents gets the steps table only
        if galvano and has_current and (trace.technique == "CP" or n_set <= 1):
            run("stripping", lambda: _stripping(d, conductivity_S_cm, area_cm2 or file_area))
        if has_current and len(d) >= 10:  # fewer points cannot show a short
            run("short_circuit", lambda: {"time_s": detect_short_circuit(d)})
    if contact_area is None and area_cm2 is None and not is_eis:
        if not conductivity_S_cm and not file_area:
            notes.append("give --conductivity (S/cm) or --area-cm2 for current densities")
    out = {"file": info, "analyses": analyses, "notes": notes}
    return _clean(out)


def _eis(d, sigma, area_cm2, f_min_Hz, kk_max_residual, cpe, temperature_K):
    f = d["frequency_Hz"].to_numpy(dtype=float)
    z = d["z_real_ohm"].to_numpy(dtype=float) + 1j * d["z_imag_ohm"].to_numpy(dtype=float)
    kk = lin_kk(f, z)
    cut, excluded = kk_frequency_cutoff(kk, max_residual=kk_max_residual)
    f_fit = f_min_Hz if f_min_Hz is not None else cut
    fit = fit_rc(f, z, f_min_Hz=f_fit, cpe=cpe)
    out = {
        "frequency_range_Hz": _range(f),
        "lin_kk": {"n_rc": kk.n_rc, "mu": kk.mu, "max_residual": kk.max_residual,
                   "rms_residual": float(np.sqrt(np.mean(np.concatenate(
                       [kk.residual_real, kk.residual_imag]) ** 2))),
                   "cutoff_Hz": cut, "n_excluded": int(excluded.size),
                   "max_residual_limit": kk_max_residual},
        "fit": {"model": "R0 + (R1 || CPE)" if cpe else "R0 + (R1 || C1)",
                "f_min_Hz": fit.frequency_range_Hz[0], "n_points": fit.n_points,
                "r0_ohm": fit.r0_ohm, "r0_stderr_ohm": fit.r0_stderr_ohm,
                "r1_ohm": fit.r1_ohm, "r1_stderr_ohm": fit.r1_stderr_ohm,
                "c1_F": fit.c1_F, "cpe_exponent": fit.cpe_exponent,
                "relative_residual_rms": fit.relative_residual_rms},
    }
    if sigma:
        dia = diameter_from_constriction_resistance(fit.r1_ohm, conductivity_S_cm=sigma)
        out["contact_diameter_um"] = dia
        out["contact_area_cm2"] = contact_area_cm2(dia)
    area = area_cm2 or out.get("contact_area_cm2")
    r_ct, f_ct = charge_transfer_resistance_bound(fit, f, z, f_min_Hz=fit.frequency_range_Hz[0])
    if r_ct is not None:
        out["r_ct_upper_bound_ohm"] = r_ct
        out["r_ct_bound_frequency_Hz"] = f_ct
        if area:
            out["r_ct_upper_bound_ohm_cm2"] = r_ct * area
            if r_ct > 0:
                out["i0_lower_bound_A_cm2"] = exchange_current_density(
                    r_ct * area, temperature_K=temperature_K)
    return out


def _cv(d, sigma):
    v = d["voltage_V"].to_numpy(dtype=float)
    i = d["current_A"].to_numpy(dtype=float)
    fit = cv_linear_fit(v, i, conductivity_S_cm=sigma)
    out = {"slope_S": fit.slope_S, "r_squared": fit.r_squared,
           "resistance_ohm": fit.resistance_ohm, "n_points": fit.n_points}
    if fit.diameter_um is not None:
        out["contact_diameter_um"] = fit.diameter_um
        out["contact_area_cm2"] = contact_area_cm2(fit.diameter_um)
    try:
        out["hysteresis"] = cv_hysteresis(v, i)
    except InputError as exc:
        out["hysteresis"] = {"error": exc.message}
    return out


def _steps(d, control):
    table = split_steps(d, control=control)
    if len(table) == 0:
        return None
    return {"n_steps": int(len(table)), "table": table.to_dict(orient="records")}


def _stripping(d, sigma, area_cm2):
    out = {}
    t0 = depletion_time(d)
    out["depletion_time_s"] = t0
    i = d["current_A"].to_numpy(dtype=float)
    i_med = float(np.nanmedian(i))
    out["current_A"] = i_med
    eta0 = initial_overpotential(d)
    out["initial_overpotential_V"] = eta0
    area = area_cm2
    if sigma and i_med != 0 and eta0 > 0:
        eq2_area = electrode_area_from_initial_overpotential(i_med, eta0, conductivity_S_cm=sigma)
        out["area_equation2_cm2"] = eq2_area
        area = area or eq2_area
    if area:
        out["area_used_cm2"] = area
        out["current_density_A_cm2"] = i_med / area
        if t0 is not None:
            out.update(stripped_charge(d, area_cm2=area, t_end_s=t0))
    return out
