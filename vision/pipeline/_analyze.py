"""``semtrack analyze``: one video (plus its potentiostat trace) in, results out.

This module composes the layers: the reader and refresh marking, the
calibration, the trackers, the trace reader and its analyses, the clock
synchronisation, growth rates, events and the failure mode. Writing the
results folder is :meth:`Analysis.save` (see :mod:`vision._results`).
"""
import logging
import os
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import electrochem
from calibration import InputError, SyncOffset, offset_from_spans, offset_from_start_times, resolve_pixel_size

from .._schema import FRAME_COLUMNS, WHISKER_COLUMNS
from .._shared._fileio import jsonable
from .._shared._progress import progress_bar
from ..io._registry import open_video
from ..preprocess._databar import find_data_bar
from ..preprocess._refresh import mark_refreshes
from ..track._options import TrackOptions
from ..track._tables import _drop_short_whiskers as drop_short_whiskers
from ..track._tracker import track_iter
from ._events import (
    FRONT_STEP_NOISE_PX,
    crack_initiation,
    events_table,
    first_growth_onset,
    lateral_onset,
    onset_from_growth,
    step_edge_onset,
    whisker_growth_onset,
)
from ._failure import (
    DEFAULT_THRESHOLDS,
    classify_failure,
    classify_growth_modes,
    morphology_from_scans,
    sustained_max,
    thresholds_dict,
)
from ._overlay import FrameSpool, drawing_from_track
from ._rates import growth_rates_per_step
from ._report import growth_mode_text, report_figures
from ._save import save_results
from ._summary import build_summary
from ._sync import resample_trace, synchronise_auto, trace_overlap, video_time

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
        One row per whisker per frame (``whiskers.csv``, columns in its order);
        ``is_duplicate`` beside ``content_time_s`` marks rows that repeat a scan.
    events : DataFrame
        ``event, time_s, frame, voltage_V, current_A, source``.
    growth_rates : DataFrame
        One row per whisker and potential step; the step's set value is
        ``control_V`` (potentiostatic) or ``control_A`` (galvanostatic).
    trace : DataFrame or None
        The potentiostat data on its own clock.
    steps : DataFrame or None
        Potential steps on the video clock.
    kymographs : dict
        whisker_id -> (time, position) uint8 image.
    kymograph_times_s : dict
        whisker_id -> content time (video clock, s) of each kymograph row.
    frame_spool : FrameSpool or None
        The frames the overlay shows (each new scan's first frame and the last
        frame), as decoded, in a temporary file deleted with the object:
        :meth:`save` draws the overlay from them instead of decoding the video
        a second time. None (or a spool that stopped short): it decodes again.
    frame_shape : (rows, cols) or None
        Size of the video's frames, px.

    In a notebook the object shows a short text (``repr``) or, in Jupyter,
    the key plot with the facts and the rate table (``_repr_html_``);
    :meth:`plot` returns the report's figures.
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
    kymograph_times_s: dict = field(default_factory=dict)
    frame_spool: FrameSpool | None = field(default=None, repr=False, compare=False)
    frame_shape: tuple | None = None

    def __repr__(self):
        s = self.summary
        lines = [f"Analysis of {s.get('video_name', self.video_path)}: "
                 f"{s.get('n_frames', len(self.frames))} frames "
                 f"({s.get('n_duplicate_frames', 0)} repeated scans)",
                 f"  failure mode: {s.get('failure_mode')}"
                 + (" with short circuit" if s.get("short_circuit") else ""),
                 f"  growth modes: {growth_mode_text(s)}"]
        r = self.growth_rates
        if r is not None and len(r):
            lines.append(f"  growth rates: {len(r)} (whisker x step), max "
                         f"{float(r['rate_um_s'].max()):.3g} µm/s, j max "
                         f"{float(r['current_density_A_cm2'].max()):.3g} A/cm²")
        else:
            lines.append("  growth rates: none (no whisker tracked long enough)")
        return "\n".join(lines)

    def _repr_html_(self):
        import html as _html

        from ._report import _img, _table, facts_rows, key_figure, rate_rows
        parts = [f"<h4>semtrack analysis: {_html.escape(str(self.summary.get('video_name')))}"
                 "</h4>", _table([r for r in facts_rows(self.summary)
                        if r[0] not in ("trace", "semtrack")])]
        fig = key_figure(self)
        if fig is not None:
            parts.append(_img(fig, "key plot"))
        header, rows = rate_rows(self)
        if rows:
            parts.append(_table(rows, header))
        return "".join(parts)

    def plot(self):
        """The figures of the report (matplotlib, no pyplot state).

        Returns
        -------
        dict of str -> matplotlib.figure.Figure
            Those with something to show, among ``whiskers`` (length with
            fitted rates and kymographs), ``rates`` (growth rate and local
            current density against the step's potential or current),
            ``front`` (lateral front and crack), ``stripping`` (electrode
            lithium area) and ``trace`` (current and voltage). Time axes
            span the video on the video clock.
        """
        return report_figures(self)

    def save(self, out_dir, *, overlay=True, report=True, progress=True, formats=("csv",)):
        """Write the results folder (atomically; a rerun replaces it).

        Parameters
        ----------
        out_dir : str or os.PathLike
            The folder to create or replace.
        overlay : bool
            Write ``overlay.mp4``, drawn on the frames the analysis kept on disk
            (``frame_spool``), or from a second decode of the video without them.
        report : bool
            Write ``report.html``.
        progress : bool
            Show a progress bar for the overlay pass where someone sees it (a widget in
            Jupyter, a text bar on a terminal; nothing in a pipe or a log); False for none.
        formats : sequence of {'csv', 'parquet', 'xlsx'}
            Table files besides the CSV contract: ``parquet`` (``frames.parquet``, ...),
            ``xlsx`` (``results.xlsx``, one sheet per table, written with openpyxl).

        Returns
        -------
        str
            The folder written.

        Raises
        ------
        calibration.InputError
            If `out_dir` holds a file semtrack did not write (it is left untouched).
        """
        return save_results(self, out_dir, overlay=overlay, report=report, progress=progress,
                            formats=formats)




