"""Brightness/contrast flicker normalisation, scan-line and noise suppression.

All functions work on greyscale images, axis order (row, col); they return
float32 arrays and never modify their input.
"""
import logging

import cv2
import numpy as np
from scipy.ndimage import median_filter

from calibration import InputError

logger = logging.getLogger(__name__)

__all__ = ["intensity_reference", "normalize_intensity", "suppress_scan_lines",
           "denoise", "is_blank_or_saturated"]

#: Percentiles that define the brightness (low, high) anchor of a frame.
_PERCENTILES = (10.0, 90.0)


#: Bins of the histogram that brackets an order statistic (see :func:`_order_stats`).
_SELECT_BINS = 512


def _order_stats(v, ks):
    """The ``k``-th smallest values (0-based) of a finite 1-D float32 array, or None.

    Same values as ``np.partition(v, ks)[ks]``, several times faster on large
    arrays: a histogram (OpenCV) brackets each order statistic, the values
    below the bracket are counted exactly and only the bracket's values are
    partitioned. None for small or non-finite input (use numpy then).
    """
    n = v.size
    if n < 4096 or not np.isfinite(v.sum(dtype=np.float64)):
        return None
    lo, hi, _, _ = cv2.minMaxLoc(v.reshape(1, -1))
    if hi <= lo:
        return np.full(len(ks), np.float32(lo))
    top = float(np.nextafter(np.float32(hi), np.float32(np.inf)))
    hist = cv2.calcHist([v.reshape(1, -1)], [0], None, [_SELECT_BINS], [lo, top]).ravel()
    cum = np.cumsum(hist)
    width = (top - lo) / _SELECT_BINS
    out = np.empty(len(ks), np.float32)
    brackets = {}
    for i, k in enumerate(ks):
        b = int(np.searchsorted(cum, k, side="right"))
        if b not in brackets:
            # the bracket [e0, e1): its values are counted exactly, so a histogram bin
            # edge rounded differently by OpenCV only makes the bracket miss (below)
            e0 = np.float32(lo + b * width) if b > 0 else np.float32(-np.inf)
            e1 = np.float32(lo + (b + 1) * width) if b < _SELECT_BINS - 1 else np.float32(np.inf)
            sel = v >= e0
            below = n - int(np.count_nonzero(sel))
            sel &= v < e1
            brackets[b] = (below, v[sel])
        below, inside = brackets[b]
        j = k - below
        out[i] = np.partition(inside, j)[j] if 0 <= j < inside.size else np.partition(v, k)[k]
    return out


