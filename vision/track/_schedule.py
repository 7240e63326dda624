"""Frame scheduling of a tracking run: which frames are new scans, and one row per frame.

:class:`FrameScheduler` walks the frames in video order. New, complete scans go to
the per-scan tracker (:class:`vision.track._tracker._Tracker`), which measures them;
duplicates and torn frames repeat the measurement of their scan, blank or saturated
frames are skipped, and the first ``n_background_scans`` scans wait until the
background model exists. Every frame gets its rows in the result tables
(:mod:`vision.track._tables`), in video order.

While they wait, frames keep no pixels (:func:`_without_pixels`): a new scan is kept as
its prepared measurement, and a duplicate, torn or skipped frame needs only its flags and
times. Keeping their images made the buffer grow with the duplicates before the third
scan (2.1 MB a frame at 1920x1080 uint8; 10 more duplicates taken as such raised the
1080p analysis' peak RSS by 21 MB).
"""
import dataclasses
import logging
import math

import numpy as np
import pandas as pd

from calibration import InputError

from ..io._base import Frame
from ..measure.crack._gaps import bridge_crack_gaps
from ..preprocess._normalize import is_blank_or_saturated
from ._frontcrack import (
    CRACK_CONFIRM_SCANS,
    blank_transient_front,
    bridge_front_dropouts,
    confirmed_scans,
    crack_touchdown_scan,
)
from ._tables import FRAME_COLUMNS, WHISKER_COLUMNS, FrameTrack, Tracks, _nan_row

logger = logging.getLogger(__name__)

__all__ = ["FrameScheduler"]

#: Torn frames in a row after which torn frames of new scans are measured as scans (no
#: complete frame may come; normally a scan has at most one or two torn frames).
TORN_RUN_FRAMES = 6

#: Two content times closer than this (s) are the same scan (float round-off only).
SAME_TIME_S = 1e-9