def read_explicit_trace(trace: str | os.PathLike, warn=None, *, columns=None,
                        units=None) -> "electrochem.Trace | None":
    """Read a trace given explicitly; one rule for ``analyze`` and ``batch`` (issue 15.2).

    A file that is missing, cannot be read or has no time column is an error
    (InputError: exit 2 on the command line). A readable trace without a current
    column, or with 0 or 1 data rows, gives a warning and the video is analysed
    without fusion (returns None). ``semtrack batch`` calls this for every trace its
    manifest names before any video is analysed, so that a bad one stops the batch
    at once.

    Parameters
    ----------
    trace : str or os.PathLike
        Potentiostat file (EC-Lab .mpt/.mpr, CSV, ...).
    warn : callable, optional
        Called with the text of each warning; default :func:`warnings.warn`.
    columns, units : dict or str, optional
        CSV column mapping and units (``time=Time,current=I``, ``current=mA``).

    Returns
    -------
    electrochem.Trace or None
        The trace, or None when it cannot be fused (warned).

    Raises
    ------
    calibration.InputError
        Missing or unreadable file, no time column, a bad column mapping.
    """
    if warn is None:
        warn = warnings.warn
    if not os.path.exists(trace):
        raise InputError("no such trace file; check trace", path=trace)
    try:
        data = electrochem.read_trace(trace, columns=columns, units=units)
    except electrochem.EmptyTraceError as exc:
        warn(f"{exc}; the video is analysed without the trace")
        return None
    except InputError as exc:
        if "no current column" not in str(exc):  # the delimited reader's words for it
            raise
        warn(f"{exc}; the video is analysed without the trace")
        return None
    df = data.data
    if len(df) < 2:
        warn(f"{trace}: the trace holds {len(df)} data row(s); the video is analysed "
             "without the trace")
        return None
    if "current_A" not in df or not np.isfinite(df["current_A"].to_numpy(float)).any():
        warn(f"{trace}: the trace has no current column; currents are reported as NaN and "
             "the video is analysed without the trace (give columns=... to map it)")
        return None
    return data


#: Per-scan columns of the tracked frames that grow toward the counter electrode until the
#: touch-down (the short-circuit cue's approach, ``approach_contact``); the crack tip's
#: travel (:data:`CRACK_TIP_COLUMNS`) is added to them.
APPROACH_COLUMNS = ("front_distance_um", "crack_length_um")
#: The crack tip's position, um: its distance from where it was first seen is the main
#: path's progress, which stops at the counter electrode, while the crack's length goes on
#: growing with its branches after the contact.
CRACK_TIP_COLUMNS = ("crack_tip_x_um", "crack_tip_y_um")


