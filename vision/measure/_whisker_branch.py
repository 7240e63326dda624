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

from ._kymograph import sample_line

__all__ = ["rod_through_branch"]

#: The tip of a candidate that turns off the rod's previous axis by more than this (deg)
#: is no longer the rod's own: a straight whisker's axis does not turn between scans (the
#: axis of a rod several widths long is known to a few degrees from its mask), and a kink
#: of the generator's rods turns by 15 deg or more.
ROD_MAX_TURN_DEG = 15.0
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
#: The rod ends where its axial profile (a running mean over ROD_END_RUN_PX, px: a few
#: pixels of noise do not end it) falls below this fraction of its core's level: half is
#: where a blurred end lies (as in :func:`follow_rod`).
ROD_END_LEVEL = 0.5
ROD_END_RUN_PX = 3
#: The part of the candidate farther than this many rod widths from the rod's axis is what
#: the centreline turned into: a kink of the rod or a branch. At least ROD_OFF_AXIS_MIN_PX
#: (px) of it is needed to measure its width.
ROD_OFF_AXIS_WIDTHS = 1.0
ROD_OFF_AXIS_MIN_PX = 4
#: A part narrower than this fraction of the rod's core (full widths at half maximum) is a
#: branch: a kinked rod keeps its width (ratio ~1, within the FWHM's +-1 px on a rod of
#: 6 px or more: above 0.7), a lateral branch grown from the tip is a third to a half of it.
ROD_BRANCH_WIDTH_FRAC = 0.6


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
    lo = k
    while lo > 0 and row[lo - 1] >= half:
        lo -= 1
    hi = k
    while hi < len(row) - 1 and row[hi + 1] >= half:
        hi += 1
    wts = row[lo:hi + 1]
    return float(np.sum(wts * offs[lo:hi + 1]) / np.sum(wts)), (hi - lo + 1) * ROD_PROFILE_STEP_PX


def _path_width(diff, pts, reach_px):
    """Median core FWHM (px) across a polyline ``pts`` (K, 2, 1 px apart); NaN if unmeasured."""
    widths = []
    for i in range(1, len(pts) - 1):
        t = pts[i + 1] - pts[i - 1]
        n = np.hypot(*t)
        if n <= 0:
            continue
        offs, prof = _cross_profiles(diff, pts[i:i + 1], (-t[1] / n, t[0] / n), reach_px)
        core = _core(offs, prof[0])
        if core is not None:
            widths.append(core[1])
    return float(np.median(widths)) if widths else math.nan


def rod_through_branch(diff, candidate, prior, *, sign=1.0, max_turn_deg=ROD_MAX_TURN_DEG):
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
    rod_fwhm = float(np.median([c[1] for _, c in cores]))
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
    run = np.convolve(np.where(ok, pa, 0.0), np.ones(ROD_END_RUN_PX) / ROD_END_RUN_PX, mode="valid")
    beyond = np.nonzero((sa[:len(run)] >= L0 - 0.5 * w) & (run < ROD_END_LEVEL * level))[0]
    if not len(beyond):
        return None
    end = float(sa[beyond[0]])
    # what the candidate's centreline turned into: its part off the rod's axis
    line = np.vstack([np.asarray(candidate.centreline(), float)])
    off = np.abs((line - b2) @ np.array([-v[1], v[0]]))
    part = line[off > ROD_OFF_AXIS_WIDTHS * w]
    if len(part) < ROD_OFF_AXIS_MIN_PX:
        return None
    branch_fwhm = _path_width(d, part, w)
    if not (branch_fwhm < ROD_BRANCH_WIDTH_FRAC * rod_fwhm):
        return None      # as wide as the rod: the rod itself turned (a kink)
    tip = b2 + end * v
    return dataclasses.replace(
        candidate, base_xy_px=(float(b2[0]), float(b2[1])), tip_xy_px=(float(tip[0]), float(tip[1])),
        length_px=float(end), width_px=float(prior.width_px), direction_xy=(float(v[0]), float(v[1])),
        tip_sigma_px=math.nan, path_xy_px=())
