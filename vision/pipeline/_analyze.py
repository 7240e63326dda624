"""``semtrack analyze``: one video (plus its potentiostat trace) in, results out.

This module composes the layers: the reader and refresh marking, the
calibration, the trackers, the trace reader and its analyses, the clock
synchronisation, growth rates, events and the failure mode. Writing the
results folder is :meth:`Analysis.save` (see :mod:`vision._results`).
"""
import logging
import os
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import electrochem
from calibration import InputError, SyncOffset, offset_from_spans, offset_from_start_times, resolve_pixel_size

from .._schema import FRAME_COLUMNS
from .._shared._fileio import file_sha256, jsonable
from .._version import __version__
from ..io._registry import open_video
from ..preprocess._databar import find_data_bar
from ..preprocess._refresh import mark_refreshes
from ..track._options import TrackOptions
from ..track._tracker import _drop_short_whiskers as drop_short_whiskers
from ..track._tracker import track_iter
from ._events import events_table, onset_from_growth
from ._failure import DEFAULT_THRESHOLDS, classify_failure, sustained_max, thresholds_dict
from ._overlay import drawing_from_track
from ._rates import growth_rates_per_step
from ._save import save_results
from ._sync import estimate_offset_auto, resample_trace, trace_overlap

logger = logging.getLogger(__name__)

#: How ``semtrack analyze`` tracks: the defaults of TrackOptions (defined there, once).
TRACK_OPTIONS = TrackOptions()

__all__ = ["analyze", "Analysis"]

SYNC_MODES = ("auto", "span", "absolute")

#: Lithium lost from the electrode (fraction of its area in the first scans) above which
#: the loss is used for automatic synchronisation (a steady electrode's area scatters
#: by about 1 %).
MIN_ELECTRODE_LOSS = 0.05



@dataclass
class Analysis:
    """The result of :func:`analyze`.

    Attributes
    ----------
    summary : dict
        Everything of ``summary.json`` (JSON-able).
    frames : DataFrame
        One row per frame (``frames.csv``), times on the video clock.
    whiskers : DataFrame
        One row per whisker per frame (``whiskers.csv``).
    events : DataFrame
        ``event, time_s, frame, voltage_V, current_A, source``.
    growth_rates : DataFrame
        One row per whisker and potential step.
    trace : DataFrame or None
        The potentiostat data on its own clock.
    steps : DataFrame or None
        Potential steps on the video clock.
    kymographs : dict
        whisker_id -> (time, position) uint8 image.
    """

    summary: dict
    frames: pd.DataFrame
    whiskers: pd.DataFrame
    events: pd.DataFrame
    growth_rates: pd.DataFrame
    trace: pd.DataFrame | None = None
    steps: pd.DataFrame | None = None
    kymographs: dict = field(default_factory=dict)
    video_path: str = ""
    fps: float | None = None
    crop: tuple | None = None
    drawings: dict = field(default_factory=dict, repr=False)

    def save(self, out_dir, *, overlay=True, report=True, progress=False):
        """Write the results folder (atomically; a rerun replaces it).

        Parameters
        ----------
        out_dir : str or os.PathLike
            The folder to create or replace.
        overlay : bool
            Write ``overlay.mp4`` (a second pass over the video).
        report : bool
            Write ``report.html``.
        progress : bool
            Show a progress bar for the overlay pass.

        Returns
        -------
        str
            The folder written.
        """
        return save_results(self, out_dir, overlay=overlay, report=report, progress=progress)


def _progress(total, enabled, desc):
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit="frame", leave=False, file=sys.stderr)


def _read_trace(trace, warn, *, columns=None, units=None):
    """Read the trace; problems that leave the video analysable become warnings.

    A missing file is an error; a file that cannot be used (no current
    column, no data) is a warning, and the video is analysed without it.
    """
    if not os.path.exists(trace):
        raise InputError("no such trace file; check trace", path=trace)
    try:
        data = electrochem.read_trace(trace, columns=columns, units=units)
    except InputError as exc:
        warn(f"{exc}; the video is analysed without the trace")
        return None
    df = data.data
    if "current_A" not in df or not np.isfinite(df["current_A"].to_numpy(float)).any():
        warn(f"{trace}: the trace has no current column; currents are reported as NaN and "
             "automatic synchronisation is not possible")
    return data