class FrameScheduler:
    """Which frames of a run are new scans; the result tables with one row per frame.

    Parameters
    ----------
    tracker : vision.track._tracker._Tracker
        The per-scan tracker: measures each new, complete scan.
    frame_interval_s : float
        Time between frames given as plain arrays (s).
    """

    def __init__(self, tracker, *, frame_interval_s):
        self.tracker = tracker
        self.frame_interval_s = float(frame_interval_s)
        self.last = None              # last measured FrameTrack (no image, no li_mask)
        self.last_lengths = []        # its whisker lengths (um)
        self.n_skipped = 0
        self.rows = []
        self.whisker_rows = []
        self.drift_rows = []

    def _record(self, ft, lengths):
        """Append the rows of one frame to the frame, drift and whisker tables."""
        if ft.measured:
            self.last_lengths = list(lengths)
        self.rows.append(ft.row)
        fr = ft.frame
        t = float(fr.time_s)
        ct = ft.row["content_time_s"]
        self.drift_rows.append((int(fr.index), t, ft.row["drift_x_px"], ft.row["drift_y_px"]))
        px = self.tracker.px
        for w, length in zip(ft.whiskers, lengths):
            self.whisker_rows.append((int(fr.index), t, ct, int(w.whisker_id),
                                      w.base_xy_px[0] * px, w.base_xy_px[1] * px,
                                      w.tip_xy_px[0] * px, w.tip_xy_px[1] * px, length,
                                      w.width_px * px, self.tracker.censored(w, ft.drift_xy_px),
                                      float(w.tip_sigma_px)))

    def _repeat(self, frame):
        """A frame that repeats the last measurement (duplicate or torn)."""
        last = self.last
        if last is None:
            return None
        row = dict(last.row)
        base = _nan_row(frame)
        for key in ("frame", "time_s", "is_duplicate", "partial_refresh", "skipped"):
            row[key] = base[key]
        if frame.content_time_s is not None and frame.is_duplicate:
            row["content_time_s"] = float(frame.content_time_s)
        ft = FrameTrack(frame=frame, drift_xy_px=last.drift_xy_px, electrode=last.electrode,
                        li_mask=None, whiskers=list(last.whiskers), front=last.front,
                        crack=last.crack, row=row, mask_offset_xy_px=last.mask_offset_xy_px,
                        measured=False)
        self._record(ft, self.last_lengths)
        return ft

    def _trust_tears(self, frames):
        """Frames with torn frames taken as scans when torn frames are all there is.

        A torn frame is normally never measured (the complete frame of its scan
        follows, or the last scan is repeated). When :data:`TORN_RUN_FRAMES` frames
        in a row are torn, no complete scan may ever come (a tear detector that
        flags every frame, or a recording with tears in every frame): then each
        torn frame of a new scan (new ``content_time_s``) is measured as a scan,
        part of it one scan old, which is better than measuring nothing; torn
        frames repeating that scan count as duplicates. The first complete
        frame ends this.
        """
        run, last_ct = 0, None
        for frame in frames:
            if isinstance(frame, np.ndarray) or not frame.partial_refresh:
                run = 0
                if not isinstance(frame, np.ndarray) and not frame.is_duplicate:
                    last_ct = frame.content_time_s
                yield frame
                continue
            run += 1
            if run < TORN_RUN_FRAMES:
                yield frame
                continue
            ct = frame.content_time_s
            new = ct is None or last_ct is None or abs(ct - last_ct) > SAME_TIME_S
            if new:
                last_ct = ct
            yield dataclasses.replace(frame, partial_refresh=False, is_duplicate=not new)

    def run(self, frames):
        """Yield one :class:`FrameTrack` per frame of ``frames`` (see :func:`track_iter`).

        The frames buffered until the background model exists (the first
        ``n_background_scans`` scans and the frames among them) are yielded with
        ``frame.image`` None: the buffer holds no pixels (see the module notes).
        """
        scans = self.tracker
        frames = self._trust_tears(frames)
        pending = []  # frames waiting for the background model: (frame, kind, payload)
        held = None   # a torn frame waiting to see whether the next frame completes its scan
        for i, frame in enumerate(frames):
            if isinstance(frame, np.ndarray):
                frame = Frame(i, i * self.frame_interval_s, frame)
            img = np.asarray(frame.image)
            if img.ndim != 2:
                raise InputError(f"frame {frame.index}: expected a 2-D greyscale image, got shape "
                                 f"{img.shape}; open the video with vision.open_video")
            if held is not None:
                completes = (not frame.is_duplicate and not frame.partial_refresh
                             and frame.content_time_s is not None
                             and held.content_time_s is not None
                             and abs(frame.content_time_s - held.content_time_s) < SAME_TIME_S
                             and not is_blank_or_saturated(img)[0])
                if completes:
                    ft = self._measure_scan(frame, img)
                    yield self._copy_of(held, ft)
                    held = None   # no image is kept once the caller has it
                    yield ft
                    ft = None
                    continue
                yield self._repeat(held)
                held = None
            if frame.is_duplicate and (self.last is not None or pending):
                if pending:
                    pending.append((_without_pixels(frame), "repeat", None))
                else:
                    yield self._repeat(frame)
                continue
            if frame.partial_refresh and (self.last is not None or pending):
                if pending:
                    pending.append((_without_pixels(frame), "repeat", None))
                else:
                    held = frame
                continue
            bad, reason = is_blank_or_saturated(img)
            if bad:
                self.n_skipped += 1
                logger.info("frame %d skipped: %s", frame.index, reason)
                if pending:
                    pending.append((_without_pixels(frame), "skip", None))
                else:
                    yield self._skip(frame)
                continue
            if not scans.started:
                scans.start(img)
            if scans.building_background:
                # the tracker keeps the frame of a background scan too: without its pixels
                kept = _without_pixels(frame)
                pending.append((kept, "scan", scans.prepare(kept, img)))
                if scans.background_complete:
                    scans.finish_background()
                    yield from self._flush(pending)
                    pending = []
                continue
            yield self._measure_scan(frame, img)
        if held is not None:
            yield self._repeat(held)
        if pending:
            scans.finish_background()
            yield from self._flush(pending)

    def _measure_scan(self, frame, img):
        """Measure a new, complete scan once the background model exists."""
        return self._measured(frame, self.tracker.prepare(frame, img))

    def _copy_of(self, frame, ft):
        """A torn frame takes the measurement of the complete frame of its scan."""
        row = dict(ft.row)
        base = _nan_row(frame)
        for key in ("frame", "time_s", "is_duplicate", "partial_refresh", "skipped"):
            row[key] = base[key]
        out = FrameTrack(frame=frame, drift_xy_px=ft.drift_xy_px, electrode=ft.electrode,
                         li_mask=None, whiskers=list(ft.whiskers), front=ft.front, crack=ft.crack,
                         row=row, mask_offset_xy_px=ft.mask_offset_xy_px, measured=False)
        # keep the tables in video order: the torn frame's rows go before the scan's rows
        n_w = len(ft.whiskers)
        rows_before = self.rows.pop()
        drift_before = self.drift_rows.pop()
        w_before = [self.whisker_rows.pop() for _ in range(n_w)][::-1]
        self._record(out, [r[8] for r in w_before])
        self.rows.append(rows_before)
        self.drift_rows.append(drift_before)
        self.whisker_rows.extend(w_before)
        return out

    def _skip(self, frame):
        row = _nan_row(frame, skipped=True)
        last = self.last
        ft = FrameTrack(frame=frame, drift_xy_px=(math.nan, math.nan),
                        electrode=last.electrode if last else self.tracker.electrode_full, li_mask=None,
                        whiskers=[], front=None, crack=None, row=row,
                        mask_offset_xy_px=last.mask_offset_xy_px if last else (0, 0),
                        measured=False)
        self._record(ft, [])
        return ft

    def _measured(self, frame, measurement):
        """The per-scan tracker's measurement of a new scan, recorded as the last one."""
        ft, lengths = self.tracker.measure_scan(frame, measurement)
        self._record(ft, lengths)
        # what a later frame repeats: the yielded track keeps the image and the lithium
        # mask, the kept one only the numbers (two full frames fewer while the next is measured)
        self.last = dataclasses.replace(ft, frame=_without_pixels(ft.frame), li_mask=None)
        return ft

    def _flush(self, pending):
        # taken off the list one by one: a measured scan's full-frame arrays are freed
        # before the next buffered scan is measured (at full HD 9 MB a scan)
        pending.reverse()
        while pending:
            frame, kind, payload = pending.pop()
            if kind == "scan":
                yield self._measured(frame, payload)
            elif kind == "skip":
                yield self._skip(frame)
            else:
                out = self._repeat(frame)
                if out is not None:
                    yield out

    def tracks(self):
        """:class:`Tracks` of the frames seen so far."""
        scans = self.tracker
        frames = pd.DataFrame(self.rows, columns=list(FRAME_COLUMNS))
        whiskers = pd.DataFrame(self.whisker_rows, columns=list(WHISKER_COLUMNS))
        drift = pd.DataFrame(self.drift_rows, columns=["frame", "time_s", "drift_x_px",
                                                       "drift_y_px"])
        kymos = {wid: k.image() for wid, k in scans.kymos.items()}
        ktimes = {wid: np.asarray(k.times_s) for wid, k in scans.kymos.items()}
        if getattr(scans, "front_log", None) is not None:   # front pieces on whiskers' rods
            frames = scans.front_log.resolve(frames, min_scans=scans.options.min_whisker_scans,
                                             pixel_size_um=scans.px)
        frames = blank_transient_front(frames)   # a front needs 3 consecutive scans
        frames = bridge_front_dropouts(frames)   # a missed branch between two scans that saw it
        touch = frames.loc[frames["front_touching"].astype(bool), "frame"]
        touchdown = int(touch.iloc[0]) if len(touch) else None
        # first frame showing each scan (a torn frame carries its scan's measurement)
        measured = frames[~frames["is_duplicate"].astype(bool) & ~frames["skipped"].astype(bool)]
        frames, measured = _bridge_crack(frames, measured)  # a crack missed for one scan
        has = (measured["crack_length_um"].fillna(0) > 0).to_numpy()
        confirmed = confirmed_scans(has, CRACK_CONFIRM_SCANS)
        crack_init = int(measured["frame"].iloc[int(np.argmax(confirmed))]) if confirmed.any() else None
        # cracks seen in fewer consecutive scans are not reported (noise, the first scans
        # of a lateral front): blank them, with the frames that repeat those scans
        transient = measured.loc[has & ~confirmed, "frame"].to_numpy()
        if transient.size:
            scan_of = np.searchsorted(measured["frame"].to_numpy(), frames["frame"].to_numpy(),
                                      side="right") - 1
            first = measured["frame"].to_numpy()[np.clip(scan_of, 0, None)]
            blank = np.isin(first, transient) & (scan_of >= 0) & ~frames["skipped"].to_numpy(bool)
            frames.loc[blank, "crack_length_um"] = 0.0
            frames.loc[blank, ["crack_tip_x_um", "crack_tip_y_um"]] = np.nan
        # a persistent crack reaching the counter electrode is a short circuit too
        crack_touch = _crack_touchdown_frame(measured, confirmed, scans)
        if crack_touch is not None and (touchdown is None or crack_touch < touchdown):
            logger.info("crack reaches the counter electrode at frame %d", crack_touch)
            touchdown = crack_touch
        return Tracks(frames=frames, whiskers=whiskers, drift=drift,
                      electrode=scans.electrode_full, counter_electrode=scans.counter,
                      kymographs=kymos, kymograph_times_s=ktimes, touchdown_frame=touchdown,
                      crack_initiation_frame=crack_init, n_skipped_frames=self.n_skipped,
                      pixel_size_um=scans.px)


