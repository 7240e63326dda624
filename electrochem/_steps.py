"""Potentiostatic/galvanostatic steps and short-circuit detection."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from calibration import InputError

logger = logging.getLogger(__name__)

__all__ = ["detect_short_circuit", "split_steps"]

STEP_COLUMNS = ["step", "t_start_s", "t_end_s", "control_value", "n_points",
                "mean_current_A", "dIdt_A_s", "current_ratio", "area_ratio"]


def _require(data, cols):
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise InputError(f"the trace has no {', '.join(missing)} column; "
                         f"columns are: {', '.join(map(str, data.columns))}")


def split_steps(data: pd.DataFrame, *, control: str = "control_V", tolerance: float | None = None, min_points: int = 3,
                edge_fraction: float = 0.1) -> pd.DataFrame:
    """Split a trace into steps of constant control value.

    Parameters
    ----------
    data : pandas.DataFrame
        Trace table with ``time_s`` (trace clock), ``current_A`` and the
        control column.
    control : str
        ``'control_V'`` (potentiostatic steps) or ``'control_A'``.
    tolerance : float, optional
        Two consecutive control values belong to the same step when they
        differ by at most this (default: 1e-6 of the largest |control|).
    min_points : int
        Steps with fewer points (switching transients) are dropped.
    edge_fraction : float
        Fraction of each step's points averaged at its start and at its end
        for the current ratio (at least one point each).

    Returns
    -------
    pandas.DataFrame
        One row per step: ``step`` (0, 1, ...), ``t_start_s``, ``t_end_s``
        (trace clock), ``control_value`` (median, in the control column's
        unit), ``n_points``, ``mean_current_A`` (time-weighted mean),
        ``dIdt_A_s`` (least-squares slope of I(t)), ``current_ratio``
        (I_end / I_start) and ``area_ratio`` = current_ratio**2, the relative
        change of the contact area: a circular constriction-limited contact
        carries I = 2 sigma d eta, so at constant eta I scales with the
        diameter and the area with I^2. Rows where the control is NaN (rest)
        split steps and are not reported.
    """
    _require(data, ["time_s", "current_A", control])
    if not 0 < edge_fraction <= 0.5:
        raise InputError(f"edge_fraction must be in (0, 0.5]; got {edge_fraction!r}")
    t = data["time_s"].to_numpy(dtype=float)
    i = data["current_A"].to_numpy(dtype=float)
    c = data[control].to_numpy(dtype=float)
    if t.size == 0:
        raise InputError("the trace is empty")
    finite = np.isfinite(c)
    if not finite.any():
        raise InputError(f"the {control} column holds no values")
    if tolerance is None:
        tolerance = 1e-6 * max(float(np.max(np.abs(c[finite]))), 1e-30)
    new = np.ones(c.size, bool)
    new[1:] = ~(np.abs(np.diff(c)) <= tolerance)  # NaN comparisons start a step
    seg = np.cumsum(new) - 1
    rows = []
    for s in np.unique(seg[finite]):
        idx = np.flatnonzero(seg == s)
        if idx.size < min_points or not np.isfinite(c[idx[0]]):
            continue
        ts, cs = t[idx], i[idx]
        ok = np.isfinite(cs)
        ts_ok, cs_ok = ts[ok], cs[ok]
        if cs_ok.size >= 2 and np.ptp(ts_ok) > 0:
            mean_i = float(np.trapezoid(cs_ok, ts_ok) / np.ptp(ts_ok))
            slope = float(np.polyfit(ts_ok - ts_ok[0], cs_ok, 1)[0])
            k = max(1, int(round(edge_fraction * cs_ok.size)))
            i0, i1 = float(np.mean(cs_ok[:k])), float(np.mean(cs_ok[-k:]))
            ratio = i1 / i0 if i0 != 0 else float("nan")
        else:
            mean_i = float(np.mean(cs_ok)) if cs_ok.size else float("nan")
            slope = ratio = float("nan")
        rows.append({"t_start_s": float(ts[0]), "t_end_s": float(ts[-1]),
                     "control_value": float(np.median(c[idx])),
                     "n_points": int(idx.size), "mean_current_A": mean_i,
                     "dIdt_A_s": slope, "current_ratio": ratio,
                     "area_ratio": ratio ** 2})
    out = pd.DataFrame(rows, columns=STEP_COLUMNS[1:])
    out.insert(0, "step", np.arange(len(out), dtype=int))
    return out


def _rolling_median(x, w, *, forward):
    s = pd.Series(x)
    if forward:
        return s[::-1].rolling(w, min_periods=w).median()[::-1].to_numpy()
    return s.rolling(w, min_periods=w).median().shift(1).to_numpy()


#: A voltage before a short must stand this many noise sigmas above 0 V to collapse: at
#: rest (0 V applied, the current at the instrument's floor) |V| is the noise alone, whose
#: median "collapses" by chance (6 of 300 noise records with main's rule, wave 15), and a
#: cell at 0 V drives no current through a short anyway. 3 sigma: a level told from zero.
COLLAPSE_MIN_SIGMAS = 3.0


def _voltage_collapses(v_abs, k, window, collapse, v=None, reference=None):
    """True if the median |V| after index k is below `collapse` x the median before.

    With the signed voltage `v`, the median before must also stand
    :data:`COLLAPSE_MIN_SIGMAS` noise sigmas above zero (the noise from the
    point-to-point differences before k, a robust sigma). `reference`, if
    given, replaces the median before (the level the control sets, |V|).
    """
    if reference is not None:
        before = reference
    else:
        before = np.nanmedian(v_abs[max(0, k - window):k]) if k > 0 else np.nan
    after = np.nanmedian(v_abs[k:k + window])
    if not (np.isfinite(before) and before > 0 and after <= collapse * before):
        return False
    if v is not None and k > 2:
        sigma = _noise_sigma(v, k, window)
        if np.isfinite(sigma):
            return bool(before > COLLAPSE_MIN_SIGMAS * sigma)
    return True


def _noise_sigma(v, k, window):
    """Robust noise sigma of `v` from its point-to-point differences in the window before k."""
    dv = np.diff(v[max(0, k - window):k])
    dv = dv[np.isfinite(dv)]
    if not dv.size:
        return np.nan
    return 1.4826 * float(np.median(np.abs(dv - np.median(dv)))) / np.sqrt(2.0)


def _leaves_control(v_abs, v, control, j, window):
    """First index from j on where |V| falls below |control| by COLLAPSE_MIN_SIGMAS sigmas.

    A short next to a step: the current's own jump merges with the step's, but the
    voltage held the control until the short. None if it never leaves it in the window.
    """
    sigma = _noise_sigma(v, j, window)
    sigma = sigma if np.isfinite(sigma) else 0.0
    gap = np.abs(control[j:j + window]) - v_abs[j:j + window]
    left = np.flatnonzero(gap > COLLAPSE_MIN_SIGMAS * sigma)
    return int(j + left[0]) if left.size else None


#: Points around a change of the control value within which a jump of a record that
#: cannot be judged by the control (the current alone, no voltage column) is taken for
#: the step's own response: the control column and the response may be logged a sample
#: or two apart. Only for such records; with a voltage the response is judged instead.
STEP_POINTS = 2


def _control_level(control, k, window):
    """Median |control| over the window from index k on (the level the control sets)."""
    c = np.abs(control[k:k + window])
    c = c[np.isfinite(c)]
    return float(np.median(c)) if c.size else np.nan


def _galvanostatic_step_explains(v_abs, control, k, window, collapse):
    """True if a collapse of |V| at index k is the response to a drop of the set current.

    The overpotential is a concave function of the current through zero (ohmic, then
    Butler-Volmer's logarithm), so when the set current falls from I0 to I1 the
    cell's |V| falls at most in proportion, to |V0| I1 / I0. A collapse deeper than
    `collapse` x that is no step's response: the cell is shorted. A window before k
    at rest (no set current) gives no voltage to scale: the step's.
    """
    i0 = np.nanmedian(np.abs(control[max(0, k - window):k])) if k > 0 else np.nan
    i1 = _control_level(control, k, window)
    if not (np.isfinite(i0) and i0 > 0 and np.isfinite(i1)):
        return True
    v0 = np.nanmedian(v_abs[max(0, k - window):k])
    return not _voltage_collapses(v_abs, k, window, collapse, reference=v0 * i1 / i0)


def detect_short_circuit(data: pd.DataFrame, *, quantity: str = "auto", factor: float = 10.0, window: int | None = None,
                         persistence: float = 0.9, collapse: float = 0.5) -> float | None:
    """Trace time where a short circuit starts, or None.

    A short circuit shows as an abrupt, lasting change by a large factor:
    |current| jumps up (potentiostatic control; the current may saturate at
    the range limit) or |voltage| collapses (galvanostatic control: the cell
    is shorted, the overpotential falls towards zero).

    Parameters
    ----------
    data : pandas.DataFrame
        ``time_s`` (trace clock), ``current_A``, ``voltage_V``; a
        ``control_A`` column marks galvanostatic control.
    quantity : {'auto', 'current', 'voltage'}
        Signal to examine. ``'auto'``: voltage if the trace is galvanostatic
        (has ``control_A`` and no ``control_V``), else current.
    factor : float
        Minimum ratio between the running medians after and before the
        jump. Relative, so independent of the current range.
    window : int, optional
        Points in each running median (default: 2 % of the trace, at least
        5, at most 200). Medians make single-point spikes harmless.
    persistence : float
        Fraction of the points after the jump that must stay beyond half
        the jump (in log scale): a short stays shorted.
    collapse : float
        Potentiostatic records with a ``voltage_V`` column: the current jump
        counts only if the median |voltage| after it falls below `collapse`
        times the median before (the cell is shorted, the measured voltage
        collapses). A current that rises from the noise floor while the
        voltage holds is the onset of plating, not a short circuit.

    Returns
    -------
    float or None
        Trace time (s) of the first point of the jump.

    Notes
    -----
    A jump near a change of the control value (``control_V``/``control_A``,
    within a window of it) may be the step's own response, and is judged
    against the level the new control value sets. Under potentiostatic
    control the cell's voltage follows the control (the current may jump by
    decades, with a capacitive spike): the jump is a short only if the
    median |V| after it falls below `collapse` times the new |control_V|,
    however soon after the step it comes. Under galvanostatic control |V|
    falls at most in proportion to the set current (the overpotential is
    concave in the current): a collapse `collapse` times deeper than that is
    a short. A record without a voltage column (the current alone) cannot
    tell them apart; there a jump within :data:`STEP_POINTS` points of a
    change is taken for the step.
    """
    if quantity not in ("auto", "current", "voltage"):
        raise InputError(f"quantity must be 'auto', 'current' or 'voltage'; got {quantity!r}")
    if not factor > 1:
        raise InputError(f"factor must be > 1; got {factor!r}")
    _require(data, ["time_s"])
    if quantity == "auto":
        galvano = "control_A" in data.columns and "control_V" not in data.columns
        quantity = "voltage" if galvano else "current"
    col = "current_A" if quantity == "current" else "voltage_V"
    _require(data, [col])
    t = data["time_s"].to_numpy(dtype=float)
    y = np.abs(data[col].to_numpy(dtype=float))
    ok = np.isfinite(y) & np.isfinite(t)
    changes = np.zeros(t.size, bool)
    controls = {}
    for ctl in ("control_V", "control_A"):
        if ctl in data.columns:
            c = data[ctl].to_numpy(dtype=float)
            controls[ctl] = c[ok]
            d = np.abs(np.diff(c))
            scale = max(float(np.nanmax(np.abs(c))) if np.isfinite(c).any() else 0.0, 1e-30)
            changes[1:] |= ~(d <= 1e-6 * scale)
    t, y, changes = t[ok], y[ok], changes[ok]
    n = y.size
    if n < 10:
        return None
    if window is None:
        window = int(min(200, max(5, round(0.02 * n))))
    window = int(window)
    if n < 2 * window + 1:
        window = max(2, n // 3)
    floor = max(float(np.median(y)) * 1e-6, np.finfo(float).tiny)
    x = np.log10(np.maximum(y, floor))
    if quantity == "voltage":
        x = -x  # a collapse of |V| is a rise of -log|V|
    before = _rolling_median(x, window, forward=False)
    after = _rolling_median(x, window, forward=True)
    jump = after - before
    need = np.log10(factor)
    cand = np.flatnonzero(jump >= need)
    change_idx = np.flatnonzero(changes)
    v_abs = None
    if quantity == "current" and "voltage_V" in data.columns:
        v_sig = data["voltage_V"].to_numpy(dtype=float)[ok]
        v_abs = np.abs(v_sig)
        if not np.isfinite(v_abs).any():
            v_abs = None
    # the control whose level judges a jump near a step: the set voltage that a
    # potentiostatic cell's voltage follows, or the set current a galvanostatic voltage
    # scales with; None: the step cannot be told from a short (STEP_POINTS)
    if quantity == "current" and v_abs is not None:
        judge = controls.get("control_V")
    elif quantity == "voltage":
        judge = controls.get("control_A") if "control_V" not in controls else None
    else:
        judge = None
    for k in cand:
        level = before[k] + 0.5 * (after[k] - before[k])
        if np.mean(x[k:] >= level) < persistence:
            continue
        # first point at or after the rise that reaches the midpoint and stays there (as
        # the short does, by `persistence`): a single spike before the short reaches the
        # midpoint too, but the window after it is mostly below
        lo = max(0, k - window)
        j0 = j = lo + int(np.argmax(x[lo:k + window] >= level))
        if np.mean(x[j0:j0 + window] >= level) < persistence:
            for i in lo + np.flatnonzero(x[lo:k + window] >= level):
                if np.mean(x[i:i + window] >= level) >= persistence:
                    j = int(i)
                    break
        near = bool(change_idx.size) and bool(np.any((change_idx >= j0 - window)
                                                     & (change_idx <= j + window)))
        if near and judge is None:
            if (np.min(np.abs(change_idx - j0)) <= STEP_POINTS
                    or np.min(np.abs(change_idx - j)) <= STEP_POINTS
                    or np.any((change_idx >= j0) & (change_idx <= j))):
                continue  # the control changed right here: a step, not a short
        elif near and quantity == "voltage":
            if _galvanostatic_step_explains(y, judge, j, window, collapse):
                continue  # |V| fell with the set current: a step, not a short
        elif near:
            # the cell's voltage follows the new control value after a step; a short
            # holds it near 0 V whatever the control
            if not _voltage_collapses(v_abs, j, window, collapse, v_sig,
                                      reference=_control_level(judge, j, window)):
                continue  # the voltage follows the control: the step's response
            # the first point of the jump may be the step's own: the short starts where
            # the voltage leaves the control
            j = max(j, _leaves_control(v_abs, v_sig, judge, j, window) or j)
        if not near and v_abs is not None and not _voltage_collapses(v_abs, j, window, collapse, v_sig):
            continue  # current rose but the cell kept its voltage: growth onset, not a short
        logger.debug("short circuit at index %d (t=%g s), jump x%.3g",
                     j, t[j], 10 ** jump[k])
        return float(t[j])
    return None
