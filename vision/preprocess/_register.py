"""Drift registration: sub-pixel translation of SEM frames against a reference.

Coordinates follow the semtrack convention: x = column, y = row, origin at
the centre of the top-left pixel. A drift ``(dx, dy)`` of a frame means that
the feature seen at first-frame pixel ``(x, y)`` is seen at ``(x + dx, y + dy)``
in that frame; ``to_reference`` undoes it.
"""
import logging

import cv2
import numpy as np
import pandas as pd

from calibration import InputError

logger = logging.getLogger(__name__)

__all__ = ["estimate_shift", "DriftTracker", "register_frames", "shift_image",
           "choose_drift_region"]

#: Smallest side (px) of a region the correlation is run on.
_MIN_REGION_PX = 48


def _spectrum(image, window):
    """DFT of the mean-free, windowed image, zero-padded to a fast DFT size.

    Returns the spectrum in OpenCV's packed real format (CCS: half the work
    of a complex one; ``mulSpectrums`` and the real inverse DFT take it) and
    the image's energy (sum of squares), for the correlation coefficient.
    """
    a = (image - np.float32(image.mean())) * window
    h, w = a.shape
    fh, fw = cv2.getOptimalDFTSize(h), cv2.getOptimalDFTSize(w)
    if (fh, fw) != (h, w):  # the window is ~0 at the border: zero padding adds no edge
        a = cv2.copyMakeBorder(a, 0, fh - h, 0, fw - w, cv2.BORDER_CONSTANT, value=0)
    return cv2.dft(a), float(cv2.norm(a, cv2.NORM_L2SQR))


