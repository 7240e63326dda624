"""Ridge/valley filters for cracks: oriented line filters and the prepared background.

Arrays are (rows, cols); lengths in pixels.
"""
import logging
from dataclasses import dataclass, field

import cv2
import numpy as np

__all__ = ["CrackBackground", "crack_background", "ridge_response"]

logger = logging.getLogger(__name__)


_POLARITIES = ("dark", "bright")


def _as_image(image, name):
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[2] in (3, 4):
        raise ValueError(f"{name} must be a grey (rows, cols) frame; got colour shape {a.shape}. "
                         "Convert to grey first.")
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (rows, cols) array; got shape {a.shape}.")
    if a.dtype.kind not in "uif" and a.dtype != bool:
        raise ValueError(f"{name} must be numeric; got dtype {a.dtype}.")
    return a.astype(np.float32, copy=False)


_KERNELS = {}


_SPECTRA = {}

#: Orientations of the elongated line filter (30 degrees apart; the response is the
#: maximum over them).
N_ORIENTATIONS = 6
#: Kernel half size in units of its sigma along the line (the Gaussian is exp(-4.5) ~ 1 %
#: of its peak there).
KERNEL_HALF_SIGMAS = 3
#: Kernel spectra kept for at most this many image sizes and settings, the most recently
#: used (bounds memory): a tracker filters one or two window sizes a scan (its crack box's
#: and, when a crack reaches the box's side, the grown box's). Older sizes (boxes a crack
#: has grown out of) are dropped: eight kept, the cache had grown to 9.6 MB of the
#: 1080p H.264 video's live memory by scan 280 (4 sizes), where two sizes hold 4.6 MB.
SPECTRA_CACHE_SIZE = 2
#: ... and in all at most this many bytes: the boxes a tracker filters on every scan fit
#: (a 600x600 box: 6 spectra of 2.3 MB), as does a 1024x768 frame (21 MB); a full-HD
#: frame (52 MB), filtered once per video for the background, does not.
SPECTRA_CACHE_BYTES = 24 * 2**20
#: Second-derivative 3x3 Sobel kernels carry a [1, 2, 1] smoothing that sums to 4: this
#: scale gives the derivative in grey levels per px^2.
SOBEL2_NORM = 0.25
#: Default filter of :func:`crack_background`, as :func:`detect_crack`'s (they must match):
#: sigma (px, about a crack's half width) and elongation along the line.
BACKGROUND_SIGMA_PX = 1.0
BACKGROUND_ELONGATION = 3.0
#: Default scale of :func:`ridge_response` (px).
RIDGE_SIGMA_PX = 1.5
#: Margin kept around the ``box`` given to :func:`crack_background` (px). The window a
#: tracker filters is its crack box plus the filters' padding (13 px at the defaults of
#: ``detect_crack``), and a box grown once by ``detect_crack`` (48 px) still lies
#: inside, so the whole background is filtered again only when a crack has grown past
#: this margin (then the kept box grows by it again).
BOX_KEEP_MARGIN_PX = 64


