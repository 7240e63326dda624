"""Streaming events of the lateral front and the crack: touch-down, initiation, tip speed.

Fed once per new SEM scan (not per video frame: a duplicated frame is not
a new scan). Times are on the video clock, seconds; lengths in pixels.
"""
import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np

from ..measure._front import TOUCH_TOLERANCE_PX
from ..measure.crack._detect import ELONGATION as CRACK_ELONGATION
from ..measure.crack._detect import MIN_LENGTH_PX as MIN_CRACK_LENGTH_PX
from ..measure.crack._detect import SIGMA_PX as CRACK_SIGMA_PX

__all__ = ["CRACK_CONFIRM_SCANS", "CRACK_TOUCH_TOLERANCE_PX", "FRONT_CLUSTER_MIN_BRANCHES",
           "FRONT_TOUCH_TOLERANCE_PX", "FrontCrackState", "FrontCrackUpdate", "WhiskerFrontLog",
           "blank_transient_front", "blank_unbranched_front", "bridge_front_dropouts", "confirmed_scans",
           "crack_touchdown_scan", "is_branching_cluster"]

#: The reach columns of the lateral front that :func:`bridge_front_dropouts` restores (um):
#: lithium seen at a distance in an earlier and in a later scan was there in between.
FRONT_REACH_COLUMNS = ("front_distance_um", "front_projected_um")

#: The columns of a frame row that describe the lateral front, and their value without one.
FRONT_EMPTY = {"li_area_um2": 0.0, "front_distance_um": math.nan, "front_projected_um": math.nan,
               "fractal_dimension": math.nan, "n_branches": 0, "front_touching": False}

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FrontCrackUpdate:
    """What one new scan changed. Attributes are None/NaN when not (yet) known.

    Attributes
    ----------
    frame_index : int
        The video frame of this scan.
    time_s : float
        Its time on the video clock, s.
    touchdown_frame : int or None
        First scan frame whose front, or whose persistent crack's tip, touches
        the counter electrode.
    touchdown_now : bool
        True in the scan in which the touch-down became known: the touch-down
        scan itself for a front, the scan that confirms the crack (up to
        ``persist_scans`` later) for a crack.
    crack_initiation_frame : int or None
        First scan frame with a crack of at least the minimum length that is
        still there in the following scan (known one scan later).
    crack_initiation_time_s : float or None
    crack_confirmed_now : bool
        True in the scan that confirmed the initiation (the one after it).
    crack_tip_speed_px_s : float
        Tip displacement since the previous scan with a crack, divided by
        the time between the two scans, px/s; NaN without two such scans.
    crack_growth_rate_px_s : float
        Change of path length per second between the same scans, px/s.
    """

    frame_index: int
    time_s: float
    touchdown_frame: int | None
    touchdown_now: bool
    crack_initiation_frame: int | None
    crack_initiation_time_s: float | None
    crack_confirmed_now: bool
    crack_tip_speed_px_s: float
    crack_growth_rate_px_s: float


#: A crack must be seen in this many consecutive scans to count as initiated (the first
#: scans of a lateral front, a charging streak or noise can look like a Li-filled crack
#: for a scan or two). The one rule of crack initiation: FrontCrackState (streaming) and
#: the tracker (on the finished table, see :func:`confirmed_scans`) both use it.
CRACK_CONFIRM_SCANS = 3


def confirmed_scans(has_crack, n_scans=CRACK_CONFIRM_SCANS):
    """Which scans belong to a run of at least ``n_scans`` consecutive scans with a crack.

    Parameters
    ----------
    has_crack : array-like of bool
        One value per measured scan, in order.
    n_scans : int
        Shortest run that counts.

    Returns
    -------
    numpy.ndarray of bool
        True for every scan of such a run; the first True is the crack initiation.
    """
    has = np.asarray(has_crack, bool)
    confirmed = np.zeros(len(has), bool)
    run = 0
    for j, h in enumerate(has):
        run = run + 1 if h else 0
        if run >= n_scans:
            confirmed[j - run + 1:j + 1] = True
    return confirmed


#: A Li-filled crack whose tip (its path's end) comes this close to the counter electrode
#: (px) touches it. The front's test (:meth:`CounterElectrode.reached`) with its tolerance
#: (:data:`TOUCH_TOLERANCE_PX`, the edge blur of the boundary) plus the crack filter's
#: scale along the line (``SIGMA_PX * ELONGATION`` of :func:`detect_crack`, 3 px): where
#: the crack runs into the counter electrode's lithium its line has no sides, so the
#: filter's response fades over that distance before the boundary and the traced path
#: ends up to that short (tuning seeds 5040 and 5045: 3 px short in the touch-down scan).
CRACK_TOUCH_TOLERANCE_PX = TOUCH_TOLERANCE_PX + CRACK_SIGMA_PX * CRACK_ELONGATION