def _peak_shift(f_ref, f_mov):
    """Sub-pixel shift (dx, dy) and normalised peak height from two spectra.

    The cross-correlation (not phase correlation: it keeps the noise
    suppression of the image spectrum) is computed by DFT; its peak is
    located to sub-pixel precision with a parabola through the logarithm of
    the three values around the maximum in x and in y (exact for a Gaussian
    peak, which a smooth image's autocorrelation is close to).
    """
    (f_mov, e_mov), (f_ref, e_ref) = f_mov, f_ref
    c = cv2.mulSpectrums(f_mov, f_ref, 0, conjB=True)
    surf = cv2.idft(c, flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    h, w = surf.shape
    iy, ix = np.unravel_index(int(np.argmax(surf)), surf.shape)
    peak = float(surf[iy, ix])

    def sub(m, c0, p):
        if m > 0 and c0 > 0 and p > 0:
            m, c0, p = np.log(m), np.log(c0), np.log(p)
        den = m - 2 * c0 + p
        return 0.0 if den >= 0 else float(np.clip(0.5 * (m - p) / den, -0.5, 0.5))

    dx = ix + sub(surf[iy, (ix - 1) % w], peak, surf[iy, (ix + 1) % w])
    dy = iy + sub(surf[(iy - 1) % h, ix], peak, surf[(iy + 1) % h, ix])
    if dx > w / 2:
        dx -= w
    if dy > h / 2:
        dy -= h
    # correlation coefficient of the windowed images (with DFT_SCALE the
    # surface is the circular cross-correlation, the sum of products)
    response = peak / float(np.sqrt(max(e_ref * e_mov, 1e-30)))
    return float(dx), float(dy), float(response)


def _as_float(image):
    image = np.asarray(image)
    if image.ndim != 2:
        raise InputError(f"expected a 2-D greyscale image (rows, cols), got shape {image.shape}; "
                         "convert colour frames to grey first")
    return image.astype(np.float32, copy=False)


def _crop(image, region):
    if region is None:
        return image
    x0, y0, x1, y1 = (int(round(v)) for v in region)
    return image[y0:y1, x0:x1]


def estimate_shift(reference, moving, *, region=None, window=True):
    """Sub-pixel translation of ``moving`` relative to ``reference``.

    Cross-correlation by DFT (OpenCV) of the mean-free, Hann-windowed images,
    with a log-parabola sub-pixel peak; insensitive to brightness and
    contrast changes (flicker).

    Parameters
    ----------
    reference, moving : (M, N) ndarray
        Greyscale images of the same shape, axis order (row, col).
    region : tuple of 4 numbers, optional
        ``(x0, y0, x1, y1)`` pixel box (end exclusive) to correlate on, e.g.
        an area without data bar and away from the growing lithium.
    window : bool
        Apply a Hann window (recommended: suppresses edge effects).

    Returns
    -------
    dx_px, dy_px : float
        Shift in pixels (x = column, y = row) such that
        ``moving[y + dy, x + dx] ~ reference[y, x]``.
    response : float
        Correlation coefficient at the peak (0..1); low values mean the two
        images share little content.
    """
    ref = _crop(_as_float(reference), region)
    mov = _crop(_as_float(moving), region)
    if ref.shape != mov.shape:
        raise InputError(f"reference {ref.shape} and moving {mov.shape} images differ in shape; "
                         "register frames of one video only")
    if min(ref.shape) < 8:
        raise InputError(f"region {region} is too small for drift registration; "
                         f"give a region of at least {_MIN_REGION_PX} px per side")
    win = _hann(ref.shape) if window else np.ones(ref.shape, np.float32)
    dx, dy, response = _peak_shift(_spectrum(ref, win), _spectrum(mov, win))
    return float(dx), float(dy), float(response)


def shift_image(image, dx_px, dy_px, *, region=None, border_value=None):
    """Resample ``image`` so that a feature at ``(x + dx, y + dy)`` lands at ``(x, y)``.

    Parameters
    ----------
    image : (M, N) ndarray
        Frame to move into reference (first-frame) coordinates.
    dx_px, dy_px : float
        Drift of this frame (see module docstring).
    region : tuple of 4 ints, optional
        ``(x0, y0, x1, y1)`` box in reference coordinates to produce; only that
        box is computed (fast when tracking a small region of interest).
    border_value : float, optional
        Value for pixels that come from outside the frame (default: replicate
        the border).

    Returns
    -------
    (rows, cols) float32 ndarray
        The registered image (or the requested box of it), bilinear.
    """
    src = _as_float(image)
    if region is None:
        x0, y0, x1, y1 = 0, 0, src.shape[1], src.shape[0]
    else:
        x0, y0, x1, y1 = (int(v) for v in region)
    m = np.array([[1.0, 0.0, x0 + dx_px], [0.0, 1.0, y0 + dy_px]], dtype=np.float64)
    if border_value is None:
        border, value = cv2.BORDER_REPLICATE, 0
    else:
        border, value = cv2.BORDER_CONSTANT, float(border_value)
    return cv2.warpAffine(src, m, (x1 - x0, y1 - y0),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=border, borderValue=value)


def choose_drift_region(shape, *, exclude=None, data_bar_row=None, min_side_px=96):
    """Largest image box that avoids the data bar and an excluded box.

    Parameters
    ----------
    shape : (rows, cols)
        Image shape.
    exclude : tuple of 4 ints, optional
        ``(x0, y0, x1, y1)`` box to keep out (e.g. the growing lithium).
    data_bar_row : int, optional
        First row of the data bar (rows from here on are ignored).
    min_side_px : int
        If no box of at least this size avoids ``exclude``, ``exclude`` is
        ignored (whole data-bar-free image).

    Returns
    -------
    (x0, y0, x1, y1) : tuple of int
    """
    rows, cols = shape
    bottom = rows if data_bar_row is None else int(min(max(data_bar_row, 1), rows))
    full = (0, 0, cols, bottom)
    if exclude is None:
        return full
    ex0, ey0, ex1, ey1 = exclude
    candidates = [
        (0, 0, int(ex0), bottom),          # left of the excluded box
        (int(ex1), 0, cols, bottom),       # right
        (0, 0, cols, int(ey0)),            # above
        (0, int(ey1), cols, bottom),       # below
    ]
    best, best_area = None, 0
    for x0, y0, x1, y1 in candidates:
        x0, x1 = max(0, x0), min(cols, x1)
        y0, y1 = max(0, y0), min(bottom, y1)
        w, h = x1 - x0, y1 - y0
        if w >= min_side_px and h >= min_side_px and w * h > best_area:
            best, best_area = (x0, y0, x1, y1), w * h
    return best if best is not None else full


class DriftTracker:
    """Streaming drift estimation: cumulative sub-pixel drift of each frame.

    Each new frame is phase-correlated with the current reference frame.
    When the correlation peak drops below ``rereference_response`` (the scene
    changed a lot) the current frame becomes the new reference, and its
    cumulative drift becomes the reference's offset, so drift stays expressed
    in first-frame coordinates.

    Parameters
    ----------
    region : tuple of 4 ints, optional
        ``(x0, y0, x1, y1)`` box the correlation is computed on; default the
        whole image. Change it with :meth:`set_region`.
    rereference_response : float
        Peak height below which the reference is replaced.
    downsample : int
        Correlate on images binned by this factor (faster; the shift is scaled
        back, the sub-pixel estimate stays accurate to ~0.1 px for factor 2).
    """

    def __init__(self, *, region=None, rereference_response=0.3, downsample=1):
        if downsample < 1:
            raise InputError(f"downsample must be >= 1, got {downsample}")
        self.region = region
        self.rereference_response = float(rereference_response)
        self.downsample = int(downsample)
        self._ref = None
        self._ref_drift = (0.0, 0.0)
        self.drift = (0.0, 0.0)
        self.n_rereferences = 0

    def set_region(self, region):
        """Change the correlation box; the reference is re-cropped lazily."""
        if region != self.region:
            self.region = region
            if self._ref_full is not None:
                full, dtype = self._ref_full
                self._ref = self._prepare(full.astype(dtype, copy=False))

    _ref_full = None   # (the reference frame, compact; its type), for set_region

    def _prepare(self, image):
        image = np.asarray(image)
        if image.ndim != 2:
            _as_float(image)  # the one-line error
        img = _crop(image, self.region)
        if self.downsample > 1:
            # bin in the frame's own type (OpenCV's INTER_AREA averages exactly; uint8
            # output rounds to 1/2 grey level, far below SEM noise) and convert only the
            # binned image: no full-frame float copy per scan
            h = img.shape[0] // self.downsample * self.downsample
            w = img.shape[1] // self.downsample * self.downsample
            if img.dtype not in (np.uint8, np.uint16, np.float32):
                img = img.astype(np.float32)
            img = cv2.resize(img[:h, :w], (w // self.downsample, h // self.downsample),
                             interpolation=cv2.INTER_AREA)
        img = img.astype(np.float32, copy=False)
        return _spectrum(np.ascontiguousarray(img), _hann(img.shape))

    def update(self, image):
        """Add the next (new-content) frame; return its cumulative drift.

        Parameters
        ----------
        image : (M, N) ndarray
            The frame (data bar may be present if ``region`` excludes it).

        Returns
        -------
        (dx_px, dy_px) : tuple of float
            Drift of this frame relative to the first frame.
        """
        if self._ref is None:
            self._ref_full = _compact_copy(image)
            self._ref = self._prepare(image)
            self.drift = (0.0, 0.0)
            return self.drift
        mov = self._prepare(image)
        dx, dy, response = _peak_shift(self._ref, mov)
        dx *= self.downsample
        dy *= self.downsample
        self.drift = (self._ref_drift[0] + dx, self._ref_drift[1] + dy)
        if response < self.rereference_response:
            logger.info("drift reference replaced (correlation peak %.2f < %.2f)",
                        response, self.rereference_response)
            self._ref_full = _compact_copy(image)
            self._ref = mov
            self._ref_drift = self.drift
            self.n_rereferences += 1
        return self.drift


def _compact_copy(image):
    """A copy of ``image`` and its type, in uint8 or uint16 when that holds its values exactly.

    Memory only: the tracker hands over float32 frames of 8-bit grey levels, kept for the
    whole video as the drift reference (7.3 MB at full HD; 1.8 MB as uint8). Turned back
    into the original type, the values are the same.
    """
    a = np.asarray(image)
    if a.dtype.kind == "f" and a.size:
        lo, hi = float(a.min()), float(a.max())   # NaN: both comparisons below fail
        for kind in (np.uint8, np.uint16):
            if 0 <= lo and hi <= np.iinfo(kind).max:
                small = a.astype(kind)
                if np.array_equal(small, a):
                    return small, a.dtype
                break
    return np.array(a, copy=True), a.dtype


_HANN = {}



def _hann(shape):
    win = _HANN.get(shape)
    if win is None:
        win = cv2.createHanningWindow((shape[1], shape[0]), cv2.CV_32F)
        _HANN.clear()
        _HANN[shape] = win
    return win


def register_frames(images, *, region=None, rereference_response=0.3, downsample=1):
    """Cumulative drift of every frame of a sequence.

    Parameters
    ----------
    images : iterable of (M, N) ndarray
        Frames in video order (new-content frames; skip duplicates first).
    region, rereference_response, downsample
        See :class:`DriftTracker`.

    Returns
    -------
    pandas.DataFrame
        Columns ``frame`` (0-based position in ``images``), ``drift_x_px``,
        ``drift_y_px`` (drift relative to the first frame, x = column, y = row).
    """
    tracker = DriftTracker(region=region, rereference_response=rereference_response,
                           downsample=downsample)
    rows = []
    for i, image in enumerate(images):
        dx, dy = tracker.update(image)
        rows.append((i, dx, dy))
    return pd.DataFrame(rows, columns=["frame", "drift_x_px", "drift_y_px"])
