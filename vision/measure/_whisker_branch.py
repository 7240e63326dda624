"""A whisker that grows a thin branch from its tip: the rod measured along its own axis.

A lateral (DLA) branch may grow out of a whisker's tip toward the counter electrode,
a third to a half of the rod's width. The segmentation joins it to the rod, and the
region's centreline turns into the branch: the tip jumps along the branch and the
length grows faster than the rod. A whisker is a straight rod: its axis does not turn
between scans, and its tip moves along that axis. :func:`rod_through_branch` reads
the rod's core in the change image along the axis it had in the previous scan, finds
where that core ends, and tells a branch (thinner than the rod) from a kink (a rod
that turns keeps its width).

Points are (x, y) = (column, row) in pixels, origin at the centre of the top-left
pixel; lengths in pixels.
"""
import dataclasses
import math

import numpy as np

from .._shared._stats import _span_above
from ._kymograph import sample_line
from ._whisker_obs import STRAIGHT_SLACK_PX

__all__ = ["rod_through_branch"]

#: The tip of a candidate that turns off the rod's previous axis by more than this (deg)
#: is no longer the rod's own: a straight whisker's axis does not turn between scans (the
#: axis of a rod several widths long is known to a few degrees from its mask), and a kink
#: of the generator's rods turns by 15 deg or more.
ROD_MAX_TURN_DEG = 15.0
#: A branch leaves the rod at its tip at an angle: the candidate's centreline is straight
#: (one axis through rod and branch) or has one corner (its path: the base and the
#: corner). A centreline read as a curve (more vertices) is the rod bending, not a branch
#: (tuning seeds 5029 and 7064: rods curving 0.16 deg/px and more were cut where they
#: left their straight axis).
ROD_CORNER_VERTICES = 2
#: The previous axis is trusted when the rod was at least this many widths long (a stub's
#: axis is set by its root, not by its core).
ROD_AXIS_MIN_WIDTHS = 3.0
#: The rod's core is followed from this fraction of its previous length (away from the
#: lithium at its root, which pulls the centroid) to half a width before its previous tip
#: (the rounded end); cross-profiles every ROD_AXIS_STEP_PX (px), reaching one rod width
#: either side of the axis, sampled every ROD_PROFILE_STEP_PX (px).
ROD_AXIS_FROM = 0.3
ROD_AXIS_STEP_PX = 2.0
ROD_PROFILE_STEP_PX = 0.5
#: The rod ends at the most likely step of its axial profile (a two-level change point,
#: least squares, as in :func:`follow_rod`) between half a width inside its previous tip
#: and one width beyond the candidate's far end (the rod cannot reach beyond its region);
#: the part before the step must keep ROD_END_LEVEL of the core's level (a blurred end
#: lies at half the level; the core fades toward the tip where a branch leaves it: the
#: lateral sample's rod keeps 0.3-0.6 of its level over its last 15 px).
ROD_END_LEVEL = 0.25
#: The part of the candidate's centreline beyond the rod's side (farther than half the
#: rod's width plus STRAIGHT_SLACK_PX from its axis, the bound of a straight rod's pixels)
#: is what the centreline turned into: a kink of the rod or a branch. Its last
#: ROD_CAP_WIDTHS of the rod's width are left out (a rod's rounded end, a half disc,
#: narrows toward its tip: measured there, a curved rod's end came out a third of its
#: width, tuning seed 5010), and at least
#: ROD_OFF_AXIS_MIN_PX (px) must remain to measure its width; each cross-section is taken
#: across the chord ROD_TANGENT_PX (px) either side (a 1-px medial path's staircase turns
#: single steps by 45 deg).
ROD_CAP_WIDTHS = 0.5
ROD_OFF_AXIS_MIN_PX = 4
#: ... and its first ROD_PART_WIDTHS rod widths are measured: a kinked rod is as wide
#: right after its corner, a branch as thin where it leaves the rod, and farther along a
#: lateral branch carries side branches of its own (the lateral sample at 12.5 s: its
#: mean cross-section over 115 px was 7 px wide, over its first 20 px 3 px).
ROD_PART_WIDTHS = 2.0
ROD_TANGENT_PX = 2
#: A part narrower than this fraction of the rod's core (full widths at half maximum) is a
#: branch: a kinked rod keeps its width (ratio ~1, within the FWHM's +-1 px on a rod of
#: 6 px or more: above 0.7), a lateral branch grown from the tip is a third to a half of it.
ROD_BRANCH_WIDTH_FRAC = 0.6
#: ... read only when the rod's own core is no wider than its width plus this (px: a pixel
#: of edge blur): a wider mean profile is not the rod's alone (a neighbour beside it, or an
#: axis that does not follow it; tuning seed 5029: a 6.9 px rod's core read 9 px, and a
#: curving rod 4 px wide was taken for a branch).
ROD_CORE_SLACK_PX = 1.0