def crack_touchdown_scan(tips_xy_px, confirmed, counter_electrode, image_shape, *,
                         tolerance_px=CRACK_TOUCH_TOLERANCE_PX) -> int | None:
    """The first scan whose persistent crack reaches the counter electrode.

    A crack filled with lithium that reaches the counter electrode is a short
    circuit, like a lateral front that touches it. Only the tracked, persistent
    crack counts (``confirmed``: a scan of a run of at least
    :data:`CRACK_CONFIRM_SCANS` scans with a crack): a line seen for a scan or two
    (noise, a charging streak) that happens to end at the counter electrode is not
    a touch-down. A crack does not un-touch (the lithium in it stays), so the first
    such scan is the touch-down even when a later scan measures the tip short of
    the counter electrode (a tip lost in its edge blur).

    Parameters
    ----------
    tips_xy_px : array-like, shape (n, 2)
        The crack tip (x, y) of each measured scan, in order, px, in the
        coordinates of ``counter_electrode``; NaN where no crack was measured.
    confirmed : array-like of bool, shape (n,)
        True for the scans of the persistent crack (see :func:`confirmed_scans`).
    counter_electrode : CounterElectrode
        Side or point of the counter electrode.
    image_shape : tuple of int
        (rows, cols) of the images the tips were measured on, px (the boundary of
        a side without its own boundary is the image's edge).
    tolerance_px : float
        A tip this close to the counter electrode touches it, px.

    Returns
    -------
    int or None
        Index of the first touching scan, None when no persistent crack touches.
    """
    tips = np.asarray(tips_xy_px, float).reshape(-1, 2)
    keep = np.asarray(confirmed, bool) & np.isfinite(tips).all(axis=1)
    for j in np.flatnonzero(keep):
        if counter_electrode.reached(tips[j, :1], tips[j, 1:], image_shape,
                                     tolerance_px=tolerance_px):
            return int(j)
    return None


class FrontCrackState:
    """Event detector over successive scans for the front and the crack.

    Parameters
    ----------
    min_crack_length_px : float, optional
        A crack must be at least this long to count for initiation (default
        10 px, the default minimum of :func:`detect_crack`, about three times
        the longest noise line segment).
    persist_scans : int, optional
        How many following scans must also show the crack before the
        initiation is accepted (default ``CRACK_CONFIRM_SCANS - 1`` = 2, the
        rule of the analyze pipeline): short flashes (noise, a charging
        streak, the first scans of a lateral front) are not initiations.
    counter_electrode : CounterElectrode, optional
        With it, a crack whose tip reaches the counter electrode (see
        :func:`crack_touchdown_scan`) is a touch-down, once the crack is
        confirmed (its run of scans reaches ``persist_scans + 1``).
    image_shape : tuple of int, optional
        (rows, cols) of the images the crack is measured on, px (needed with a
        side counter electrode without its own boundary).

    Examples
    --------
    >>> state = FrontCrackState()
    >>> for k, t, front, crack in scans:          # doctest: +SKIP
    ...     upd = state.update(frame_index=k, time_s=t, front=front, crack=crack)
    """

    def __init__(self, *, min_crack_length_px=MIN_CRACK_LENGTH_PX, persist_scans=CRACK_CONFIRM_SCANS - 1,
                 counter_electrode=None, image_shape=None):
        if persist_scans < 0:
            raise ValueError(f"persist_scans must be >= 0; got {persist_scans}.")
        if (counter_electrode is not None and counter_electrode.side is not None
                and counter_electrode.boundary_px is None and image_shape is None):
            raise ValueError("a side counter electrode without boundary_px needs image_shape=(rows, "
                             "cols): its boundary is the image's edge.")
        self.counter_electrode = counter_electrode
        self.image_shape = image_shape
        self._run = 0            # consecutive scans with a crack, this one included
        self._run_touch = None   # (frame, time) of the run's first scan whose tip touches
        self.min_crack_length_px = float(min_crack_length_px)
        self.persist_scans = int(persist_scans)
        self.touchdown_frame = None
        self.touchdown_time_s = None
        self.crack_initiation_frame = None
        self.crack_initiation_time_s = None
        self._candidate = None  # (frame, time, scans seen)
        self._prev_crack = None  # (time, tip_xy, length)
        self._last_time = None

    def _crack_touch(self, frame_index, time_s, crack):
        """Follow the run of scans with a crack; True when it makes the touch-down known."""
        if crack is None:
            self._run, self._run_touch = 0, None
            return False
        self._run += 1
        if self.counter_electrode is None or self.touchdown_frame is not None:
            return False
        if self._run_touch is None and crack_touchdown_scan(
                [crack.tip_xy_px], [True], self.counter_electrode, self.image_shape) is not None:
            self._run_touch = (int(frame_index), time_s)
        if self._run_touch is None or self._run < self.persist_scans + 1:
            return False
        self.touchdown_frame, self.touchdown_time_s = self._run_touch
        logger.info("crack reaches the counter electrode at frame %d (t = %.2f s)",
                    self.touchdown_frame, self.touchdown_time_s)
        return True

    def update(self, *, frame_index, time_s, front=None, crack=None):
        """Feed one new scan; return a :class:`FrontCrackUpdate`.

        Parameters
        ----------
        frame_index : int
            Video frame index of the scan.
        time_s : float
            Video-clock time of the scan, s; must increase from call to call.
        front : FrontMeasurement, optional
            From :func:`measure_front` (None: no front measured).
        crack : CrackMeasurement, optional
            From :func:`detect_crack` (None: no crack).
        """
        time_s = float(time_s)
        if self._last_time is not None and not time_s > self._last_time:
            raise ValueError(f"time_s must increase from scan to scan; got {time_s} after "
                             f"{self._last_time}. Feed each new scan once, in order.")
        self._last_time = time_s
        touch_now = False
        if self.touchdown_frame is None and front is not None and bool(front.touching):
            self.touchdown_frame = int(frame_index)
            self.touchdown_time_s = time_s
            touch_now = True
            logger.info("front touches the counter electrode at frame %d (t = %.2f s)",
                        frame_index, time_s)
        has_crack = crack is not None and crack.path_length_px >= self.min_crack_length_px
        touch_now = self._crack_touch(frame_index, time_s, crack if has_crack else None) or touch_now
        confirmed = False
        if self.crack_initiation_frame is None:
            if has_crack:
                if self._candidate is None:
                    self._candidate = [int(frame_index), time_s, 0]
                else:
                    self._candidate[2] += 1
                if self._candidate[2] >= self.persist_scans:
                    self.crack_initiation_frame = self._candidate[0]
                    self.crack_initiation_time_s = self._candidate[1]
                    confirmed = True
                    logger.info("crack initiated at frame %d (t = %.2f s)",
                                self.crack_initiation_frame, self.crack_initiation_time_s)
            else:
                self._candidate = None
        speed = rate = math.nan
        if has_crack:
            tip = np.asarray(crack.tip_xy_px, float)
            if self._prev_crack is not None:
                t0, tip0, len0 = self._prev_crack
                dt = time_s - t0
                speed = float(np.hypot(*(tip - tip0)) / dt)
                rate = float((crack.path_length_px - len0) / dt)
            self._prev_crack = (time_s, tip, float(crack.path_length_px))
        else:
            self._prev_crack = None
        return FrontCrackUpdate(
            frame_index=int(frame_index), time_s=time_s,
            touchdown_frame=self.touchdown_frame, touchdown_now=touch_now,
            crack_initiation_frame=self.crack_initiation_frame,
            crack_initiation_time_s=self.crack_initiation_time_s,
            crack_confirmed_now=confirmed,
            crack_tip_speed_px_s=speed, crack_growth_rate_px_s=rate,
        )


