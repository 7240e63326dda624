"""Drawn rods of known geometry for the whisker tests (not a test module).

One rod is the set of pixel centres within ``width / 2`` of a line from a root on the
electrode rim, running ``length`` px out along its direction and ``radius / 2`` px back
into the disc (so that its root is buried in the electrode, as a segmented whisker's is).
Shared by the stub-beside-a-rod tests of the finder (``measure/``) and of the tracker
(``track/``), which import it by name: each test folder is on ``sys.path``
(``tests/vision/conftest.py``).
"""
import math

import numpy as np


def rod_px(shape, centre_xy, radius_px, base_deg, dir_deg, width_px, length_px, *,
           offset_px=0.0):
    """A drawn rod's mask, its root on the rim and its unit direction.

    Parameters
    ----------
    shape : tuple of int
        Image shape (rows, cols).
    centre_xy : tuple of float
        Electrode centre (x, y), px.
    radius_px : float
        Electrode radius, px.
    base_deg : float
        Polar angle of the root on the rim, degrees (image axes: x right, y down).
    dir_deg : float
        Direction the rod points at, degrees.
    width_px, length_px : float
        Rod width and its length beyond the root, px.
    offset_px : float, optional
        Root moved this far along the rim's tangent, px.

    Returns
    -------
    mask : numpy.ndarray of bool
        The rod's pixels (root buried ``radius_px / 2`` into the disc).
    base : tuple of float
        Root (x, y), px.
    u : numpy.ndarray
        Unit direction (x, y).
    """
    ex, ey = centre_xy
    a = math.radians(base_deg)
    bx = ex + radius_px * math.cos(a) - offset_px * math.sin(a)
    by = ey + radius_px * math.sin(a) + offset_px * math.cos(a)
    u = np.array([math.cos(math.radians(dir_deg)), math.sin(math.radians(dir_deg))])
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(float)
    s = (xx - bx) * u[0] + (yy - by) * u[1]
    p = -(xx - bx) * u[1] + (yy - by) * u[0]
    mask = (s >= -radius_px / 2) & (s <= length_px) & (np.abs(p) <= width_px / 2)
    return mask, (bx, by), u
