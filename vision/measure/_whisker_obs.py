"""One whisker seen in one frame: :class:`WhiskerObs`, and where a rod's axis leaves the electrode.

Points are (x, y) = (column, row) in pixels, origin at the centre of the
top-left pixel; lengths in pixels.
"""
import dataclasses

import numpy as np

#: A pixel's extent is half a pixel beyond its centre (length from base to the far edge).
HALF_PX = 0.5
#: Pixels within half the width plus this (px) of the axis count as on a straight rod.
STRAIGHT_SLACK_PX = 1.5

__all__ = ["WhiskerObs"]


@dataclasses.dataclass(frozen=True, slots=True)
class WhiskerObs:
    """One whisker seen in one frame (first-frame pixel coordinates).

    Attributes
    ----------
    whisker_id : int
        Id stable across frames (-1 before linking).
    base_xy_px : (float, float)
        Where the whisker axis leaves the electrode circle (x, y).
    tip_xy_px : (float, float)
        Sub-pixel tip (x, y).
    length_px : float
        Base-to-tip distance along the axis, pixels (image plane, not
        tilt-corrected).
    width_px : float
        Width across the axis, pixels (sub-pixel after :func:`refine_width`;
        from the mask, bright rims included, before).
    direction_xy : (float, float)
        Unit vector of the axis, from base to tip.
    tip_sigma_px : float
        Standard uncertainty of the tip position along the axis, px (from the
        edge-model fit of :func:`refine_tip`; NaN before it).
    path_xy_px : tuple of (float, float)
        Centreline of a curved or kinked rod: the base and the vertices after it,
        in order; the tip lies on the ray from the last vertex along
        ``direction_xy``. Empty for a straight rod (the axis is the ray from the
        base). ``length_px`` is the length along this centreline.
    """

    whisker_id: int
    base_xy_px: tuple
    tip_xy_px: tuple
    length_px: float
    width_px: float
    direction_xy: tuple = (float("nan"), float("nan"))
    tip_sigma_px: float = float("nan")
    path_xy_px: tuple = ()

    def anchor(self):
        """(point, arc length) of the start of the last straight piece (the base if straight)."""
        if len(self.path_xy_px) < 2:
            return self.base_xy_px, 0.0
        p = np.asarray(self.path_xy_px, float)
        return tuple(p[-1]), float(np.hypot(*np.diff(p, axis=0).T).sum())

    def _polyline(self):
        """Vertices from the base to the tip (K, 2), piece lengths and cumulative arc length, px."""
        pts = np.asarray(list(self.path_xy_px) or [self.base_xy_px], float)
        pts = np.vstack([pts, np.asarray(self.tip_xy_px, float)[None]])
        seg = np.hypot(*np.diff(pts, axis=0).T)
        return pts, seg, np.concatenate([[0.0], np.cumsum(seg)])

    def centreline(self, step_px=1.0):
        """(K, 2) points along the centreline from the base to the tip, ``step_px`` apart."""
        pts, _, cum = self._polyline()
        if cum[-1] <= 0:
            return pts[:1]
        s = np.append(np.arange(0.0, cum[-1], step_px), cum[-1])
        return np.column_stack([np.interp(s, cum, pts[:, 0]), np.interp(s, cum, pts[:, 1])])

    def point_at(self, s_px):
        """(point, unit direction) on the centreline at arc length ``s_px`` from the base."""
        pts, seg, cum = self._polyline()
        k = int(np.clip(np.searchsorted(cum, s_px, side="right") - 1, 0, len(seg) - 1))
        if len(self.path_xy_px) < 2:
            u = np.asarray(self.direction_xy, float)
        else:
            u = (pts[k + 1] - pts[k]) / max(seg[k], 1e-9)
        p = pts[k] + (s_px - cum[k]) * u
        return (float(p[0]), float(p[1])), (float(u[0]), float(u[1]))


def _axis_circle_exit(cx, cy, ux, uy, ex, ey, r):
    """Parameter t >= ... where the line c + t u crosses the circle (the outer crossing)."""
    fx, fy = cx - ex, cy - ey
    b = fx * ux + fy * uy
    c = fx * fx + fy * fy - r * r
    disc = b * b - c
    if disc < 0:
        return None
    return -b + np.sqrt(disc)  # larger root: exit point going along +u