#: Lateral lithium is a branching, area-filling cluster (the paper's DLA fronts show tens of
#: branch tips): the front of a video counts only if, in some run of CRACK_CONFIRM_SCANS
#: consecutive scans, it has at least this many branch tips. A whisker is one rod with one
#: tip, two or three whiskers the finder missed end in two or three, a crack in a few; the
#: tuning sets' lateral fronts hold 30-55. The same count as the failure classifier's
#: ``vision.pipeline._failure.LATERAL_MIN_BRANCHES`` (one definition of a cluster; a test
#: keeps the two equal).
FRONT_CLUSTER_MIN_BRANCHES = 5


def _measured_scans(frames):
    """The rows of ``frames`` that are measured scans (not duplicates, not skipped)."""
    return frames[~frames["is_duplicate"].astype(bool) & ~frames["skipped"].astype(bool)]


def is_branching_cluster(n_branches, min_branches=FRONT_CLUSTER_MIN_BRANCHES,
                         n_scans=CRACK_CONFIRM_SCANS):
    """Whether a front holds at least ``min_branches`` branch tips for ``n_scans`` consecutive scans.

    Parameters
    ----------
    n_branches : array-like of float
        Branch tips of the front per measured scan, in order (NaN: none).
    min_branches : int
        Fewest branch tips of a cluster.
    n_scans : int
        Shortest run of consecutive scans that must hold them.

    Returns
    -------
    bool
    """
    many = np.nan_to_num(np.asarray(n_branches, float), nan=0.0) >= min_branches
    return bool(confirmed_scans(many, n_scans).any())


def blank_unbranched_front(frames, min_branches=FRONT_CLUSTER_MIN_BRANCHES,
                           n_scans=CRACK_CONFIRM_SCANS):
    """Blank the front of a video in which it never becomes a branching cluster.

    Issue 15: a whisker's stub, a whisker the finder missed (straight, kinked, curved,
    two grown together), a crack's lithium and rim noise are connected to the
    electrode like lateral lithium, but none of them branches: lateral growth spreads
    along the surface as a fractal with many tips (:data:`FRONT_CLUSTER_MIN_BRANCHES`).
    A video whose front never holds that many tips for ``n_scans`` consecutive scans
    has no lateral front; one that does keeps every scan, its young unbranched first
    scans too (decided on the finished table, like :func:`blank_transient_front`).

    Parameters
    ----------
    frames : pandas.DataFrame
        The tracker's frame table (``frame``, ``is_duplicate``, ``skipped``,
        ``n_branches`` and the front columns of :data:`FRONT_EMPTY`), one row per video
        frame in order.
    min_branches : int
        Fewest branch tips of a cluster; 0 keeps every front.
    n_scans : int
        Consecutive measured scans that must hold them.

    Returns
    -------
    pandas.DataFrame
        A copy; without a cluster, every row that is not skipped has the no-front
        values of :data:`FRONT_EMPTY` but its ``li_area_um2``: that lithium is there
        (a whisker's, which the charge-volume sync counts), it is just not a front.
    """
    out = frames.copy()
    measured = _measured_scans(out)
    if min_branches <= 0 or not len(measured) or \
            is_branching_cluster(measured["n_branches"].to_numpy(float), min_branches, n_scans):
        return out
    return _blank_front(out)


