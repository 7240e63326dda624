"""A newly accepted rod measured back over the scans before it was accepted.

The tracker accepts a new rod only once the segmentation keeps it as a rod (long and
wide enough, a lithium core): a faint rod is kept in few scans, so it is first reported
when already several widths long (tuning seed 7019: a 7-px rod first reported at 30 px,
15 scans after it was a width long). The scans before show the rod in the change image,
below the segmentation's threshold but along the axis it later grows on, from the same
base. Measured there along that known axis (a two-level step in the axial profile, as
:func:`~vision.measure._whiskers.follow_rod` does beyond a segmented tip), the rod's
earlier lengths are known as the later ones are. Points are (x, y) px, origin at the
centre of the top-left pixel.
"""
import dataclasses
import math

import numpy as np

from ._kymograph import sample_line
from ._whisker_obs import WhiskerObs
from ._whiskers import FOLLOW_LEVEL_FRAC, FOLLOW_MIN_Z, MAX_TIP_BAND_PX, MIN_LENGTH_PX, TIP_HALF_WINDOW_PX, refine_tip

__all__ = ["measure_back", "rod_level"]


def rod_level(diff, rod: WhiskerObs, *, sign: float = 1.0) -> float:
    """The rod's contrast in ``diff``: median of its axial profile (central half of its
    width, 1 px steps) from its base to half a width inside its tip; NaN when too short."""
    width = max(float(rod.width_px), 1.0)
    reach = float(rod.length_px) - width / 2
    if not reach >= MIN_LENGTH_PX:
        return float("nan")
    band = int(np.clip(round(width / 2), 1, MAX_TIP_BAND_PX))
    _, prof = sample_line(diff, rod.base_xy_px, rod.direction_xy, length_px=reach, step_px=1.0,
                          width_px=band)
    prof = sign * np.asarray(prof, float)
    prof = prof[np.isfinite(prof)]
    return float(np.median(prof)) if prof.size else float("nan")


def measure_back(diff, rod: WhiskerObs, level: float, *, sign: float = 1.0,
                 min_z: float = FOLLOW_MIN_Z,
                 level_frac: float = FOLLOW_LEVEL_FRAC) -> WhiskerObs | None:
    """``rod`` as it was in an earlier scan's change image, or None where it is not yet a rod.

    The axial profile (1 px steps, averaged over the central half of the rod's width) runs
    from the rod's base along its direction as far as the rod reaches now plus one width
    (it was no longer then). A rod keeps its contrast from scan to scan (``level``, as
    :func:`rod_level` measured it when the rod was accepted), and its cap is a width long:
    the rod reaches the farthest point where the profile's mean over the width before it
    keeps ``level_frac`` of ``level`` (a faint rod's weaker stretches inside it do not cut
    it short). Its tip is then the most likely step (two-level change point, least squares)
    within a width of that point. The rod is there when its part of the profile stands
    ``min_z`` standard errors above zero, the same stretch one rod width to either side
    stays below it by ``level_frac`` of ``level`` (a broad change, a front or a brightness
    step, is not a rod), and it is at least a width and :data:`MIN_LENGTH_PX` long (less
    is a bump on the rim, not yet a rod). :func:`refine_tip` then fits the tip's edge
    (its window kept clear of the base, the electrode rim's own step); the rod must still
    be that long after it.

    Parameters
    ----------
    diff : (M, N) ndarray
        Change image of the earlier scan (background - frame), same coordinates as ``rod``.
    rod : WhiskerObs
        The rod as first accepted, straight (its base, direction and width are kept).
    level : float
        The rod's contrast when accepted (:func:`rod_level`), ``diff``'s units, > 0.
    sign : float
        +1 when lithium is positive in ``diff`` (darker than the ceramic), -1 otherwise.
    min_z : float
        Least significance of the rod's part of the profile.
    level_frac : float
        Fraction of ``level`` the rod keeps and the ceramic beside it stays below it by.

    Returns
    -------
    WhiskerObs or None
        ``rod`` with its tip and length as in ``diff``, or None.
    """
    if rod.path_xy_px or not (np.isfinite(level) and level > 0):
        return None
    bx, by = (float(v) for v in rod.base_xy_px)
    ux, uy = (float(v) for v in rod.direction_xy)
    width = max(float(rod.width_px), 1.0)
    reach = float(rod.length_px) + width
    if not (np.isfinite(reach) and np.isfinite(ux) and np.isfinite(uy)):
        return None
    band = int(np.clip(round(width / 2), 1, MAX_TIP_BAND_PX))
    s, prof = sample_line(diff, (bx, by), (ux, uy), length_px=reach, step_px=1.0, width_px=band)
    y = sign * np.asarray(prof, float)
    good = np.isfinite(y)
    n = int(np.argmin(good)) if not good.all() else len(y)
    y, s = y[:n], s[:n]
    min_len = max(width, MIN_LENGTH_PX)
    nw = max(int(round(width)), 2)
    if n < min_len + 2 or n < nw + 2:
        return None
    noise = float(np.median(np.abs(np.diff(y)))) * 1.4826 / math.sqrt(2.0)
    if not noise > 0:
        return None
    # mean over the width ending at each sample: the farthest one keeping the rod's level
    c = np.concatenate([[0.0], np.cumsum(y)])
    run = (c[nw:] - c[:-nw]) / nw            # run[j]: mean of y[j .. j + nw - 1]
    held = np.nonzero(run >= level_frac * level)[0]
    if not held.size:
        return None
    j_far = int(held[-1]) + nw                # first sample past that stretch
    lo, hi = max(j_far - nw, 1), min(j_far + nw, n - 1)
    if hi <= lo:
        return None
    # two-level change point in the window around it
    seg = y[lo - 1:hi + 1]
    c1, c2 = np.cumsum(seg), np.cumsum(seg * seg)
    m = len(seg)
    k = np.arange(1, m)
    left = c2[k - 1] - c1[k - 1] ** 2 / k
    right = (c2[-1] - c2[k - 1]) - (c1[-1] - c1[k - 1]) ** 2 / (m - k)
    k_end = lo - 1 + int(k[np.argmin(left + right)])
    end = float(s[k_end]) - 0.5   # the step lies between the last rod and the first ceramic sample
    if end < min_len:
        return None
    m_in = float(np.mean(y[:k_end]))
    if m_in < min_z * noise / math.sqrt(k_end):
        return None
    # a rod is as narrow as its width: one width off the axis lies ceramic
    off = width / 2 + band / 2 + 1.0
    for side in (-1.0, 1.0):
        _, sp = sample_line(diff, (bx - side * off * uy, by + side * off * ux), (ux, uy),
                            length_px=float(s[k_end - 1]) + 1.0, step_px=1.0, width_px=band)
        sp = sign * np.asarray(sp, float)[:k_end]
        if len(sp) < k_end or not np.isfinite(sp).all() \
                or m_in - float(np.mean(sp)) < level_frac * level:
            return None
    tip = (bx + end * ux, by + end * uy)
    got = dataclasses.replace(rod, tip_xy_px=(float(tip[0]), float(tip[1])), length_px=end,
                              tip_sigma_px=float("nan"))
    # the edge fit's window stays clear of the base (the electrode rim's own step)
    got = refine_tip(diff, got, half_window_px=min(TIP_HALF_WINDOW_PX, end))
    # the fitted edge may lie up to TIP_MAX_SHIFT_PX inside: still a width long?
    return got if got.length_px >= min_len else None
