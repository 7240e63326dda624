"""From a stream of SEM frames to per-frame measurements: ``track_iter`` and ``track``.

Per new scan (duplicates are not re-measured): drift registration against the
first scan, flicker normalisation, difference to a background model of the
ceramic (median of the first scans), lithium segmentation, whiskers (linked
over time with trackpy, sub-pixel tips, kymographs), the lateral front
(:func:`vision.measure_front`) and the crack (:func:`vision.detect_crack`). The
result tables are in :mod:`vision.track._tables`, the options in :class:`TrackOptions`.
:class:`_Tracker` measures one scan at a time; which frames are new scans,
duplicates, torn or skipped, and the rows of every frame, is decided by
:class:`vision.track._schedule.FrameScheduler`.

Coordinates: x = column, y = row, pixels with the origin at the centre of the
top-left pixel of the *full* frame, drift-corrected to the first analysed
frame. Times are on the video clock (s).
"""
import dataclasses
import logging
import math

import cv2
import numpy as np

from calibration import InputError, tilt_correct_vector

from .._shared._stats import _percentile, mad_sigma
from ..measure._electrode import Electrode, resolve_counter_electrode, resolve_electrode
from ..measure._front import CounterElectrode, measure_front
from ..measure._kymograph import KymographBuilder
from ..measure._segment import SegmentState, link_thin_branches, segment_lithium
from ..measure._whisker_branch import ROD_MAX_TURN_DEG, rod_through_branch
from ..measure._whisker_kinkprior import kink_from_prior
from ..measure._whisker_reaim import reaim_on_prior
from ..measure._whiskers import WhiskerLinker, find_whiskers, follow_rod, refine_tip, refine_width
from ..measure.crack._detect import CrackState, detect_crack_core_or_rims
from ..measure.crack._filters import crack_background
from ..measure.crack._path import WIDTH_REACH_PX, _line_width
from ..preprocess._border import content_box
from ..preprocess._register import DriftTracker, shift_image
from ._frontcrack import WhiskerFrontLog
from ._options import TrackOptions
from ._schedule import FrameScheduler
from ._tables import FRAME_COLUMNS, WHISKER_COLUMNS, FrameTrack, Tracks, _drop_short_whiskers, _nan_row

logger = logging.getLogger(__name__)

__all__ = ["FrameTrack", "Tracks", "track_iter", "track", "FRAME_COLUMNS", "WHISKER_COLUMNS"]

#: Lithium within this distance outside the electrode edge is not lateral front: the
#: electrode's own bright rim changes there when the electrode shrinks (stripping).
FRONT_RIM_MARGIN_PX = 5.0

#: The crack finder is kept off an accepted whisker's body: its centreline widened to its
#: width plus this margin (px) on each side, the SEM edge effect's bright rim (1-1.5 px in
#: the generator) and the blur of the rod's edge (one smoothing width, 1 px) that the
#: segmentation leaves beside the rod. Beyond it, lithium of the same segmented piece (a
#: crack joined to the whisker's base: tuning seed 5027) is left to the crack finder.
ROD_BODY_MARGIN_PX = 2.0

#: A rod whose axis runs on into another rod's body within this distance (px) beyond its
#: tip keeps its segmented tip: :func:`refine_tip` looks for the step up to
#: TIP_OUTWARD_FRAC * TIP_MAX_SHIFT_PX (3 px) outward, where there is only lithium.
TIP_INTO_REACH_PX = 3.0

#: A whisker candidate whose dark core (full width at half maximum across its axis in the
#: change image) is narrower than this is a crack: a Li-filled crack (core 1-1.5 px in the
#: generator, plain 2-px cracks 2-2.5 px) is segmented several px wide with its bright rims
#: and passes as a rod; whiskers measure 3 px and more (the thinnest test whisker, 6 px).
WHISKER_MIN_CORE_WIDTH_PX = 2.75
#: The cross-profiles of that core width reach this far (px) beyond the half width of the
#: candidate's mask, and at least WIDTH_REACH_PX from the axis: the profile's ends, its
#: baseline, must lie on the ceramic. The mask already holds the bright rims and the edge's
#: blur down to the noise, so the ceramic begins about one smoothing width (1 px) past its
#: side; farther out the ends meet neighbouring lithium (check seed 7072: with 4 px a
#: 5.7-px whisker beside a crack measured 2.5 px and was lost). With a fixed 8-px reach a rod
#: wider than ~14 px had its baseline inside its own core and measured 1-2 px wide: the
#: 28-px whisker of the full-HD bench video (0.071 um/px) was taken for a crack in every scan.
CORE_PROFILE_MARGIN_PX = 1.5
#: A candidate whose core is narrower than WHISKER_MIN_CORE_WIDTH_PX is still a whisker when
#: its sides show as two bright rims (the SEM edge effect) at least
#: WHISKER_MIN_RIM_SEPARATION_PX apart across its centreline: a rod's rims lie at its two
#: sides, a crack's at its two lips. Strong edges (a halo of 1-1.5 px on each side) leave a
#: 5.7 px whisker a core of 2-2.5 px, as narrow as a plain crack's, with its rims 7-7.5 px
#: apart (check seed 7072, in every scan); the lips of the generator's cracks (2 px wide,
#: or 1-1.5 px filled, each lip blurred by up to 1.5 px) lie 3.5-5 px apart (seeds 5045,
#: 7072). The thinnest test whisker is 6 px wide.
WHISKER_MIN_RIM_SEPARATION_PX = 6.0
#: ... each rim at least this fraction of the core's peak below the ceramic's level (the
#: half maximum that sets the core's width): noise beside a crack without bright lips makes
#: shallow minima anywhere in the profile, not rims.
RIM_MIN_DEPTH = 0.5
#: Cross-profiles of the rim test: samples every RIM_SAMPLE_PX across the centreline,
#: profiles every RIM_STEP_PX along it, the centreline's direction from points
#: RIM_TANGENT_PX either side (the local direction of a curved or kinked rod), the core's
#: peak searched within RIM_PEAK_PX of the centreline (the segmented mask's centre is off
#: the core by up to a pixel).
RIM_SAMPLE_PX = 0.5
RIM_STEP_PX = 2
RIM_TANGENT_PX = 2
RIM_PEAK_PX = 2.0

#: The crack is searched in the electrode's box and the box of the cracks seen so far,
#: each widened by this margin (px); the search box grows when a crack reaches its side.
CRACK_ROI_MARGIN_PX = 32

#: Lithium is labelled in the box of the last scan's lithium (and the electrode) widened by
#: this margin (px); segmentation labels the whole image when lithium reaches the box side.
SEGMENT_BOX_MARGIN_PX = 32

#: A rod seen for the first time that is longer than this many times its width is left
#: in the lateral front for that scan: whiskers are first seen as stubs (they grow a few
#: px per scan), young trunks of a lateral front are first seen long and straight.
YOUNG_TRUNK_ASPECT = 3.0

#: Smallest analysed region (crop or the rows above the data bar), px per side.
MIN_REGION_PX = 32
#: Smallest drift-measurement box, px per side (phase correlation needs some texture).
MIN_DRIFT_REGION_PX = 48
#: Every this-many-th pixel (per axis) enters the global statistics (brightness map,
#: noise): a 1-in-9 sample estimates percentiles and MAD to well under a grey level.
STATS_SUBSAMPLE = 3
#: Fewer ceramic sample pixels than this: the brightness is not normalised (too few).
MIN_NORMALIZE_PIXELS = 100
#: Percentiles of the ceramic matched between a scan and the background (linear map):
#: robust to the few lithium and clipped pixels the masks miss.
NORMALIZE_PERCENTILES = (10, 90)
#: Change-image values are clipped at this many noise levels before the scan-line
#: offsets are averaged (lithium in a row must not shift its offset).
SCANLINE_CLIP_SIGMA = 3.0
#: A row needs more ceramic pixels than this for its scan-line offset to be estimated.
MIN_SCANLINE_PIXELS = 20
#: Lithium of the last scan grown by this margin (px) is left out of the brightness and
#: scan-line statistics of the next scan (the lithium grows between scans).
GROW_MARGIN_PX = 3
#: Electrode-Li reference: the lithium level inside the disc this far from the rim (px,
#: past its blurred edge), the ceramic level in a ring from LI_RING_GAP_PX beyond the rim
#: (past the bright rim), LI_RING_FRAC of the radius or LI_RING_MIN_PX wide; each needs
#: MIN_LEVEL_PIXELS unclipped pixels.
LI_INNER_INSET_PX = 4.0
LI_RING_GAP_PX = 6.0
LI_RING_FRAC = 0.3
LI_RING_MIN_PX = 10.0
MIN_LEVEL_PIXELS = 20

#: A whisker tip closer than this (px, plus the drift) to a side of the analysed field
#: (image edge, data bar) may be cut by it: the edge model of the tip needs the ceramic
#: beyond the tip, and a whisker leaving the field shows only part of its length.
CENSOR_MARGIN_PX = 3.0