def _blank_front(frames, rows=None, *, keep_area=True):
    """``frames`` (modified in place) with the no-front values of :data:`FRONT_EMPTY`
    in ``rows`` (bool mask; default: every row that is not skipped), ``li_area_um2``
    kept when ``keep_area`` (that lithium is there, it is just not a front)."""
    if rows is None:
        rows = ~frames["skipped"].astype(bool).to_numpy()
    for col, value in FRONT_EMPTY.items():
        if col in frames and not (keep_area and col == "li_area_um2"):
            frames.loc[rows, col] = value
    return frames


def _rows_of_scans(frames, scan_frames, chosen):
    """Rows of ``frames`` (not skipped) that are one of the scans ``chosen`` or repeat it.

    ``scan_frames`` holds the frame of every measured scan, increasing; a row belongs to
    the last scan at or before its frame (duplicates and torn frames repeat it).
    """
    scan_of = np.searchsorted(scan_frames, frames["frame"].to_numpy(), side="right") - 1
    of = scan_frames[np.clip(scan_of, 0, None)]
    return np.isin(of, chosen) & (scan_of >= 0) & ~frames["skipped"].to_numpy(bool)


def blank_transient_front(frames, n_scans=CRACK_CONFIRM_SCANS, *, min_branches=FRONT_CLUSTER_MIN_BRANCHES):
    """Blank the lateral front in scans that are not part of a run of ``n_scans`` scans.

    Lateral growth needs the same persistence as a crack (issue 11: at least three
    new scans before it counts): a front measured in one or two consecutive scans
    only (noise, a whisker's stub, a flicker of the rim) is not reported. Decided on
    the finished frame table, like the crack's initiation, so the first scans of a
    true front keep their measurement. First, a video whose front never becomes a
    branching cluster has none (:func:`blank_unbranched_front` with ``min_branches``).

    Parameters
    ----------
    frames : pandas.DataFrame
        The tracker's frame table (``frame``, ``is_duplicate``, ``skipped``,
        ``n_branches`` and the front columns of :data:`FRONT_EMPTY`), one row per video
        frame in order.
    n_scans : int
        Shortest run of consecutive measured scans with a front that counts.
    min_branches : int, optional
        Branch tips a cluster holds for ``n_scans`` scans (see
        :func:`blank_unbranched_front`); 0 keeps unbranched fronts.

    Returns
    -------
    pandas.DataFrame
        A copy with the front columns of the transient scans (and of the frames
        that repeat them) set to their no-front values.
    """
    out = blank_unbranched_front(frames, min_branches, n_scans)
    measured = _measured_scans(out)
    if not len(measured):
        return out
    has = np.isfinite(measured["front_distance_um"].to_numpy(float))
    transient = measured.loc[has & ~confirmed_scans(has, n_scans), "frame"].to_numpy()
    if not transient.size:
        return out
    # the frames that repeat a transient scan (duplicates, torn frames) go with it
    blank = _rows_of_scans(out, measured["frame"].to_numpy(), transient)
    return _blank_front(out, blank, keep_area=False)


