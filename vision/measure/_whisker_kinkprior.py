"""A rod that starts to kink, measured along the straight axis it had before.

A whisker that kinks (the generator's rods turn by 15-60 deg) is first read straight:
while its second leg is shorter than about 1.5 widths, its pixels spread less than
STUB_ASPECT : 1 and the region is a stub measured along the radius, or its centreline
shows no corner (an 11.5 px rod kinking 54 deg at 35 px read 5.4-6.4 px short at 50 px).
The rod's first leg does not move: its axis is the one it had in its last straight scan.
:func:`kink_from_prior` fits the corner on that axis and the second leg to the region,
as a polyline base -> corner -> tip of the rod's width drawn over the region's pixels.

Points are (x, y) = (column, row) in pixels, origin at the centre of the top-left
pixel; lengths in pixels.
"""
import math

import cv2
import numpy as np

from ._whisker_obs import HALF_PX, WhiskerObs

__all__ = ["kink_from_prior"]

#: The second leg turns off the old axis by at least this (deg): the generator's kinks
#: turn by 15 deg or more; a straight rod's axis is known to a few degrees from its mask.
KINK_MIN_TURN_DEG = 12.0
#: ... and by less than a right angle: a line that turns more is a crack along grain
#: boundaries, not a whisker (see :func:`vision.find_whiskers`).
KINK_MAX_TURN_DEG = 90.0
#: Pixels farther than half the rod's width plus this (px) from the old axis lie outside
#: the old rod: the mask's ragged edge (one pixel) and the edge's blur (half a pixel).
KINK_SIDE_MARGIN_PX = 1.5
#: A second leg holds at least this many squared widths of pixels outside the old rod:
#: a leg half a width long beside it (fewer are the mask's ragged edge).
KINK_MIN_LEG_AREA_WIDTHS2 = 0.5
#: The kinked model must mismatch (region XOR drawn rod) fewer pixels than the straight
#: reading by at least this multiple of the region's pixels outside the old rod. A kink's
#: second leg holds those pixels, and the straight reading also draws its stretch past
#: the corner over the ceramic, so a real kink gains more than the pixels outside (the
#: renderer's rods, 8-12 px kinking 30-60 deg: 2.8-5.3 times); lithium beside a straight
#: rod (a 44 px blob at the tip of the multi-whisker preset's 6 px rod) can gain at most
#: its own pixels (1.1 times).
KINK_MIN_GAIN_FRAC = 1.5
#: The second leg's turn is searched every KINK_TURN_STEP_DEG (deg): at 20 px from the
#: corner a 2-deg step moves the tip by 0.7 px, which refine_tip then fits.
KINK_TURN_STEP_DEG = 2.0
#: The second leg is at most this many rod widths long (from the corner): the region's
#: own centreline fit reads a kink once its second leg is about 1.5 widths long, so the
#: old axis is needed only in the scans before; a longer "leg" is another shape (tuning
#: seed 7016: a crack taken for a rod, re-read 140 px shorter after touch-down).
KINK_MAX_LEG_WIDTHS = 3.0
#: The region's width is measured over this span of the old rod's length (fractions):
#: away from its root (the fillet at the rim) and from its tip (where the kink may start).
KINK_WIDTH_SPAN = (0.25, 0.75)
#: The corner is searched every KINK_CORNER_STEP_PX along the old axis.
KINK_CORNER_STEP_PX = 1.0


def _drawn(shape, pts, width_px):
    """The polyline ``pts`` (K, 2) drawn ``width_px`` wide into a bool mask of ``shape``."""
    m = np.zeros(shape, np.uint8)
    p = np.round(np.asarray(pts, float) * 16).astype(np.int32)
    cv2.polylines(m, [p.reshape(-1, 1, 2)], False, 1, max(1, int(round(width_px))),
                  cv2.LINE_8, 4)
    return m > 0


def _no_kink_can_pass(straight, n_outside, s_max, w_rod, prior_length_px):
    """Whether no corner the search of :func:`kink_from_prior` can find passes its tests.

    Decided before the search, from the same tests: a kink's mismatch is at least 0, so it
    gains at most ``straight`` (the straight reading's mismatch) over the straight
    reading, which must be :data:`KINK_MIN_GAIN_FRAC` times the ``n_outside`` pixels
    outside the old rod; and its corner lies before ``s_max`` (the farthest on-axis pixel
    along the old axis) plus one search step (one more for the float range's last value)
    with a leg of at most :data:`KINK_MAX_LEG_WIDTHS` rod widths (``w_rod``), so it must
    reach the old rod's length less its width. Only a saving, the result is the same:
    the search costs one drawn model per corner and turn (~40 turns a px of the axis),
    and a root keeps the straight rod of a whisker gone long ago (a long video's, or the
    same video repeated), against which every later rod from that root is read.
    """
    if straight < KINK_MIN_GAIN_FRAC * float(n_outside):
        return True
    longest = s_max + 2.0 * KINK_CORNER_STEP_PX + KINK_MAX_LEG_WIDTHS * w_rod
    return bool(longest < float(prior_length_px) - w_rod)


