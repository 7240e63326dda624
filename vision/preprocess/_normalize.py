"""Brightness/contrast flicker normalisation, scan-line and noise suppression.

All functions work on greyscale images, axis order (row, col); they return
float32 arrays and never modify their input.
"""
import logging

import cv2
import numpy as np

from calibration import InputError

from ._subsample import every_4th_column

logger = logging.getLogger(__name__)

__all__ = ["intensity_reference", "normalize_intensity", "suppress_scan_lines",
           "denoise", "is_blank_or_saturated"]

#: Grey levels within which OpenCV's and numpy's standard deviations of a frame's
#: subsample could be on two sides of ``min_std``: both are exact to ~1e-11 grey levels
#: (double sums of at most ~10^6 8-bit values), so numpy decides only in a tie.
_STD_TIE = 1e-6

#: Percentiles that define the brightness (low, high) anchor of a frame.
_PERCENTILES = (10.0, 90.0)

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
    from scipy.ndimage import median_filter  # scipy.ndimage when this runs

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
    quarter = every_4th_column(image[::4]) if image.dtype == np.uint8 else None
    if quarter is not None:
        # 8-bit frames (every video frame): the same subsample, contiguous, and OpenCV's
        # standard deviation (~1/6 of numpy's on a strided 1080p subsample); the same
        # decision as numpy's: where the two could part (within _STD_TIE) numpy decides
        if np.count_nonzero(quarter == 255) / quarter.size > max_saturated_fraction:
            return True, "saturated"     # count / size: the float numpy's mean of booleans is
        std = float(cv2.meanStdDev(quarter)[1][0, 0])
        if abs(std - min_std) <= _STD_TIE:
            std = float(sub.std())
        return (True, "blank") if std < min_std else (False, "")
    if np.issubdtype(image.dtype, np.integer):
        full = np.iinfo(image.dtype).max
        if np.mean(sub >= full) > max_saturated_fraction:
            return True, "saturated"
    if float(sub.std()) < min_std:
        return True, "blank"
    return False, ""
