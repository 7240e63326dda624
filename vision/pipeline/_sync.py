"""Synchronising the video clock with the potentiostat clock.

Clock convention (used everywhere in semtrack)::

    t_trace = t_video + sync_offset_s

The video clock starts at 0 s at the first frame; the trace clock is the
``time_s`` column of the potentiostat file.
"""
import logging

import numpy as np
import pandas as pd

from calibration import InputError, SyncOffset

logger = logging.getLogger(__name__)

__all__ = ["resample_trace", "estimate_offset_auto", "trace_overlap"]

#: Trace columns that hold a set value (held constant between changes):
#: resampled with the nearest sample, not interpolated.
STEP_CHANNEL_PREFIXES = ("control_", "step", "cycle", "mode", "ns")


def _is_step_channel(name):
    return name.startswith(STEP_CHANNEL_PREFIXES)


def resample_trace(trace, frame_times_s, *, offset_s):
    """Trace values at the frames' times.

    Parameters
    ----------
    trace : DataFrame
        Potentiostat data with ``time_s`` (trace clock, increasing) and value
        columns such as ``voltage_V``, ``current_A``, ``control_V``.
    frame_times_s : (N,) array_like
        Frame times on the video clock, in s.
    offset_s : float
        ``t_trace = t_video + offset_s``.

    Returns
    -------
    DataFrame
        One row per frame, column ``trace_time_s`` and every numeric value
        column of `trace`. Continuous channels are interpolated linearly;
        step channels (``control_*``, step/cycle numbers) take the nearest
        sample. Frames outside the record get NaN.
    """
    t_frames = np.asarray(frame_times_s, dtype=float) + float(offset_s)
    t = trace["time_s"].to_numpy(dtype=float)
    out = {"trace_time_s": t_frames}
    inside = (t_frames >= t[0]) & (t_frames <= t[-1]) if len(t) else np.zeros(len(t_frames), bool)
    for name in trace.columns:
        if name == "time_s" or not pd.api.types.is_numeric_dtype(trace[name]):
            continue
        y = trace[name].to_numpy(dtype=float)
        if len(t) < 2:
            values = np.full(len(t_frames), y[0] if len(y) else np.nan)
        elif _is_step_channel(name):
            idx = np.clip(np.searchsorted(t, t_frames), 1, max(len(t) - 1, 1))
            left = t_frames - t[idx - 1] <= t[idx] - t_frames
            values = y[np.where(left, idx - 1, idx)]
        else:
            values = np.interp(t_frames, t, y)
        out[name] = np.where(inside, values, np.nan)
    return pd.DataFrame(out)


def trace_overlap(trace, video_duration_s, *, offset_s):
    """Fraction of the video's duration covered by the trace, 0 to 1."""
    if video_duration_s <= 0:
        return 1.0
    t = trace["time_s"].to_numpy(dtype=float)
    lo = max(t[0], offset_s)
    hi = min(t[-1], offset_s + video_duration_s)
    return float(max(0.0, hi - lo) / video_duration_s)


def _charge_C(trace):
    t = trace["time_s"].to_numpy(dtype=float)
    current = np.nan_to_num(trace["current_A"].to_numpy(dtype=float))
    return t, np.concatenate([[0.0], np.cumsum(
        0.5 * (np.abs(current[1:]) + np.abs(current[:-1])) * np.diff(t))])


def _residual(t, charge, tv, design, off, until, use=None):
    """Mean squared residual of charge(tv + off) regressed on the features.

    Scans after ``until`` (trace clock) are left out, and those not in
    ``use`` (a fixed selection of scans) when it is given.
    """
    q = np.interp(tv + off, t, charge, left=np.nan, right=np.nan)
    ok = np.isfinite(q) & (tv + off < until)
    if use is not None:
        ok &= use
    if ok.sum() < design.shape[1] + 2:
        return np.inf
    coef, *_ = np.linalg.lstsq(design[ok], q[ok], rcond=None)
    r = q[ok] - design[ok] @ coef
    scale = np.ptp(q[ok])
    return float(np.mean(r * r) / scale**2) if scale > 0 else np.inf


