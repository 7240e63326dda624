"""The potentiostat trace that matches the lithium shown in the synthetic video.

Plating current is Faraday's law applied to the exact lithium volume of the
scene, ``I = -(F / V_m) dV/dt``, evaluated as the volume change over each
sampling interval (so the trapezoidal integral of the current reproduces the
volume), plus a small double-layer charging spike at each potential step and
Gaussian noise. At a short circuit the current jumps to 20x its largest
plating value and the potential collapses toward 0 V. Galvanostatic
stripping holds a constant anodic current; the overpotential is a constriction
term ``I / (4 sigma a(t))`` with the contact radius ``a`` vanishing at the
depletion time ``t0`` (so eta ~ 1/sqrt(1 - t/t0)) until the voltage limit.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from calibration import FARADAY_C_MOL, MOLAR_VOLUME_LI_CM3_MOL, UM3_PER_CM3

from ._scene import control_voltage, li_volume_um3, step_bounds

__all__ = ["trace_table", "VOLTAGE_LIMIT_V", "LLZO_CONDUCTIVITY_S_CM"]

#: Voltage limit of the galvanostatic stripping technique, V.
VOLTAGE_LIMIT_V = 5.0
#: Ionic conductivity of LLZO used for the constriction resistance, S/cm.
LLZO_CONDUCTIVITY_S_CM = 5.0e-4
#: Charge-transfer overpotential during stripping, V.
_ETA_CT_V = 0.05
_CAP_TAU_S = 0.2
_COLLAPSE_TAU_S = 0.1


def _faradaic_current(scene, tl, t_video, dt):
    """-(F/V_m) dV/dt from the volume change over [t - dt/2, t + dt/2], A."""
    vol = np.array([li_volume_um3(scene, tl, t) for t in np.append(t_video - dt / 2,
                                                                    t_video[-1] + dt / 2)])
    dvol_cm3 = np.diff(vol) / UM3_PER_CM3
    return -(FARADAY_C_MOL / MOLAR_VOLUME_LI_CM3_MOL) * dvol_cm3 / dt


def trace_table(scene, tl):
    """Potentiostat samples covering the video and more on both sides.

    Parameters
    ----------
    scene : Scene
    tl : Timeline
        From :func:`vision.synthetic._scene.timeline`.

    Returns
    -------
    pandas.DataFrame
        ``time_s`` on the trace clock (0 = acquisition start = video time
        ``-scene.sync_offset_s``), ``voltage_V`` (Ewe), ``current_A``
        (negative = plating), and ``control_V`` (potentiostatic) or
        ``control_A`` (galvanostatic stripping).
    """
    dt = 1.0 / scene.trace_rate_hz
    total = scene.sync_offset_s + scene.duration_s + scene.trace_tail_s
    t_trace = np.round(np.arange(int(math.floor(total * scene.trace_rate_hz)) + 1) * dt, 9)
    tm = scene.trace_model
    if tm is None:
        tv = t_trace - scene.sync_offset_s
    else:  # the potentiostat's clock runs (1 + ppm) as fast: its regular stamps are earlier
        tv = t_trace / (1.0 + 1e-6 * tm.clock_drift_ppm) - scene.sync_offset_s
    rng = np.random.default_rng([scene.seed, 31])
    i_far = _faradaic_current(scene, tl, tv, dt)
    if tm is not None:
        i_far = tm.unseen_factor * i_far
    noise_i = rng.normal(0.0, scene.current_noise_A, tv.size)
    noise_v = rng.normal(0.0, 1e-3, tv.size)
    if scene.stripping is not None:
        s = scene.stripping
        control = np.where((tv >= s.start_s) & (tv < s.t0_s), s.current_A, 0.0)
        current = i_far + noise_i
        r0_cm = scene.electrode_radius_px * scene.pixel_size_um * 1e-4
        frac = np.clip((tv - s.start_s) / (s.t0_s - s.start_s), 0.0, 1.0)
        with np.errstate(divide="ignore"):
            a_cm = r0_cm * np.sqrt(np.clip(1.0 - frac, 0.0, None))
            eta = _ETA_CT_V + s.current_A / (4.0 * LLZO_CONDUCTIVITY_S_CM * a_cm)
        volt = np.where(tv < s.start_s, scene.rest_voltage_V, np.minimum(eta, VOLTAGE_LIMIT_V))
        volt = np.where(tv >= s.t0_s, VOLTAGE_LIMIT_V, volt) + noise_v
        if tm is not None:
            current = current + tm.leakage_S * volt + tm.offset_A
        return pd.DataFrame({"time_s": t_trace, "voltage_V": volt, "current_A": current,
                             "control_A": control})
    control = control_voltage(scene, tv)
    cap = np.zeros_like(tv)
    prev = scene.rest_voltage_V
    for (start, _), (_, v) in zip(step_bounds(scene), scene.steps):
        on = tv >= start
        cap[on] += scene.capacitance_F * (v - prev) / _CAP_TAU_S * np.exp(-(tv[on] - start) / _CAP_TAU_S)
        prev = v
    current = i_far + cap + noise_i
    volt = control + noise_v
    if tl.short_circuit:
        after = tv >= tl.touchdown_s
        peak = max(float(np.max(np.abs(i_far))), 1e-9)
        ramp = 1.0 - np.exp(-(tv[after] - tl.touchdown_s) / _COLLAPSE_TAU_S)
        current[after] += -20.0 * peak * ramp
        collapsed = -0.02 + (control[after] + 0.02) * (1.0 - ramp)
        volt[after] = collapsed + noise_v[after]
    if tm is not None:
        current = current + tm.leakage_S * control + tm.offset_A
    return pd.DataFrame({"time_s": t_trace, "voltage_V": volt, "current_A": current,
                         "control_V": control})
