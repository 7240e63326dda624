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
        if _is_step_channel(name):
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


def _normalised(x):
    x = np.asarray(x, dtype=float)
    x = x - np.nanmean(x)
    norm = np.sqrt(np.nansum(x * x))
    return np.nan_to_num(x / norm) if norm > 0 else np.zeros_like(x)


def estimate_offset_auto(video_times_s, plated_volume, trace, *, search_s=None,
                         resolution_s=None):
    """Offset by matching the lithium volume seen with the charge passed.

    By Faraday's law the plated lithium volume is proportional to the charge
    passed, so the volume seen in the video at video time ``t`` follows
    ``a * Q(t + offset) + b``, where ``Q`` is the cumulative charge of the
    trace. The offset is found in two stages:

    1. coarse: normalised cross-correlation of the volume rate seen with the
       absolute current, over all offsets that keep the video inside the
       trace (the kinks at potential steps and the onset of growth make the
       peak sharp);
    2. fine: the offset near the coarse peak that minimises the residual of
       the straight-line fit of volume against charge, searched on a grid
       finer than a frame interval.

    Parameters
    ----------
    video_times_s : (N,) array_like
        Content times of new SEM scans on the video clock, in s.
    plated_volume : (N,) array_like
        Lithium volume (or any quantity proportional to it, e.g. whisker
        volume in um3) seen at those times.
    trace : DataFrame
        ``time_s`` and ``current_A`` on the trace clock.
    search_s : (float, float), optional
        Range of offsets to consider; default: all offsets that keep the
        video inside the trace.
    resolution_s : float, optional
        Step of the fine search; default: a tenth of the median spacing of
        `video_times_s`.

    Returns
    -------
    calibration.SyncOffset
        ``confidence`` is the correlation at the peak times how much it
        stands out from the best correlation at offsets more than one
        scan period away (0 to 1).

    Raises
    ------
    InputError
        If the video shows no change of volume to correlate with, or the
        trace has no current.
    """
    tv = np.asarray(video_times_s, dtype=float)
    vol = np.asarray(plated_volume, dtype=float)
    good = np.isfinite(tv) & np.isfinite(vol)
    tv, vol = tv[good], vol[good]
    if len(tv) < 4 or np.ptp(vol) <= 0:
        raise InputError("cannot synchronise automatically: the video shows no lithium "
                         "growth to match with the current; give --sync-offset S or "
                         "--sync absolute|span")
    t = trace["time_s"].to_numpy(dtype=float)
    current = trace["current_A"].to_numpy(dtype=float)
    if not np.isfinite(current).any():
        raise InputError("cannot synchronise automatically: the trace has no current; "
                         "give --sync-offset S or --sync absolute|span")
    current = np.nan_to_num(current)
    charge = np.concatenate([[0.0], np.cumsum(0.5 * (np.abs(current[1:]) + np.abs(current[:-1]))
                                              * np.diff(t))])
    span_v = tv[-1] - tv[0]
    lo, hi = (t[0] - tv[0], t[-1] - tv[-1]) if search_s is None else search_s
    if hi < lo:  # trace shorter than the video: allow partial overlap
        lo, hi = hi, lo
    dt_scan = float(np.median(np.diff(tv)))
    step = resolution_s or dt_scan / 10.0

    # Stage 1: correlate the volume rate with |I| on a uniform grid.
    grid_dt = max(dt_scan / 4.0, float(np.median(np.diff(t))))
    tg = np.arange(tv[0], tv[-1] + grid_dt / 2, grid_dt)
    rate = np.gradient(np.interp(tg, tv, vol), tg)
    rate = _normalised(rate)
    offsets = np.arange(lo, hi + grid_dt / 2, grid_dt)
    if len(offsets) == 0:
        offsets = np.array([lo])
    scores = np.empty(len(offsets))
    for k, off in enumerate(offsets):
        q = np.interp(tg + off, t, charge, left=np.nan, right=np.nan)
        i_rate = np.gradient(q, tg)
        ok = np.isfinite(i_rate)
        scores[k] = np.dot(rate[ok], _normalised(i_rate[ok])) if ok.sum() > 3 else -1.0
    best = int(np.argmax(scores))
    far = np.abs(offsets - offsets[best]) > max(2 * dt_scan, 0.05 * span_v)
    runner_up = float(scores[far].max()) if far.any() else 0.0
    peak = float(scores[best])

    # Stage 2: fine search on the volume-charge straight-line residual.
    fine = np.arange(offsets[best] - 2 * grid_dt, offsets[best] + 2 * grid_dt + step / 2, step)
    residuals = np.full(len(fine), np.inf)
    design = np.ones((len(tv), 2))
    for k, off in enumerate(fine):
        q = np.interp(tv + off, t, charge, left=np.nan, right=np.nan)
        ok = np.isfinite(q)
        if ok.sum() < 4:
            continue
        design[:, 0] = np.where(ok, q, 0.0)
        coef, res, *_ = np.linalg.lstsq(design[ok], vol[ok], rcond=None)
        residuals[k] = res[0] / ok.sum() if len(res) else np.inf
    k = int(np.argmin(residuals))
    offset = float(fine[k])
    if 0 < k < len(fine) - 1 and np.all(np.isfinite(residuals[k - 1:k + 2])):
        y0, y1, y2 = residuals[k - 1:k + 2]
        denom = y0 - 2 * y1 + y2
        if denom > 0:
            offset += 0.5 * (y0 - y2) / denom * step
    confidence = float(np.clip(peak, 0, 1) * np.clip((peak - runner_up) / max(peak, 1e-9), 0, 1))
    return SyncOffset(offset_s=offset, method="auto", confidence=confidence, detail=
                      f"volume rate vs |current| correlation {peak:.3f} at the peak, "
                      f"{runner_up:.3f} elsewhere; refined on volume vs charge")
