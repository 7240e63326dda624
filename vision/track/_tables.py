"""The result tables of a tracking run: per-frame rows, per-whisker rows, :class:`Tracks`."""
import dataclasses
import math

import numpy as np
import pandas as pd

from ..measure._electrode import Electrode

__all__ = ["FRAME_COLUMNS", "WHISKER_COLUMNS", "FrameTrack", "Tracks"]


#: Columns of ``Tracks.frames`` (and keys of ``FrameTrack.row``), in order.
FRAME_COLUMNS = (
    "frame", "time_s", "content_time_s", "is_duplicate", "partial_refresh", "skipped",
    "drift_x_px", "drift_y_px", "whisker_count", "max_whisker_length_um", "li_area_um2",
    "front_distance_um", "front_projected_um", "fractal_dimension", "n_branches",
    "front_touching", "crack_length_um", "crack_tip_x_um", "crack_tip_y_um",
    "electrode_li_area_um2",
)

#: Columns of ``Tracks.whiskers``, in order.
WHISKER_COLUMNS = (
    "frame", "time_s", "content_time_s", "whisker_id", "base_x_um", "base_y_um", "tip_x_um",
    "tip_y_um", "length_um", "width_um", "censored", "tip_sigma_px",
)



def _nan_row(frame, *, skipped=False):
    """A row of ``FRAME_COLUMNS`` for ``frame`` with nothing measured (NaN, 0, False)."""
    return {
        "frame": int(frame.index), "time_s": float(frame.time_s),
        "content_time_s": float(frame.content_time_s if frame.content_time_s is not None
                                else frame.time_s),
        "is_duplicate": bool(frame.is_duplicate), "partial_refresh": bool(frame.partial_refresh),
        "skipped": bool(skipped), "drift_x_px": math.nan, "drift_y_px": math.nan,
        "whisker_count": 0, "max_whisker_length_um": math.nan, "li_area_um2": math.nan,
        "front_distance_um": math.nan, "front_projected_um": math.nan,
        "fractal_dimension": math.nan, "n_branches": 0, "front_touching": False,
        "crack_length_um": math.nan, "crack_tip_x_um": math.nan, "crack_tip_y_um": math.nan,
        "electrode_li_area_um2": math.nan,
    }



@dataclasses.dataclass
class FrameTrack:
    """The measurement of one input frame.

    Attributes
    ----------
    frame : Frame
        The input frame. Its ``image`` is None for the frames buffered until the
        background model exists (the first scans and the frames among them): the
        buffer holds no pixels.
    drift_xy_px : (float, float)
        Cumulative drift of this frame relative to the first analysed frame.
    electrode : Electrode or None
        The working electrode (first-frame coordinates of the full frame);
        None before it is known (skipped leading frames).
    li_mask : (rows, cols) bool ndarray or None
        Lithium in the analysed region (first-frame coordinates; offset by
        ``mask_offset_xy_px``). None for frames that repeat an earlier
        measurement (duplicates, torn and skipped frames).
    whiskers : list of WhiskerObs
        Whiskers (full-frame pixel coordinates), ids stable across frames.
    front : FrontMeasurement or None
        Lateral front (coordinates in the analysed region: add
        ``mask_offset_xy_px``), None when not measured.
    crack : CrackMeasurement or None
        Crack (analysed-region coordinates), None when there is none.
    row : dict
        This frame's row of ``Tracks.frames``.
    mask_offset_xy_px : (int, int)
        (x, y) of the analysed region's top-left pixel in the full frame.
    measured : bool
        True if this frame was measured (a new, complete, usable scan).
    """

    frame: object
    drift_xy_px: tuple
    electrode: Electrode | None
    li_mask: np.ndarray | None
    whiskers: list
    front: object
    crack: object
    row: dict
    mask_offset_xy_px: tuple = (0, 0)
    measured: bool = False


@dataclasses.dataclass
class Tracks:
    """All measurements of a video (see :func:`track`).

    Attributes
    ----------
    frames : pandas.DataFrame
        One row per input frame, columns :data:`FRAME_COLUMNS`.
    whiskers : pandas.DataFrame
        One row per whisker per frame, columns :data:`WHISKER_COLUMNS`
        (positions in µm, full-frame, drift-corrected; lengths tilt-corrected).
    drift : pandas.DataFrame
        ``frame, time_s, drift_x_px, drift_y_px``.
    electrode : Electrode or None
        Working electrode (px, full frame).
    counter_electrode : CounterElectrode or None
        As used (analysed-region coordinates).
    kymographs : dict of int -> (n_scans, n_positions) uint8 ndarray
        Per whisker id: intensity along its axis (from 5 px inside the base
        outward, 1 px per column) for each measured scan after it appeared.
    kymograph_times_s : dict of int -> (n_scans,) ndarray
        Content time (video clock) of each kymograph row.
    touchdown_frame : int or None
        First frame whose front touches the counter electrode.
    crack_initiation_frame : int or None
        First frame of the first run of :data:`CRACK_CONFIRM_SCANS` consecutive
        scans that all show a crack.
    n_skipped_frames : int
        Blank or saturated frames that were skipped.
    pixel_size_um : float
    """

    frames: pd.DataFrame
    whiskers: pd.DataFrame
    drift: pd.DataFrame
    electrode: Electrode | None
    counter_electrode: object
    kymographs: dict
    kymograph_times_s: dict
    touchdown_frame: int | None
    crack_initiation_frame: int | None
    n_skipped_frames: int
    pixel_size_um: float



def _drop_short_whiskers(tracks, min_scans):
    """Remove whisker ids seen in fewer than ``min_scans`` measured scans; update counts."""
    w = tracks.whiskers
    if w.empty or min_scans <= 1:
        return tracks
    f = tracks.frames
    measured = set(f.loc[~f["is_duplicate"].astype(bool) & ~f["partial_refresh"].astype(bool),
                         "frame"].tolist())
    counts = w[w["frame"].isin(measured)].groupby("whisker_id")["frame"].nunique()
    keep_ids = set(counts[counts >= min_scans].index)
    if len(keep_ids) == counts.size:
        return tracks
    w = w[w["whisker_id"].isin(keep_ids)].reset_index(drop=True)
    per = w.groupby("frame")["length_um"].agg(["count", "max"])
    f = f.copy()
    ok = ~f["skipped"].astype(bool)
    f.loc[ok, "whisker_count"] = f.loc[ok, "frame"].map(per["count"]).fillna(0).astype(int)
    f.loc[ok, "max_whisker_length_um"] = f.loc[ok, "frame"].map(per["max"])
    kymos = {k: v for k, v in tracks.kymographs.items() if k in keep_ids}
    ktimes = {k: v for k, v in tracks.kymograph_times_s.items() if k in keep_ids}
    return dataclasses.replace(tracks, frames=f, whiskers=w, kymographs=kymos,
                               kymograph_times_s=ktimes)