def _without_pixels(frame):
    """``frame`` without its image (None): what a frame waiting for the background keeps.

    Its measurement needs only its index, times and refresh flags; a waiting new scan
    is kept as the tracker's prepared (registered, float32) copy of the analysed region.
    """
    return dataclasses.replace(frame, image=None)


def _crack_touchdown_frame(measured, confirmed, scans):
    """The frame of the first scan whose persistent crack reaches the counter electrode.

    Parameters
    ----------
    measured : pandas.DataFrame
        The measured scans' rows (crack tip columns in µm, full-frame coordinates).
    confirmed : numpy.ndarray of bool
        Per row of ``measured``: the scan belongs to the persistent crack.
    scans : vision.track._tracker._Tracker
        The per-scan tracker: its counter electrode (in the analysed region's
        coordinates), that region and the pixel size (µm/px).

    Returns
    -------
    int or None
        The frame, None without a counter electrode or a touching crack.
    """
    if scans.counter is None or scans.region is None or not len(measured):
        return None
    top, bottom, left, right = scans.region
    px = float(scans.px)
    tips = measured[["crack_tip_x_um", "crack_tip_y_um"]].to_numpy(float) / px - (left, top)
    j = crack_touchdown_scan(tips, confirmed, scans.counter, (bottom - top, right - left))
    return None if j is None else int(measured["frame"].iloc[j])