def bridge_front_dropouts(frames, columns=FRONT_REACH_COLUMNS):
    """Raise a front reach that dips below what the scans before and after it both reached.

    Plated lithium does not vanish and come back: when scan k measures the front
    nearer the electrode than both an earlier and a later scan did, a branch of
    the front was missed in scan k (a thin branch under the noise, a branch cut
    off from the electrode by one dark pixel, a scan torn over the tip), not a
    front that retreated and grew again. The reach of scan k becomes
    ``max(r_k, min(max(r_j, j < k), max(r_j, j > k)))``: the furthest distance
    confirmed on both sides. A front that really retreats (stripping) stays
    low in the later scans and is left as measured; the last scan is never
    changed; scans without a front stay without one (no value is invented
    where nothing was measured). Decided on the finished frame table, like
    :func:`blank_transient_front`, which should run first (a one-scan flicker
    must not become a bridge's pier).

    Parameters
    ----------
    frames : pandas.DataFrame
        The tracker's frame table (``frame``, ``is_duplicate``, ``skipped`` and
        the reach ``columns``), one row per video frame in order.
    columns : sequence of str
        The reach columns to bridge, each separately.

    Returns
    -------
    pandas.DataFrame
        A copy; frames that repeat a scan (duplicates, torn frames) get their
        scan's value.
    """
    out = frames.copy()
    is_scan = ~out["is_duplicate"].astype(bool).to_numpy() & ~out["skipped"].astype(bool).to_numpy()
    if is_scan.sum() < 3:
        return out
    scan_rows = np.flatnonzero(is_scan)
    # each frame's scan: the last measured scan at or before it (skipped frames: none)
    scan_of = np.searchsorted(scan_rows, np.arange(len(out)), side="right") - 1
    follows = (scan_of >= 0) & ~out["skipped"].astype(bool).to_numpy()
    for col in columns:
        if col not in out:
            continue
        r = out[col].to_numpy(float)[scan_rows]
        f = np.where(np.isfinite(r), r, -np.inf)
        before = np.maximum.accumulate(np.r_[-np.inf, f[:-1]])
        after = np.r_[np.maximum.accumulate(f[::-1])[::-1][1:], -np.inf]
        bridged = np.where(np.isfinite(r), np.maximum(f, np.minimum(before, after)), np.nan)
        if np.array_equal(bridged, r, equal_nan=True):
            continue
        vals = out[col].to_numpy(float).copy()
        # only rows that carry their scan's own measurement take the bridged value
        own = np.zeros(len(vals), bool)
        own[follows] = vals[follows] == r[scan_of[follows]]
        vals[own] = bridged[scan_of[own]]
        out[col] = vals
    return out


#: A front piece lies along a whisker's rod when at least this fraction of its footprint
#: is within the rod's corridor (a stub or a whisker the finder lost in some scans lies
#: wholly in it; a branched front that merely touches a rod does not).
WHISKER_PIECE_FRAC = 0.8
#: The corridor around a tracked whisker's centre line: its half-width plus this (px): the
#: segmentation draws a rod with its bright rims and edge blur (1-3 px beyond its core).
WHISKER_CORRIDOR_MARGIN_PX = 3.0
#: A front piece that is not mostly in a whisker's corridor but covers at least this
#: fraction of the rod's area (length times width) has outgrown it: that "whisker" is the
#: young trunk of a lateral front, and none of the pieces along it are taken out.
WHISKER_OUTGROWN_FRAC = 0.5


#: A front whose outline comes this close to the counter electrode (px) touches it, in the
#: scan-end check of :meth:`WhiskerFrontLog.resolve`: the front's own test
#: (:data:`TOUCH_TOLERANCE_PX`, the edge blur of the boundary) plus the one pixel next to
#: the counter electrode's band, which the segmentation does not give to the lithium that
#: fills it: the band's blurred edge already darkens that pixel in the background, so the
#: lithium's contrast there is about half. The front that touches ends that pixel short
#: (tuning seeds 5036, 7026, 7079: its outermost pixel 1.1-1.8 px from the boundary in the
#: first scan after the touch-down, so the touch was read one scan late).
FRONT_TOUCH_TOLERANCE_PX = TOUCH_TOLERANCE_PX + 1.0

#: A front piece lies behind the electrode when its furthest point along the direction
#: electrode -> counter electrode is at most this far past the electrode's centre (px):
#: none of it is on the counter electrode's side of the centre line, where lateral
#: lithium grows (a piece grown from the rim's facing half reaches past it at once).
BEHIND_ELECTRODE_PX = 0.0


