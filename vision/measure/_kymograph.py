"""Kymographs: intensity along a fixed axis over time (image: time x position).

Points are (x, y) = (column, row) in pixels, origin at the centre of the
top-left pixel.
"""
import logging
import warnings

import cv2
import numpy as np

from calibration import InputError

#: Kymograph defaults: lines averaged across the whisker axis (px, the core of a 3-px and
#: wider rod), where the axis starts (px, negative: inside the electrode, so the rim is
#: in view) and the room kept beyond the longest observed whisker (px).
KYMO_WIDTH_PX = 3
KYMO_START_OFFSET_PX = -5.0
KYMO_MARGIN_PX = 10

logger = logging.getLogger(__name__)

__all__ = ["sample_line", "KymographBuilder"]


def sample_line(image, start_xy_px, direction_xy, *, length_px, step_px=1.0, width_px=1,
                start_offset_px=0.0):
    """Bilinear intensity profile along a line, averaged over a band across it.

    Parameters
    ----------
    image : (M, N) ndarray
        Greyscale image, axis order (row, col).
    start_xy_px : (float, float)
        Origin of the line (x, y), pixels.
    direction_xy : (float, float)
        Direction (normalised internally).
    length_px : float
        Line length from ``start_offset_px`` on, pixels.
    step_px : float
        Sample spacing along the line, pixels.
    width_px : int
        Number of parallel lines (1 px apart) averaged across the direction.
    start_offset_px : float
        Position of the first sample along the line (may be negative).

    Returns
    -------
    positions_px : (K,) ndarray
        Distance of each sample from ``start_xy_px`` along the line.
    profile : (K,) float32 ndarray
        Mean intensity; samples outside the image are NaN.
    """
    img = np.asarray(image)
    if img.ndim != 2:
        raise InputError(f"image must be 2-D (rows, cols), got shape {img.shape}")
    ux, uy = (float(v) for v in direction_xy)
    norm = np.hypot(ux, uy)
    if norm == 0:
        raise InputError("direction_xy must not be (0, 0)")
    ux, uy = ux / norm, uy / norm
    n = max(int(np.floor(length_px / step_px)) + 1, 1)
    s = start_offset_px + np.arange(n) * step_px
    offsets = np.arange(int(width_px), dtype=np.float64) - (int(width_px) - 1) / 2.0
    x = start_xy_px[0] + s[None, :] * ux - offsets[:, None] * uy
    y = start_xy_px[1] + s[None, :] * uy + offsets[:, None] * ux
    vals = cv2.remap(img.astype(np.float32, copy=False), x.astype(np.float32), y.astype(np.float32),
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=np.nan)
    h, w = img.shape
    inside = (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)
    vals = np.where(inside, vals, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns off the image
        prof = np.nanmean(vals, axis=0) if np.any(inside) else np.full(n, np.nan)
    return s, prof.astype(np.float32)


class KymographBuilder:
    """Collect one intensity profile per scan along a fixed whisker axis.

    Parameters
    ----------
    base_xy_px : (float, float)
        Axis origin (the whisker base) in first-frame coordinates, pixels.
    direction_xy : (float, float)
        Axis direction (unit vector, pointing from base to tip).
    length_px : float
        Axis length sampled, pixels (e.g. up to the image border).
    intensity_range : (float, float)
        Grey levels mapped to 0 and 255 in the uint8 kymograph.
    width_px : int
        Lines averaged across the axis.
    """

    def __init__(self, base_xy_px, direction_xy, *, length_px, intensity_range,
                 width_px=KYMO_WIDTH_PX, start_offset_px=KYMO_START_OFFSET_PX):
        self.base_xy_px = tuple(float(v) for v in base_xy_px)
        self.direction_xy = tuple(float(v) for v in direction_xy)
        self.length_px = float(length_px)
        self.width_px = int(width_px)
        self.start_offset_px = float(start_offset_px)
        lo, hi = (float(v) for v in intensity_range)
        self._lo = lo
        self._scale = 255.0 / max(hi - lo, 1e-6)
        self.rows = []
        self.times_s = []
        self.max_length_px = 0.0

    def add(self, image, time_s, *, length_px=None):
        """Add the profile of a registered, normalised frame.

        Parameters
        ----------
        image : (M, N) ndarray
            Frame in first-frame coordinates.
        time_s : float
            Video-clock time of the scan content, s.
        length_px : float, optional
            The whisker length in this frame (used to trim the kymograph).
        """
        _, prof = sample_line(image, self.base_xy_px, self.direction_xy,
                              length_px=self.length_px - self.start_offset_px,
                              width_px=self.width_px, start_offset_px=self.start_offset_px)
        row = np.nan_to_num((prof - self._lo) * self._scale, nan=0.0)
        self.rows.append(np.clip(row, 0, 255).astype(np.uint8))
        self.times_s.append(float(time_s))
        if length_px is not None and np.isfinite(length_px):
            self.max_length_px = max(self.max_length_px, float(length_px))

    def image(self, *, margin_px=KYMO_MARGIN_PX):
        """The kymograph, (n_scans, n_positions) uint8; position 0 is ``start_offset_px``.

        Positions beyond the longest observed whisker plus ``margin_px`` are trimmed.
        """
        if not self.rows:
            return np.zeros((0, 0), np.uint8)
        n = len(self.rows[0])
        keep = int(min(n, np.ceil(self.max_length_px + margin_px - self.start_offset_px) + 1))
        return np.stack([r[:keep] for r in self.rows])