def _approach_series(new):
    """(content times, values) per scan of what grows toward the counter electrode.

    The :data:`APPROACH_COLUMNS` and the crack tip's distance from its first
    position (:data:`CRACK_TIP_COLUMNS`), um. A torn frame and the complete
    frame of the same scan share a content time: the last row of a scan (the
    complete one) is taken.
    """
    if new is None or "content_time_s" not in new:
        return ()
    rows = new.drop_duplicates("content_time_s", keep="last")
    t = rows["content_time_s"].to_numpy(float)
    series = [(t, rows[c].to_numpy(float)) for c in APPROACH_COLUMNS if c in rows]
    if set(CRACK_TIP_COLUMNS) <= set(rows.columns):
        x, y = (rows[c].to_numpy(float) for c in CRACK_TIP_COLUMNS)
        seen = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        if len(seen):
            series.append((t, np.hypot(x - x[seen[0]], y - y[seen[0]])))
    return tuple(series)


def _choose_sync(mode, sync_offset_s, video, video_start, trace_obj, tv, features, duration_s,
                 short_trace_s, warn, touchdown_s=None, *, search_s=None, tracked=None,
                 synced=None):
    """Decide the clock offset (see the README's Synchronisation); return a SyncOffset.

    ``absolute`` is used only when asked for: the video's and the trace's start
    times come from two computers (the SEM's and the potentiostat's) whose
    clocks differ by an unknown amount. The automatic estimate's cues and
    drift go to `synced`.
    """
    if sync_offset_s is not None:
        return SyncOffset(offset_s=float(sync_offset_s), method="given", confidence=None,
                          detail="given by the user")
    if mode is None:
        mode = "auto"
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
        new = tracked.frames.loc[~tracked.frames["is_duplicate"].astype(bool)] \
            if tracked is not None else None
        est = synchronise_auto(
            tv, features, trace_obj.data, search_s=search_s, until_trace_s=short_trace_s,
            until_video_s=touchdown_s, lengths=None if tracked is None else tracked.whiskers,
            footprint_um2=None if new is None else (new["content_time_s"].to_numpy(float),
                                                    new["li_area_um2"].to_numpy(float)),
            approach=_approach_series(new))
        for message in est.warnings:
            warn(f"{trace_obj.path}: {message}")
        if synced is not None:
            synced.cues = [c.as_dict() for c in est.cues]
            synced.drift_ppm = est.drift_ppm
            synced.sigma_s = est.sigma_s
        return est.result
    except InputError as exc:
        warn(f"{trace_obj.path}: {exc.message}; the trace is aligned at its start instead")
        return SyncOffset(offset_s=float(t[0]), method="span", confidence=0.0,
                          detail=f"automatic synchronisation failed ({exc.message})")