def _median(values):
    """``np.median(values)`` (same value), faster for large float32 arrays."""
    a = np.asarray(values)
    if a.dtype != np.float32:
        return np.median(a)
    v = np.ascontiguousarray(a).ravel()
    n = v.size
    ks = [n // 2] if n % 2 else [n // 2 - 1, n // 2]
    stats = _order_stats(v, ks)
    if stats is None:
        return np.median(v)
    return stats[0] if n % 2 else np.median(stats)


def _percentile(values, qs):
    """``np.percentile(values, qs)`` (linear method; same values), faster for large float32 arrays."""
    a = np.asarray(values)
    if a.dtype != np.float32:
        return np.percentile(a, qs)
    v = np.ascontiguousarray(a).ravel()
    n = v.size
    pos = np.asarray(qs, float) / 100.0 * (n - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    ks = sorted(set(lo.tolist()) | set(hi.tolist()))
    stats = _order_stats(v, ks) if n else None
    if stats is None:
        return np.percentile(v, qs)
    vals = dict(zip(ks, stats.tolist()))
    out = np.empty(len(pos))
    for i, (p, k0, k1) in enumerate(zip(pos, lo, hi)):
        # numpy's linear interpolation (float64)
        x0, x1 = vals[k0], vals[k1]
        t = p - k0
        d = x1 - x0
        out[i] = x1 - d * (1 - t) if t >= 0.5 else x0 + d * t
    return out


def _check_2d(image, name="image"):
    image = np.asarray(image)
    if image.ndim != 2:
        raise InputError(f"{name} must be a 2-D greyscale array (rows, cols), got shape "
                         f"{image.shape}; convert colour frames to grey first")
    return image


def _sample(image, mask, step):
    if mask is not None:
        values = image[mask]
        if values.size >= 64:
            return values[::max(1, step)]
    return image[::step, ::step].ravel()


def intensity_reference(image, *, mask=None, step=2):
    """Brightness anchor of a reference frame: its (10th, 90th) percentiles.

    Parameters
    ----------
    image : (M, N) ndarray
        Reference frame (typically the first frame, data bar cropped).
    mask : (M, N) bool ndarray, optional
        Pixels to use (e.g. ceramic only, away from the growing lithium).
    step : int
        Subsampling stride for speed.

    Returns
    -------
    (low, high) : tuple of float
    """
    image = _check_2d(image)
    lo, hi = np.percentile(_sample(image, mask, step), _PERCENTILES)
    return float(lo), float(hi)


def normalize_intensity(image, reference, *, mask=None, step=2):
    """Map a frame's brightness and contrast onto a reference (flicker removal).

    A linear map ``a * image + b`` is chosen so that the frame's 10th and
    90th percentiles (within ``mask``) land on ``reference``.

    Parameters
    ----------
    image : (M, N) ndarray
        Frame to normalise.
    reference : (low, high)
        From :func:`intensity_reference`.
    mask : (M, N) bool ndarray, optional
        Pixels that carry the same scene in all frames (the ceramic background);
        using them keeps the growing lithium from biasing the map.
    step : int
        Subsampling stride for the percentiles.

    Returns
    -------
    (M, N) float32 ndarray
    gain : float
        The factor ``a`` (1.0 = no flicker).
    """
    image = _check_2d(image)
    lo, hi = np.percentile(_sample(image, mask, step), _PERCENTILES)
    rlo, rhi = reference
    if hi - lo <= 1e-6:
        return image.astype(np.float32), 1.0
    gain = (rhi - rlo) / (hi - lo)
    out = image.astype(np.float32) * np.float32(gain)
    out += np.float32(rlo - lo * gain)
    return out, float(gain)


def suppress_scan_lines(image, *, smooth_rows=15):
    """Remove row-wise offsets (SEM scan-line noise).

    The median of each row is compared with a running median over
    ``smooth_rows`` neighbouring rows; the difference (the line's offset) is
    subtracted. Structures that span many rows are kept.

    Parameters
    ----------
    image : (M, N) ndarray
    smooth_rows : int
        Odd window (rows) of the running median; larger than the scan-line
        bands, smaller than the features of interest.

    Returns
    -------
    (M, N) float32 ndarray
    """
    image = _check_2d(image).astype(np.float32)
    if image.shape[0] < 3:
        return image
    k = max(3, min(int(smooth_rows) | 1, image.shape[0] | 1))
    row_med = np.median(image, axis=1).astype(np.float32)
    smooth = median_filter(row_med, size=k, mode="nearest")
    return image - (row_med - smooth).reshape(-1, 1)


def denoise(image, *, sigma_px=1.0, edge_preserving=True):
    """Noise suppression that keeps edges.

    Parameters
    ----------
    image : (M, N) ndarray
    sigma_px : float
        Spatial scale (pixels). 0 disables.
    edge_preserving : bool
        True: bilateral filter (edges kept); False: Gaussian blur.

    Returns
    -------
    (M, N) float32 ndarray
    """
    image = _check_2d(image).astype(np.float32)
    if sigma_px <= 0:
        return image
    if not edge_preserving:
        return cv2.GaussianBlur(image, (0, 0), sigma_px)
    spread = float(np.subtract(*np.percentile(image[::4, ::4], [95, 5])))
    sigma_color = max(spread * 0.25, 1e-3)
    d = max(3, int(round(sigma_px * 3)) | 1)
    return cv2.bilateralFilter(image, d, sigma_color, sigma_px)


def is_blank_or_saturated(image, *, min_std=0.5, max_saturated_fraction=0.95):
    """True for a frame without usable content.

    Blank: (almost) constant intensity. Saturated: nearly all pixels at the
    dtype's maximum (or at the image maximum for float images).

    Parameters
    ----------
    image : (M, N) ndarray
    min_std : float
        Standard deviation (grey levels) below which a frame is blank.
    max_saturated_fraction : float
        Fraction of pixels at full scale above which a frame is saturated.

    Returns
    -------
    bool
    reason : str
        ``"blank"``, ``"saturated"`` or ``""``.
    """
    image = _check_2d(image)
    sub = image[::4, ::4]
    if np.issubdtype(image.dtype, np.integer):
        full = np.iinfo(image.dtype).max
        if np.mean(sub >= full) > max_saturated_fraction:
            return True, "saturated"
    if float(sub.std()) < min_std:
        return True, "blank"
    return False, ""
