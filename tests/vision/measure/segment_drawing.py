"""Drawn backgrounds and scans for the segmentation tests (not a test module).

A background is a flat grey field with one bright bar (a needle-like object: strong
edges) and blurred grain texture; a scan's change image is the electrode disc and a rod
of a given length drawn dark into that background, each side with level-dependent noise.
Shared by the segmentation state tests (``test_segment_speed_w19.py``,
``test_segment_state_w20.py``), which import it by name: each test folder is on
``sys.path`` (``tests/vision/conftest.py``).
"""
import cv2
import numpy as np


def drawn_background(seed, shape, bar_cols, bar_level):
    """A background and its gradient magnitude.

    Parameters
    ----------
    seed : int
        Seed of the grain texture.
    shape : tuple of int
        Image shape (rows, cols).
    bar_cols : tuple of int
        First and last column of the bright bar, px.
    bar_level : float
        Grey level of the bar (the field is 90).

    Returns
    -------
    bg, grad : numpy.ndarray of float32
        The background and its Sobel gradient magnitude (grey levels per px).
    """
    rng = np.random.default_rng(seed)
    bg = np.full(shape, 90.0, np.float32)
    cv2.rectangle(bg, (bar_cols[0], 0), (bar_cols[1], shape[0]), bar_level, -1)
    bg = cv2.GaussianBlur(bg, (0, 0), 1.5)
    bg += cv2.GaussianBlur(rng.normal(0, 12, shape).astype(np.float32), (0, 0), 3.0)
    grad = cv2.magnitude(cv2.Sobel(bg, cv2.CV_32F, 1, 0) / 8, cv2.Sobel(bg, cv2.CV_32F, 0, 1) / 8)
    return bg, grad


def drawn_scan(bg, electrode, length, seed, *, gamma_residual=False):
    """The change image (background minus scan) of the electrode and a rod to its right.

    Parameters
    ----------
    bg : numpy.ndarray of float32
        Background from :func:`drawn_background`.
    electrode : tuple of float
        Electrode centre x, y and radius, px.
    length : float
        Rod length beyond the rim, px (5 px wide, level 40).
    seed : int
        Seed of the noise.
    gamma_residual : bool, optional
        Add a gamma-like residual to the scan (a brightness response the background
        subtraction does not remove).

    Returns
    -------
    numpy.ndarray of float32
    """
    ex, ey, er = electrode
    rng = np.random.default_rng(seed)
    img = bg.copy()
    cv2.circle(img, (int(ex), int(ey)), int(er), 40.0, -1)
    cv2.line(img, (int(ex), int(ey)), (int(ex + er + length), int(ey)), 40.0, 5)
    if gamma_residual:
        img = img + 0.0004 * (img - 100.0) ** 2
    bg_n = bg + rng.normal(0, 2.0 + bg / 60.0).astype(np.float32)
    img_n = (img + rng.normal(0, 2.0 + img / 60.0)).astype(np.float32)
    return (bg_n - img_n).astype(np.float32)
