"""summary.json of one analysis: the numbers, the verdict and how they were obtained."""
import os

import numpy as np

import electrochem

from .._shared._fileio import file_sha256
from .._version import __version__
from ._failure import thresholds_dict
from ._sync import scan_period

__all__ = ["build_summary"]


def build_summary(*, request, tracked, trace_obj, synced, events, verdict, rates, trace_sc_v,
                  depletion_v, tv, features, duration_s, warn_list, growth_modes):
    """The ``summary.json`` dictionary (keys: docs/reference/results-format.md, vision._schema).

    ``growth_modes`` (names of :data:`vision._schema.GROWTH_MODES` found) decide which
    speeds exist: a front speed only with ``lateral``, a crack-tip speed only with ``crack``.
    """
    frames, tracks, pixel = tracked.frames, tracked.tracks, tracked.pixel
    new = events.new
    video = request.video
    sync_result = synced.result
    crack_v = None
    if events.crack_initiation_s is not None and synced.trace_at is not None:
        crack_v = float(synced.trace_at([events.crack_initiation_s])[0][0])
    touchdown_t = events.touchdown_s
    sc_time = trace_sc_v if trace_sc_v is not None else touchdown_t
    max_rate = float(rates["rate_um_s"].max()) if len(rates) else None
    inputs = {"video": {"path": os.path.abspath(video), "sha256": file_sha256(video)},
              "trace": None if trace_obj is None else {
                  "path": os.path.abspath(trace_obj.path),
                  "sha256": file_sha256(os.fspath(trace_obj.path))}}
    bar_box = tracked.bar_box
    return {
        "video_name": os.path.splitext(os.path.basename(video.rstrip(os.sep)))[0],
        "failure_mode": verdict.mode,
        "failure_confidence": verdict.confidence,
        "failure_evidence": verdict.evidence,
        "failure_thresholds": thresholds_dict(request.thresholds),
        "short_circuit": verdict.short_circuit,
        "short_circuit_time_s": sc_time,
        # the trace's short circuit, on the video clock (as every *_time_s key)
        "trace_short_circuit_time_s": trace_sc_v,
        # deprecated name of the same value (read by older tools; removed after a release)
        "short_circuit_time_trace_s": trace_sc_v,
        "touchdown_time_s": touchdown_t,
        "growth_onset_time_s": events.growth_onset_s,
        "lateral_onset_time_s": events.lateral_onset_s,
        "crack_initiation_time_s": events.crack_initiation_s,
        "crack_initiation_voltage_V": crack_v,
        "contact_loss_time_s": depletion_v,
        "max_growth_rate_um_s": max_rate,
        "max_local_current_density_A_cm2": float(rates["current_density_A_cm2"].max())
        if len(rates) else None,
        "growth_rates": rates[["whisker_id", "step", "t_start_s", "t_end_s", "rate_um_s",
                               "current_density_A_cm2"]].to_dict("records"),
        # the speed of a front or a crack the analysis found: without one, the front
        # distance is the electrode rim plus noise and whisker roots, not a moving front
        "front_speed_um_s": _speed(new, "front_distance_um") if "lateral" in growth_modes
        else None,
        "crack_tip_speed_um_s": _speed(new, "crack_length_um") if "crack" in growth_modes
        else None,
        "faraday_ratio": _faraday_ratio(tv, features, trace_obj, synced.offset_s),
        "pixel_size_um": pixel.um,
        "pixel_size_source": pixel.source,
        "pixel_size_detail": pixel.detail,
        "sync_offset_s": None if sync_result is None else sync_result.offset_s,
        "sync_method": None if sync_result is None else sync_result.method,
        "sync_confidence": None if sync_result is None else sync_result.confidence,
        "sync_detail": None if sync_result is None else sync_result.detail,
        "sync_cues": synced.cues,
        "sync_drift_ppm": synced.drift_ppm,
        "n_frames": int(len(frames)),
        "n_duplicate_frames": int(frames["is_duplicate"].sum()),
        "n_partial_frames": int(frames["partial_refresh"].sum()) if "partial_refresh" in frames
        else 0,
        "n_skipped_frames": int(tracks.n_skipped_frames) if tracks is not None else 0,
        "scan_period_s": _scan_period(new),
        "duration_s": duration_s,
        "electrode": None if tracks is None else {
            "x_px": tracks.electrode.x_px, "y_px": tracks.electrode.y_px,
            "radius_px": tracks.electrode.radius_px,
            "diameter_um": 2 * tracks.electrode.radius_px * pixel.um,
            "source": tracks.electrode.source},
        "data_bar": None if bar_box is None else dict(zip(("top", "bottom", "left", "right"),
                                                          map(int, bar_box))),
        "warnings": list(warn_list),
        "inputs": inputs,
        "semtrack_version": __version__,
        "parameters": request.parameters(),
    }


def _scan_period(new_frames):
    """Scan period (s) of the new scans: the sync's time-weighted median interval.

    Frames taken for new scans by mistake (an encoder's re-draws) are many short
    intervals covering little time: a plain median would report the frame interval.
    """
    t = np.unique(new_frames["content_time_s"].to_numpy(float))
    t = t[np.isfinite(t)]
    return scan_period(t) if len(t) > 1 else None


def _speed(new_frames, column):
    """Largest robust speed (um/s) of a growing length over 3 consecutive scans."""
    y = new_frames[column].to_numpy(float)
    t = new_frames["content_time_s"].to_numpy(float)
    ok = np.isfinite(y) & (y > 0)
    if ok.sum() < 3:
        return None
    t, y = t[ok], y[ok]
    speeds = [(y[i + 2] - y[i]) / (t[i + 2] - t[i]) for i in range(len(t) - 2)
              if t[i + 2] > t[i]]
    return float(np.median(sorted(speeds)[-3:])) if speeds else None


def _faraday_ratio(tv, features, trace_obj, offset_s):
    """Charge passed / charge of the whisker volume seen (1 = all current into whiskers)."""
    if trace_obj is None or features.shape[1] == 0 or "current_A" not in trace_obj.data:
        return None
    vol = features[:, 0]
    if not np.isfinite(vol).any() or np.ptp(vol) <= 0:
        return None
    data = trace_obj.data
    t = data["time_s"].to_numpy(float)
    i = np.abs(np.nan_to_num(data["current_A"].to_numpy(float)))
    lo, hi = tv[0] + offset_s, tv[-1] + offset_s
    sel = (t >= lo) & (t <= hi)
    if sel.sum() < 2:
        return None
    charge = float(np.trapezoid(i[sel], t[sel]))
    seen = float(electrochem.charge_from_volume(vol[-1] - vol[0]))
    return charge / seen if seen > 0 else None
