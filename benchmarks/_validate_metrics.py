"""Accuracy metrics of the validation bank: truth tables and measurements in, numbers out.

Every function here is pure (pandas DataFrames and plain values in, numbers or
DataFrames out; no files, no video), so it is unit-tested on hand-made tables
(``tests/test_validate_metrics.py``). The driver ``benchmarks/validate.py``
reads the generator's truth files and the results of :func:`vision.analyze`,
converts the measurements to px with the pixel size the analysis itself used
(so tracking errors are separated from calibration errors) and calls these.

Tables and units
----------------
truth whiskers
    ``frame, content_time_s, whisker_id, base_x_px, base_y_px, tip_x_px, tip_y_px,
    length_px, width_px`` and optionally ``censored`` (bool: the projected length
    is a lower bound because the whisker leaves the field or reaches the data bar).
    Frame positions include the drift of that frame.
truth frames
    ``frame, content_time_s, drift_x_px, drift_y_px, electrode_radius_px,
    front_distance_px, crack_length_px``.
measured whiskers
    ``frame, content_time_s, whisker_id, base_x_px, base_y_px, tip_x_px, tip_y_px,
    length_px`` with positions drift-corrected to the first frame (as
    ``vision.analyze`` reports them).
measured frames
    ``frame, content_time_s, front_distance_px, crack_length_px``.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

# ---------------------------------------------------------------------------
# Definitions taken from issue 11 (targets) and issue 13 (sync)
# ---------------------------------------------------------------------------

#: A true whisker counts for "found" and for length errors only if it is at least this
#: wide (px): thinner ones are below what the issue asks the tracker to resolve.
MIN_WIDTH_PX = 3.0
#: ... and at least this long (px) in at least MIN_SCANS scans while inside the field.
MIN_LENGTH_PX = 10.0
MIN_SCANS = 10
#: A growth-rate step counts if the true whisker grows at least this much within it (px):
#: over shorter spans the scatter of single tip positions dominates any rate estimate.
MIN_STEP_GROWTH_PX = 20.0
#: Crack lengths shorter than this (px) are left out of the relative error (the relative
#: error of a few-px crack says nothing about path length measurement).
MIN_CRACK_PX = 20.0

#: Matching a measured whisker to a true one: the direction from base to tip must agree
#: within this angle, and the bases within the larger of MAX_BASE_PX and twice the width.
#: A whisker's base is where it leaves the electrode rim; a tracker may place it a few px
#: along the axis, never tens of px away.
MAX_ANGLE_DEG = 25.0
MAX_BASE_PX = 15.0

#: Scene-level failure modes.
FAILURE_MODES = ("none", "lateral_growth", "fracture", "contact_loss")

#: Warnings that mention any of these words are taken as warnings about the clocks.
SYNC_WARNING_WORDS = ("sync", "offset", "clock")


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _angle_diff_deg(a, b):
    """Absolute difference of two directions in degrees, in [0, 180]."""
    d = (np.asarray(a, float) - np.asarray(b, float) + 180.0) % 360.0 - 180.0
    return np.abs(d)


def rms(values):
    """Root mean square of finite values (NaN if none)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    return float(np.sqrt(np.mean(v ** 2))) if len(v) else math.nan


