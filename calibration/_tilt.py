"""Stage-tilt correction of lengths measured in an SEM image.

Geometry
--------
The electron beam looks straight down the column (the image is a parallel
projection along the column axis, a good approximation at SEM working
distances). The stage, and with it the sample surface, is tilted by
``tilt_deg`` = θ about the *tilt axis*, which lies in the image plane
(by default along the image x axis, i.e. horizontal in the image).

* A length lying in the tilted surface and **parallel** to the tilt axis is
  seen at full length: ``L_true = L_proj``.
* A length lying in the tilted surface and **perpendicular** to the tilt
  axis (along image y for an x tilt axis) is foreshortened by cos θ:
  ``L_true = L_proj / cos θ``.
* A length along the surface **normal** (a whisker growing straight out of
  the surface, seen on a surface viewed at a glancing angle or on a
  cross-section) projects with sin θ: ``L_true = L_proj / sin θ``. At θ = 90°
  (cross-section seen edge-on, surface normal in the image plane) heights are
  seen at full length; at θ = 0 they are invisible.

θ is the angle between the sample surface and the plane perpendicular to
the beam (0 = surface seen face-on). Its sign does not matter here.

Do not correct twice: if the SEM's own "tilt correction" (Zeiss
DP_TILT_CORRECTION, FEI "tilt correction") was on while recording, the image
is already stretched by 1 / cos θ along y.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ._errors import InputError

__all__ = ["tilt_correct", "tilt_correct_vector", "TILT_DIRECTIONS"]

#: Directions accepted by `tilt_correct`.
TILT_DIRECTIONS = ("parallel", "perpendicular", "normal")


def _check_tilt(tilt_deg):
    try:
        t = float(tilt_deg)
    except (TypeError, ValueError):
        raise InputError(f"tilt_deg must be a number of degrees, got {tilt_deg!r}") from None
    if not math.isfinite(t) or abs(t) > 90.0:
        raise InputError(f"tilt_deg must be between -90 and 90 degrees, got {tilt_deg!r}")
    return abs(t)


def tilt_correct(length: ArrayLike, *, tilt_deg: float, direction: str) -> float | np.ndarray:
    """Undo the stage-tilt foreshortening of a projected length.

    Parameters
    ----------
    length : float or array_like
        Length measured in the image (any unit; the result has the same unit).
    tilt_deg : float
        Stage tilt θ in degrees, -90..90 (sign ignored).
    direction : {'parallel', 'perpendicular', 'normal'}
        Where the measured length lies: 'parallel' = in the surface along the
        tilt axis (factor 1); 'perpendicular' = in the surface across the
        tilt axis (divide by cos θ); 'normal' = out of the surface, e.g. a
        whisker height (divide by sin θ). See the module docstring.

    Returns
    -------
    float or ndarray
        True length, same unit as `length`.

    Raises
    ------
    InputError
        Unknown direction, tilt out of range, 'perpendicular' at 90° or
        'normal' at 0° (the length is invisible in that projection).
    """
    t = _check_tilt(tilt_deg)
    rad = math.radians(t)
    if direction == "parallel":
        factor = 1.0
    elif direction == "perpendicular":
        c = math.cos(rad)
        if c < 1e-6:
            raise InputError("tilt_deg = 90: lengths perpendicular to the tilt axis are invisible; "
                             "measure them on a view with less tilt")
        factor = 1.0 / c
    elif direction == "normal":
        s = math.sin(rad)
        if s < 1e-6:
            raise InputError("tilt_deg = 0: heights along the surface normal are invisible in a "
                             "top view; give the stage tilt of the glancing or cross-section view")
        factor = 1.0 / s
    else:
        raise InputError(f"direction must be one of {TILT_DIRECTIONS}, got {direction!r}")
    if np.ndim(length) == 0:
        return float(length) * factor
    return np.asarray(length, dtype=float) * factor


def tilt_correct_vector(
    dx: ArrayLike,
    dy: ArrayLike,
    *,
    tilt_deg: float,
    axis: str = "x",
) -> tuple[float | np.ndarray, float | np.ndarray]:
    """Undo tilt foreshortening of in-surface displacement vectors.

    The vectors are displacements measured in the image (x = column,
    y = row, pixels or µm) of features lying in the tilted surface.
    The component across the tilt axis is divided by cos θ; the component
    along it is unchanged.

    Parameters
    ----------
    dx, dy : float or array_like
        Image displacement along x (columns) and y (rows).
    tilt_deg : float
        Stage tilt θ in degrees, -90 < θ < 90 (sign ignored).
    axis : {'x', 'y'} or float, optional
        Direction of the tilt axis in the image: 'x' (horizontal, default:
        then dy is foreshortened), 'y' (vertical: dx is foreshortened), or an
        angle in degrees from the image x axis towards +y (for scan rotation).

    Returns
    -------
    dx_true, dy_true : float or ndarray
        Displacement in the surface, expressed in the image axes. The true
        length is ``np.hypot(dx_true, dy_true)``.

    Raises
    ------
    InputError
        Tilt out of range or at ±90°, unknown axis.
    """
    t = _check_tilt(tilt_deg)
    c = math.cos(math.radians(t))
    if c < 1e-6:
        raise InputError("tilt_deg = 90: in-surface vectors across the tilt axis are invisible")
    if axis == "x":
        phi = 0.0
    elif axis == "y":
        phi = 90.0
    else:
        try:
            phi = float(axis)
        except (TypeError, ValueError):
            raise InputError(f"axis must be 'x', 'y' or an angle in degrees, got {axis!r}") from None
        if not math.isfinite(phi):
            raise InputError(f"axis angle must be finite, got {axis!r}")
    scalar = np.ndim(dx) == 0 and np.ndim(dy) == 0
    dx = np.asarray(dx, dtype=float)
    dy = np.asarray(dy, dtype=float)
    ux, uy = math.cos(math.radians(phi)), math.sin(math.radians(phi))
    along = dx * ux + dy * uy          # component along the tilt axis
    across = -dx * uy + dy * ux        # component across it (foreshortened)
    across = across / c
    dx_true = along * ux - across * uy
    dy_true = along * uy + across * ux
    if scalar:
        return float(dx_true), float(dy_true)
    return dx_true, dy_true