def _choose_sync(mode, sync_offset_s, video, video_start, trace_obj, tv, features, duration_s,
                 short_trace_s, warn, touchdown_s=None):
    """Decide the clock offset (see the README's Synchronisation); return a SyncOffset."""
    if sync_offset_s is not None:
        return SyncOffset(offset_s=float(sync_offset_s), method="given", confidence=None,
                          detail="given by the user")
    if mode is None:
        mode = "absolute" if (video_start and trace_obj.start_time) else "auto"
    if mode == "absolute":
        if not (video_start and trace_obj.start_time):
            raise InputError("sync='absolute' needs start timestamps in both the video and "
                             "the trace file; give sync_offset_s=S or sync='auto'|'span'",
                             path=video if not video_start else trace_obj.path)
        return SyncOffset(offset_s=offset_from_start_times(video_start, trace_obj.start_time),
                          method="absolute", confidence=1.0,
                          detail=f"video start {video_start.isoformat()}, trace start "
                                 f"{trace_obj.start_time.isoformat()}")
    t = trace_obj.data["time_s"].to_numpy(float)
    if mode == "span":
        offset = offset_from_spans(duration_s, float(t[-1] - t[0]), align="start",
                                   trace_start_s=float(t[0]))
        return SyncOffset(offset_s=offset, method="span", confidence=None,
                          detail="trace and video assumed to start together")
    try:
        return estimate_offset_auto(tv, features, trace_obj.data, until_trace_s=short_trace_s,
                                    until_video_s=touchdown_s)
    except InputError as exc:
        warn(f"{trace_obj.path}: {exc.message}; the trace is aligned at its start instead")
        return SyncOffset(offset_s=float(t[0]), method="span", confidence=0.0,
                          detail=f"automatic synchronisation failed ({exc.message})")