#: Background pixels at least this fraction of the lithium/ceramic contrast away from the
#: electrode's lithium level are clearly ceramic (their own level is the reference there).
CLEAR_CERAMIC_FRAC = 0.75

#: Drift is correlated on images binned so that the shorter side is about this many px or
#: more (384-767 px): sub-pixel accuracy is kept, 4x faster at 1k.
DRIFT_TARGET_SIDE_PX = 384
#: Clipped (saturated or black) pixels are grown by this square (px) before they are left
#: out of the change image: the blur of the detector spreads the clipping.
CLIP_DILATE_PX = 3
#: Gaussian sigma (px) of the smoothing of the background (for its gradient) and of the
#: change image in the electrode zone: removes pixel shot noise, keeps 2-px features.
BACKGROUND_SMOOTH_PX = 1.0
#: Pixels per block of rows in which the background median is taken (memory only: the
#: values do not depend on it).
BACKGROUND_BLOCK_PX = 2**18
#: Sobel 3x3 kernel size and its normalisation (the kernel's weights sum to 8 in absolute
#: value): the gradient comes out in grey levels per px.
SOBEL_KSIZE = 3
SOBEL_NORM = 0.125
#: Margin (px) around the electrode zone's box smoothed with BACKGROUND_SMOOTH_PX: twice
#: the Gaussian kernel's reach (4 px at sigma 1), so the values equal whole-image smoothing.
ZONE_SMOOTH_MARGIN_PX = 8
#: A crack candidate is taken for branches of the lateral front when the front covers more
#: than this fraction of the crack's area and has at least FRONT_MIN_BRANCHES branches.
CRACK_IN_FRONT_FRAC = 0.5
FRONT_MIN_BRANCHES = 2
#: Every this-many-th pixel (per axis) of the background sets the kymograph's grey range,
#: taken between the EXTREME percentiles (robust to a few hot pixels).
KYMO_SUBSAMPLE = 4
KYMO_RANGE_PERCENTILES = (0.5, 99.5)
#: :func:`_drop_edge_strips` judges a rod at the side of the field from this many measured
#: scans (one scan shows no growth either way).
EDGE_STRIP_MIN_SCANS = 2


def _box_around(electrode, box, margin):
    """(x0, y0, x1, y1) px, unrounded: the electrode and `box` (or None), grown by `margin`."""
    r = electrode.radius_px + margin
    x0, y0 = electrode.x_px - r, electrode.y_px - r
    x1, y1 = electrode.x_px + r + 1, electrode.y_px + r + 1
    if box is not None:
        x0, y0 = min(x0, box[0] - margin), min(y0, box[1] - margin)
        x1, y1 = max(x1, box[2] + margin), max(y1, box[3] + margin)
    return x0, y0, x1, y1


def _region(shape, data_bar, crop):
    """(top, bottom, left, right) of the analysed region."""
    rows, cols = shape
    if crop is not None:
        try:
            top, bottom, left, right = (int(v) for v in crop)
        except (TypeError, ValueError):
            raise InputError(f"crop must be (top, bottom, left, right) in px, got {crop!r}") from None
        if not (0 <= top < bottom <= rows and 0 <= left < right <= cols):
            raise InputError(f"crop {crop!r} is outside the {cols}x{rows} frame; give "
                             "(top, bottom, left, right) with 0 <= top < bottom <= rows")
        if bottom - top < MIN_REGION_PX or right - left < MIN_REGION_PX:
            raise InputError(f"crop {crop!r} is smaller than {MIN_REGION_PX}x{MIN_REGION_PX} px; "
                             "give a larger region")
        return top, bottom, left, right
    top, bottom = 0, rows
    if data_bar is not None and data_bar is not False:
        if isinstance(data_bar, (int, np.integer)):
            bar_top, bar_bottom = int(data_bar), rows
        elif hasattr(data_bar, "top"):
            bar_top, bar_bottom = int(data_bar.top), int(data_bar.bottom)
        else:
            try:
                bar_top, bar_bottom = (int(v) for v in tuple(data_bar)[:2])
            except (TypeError, ValueError):
                raise InputError(f"data_bar must be a DataBar, (top, bottom, left, right) or the "
                                 f"first bar row, got {data_bar!r}") from None
        if bar_top <= 0:
            top = max(top, bar_bottom)  # bar at the top edge
        else:
            bottom = min(bottom, bar_top)
    if bottom - top < MIN_REGION_PX:
        raise InputError(f"the data bar {data_bar!r} leaves less than {MIN_REGION_PX} image rows; "
                         "check the data bar or give crop=(top, bottom, left, right)")
    return top, bottom, 0, cols



def _within(region, box):
    """``region`` (top, bottom, left, right) cut to ``box``; unchanged if too little is left."""
    top, bottom = max(region[0], box[0]), min(region[1], box[1])
    left, right = max(region[2], box[2]), min(region[3], box[3])
    if bottom - top < MIN_REGION_PX or right - left < MIN_REGION_PX:
        return region
    return top, bottom, left, right


def _core_width_px(diff, whisker, li_polarity="dark"):
    """Width (px, FWHM) of the lithium core across a whisker candidate's axis in the change image.

    ``diff`` = background - frame: lithium darker than the ceramic is positive there,
    brighter lithium negative. The sign is the electrode's lithium polarity, not the
    rod's own: a crack whose bright lips dominate its change (tuning seed 5045) measured
    on its own sign is as wide as its two lips (3-3.5 px) and passes as a whisker. (A
    wrong electrode polarity thus loses a whisker: tuning seed 5049.)
    The profiles reach :data:`CORE_PROFILE_MARGIN_PX` beyond the candidate's half width
    (at least ``WIDTH_REACH_PX``), so the width of a rod of any size is measured against
    the ceramic beside it.
    """
    axis = _candidate_axis(whisker)
    reach = max(WIDTH_REACH_PX, 0.5 * float(whisker.width_px) + CORE_PROFILE_MARGIN_PX)
    return _line_width(diff, axis, "bright" if li_polarity == "dark" else "dark", reach_px=reach)


def _candidate_axis(whisker):
    """(K, 2) points 1 px apart along a candidate's centreline (base to tip), px."""
    if whisker.path_xy_px:
        return whisker.centreline()
    bx, by = whisker.base_xy_px
    tx, ty = whisker.tip_xy_px
    n = max(int(math.hypot(tx - bx, ty - by)), 2)
    t = np.linspace(0.0, 1.0, n + 1)[:, None]
    return np.array([bx, by]) + t * np.array([tx - bx, ty - by])


def _rim_separation_px(diff, whisker, li_polarity="dark"):
    """Median distance (px) between the two bright rims beside a candidate's core.

    Profiles of the change image ``diff`` (background - frame) across the candidate's
    local centreline direction, reaching as far as those of :func:`_core_width_px`, with
    lithium's sign positive and the ceramic's level (median of the two outermost samples
    on each side) at zero. In each, the rims are the lowest samples on either side of the
    core's peak; a profile whose rims are not both :data:`RIM_MIN_DEPTH` of the peak deep
    counts 0 (no rims).
    """
    from scipy.ndimage import map_coordinates
    d = np.asarray(diff, np.float32)
    d = d if li_polarity == "dark" else -d
    axis = _candidate_axis(whisker)
    n = len(axis)
    idx = np.arange(RIM_TANGENT_PX, n - RIM_TANGENT_PX, RIM_STEP_PX)
    if idx.size == 0:
        return 0.0
    t = axis[idx + RIM_TANGENT_PX] - axis[idx - RIM_TANGENT_PX]
    t /= np.maximum(np.hypot(t[:, 0], t[:, 1]), 1e-9)[:, None]
    nrm = np.column_stack([-t[:, 1], t[:, 0]])
    reach = max(WIDTH_REACH_PX, 0.5 * float(whisker.width_px) + CORE_PROFILE_MARGIN_PX)
    offs = np.arange(-reach, reach + RIM_SAMPLE_PX / 2, RIM_SAMPLE_PX)
    xs = axis[idx, 0][:, None] + offs[None, :] * nrm[:, 0][:, None]
    ys = axis[idx, 1][:, None] + offs[None, :] * nrm[:, 1][:, None]
    prof = map_coordinates(d, [ys.ravel(), xs.ravel()], order=1, mode="nearest").reshape(xs.shape)
    prof = prof - np.median(prof[:, [0, 1, -2, -1]], axis=1, keepdims=True)
    c = len(offs) // 2
    m = int(round(RIM_PEAK_PX / RIM_SAMPLE_PX))
    seps = []
    for row in prof:
        k = c - m + int(np.argmax(row[c - m:c + m + 1]))
        lo = int(np.argmin(row[:k])) if k > 0 else k
        hi = k + int(np.argmax(-row[k:]))
        deep = -RIM_MIN_DEPTH * row[k]
        ok = row[k] > 0 and row[lo] <= deep and row[hi] <= deep
        seps.append((hi - lo) * RIM_SAMPLE_PX if ok else 0.0)
    return float(np.median(seps))