def _oriented_stack(img, sigma_px, elongation, n_orientations, *, views=False):
    """Per-angle oriented line responses (unclipped) of a dark-line image, one at a time.

    Same as ``cv2.filter2D`` with each kernel and a reflected border, but by
    DFT with one forward transform of the image shared by all angles and the
    kernels' spectra cached per padded size (about 6x faster than six
    ``filter2D`` calls, which each transform the image again).

    A generator: each angle's response is made when it is asked for, as a
    contiguous (rows, cols) float32 array of its own, so a caller that takes
    the maximum over angles holds one response at a time (at full HD the six
    responses, their padded transforms and their kernel spectra are 50 MB
    each). Kernel spectra are cached only up to :data:`SPECTRA_CACHE_BYTES`
    (the small boxes a tracker filters on every scan), for the
    :data:`SPECTRA_CACHE_SIZE` most recently used sizes; larger ones, such as
    those of a full frame filtered once per video, are made per angle and
    dropped. The values are the same either way (same transforms).

    ``views=True``: each response is a view into its padded inverse transform, no copy
    (for a caller that is done with an angle before it asks for the next one).
    """
    kerns = _oriented_kernels(float(sigma_px), float(elongation), int(n_orientations))
    half = kerns[0].shape[0] // 2
    h, w = img.shape
    big_h, big_w = cv2.getOptimalDFTSize(h + 2 * half), cv2.getOptimalDFTSize(w + 2 * half)
    a = cv2.copyMakeBorder(np.ascontiguousarray(img, np.float32), half, half, half, half,
                           cv2.BORDER_REFLECT)
    # zeros beyond: the circular wrap then only reaches rows/columns outside the output
    a = cv2.copyMakeBorder(a, 0, big_h - a.shape[0], 0, big_w - a.shape[1],
                           cv2.BORDER_CONSTANT, value=0)
    key = (float(sigma_px), float(elongation), int(n_orientations), big_h, big_w)
    spectra = _SPECTRA.pop(key, None)
    nbytes = len(kerns) * big_h * big_w * 4
    if spectra is None and nbytes <= SPECTRA_CACHE_BYTES:
        spectra = [_kernel_spectrum(k, half, big_h, big_w) for k in kerns]
    if spectra is not None:
        # least recently used first: drop from the front until this one fits
        while _SPECTRA and (len(_SPECTRA) >= SPECTRA_CACHE_SIZE
                            or sum(len(v) * v[0].nbytes for v in _SPECTRA.values()) + nbytes
                            > SPECTRA_CACHE_BYTES):
            del _SPECTRA[next(iter(_SPECTRA))]
        _SPECTRA[key] = spectra   # (re)inserted last: the most recently used
    f = cv2.dft(a)
    del a
    for i, k in enumerate(kerns):
        kf = spectra[i] if spectra is not None else _kernel_spectrum(k, half, big_h, big_w)
        r = cv2.idft(cv2.mulSpectrums(f, kf, 0), flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
        del kf
        # a copy of the output rows/columns: a view would keep the padded array alive
        out = r[half:half + h, half:half + w]
        del r
        yield out if views else out.copy()
        del out


def _kernel_spectrum(k, half, big_h, big_w):
    """DFT of kernel ``k`` zero-padded to (big_h, big_w) and centred on the origin."""
    kp = np.zeros((big_h, big_w), np.float32)
    kp[:k.shape[0], :k.shape[1]] = k
    # kernel centred on the origin; the kernels are point-symmetric, so
    # convolution (DFT product) equals filter2D's correlation
    return cv2.dft(np.roll(kp, (-half, -half), axis=(0, 1)))


def _oriented_kernels(sigma, elongation, n):
    """Second-derivative-across kernels of elongated Gaussians at n angles (cached)."""
    key = (sigma, elongation, n)
    if key not in _KERNELS:
        s_along = sigma * elongation
        half = int(np.ceil(KERNEL_HALF_SIGMAS * s_along))
        yy, xx = np.mgrid[-half:half + 1, -half:half + 1].astype(np.float64)
        out = []
        for a in np.arange(n) * np.pi / n:
            u = xx * np.cos(a) + yy * np.sin(a)      # along the line
            v = -xx * np.sin(a) + yy * np.cos(a)     # across
            g = np.exp(-0.5 * (u / s_along) ** 2 - 0.5 * (v / sigma) ** 2)
            g /= g.sum()
            k = (v ** 2 / sigma ** 2 - 1.0) * g      # sigma^2 * d2G/dv2
            k -= k.mean()                            # exactly zero response to flat areas
            out.append(k.astype(np.float32))
        _KERNELS[key] = out
    return _KERNELS[key]


def ridge_response(image, *, sigma_px=RIDGE_SIGMA_PX, polarity="dark", elongation=1.0,
                   n_orientations=N_ORIENTATIONS):
    """Line (ridge or valley) strength from the Hessian at one scale.

    The image is smoothed with a Gaussian of ``sigma_px``; the eigenvalues
    l1 >= l2 of its Hessian, scaled by ``sigma_px**2`` (scale normalised),
    give the response ``max(l1, 0) - max(l2, 0)`` for dark lines (valleys:
    strong positive curvature across, little along; dark blobs, with both
    curvatures positive, are suppressed) and the mirror image for bright
    lines. Computed with OpenCV (a few ms for a 1024x768 frame).

    Parameters
    ----------
    image : (M, N) ndarray
    sigma_px : float, optional
        About the half-width of the lines to find, pixels.
    polarity : {'dark', 'bright'}, optional
        Whether the lines are darker or brighter than their surroundings.

    elongation : float, optional
        1 (default): isotropic Hessian as above. Above 1: oriented filters
        instead, the scale-normalised second derivative across an elongated
        Gaussian (``sigma_px`` across, ``elongation * sigma_px`` along) at
        ``n_orientations`` angles, maximum over angles; averaging along the
        line raises the signal-to-noise ratio of faint, roughly straight
        lines by about ``sqrt(elongation)``.
    n_orientations : int, optional
        Number of angles for ``elongation > 1``.

    Returns
    -------
    (M, N) ndarray of float32, >= 0, in image intensity units.
    """
    if polarity not in _POLARITIES:
        raise ValueError(f"polarity must be one of {_POLARITIES}; got {polarity!r}.")
    if not sigma_px > 0:
        raise ValueError(f"sigma_px must be > 0; got {sigma_px!r}.")
    img = _as_image(image, "image")
    if polarity == "bright":
        img = -img
    if elongation > 1.0:
        resp = None
        for r in _oriented_stack(img, sigma_px, elongation, n_orientations):
            resp = r if resp is None else np.maximum(resp, r, out=resp)
        return np.maximum(resp, 0, out=resp)
    g = cv2.GaussianBlur(img, (0, 0), sigma_px, borderType=cv2.BORDER_REFLECT)
    dxx = cv2.Sobel(g, cv2.CV_32F, 2, 0, ksize=3, scale=SOBEL2_NORM)
    dyy = cv2.Sobel(g, cv2.CV_32F, 0, 2, ksize=3, scale=SOBEL2_NORM)
    dxy = cv2.Sobel(g, cv2.CV_32F, 1, 1, ksize=3, scale=SOBEL2_NORM)
    half_tr = 0.5 * (dxx + dyy)
    root = np.sqrt((0.5 * (dxx - dyy)) ** 2 + dxy ** 2)
    l1 = half_tr + root
    l2 = half_tr - root
    resp = np.maximum(l1, 0) - np.maximum(l2, 0)
    resp *= np.float32(sigma_px ** 2)
    return resp


@dataclass(frozen=True)
class CrackBackground:
    """A background frame prepared once for :func:`detect_crack`.

    Attributes
    ----------
    image : (M, N) ndarray of float32
        The background frame (e.g. the mean of the first frames).
    response : (M, N) ndarray of float32
        Its ridge response, dilated by ``tolerance_px`` so that static lines
        (grain boundaries) shifted by residual drift still cancel.
    sigma_px, polarity, tolerance_px, elongation
        The settings it was made with.
    angle_responses : tuple of (M, N) ndarray
        With ``elongation > 1``: the unclipped response at each filter angle
        (the difference image's response is then a subtraction per angle,
        which halves the filtering cost per frame).
    box : (x0, y0, x1, y1) or None
        None: ``response`` and ``angle_responses`` cover the whole frame. Else
        they cover only this box of it (px; made with ``crack_background(...,
        box=...)`` to save memory): take windows with :meth:`window`, which
        filters the background again, and keeps a larger box, when a window
        reaches beyond it.
    """

    image: np.ndarray = field(repr=False)
    response: np.ndarray = field(repr=False)
    sigma_px: float
    polarity: str
    tolerance_px: int
    elongation: float = 1.0
    angle_responses: tuple = field(default=(), repr=False)
    box: tuple = None

    def window(self, sl):
        """The background of a window of the frame, as a whole-window CrackBackground.

        Parameters
        ----------
        sl : (slice, slice)
            Rows and columns of the window (steps of 1, within the frame).

        Returns
        -------
        CrackBackground
            Views into this one's arrays: the same values as slicing whole-frame
            ones. When this background keeps only a box and the window reaches
            beyond it, the frame is filtered again (the same values to the bit)
            and the box kept from then on holds the old box, the window and
            :data:`BOX_KEEP_MARGIN_PX` around them.
        """
        rows, cols = self.image.shape
        r0, r1, _ = sl[0].indices(rows)
        c0, c1, _ = sl[1].indices(cols)
        if self.box is None:
            loc = (slice(r0, r1), slice(c0, c1))
        else:
            x0, y0, x1, y1 = self.box
            if not (x0 <= c0 and y0 <= r0 and c1 <= x1 and r1 <= y1):
                grown = _grow_box((min(x0, c0), min(y0, r0), max(x1, c1), max(y1, r1)),
                                  self.image.shape, BOX_KEEP_MARGIN_PX)
                logger.debug("crack background: window %s beyond the kept box %s; "
                             "filtering the frame again, keeping %s", sl, self.box, grown)
                resp, angles = _responses(self.image, self.sigma_px, self.polarity,
                                          self.tolerance_px, self.elongation, grown)
                # the cache of a frozen record: same settings, same values, larger box
                object.__setattr__(self, "response", resp)
                object.__setattr__(self, "angle_responses", angles)
                object.__setattr__(self, "box", grown)
                x0, y0, x1, y1 = grown
            loc = (slice(r0 - y0, r1 - y0), slice(c0 - x0, c1 - x0))
        return CrackBackground(self.image[r0:r1, c0:c1], self.response[loc], self.sigma_px,
                               self.polarity, self.tolerance_px, self.elongation,
                               tuple(a[loc] for a in self.angle_responses))


def _grow_box(box, shape, margin):
    """(x0, y0, x1, y1) ints: ``box`` grown by ``margin`` px and clipped to ``shape``."""
    rows, cols = shape
    x0, y0, x1, y1 = (int(v) for v in box)
    return (max(x0 - margin, 0), max(y0 - margin, 0), min(x1 + margin, cols),
            min(y1 + margin, rows))


def _responses(img, sigma_px, polarity, tolerance_px, elongation, box):
    """Dilated ridge response and per-angle responses of the whole ``img``, kept in ``box``.

    ``box`` (x0, y0, x1, y1) or None (the whole frame). Each angle's response is cut to
    the box as soon as it is made, so at most one whole-frame angle response is alive.
    """
    keep = (slice(None), slice(None)) if box is None else \
        (slice(box[1], box[3]), slice(box[0], box[2]))
    angles = ()
    if elongation > 1.0:
        if polarity not in _POLARITIES:
            raise ValueError(f"polarity must be one of {_POLARITIES}; got {polarity!r}.")
        # one angle at a time: the maximum is accumulated (the same values as the
        # maximum of the stacked responses, without the stack)
        angles, resp = [], None
        for r in _oriented_stack(-img if polarity == "bright" else img, sigma_px,
                                 elongation, N_ORIENTATIONS):
            resp = r.copy() if resp is None else np.maximum(resp, r, out=resp)
            angles.append(r if box is None else r[keep].copy())
            del r
        angles = tuple(angles)
        resp = np.maximum(resp, 0, out=resp)
    else:
        resp = ridge_response(img, sigma_px=sigma_px, polarity=polarity, elongation=elongation)
    if tolerance_px > 0:
        k = 2 * int(tolerance_px) + 1
        resp = cv2.dilate(resp, np.ones((k, k), np.uint8))
    if box is not None:
        resp = resp[keep].copy()
    return resp, angles


def crack_background(background, *, sigma_px=BACKGROUND_SIGMA_PX, polarity="dark", tolerance_px=1,
                     elongation=BACKGROUND_ELONGATION, box=None):
    """Prepare a background frame (before any crack) for :func:`detect_crack`.

    Parameters
    ----------
    background : (M, N) ndarray
        Registered frame without a crack, e.g. the mean of the first scans.
    sigma_px, polarity, elongation
        As for :func:`ridge_response`; must match those given to
        :func:`detect_crack`.
    tolerance_px : int, optional
        Static lines within this many pixels of where they were in the
        background are ignored (residual registration error).
    box : (x0, y0, x1, y1) or None, optional
        Where cracks will be searched (px, e.g. a tracker's crack box): the
        filter responses are kept only in this box plus
        :data:`BOX_KEEP_MARGIN_PX` (at full HD the six angle responses of the
        whole frame are 50 MB), and windows are taken with
        :meth:`CrackBackground.window`. None (default): the whole frame.

    Returns
    -------
    CrackBackground
    """
    img = _as_image(background, "background")
    if box is not None:
        box = _grow_box(box, img.shape, BOX_KEEP_MARGIN_PX)
    resp, angles = _responses(img, sigma_px, polarity, tolerance_px, elongation, box)
    return CrackBackground(img, resp, float(sigma_px), polarity, int(tolerance_px),
                           float(elongation), angles, box)