class WhiskerFrontLog:
    """The front pieces and the whisker rods of each scan, to tell them apart at the end.

    A whisker's stub before the whisker finder picks it up, or its rod in scans
    where the finder lost it (a rod segmented as its two bright rims, a kinked rod),
    is measured as a piece of the lateral front. Which pieces are whiskers is known
    only from the other scans: a piece lying along the rod of a whisker tracked in
    at least ``min_scans`` scans (before or after) is that whisker, not lateral
    lithium. A whisker whose corridor a larger front piece outgrows in some scan
    (the young trunk of a lateral front, tracked as a whisker until it branched) is
    not used. Feed :meth:`add` once per measured scan, then :meth:`resolve` the
    frame table.
    """

    def __init__(self):
        self.shape = None     # (rows, cols) of the masks the pieces and rods are on
        self._pieces = {}     # frame -> tuple of FrontPiece (scans with more than nothing)
        self._rods = {}       # whisker id -> list of (centre line (K, 2), half-width px)
        self._scans = {}      # whisker id -> number of scans seen
        self._rim_zone = {}   # frame -> rim zone radius px, scans with a known counter electrode
        self._scan_frames = []  # the frame of every measured scan, in order
        self._near = {}       # frame -> its front's leading piece, outline within reach of the CE

    def add(self, frame_index, front, whiskers, shape, counter=None):
        """Record one measured scan: its :class:`FrontMeasurement` (or None), its whiskers
        (objects with ``whisker_id``, ``width_px`` and ``centreline()``) and the (rows, cols)
        of the masks they were measured on. With the ``counter`` electrode the front was
        measured against (:class:`CounterElectrode`, same coordinates), a front whose
        outline comes within :data:`FRONT_TOUCH_TOLERANCE_PX` of it is recorded as
        touching (:meth:`touching_near_counter`)."""
        self.shape = (int(shape[0]), int(shape[1]))
        self._scan_frames.append(int(frame_index))
        if front is not None and front.pieces:
            self._pieces[int(frame_index)] = front.pieces
            outline = None if counter is None else np.asarray(front.contour, float).reshape(-1, 2)
            if outline is not None and len(outline) and counter.reached(
                    outline[:, 0], outline[:, 1], self.shape, tolerance_px=FRONT_TOUCH_TOLERANCE_PX):
                # the piece that leads toward the counter electrode is the one that touches
                self._near[int(frame_index)] = int(np.argmax([p.projected_px for p in front.pieces]))
            # the direction to the counter electrode is known when the front was projected on it
            if np.isfinite(front.projected_px) and np.isfinite(front.rim_zone_px):
                self._rim_zone[int(frame_index)] = float(front.rim_zone_px)
        for w in whiskers:
            wid = int(w.whisker_id)
            self._scans[wid] = self._scans.get(wid, 0) + 1
            line = np.asarray(w.centreline(step_px=2.0), np.float32)
            self._rods.setdefault(wid, []).append((line, 0.5 * float(w.width_px)))

    def whisker_pieces(self, min_scans):
        """{frame: indices of its pieces that are whiskers} for the scans recorded."""
        if not self._pieces or self.shape is None:
            return {}
        shape = self.shape
        ids = [wid for wid, n in self._scans.items() if n >= min_scans]
        out = {}
        for wid in ids:
            corridor = np.zeros(shape, np.uint8)
            for line, half in self._rods[wid]:
                pts = np.round(line).astype(np.int32).reshape(-1, 1, 2)
                thick = max(int(round(2 * (half + WHISKER_CORRIDOR_MARGIN_PX))) + 1, 1)
                cv2.polylines(corridor, [pts], False, 1, thick)
                cv2.circle(corridor, tuple(int(v) for v in pts[0, 0]), thick // 2, 1, -1)
            hits, outgrown = {}, False
            rod_area = max(2.0 * max(len(line) - 1, 1) * 2.0 * half for line, half in self._rods[wid])
            for frame, pieces in self._pieces.items():
                for j, p in enumerate(pieces):
                    pts = np.round(p.points_xy_px).astype(int)
                    inside = corridor[np.clip(pts[:, 1], 0, shape[0] - 1),
                                      np.clip(pts[:, 0], 0, shape[1] - 1)] > 0
                    frac = float(inside.mean()) if inside.size else 0.0
                    if frac >= WHISKER_PIECE_FRAC:
                        hits.setdefault(frame, []).append(j)
                    elif frac * p.area_px >= WHISKER_OUTGROWN_FRAC * rod_area:
                        outgrown = True
            if outgrown:
                continue
            for frame, js in hits.items():
                out.setdefault(frame, set()).update(js)
        return out

    def resolve(self, frames, *, min_scans, pixel_size_um):
        """The frame table with the whisker pieces taken out of the front columns.

        Parameters
        ----------
        frames : pandas.DataFrame
            The tracker's frame table (``frame``, ``is_duplicate``, ``skipped`` and the
            front columns of :data:`FRONT_EMPTY`), one row per video frame in order.
        min_scans : int
            Scans a whisker must be tracked in for its rod to count.
        pixel_size_um : float
            µm per px of the table's columns.

        Returns
        -------
        pandas.DataFrame
            A copy. A scan whose pieces are all whiskers has no front (no reach, no
            branches, no touch); otherwise its reach is the furthest of the other
            pieces and its branch count their sum. ``li_area_um2`` and the fractal
            dimension are left as measured: the whisker's lithium is there (the
            charge-volume sync counts it, and the whisker table lacks it in the scans
            where the finder lost the rod). The pieces at the region's border that
            stay at the rim (:meth:`border_pieces`) are taken out the same way.
            Frames that repeat a scan's measurement
            (duplicates, torn frames) get its new values. Then a video whose other
            pieces never reach beyond the rim zone toward the counter electrode has no
            front (:meth:`blank_away_from_counter`); in a video that has one, the scans
            before it starts whose pieces all lie behind the electrode have none
            (:meth:`blank_before_front`).
        """
        drop = self.whisker_pieces(min_scans)
        for frame, js in self.border_pieces().items():
            drop.setdefault(frame, set()).update(js)
        out = self._without_pieces(frames, drop, float(pixel_size_um))
        out = self.touching_near_counter(out, drop)
        out = self.blank_away_from_counter(out, drop)
        return self.blank_before_front(out, drop)

    def touching_near_counter(self, frames, drop=None):
        """Mark the scans whose front's outline reaches within :data:`FRONT_TOUCH_TOLERANCE_PX`
        of the counter electrode as touching it.

        The front's own test (:attr:`FrontMeasurement.touching`) allows the edge blur of the
        boundary only; the segmentation also leaves out the pixel next to the counter
        electrode's band (see :data:`FRONT_TOUCH_TOLERANCE_PX`), so a front that has touched
        down is read touching only in a later scan, if any. A scan counts when its
        leading piece (furthest toward the counter electrode) is front, not a whisker's rod
        (``drop``).

        Parameters
        ----------
        frames : pandas.DataFrame
            The frame table (``frame``, ``is_duplicate``, ``skipped``, ``front_touching``).
        drop : dict, optional
            {frame: indices of its pieces that are not front} (:meth:`whisker_pieces`).

        Returns
        -------
        pandas.DataFrame
            A copy; those scans' rows, and the frames that repeat them, have
            ``front_touching`` True.
        """
        out = frames.copy()
        drop = drop or {}
        chosen = [f for f, j in self._near.items() if j not in drop.get(f, ())]
        if not chosen or "front_touching" not in out:
            return out
        rows = _rows_of_scans(out, np.asarray(self._scan_frames, int), chosen)
        out.loc[rows, "front_touching"] = True
        return out

    def border_pieces(self):
        """{frame: indices of its pieces that are the region's border, not front}.

        Where the electrode meets the edge of the analysed region (the image's edge,
        the data bar), the border drifting in or the bar's edge is segmented as
        lithium joined to the rim. Such a piece touches the border
        (:attr:`FrontPiece.at_border`) and stays at the rim: it does not reach beyond
        the rim zone toward the counter electrode. A front touching the border has
        grown there from the rim toward the counter electrode and passes that test.
        Only scans measured with a known counter electrode are judged.
        """
        out = {}
        for frame, rim in self._rim_zone.items():
            js = {j for j, p in enumerate(self._pieces.get(frame, ()))
                  if p.at_border and not p.projected_px > rim}
            if js:
                out[frame] = js
        return out

    def toward_counter(self, drop=None):
        """Per measured scan, whether a front piece reaches toward the counter electrode.

        A piece reaches toward it when its projected reach along the direction
        electrode -> counter electrode (:attr:`FrontPiece.projected_px`) passes the
        rim zone (:attr:`FrontMeasurement.rim_zone_px`): the lithium has left the
        electrode's edge on its way to the counter electrode.

        Parameters
        ----------
        drop : dict, optional
            {frame: indices of its pieces that are not front} (whiskers' rods,
            :meth:`whisker_pieces`).

        Returns
        -------
        numpy.ndarray of bool or None
            One value per scan recorded by :meth:`add` (the scans the tracker
            measured; a torn frame that repeats its scan's measurement is none), in
            order; None when no scan was measured with a known counter electrode (no
            direction to project on).
        """
        if not self._rim_zone:
            return None
        return np.asarray([rim is not None and reach is not None and reach > rim
                           for rim, reach in self._reach_per_scan(drop)], bool)

    def _reach_per_scan(self, drop=None):
        """Per measured scan: (its rim zone, px, or None; the largest projected reach
        of its front pieces not in ``drop``, px, or None without pieces)."""
        drop = drop or {}
        out = []
        for frame in map(int, self._scan_frames):
            skip = drop.get(frame, ())
            proj = [p.projected_px for j, p in enumerate(self._pieces.get(frame, ()))
                    if j not in skip]
            out.append((self._rim_zone.get(frame), max(proj) if proj else None))
        return out

    def blank_away_from_counter(self, frames, drop=None, n_scans=CRACK_CONFIRM_SCANS):
        """Blank the front of a video in which it never grows toward the counter electrode.

        Issue 15: lateral lithium is plated where the current flows, between the
        electrode and the counter electrode; a front spreads from the rim toward the
        counter electrode (that is how it touches down). Lithium that stays behind
        or beside the electrode, never passing the rim zone in the counter
        electrode's direction, is something else: the electrode's own edge changing
        as it is stripped (pores, a receding rim, drawn as a line network), or the
        image's border or data bar drifting in where the electrode meets it. A
        video whose front pieces never reach beyond the rim zone toward the counter
        electrode (:meth:`toward_counter`) in ``n_scans`` consecutive measured scans
        has no lateral front (decided on the finished table, like
        :func:`blank_unbranched_front`). Without a known counter electrode nothing
        is blanked.

        Parameters
        ----------
        frames : pandas.DataFrame
            The tracker's frame table (``frame``, ``is_duplicate``, ``skipped`` and the
            front columns of :data:`FRONT_EMPTY`), one row per video frame in order.
        drop : dict, optional
            {frame: indices of its pieces that are not front} (:meth:`whisker_pieces`).
        n_scans : int
            Consecutive measured scans that must reach toward the counter electrode.

        Returns
        -------
        pandas.DataFrame
            A copy; without such a run, every row that is not skipped has the no-front
            values of :data:`FRONT_EMPTY` but its ``li_area_um2`` (that lithium is
            there, it is just not a front).
        """
        out = frames.copy()
        toward = self.toward_counter(drop)
        if toward is None or confirmed_scans(toward, n_scans).any():
            return out
        return _blank_front(out)

    def behind_electrode(self, drop=None):
        """Per measured scan, whether all its front pieces lie behind the electrode.

        Behind: a piece's furthest point along the direction electrode -> counter
        electrode (:attr:`FrontPiece.projected_px`) does not pass the electrode's
        centre, so no pixel of it is on the counter electrode's side. A piece grown
        from the rim's half that faces the counter electrode always passes it (every
        point of that half does), however young.

        Parameters
        ----------
        drop : dict, optional
            {frame: indices of its pieces that are not front} (:meth:`whisker_pieces`).

        Returns
        -------
        numpy.ndarray of bool or None
            One value per scan recorded by :meth:`add`, in order (False for a scan
            without pieces or without a known counter electrode); None when no scan
            was measured with a known counter electrode.
        """
        if not self._rim_zone:
            return None
        return np.asarray([rim is not None and reach is not None and reach <= BEHIND_ELECTRODE_PX
                           for rim, reach in self._reach_per_scan(drop)], bool)

    def blank_before_front(self, frames, drop=None, n_scans=CRACK_CONFIRM_SCANS):
        """Blank the scans before the lateral front starts whose pieces all lie behind the electrode.

        Issue 15: a lateral front starts when its lithium leaves the rim toward the
        counter electrode (:meth:`blank_away_from_counter`): the first scan of the
        first run of ``n_scans`` consecutive measured scans whose pieces pass the rim
        zone in that direction (:meth:`toward_counter`). Before it, a scan whose
        pieces all lie behind the electrode (:meth:`behind_electrode`: on the side
        away from the counter electrode) measures something else: a whisker's stub,
        the electrode's edge changing, a speck at the rim (tuning seeds 5037, a
        whisker's stub in the 5 scans before its front, and 7002, 1 scan: pieces
        9-11 px beyond the rim, behind the electrode). The young front's own first scans, still within the
        rim zone but on the counter electrode's side, are kept (the persistence rule,
        :func:`blank_transient_front`, judges them); from the run's first scan on
        nothing is blanked. Without a known counter electrode, or without such a
        run, nothing is blanked (no direction, or no front at all:
        :meth:`blank_away_from_counter`).

        Parameters
        ----------
        frames : pandas.DataFrame
            The tracker's frame table (``frame``, ``is_duplicate``, ``skipped`` and the
            front columns of :data:`FRONT_EMPTY`), one row per video frame in order.
        drop : dict, optional
            {frame: indices of its pieces that are not front} (:meth:`whisker_pieces`).
        n_scans : int
            Consecutive measured scans toward the counter electrode that start the front.

        Returns
        -------
        pandas.DataFrame
            A copy; the blanked scans, and the frames that repeat them (duplicates,
            torn frames), have the no-front values of :data:`FRONT_EMPTY` but their
            ``li_area_um2`` (that lithium is there, it is just not a front).
        """
        out = frames.copy()
        toward = self.toward_counter(drop)
        if toward is None:
            return out
        started = confirmed_scans(toward, n_scans)
        if not started.any():
            return out
        first = int(np.argmax(started))
        behind = self.behind_electrode(drop)[:first]
        before = np.asarray(self._scan_frames[:first], int)[behind]
        if not before.size:
            return out
        # the frames that repeat a blanked scan (duplicates, torn frames) go with it
        return _blank_front(out, _rows_of_scans(out, np.asarray(self._scan_frames, int), before))

    def _without_pieces(self, frames, drop, px):
        """``frames`` (a copy) with the pieces ``drop`` ({frame: indices}) taken out."""
        out = frames.copy()
        if not drop:
            return out
        fcol = out["frame"].to_numpy()
        skipped = out["skipped"].astype(bool).to_numpy()
        repeats = (out["is_duplicate"].astype(bool) | out["partial_refresh"].astype(bool)).to_numpy() \
            if "partial_refresh" in out else out["is_duplicate"].astype(bool).to_numpy()
        dist = out["front_distance_um"].to_numpy(float)
        for frame, js in sorted(drop.items()):
            rows = np.flatnonzero(fcol == frame)
            if not rows.size or skipped[rows[0]]:
                continue
            r0 = int(rows[0])
            # this scan's row and the rows after it that repeat its measurement
            own = dist[r0]
            k = r0 + 1
            while (k < len(out) and not skipped[k] and repeats[k]
                   and (dist[k] == own or (np.isnan(dist[k]) and np.isnan(own)))):
                k += 1
            sel = np.arange(r0, k)
            keep = [p for j, p in enumerate(self._pieces[frame]) if j not in js]
            if not keep:
                for col, value in FRONT_EMPTY.items():
                    if col in out and col != "li_area_um2":
                        out.iloc[sel, out.columns.get_loc(col)] = value
                continue
            values = {"front_distance_um": max(p.max_distance_px for p in keep) * px,
                      "n_branches": int(sum(p.n_branches for p in keep)),
                      "front_touching": any(p.touching for p in keep)}
            if np.isfinite(out["front_projected_um"].iloc[r0]):
                values["front_projected_um"] = max(p.projected_px for p in keep) * px
            else:
                values["front_touching"] = bool(out["front_touching"].iloc[r0]) and values["front_touching"]
            for col, value in values.items():
                if col in out:
                    out.iloc[sel, out.columns.get_loc(col)] = value
        return out