def _bridge_crack(frames, measured):
    """Frames and measured scans with one-scan crack gaps filled (:func:`bridge_crack_gaps`).

    The bridged scan's length is interpolated in time between the scans around it,
    its tip is the later scan's; frames repeating the scan (duplicates, torn frames)
    get the same values.
    """
    length, bridged = bridge_crack_gaps(
        measured["crack_length_um"].to_numpy(float), measured["time_s"].to_numpy(float),
        measured[["crack_tip_x_um", "crack_tip_y_um"]].to_numpy(float))
    if not bridged.any():
        return frames, measured
    frames = frames.copy()
    scan_frames = measured["frame"].to_numpy()
    scan_of = np.searchsorted(scan_frames, frames["frame"].to_numpy(), side="right") - 1
    ok = (scan_of >= 0) & ~frames["skipped"].to_numpy(bool)
    nxt = np.flatnonzero(np.isfinite(measured["crack_length_um"].to_numpy(float))
                         & (measured["crack_length_um"].fillna(0).to_numpy(float) > 0))
    for j in np.flatnonzero(bridged):
        rows = ok & (scan_of == j)
        later = nxt[nxt > j][0]
        frames.loc[rows, "crack_length_um"] = length[j]
        for col in ("crack_tip_x_um", "crack_tip_y_um"):
            frames.loc[rows, col] = measured[col].to_numpy(float)[later]
    measured = frames[~frames["is_duplicate"].astype(bool) & ~frames["skipped"].astype(bool)]
    return frames, measured