def percentile(values, q):
    """The q-th percentile (0..100) of finite values (NaN if none)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    return float(np.percentile(v, q)) if len(v) else math.nan


def truth_censored(truth_whiskers, shape_rows_cols=None, data_bar_top=None, margin_px=1.0):
    """Per row of the truth whisker table: is the length a lower bound?

    Uses the generator's ``censored`` column when present; otherwise a whisker
    is censored when its tip or base lies outside the field (within `margin_px`
    of the border) or at or below the top row of the data bar.

    Returns
    -------
    numpy.ndarray of bool
    """
    tw = truth_whiskers
    if "censored" in tw:
        return tw["censored"].fillna(False).astype(bool).to_numpy()
    out = np.zeros(len(tw), bool)
    if shape_rows_cols is None:
        return out
    rows, cols = shape_rows_cols
    bottom = rows if data_bar_top is None else min(rows, data_bar_top)
    for x, y in (("tip_x_px", "tip_y_px"), ("base_x_px", "base_y_px")):
        xs, ys = tw[x].to_numpy(float), tw[y].to_numpy(float)
        out |= (xs < margin_px) | (xs > cols - 1 - margin_px) | (ys < margin_px) \
            | (ys > bottom - 1 - margin_px)
    return out


def _direction_deg(df):
    return np.degrees(np.arctan2(df["tip_y_px"] - df["base_y_px"], df["tip_x_px"] - df["base_x_px"]))


# ---------------------------------------------------------------------------
# Whiskers
# ---------------------------------------------------------------------------
def eligible_whiskers(truth_whiskers, censored=None):
    """Ids of the true whiskers the tracker must find.

    At least :data:`MIN_WIDTH_PX` wide, and at least :data:`MIN_LENGTH_PX`
    long while inside the field (not censored) in at least :data:`MIN_SCANS`
    distinct scans.
    """
    tw = truth_whiskers
    if tw is None or tw.empty:
        return []
    cens = np.zeros(len(tw), bool) if censored is None else np.asarray(censored, bool)
    ok = (tw["length_px"].to_numpy(float) >= MIN_LENGTH_PX) & ~cens
    good = tw.loc[ok]
    scans = good.groupby("whisker_id")["content_time_s"].nunique()
    width = tw.groupby("whisker_id")["width_px"].median()
    ids = [int(i) for i, n in scans.items() if n >= MIN_SCANS and width.get(i, 0.0) >= MIN_WIDTH_PX]
    return sorted(ids)


def match_whiskers(truth_whiskers, measured_whiskers, truth_drift=None):
    """Assign measured whisker ids to true whisker ids (Hungarian assignment).

    Cost of a pair: squared direction difference / :data:`MAX_ANGLE_DEG` plus
    squared base distance / the base gate (the larger of :data:`MAX_BASE_PX`
    and twice the true width), each evaluated as the median over the frames in
    which both whiskers exist (or over each whisker's own frames if they share
    none). Pairs outside either gate are never assigned.

    Parameters
    ----------
    truth_whiskers, measured_whiskers : DataFrame
        See the module docstring.
    truth_drift : DataFrame, optional
        ``frame, drift_x_px, drift_y_px`` of the truth: true positions are
        moved to the first frame's coordinates (measured positions are
        drift-corrected to the first frame). Without it, no correction.

    Returns
    -------
    dict
        measured id -> true id (only matched pairs).
    """
    if truth_whiskers is None or measured_whiskers is None or truth_whiskers.empty \
            or measured_whiskers.empty:
        return {}
    tw = truth_whiskers.copy()
    if truth_drift is not None and len(truth_drift):
        d = truth_drift.sort_values("frame")
        d = d.assign(dx=d["drift_x_px"] - d["drift_x_px"].iloc[0],
                     dy=d["drift_y_px"] - d["drift_y_px"].iloc[0])[["frame", "dx", "dy"]]
        tw = tw.merge(d, on="frame", how="left").fillna({"dx": 0.0, "dy": 0.0})
        for c in ("base_x_px", "tip_x_px"):
            tw[c] = tw[c] - tw["dx"]
        for c in ("base_y_px", "tip_y_px"):
            tw[c] = tw[c] - tw["dy"]
    tw = tw.loc[tw["length_px"] > 0]
    mw = measured_whiskers.loc[measured_whiskers["length_px"] > 0]
    t_ids = sorted(tw["whisker_id"].unique())
    m_ids = sorted(mw["whisker_id"].unique())
    if not t_ids or not m_ids:
        return {}
    tw = tw.assign(dir_deg=_direction_deg(tw))
    mw = mw.assign(dir_deg=_direction_deg(mw))
    t_groups = {i: g.set_index("frame") for i, g in tw.groupby("whisker_id")}
    m_groups = {i: g.set_index("frame") for i, g in mw.groupby("whisker_id")}
    big = 1e6
    cost = np.full((len(m_ids), len(t_ids)), big)
    for a, mi in enumerate(m_ids):
        mg = m_groups[mi]
        for b, ti in enumerate(t_ids):
            tg = t_groups[ti]
            common = mg.index.intersection(tg.index)
            mm, tt = (mg.loc[common], tg.loc[common]) if len(common) else (mg, tg)
            ang = float(_angle_diff_deg(np.median(mm["dir_deg"]), np.median(tt["dir_deg"])))
            if len(common):
                dist = float(np.median(np.hypot(mm["base_x_px"] - tt["base_x_px"],
                                                mm["base_y_px"] - tt["base_y_px"])))
            else:
                dist = float(np.hypot(mm["base_x_px"].median() - tt["base_x_px"].median(),
                                      mm["base_y_px"].median() - tt["base_y_px"].median()))
            gate = max(MAX_BASE_PX, 2.0 * float(tg["width_px"].median()))
            if ang <= MAX_ANGLE_DEG and dist <= gate:
                cost[a, b] = (ang / MAX_ANGLE_DEG) ** 2 + (dist / gate) ** 2
    rows, cols = linear_sum_assignment(cost)
    return {int(m_ids[r]): int(t_ids[c]) for r, c in zip(rows, cols) if cost[r, c] < big}


def whiskers_found(eligible_ids, mapping):
    """(found, eligible): how many eligible true whiskers have a measured match."""
    matched = set(mapping.values())
    return sum(1 for i in eligible_ids if i in matched), len(eligible_ids)


def whisker_length_errors(truth_whiskers, measured_whiskers, mapping, censored=None):
    """Per matched true whisker: RMS and bias of the length error per frame, px.

    Frames count where both the true whisker (not censored, length > 0) and its
    matched measurement exist; whiskers narrower than :data:`MIN_WIDTH_PX` are
    left out. Error = measured - true.

    Returns
    -------
    DataFrame
        ``truth_id, measured_id, n_frames, rms_px, bias_px``.
    """
    cols = ["truth_id", "measured_id", "n_frames", "rms_px", "bias_px"]
    if not mapping:
        return pd.DataFrame(columns=cols)
    tw = truth_whiskers.copy()
    cens = np.zeros(len(tw), bool) if censored is None else np.asarray(censored, bool)
    tw = tw.loc[~cens & (tw["length_px"].to_numpy(float) > 0)]
    width = truth_whiskers.groupby("whisker_id")["width_px"].median()
    mw = measured_whiskers.assign(truth_id=measured_whiskers["whisker_id"].map(mapping))
    mw = mw.dropna(subset=["truth_id"])
    mw["truth_id"] = mw["truth_id"].astype(int)
    m = mw[["frame", "truth_id", "whisker_id", "length_px"]].merge(
        tw[["frame", "whisker_id", "length_px"]].rename(columns={"whisker_id": "truth_id"}),
        on=["frame", "truth_id"], suffixes=("", "_true"))
    rows = []
    for (tid, mid), g in m.groupby(["truth_id", "whisker_id"]):
        if width.get(tid, 0.0) < MIN_WIDTH_PX:
            continue
        err = (g["length_px"] - g["length_px_true"]).to_numpy(float)
        rows.append({"truth_id": int(tid), "measured_id": int(mid), "n_frames": len(err),
                     "rms_px": rms(err), "bias_px": float(np.mean(err))})
    return pd.DataFrame(rows, columns=cols)


def _slope(t, y):
    t, y = np.asarray(t, float), np.asarray(y, float)
    if len(t) < 2 or np.ptp(t) <= 0:
        return math.nan
    return float(np.polyfit(t, y, 1)[0])


def step_rate_errors(truth_whiskers, truth_steps, measured_rates, mapping, pixel_size_um,
                     censored=None, short_circuit_s=None):
    """Relative error and 2-sigma coverage of the growth rate per whisker and step.

    The true rate of a whisker in a step is the least-squares slope of its true
    length over the scans of the step in which it exists and is not censored
    (equal to the scene's rate when it grows steadily). A step counts if the
    true whisker is at least :data:`MIN_WIDTH_PX` wide (narrower ones need not
    be found) and grows at least :data:`MIN_STEP_GROWTH_PX` within it. The
    measured step is the one of the same whisker that overlaps the true step
    most in time. Scans after the short circuit do not count: a shorted cell
    drives no growth and the generator freezes every whisker there, so a step
    holding the short mixed its rate with a standstill (tuning seeds 5004,
    5006, 5039, 5040: true "rates" 7-55 % below the scene's).

    Parameters
    ----------
    truth_steps : DataFrame
        ``step, start_s, end_s`` on the video clock (end NaN/inf = open).
    measured_rates : DataFrame
        ``whisker_id, t_start_s, t_end_s, rate_um_s`` and optionally
        ``rate_std_um_s`` (1 sigma).
    pixel_size_um : float
        True pixel size (to express true rates in um/s).
    short_circuit_s : float, optional
        True short-circuit time on the video clock; None = no short.

    Returns
    -------
    DataFrame
        ``truth_id, step, growth_px, true_rate_um_s, measured_rate_um_s,
        rel_error, rate_std_um_s, within_2sigma``; a counted step without a
        measured rate has NaN there (a miss).
    """
    cols = ["truth_id", "step", "growth_px", "true_rate_um_s", "measured_rate_um_s",
            "rel_error", "rate_std_um_s", "within_2sigma"]
    if truth_whiskers is None or truth_whiskers.empty or truth_steps is None or truth_steps.empty:
        return pd.DataFrame(columns=cols)
    tw = truth_whiskers
    cens = np.zeros(len(tw), bool) if censored is None else np.asarray(censored, bool)
    keep = ~cens & (tw["length_px"].to_numpy(float) > 0)
    if short_circuit_s is not None and np.isfinite(short_circuit_s):
        keep &= tw["content_time_s"].to_numpy(float) <= float(short_circuit_s)
    tw = tw.loc[keep]
    tw = tw.drop_duplicates(["whisker_id", "content_time_s"])
    inverse = {}
    for mid, tid in mapping.items():
        inverse.setdefault(tid, []).append(mid)
    width = truth_whiskers.groupby("whisker_id")["width_px"].median()
    rows = []
    for tid, g in tw.groupby("whisker_id"):
        if width.get(tid, 0.0) < MIN_WIDTH_PX:
            continue
        t = g["content_time_s"].to_numpy(float)
        y = g["length_px"].to_numpy(float)
        for st in truth_steps.itertuples(index=False):
            a = float(st.start_s)
            b = float(st.end_s) if st.end_s is not None and np.isfinite(st.end_s) else math.inf
            sel = (t >= a) & (t <= b)
            if sel.sum() < 3 or np.ptp(y[sel]) < MIN_STEP_GROWTH_PX:
                continue
            true_rate = _slope(t[sel], y[sel]) * pixel_size_um
            meas, std = math.nan, math.nan
            if measured_rates is not None and len(measured_rates):
                cand = measured_rates.loc[measured_rates["whisker_id"].isin(inverse.get(tid, []))]
                if len(cand):
                    lo = np.maximum(cand["t_start_s"].to_numpy(float), a)
                    hi = np.minimum(cand["t_end_s"].to_numpy(float), min(b, t[sel].max()))
                    overlap = hi - lo
                    k = int(np.argmax(overlap))
                    if overlap[k] > 0:
                        meas = float(cand["rate_um_s"].iloc[k])
                        if "rate_std_um_s" in cand:
                            std = float(cand["rate_std_um_s"].iloc[k])
            rel = abs(meas / true_rate - 1.0) if true_rate != 0 and np.isfinite(meas) else math.nan
            covered = bool(np.isfinite(meas) and np.isfinite(std)
                           and abs(meas - true_rate) <= 2.0 * std)
            rows.append({"truth_id": int(tid), "step": int(st.step),
                         "growth_px": float(np.ptp(y[sel])), "true_rate_um_s": true_rate,
                         "measured_rate_um_s": meas, "rel_error": rel, "rate_std_um_s": std,
                         "within_2sigma": covered})
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------------------
# Front, crack
# ---------------------------------------------------------------------------
def front_rms(truth_frames, measured_frames, touchdown_s=None):
    """RMS error of the front distance (px) over the frames before touch-down.

    Frames count where the true lateral front has left the electrode (true
    front distance beyond the electrode radius), the content was acquired
    before `touchdown_s`, and a front was measured (missing measurements are
    counted by :func:`front_coverage`). NaN if no frame counts.
    """
    m = _frames_merge(truth_frames, measured_frames, "front_distance_px", touchdown_s)
    m = m.loc[m["front_distance_px_true"] > m["electrode_radius_px"]]
    err = m["front_distance_px"] - m["front_distance_px_true"]
    return rms(err)


def front_coverage(truth_frames, measured_frames, touchdown_s=None):
    """Fraction of the frames with a true front (before touch-down) that have a measured one."""
    m = _frames_merge(truth_frames, measured_frames, "front_distance_px", touchdown_s,
                      keep_missing=True)
    m = m.loc[m["front_distance_px_true"] > m["electrode_radius_px"]]
    if not len(m):
        return math.nan
    return float(np.isfinite(m["front_distance_px"].to_numpy(float)).mean())


def _frames_merge(truth_frames, measured_frames, column, until_s=None, keep_missing=False):
    tf = truth_frames[["frame", "content_time_s", "electrode_radius_px", column]]
    mf = measured_frames[["frame", column]]
    m = tf.merge(mf, on="frame", how="left", suffixes=("_true", ""))
    if until_s is not None and np.isfinite(until_s):
        m = m.loc[m["content_time_s"] < until_s]
    if not keep_missing:
        m = m.loc[np.isfinite(m[column].to_numpy(float))]
    return m


def crack_length_error(truth_frames, measured_frames, touchdown_s=None):
    """Median relative error of the crack path length over the frames (until touch-down).

    Frames count where the true crack is at least :data:`MIN_CRACK_PX` long; a
    frame without a measured crack counts as length 0 (relative error 1).
    NaN if no frame counts.
    """
    m = _frames_merge(truth_frames, measured_frames, "crack_length_px", touchdown_s,
                      keep_missing=True)
    m = m.loc[m["crack_length_px_true"] >= MIN_CRACK_PX]
    if not len(m):
        return math.nan
    meas = np.nan_to_num(m["crack_length_px"].to_numpy(float), nan=0.0)
    true = m["crack_length_px_true"].to_numpy(float)
    return float(np.median(np.abs(meas - true) / true))


# ---------------------------------------------------------------------------
# Events, failure mode, sync
# ---------------------------------------------------------------------------
#: Event name -> (truth.json key, summary.json keys in order of preference). Touch-down:
#: the video's touch-down of the front when the analysis saw one, else the short-circuit
#: time it reports (a crack reaching the counter electrode, or the trace's current jump).
EVENTS = {
    "growth_onset": ("growth_onset_s", ("growth_onset_time_s",)),
    "lateral_onset": ("lateral_onset_s", ("lateral_onset_time_s",)),
    "crack_initiation": ("crack_initiation_s", ("crack_initiation_time_s",)),
    "touchdown": ("touchdown_s", ("touchdown_time_s", "short_circuit_time_s")),
}


def event_errors(truth, summary, scan_period_s, frame_interval_s, duration_s=math.inf):
    """Per true event: the measured time's error and whether it is within tolerance.

    Tolerance: one scan period plus one frame interval. A true event not
    measured is a miss (error NaN, not within). True events after
    `duration_s` (the end of the video) are not visible and are left out.
    Events measured but absent in the truth are listed with ``spurious`` True
    (not part of the target).

    Returns
    -------
    DataFrame
        ``event, true_s, measured_s, error_s, within, spurious``.
    """
    tol = scan_period_s + frame_interval_s
    rows = []
    for name, (tk, mks) in EVENTS.items():
        t = truth.get(tk)
        m = next((summary[k] for k in mks if summary.get(k) is not None), None)
        t = None if t is None or not np.isfinite(t) or t > duration_s else float(t)
        m = None if m is None or not np.isfinite(m) else float(m)
        if t is None and m is None:
            continue
        err = (m - t) if (t is not None and m is not None) else math.nan
        rows.append({"event": name, "true_s": t, "measured_s": m, "error_s": err,
                     "within": bool(np.isfinite(err) and abs(err) <= tol),
                     "spurious": t is None})
    return pd.DataFrame(rows, columns=["event", "true_s", "measured_s", "error_s", "within",
                                       "spurious"])


def failure_correct(truth, summary):
    """(mode right, short-circuit flag right) of one scene."""
    return (summary.get("failure_mode") == truth.get("failure_mode"),
            bool(summary.get("short_circuit")) == bool(truth.get("short_circuit")))


def confusion_matrix(true_modes, measured_modes):
    """Counts of (true mode, measured mode); rows true, columns measured.

    Rows and columns hold at least :data:`FAILURE_MODES`; other labels (e.g.
    ``error`` for a scene whose analysis crashed) get their own column.
    """
    true_modes, measured_modes = list(true_modes), list(measured_modes)
    labels_r = list(FAILURE_MODES) + sorted(set(true_modes) - set(FAILURE_MODES))
    labels_c = list(FAILURE_MODES) + sorted(set(measured_modes) - set(FAILURE_MODES))
    out = pd.DataFrame(0, index=pd.Index(labels_r, name="truth"),
                       columns=pd.Index(labels_c, name="measured"))
    for t, m in zip(true_modes, measured_modes):
        out.loc[t, m] += 1
    return out


def sync_error(truth, summary):
    """Measured minus true clock offset, s (NaN without a measured offset)."""
    m, t = summary.get("sync_offset_s"), truth.get("sync_offset_s")
    if m is None or t is None:
        return math.nan
    return float(m) - float(t)


def has_sync_warning(warnings):
    """Whether any of the analysis' warnings is about the clocks."""
    return any(any(w in str(msg).lower() for w in SYNC_WARNING_WORDS) for msg in warnings or ())


def sync_metrics(table):
    """Aggregate sync accuracy over scenes.

    Parameters
    ----------
    table : DataFrame
        One row per scene with growth: ``error_s, scan_period_s,
        frame_interval_s, confidence, warned``.

    Returns
    -------
    dict
        ``n``; ``within_fine`` (fraction within max(half scan, one frame));
        ``within_two_scans``; ``n_large`` (errors > one scan); ``large_warned``
        (fraction of those with a warning); ``large_low_confidence`` (fraction
        of those with confidence < 0.5; a missing confidence counts as low).
        Fractions are NaN where nothing counts. A missing offset counts as a
        large error.
    """
    if table is None or not len(table):
        return {"n": 0, "within_fine": math.nan, "within_two_scans": math.nan, "n_large": 0,
                "large_warned": math.nan, "large_low_confidence": math.nan}
    err = np.abs(table["error_s"].to_numpy(float))
    scan = table["scan_period_s"].to_numpy(float)
    frame = table["frame_interval_s"].to_numpy(float)
    fine = np.maximum(0.5 * scan, frame)
    finite = np.isfinite(err)
    large = ~finite | (err > scan)
    conf = table["confidence"].to_numpy(float)
    low = ~np.isfinite(conf) | (conf < 0.5)
    warned = table["warned"].to_numpy(bool)
    n_large = int(large.sum())
    return {
        "n": len(table),
        "within_fine": float(np.mean(finite & (err <= fine))),
        "within_two_scans": float(np.mean(finite & (err <= 2 * scan))),
        "n_large": n_large,
        "large_warned": float(warned[large].mean()) if n_large else math.nan,
        "large_low_confidence": float(low[large].mean()) if n_large else math.nan,
    }


# ---------------------------------------------------------------------------
# Aggregation over the bank
# ---------------------------------------------------------------------------
#: A counted growth step without a measured rate enters the rate error as this
#: relative error (100 %: as wrong as reporting no growth at all).
MISSING_RATE_ERROR = 1.0


def _target(name, value, op, limit, n, *, median=math.nan, p90=math.nan, unit="", text=""):
    if n == 0 or not np.isfinite(value):
        ok = None
    elif op == "<=":
        ok = bool(value <= limit)
    elif op == ">=":
        ok = bool(value >= limit)
    else:  # "abs<="
        ok = bool(abs(value) <= limit)
    return {"metric": name, "n": int(n), "median": median, "p90": p90, "value": value,
            "unit": unit, "target": text, "pass": ok}


def summarize(scenes, whisker_errors, rate_errors, events, sync_table):
    """The validation table: one row per target of issues 11 and 13.

    Parameters
    ----------
    scenes : DataFrame
        One row per scene: ``mode_ok``, ``sc_ok``, ``has_growth``,
        ``true_mode``, ``measured_mode``, ``found``, ``eligible``,
        ``front_rms_px``, ``crack_rel_error``, ``crack_init_within`` (bool, or
        NaN without a true crack).
    whisker_errors : DataFrame
        Rows of :func:`whisker_length_errors` over all scenes.
    rate_errors : DataFrame
        Rows of :func:`step_rate_errors` over all scenes.
    events : DataFrame
        Rows of :func:`event_errors` over all scenes.
    sync_table : DataFrame
        Input of :func:`sync_metrics` (scenes with growth and a trace).

    Returns
    -------
    DataFrame
        ``metric, n, median, p90, value, unit, target, pass`` (pass None: nothing to
        measure).
    """
    rows = []
    n = len(scenes)
    right = (scenes["mode_ok"] & scenes["sc_ok"]).to_numpy(bool) if n else np.zeros(0, bool)
    rows.append(_target("failure mode and short-circuit flag right", 100 * right.mean() if n
                        else math.nan, ">=", 97.0, n, unit="% scenes", text=">= 97 %"))
    ctrl = scenes.loc[~scenes["has_growth"].astype(bool) & (scenes["true_mode"] == "none")] \
        if n else scenes
    none_ok = (ctrl["measured_mode"] == "none").to_numpy(bool)
    rows.append(_target("scenes without growth reported `none`", 100 * none_ok.mean() if len(ctrl)
                        else math.nan, ">=", 100.0, len(ctrl), unit="% scenes", text="100 %"))
    found, eligible = (int(scenes["found"].sum()), int(scenes["eligible"].sum())) if n else (0, 0)
    rows.append(_target("true whiskers found", 100 * found / eligible if eligible else math.nan,
                        ">=", 95.0, eligible, unit="% whiskers", text=">= 95 %"))
    r = whisker_errors["rms_px"].to_numpy(float) if len(whisker_errors) else np.zeros(0)
    med, p90 = percentile(r, 50), percentile(r, 90)
    rows.append(_target("whisker length RMS per whisker, median", med, "<=", 0.5, len(r),
                        median=med, p90=p90, unit="px", text="<= 0.5 px"))
    rows.append(_target("whisker length RMS per whisker, 90th pct", p90, "<=", 1.0, len(r),
                        median=med, p90=p90, unit="px", text="<= 1.0 px"))
    b = whisker_errors["bias_px"].to_numpy(float) if len(whisker_errors) else np.zeros(0)
    rows.append(_target("whisker length bias, mean over whiskers", float(np.mean(b)) if len(b)
                        else math.nan, "abs<=", 0.2, len(b), median=percentile(b, 50),
                        p90=percentile(b, 90), unit="px", text="within +-0.2 px"))
    if len(rate_errors):
        rel = np.where(np.isfinite(rate_errors["rel_error"].to_numpy(float)),
                       rate_errors["rel_error"].to_numpy(float), MISSING_RATE_ERROR) * 100
    else:
        rel = np.zeros(0)
    med, p90 = percentile(rel, 50), percentile(rel, 90)
    rows.append(_target("growth rate per step, relative error, median", med, "<=", 3.0, len(rel),
                        median=med, p90=p90, unit="%", text="<= 3 %"))
    rows.append(_target("growth rate per step, relative error, 90th pct", p90, "<=", 6.0,
                        len(rel), median=med, p90=p90, unit="%", text="<= 6 %"))
    cov = rate_errors["within_2sigma"].to_numpy(bool) if len(rate_errors) else np.zeros(0, bool)
    rows.append(_target("true rate within the stated +-2 sigma", 100 * cov.mean() if len(cov)
                        else math.nan, ">=", 90.0, len(cov), unit="% steps", text=">= 90 %"))
    f = scenes["front_rms_px"].to_numpy(float) if n else np.zeros(0)
    f = f[np.isfinite(f)]
    med, p90 = percentile(f, 50), percentile(f, 90)
    rows.append(_target("front distance RMS until touch-down, median", med, "<=", 2.0, len(f),
                        median=med, p90=p90, unit="px", text="<= 2 px"))
    rows.append(_target("front distance RMS until touch-down, 90th pct", p90, "<=", 4.0, len(f),
                        median=med, p90=p90, unit="px", text="<= 4 px"))
    c = scenes["crack_rel_error"].to_numpy(float) * 100 if n else np.zeros(0)
    c = c[np.isfinite(c)]
    med, p90 = percentile(c, 50), percentile(c, 90)
    rows.append(_target("crack path length, relative error, median", med, "<=", 5.0, len(c),
                        median=med, p90=p90, unit="%", text="<= 5 %"))
    rows.append(_target("crack path length, relative error, 90th pct", p90, "<=", 10.0, len(c),
                        median=med, p90=p90, unit="%", text="<= 10 %"))
    ci = scenes["crack_init_within"].dropna().astype(bool).to_numpy() if n else np.zeros(0, bool)
    rows.append(_target("crack initiation within one scan", 100 * ci.mean() if len(ci)
                        else math.nan, ">=", 90.0, len(ci), unit="% cracks", text=">= 90 %"))
    ev = events.loc[~events["spurious"].astype(bool)] if len(events) else events
    w = ev["within"].to_numpy(bool) if len(ev) else np.zeros(0, bool)
    err = np.abs(ev["error_s"].to_numpy(float)) if len(ev) else np.zeros(0)
    rows.append(_target("event times within one scan + one frame", 100 * w.mean() if len(w)
                        else math.nan, ">=", 90.0, len(w), median=percentile(err, 50),
                        p90=percentile(err, 90), unit="% events", text=">= 90 %"))
    s = sync_metrics(sync_table)
    e = np.abs(sync_table["error_s"].to_numpy(float)) if sync_table is not None and len(
        sync_table) else np.zeros(0)
    rows.append(_target("sync within max(half scan, one frame)", 100 * s["within_fine"], ">=",
                        90.0, s["n"], median=percentile(e, 50), p90=percentile(e, 90),
                        unit="% scenes", text=">= 90 %"))
    rows.append(_target("sync within two scans", 100 * s["within_two_scans"], ">=", 98.0, s["n"],
                        unit="% scenes", text=">= 98 %"))
    rows.append(_target("sync errors > one scan that carry a warning", 100 * s["large_warned"],
                        ">=", 100.0, s["n_large"], unit="% errors", text="100 %"))
    rows.append(_target("sync errors > one scan with confidence < 0.5",
                        100 * s["large_low_confidence"], ">=", 80.0, s["n_large"],
                        unit="% errors", text=">= 80 %"))
    return pd.DataFrame(rows)


def scene_problems(rec):
    """Score and list what went wrong in one scene (for the worst-scenes table).

    `rec` is the scene's row (a dict) as used by :func:`summarize` plus
    ``status``, ``error``, ``true_mode``, ``max_whisker_rms_px``,
    ``max_rate_error``, ``events_missed``, ``sync_error_s`` (counted only
    when ``has_growth``: the sync targets are over scenes with growth),
    ``scan_period_s``. Each problem adds its size relative to its target; a
    crash or a timeout scores highest.
    """
    if rec.get("status") != "ok":
        return 100.0, [f"{rec.get('status')}: {rec.get('error')}"]
    score, out = 0.0, []
    if rec.get("pixel_size_given"):
        score += 1.0
        out.append(f"pixel size had to be given ({rec['pixel_size_given']})")
    if not (rec.get("mode_ok") and rec.get("sc_ok")):
        score += 5.0
        out.append(f"failure mode {rec.get('measured_mode')} (truth {rec.get('true_mode')}), "
                   f"short circuit {'right' if rec.get('sc_ok') else 'wrong'}")
    missed = int(rec.get("eligible", 0)) - int(rec.get("found", 0))
    if missed > 0:
        score += 2.0 * missed
        out.append(f"{missed} of {int(rec['eligible'])} whiskers not found")
    v = rec.get("max_whisker_rms_px", math.nan)
    if v is not None and np.isfinite(v) and v > 1.0:
        score += v / 1.0
        out.append(f"whisker length RMS {v:.2f} px")
    v = rec.get("max_rate_error", math.nan)
    if v is not None and np.isfinite(v) and v > 0.06:
        score += v / 0.06
        out.append(f"rate error {100 * v:.1f} %")
    v = rec.get("front_rms_px", math.nan)
    if v is not None and np.isfinite(v) and v > 4.0:
        score += v / 4.0
        out.append(f"front RMS {v:.1f} px")
    v = rec.get("crack_rel_error", math.nan)
    if v is not None and np.isfinite(v) and v > 0.10:
        score += v / 0.10
        out.append(f"crack length error {100 * v:.0f} %")
    k = int(rec.get("events_missed", 0) or 0)
    if k:
        score += k
        out.append(f"{k} event time(s) off or missing")
    v, scan = rec.get("sync_error_s", math.nan), rec.get("scan_period_s", math.nan)
    if rec.get("has_growth") and v is not None and np.isfinite(v) and np.isfinite(scan) and abs(v) > scan:
        score += abs(v) / scan
        out.append(f"sync error {v:+.2f} s")
    return score, out