def _is_whisker_core(diff, whisker, li_polarity="dark"):
    """True when a rod candidate is lithium, False for a crack (see
    :data:`WHISKER_MIN_CORE_WIDTH_PX` and :data:`WHISKER_MIN_RIM_SEPARATION_PX`)."""
    return (_core_width_px(diff, whisker, li_polarity) >= WHISKER_MIN_CORE_WIDTH_PX
            or _rim_separation_px(diff, whisker, li_polarity) >= WHISKER_MIN_RIM_SEPARATION_PX)


def _keeps_axis(whisker, rod):
    """True when ``whisker``'s tip lies on ``rod``'s axis (within half its width) and its
    direction is within :data:`ROD_MAX_TURN_DEG` of it."""
    u = np.asarray(rod.direction_xy, float)
    v = np.asarray(whisker.direction_xy, float)
    if not (np.isfinite(u).all() and np.isfinite(v).all()):
        return False
    d = np.asarray(whisker.tip_xy_px, float) - np.asarray(rod.base_xy_px, float)
    off = abs(float(d[0] * u[1] - d[1] * u[0]))
    return off <= 0.5 * float(rod.width_px) and float(np.dot(u, v)) >= math.cos(math.radians(ROD_MAX_TURN_DEG))


def _skeleton_mask(skeleton_xy_px, shape):
    """Boolean mask of skeleton points (x, y) grown by one pixel (a 3-px line: the thin
    branch as the segmentation would draw it, connected under 8-connectivity)."""
    out = np.zeros(shape, np.uint8)
    pts = np.round(np.asarray(skeleton_xy_px, float)).astype(int)
    out[pts[:, 1].clip(0, shape[0] - 1), pts[:, 0].clip(0, shape[1] - 1)] = 1
    return cv2.dilate(out, np.ones((3, 3), np.uint8)) > 0


def _axis_points(whisker):
    """The centreline of ``whisker`` (base, ``path_xy_px``, tip) as (K, 1, 2) int32 px."""
    pts = list(whisker.path_xy_px) or [whisker.base_xy_px]
    return np.round(np.asarray(pts + [whisker.tip_xy_px], float)).astype(np.int32).reshape(-1, 1, 2)


def _draw_axis(canvas, whisker):
    """Draw the centreline of ``whisker`` (base to tip, 1 px) into ``canvas`` (uint8)."""
    cv2.polylines(canvas, [_axis_points(whisker)], False, 1, 1)


def _rod_bodies(shape, whiskers):
    """The bodies of ``whiskers``: each centreline (base to tip, through ``path_xy_px``)
    widened to its width plus ROD_BODY_MARGIN_PX on each side, as a bool mask of ``shape``
    (rows, cols)."""
    body = np.zeros(shape, np.uint8)
    for w in whiskers:
        thickness = max(1, int(round(w.width_px + 2 * ROD_BODY_MARGIN_PX)))
        cv2.polylines(body, [_axis_points(w)], False, 1, thickness)
    return body > 0


def _crack_exclusion(mask, candidates, whiskers):
    """The pixels of the rod mask ``mask`` hidden from the crack finder.

    Only the accepted ``whiskers`` (of the rod ``candidates``) are hidden: thinner rods
    are cracks. Of a whisker's segmented piece only its body (:func:`_rod_bodies`) is
    hidden: a crack joined to the whisker's base in one piece is left to the crack finder
    (tuning seed 5027: the whole piece was hidden, the crack was missed, failure mode
    `none` for a fracture).
    """
    if not whiskers:
        return mask if len(candidates) == 0 else np.zeros(mask.shape, bool)
    out = _rods_in(mask, whiskers) if len(whiskers) < len(candidates) else mask.copy()
    return out & _rod_bodies(mask.shape, whiskers)


def _rods_in(mask, whiskers):
    """The connected pieces of ``mask`` that contain the axis of one of ``whiskers``."""
    if not whiskers or not mask.any():
        return np.zeros(mask.shape, bool)
    out = np.zeros(mask.shape, bool)
    labels, (x0, y0, x1, y1) = _box_labels(mask)
    axes = np.zeros(mask.shape, np.uint8)
    for w in whiskers:
        _draw_axis(axes, w)
    sub = mask[y0:y1, x0:x1]
    keep = np.zeros(int(labels.max()) + 1, bool)
    keep[np.unique(labels[(axes[y0:y1, x0:x1] > 0) & sub])] = True
    keep[0] = False
    out[y0:y1, x0:x1] = keep[labels]
    return out


def _sibling_bodies(mask, candidates, i):
    """The bodies (:func:`_rod_bodies`) of the other ``candidates`` read from the same
    piece of the rod mask ``mask`` as candidate ``i``, or None when there are none.

    Two rods from one root that never part (a stub beside a rod,
    :mod:`~vision.measure._whisker_stub`) are one piece of the mask: the axis of either,
    continued beyond its tip, would otherwise run on through the other rod's lithium as
    if it were its own.
    """
    own = _rods_in(mask, [candidates[i]])
    if not own.any():
        return None
    sib = [o for j, o in enumerate(candidates) if j != i and (_rods_in(mask, [o]) & own).any()]
    return _rod_bodies(mask.shape, sib) if sib else None


def _tip_runs_into(body, whisker):
    """True when ``whisker``'s axis, continued beyond its tip by up to
    :data:`TIP_INTO_REACH_PX`, lies in ``body`` (bool mask): no lithium-to-ceramic step
    lies there for :func:`refine_tip` to fit, only another rod's lithium."""
    ux, uy = whisker.direction_xy
    tx, ty = whisker.tip_xy_px
    h, w = body.shape
    for t in np.arange(1.0, TIP_INTO_REACH_PX + 0.5):
        x, y = int(round(tx + t * ux)), int(round(ty + t * uy))
        if 0 <= x < w and 0 <= y < h and body[y, x]:
            return True
    return False


def _measure_rod(diff, li, mask, candidates, i):
    """Candidate ``i`` of ``candidates`` measured on the change image ``diff``.

    Followed where the segmentation cut it short (:func:`follow_rod`) up to other
    lithium: ``li`` less its own piece of the rod mask ``mask``, and the bodies of the
    other rods read from that piece (:func:`_sibling_bodies`); its tip refined on the
    image (:func:`refine_tip`) unless its axis runs on into such a body
    (:func:`_tip_runs_into`); its width refined (:func:`refine_width`).
    """
    c = candidates[i]
    other = li & ~_rods_in(mask, [c])
    sib = _sibling_bodies(mask, candidates, i)
    if sib is not None:
        other = other | sib
    c = follow_rod(diff, c, other_li=other)
    if sib is None or not _tip_runs_into(sib, c):
        c = refine_tip(diff, c)
    return refine_width(diff, c)


def _rods_left_out_of_front(mask, candidates, whiskers):
    """The rods of ``mask`` the lateral front leaves out: all but the bent candidates
    that are no whisker (not in ``whiskers``).

    A bent rod (``path_xy_px``: the curved and kinked rod finder, which also follows a
    lateral front's curved branches) whose core is no whisker's is a branch of the front,
    unless the crack finder takes it (its crack mask is left out of the front on its
    own): tuning seed 5031, a 107 px branch of the front's first scan (a 4-vertex rod,
    no whisker) was cut from the front, whose reach fell by 4 px. A straight rod that is
    no whisker stays out (a thin crack's stretch). A piece shared with a whisker stays out.
    """
    bent_out = [c for c in candidates
                if len(c.path_xy_px) >= 2 and not any(c is w for w in whiskers)]
    if not bent_out:
        return mask
    return mask & ~(_rods_in(mask, bent_out) & ~_rods_in(mask, whiskers))


def _drop_edge_strips(tracks):
    """``tracks`` without the rods that never showed a tip: edge strips, not whiskers.

    A whisker grows from the electrode's rim: before it reaches the side of the field
    (image edge or data bar) it shows its tip inside the field, and once beyond the side
    its visible length grows no more. A rod whose tip lies at the side (``censored``) in
    every measured scan, and whose length never advances by its own width over the run
    (a rod's cap is a width long: less is no growth), never grew in view: it is a strip
    along the side (a drift-exposed border, a scratch or grain boundary cut by the
    side), not a whisker. Frames' whisker counts and longest lengths follow.

    Parameters
    ----------
    tracks : Tracks
        As collected by the tracker (lengths and widths in um).

    Returns
    -------
    Tracks
    """
    w = tracks.whiskers
    if w.empty:
        return tracks
    f = tracks.frames
    measured = f.loc[~f["is_duplicate"].astype(bool) & ~f["partial_refresh"].astype(bool), "frame"]
    seen = w.loc[w["frame"].isin(set(measured.tolist()))]
    drop = set()
    for wid, g in seen.groupby("whisker_id"):
        if len(g) < EDGE_STRIP_MIN_SCANS or not g["censored"].astype(bool).all():
            continue
        length = g["length_um"].to_numpy(float)
        width = float(np.nanmedian(g["width_um"].to_numpy(float)))
        if np.isfinite(width) and float(np.nanmax(length) - length[0]) < width:
            drop.add(wid)
    if not drop:
        return tracks
    logger.debug("rods along the side of the field that never grew (not whiskers): %s", sorted(drop))
    w = w.loc[~w["whisker_id"].isin(drop)].reset_index(drop=True)
    per = w.groupby("frame")["length_um"].agg(["count", "max"])
    f = tracks.frames.copy()
    ok = ~f["skipped"].astype(bool)
    f.loc[ok, "whisker_count"] = f.loc[ok, "frame"].map(per["count"]).fillna(0).astype(int)
    f.loc[ok, "max_whisker_length_um"] = f.loc[ok, "frame"].map(per["max"])
    kymos = {k: v for k, v in tracks.kymographs.items() if k not in drop}
    ktimes = {k: v for k, v in tracks.kymograph_times_s.items() if k not in drop}
    return dataclasses.replace(tracks, frames=f, whiskers=w, kymographs=kymos,
                               kymograph_times_s=ktimes)