def analyze(video, *, trace=None, pixel_size_um=None, scale_bar_um=None, fps=None,
            tilt_deg=0.0, electrode=None, counter_electrode=None, sync_offset_s=None,
            sync=None, crop=None, trace_columns=None, trace_units=None, progress=False,
            thresholds=DEFAULT_THRESHOLDS):
    """Analyse one in-situ SEM video, optionally with its potentiostat trace.

    Parameters
    ----------
    video : str or os.PathLike
        MP4/AVI/MKV/MOV file, multi-page TIFF, or folder of numbered frames.
    trace : str or os.PathLike, optional
        Potentiostat file (EC-Lab .mpt/.mpr, CSV).
    pixel_size_um : float, optional
        Pixel size in um; overrides file metadata and the scale bar.
    scale_bar_um : float, optional
        Length of the scale bar in the data bar, in um (when its label cannot
        be read).
    fps : float, optional
        Frame rate, for TIFF stacks and frame folders without times.
    tilt_deg : float
        Stage tilt in degrees (lengths are corrected, see
        :func:`calibration.tilt_correct`).
    electrode : (x, y), optional
        Electrode centre in px of the first frame; found automatically if None.
    counter_electrode : str or (x, y), optional
        ``'left'|'right'|'top'|'bottom'`` or a point in px; found if visible.
    sync_offset_s : float, optional
        ``t_trace = t_video + sync_offset_s``; overrides `sync`.
    sync : {'auto', 'span', 'absolute'}, optional
        How to find the offset; default ``'absolute'`` when both files carry
        start timestamps, else ``'auto'``.
    crop : (top, bottom, left, right), optional
        Region to analyse, in px (default: all but the detected data bar).
    trace_columns, trace_units : dict or str, optional
        Column mapping and units of a CSV trace, as for
        :func:`electrochem.read_trace` (``'time=Time,current=I'``).
    progress : bool
        Show a progress bar on a terminal.
    thresholds : FailureThresholds
        Thresholds of the failure-mode rules.

    Returns
    -------
    Analysis
    """
    if sync is not None and sync not in SYNC_MODES:
        raise InputError(f"sync must be one of {', '.join(SYNC_MODES)}, not {sync!r}")
    warn_list = []

    def warn(message):
        warn_list.append(message)
        warnings.warn(message, stacklevel=3)

    video = os.fspath(video)
    trace_obj = None if trace is None else _read_trace(
        os.fspath(trace), warn, columns=trace_columns, units=trace_units)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reader = open_video(video, fps=fps)
        with reader:
            first = reader.get_frame(0)
            bar = find_data_bar(first.image)  # its scale bar calibrates even with --crop
            bar_box = None if bar is None else (bar.top, bar.bottom, bar.left, bar.right)
            pixel = resolve_pixel_size(
                user_um=pixel_size_um,
                tiff_tags=(reader.metadata or {}).get("tiff_tags"),
                image=first.image, data_bar=bar_box, scale_bar_um=scale_bar_um, path=video)
            n_total = reader.n_frames
            bar_progress = _progress(n_total, progress, os.path.basename(video))
            drawings = {}
            iterator = track_iter(
                mark_refreshes(iter(reader)), pixel_size_um=pixel.um, electrode=electrode,
                counter_electrode=counter_electrode, data_bar=bar_box, crop=crop,
                tilt_deg=tilt_deg, options=TRACK_OPTIONS)
            for ft in iterator:
                if ft.measured:
                    drawings[ft.frame.index] = drawing_from_track(ft)
                if bar_progress is not None:
                    bar_progress.update(1)
            if bar_progress is not None:
                bar_progress.close()
            tracks = drop_short_whiskers(iterator.tracks, TRACK_OPTIONS.min_whisker_scans)
            kept = set(tracks.whiskers["whisker_id"].tolist())
            for d in drawings.values():
                d.whiskers = [w for w in d.whiskers if w[0] in kept]
        video_start = reader.start_time
    for w in caught:
        if issubclass(w.category, UserWarning) and str(w.message) not in warn_list:
            warn_list.append(str(w.message))

    frames = tracks.frames.copy()
    whiskers = tracks.whiskers
    return _finish(video=video, reader_start=video_start, trace_obj=trace_obj, frames=frames,
                   whiskers=whiskers, tracks=tracks, pixel=pixel, fps=fps, crop=crop,
                   bar_box=bar_box, drawings=drawings, sync=sync, sync_offset_s=sync_offset_s,
                   tilt_deg=tilt_deg, electrode=electrode, counter_electrode=counter_electrode,
                   scale_bar_um=scale_bar_um, pixel_size_um=pixel_size_um,
                   thresholds=thresholds, trace_columns=trace_columns,
                   trace_units=trace_units, warn=warn, warn_list=warn_list)


def _plated_features(frames, whiskers):
    """Per new scan, quantities proportional to parts of the plated lithium volume.

    Columns, in order (one may be constant, e.g. zero; the estimator drops those):

    0. whisker volume, um3 (each whisker's median width, steadier than the
       per-scan width). A whisker that stops being reported (merged into the
       lateral front, out of view) keeps its lithium: its last volume is
       carried forward.
    1. lithium area outside the electrode, um2 (thickness unknown): the
       lateral lithium plus the footprint (length x width) of the whiskers
       reported in that scan, so the area does not jump when a whisker
       merges into the front and is measured as part of it.
    2. crack path length, um (a lithium-filled crack of steady cross-section).
    3. lithium lost from the electrode, um2 (stripping: the electrode's own
       Li area, ``electrode_li_area_um2``, below its value in the first
       scans); only when it exceeds :data:`MIN_ELECTRODE_LOSS` of that value,
       so noise on a steady electrode adds no free parameter.
    """
    new = frames.loc[~frames["is_duplicate"].astype(bool)]
    tv = new["content_time_s"].to_numpy(float)
    volume = np.zeros(len(tv))
    footprint = np.zeros(len(tv))
    if whiskers is not None and len(whiskers):
        w = whiskers.drop_duplicates(["whisker_id", "content_time_s"])
        width = w.groupby("whisker_id")["width_um"].transform("median").fillna(0.0)
        w = w.assign(volume_um3=(np.pi / 4.0) * width ** 2 * w["length_um"],
                     area_um2=width * w["length_um"])
        per_id = w.pivot_table(index="content_time_s", columns="whisker_id",
                               values="volume_um3", aggfunc="first")
        per_id = per_id.reindex(np.unique(tv)).ffill().fillna(0.0)
        volume = per_id.sum(axis=1).reindex(tv).to_numpy(float)
        footprint = w.groupby("content_time_s")["area_um2"].sum().reindex(
            tv, fill_value=0.0).to_numpy(float)
    feats = [volume]
    lateral = new["li_area_um2"].to_numpy(float)
    if np.isfinite(lateral).any() and np.nanmax(lateral) > 0:
        feats.append(np.nan_to_num(lateral - np.nanmin(lateral)) + footprint)
    crack = new["crack_length_um"].to_numpy(float)
    if np.isfinite(crack).any():
        feats.append(np.nan_to_num(crack - np.nanmin(crack)))
    if "electrode_li_area_um2" in new:
        area = new["electrode_li_area_um2"].to_numpy(float)
        ok = np.isfinite(area)
        if ok.sum() >= 3:
            ref = float(np.median(area[ok][:3]))
            lost = np.clip(ref - area, 0.0, None)
            if ref > 0 and np.nanmax(lost) > MIN_ELECTRODE_LOSS * ref:
                feats.append(np.where(ok, lost, np.nan))
    return tv, np.column_stack(feats)


