"""Text rendering of a trace summary for ``semtrack trace``.

Kept apart from the science (:mod:`electrochem._summary` computes, this
module only formats), so that the analyses return numbers and the command
line decides how to show them.
"""
from __future__ import annotations

__all__ = ["format_summary"]


def _fmt(x, unit="", digits=4):
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}g} {unit}".rstrip()
    return f"{x} {unit}".rstrip()


def format_summary(summary: dict) -> str:
    """Render :func:`electrochem.summarize_trace` output as readable text.

    Parameters
    ----------
    summary : dict
        As returned by :func:`electrochem.summarize_trace`.

    Returns
    -------
    str
        Several lines, no trailing newline. Every time is labelled with its
        clock: the trace clock (the potentiostat's ``time/s``, 0 s at its
        acquisition start).
    """
    f = summary["file"]
    lines = [f"{f['path']}"]
    lines.append(f"  format      {f['format']}   technique {f['technique'] or 'unknown'}")
    lines.append(f"  started     {f['start_time'] or 'not in file'}"
                 + ("  (trace clock 0 s; instrument's local time)" if f["start_time"] else ""))
    lines.append(f"  area        {_fmt(f['electrode_area_cm2'], 'cm2') if f['electrode_area_cm2'] else 'not in file'}")
    tr = f["time_range_s"]
    span = (f"{tr[0]:.6g} .. {tr[1]:.6g} s on the trace clock ({tr[1] - tr[0]:.6g} s)"
            if tr else "none (no data rows)")
    lines.append(f"  points      {f['n_points']}   time {span}")
    vr = f["voltage_range_V"]
    lines.append(f"  voltage     {vr[0]:.4g} .. {vr[1]:.4g} V" if vr else "  voltage     none")
    cr = f["current_range_A"]
    lines.append(f"  current     {cr[0]:.4g} .. {cr[1]:.4g} A" if cr else "  current     none in file")
    for ctl, unit in (("control_V", "V"), ("control_A", "A")):
        if f.get(f"{ctl}_values") is not None:
            vals = ", ".join(f"{v:.4g}" for v in f[f"{ctl}_values"])
            lines.append(f"  {ctl:<11} {vals} {unit}")
        elif f.get(f"{ctl}_distinct"):
            lo, hi = f[f"{ctl}_range"]
            lines.append(f"  {ctl:<11} {f[ctl + '_distinct']} values from {lo:.4g} to {hi:.4g} {unit}")
    lines.append(f"  columns     {', '.join(f['columns'])}")
    if not summary["analyses"] and f["n_points"]:
        lines.append("No analysis applies (no current, no impedance, no control steps).")
    a = summary["analyses"]
    if "eis" in a:
        e = a["eis"]
        lines.append("Impedance")
        if "error" in e:
            lines.append(f"  not analysed: {e['error']}")
        else:
            k = e["lin_kk"]
            fr = e["frequency_range_Hz"]
            lines.append(f"  frequencies {fr[0]:.4g} .. {fr[1]:.4g} Hz")
            lines.append(f"  Lin-KK      M = {k['n_rc']} RC, mu = {k['mu']:.2f}, residual rms "
                         f"{100 * k['rms_residual']:.2f} %, max {100 * k['max_residual']:.2f} %")
            lines.append(f"              {k['n_excluded']} low-frequency point(s) beyond "
                         f"{100 * k['max_residual_limit']:.3g} % excluded; valid from {k['cutoff_Hz']:.4g} Hz")
            ft = e["fit"]
            lines.append(f"  fit         {ft['model']} on {ft['n_points']} points from {ft['f_min_Hz']:.4g} Hz")
            lines.append(f"              R0 = {_fmt(ft['r0_ohm'], 'ohm')} +- {_fmt(ft['r0_stderr_ohm'], 'ohm', 2)}, "
                         f"R1 = {_fmt(ft['r1_ohm'], 'ohm')} +- {_fmt(ft['r1_stderr_ohm'], 'ohm', 2)}, "
                         f"{'Q' if ft['cpe_exponent'] != 1 else 'C1'} = {_fmt(ft['c1_F'], 'F')}"
                         + (f", n = {ft['cpe_exponent']:.3f}" if ft["cpe_exponent"] != 1 else ""))
            lines.append(f"              residual rms {100 * ft['relative_residual_rms']:.2f} %")
            if "contact_diameter_um" in e:
                lines.append(f"  contact     d = {_fmt(e['contact_diameter_um'], 'µm')} (from R1), "
                             f"area {_fmt(e['contact_area_cm2'], 'cm2')}")
            if "r_ct_upper_bound_ohm" in e:
                s = (f"  R_CT        < {_fmt(e['r_ct_upper_bound_ohm'], 'ohm')} "
                     f"(Re Z at {_fmt(e['r_ct_bound_frequency_Hz'], 'Hz')} vs R0 + R1)")
                if "r_ct_upper_bound_ohm_cm2" in e:
                    s += f" = {_fmt(e['r_ct_upper_bound_ohm_cm2'], 'ohm cm2')}"
                lines.append(s)
                if "i0_lower_bound_A_cm2" in e:
                    lines.append(f"  i0          > {_fmt(1e3 * e['i0_lower_bound_A_cm2'], 'mA/cm2')}")
            else:
                lines.append("  R_CT        no excluded low-frequency point: no bound")
    if "cv" in a:
        c = a["cv"]
        lines.append("Cyclic voltammetry")
        if "error" in c:
            lines.append(f"  not analysed: {c['error']}")
        else:
            lines.append(f"  I vs eta    slope {_fmt(c['slope_S'], 'A/V')}, R = {_fmt(c['resistance_ohm'], 'ohm')}, "
                         f"R^2 = {c['r_squared']:.4f}")
            if "contact_diameter_um" in c:
                lines.append(f"  contact     d = {_fmt(c['contact_diameter_um'], 'µm')}")
            h = c.get("hysteresis", {})
            if "error" in h:
                lines.append(f"  hysteresis  {h['error']}")
            elif h:
                lines.append(f"  hysteresis  max gap {_fmt(h['max_current_gap_A'], 'A')}, "
                             f"relative {100 * h['relative_hysteresis']:.2f} %")
    if "steps" in a:
        s = a["steps"]
        lines.append("Control steps")
        if "error" in s:
            lines.append(f"  not analysed: {s['error']}")
        else:
            lines.append(f"  {s['n_steps']} step(s); times in s on the trace clock")
            lines.append("   step  t_start_s    t_end_s   control   mean I (A)   dI/dt (A/s)  area ratio")
            for r in s["table"][:30]:
                lines.append(f"  {r['step']:5d} {r['t_start_s']:10.4g} {r['t_end_s']:10.4g} "
                             f"{r['control_value']:9.4g} {_fmt(r['mean_current_A']):>12} "
                             f"{_fmt(r['dIdt_A_s'], '', 3):>13} {_fmt(r['area_ratio'], '', 3):>11}")
            if s["n_steps"] > 30:
                lines.append(f"  ... {s['n_steps'] - 30} more (see --json)")
    if "stripping" in a:
        s = a["stripping"]
        lines.append("Galvanostatic")
        if "error" in s:
            lines.append(f"  not analysed: {s['error']}")
        else:
            lines.append(f"  current     {_fmt(s['current_A'], 'A')} (median), initial overpotential "
                         f"{_fmt(s['initial_overpotential_V'], 'V')}")
            if s.get("depletion_time_s") is not None:
                lines.append(f"  depletion   t0 = {_fmt(s['depletion_time_s'], 's')} (trace clock)")
            else:
                lines.append("  depletion   the overpotential does not diverge")
            if "area_equation2_cm2" in s:
                lines.append(f"  area (Eq.2) {_fmt(s['area_equation2_cm2'], 'cm2')}")
            if "current_density_A_cm2" in s:
                lines.append(f"  density     {_fmt(1e3 * s['current_density_A_cm2'], 'mA/cm2')} "
                             f"on {_fmt(s['area_used_cm2'], 'cm2')}")
            if "areal_charge_mAh_cm2" in s:
                lines.append(f"  stripped    {_fmt(s['areal_charge_mAh_cm2'], 'mAh/cm2')} = "
                             f"{_fmt(s['thickness_um'], 'µm')} = {s['monolayers']:.3g} virtual monolayers")
    if "short_circuit" in a:
        sc = a["short_circuit"]
        if "error" in sc:
            lines.append(f"Short circuit: not analysed: {sc['error']}")
        else:
            lines.append("Short circuit: " + (f"at t = {sc['time_s']:.6g} s (trace clock)" if sc["time_s"] is not None
                                              else "none detected"))
    for note in summary.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines)