def kink_from_prior(piece, candidate, prior, *, min_turn_deg=KINK_MIN_TURN_DEG,
                    max_turn_deg=KINK_MAX_TURN_DEG):
    """``candidate`` re-read as a kinked rod along ``prior``'s straight axis, or None.

    Parameters
    ----------
    piece : (M, N) bool ndarray
        The candidate's segmented region (first-frame coordinates).
    candidate : WhiskerObs
        This scan's straight reading of the region (``path_xy_px`` empty).
    prior : WhiskerObs
        The same rod's last straight observation: its base and direction are the first
        leg's axis, its width the rod's.
    min_turn_deg, max_turn_deg : float
        The second leg turns off the old axis by this much (deg).

    Returns
    -------
    WhiskerObs or None
        With ``path_xy_px = (base, corner)``, the pixel-level tip at the middle of the
        second leg's flat end (refine with :func:`refine_tip`), ``whisker_id`` of the
        candidate; None when the region has no second leg outside the old rod, the turn
        is out of range, the kink explains the region no better than the straight
        reading (:data:`KINK_MIN_GAIN_FRAC`), its leg is longer than
        :data:`KINK_MAX_LEG_WIDTHS` rod widths, or it is shorter than the old rod less
        its width.
    """
    if candidate.path_xy_px or prior.path_xy_px:
        return None
    m = np.asarray(piece, bool)
    ys, xs = np.nonzero(m)
    if len(xs) == 0:
        return None
    w = float(prior.width_px)
    b = np.asarray(prior.base_xy_px, float)
    u = np.asarray(prior.direction_xy, float)
    if not np.all(np.isfinite(u)) or w <= 0:
        return None
    pts = np.column_stack([xs, ys]).astype(float)
    s = (pts - b) @ u
    perp = (pts - b) @ np.array([-u[1], u[0]])
    # the region's own width along the old leg (its mask holds the bright rims and the
    # edge's blur: wider than the rod's fitted width): its pixels per px of axis over the
    # middle of the old rod
    lo, hi = (f * float(prior.length_px) for f in KINK_WIDTH_SPAN)
    band = (s >= lo) & (s < hi) & (np.abs(perp) <= w)
    if hi - lo < 1.0 or not band.any():
        return None
    w_rod, w = w, max(w, float(band.sum()) / (hi - lo))
    outside = (np.abs(perp) > w / 2 + KINK_SIDE_MARGIN_PX) & (s > 0)
    if outside.sum() < KINK_MIN_LEG_AREA_WIDTHS2 * w_rod * w_rod:
        return None
    # a box around the region, with room for the drawn rods
    pad = int(math.ceil(w)) + 2
    x0, y0 = max(int(xs.min()) - pad, 0), max(int(ys.min()) - pad, 0)
    x1, y1 = min(int(xs.max()) + pad + 1, m.shape[1]), min(int(ys.max()) + pad + 1, m.shape[0])
    sub, off = m[y0:y1, x0:x1], np.array([x0, y0], float)

    def cost(poly):
        return int(np.count_nonzero(_drawn(sub.shape, np.asarray(poly) - off, w) ^ sub))

    straight = cost([candidate.base_xy_px, candidate.tip_xy_px])
    on_axis = np.abs(perp) <= w / 2
    if not on_axis.any():
        return None
    if _no_kink_can_pass(straight, outside.sum(), float(s[on_axis].max()), w_rod,
                         prior.length_px):
        return None
    best = None
    side = 1.0 if float(np.median(perp[outside])) > 0 else -1.0
    turns = np.radians(np.arange(min_turn_deg, max_turn_deg, KINK_TURN_STEP_DEG))
    for sc in np.arange(w_rod, float(s[on_axis].max()) + KINK_CORNER_STEP_PX, KINK_CORNER_STEP_PX):
        c = b + sc * u
        rel = pts - c
        for a in turns:
            # the second leg turns to the side of the pixels outside the old rod
            ca, sa = math.cos(a), side * math.sin(a)
            v = np.array([u[0] * ca - u[1] * sa, u[0] * sa + u[1] * ca])
            along = rel @ v
            near = (np.abs(rel @ np.array([-v[1], v[0]])) <= w / 2) & (along > 0)
            if not near.any():
                continue
            n = float(along[near].max())
            # the drawn line's round cap reaches half its width beyond its end point
            k = cost([b, c, c + max(n - w / 2, 0.0) * v])
            if best is None or k < best[0]:
                best = (k, sc, c, v, n)
    if best is None or straight - best[0] < KINK_MIN_GAIN_FRAC * float(outside.sum()):
        return None
    if best[4] > KINK_MAX_LEG_WIDTHS * w_rod:
        return None
    if best[1] + best[4] < float(prior.length_px) - w_rod:
        # a rod that starts to kink has grown since its straight reading: a region shorter
        # than the old rod (by more than its width, the stub's tip) is another shape
        # (tuning seed 7016: a crack taken for a rod, 185 px of its 373)
        return None
    _, sc, c, v, n = best
    # the region's far pixel centre, plus half a pixel, less its rims and blur beyond the rod
    n = max(n + HALF_PX - (w - w_rod) / 2, 0.0)
    tip = c + n * v
    return WhiskerObs(candidate.whisker_id, tuple(float(x) for x in b), tuple(float(x) for x in tip),
                      float(sc + n), w_rod, tuple(float(x) for x in v),
                      path_xy_px=(tuple(float(x) for x in b), tuple(float(x) for x in c)))