def _cross_profiles(diff, points, normal, reach_px):
    """Profiles of ``diff`` across ``normal`` at ``points`` (K, 2): offsets (J,), values (K, J)."""
    from scipy.ndimage import map_coordinates

    offs = np.arange(-reach_px, reach_px + ROD_PROFILE_STEP_PX / 2, ROD_PROFILE_STEP_PX)
    xs = points[:, 0, None] + offs[None] * normal[0]
    ys = points[:, 1, None] + offs[None] * normal[1]
    prof = map_coordinates(np.asarray(diff, np.float32), [ys.ravel(), xs.ravel()], order=1,
                           mode="nearest").reshape(xs.shape)
    return offs, prof - np.median(prof[:, [0, 1, -2, -1]], axis=1, keepdims=True)


def _core(offs, row):
    """(centre, FWHM) of the core around the profile's peak nearest the middle, px; None if flat."""
    c = len(offs) // 2
    m = max(1, c // 2)
    k = c - m + int(np.argmax(row[c - m:c + m + 1]))
    half = 0.5 * row[k]
    if not half > 0:
        return None
    lo, hi = _span_above(row, k, half)
    wts = row[lo:hi + 1]
    return float(np.sum(wts * offs[lo:hi + 1]) / np.sum(wts)), (hi - lo + 1) * ROD_PROFILE_STEP_PX


def _path_width(diff, pts, reach_px):
    """Core FWHM (px) of the mean cross-profile along a polyline ``pts`` (K, 2, 1 px apart).

    Each cross-section is taken across the chord :data:`ROD_TANGENT_PX` either side and
    centred on the polyline; their mean (noise averaged out) gives one width. NaN when
    the polyline is too short or shows no core.
    """
    k = ROD_TANGENT_PX
    rows = []
    for i in range(k, len(pts) - k):
        t = pts[i + k] - pts[i - k]
        n = np.hypot(*t)
        if n > 0:
            offs, prof = _cross_profiles(diff, pts[i:i + 1], (-t[1] / n, t[0] / n), reach_px)
            rows.append(prof[0])
    core = _core(offs, np.mean(rows, axis=0)) if rows else None
    return math.nan if core is None else core[1]


def rod_through_branch(diff, candidate, prior, *, sign=1.0, max_turn_deg=ROD_MAX_TURN_DEG,
                       branched=False):
    """The straight rod under a candidate whose centreline turned into a thin branch, or None.

    Parameters
    ----------
    diff : (M, N) ndarray
        Change image (background minus frame), first-frame coordinates.
    candidate : WhiskerObs
        This scan's pixel-level detection of the rod's region.
    prior : WhiskerObs
        The same rod in an earlier scan (straight, refined).
    sign : float
        +1 when lithium is positive in ``diff`` (darker than the ceramic), -1 otherwise.
    max_turn_deg : float
        Largest turn (deg) of the candidate's tip direction off the prior axis that is
        still the rod's own.
    branched : bool
        ``prior`` was itself measured through a branch (the scan before showed the
        branch thin where it left the rod): the width test is not repeated (a branch
        grows side branches and lithium where it leaves the rod, and soon looks as wide
        as the rod there).

    Returns
    -------
    WhiskerObs or None
        A straight rod along the prior axis (re-centred on the rod's core in ``diff``),
        its pixel-level tip where the core ends; None when the candidate keeps to the
        prior axis, when the prior axis is not trusted, or when the turned part is as wide
        as the rod (a kink).
    """
    w = float(prior.width_px)
    L0 = float(prior.length_px)
    if prior.path_xy_px or not (w > 0 and L0 >= ROD_AXIS_MIN_WIDTHS * w):
        return None
    b = np.asarray(prior.base_xy_px, float)
    u = np.asarray(prior.direction_xy, float)
    if not np.isfinite(u).all():
        return None
    u /= np.hypot(*u)
    nrm = np.array([-u[1], u[0]])
    cu = np.asarray(candidate.direction_xy, float)
    turn = math.degrees(math.acos(float(np.clip(np.dot(cu, u) / max(np.hypot(*cu), 1e-9), -1, 1))))
    tip_off = abs(float(np.dot(np.asarray(candidate.tip_xy_px, float) - b, nrm)))
    if turn <= max_turn_deg or tip_off <= 0.5 * w:
        return None
    if not branched and len(candidate.path_xy_px) > ROD_CORNER_VERTICES:
        return None      # a curve: the rod bends (a branch leaves it at a corner)
    d = sign * np.asarray(diff, np.float32)
    # the rod's core: centroids across the prior axis, a straight line fitted through them
    s = np.arange(ROD_AXIS_FROM * L0, L0 - 0.5 * w, ROD_AXIS_STEP_PX)
    if len(s) < 3:
        return None
    offs, prof = _cross_profiles(d, b + s[:, None] * u, nrm, w)
    cores = [(si, _core(offs, row)) for si, row in zip(s, prof)]
    cores = [(si, c) for si, c in cores if c is not None]
    if len(cores) < 3:
        return None
    sc = np.array([si for si, _ in cores])
    cc = np.array([c[0] for _, c in cores])
    slope, off0 = np.polyfit(sc, cc, 1)
    v = u + slope * nrm
    v /= np.hypot(*v)
    b2 = b + off0 * nrm
    # where the core ends along that axis
    h, wd = d.shape
    band = int(np.clip(round(w / 2), 1, 9))
    sa, pa = sample_line(d, tuple(b2), tuple(v), length_px=float(np.hypot(h, wd)), step_px=1.0,
                         width_px=band, start_offset_px=0.0)
    pa = np.asarray(pa, float)
    sa = np.asarray(sa, float)
    ok = np.isfinite(pa)
    core = ok & (sa >= ROD_AXIS_FROM * L0) & (sa <= L0 - 0.5 * w)
    if core.sum() < 3:
        return None
    level = float(np.median(pa[core]))
    if not level > 0:
        return None
    win = ok & (sa >= L0 - 0.5 * w) & (sa <= float(candidate.length_px) + w)
    y = pa[win]
    n = len(y)
    if n < 4:
        return None
    c1, c2 = np.cumsum(y), np.cumsum(y * y)
    k = np.arange(2, n - 1)
    left = c2[k - 1] - c1[k - 1] ** 2 / k
    right = (c2[-1] - c2[k - 1]) - (c1[-1] - c1[k - 1]) ** 2 / (n - k)
    k_end = int(k[np.argmin(left + right)])
    if float(np.mean(y[:k_end])) < ROD_END_LEVEL * level:
        return None
    end = float(sa[win][k_end]) - 0.5    # between the last rod and the first ceramic sample
    # what the candidate's centreline turned into: a thin branch, or the rod itself (a kink)
    if not branched and not _is_thin_branch(d, candidate, b2, v, w, L0):
        return None      # as wide as the rod: the rod itself turned (a kink)
    tip = b2 + end * v
    return dataclasses.replace(
        candidate, base_xy_px=(float(b2[0]), float(b2[1])), tip_xy_px=(float(tip[0]), float(tip[1])),
        length_px=float(end), width_px=float(prior.width_px), direction_xy=(float(v[0]), float(v[1])),
        tip_sigma_px=math.nan, path_xy_px=())


def _is_thin_branch(d, candidate, b2, v, w, L0):
    """True when the part of ``candidate``'s centreline off the rod (axis ``b2 + s v``, width
    ``w`` px, previous length ``L0`` px) is narrower than :data:`ROD_BRANCH_WIDTH_FRAC` of
    the rod's core (mean cross-profiles, see :func:`_path_width`)."""
    line = np.asarray(candidate.centreline(), float)
    to_tip = np.hypot(*(line - np.asarray(candidate.tip_xy_px, float)).T)
    off = np.abs((line - b2) @ np.array([-v[1], v[0]]))
    part = np.nonzero(off > 0.5 * w + STRAIGHT_SLACK_PX)[0]
    if not len(part):
        return False
    part = line[part[0]:][to_tip[part[0]:] > ROD_CAP_WIDTHS * w][:int(round(ROD_PART_WIDTHS * w))]
    if len(part) < ROD_OFF_AXIS_MIN_PX + 2 * ROD_TANGENT_PX:
        return False
    rod_fwhm = _path_width(d, b2 + np.arange(ROD_AXIS_FROM * L0, L0 - 0.5 * w)[:, None] * v, w)
    if not rod_fwhm <= w + ROD_CORE_SLACK_PX:
        return False
    return bool(_path_width(d, part, w) < ROD_BRANCH_WIDTH_FRAC * rod_fwhm)