def estimate_offset_auto(video_times_s, features, trace, *, search_s=None,
                         resolution_s=None, until_trace_s=None, until_video_s=None):
    """Offset by matching the lithium seen in the video with the charge passed.

    By Faraday's law the plated lithium volume is proportional to the charge
    passed. What the video measures is a sum of parts with unknown factors
    (whisker volume in um3; lateral lithium area in um2, whose thickness is
    unknown), so at the right offset the cumulative charge of the trace is a
    linear combination of them::

        Q(t_video + offset) = a1 * f1(t_video) + a2 * f2(t_video) + c

    The offset is the one whose least-squares fit leaves the smallest
    relative residual: first on a grid of a quarter scan period over every
    offset that keeps the video inside the trace, then on a grid of a tenth
    of that around the best one, refined by a parabola through the minimum.
    The kinks of the charge at potential steps and at the onset of growth
    make the minimum sharp.

    Parameters
    ----------
    video_times_s : (N,) array_like
        Content times of new SEM scans on the video clock, in s.
    features : (N,) or (N, K) array_like
        Quantities proportional to parts of the plated volume at those
        times (e.g. whisker volume in um3, lateral lithium area in um2).
    trace : DataFrame
        ``time_s`` and ``current_A`` on the trace clock.
    search_s : (float, float), optional
        Range of offsets to consider; default: every offset that keeps the
        video inside the trace.
    resolution_s : float, optional
        Step of the fine search; default: a fortieth of the median spacing
        of `video_times_s`.
    until_trace_s : float, optional
        Trace time after which the current no longer plates what the video
        shows (a short circuit): later samples are left out of the fit. The
        cut is placed once, on the video clock, two scan periods before the
        short circuit under a first estimate of the offset, so that every
        candidate offset is judged on the same scans (otherwise an offset
        that pushes a badly measured last scan past the cut looks better).
    until_video_s : float, optional
        Video time from which the video itself shows the end of plating as
        measured (lithium touching the counter electrode): those scans are
        left out.

    Returns
    -------
    calibration.SyncOffset
        ``confidence`` = 1 - (best residual / best residual at offsets more
        than two scan periods away): near 1 for a sharp, unique minimum.

    Raises
    ------
    InputError
        If the video shows no change to correlate with, or the trace has no
        current.
    """
    tv = np.asarray(video_times_s, dtype=float)
    f = np.asarray(features, dtype=float)
    f = f.reshape(len(tv), -1)
    f = f[:, np.isfinite(f).mean(axis=0) >= 0.5]      # features measured in most scans
    good = np.isfinite(tv) & np.isfinite(f).all(axis=1)
    tv, f = tv[good], f[good]
    use = None
    if until_video_s is not None and (tv < float(until_video_s)).sum() >= 6:
        use = tv < float(until_video_s)
    f = f[:, np.ptp(f[use] if use is not None else f, axis=0) > 0] if len(f) else f
    if len(tv) < 6 or f.shape[1] == 0:
        raise InputError("cannot synchronise automatically: the video shows no lithium "
                         "growth to match with the current; give sync_offset_s=S or "
                         "sync='absolute'|'span'")
    if "current_A" not in trace or not np.isfinite(trace["current_A"].to_numpy(float)).any():
        raise InputError("cannot synchronise automatically: the trace has no current; "
                         "give sync_offset_s=S or sync='absolute'|'span'")
    t, charge = _charge_C(trace)
    # the video shows where plating as measured ends: that cut is the same for every offset
    until = np.inf if until_trace_s is None or use is not None else float(until_trace_s)
    design = np.column_stack([f / np.ptp(f[use] if use is not None else f, axis=0),
                              np.ones(len(tv))])
    lo, hi = (t[0] - tv[0], t[-1] - tv[-1]) if search_s is None else search_s
    if hi < lo:  # trace shorter than the video: allow partial overlap
        lo, hi = hi, lo
    dt_scan = float(np.median(np.diff(tv)))
    coarse = max(dt_scan / 4.0, 1e-3)
    offsets = np.arange(lo, hi + coarse / 2, coarse)
    res = np.array([_residual(t, charge, tv, design, off, until, use) for off in offsets])
    if not np.isfinite(res).any():
        raise InputError("cannot synchronise automatically: the trace does not overlap "
                         "the video at any offset; give sync_offset_s=S")
    best = int(np.nanargmin(res))
    if np.isfinite(until):
        # the same scans for every offset: those up to two scans before the short circuit
        # under the first estimate
        use = tv + offsets[best] < until - 2 * dt_scan
        if use.sum() >= design.shape[1] + 4:
            res = np.array([_residual(t, charge, tv, design, off, np.inf, use)
                            for off in offsets])
            if np.isfinite(res).any():
                best = int(np.nanargmin(res))
            until = np.inf
        else:
            use = None
    far = np.abs(offsets - offsets[best]) > 2 * dt_scan
    runner_up = float(np.min(res[far])) if far.any() else np.inf
    step = resolution_s or coarse / 10.0
    fine = np.arange(offsets[best] - coarse, offsets[best] + coarse + step / 2, step)
    fres = np.array([_residual(t, charge, tv, design, off, until, use) for off in fine])
    k = int(np.nanargmin(fres))
    offset = float(fine[k])
    if 0 < k < len(fine) - 1 and np.all(np.isfinite(fres[k - 1:k + 2])):
        y0, y1, y2 = fres[k - 1:k + 2]
        denom = y0 - 2 * y1 + y2
        if denom > 0:
            offset += 0.5 * (y0 - y2) / denom * step
    confidence = float(np.clip(1.0 - fres[k] / runner_up, 0.0, 1.0)) if np.isfinite(
        runner_up) and runner_up > 0 else 0.0
    return SyncOffset(offset_s=offset, method="auto", confidence=confidence,
                      detail=f"charge vs lithium seen: relative residual {fres[k]:.2e} at the "
                             f"best offset, {runner_up:.2e} at the best offset more than two "
                             f"scans away")
