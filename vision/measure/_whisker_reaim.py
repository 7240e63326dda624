"""A short straight candidate of a known longer rod, re-aimed along that rod's axis.

A straight rod grows along its own axis. When the segmentation of a scan keeps only a
short piece of a known rod (a faint rod: its weaker outer part falls below the
threshold), the piece's own direction is uncertain by about its width over its length
(3.7 px over 23 px: up to 5 deg), and :func:`follow_rod`, which continues the piece along
that direction, leaves a 7-px rod within 40 px and stops there (5022: a 63-px rod read as
21 px). The known rod measured the same axis over a longer stretch, so its direction is
the better one. Points are (x, y) px, first-frame coordinates.
"""
import dataclasses

import numpy as np

from ._whisker_obs import WhiskerObs

__all__ = ["reaim_on_prior"]


def reaim_on_prior(cand: WhiskerObs, prior: WhiskerObs) -> WhiskerObs | None:
    """``cand`` re-aimed along ``prior``'s axis, or None when it is not a piece of it.

    ``cand`` is a piece of ``prior`` when both are straight, ``cand`` is shorter by at
    least ``prior``'s width (a rod's cap is a width long: less is the scatter of a tip, and
    both directions are then as good), and its base and tip lie within ``prior``'s body
    (within half its width of its axis).
    The result starts at ``prior``'s base, runs along ``prior``'s direction to the
    projection of ``cand``'s tip on that axis, and is as wide as the wider of the two (a
    rod does not narrow as it grows; a faint rod's segmentation is narrower than the rod).

    Parameters
    ----------
    cand : WhiskerObs
        This scan's straight candidate (pixel-level detection).
    prior : WhiskerObs
        The known rod's last straight observation (same first-frame coordinates).

    Returns
    -------
    WhiskerObs or None
        The re-aimed candidate (id, tip uncertainty of ``cand``), or None.
    """
    if cand.path_xy_px or prior.path_xy_px \
            or not cand.length_px + float(prior.width_px) <= prior.length_px:
        return None
    u = np.asarray(prior.direction_xy, float)
    if not np.isfinite(u).all():
        return None
    b = np.asarray(prior.base_xy_px, float)
    half = 0.5 * float(prior.width_px)
    for p in (cand.base_xy_px, cand.tip_xy_px):
        d = np.asarray(p, float) - b
        if not abs(float(d[0] * u[1] - d[1] * u[0])) <= half:
            return None
    length = float(np.dot(np.asarray(cand.tip_xy_px, float) - b, u))
    if not length > 0:
        return None
    tip = b + length * u
    return dataclasses.replace(cand, base_xy_px=(float(b[0]), float(b[1])),
                               tip_xy_px=(float(tip[0]), float(tip[1])), length_px=length,
                               width_px=max(float(cand.width_px), float(prior.width_px)),
                               direction_xy=(float(u[0]), float(u[1])))
