"""Straight segments that appear over time: the geometry of lateral branches and cracks.

Shared by :mod:`._scene` (the presets' paths) and :mod:`._paths` (styled cracks of
random scenes), so that neither has to import the other.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

__all__ = ["Segments"]


@dataclasses.dataclass
class Segments:
    """Straight segments that appear over time (lateral branches, crack).

    Arrays of shape (n,): start/end points (px, no drift), the times at which
    the growing tip passes the start and the end (video clock, s), widths (px).
    """

    x0: np.ndarray
    y0: np.ndarray
    x1: np.ndarray
    y1: np.ndarray
    t0: np.ndarray
    t1: np.ndarray
    width: np.ndarray
    branch: np.ndarray | None = None  # True for side branches of a branched crack

    @property
    def length(self):
        return np.hypot(self.x1 - self.x0, self.y1 - self.y0)

    def visible(self, t):
        """Segments visible at time ``t``: (x0, y0, xe, ye, width, visible length)."""
        frac = np.clip((t - self.t0) / np.maximum(self.t1 - self.t0, 1e-12), 0.0, 1.0)
        keep = t > self.t0
        xe = self.x0 + frac * (self.x1 - self.x0)
        ye = self.y0 + frac * (self.y1 - self.y0)
        return (self.x0[keep], self.y0[keep], xe[keep], ye[keep], self.width[keep],
                (frac * self.length)[keep])

    def time_reaching_x(self, x):
        """First time any segment tip reaches ``x`` (moving right), s; inf if never."""
        hit = (self.x1 >= x) & (self.x0 < x)
        if not np.any(hit):
            return math.inf
        f = (x - self.x0[hit]) / (self.x1[hit] - self.x0[hit])
        return float(np.min(self.t0[hit] + f * (self.t1[hit] - self.t0[hit])))