def _box_labels(mask):
    """8-connected labels of ``mask`` within its bounding box, and the box (x0, y0, x1, y1).

    Exact (a component lies inside the box of all set pixels) and much faster than
    labelling the whole frame when the mask is small. ``mask`` must have a set pixel.
    """
    m = mask.astype(np.uint8)
    x, y, w, h = cv2.boundingRect(m)
    _, labels = cv2.connectedComponents(m[y:y + h, x:x + w], connectivity=8)
    return labels, (x, y, x + w, y + h)


class _Tracker:
    """The per-scan tracker: the measurement state of one run (see :func:`track_iter`).

    Measures new, complete scans handed over by the frame scheduler
    (:class:`vision.track._schedule.FrameScheduler`): the set-up on the first
    usable frame, registration, normalisation, the background model, segmentation,
    whiskers, front, crack and kymographs, and the row of each measured scan.
    """

    def __init__(self, *, pixel_size_um, electrode, counter_electrode, data_bar, crop, tilt_deg,
                 tilt_axis, options):
        try:
            self.px = float(pixel_size_um)
        except (TypeError, ValueError):
            raise InputError(f"pixel_size_um must be a number, got {pixel_size_um!r}; "
                             "pass pixel_size_um=UM") from None
        if not (math.isfinite(self.px) and self.px > 0):
            raise InputError(f"pixel_size_um must be > 0, got {pixel_size_um!r}; pass pixel_size_um=UM")
        self.options = options
        self.measure = options.measure
        self.tilt_deg = float(tilt_deg or 0.0)
        self.tilt_axis = tilt_axis
        if self.tilt_deg:
            tilt_correct_vector(1.0, 1.0, tilt_deg=self.tilt_deg, axis=tilt_axis)  # validates
        self.electrode_opt = electrode
        self.counter_opt = counter_electrode
        self.data_bar = data_bar
        self.crop = crop
        self.n_bg = int(options.n_background_scans)
        self.drift_on = bool(options.drift)
        self.drift_downsample = (None if options.drift_downsample is None
                                 else int(options.drift_downsample))
        self.drift_region = options.drift_region
        self.high_sigma = float(options.high_sigma)
        self.low_sigma = float(options.low_sigma)
        self.min_whisker_length_px = float(options.min_whisker_length_px)
        self.min_whisker_width_px = float(options.min_whisker_width_px)
        self.crack_polarity = options.crack_polarity
        self.crack_threshold_sigma = float(options.crack_threshold_sigma)
        self.crack_thick_li_px = int(options.crack_thick_li_px)
        self.linker = WhiskerLinker(search_range_px=options.whisker_search_range_px,
                                    memory=options.whisker_memory, relink=True)
        # state
        self.region = None            # (top, bottom, left, right)
        self.electrode = None         # region coordinates
        self.electrode_full = None
        self.counter = None
        self._counter_px = None       # the counter electrode's mask, for the crack finder
        self.drift_tracker = None
        self.background = None
        self.bg_buffer = []
        self.crack_bg = None
        self.crack_rim_bg = None
        self.crack_state = None   # the crack finder's work kept for this background
        self.crack_box = None         # (x0, y0, x1, y1) of all cracks seen so far
        self.li_box = None            # (x0, y0, x1, y1) of the last scan's lithium
        self.li_threshold = None
        self.li_sign = 1.0
        self.seen_whisker_ids = set()
        self.straight_rods = {}       # whisker id -> its last straight observation
        self.branched_ids = set()     # ids measured through a branch in the last scan
        self.front_log = WhiskerFrontLog()
        self.prev_li = None
        self.kymos = {}

    # -- what the frame scheduler calls ------------------------------------
    @property
    def started(self):
        """True once the first usable frame has set up the region and the electrode."""
        return self.region is not None

    def start(self, image):
        """Set up the region, electrode, counter electrode and drift on the first usable frame."""
        self._init(image)

    @property
    def building_background(self):
        """True while the first scans are collected for the background model."""
        return self.background is None

    @property
    def background_complete(self):
        """True when enough scans are collected for the background model."""
        return len(self.bg_buffer) >= self.n_bg

    def finish_background(self):
        """Build the background model from the collected scans."""
        self._finish_background()

    def prepare(self, frame, image):
        """Register and normalise a new, complete scan (full frame): (drift, reg, grow, sat)."""
        top, bottom, left, right = self.region
        sub = image[top:bottom, left:right].astype(np.float32)
        return self._measure(frame, sub)

    def measure_scan(self, frame, measurement):
        """Analyse a prepared scan: its :class:`FrameTrack` and whisker lengths (um)."""
        drift, reg, grow, sat = measurement
        li, whiskers, front, crack, el_px = self._analyse(frame, reg, drift, grow, sat)
        return self._emit(frame, drift, li, whiskers, front, crack, measured=True,
                          electrode_li_px=el_px)

    # -- set-up on the first usable frame ----------------------------------
    def _init(self, image):
        self.region = _region(image.shape, self.data_bar, self.crop)
        if self.crop is None:  # a screen recording's flat border carries no scene
            self.region = _within(self.region, content_box(image))
        if np.issubdtype(image.dtype, np.integer):
            self.sat_level = float(np.iinfo(image.dtype).max) - 0.5
            self.dark_level = 0.5
        else:
            self.sat_level, self.dark_level = np.inf, -np.inf
        top, bottom, left, right = self.region
        img = image[top:bottom, left:right].astype(np.float32)
        electrode = self.electrode_opt
        if electrode is not None and not isinstance(electrode, Electrode):
            try:
                vals = [float(v) for v in electrode]
            except (TypeError, ValueError):
                raise InputError(f"electrode must be (x_px, y_px) or (x_px, y_px, radius_px), got "
                                 f"{electrode!r}; pass electrode=(x_px, y_px)") from None
            if len(vals) >= 2:
                rows, cols = image.shape
                if not (0 <= vals[0] <= cols - 1 and 0 <= vals[1] <= rows - 1):
                    raise InputError(f"electrode position ({vals[0]:g}, {vals[1]:g}) px is outside "
                                     f"the image (x 0..{cols - 1}, y 0..{rows - 1}); pass "
                                     "electrode=(x_px, y_px) inside the image")
                vals[0] -= left
                vals[1] -= top
            electrode = vals
        elif isinstance(electrode, Electrode):
            electrode = Electrode(electrode.x_px - left, electrode.y_px - top, electrode.radius_px,
                                  electrode.source, electrode.polarity)
        self.electrode = resolve_electrode(img, electrode)
        e = self.electrode
        self.electrode_full = Electrode(e.x_px + left, e.y_px + top, e.radius_px, e.source,
                                        e.polarity)
        co = self.counter_opt
        if isinstance(co, str) and co.strip().lower() not in ("left", "right", "top", "bottom"):
            from ..measure._front import parse_counter_electrode
            co = parse_counter_electrode(co, image.shape)
        if isinstance(co, CounterElectrode):
            if co.point is not None:
                co = CounterElectrode(point=(co.point[0] - left, co.point[1] - top),
                                      radius_px=co.radius_px)
            elif co.boundary_px is not None:
                off = left if co.side in ("left", "right") else top
                co = CounterElectrode(side=co.side, boundary_px=co.boundary_px - off)
        elif co is not None and not isinstance(co, str):
            try:
                x, y = (float(v) for v in co)
            except (TypeError, ValueError):
                raise InputError(f"counter_electrode must be left|right|top|bottom or (x_px, y_px), "
                                 f"got {co!r}; pass counter_electrode='right' (for example)") from None
            co = (x - left, y - top)
        self.counter = resolve_counter_electrode(img, co, polarity=self.electrode.polarity)
        if self.crack_polarity == "auto":
            # a crack filled with lithium looks like lithium: dark or bright as the electrode
            self.crack_polarity = self.electrode.polarity
        if self.counter is None:
            logger.info("no counter electrode given or visible: front projection and touch-down "
                        "are not measured (pass counter_electrode='right', for example)")
        if self.drift_on:
            ds = self.drift_downsample
            if ds is None:
                ds = max(1, min(img.shape) // DRIFT_TARGET_SIDE_PX)
            region = None
            if self.drift_region is not None:
                try:
                    x0, y0, x1, y1 = (int(round(float(v))) for v in self.drift_region)
                except (TypeError, ValueError):
                    raise InputError(f"drift_region must be (x0, y0, x1, y1) in px, got "
                                     f"{self.drift_region!r}") from None
                x0, x1 = max(x0 - left, 0), min(x1 - left, img.shape[1])
                y0, y1 = max(y0 - top, 0), min(y1 - top, img.shape[0])
                if x1 - x0 < MIN_DRIFT_REGION_PX or y1 - y0 < MIN_DRIFT_REGION_PX:
                    raise InputError(f"drift_region {self.drift_region!r} leaves less than 48x48 px "
                                     "of the analysed image; give a larger box away from the lithium")
                region = (x0, y0, x1, y1)
            self.drift_tracker = DriftTracker(downsample=ds, region=region)

    # -- per scan -----------------------------------------------------------
    def _register(self, img):
        if self.drift_tracker is None:
            return (0.0, 0.0), img
        dx, dy = self.drift_tracker.update(img)
        if dx == 0.0 and dy == 0.0:
            return (0.0, 0.0), img
        return (dx, dy), shift_image(img, dx, dy)

    def _normalize(self, reg, mask, sat):
        """Match brightness/contrast of ``reg`` to the background on ceramic pixels.

        The reference is the background model (or, while it is being built, the
        first scan); the map is linear and fixed by the 10th/90th percentiles of
        the pixels outside ``mask`` (grown lithium) and ``sat`` (clipped pixels).
        """
        ref = self.background if self.background is not None else self.bg_buffer[0][1]
        k = STATS_SUBSAMPLE
        sub = (slice(None, None, k), slice(None, None, k))
        sub_sel = np.ones(reg[sub].shape, bool) if mask is None else ~mask[sub]
        if sat is not None:
            sub_sel &= ~sat[sub]
        a = reg[sub][sub_sel]
        b = ref[sub][sub_sel]
        if a.size < MIN_NORMALIZE_PIXELS:
            return reg
        lo, hi = _percentile(a, NORMALIZE_PERCENTILES)
        rlo, rhi = _percentile(b, NORMALIZE_PERCENTILES)
        if hi - lo <= 1e-6:
            return reg
        gain = (rhi - rlo) / (hi - lo)
        return reg * np.float32(gain) + np.float32(rlo - lo * gain)

    def _scanlines(self, diff, mask):
        """Remove per-row offsets of the change image, measured on ceramic pixels."""
        sig = mad_sigma(diff[::STATS_SUBSAMPLE, ::STATS_SUBSAMPLE])
        c = SCANLINE_CLIP_SIGMA * sig
        clipped = np.clip(diff, -c, c) if sig > 0 else diff
        if mask is None:
            num = clipped.sum(axis=1)
            den = np.full(diff.shape[0], diff.shape[1], np.float32)
        else:
            num = np.where(mask, np.float32(0), clipped).sum(axis=1)
            den = (diff.shape[1] - np.count_nonzero(mask, axis=1)).astype(np.float32)
        off = np.where(den > MIN_SCANLINE_PIXELS, num / np.maximum(den, 1), 0.0).astype(np.float32)
        return diff - off[:, None]

    def _measure(self, frame, img):
        """Measure one new, complete scan (region image, float32)."""
        (dx, dy), reg = self._register(img)
        # clipped pixels (e.g. a bright needle at full scale in a bright scan) do not follow
        # the linear flicker model: they are left out of the change image
        sat = (reg >= self.sat_level) | (reg <= self.dark_level)
        if sat.any():
            sat = cv2.dilate(sat.astype(np.uint8), np.ones((CLIP_DILATE_PX, CLIP_DILATE_PX), np.uint8)) > 0
        grow_mask = None
        if self.prev_li is not None:
            k = 2 * GROW_MARGIN_PX + 1
            grow_mask = cv2.dilate(self.prev_li.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
        if self.background is None:
            # still collecting the background model: normalise to the first scan
            if not self.bg_buffer:
                self.bg_buffer.append((frame, reg, sat))
                return (dx, dy), reg, None, sat
            reg = self._normalize(reg, grow_mask, sat)
            self.bg_buffer.append((frame, reg, sat))
            return (dx, dy), reg, None, sat
        reg = self._normalize(reg, grow_mask, sat)
        return (dx, dy), reg, grow_mask, sat

    def _finish_background(self):
        regs = [r for _, r, _ in self.bg_buffer]
        self.bg_sat = np.logical_or.reduce([m for _, _, m in self.bg_buffer])
        # the median (or mean) over the scans in blocks of rows: the same values per pixel
        # as over the whole stack, without the stack and the median's copy of it (at full
        # HD two transient arrays of n_bg full frames)
        self.background = np.empty(regs[0].shape, np.float32)
        step = max(1, BACKGROUND_BLOCK_PX // max(1, regs[0].shape[1]))
        for r0 in range(0, regs[0].shape[0], step):
            block = np.stack([r[r0:r0 + step] for r in regs])
            self.background[r0:r0 + step] = np.median(block, axis=0) if len(regs) > 2 \
                else block.mean(axis=0)
        del block, regs
        # the scans are in the model now (the scheduler keeps its own references until
        # it has measured them): not kept for the rest of the video
        self.bg_buffer = []
        sm = cv2.GaussianBlur(self.background, (0, 0), BACKGROUND_SMOOTH_PX)
        gx = cv2.Sobel(sm, cv2.CV_32F, 1, 0, ksize=SOBEL_KSIZE) * np.float32(SOBEL_NORM)
        gy = cv2.Sobel(sm, cv2.CV_32F, 0, 1, ksize=SOBEL_KSIZE) * np.float32(SOBEL_NORM)
        self.bg_gradient = cv2.magnitude(gx, gy)
        self.segment_state = SegmentState()   # segment_lithium's per-background statistics
        del sm, gx, gy  # not kept through the crack background below
        if "crack" in self.measure:
            # the filter responses kept in the crack box only (the six angles of a full-HD
            # frame are 50 MB); detect_crack asks for a larger window when a crack grows
            box = self._crack_roi(self.background.shape)
            self.crack_bg = crack_background(self.background, polarity=self.crack_polarity,
                                             box=box)
            # a thin crack in dark lithium shows by its bright rims (detect_crack_core_or_rims)
            self.crack_rim_bg = (crack_background(self.background, polarity="bright", box=box)
                                 if self.crack_polarity == "dark" else None)
            self.crack_state = CrackState()
        self._li_reference()

    def _li_reference(self):
        """Grey-level threshold map for the electrode Li area, from the background model.

        Lithium looks the same everywhere (the electrode's median level);
        the ceramic level is the background itself where it is clearly
        ceramic, else the median of the ring around the electrode (under the
        electrode, and at its blurred edge). ``li_threshold`` is the change
        (background - frame) above which a pixel is darker than the midpoint
        between the two, i.e. lithium.
        """
        e = self.electrode
        bg = cv2.GaussianBlur(self.background, (0, 0), BACKGROUND_SMOOTH_PX)
        yy, xx = np.ogrid[:bg.shape[0], :bg.shape[1]]
        d = np.hypot(xx - e.x_px, yy - e.y_px)
        ok = ~self.bg_sat
        inner = ok & (d <= e.radius_px - LI_INNER_INSET_PX)
        ring_out = e.radius_px + LI_RING_GAP_PX + max(LI_RING_MIN_PX, LI_RING_FRAC * e.radius_px)
        ring = ok & (d >= e.radius_px + LI_RING_GAP_PX) & (d <= ring_out)
        self.li_threshold = None
        self.li_sign = 1.0
        if inner.sum() < MIN_LEVEL_PIXELS or ring.sum() < MIN_LEVEL_PIXELS:
            return
        li_level, ceramic_level = float(np.median(bg[inner])), float(np.median(bg[ring]))
        # +1: lithium darker than the ceramic, -1: brighter (then the change is negative)
        self.li_sign = 1.0 if e.polarity == "dark" else -1.0
        contrast = (ceramic_level - li_level) * self.li_sign
        if not contrast > 0:
            logger.info("electrode not %s than the ceramic: electrode Li area not measured",
                        "darker" if self.li_sign > 0 else "brighter")
            return
        clear = (bg - li_level) * self.li_sign > CLEAR_CERAMIC_FRAC * contrast
        ceramic = np.where(clear, bg, np.float32(ceramic_level))
        self.li_threshold = (bg - 0.5 * (li_level + ceramic)).astype(np.float32)
        self.electrode_zone = d <= e.radius_px + FRONT_RIM_MARGIN_PX

    def _electrode_li_area_px(self, diff, li, wmask):
        """Lithium pixels of the electrode and its lateral lithium (whiskers excluded).

        A pixel is lithium if, in the change image smoothed by 1 px, it is
        darker than the midpoint between lithium and the ceramic (see
        :meth:`_li_reference`). Counted within the electrode disc (plus the
        front's rim margin) and in the lateral lithium of the segmentation;
        bright rims are not lithium.
        """
        if self.li_threshold is None:
            return math.nan
        zone = self.electrode_zone | (li & ~wmask)
        # smooth only the zone's box plus the kernel's reach (4 px at sigma 1): same values
        x, y, w, h = cv2.boundingRect(zone.astype(np.uint8))
        if w == 0 or h == 0:
            return 0.0
        m = ZONE_SMOOTH_MARGIN_PX
        rows, cols = diff.shape
        y0, y1, x0, x1 = max(y - m, 0), min(y + h + m, rows), max(x - m, 0), min(x + w + m, cols)
        sm = cv2.GaussianBlur(diff[y0:y1, x0:x1], (0, 0), BACKGROUND_SMOOTH_PX)
        thr = self.li_threshold[y0:y1, x0:x1]
        now_li = sm > thr if self.li_sign > 0 else sm < thr
        return float(np.count_nonzero(now_li & zone[y0:y1, x0:x1]))

    def _analyse(self, frame, reg, drift, grow_mask, sat):
        """Segmentation and trackers on a registered, normalised region image."""
        e = self.electrode
        diff = cv2.subtract(self.background, reg)
        invalid = sat | self.bg_sat
        raw = diff
        if invalid.any():
            diff = diff.copy()
            diff[invalid] = 0.0
        diff = self._scanlines(diff, grow_mask)
        # the whiskers' change image is made after the segmentation from the few newly
        # clipped pixels' raw values: the unmasked change (a full frame, 7.6 MB at HD) and
        # the whiskers' copy are not held through segment_lithium, the run's peak
        clipped_now = self._newly_clipped(raw, sat)
        del raw, invalid
        # the strength map (a full frame) and the noise level are not used here: not kept
        # through the whiskers, the crack search and the front
        li, _, _ = segment_lithium(
            diff, electrode_xy_px=(e.x_px, e.y_px), electrode_radius_px=e.radius_px,
            high_sigma=self.high_sigma, low_sigma=self.low_sigma,
            background_gradient=self.bg_gradient, search_box=self._segment_box(),
            background=self.background, state=self.segment_state)
        wdiff = self._whisker_diff(diff, clipped_now)
        del clipped_now
        self.prev_li = li
        x, y, w, h = cv2.boundingRect(li.astype(np.uint8))
        self.li_box = (x, y, x + w, y + h) if w and h else None
        whiskers, wmask = [], np.zeros(li.shape, bool)
        if "whiskers" in self.measure:
            cands, wmask = find_whiskers(li, electrode_xy_px=(e.x_px, e.y_px),
                                         electrode_radius_px=e.radius_px,
                                         min_length_px=self.min_whisker_length_px)
            thick = [c for c in cands if c.width_px >= self.min_whisker_width_px
                     and _is_whisker_core(wdiff, c, e.polarity)]
            # thinner rods are cracks: only the accepted whiskers' bodies are hidden from the
            # crack finder
            crack_exclude = _crack_exclusion(wmask, cands, thick)
            rods = wmask
            wmask = _rods_left_out_of_front(wmask, cands, thick)
            # a rod whose centreline turned into a thin branch from its tip is measured along
            # its own axis (the one it had in its last straight scan)
            thick = self._rods_through_branches(wdiff, thick, e.polarity)
            branched = {c.whisker_id for c in thick if c.whisker_id >= 0}
            # a rod read straight that starts to kink: its corner on that same axis
            thick = self._kinks_from_prior(rods, thick)
            # a short straight piece of a known longer rod: along that rod's axis
            thick = self._reaimed_on_priors(thick)
            # a rod the segmentation cut short goes on along its axis while its contrast holds
            # (up to other lithium: the electrode, the front, another rod)
            # (another rod read from the same piece, a stub beside a rod, is other lithium
            # too: its body, not the piece, so that neither runs through the other)
            cands = [_measure_rod(wdiff, li, wmask, thick, i) for i in range(len(thick))]
            cands = [c for c in cands if c.length_px >= self.min_whisker_length_px]
            whiskers = self.linker.link(cands)
            self.straight_rods.update((w.whisker_id, w) for w in whiskers if not w.path_xy_px)
            # rods measured through a branch this scan (their id set above, before linking)
            self.branched_ids = {w.whisker_id for w in whiskers if w.whisker_id in branched}
            self._kymograph(whiskers, reg, frame)
        else:
            crack_exclude = wmask
        # the whiskers' change image is not read after them: not kept (a full frame when
        # newly clipped pixels made it a copy) through the crack search and the front
        del wdiff
        front_wmask = self._whiskers_out_of_front(wmask, whiskers)
        crack = None
        crack_mask = None
        thin_front = None
        if "crack" in self.measure:
            crack = detect_crack_core_or_rims(
                reg, li_mask=li, electrode_xy_px=(e.x_px, e.y_px),
                electrode_radius_px=e.radius_px, background=self.crack_bg,
                rim_background=self.crack_rim_bg,
                exclude_mask=crack_exclude if crack_exclude.any() else None,
                polarity=self.crack_polarity, threshold_sigma=self.crack_threshold_sigma,
                roi=self._crack_roi(li.shape), thick_li_px=self.crack_thick_li_px,
                counter_mask=self._counter_mask(li.shape), state=self.crack_state)
            if crack is not None and "front" in self.measure and crack.is_branching_cluster:
                # a branching, area-filling line network is the thin branches of a lateral
                # front (1-2 px, missed by the segmentation), not a crack: it joins the front
                thin_front = _skeleton_mask(crack.skeleton_xy_px, li.shape)
                thin_front |= link_thin_branches(diff, thin_front)
                crack = None
            if crack is not None and len(crack.skeleton_xy_px):
                lo_xy = crack.skeleton_xy_px.min(axis=0)
                hi_xy = crack.skeleton_xy_px.max(axis=0)
                box = (lo_xy[0], lo_xy[1], hi_xy[0] + 1, hi_xy[1] + 1)
                old = self.crack_box
                self.crack_box = box if old is None else (min(old[0], box[0]), min(old[1], box[1]),
                                                          max(old[2], box[2]), max(old[3], box[3]))
                crack_mask = np.zeros(li.shape, np.uint8)
                pts = np.round(crack.skeleton_xy_px).astype(int)
                crack_mask[pts[:, 1].clip(0, li.shape[0] - 1), pts[:, 0].clip(0, li.shape[1] - 1)] = 1
                k = 2 * int(self.crack_thick_li_px // 2) + 1
                crack_mask = cv2.dilate(crack_mask, np.ones((k, k), np.uint8)) > 0
        front = None
        if "front" in self.measure:
            exclude = front_wmask
            if crack_mask is not None:
                exclude = exclude | crack_mask
            counter = self.counter if self.counter is not None else CounterElectrode(side="right")
            front = measure_front(li, electrode_xy_px=(e.x_px, e.y_px),
                                  electrode_radius_px=e.radius_px, counter_electrode=counter,
                                  rim_margin_px=FRONT_RIM_MARGIN_PX,
                                  exclude_mask=exclude if exclude.any() else None,
                                  thin_mask=thin_front, exclude_rods=True)
            if (crack_mask is not None and front.area_px > CRACK_IN_FRONT_FRAC * float(crack_mask.sum())
                    and front.n_branches >= FRONT_MIN_BRANCHES):
                # thin lines attached to a branched lateral front are its branches, not a
                # crack: they join the front's reach (1-2 px, missed by the segmentation)
                thin_lines = _skeleton_mask(crack.skeleton_xy_px, li.shape)
                thin_front = thin_lines if thin_front is None else thin_front | thin_lines
                thin_front |= link_thin_branches(diff, thin_front)
                crack = None
                front = measure_front(li, electrode_xy_px=(e.x_px, e.y_px),
                                      electrode_radius_px=e.radius_px, counter_electrode=counter,
                                      rim_margin_px=FRONT_RIM_MARGIN_PX,
                                      exclude_mask=front_wmask if front_wmask.any() else None,
                                      thin_mask=thin_front, exclude_rods=True)
            if self.counter is None:
                front = dataclasses.replace(front, projected_px=math.nan, touching=False)
            self.front_log.add(frame.index, front, whiskers, li.shape, counter=self.counter)
        return li, whiskers, front, crack, self._electrode_li_area_px(diff, li, front_wmask)

    def _prior_rod(self, i, cand, cands):
        """The known straight rod that candidate ``i`` continues, or None.

        The nearest rod whose base lies within its width of the candidate's base, unless
        another candidate of this scan keeps to that rod's axis (two rods from one root:
        each is its own).
        """
        cb = np.asarray(cand.base_xy_px, float)
        near = [(float(np.hypot(*(cb - np.asarray(p.base_xy_px, float)))), k, p)
                for k, p in self.straight_rods.items()]
        near = [t for t in near if t[0] <= float(t[2].width_px)]
        if not near:
            return None
        _, _, prior = min(near, key=lambda t: (t[0], t[1]))
        if any(j != i and _keeps_axis(o, prior) for j, o in enumerate(cands)):
            return None
        return prior

    def _rods_through_branches(self, wdiff, cands, li_polarity):
        """``cands`` with each one whose tip turned off a known rod's axis into a thin branch
        replaced by that rod (:func:`rod_through_branch`).

        A candidate is the known rod's when its base lies within the rod's width of the
        rod's base (the nearest such rod), and no other candidate of this scan keeps to
        that rod's axis (two rods from one root: each is its own).
        """
        if not self.straight_rods or not cands:
            return cands
        sign = 1.0 if li_polarity == "dark" else -1.0
        out = list(cands)
        for i, c in enumerate(cands):
            prior = self._prior_rod(i, c, cands)
            if prior is None:
                continue
            rod = rod_through_branch(wdiff, c, prior, sign=sign,
                                     branched=prior.whisker_id in self.branched_ids)
            if rod is not None:
                logger.debug("whisker %d: centreline turned into a thin branch at (%.1f, %.1f); "
                             "measured along its own axis", prior.whisker_id, *c.tip_xy_px)
                out[i] = dataclasses.replace(rod, whisker_id=prior.whisker_id)
        return out

    def _kinks_from_prior(self, rods, cands):
        """``cands`` with each straight one that starts to kink off a known straight rod's
        axis re-read as kinked along that axis (:func:`kink_from_prior`).

        While a kink's second leg is shorter than about 1.5 widths the region is read
        straight (a stub along the radius: 5-7 px short on 10-12 px rods kinking 45-60 deg
        at 50 px). A candidate is the known rod's as in :meth:`_rods_through_branches`
        (its base within the rod's width of the rod's base, no other candidate on the
        rod's axis); ``rods`` is the whisker finder's mask, the candidate's region its
        piece of it. Candidates already given a rod's id (measured through a branch) stay.
        """
        def reread(c, prior):
            rod = kink_from_prior(_rods_in(rods, [c]), c, prior)
            if rod is not None:
                logger.debug("whisker %d: starts to kink at (%.1f, %.1f) off its straight axis",
                             prior.whisker_id, *rod.path_xy_px[-1])
            return rod
        return self._reread_on_priors(cands, reread)

    def _reaimed_on_priors(self, cands):
        """``cands`` with each short straight piece of a known longer straight rod re-aimed
        along that rod's axis (:func:`reaim_on_prior`), so that :func:`follow_rod` follows
        the rod and not the piece's less certain direction. A candidate is the known rod's
        as in :meth:`_rods_through_branches`; candidates already given a rod's id stay.
        """
        return self._reread_on_priors(cands, reaim_on_prior)

    def _reread_on_priors(self, cands, reread):
        """``cands`` with each straight one that is a known straight rod's (as in
        :meth:`_rods_through_branches`) replaced by ``reread(candidate, rod)`` where that is
        not None. Candidates already given a rod's id (measured through a branch) stay.
        """
        if not self.straight_rods or not cands:
            return cands
        out = list(cands)
        for i, c in enumerate(cands):
            if c.path_xy_px or c.whisker_id >= 0:
                continue
            prior = self._prior_rod(i, c, cands)
            if prior is None:
                continue
            rod = reread(c, prior)
            if rod is not None:
                out[i] = rod
        return out

    def _newly_clipped(self, raw, sat):
        """Flat indices and raw change of the pixels clipped now but not in the background.

        None when there are none. What :meth:`_whisker_diff` puts back into the masked
        change, kept without the full-frame ``raw`` it is read from.
        """
        idx = np.flatnonzero(sat & ~self.bg_sat)
        return (idx, raw.ravel()[idx]) if idx.size else None

    def _whisker_diff(self, diff, clipped_now):
        """The change image whiskers are measured on: ``diff`` with newly clipped pixels kept.

        ``diff`` sets every clipped pixel to zero change (a clipped needle does not
        follow the brightness model). A pixel clipped now but not in the background
        is new: the lithium of a high-contrast rod or its edge-brightened rim. Its raw
        change is a lower bound of the true one, of the right sign; zero is not. The
        edge model of the tip and the sides needs that rim (centred on the edge): zeroed,
        the fit puts the edge at the rim's inner side (tuning seed 5049: a 14 px rod
        with clipped rims measured 4 px short, core width 2 px). Pixels clipped in the
        background (the needle) stay zero.
        """
        if clipped_now is None:
            return diff
        idx, values = clipped_now   # from :meth:`_newly_clipped`
        out = diff.copy()
        out.ravel()[idx] = values
        return out

    def _whiskers_out_of_front(self, wmask, whiskers):
        """The whisker pixels the lateral front leaves out (region coordinates).

        All of ``wmask`` but the rods of whiskers seen for the first time that
        are already longer than :data:`YOUNG_TRUNK_ASPECT` times their width:
        such a rod is a young, still straight trunk of a lateral front (it
        branches in the next scans and is no longer taken for a whisker) and
        stays part of the front. It is still reported as a whisker;
        :func:`track` drops ids seen in fewer than ``min_whisker_scans`` scans.
        """
        young = [w for w in whiskers if w.whisker_id not in self.seen_whisker_ids
                 and w.length_px > YOUNG_TRUNK_ASPECT * w.width_px]
        self.seen_whisker_ids.update(int(w.whisker_id) for w in whiskers)
        if not young or not wmask.any():
            return wmask
        axes = np.zeros(wmask.shape, np.uint8)
        for w in young:
            _draw_axis(axes, w)
        labels, (x0, y0, x1, y1) = _box_labels(wmask)
        sub = wmask[y0:y1, x0:x1]
        hit = np.unique(labels[(axes[y0:y1, x0:x1] > 0) & sub])
        out = wmask.copy()
        out[y0:y1, x0:x1] &= ~np.isin(labels, hit[hit > 0])
        return out

    def _segment_box(self):
        """Box the lithium is labelled in: the electrode and the last scan's lithium, plus a margin.

        Only a speed-up: ``segment_lithium`` labels the whole image when lithium
        touching the electrode reaches the side of the box (then the next box holds it).
        """
        x0, y0, x1, y1 = _box_around(self.electrode, self.li_box, SEGMENT_BOX_MARGIN_PX)
        return (int(math.floor(x0)), int(math.floor(y0)), int(math.ceil(x1)), int(math.ceil(y1)))

    def _counter_mask(self, shape):
        """The counter electrode's pixels for the crack finder (None: not known).

        A crack ends where it meets the counter electrode and does not run along its
        bright rim (tuning seed 7034): the crack finder joins no piece beyond it.
        """
        if self.counter is None:
            return None
        if self._counter_px is None or self._counter_px.shape != tuple(shape[:2]):
            self._counter_px = self.counter.region_mask(shape)
        return self._counter_px

    def _crack_roi(self, shape):
        """Box the crack is searched in: the electrode and the cracks so far, plus a margin.

        A crack starts at the electrode; ``detect_crack`` grows the box when a
        crack reaches its side, so this only saves filtering empty ceramic.
        """
        x0, y0, x1, y1 = _box_around(self.electrode, self.crack_box, CRACK_ROI_MARGIN_PX)
        rows, cols = shape
        return (max(int(x0), 0), max(int(y0), 0), min(int(math.ceil(x1)), cols),
                min(int(math.ceil(y1)), rows))

    def _kymograph(self, whiskers, reg, frame):
        t = frame.content_time_s if frame.content_time_s is not None else frame.time_s
        for w in whiskers:
            k = self.kymos.get(w.whisker_id)
            if k is None:
                h, wd = reg.shape
                ux, uy = w.direction_xy
                bx, by = w.base_xy_px
                # axis length to the region border
                ts = []
                for p, u, n in ((bx, ux, wd), (by, uy, h)):
                    if u > 1e-9:
                        ts.append((n - 1 - p) / u)
                    elif u < -1e-9:
                        ts.append(-p / u)
                length = max(min(ts) if ts else 0.0, 1.0)
                lo, hi = (float(v) for v in np.percentile(
                    self.background[::KYMO_SUBSAMPLE, ::KYMO_SUBSAMPLE], KYMO_RANGE_PERCENTILES))
                k = KymographBuilder(w.base_xy_px, w.direction_xy, length_px=length,
                                     intensity_range=(lo, hi))
                self.kymos[w.whisker_id] = k
            k.add(reg, t, length_px=w.length_px)

    # -- rows ---------------------------------------------------------------
    def _to_full(self, xy):
        top, _, left, _ = self.region
        return (float(xy[0]) + left, float(xy[1]) + top)

    def _length_um(self, dx_px, dy_px):
        if self.tilt_deg:
            dx_px, dy_px = tilt_correct_vector(dx_px, dy_px, tilt_deg=self.tilt_deg,
                                               axis=self.tilt_axis)
        return float(np.hypot(dx_px, dy_px)) * self.px

    def _row(self, frame, drift, whiskers, front, crack, *, skipped=False):
        row = _nan_row(frame, skipped=skipped)
        row["drift_x_px"], row["drift_y_px"] = float(drift[0]), float(drift[1])
        px = self.px
        lengths = []
        for w in whiskers:
            if self.tilt_deg:
                pts = np.asarray(list(w.path_xy_px) or [w.base_xy_px], float)
                pts = np.vstack([pts, np.asarray(w.tip_xy_px, float)[None]])
                length = sum(self._length_um(*(b - a)) for a, b in zip(pts[:-1], pts[1:]))
            else:
                length = w.length_px * px
            lengths.append(float(length))
        row["whisker_count"] = len(whiskers)
        row["max_whisker_length_um"] = max(lengths) if lengths else math.nan
        if front is not None:
            row["li_area_um2"] = float(front.area_px) * px * px
            row["front_distance_um"] = float(front.max_distance_px) * px
            row["front_projected_um"] = float(front.projected_px) * px
            row["fractal_dimension"] = float(front.fractal_dimension)
            row["n_branches"] = int(front.n_branches)
            row["front_touching"] = bool(front.touching)
        if crack is not None:
            # the crack's length: its main path and side branches
            if self.tilt_deg and len(crack.path) > 1:
                total = 0.0
                for line in (crack.path, *crack.branches):
                    d = np.diff(np.asarray(line, float), axis=0)
                    cdx, cdy = tilt_correct_vector(d[:, 0], d[:, 1], tilt_deg=self.tilt_deg,
                                                   axis=self.tilt_axis)
                    total += float(np.hypot(cdx, cdy).sum())
                row["crack_length_um"] = total * px
            else:
                row["crack_length_um"] = float(crack.total_length_px) * px
            tx, ty = self._to_full(crack.tip_xy_px)
            row["crack_tip_x_um"], row["crack_tip_y_um"] = tx * px, ty * px
        elif "crack" in self.measure and not skipped:
            row["crack_length_um"] = 0.0
        return row, lengths

    def censored(self, whisker, drift):
        """True when the tip is at the side of the analysed field (image edge or data bar).

        The whisker may go on beyond it, so its length is a lower bound and
        stays out of rate fits. The field's sides move with the drift in
        first-frame coordinates, hence the drift is added to the margin.
        """
        if self.region is None:
            return False
        top, bottom, left, right = self.region
        x, y = whisker.tip_xy_px
        dx, dy = (abs(v) if math.isfinite(v) else 0.0 for v in drift)
        mx, my = CENSOR_MARGIN_PX + dx, CENSOR_MARGIN_PX + dy
        return bool(x < left + mx or x > right - 1 - mx or y < top + my or y > bottom - 1 - my)

    def _emit(self, frame, drift, li, whiskers, front, crack, *, measured, skipped=False,
              electrode_li_px=math.nan):
        top, _, left, _ = self.region if self.region is not None else (0, 0, 0, 0)
        full_whiskers = [dataclasses.replace(w, base_xy_px=self._to_full(w.base_xy_px),
                                             tip_xy_px=self._to_full(w.tip_xy_px),
                                             path_xy_px=tuple(self._to_full(p)
                                                              for p in w.path_xy_px))
                         for w in whiskers] if self.region is not None else []
        row, lengths = self._row(frame, drift, full_whiskers, front, crack, skipped=skipped)
        row["electrode_li_area_um2"] = float(electrode_li_px) * self.px * self.px
        ft = FrameTrack(frame=frame, drift_xy_px=(float(drift[0]), float(drift[1])),
                        electrode=self.electrode_full, li_mask=li, whiskers=full_whiskers,
                        front=front, crack=crack, row=row, mask_offset_xy_px=(left, top),
                        measured=measured)
        return ft, lengths


class TrackIterator:
    """Iterator of :class:`FrameTrack` returned by :func:`track_iter`.

    After (or during) iteration, :attr:`tracks` collects everything seen so
    far into a :class:`Tracks`.
    """

    def __init__(self, tracker, frames):
        self._tracker = tracker  # the FrameScheduler of the run
        self._gen = tracker.run(frames)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._gen)

    @property
    def tracks(self):
        """:class:`Tracks` of the frames consumed so far (without the rods along the
        side of the field that never grew: :func:`_drop_edge_strips`)."""
        return _drop_edge_strips(self._tracker.tracks())


def track_iter(frames, *, pixel_size_um, electrode=None, counter_electrode=None, data_bar=None,
               crop=None, tilt_deg=0.0, tilt_axis="x", options=None, **option_changes):
    """Track lithium growth frame by frame (streaming; memory stays flat).

    Parameters
    ----------
    frames : iterable of Frame (or of 2-D ndarrays)
        Frames in video order, ideally marked by :func:`vision.mark_refreshes`
        (``is_duplicate``, ``partial_refresh``, ``content_time_s``). Plain
        arrays are taken as frames ``frame_interval_s`` apart, all new scans.
    pixel_size_um : float
        Pixel size, µm/px.
    electrode : None, (x_px, y_px), (x_px, y_px, radius_px) or Electrode
        Working electrode centre in full-frame pixels; found automatically in
        the first usable frame when None.
    counter_electrode : None, 'left'|'right'|'top'|'bottom', 'right:900', (x_px, y_px) or CounterElectrode
        Where the counter electrode is; None: found if visible as a dark band
        along an image edge, else front projection and touch-down are not
        measured.
    data_bar : DataBar, (top, bottom, left, right), int or None
        The SEM data bar (its rows are not analysed). None: no data bar.
    crop : (top, bottom, left, right), optional
        Analyse only this region (replaces ``data_bar``).
    tilt_deg : float
        Stage tilt; lengths (whiskers, crack) are tilt-corrected with
        :func:`calibration.tilt_correct_vector` (in-surface lengths).
    tilt_axis : 'x', 'y' or float
        Direction of the tilt axis in the image.
    options : TrackOptions, optional
        How to track (thresholds, search ranges, what to measure); default
        ``TrackOptions()``, the values ``semtrack analyze`` uses.
    **option_changes
        Single options by their :class:`TrackOptions` field name, e.g.
        ``measure=("whiskers",)``; applied on top of ``options``.

    Returns
    -------
    TrackIterator
        Yields one :class:`FrameTrack` per input frame; ``.tracks`` gives the
        collected :class:`Tracks`.

    Raises
    ------
    InputError
        No electrode found ('pass electrode=(x_px, y_px)'), an electrode outside the
        image, bad options.

    Notes
    -----
    Duplicate frames repeat the measurement of their scan (flagged
    ``is_duplicate``). Torn frames (``partial_refresh``: part new scan, part
    old) are never measured themselves: the tracker waits one frame; if the
    next frame is the complete version of the same scan (same
    ``content_time_s``), the torn frame gets that scan's measurement, else it
    repeats the previous scan's measurement (one frame of look-ahead; if
    every frame of a scan is torn, that scan is not measured). Blank or saturated
    frames are skipped (``skipped=True``, NaN measurements) and counted.
    The first ``n_background_scans`` scans are buffered until the background
    model exists, then yielded.
    """
    options = _options(options, option_changes)
    tracker = _Tracker(
        pixel_size_um=pixel_size_um, electrode=electrode, counter_electrode=counter_electrode,
        data_bar=data_bar, crop=crop, tilt_deg=tilt_deg, tilt_axis=tilt_axis, options=options)
    return TrackIterator(FrameScheduler(tracker, frame_interval_s=options.frame_interval_s), frames)


def _options(options, changes):
    options = TrackOptions() if options is None else options
    if not isinstance(options, TrackOptions):
        raise ValueError(f"options must be a TrackOptions, got {type(options).__name__}")
    return options.replace(**changes) if changes else options


def track(frames, *, pixel_size_um, electrode=None, counter_electrode=None, data_bar=None,
          crop=None, tilt_deg=0.0, tilt_axis="x", options=None, **option_changes):
    """Track a whole video; return per-frame tables (see :func:`track_iter`).

    Parameters
    ----------
    frames : VideoReader, iterable of Frame, or iterable of 2-D ndarrays
        A reader from :func:`vision.open_video` is marked with
        :func:`vision.mark_refreshes` first.
    pixel_size_um : float
        Pixel size, µm/px.
    electrode : None, (x_px, y_px), (x_px, y_px, radius_px) or Electrode
        As for :func:`track_iter`.
    counter_electrode : None, str, (x_px, y_px) or CounterElectrode
        As for :func:`track_iter`.
    data_bar : DataBar, (top, bottom, left, right), int or None
        As for :func:`track_iter`.
    crop : (top, bottom, left, right), optional
        As for :func:`track_iter`.
    tilt_deg : float
        Stage tilt, degrees; as for :func:`track_iter`.
    tilt_axis : 'x', 'y' or float
        As for :func:`track_iter`.
    options : TrackOptions, optional
        As for :func:`track_iter`; ``options.min_whisker_scans`` applies here.
    **option_changes
        Single options by their :class:`TrackOptions` field name, applied on
        top of ``options``.

    Returns
    -------
    Tracks
    """
    from ..io._base import VideoReader

    if isinstance(frames, VideoReader):
        from ..preprocess._refresh import mark_refreshes
        frames = mark_refreshes(iter(frames))
    options = _options(options, option_changes)
    it = track_iter(
        frames, pixel_size_um=pixel_size_um, electrode=electrode,
        counter_electrode=counter_electrode, data_bar=data_bar, crop=crop, tilt_deg=tilt_deg,
        tilt_axis=tilt_axis, options=options)
    for _ in it:
        pass
    tracks = it.tracks
    return _drop_short_whiskers(tracks, options.min_whisker_scans)