def _is_galvanostatic_stripping(trace_obj):
    """True for a constant-current record that strips the working electrode.

    Contact loss (the depletion time) only has a meaning there: the current
    is the set value (a ``control_A`` column or a CP/GCPL technique) and is
    anodic (positive, EC-Lab's sign for oxidation of the working electrode)
    for most of the record.
    """
    data = trace_obj.data
    galvanostatic = "control_A" in data or (trace_obj.technique or "").upper() in (
        "CP", "GCPL", "CSTRIP")
    current = data["current_A"].to_numpy(float)
    current = current[np.isfinite(current)]
    return bool(galvanostatic and len(current) and np.mean(current > 0) > 0.5)


def _steps_on_video_clock(trace_obj, offset_s):
    data = trace_obj.data
    control = next((c for c in ("control_V", "control_A") if c in data), None)
    if control is None:
        return None
    steps = electrochem.split_steps(data, control=control)
    if steps is None or steps.empty:
        return None
    steps = steps.copy()
    steps["t_start_s"] -= offset_s
    steps["t_end_s"] -= offset_s
    return steps


def _finish(*, video, reader_start, trace_obj, frames, whiskers, tracks, pixel, fps, crop,
            bar_box, drawings, sync, sync_offset_s, tilt_deg, electrode, counter_electrode,
            scale_bar_um, pixel_size_um, thresholds, trace_columns, trace_units, warn,
            warn_list):
    """Everything after tracking: sync, rates, events, failure mode, summary."""

    times = frames["time_s"].to_numpy(float)
    duration = float(times[-1] - times[0]) if len(times) > 1 else 0.0
    tv, features = _plated_features(frames, whiskers)
    touchdown_t = None
    if tracks is not None and tracks.touchdown_frame is not None:
        touchdown_t = float(frames.loc[frames["frame"] == tracks.touchdown_frame,
                                       "content_time_s"].iloc[0])

    sync_result, steps, trace_at = None, None, None
    trace_short_s = trace_depletion_s = None
    if trace_obj is not None:
        data = trace_obj.data
        has_current = "current_A" in data and np.isfinite(data["current_A"].to_numpy(float)).any()
        if has_current:
            trace_short_s = electrochem.detect_short_circuit(data)
            if _is_galvanostatic_stripping(trace_obj):
                trace_depletion_s = electrochem.depletion_time(data)

        sync_result = _choose_sync(sync, sync_offset_s, video, reader_start, trace_obj, tv,
                                   features, duration, trace_short_s, warn,
                                   touchdown_s=touchdown_t)
        off = sync_result.offset_s
        overlap = trace_overlap(data, duration, offset_s=off)
        if overlap == 0:
            warn(f"{trace_obj.path}: the trace ({data['time_s'].iloc[0]:.1f}-"
                 f"{data['time_s'].iloc[-1]:.1f} s) does not overlap the video under the "
                 f"offset {off:+.2f} s; voltage and current are NaN. Check sync_offset_s.")
        elif overlap < 0.999:
            warn(f"{trace_obj.path}: the trace covers only {100 * overlap:.0f} % of the "
                 "video; frames outside it have NaN voltage and current")
        sampled = resample_trace(data, times, offset_s=off)
        for col in ("voltage_V", "current_A"):
            frames[col] = sampled[col] if col in sampled else np.nan
        steps = _steps_on_video_clock(trace_obj, off)

        def trace_at(t_video):
            s = resample_trace(data, np.asarray(t_video, float), offset_s=off)
            return (s["voltage_V"].to_numpy(float) if "voltage_V" in s else np.nan,
                    s["current_A"].to_numpy(float) if "current_A" in s else np.nan)
    else:
        frames["voltage_V"] = np.nan
        frames["current_A"] = np.nan

    rates = growth_rates_per_step(whiskers, steps)

    # Events on the video clock.
    new = frames.loc[~frames["is_duplicate"].astype(bool)]
    onset = None
    if whiskers is not None and len(whiskers):
        w = whiskers.drop_duplicates(["whisker_id", "content_time_s"])
        first_id = w.sort_values("content_time_s")["whisker_id"].iloc[0]
        first_w = w.loc[w["whisker_id"] == first_id]
        t_all = new["content_time_s"].to_numpy(float)
        lengths = first_w.set_index("content_time_s")["length_um"].reindex(t_all).to_numpy()
        onset = onset_from_growth(t_all, lengths)
    electrode_r_um = float(tracks.electrode.radius_px * pixel.um) if tracks is not None else 0.0
    extent = new["front_distance_um"].to_numpy(float) - electrode_r_um
    # Lateral onset: back-extrapolated from the first run of scans that holds the front
    # beyond the threshold for lateral_min_scans scans.
    n_hold = thresholds.lateral_min_scans
    beyond = np.isfinite(extent) & (extent >= thresholds.lateral_min_extent_um)
    runs = np.lib.stride_tricks.sliding_window_view(beyond, n_hold).all(axis=1) \
        if len(beyond) >= n_hold else np.zeros(0, bool)
    lateral_onset = None
    if runs.any():
        start = int(np.argmax(runs))
        lateral_onset = onset_from_growth(
            new["content_time_s"].to_numpy(float),
            np.where(np.arange(len(extent)) >= start, extent, np.nan))
    crack_t = None
    if tracks is not None and tracks.crack_initiation_frame is not None:
        # the tracker confirms a crack once it is a few px long: back-extrapolate its
        # length from the scans after initiation to the time it was zero
        init_t = float(frames.loc[frames["frame"] == tracks.crack_initiation_frame,
                                  "content_time_s"].iloc[0])
        t_new = new["content_time_s"].to_numpy(float)
        crack_len = np.where(t_new >= init_t, new["crack_length_um"].to_numpy(float), np.nan)
        crack_t = onset_from_growth(t_new, crack_len)
    # Growth onset: the first lithium growth of any kind the video shows.
    onset = min((t for t in (onset, lateral_onset, crack_t) if t is not None), default=None)
    off = sync_result.offset_s if sync_result is not None else 0.0
    trace_sc_v = None if trace_short_s is None else trace_short_s - off
    depletion_v = None if trace_depletion_s is None else trace_depletion_s - off
    events = events_table([
        ("growth_onset", onset, "video"),
        ("lateral_onset", lateral_onset, "video"),
        ("crack_initiation", crack_t, "video"),
        ("short_circuit", trace_sc_v, "trace"),
        ("short_circuit", touchdown_t, "video"),
        ("contact_loss", depletion_v, "trace"),
    ], times, trace_at)

    crack_max = float(np.nanmax(frames["crack_length_um"])) if frames[
        "crack_length_um"].notna().any() else None
    verdict = classify_failure(
        crack_length_um=crack_max,
        lateral_extent_um=sustained_max(extent, thresholds.lateral_min_scans),
        touchdown_time_s=touchdown_t, trace_short_circuit_time_s=trace_sc_v,
        contact_loss_time_s=depletion_v, thresholds=thresholds)

    crack_v = None
    if crack_t is not None and trace_at is not None:
        crack_v = float(trace_at([crack_t])[0][0])
    sc_time = trace_sc_v if trace_sc_v is not None else touchdown_t
    max_rate = float(rates["rate_um_s"].max()) if len(rates) else None
    inputs = {"video": {"path": os.path.abspath(video), "sha256": file_sha256(video)},
              "trace": None if trace_obj is None else {
                  "path": os.path.abspath(trace_obj.path),
                  "sha256": file_sha256(os.fspath(trace_obj.path))}}
    summary = {
        "video_name": os.path.splitext(os.path.basename(video.rstrip(os.sep)))[0],
        "failure_mode": verdict.mode,
        "failure_confidence": verdict.confidence,
        "failure_evidence": verdict.evidence,
        "failure_thresholds": thresholds_dict(thresholds),
        "short_circuit": verdict.short_circuit,
        "short_circuit_time_s": sc_time,
        "short_circuit_time_trace_s": trace_sc_v,
        "touchdown_time_s": touchdown_t,
        "growth_onset_time_s": onset,
        "lateral_onset_time_s": lateral_onset,
        "crack_initiation_time_s": crack_t,
        "crack_initiation_voltage_V": crack_v,
        "contact_loss_time_s": depletion_v,
        "max_growth_rate_um_s": max_rate,
        "max_local_current_density_A_cm2": float(rates["current_density_A_cm2"].max())
        if len(rates) else None,
        "growth_rates": rates[["whisker_id", "step", "t_start_s", "t_end_s", "rate_um_s",
                               "current_density_A_cm2"]].to_dict("records"),
        "front_speed_um_s": _speed(new, "front_distance_um"),
        "crack_tip_speed_um_s": _speed(new, "crack_length_um"),
        "faraday_ratio": _faraday_ratio(tv, features, trace_obj, off),
        "pixel_size_um": pixel.um,
        "pixel_size_source": pixel.source,
        "pixel_size_detail": pixel.detail,
        "sync_offset_s": None if sync_result is None else sync_result.offset_s,
        "sync_method": None if sync_result is None else sync_result.method,
        "sync_confidence": None if sync_result is None else sync_result.confidence,
        "sync_detail": None if sync_result is None else sync_result.detail,
        "n_frames": int(len(frames)),
        "n_duplicate_frames": int(frames["is_duplicate"].sum()),
        "n_partial_frames": int(frames["partial_refresh"].sum()) if "partial_refresh" in frames
        else 0,
        "n_skipped_frames": int(tracks.n_skipped_frames) if tracks is not None else 0,
        "scan_period_s": _scan_period(new),
        "duration_s": duration,
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
        "parameters": {
            "pixel_size_um": pixel_size_um, "scale_bar_um": scale_bar_um, "fps": fps,
            "tilt_deg": tilt_deg,
            "electrode": None if electrode is None else list(electrode),
            "counter_electrode": counter_electrode if isinstance(counter_electrode, (str, type(None)))
            else list(counter_electrode),
            "sync_offset_s": sync_offset_s, "sync": sync,
            "crop": None if crop is None else list(crop),
            "trace_columns": trace_columns, "trace_units": trace_units,
            "thresholds": thresholds_dict(thresholds),
        },
    }
    order = FRAME_COLUMNS + [c for c in frames.columns if c not in FRAME_COLUMNS]
    frames = frames[[c for c in order if c in frames.columns]]
    return Analysis(summary=jsonable(summary), frames=frames, whiskers=whiskers,
                    events=events, growth_rates=rates,
                    trace=None if trace_obj is None else trace_obj.data, steps=steps,
                    kymographs=getattr(tracks, "kymographs", {}) or {}, video_path=video,
                    fps=fps, crop=crop, drawings=drawings)


def _scan_period(new_frames):
    t = np.unique(new_frames["content_time_s"].to_numpy(float))
    return float(np.median(np.diff(t))) if len(t) > 1 else None


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
