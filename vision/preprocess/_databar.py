"""The black information bar of Zeiss / FEI (Thermo) SEM images.

SEM software burns a bar with the magnification, voltage, detector, date and
a scale bar into the bottom (sometimes the top) of every image: a uniform
near-black background carrying white text and a white scale-bar line. It
must be excluded from every analysis (it never changes, so it would also
hide duplicate frames, and its text looks like bright features).
"""
from __future__ import annotations

import dataclasses
import logging

import numpy as np

from calibration import InputError

__all__ = ["DataBar", "find_data_bar", "analysis_region", "analysis_rows", "crop_image"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class DataBar:
    """Where the information bar is, in pixel rows/cols (half-open).

    Attributes
    ----------
    top, bottom : int
        Rows ``top <= row < bottom`` hold the bar.
    left, right : int
        Columns ``left <= col < right`` hold the bar.
    """

    top: int
    bottom: int
    left: int
    right: int

    @property
    def height(self):
        """Number of rows of the bar."""
        return self.bottom - self.top

    @property
    def width(self):
        """Number of columns of the bar."""
        return self.right - self.left


def _check_image(image):
    image = np.asarray(image)
    if image.ndim != 2:
        raise InputError(f"image must be 2-D (rows, cols) grayscale, got shape {image.shape}; "
                         "convert colour frames with vision.open_video or to_gray first")
    if image.size == 0:
        raise InputError("image is empty (0 pixels)")
    return image


def _longest_run(mask, *, gap):
    """(start, stop) of the longest run of True in 1-D ``mask``, bridging gaps <= gap."""
    best = (0, 0)
    start = None
    last_true = None
    for i, value in enumerate(mask):
        if value:
            if start is None or i - last_true - 1 > gap:
                start = i
            last_true = i
            if last_true + 1 - start > best[1] - best[0]:
                best = (start, last_true + 1)
    return best


def _edge_run(bar_like, *, gap, margin):
    """Number of rows from the first element of ``bar_like`` that form the bar."""
    n = len(bar_like)
    first = next((i for i in range(min(margin + 1, n)) if bar_like[i]), None)
    if first is None:
        return 0
    end = first
    misses = 0
    for i in range(first, n):
        if bar_like[i]:
            end = i + 1
            misses = 0
        else:
            misses += 1
            if misses > gap:
                break
    return end


def find_data_bar(image, *, max_height_fraction=0.4, min_height_fraction=0.02):
    """Detect the black information bar of a Zeiss / FEI SEM image.

    Parameters
    ----------
    image : (M, N) ndarray of uint8 or uint16
        Grayscale frame, axis order (row, col).
    max_height_fraction, min_height_fraction : float
        Allowed bar height as a fraction of the image height.

    Returns
    -------
    DataBar or None
        The bar, touching the bottom or top edge, or None if there is none.

    Notes
    -----
    Let ``lo``/``hi`` be the 0.5th/99.9th grey-level percentiles and
    ``R = hi - lo``. A row is *bar-like* when its median (the bar
    background) is dark (``<= lo + 0.15 R``), flat (at least 70 % of its
    non-text pixels within ``max(1.5, 0.006 R)`` grey levels of the median:
    a rendered background is exactly uniform, up to compression ringing) and
    at least 85 % of its pixels are either near the background (within
    ``0.05 R``) or bright text (``>= median + 0.4 R``). Dark lithium is
    rejected because it carries scan noise (standard deviation of a few grey
    levels or more), so far fewer of its pixels sit at the median. The bar is the run
    of bar-like rows starting at the bottom (or top) edge, bridging up to
    ``max(2, 1 % M)`` rows of large text; it must contain bright text or a
    scale bar (>= 0.1 % bright pixels), and span at least half the width.
    """
    image = _check_image(image)
    rows, cols = image.shape
    if rows < 16 or cols < 16:
        return None
    data = image.astype(np.float32, copy=False)
    lo, hi = np.percentile(data[:: max(1, rows // 256)], [0.5, 99.9])
    span = float(hi - lo)
    if span <= 0:
        return None
    med = np.median(data, axis=1)
    dev = np.abs(data - med[:, None])
    flat = dev <= max(0.006 * span, 1.5)
    background = dev <= max(0.05 * span, 1.0)
    bright = data >= med[:, None] + 0.4 * span
    ok = background | bright
    bright_frac = bright.mean(axis=1)
    flat_of_rest = flat.mean(axis=1) / np.maximum(1.0 - bright_frac, 1e-6)
    bar_like = ((med <= lo + 0.15 * span) & (flat_of_rest >= 0.7)
                & (ok.mean(axis=1) >= 0.85))
    gap = max(2, rows // 100)
    margin = max(1, rows // 50)
    candidates = []
    n_bottom = _edge_run(bar_like[::-1], gap=gap, margin=margin)
    if n_bottom:
        candidates.append((rows - n_bottom, rows))
    n_top = _edge_run(bar_like, gap=gap, margin=margin)
    if n_top:
        candidates.append((0, n_top))
    best = None
    for top, bottom in candidates:
        if bottom - top == rows:
            continue  # a uniformly black frame is not a bar
        height = bottom - top
        if not min_height_fraction * rows <= height <= max_height_fraction * rows or height < 4:
            continue
        if bright[top:bottom].mean() < 1e-3:
            continue  # no text or scale bar: a dark border, not a data bar
        col_ok = ok[top:bottom].mean(axis=0) >= 0.85
        left, right = _longest_run(col_ok, gap=max(2, cols // 100))
        if right - left < 0.5 * cols:
            continue
        if left <= max(2, cols // 100):
            left = 0
        if right >= cols - max(2, cols // 100):
            right = cols
        bar = DataBar(int(top), int(bottom), int(left), int(right))
        if best is None or bar.height > best.height:
            best = bar
    if best is not None:
        logger.debug("data bar found: %s", best)
    return best


def _check_crop(crop, image_shape):
    try:
        top, bottom, left, right = (int(v) for v in crop)
    except (TypeError, ValueError):
        raise InputError(f"crop must be four integers (top, bottom, left, right), got "
                         f"{crop!r}") from None
    rows, cols = image_shape[:2]
    if not (0 <= top < bottom <= rows and 0 <= left < right <= cols):
        raise InputError(f"crop {crop!r} does not fit the {rows}x{cols} (rows x cols) image; "
                         "give 0 <= top < bottom <= rows and 0 <= left < right <= cols")
    return top, bottom, left, right


def analysis_region(image_shape, data_bar=None, *, crop=None):
    """The rectangle of the image to analyse.

    Parameters
    ----------
    image_shape : tuple of int
        (rows, cols) of the frame.
    data_bar : DataBar or None
        From :func:`find_data_bar`; its full-width rows are excluded (the
        largest part of the image above or below it is kept).
    crop : (top, bottom, left, right), optional
        User-given region in pixels (half-open); overrides ``data_bar``.

    Returns
    -------
    tuple of int
        (top, bottom, left, right), half-open, in pixel rows/cols.

    Raises
    ------
    InputError
        ``crop`` does not fit the image.
    """
    rows, cols = int(image_shape[0]), int(image_shape[1])
    if crop is not None:
        return _check_crop(crop, (rows, cols))
    if data_bar is None:
        return 0, rows, 0, cols
    above, below = data_bar.top, rows - data_bar.bottom
    if above >= below:
        return 0, data_bar.top, 0, cols
    return data_bar.bottom, rows, 0, cols


def analysis_rows(image_shape, data_bar=None):
    """(top, bottom) rows to analyse: :func:`analysis_region` without columns."""
    top, bottom, _, _ = analysis_region(image_shape, data_bar)
    return top, bottom


def crop_image(image, region):
    """View of ``image`` inside ``region`` = (top, bottom, left, right).

    Coordinates measured in the crop are offset by (top, left) from the
    full frame.
    """
    top, bottom, left, right = _check_crop(region, np.shape(image))
    return image[top:bottom, left:right]