def analyze(video, *, trace=None, pixel_size_um=None, scale_bar_um=None, fps=None,
            tilt_deg=0.0, electrode=None, counter_electrode=None, sync_offset_s=None,
            sync=None, crop=None, trace_columns=None, trace_units=None, progress=True,
            thresholds=DEFAULT_THRESHOLDS, search_s=None, keep_frames=True):
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
        How to find the offset; default ``'auto'`` (``'absolute'`` only when
        asked: the two start times come from different computers).
    crop : (top, bottom, left, right), optional
        Region to analyse, in px (default: all but the detected data bar).
    trace_columns, trace_units : dict or str, optional
        Column mapping and units of a CSV trace, as for
        :func:`electrochem.read_trace` (``'time=Time,current=I'``).
    progress : bool
        Show a progress bar where someone sees it: a widget in Jupyter
        (``tqdm.auto``), a text bar on a terminal; nothing in a pipe or log.
        False: quiet.
    thresholds : FailureThresholds
        Thresholds of the failure-mode rules.
    search_s : (float, float), optional
        Range of clock offsets the automatic synchronisation searches, s
        (``--sync-window LO,HI``).
    keep_frames : bool
        Keep the frames the overlay shows (one per new scan, as decoded) in a
        temporary file, so that :meth:`Analysis.save` draws ``overlay.mp4``
        without decoding the video again (about 2 MB a scan at 1080p). False
        when no overlay will be written (``--no-overlay``): nothing is spooled,
        and an overlay asked for later decodes the video again.

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
    trace_obj = None if trace is None else read_explicit_trace(
        os.fspath(trace), warn, columns=trace_columns, units=trace_units)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reader = open_video(video, fps=fps)
        with reader:
            first = reader.get_frame(0)
            bar = find_data_bar(first.image,  # its scale bar calibrates even with --crop
                                scan_height_px=(reader.metadata or {}).get("scan_height_px"))
            bar_box = None if bar is None else (bar.top, bar.bottom, bar.left, bar.right)
            pixel = resolve_pixel_size(
                user_um=pixel_size_um,
                tiff_tags=(reader.metadata or {}).get("tiff_tags"),
                image=first.image, data_bar=bar_box, scale_bar_um=scale_bar_um, path=video)
            del first  # a full frame (2 MB at 1080p) not to be held through the run
            n_total = reader.n_frames
            bar_progress = progress_bar(n_total, progress, os.path.basename(video))
            drawings = {}
            # the frames the overlay shows, kept on disk for Analysis.save (no second decode)
            spool = FrameSpool() if keep_frames else None
            frame_shape = tuple(reader.frame_shape)
            iterator = track_iter(
                _spooled(spool, mark_refreshes(iter(reader))), pixel_size_um=pixel.um, electrode=electrode,
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

    request = _Request(video=video, pixel_size_um=pixel_size_um, scale_bar_um=scale_bar_um,
                       fps=fps, tilt_deg=tilt_deg, electrode=electrode,
                       counter_electrode=counter_electrode, sync_offset_s=sync_offset_s,
                       sync=sync, crop=crop, trace_columns=trace_columns,
                       trace_units=trace_units, thresholds=thresholds,
                       search_s=None if search_s is None else tuple(map(float, search_s)))
    tracked = _Tracked(frames=tracks.frames.copy(), whiskers=tracks.whiskers, tracks=tracks,
                       pixel=pixel, bar_box=bar_box, drawings=drawings, video_start=video_start)
    result = _finish(request, tracked, trace_obj, warn, warn_list)
    result.frame_spool, result.frame_shape = spool, frame_shape
    return result


def _spooled(spool, frames):
    """`frames` through the overlay's spool, or unchanged without one."""
    return frames if spool is None else spool.tap(frames)


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


#: A current below this fraction of a record's largest is a rest, not an applied
#: current (a rest's current is leakage and noise, orders of magnitude below the set
#: value of a stripping step).
REST_CURRENT_FRACTION = 0.1


def _is_galvanostatic_stripping(trace_obj):
    """True for a constant-current record that strips the working electrode.

    Contact loss (the depletion time) only has a meaning there: the current
    is the set value (a ``control_A`` column or a CP/GCPL technique) and is
    anodic (positive, EC-Lab's sign for oxidation of the working electrode)
    for most of the time a current is applied. Rest periods before and after
    (set current 0, or a current below :data:`REST_CURRENT_FRACTION` of the
    largest) do not count: a short stripping step inside long rests is still a
    stripping record.
    """
    data = trace_obj.data
    galvanostatic = "control_A" in data or (trace_obj.technique or "").upper() in (
        "CP", "GCPL", "CSTRIP")
    if "control_A" in data:
        applied = data["control_A"].to_numpy(float)
        applied = applied[np.isfinite(applied) & (applied != 0)]
    else:
        current = data["current_A"].to_numpy(float)
        current = current[np.isfinite(current)]
        big = np.max(np.abs(current)) if len(current) else 0.0
        applied = current[np.abs(current) > REST_CURRENT_FRACTION * big]
    return bool(galvanostatic and len(applied) and np.mean(applied > 0) > 0.5)


def _steps_on_video_clock(trace_obj, offset_s, drift_ppm=None):
    data = trace_obj.data
    control = next((c for c in ("control_V", "control_A") if c in data), None)
    if control is None:
        return None
    steps = electrochem.split_steps(data, control=control)
    if steps is None or steps.empty:
        return None
    steps = steps.copy()
    steps["t_start_s"] = video_time(steps["t_start_s"].to_numpy(float), offset_s, drift_ppm)
    steps["t_end_s"] = video_time(steps["t_end_s"].to_numpy(float), offset_s, drift_ppm)
    return steps


@dataclass(frozen=True)
class _Request:
    """What the caller of :func:`analyze` asked for (summary.json ``parameters``)."""

    video: str
    pixel_size_um: float | None
    scale_bar_um: float | None
    fps: float | None
    tilt_deg: float
    electrode: tuple | None
    counter_electrode: object
    sync_offset_s: float | None
    sync: str | None
    crop: tuple | None
    trace_columns: object
    trace_units: object
    thresholds: object
    search_s: tuple | None = None

    def parameters(self):
        ce = self.counter_electrode
        return {
            "pixel_size_um": self.pixel_size_um, "scale_bar_um": self.scale_bar_um,
            "fps": self.fps, "tilt_deg": self.tilt_deg,
            "electrode": None if self.electrode is None else list(self.electrode),
            "counter_electrode": ce if isinstance(ce, (str, type(None))) else list(ce),
            "sync_offset_s": self.sync_offset_s, "sync": self.sync,
            "crop": None if self.crop is None else list(self.crop),
            "trace_columns": self.trace_columns, "trace_units": self.trace_units,
            "thresholds": thresholds_dict(self.thresholds),
            "sync_window_s": None if self.search_s is None else list(self.search_s),
        }


@dataclass
class _Tracked:
    """What the tracking pass produced."""

    frames: pd.DataFrame
    whiskers: pd.DataFrame
    tracks: object
    pixel: object
    bar_box: tuple | None
    drawings: dict
    video_start: object


@dataclass
class _Synced:
    """The trace on the video clock (all None without a trace)."""

    result: SyncOffset | None = None
    steps: object = None
    trace_at: object = None        # t_video -> (voltage_V, current_A)
    short_s: float | None = None   # short circuit, trace clock
    depletion_s: float | None = None  # contact loss (stripping), trace clock
    cues: list | None = None       # automatic sync: every cue's verdict (sync_cues)
    drift_ppm: float | None = None  # automatic sync: clock drift fitted (long runs)
    sigma_s: float | None = None    # automatic sync: standard uncertainty of the offset

    @property
    def edge_std_s(self):
        """Uncertainty of the control-step edges on the video clock, s (the offset's).

        0 for a given offset, a failed or a manual sync, or an undetermined sigma
        (the rates' +- then holds no edge term, as before the sync had a sigma).
        """
        s = self.sigma_s
        return float(s) if s is not None and np.isfinite(s) and s > 0 else 0.0

    @property
    def offset_s(self):
        return self.result.offset_s if self.result is not None else 0.0


@dataclass
class _VideoEvents:
    """Event times the video shows (video clock, s) and the lateral extent per new scan."""

    new: pd.DataFrame
    extent_um: np.ndarray
    growth_onset_s: float | None
    lateral_onset_s: float | None
    crack_initiation_s: float | None
    touchdown_s: float | None
    whisker_onset_s: float | None = None


def _steps_within(steps, times):
    """Control steps on the video clock cut to the video's time span (s).

    A rate row's window ends at its step's end; a step that goes on after the
    last frame (or began before the first) holds no measured growth there, so
    the growth-rate table must not claim that time. A start or end moved to the
    video's first or last scan is no change of potential: ``start_is_edge`` /
    ``end_is_edge`` (bool) say which starts and ends still are (a trace that
    begins or ends within the video keeps its edge there).
    """
    if steps is None or steps.empty or not len(times):
        return steps
    out = steps.copy()
    start = out["t_start_s"].to_numpy(float)
    end = out["t_end_s"].to_numpy(float)
    out["start_is_edge"] = start > float(times[0])
    out["end_is_edge"] = end < float(times[-1])
    out["t_start_s"] = np.maximum(start, float(times[0]))
    out["t_end_s"] = np.minimum(end, float(times[-1]))
    return out.loc[out["t_end_s"] >= out["t_start_s"]]


def _finish(request, tracked, trace_obj, warn, warn_list):
    """Everything after tracking: sync, rates, events, failure mode, summary."""
    frames, whiskers = tracked.frames, tracked.whiskers
    thresholds = request.thresholds
    times = frames["time_s"].to_numpy(float)
    duration = float(times[-1] - times[0]) if len(times) > 1 else 0.0
    tv, features = _plated_features(frames, whiskers)
    touchdown_t = _touchdown_time(frames, tracked.tracks)
    synced = _synchronise(request, tracked, trace_obj, times, duration, tv, features,
                          touchdown_t, warn)
    ev = _video_events(frames, whiskers, tracked.tracks, tracked.pixel, thresholds, touchdown_t,
                       steps=synced.steps, edge_sigma_s=synced.sigma_s)

    off, drift = synced.offset_s, synced.drift_ppm
    trace_sc_v = None if synced.short_s is None else float(video_time(synced.short_s, off, drift))
    # growth stops at the short circuit: the video's touch-down (independent of the sync) or
    # else the trace's short on the video clock
    short_v = touchdown_t if touchdown_t is not None else trace_sc_v
    rates = growth_rates_per_step(whiskers, _steps_within(synced.steps, times),
                                  short_circuit_s=short_v, pixel_size_um=tracked.pixel.um,
                                  edge_std_s=synced.edge_std_s)
    depletion_v = None if synced.depletion_s is None else \
        float(video_time(synced.depletion_s, off, drift))
    events = events_table([
        ("growth_onset", ev.growth_onset_s, "video"),
        ("lateral_onset", ev.lateral_onset_s, "video"),
        ("crack_initiation", ev.crack_initiation_s, "video"),
        ("short_circuit", trace_sc_v, "trace"),
        ("short_circuit", touchdown_t, "video"),
        ("contact_loss", depletion_v, "trace"),
    ], times, synced.trace_at)

    crack_max = float(np.nanmax(frames["crack_length_um"])) if frames[
        "crack_length_um"].notna().any() else None
    morphology = morphology_from_scans(ev.new["crack_length_um"], ev.new["n_branches"],
                                       ev.new["li_area_um2"],
                                       n_hold=thresholds.lateral_min_scans,
                                       scan_time_s=ev.new["content_time_s"],
                                       crack_reach_um=_crack_reach_um(ev.new, tracked),
                                       lateral_reach_um=ev.extent_um,
                                       pixel_size_um=tracked.pixel.um)
    # a crack reaching the counter electrode sets the touch-down too: it is a short
    # circuit, but lateral evidence only when the front touched
    front_touched = _front_touched(ev)
    verdict = classify_failure(
        crack_length_um=crack_max,
        lateral_extent_um=sustained_max(ev.extent_um, thresholds.lateral_min_scans),
        touchdown_time_s=touchdown_t, trace_short_circuit_time_s=trace_sc_v,
        contact_loss_time_s=depletion_v, thresholds=thresholds, morphology=morphology,
        touchdown_by="front" if front_touched else "crack", has_trace=trace_obj is not None)

    growth = _growth_modes(whiskers, ev, crack_max, depletion_v, thresholds,
                           morphology.crack_persistence, front_touched=front_touched)
    modes = [g["mode"] for g in growth if g["present"]]
    summary = build_summary(request=request, tracked=tracked, trace_obj=trace_obj,
                            synced=synced, events=ev, verdict=verdict, rates=rates,
                            trace_sc_v=trace_sc_v, depletion_v=depletion_v, tv=tv,
                            features=features, duration_s=duration, warn_list=warn_list,
                            growth_modes=modes)
    summary["growth_modes"] = modes
    summary["growth_mode_evidence"] = growth
    order = FRAME_COLUMNS + [c for c in frames.columns if c not in FRAME_COLUMNS]
    frames = frames[[c for c in order if c in frames.columns]]
    control = _control_column(trace_obj)
    rates = _name_control(rates, control)
    steps = _name_control(synced.steps, control)
    if control is not None:
        for rec, value in zip(summary["growth_rates"], rates[control].to_numpy(float)):
            rec[control] = float(value)
    tracks = tracked.tracks
    return Analysis(summary=jsonable(summary), frames=frames,
                    whiskers=_whisker_table(whiskers, frames),
                    events=events, growth_rates=rates,
                    trace=None if trace_obj is None else trace_obj.data, steps=steps,
                    kymographs=getattr(tracks, "kymographs", {}) or {},
                    kymograph_times_s=getattr(tracks, "kymograph_times_s", {}) or {},
                    video_path=request.video, fps=request.fps, crop=request.crop,
                    drawings=tracked.drawings)


def _control_column(trace_obj):
    """``control_V`` or ``control_A``: what the potentiostat held in its steps; or None."""
    if trace_obj is None:
        return None
    return next((c for c in ("control_V", "control_A") if c in trace_obj.data), None)


def _name_control(table, control):
    """`table` with ``control_value`` named by the step's kind (``control_V``/``control_A``)."""
    if table is None or "control_value" not in table:
        return table
    if control is None:
        return table.drop(columns="control_value")
    return table.rename(columns={"control_value": control})


def _whisker_table(whiskers, frames):
    """Whiskers with ``is_duplicate`` beside ``content_time_s``; contract columns first.

    ``is_duplicate`` is True where a row repeats a scan already in the table, so
    ``whiskers[~whiskers.is_duplicate]`` holds each whisker once per new scan.
    """
    if whiskers is None:
        return whiskers
    w = whiskers.copy()
    dup = frames.set_index("frame")["is_duplicate"].astype(bool)
    # a row repeats a scan when its frame does, or (a partly refreshed frame) when the
    # same whisker was already measured at that content time: one filter drops both
    w["is_duplicate"] = (w["frame"].map(dup).fillna(False).astype(bool).to_numpy()
                         | w.duplicated(["whisker_id", "content_time_s"]).to_numpy())
    rest = [c for c in w.columns if c not in WHISKER_COLUMNS and c != "is_duplicate"]
    if "content_time_s" in rest:
        rest.insert(rest.index("content_time_s") + 1, "is_duplicate")
    else:
        rest.append("is_duplicate")
    return w[[c for c in WHISKER_COLUMNS if c in w.columns] + rest]


def _growth_modes(whiskers, ev, crack_max, depletion_v, thresholds, crack_persistence=None,
                  *, front_touched):
    """The growth-mode entries of :func:`classify_growth_modes` from the tracked tables.

    `front_touched` (:func:`_front_touched`) says whether the touch-down is the lateral
    front's (lateral evidence) or only a crack's.
    """
    growth_um = None
    if whiskers is not None and len(whiskers):
        w = whiskers.drop_duplicates(["whisker_id", "content_time_s"])
        span = w.groupby("whisker_id")["length_um"].agg(lambda x: x.max() - x.min())
        growth_um = float(span.max()) if len(span) else None
    loss_frac, strip_t = None, None
    new = ev.new
    if "electrode_li_area_um2" in new:
        area = new["electrode_li_area_um2"].to_numpy(float)
        ok = np.isfinite(area)
        if ok.sum() >= 3:
            ref = float(np.median(area[ok][:3]))
            if ref > 0:
                loss = (ref - area) / ref
                n = thresholds.lateral_min_scans
                loss_frac = max(sustained_max(loss, n) or 0.0, 0.0)
                held = np.isfinite(loss) & (loss >= thresholds.stripping_min_loss_fraction)
                if len(held) >= n:
                    runs = np.lib.stride_tricks.sliding_window_view(held, n).all(axis=1)
                    if runs.any():
                        # as for the other onsets: back-extrapolate the loss from the
                        # first held run to zero (the tracker sees it only once > 5 %)
                        start = int(np.argmax(runs))
                        strip_t = onset_from_growth(
                            new["content_time_s"].to_numpy(float),
                            np.where(np.arange(len(loss)) >= start, loss, np.nan))
    return classify_growth_modes(
        whisker_growth_um=growth_um, whisker_onset_s=ev.whisker_onset_s,
        lateral_extent_um=sustained_max(ev.extent_um, thresholds.lateral_min_scans),
        lateral_onset_s=ev.lateral_onset_s,
        touchdown_time_s=ev.touchdown_s if front_touched else None,
        crack_length_um=crack_max, crack_initiation_s=ev.crack_initiation_s,
        electrode_loss_fraction=loss_frac, stripping_onset_s=strip_t,
        contact_loss_time_s=depletion_v, thresholds=thresholds,
        crack_persistence=crack_persistence)


def _crack_reach_um(new, tracked):
    """Per new scan, the crack tip's distance beyond the electrode rim (um; NaN: no tip)."""
    tracks, px = tracked.tracks, tracked.pixel.um
    if tracks is None or tracks.electrode is None or "crack_tip_x_um" not in new:
        return None
    e = tracks.electrode
    return (np.hypot(new["crack_tip_x_um"].to_numpy(float) - e.x_px * px,
                     new["crack_tip_y_um"].to_numpy(float) - e.y_px * px) - e.radius_px * px)


def _front_touched(ev):
    """Whether the lateral front touched the counter electrode in a scan (not only a crack)."""
    return bool(ev.new["front_touching"].astype(bool).any()) if len(ev.new) else False


def _touchdown_time(frames, tracks):
    """Content time of the scan where the front touches the counter electrode, or None."""
    if tracks is None or tracks.touchdown_frame is None:
        return None
    return float(frames.loc[frames["frame"] == tracks.touchdown_frame, "content_time_s"].iloc[0])


def _synchronise(request, tracked, trace_obj, times, duration, tv, features, touchdown_t, warn):
    """Find the clock offset, put voltage and current on ``tracked.frames``; a :class:`_Synced`."""
    frames = tracked.frames
    if trace_obj is None:
        frames["voltage_V"] = np.nan
        frames["current_A"] = np.nan
        return _Synced()
    synced = _Synced()
    data = trace_obj.data
    has_current = "current_A" in data and np.isfinite(data["current_A"].to_numpy(float)).any()
    if has_current:
        synced.short_s = electrochem.detect_short_circuit(data)
        if _is_galvanostatic_stripping(trace_obj):
            synced.depletion_s = electrochem.depletion_time(data)

    synced.result = _choose_sync(request.sync, request.sync_offset_s, request.video,
                                 tracked.video_start, trace_obj, tv, features, duration,
                                 synced.short_s, warn, touchdown_s=touchdown_t,
                                 search_s=request.search_s, tracked=tracked, synced=synced)
    off = synced.result.offset_s
    overlap = trace_overlap(data, duration, offset_s=off)
    if overlap == 0:
        warn(f"{trace_obj.path}: the trace ({data['time_s'].iloc[0]:.1f}-"
             f"{data['time_s'].iloc[-1]:.1f} s) does not overlap the video under the "
             f"offset {off:+.2f} s; voltage and current are NaN. Check sync_offset_s.")
    elif overlap < 0.999:
        warn(f"{trace_obj.path}: the trace covers only {100 * overlap:.0f} % of the "
             "video; frames outside it have NaN voltage and current")
    sampled = resample_trace(data, times, offset_s=off, drift_ppm=synced.drift_ppm)
    for col in ("voltage_V", "current_A"):
        frames[col] = sampled[col] if col in sampled else np.nan
    synced.steps = _steps_on_video_clock(trace_obj, off, synced.drift_ppm)

    def trace_at(t_video):
        s = resample_trace(data, np.asarray(t_video, float), offset_s=off,
                           drift_ppm=synced.drift_ppm)
        return (s["voltage_V"].to_numpy(float) if "voltage_V" in s else np.nan,
                s["current_A"].to_numpy(float) if "current_A" in s else np.nan)

    synced.trace_at = trace_at
    return synced


def _video_events(frames, whiskers, tracks, pixel, thresholds, touchdown_t, *, steps=None,
                  edge_sigma_s=None):
    """Growth onset, lateral onset and crack initiation on the video clock."""
    new = frames.loc[~frames["is_duplicate"].astype(bool)]
    # the first whisker to grow, not always the first seen (a slower one found scans later)
    t_scans = new["content_time_s"].to_numpy(float)
    onset = whisker_growth_onset(t_scans, whiskers, pixel_um=pixel.um)
    if steps is not None and len(steps):
        onset = step_edge_onset(onset, steps["t_start_s"].to_numpy(float), scan_times_s=t_scans,
                                edge_sigma_s=edge_sigma_s)
    electrode_r_um = float(tracks.electrode.radius_px * pixel.um) if tracks is not None else 0.0
    extent = new["front_distance_um"].to_numpy(float) - electrode_r_um
    # Lateral onset: dated from where the confirmed front first left the rim
    lateral = lateral_onset(new["content_time_s"].to_numpy(float), extent,
                            min_extent=thresholds.lateral_min_extent_um,
                            min_scans=thresholds.lateral_min_scans,
                            noise=FRONT_STEP_NOISE_PX * pixel.um, until_s=touchdown_t)
    crack_t = None
    crack_len_all = new["crack_length_um"].to_numpy(float)
    crack_seen = bool(np.isfinite(crack_len_all).any()) and \
        float(np.nanmax(crack_len_all)) >= thresholds.crack_min_length_um
    # A crack initiation is an event only when the crack growth mode holds (the same
    # length threshold): a confirmed crack that never reaches it is not a crack in the
    # summary, and its time must not become the growth onset either.
    if tracks is not None and tracks.crack_initiation_frame is not None and crack_seen:
        # the tracker confirms a crack once it is a few px long: back-extrapolate its
        # length from the run of growth into the crack to the time it was zero
        init_t = float(frames.loc[frames["frame"] == tracks.crack_initiation_frame,
                                  "content_time_s"].iloc[0])
        crack_t = crack_initiation(new["content_time_s"].to_numpy(float), crack_len_all,
                                   start_s=init_t, min_length=thresholds.crack_min_length_um)
    whisker_onset = onset
    # Growth onset: the first lithium growth of any kind the video shows; a crack that does
    # not persist (not a crack growth mode) only when no whisker or front dates it
    persistence = morphology_from_scans(crack_len_all, ()).crack_persistence
    onset = first_growth_onset(onset, lateral, crack_t, crack_persistence=persistence)
    return _VideoEvents(new=new, extent_um=extent, growth_onset_s=onset,
                        lateral_onset_s=lateral, crack_initiation_s=crack_t,
                        touchdown_s=touchdown_t, whisker_onset_s=whisker_onset)
