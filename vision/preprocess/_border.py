"""The recorded picture inside a screen recording's flat border.

A screen recording of the SEM's monitor (e.g. 1920x1080 px) shows the SEM
image in a box surrounded by a flat, usually black, border. The border
carries no scene: it must not be searched for the electrode (the picture
against the black border looks like one huge bright disc, and an electrode
cut by the picture's edge merges with the border) and it does not move with
the drift. A line of the border is flat: all its pixels share one grey level
up to the codec's rounding, whereas every line of an SEM picture carries
shot noise.

Arrays are (rows, cols).
"""
import numpy as np

from calibration import InputError

__all__ = ["content_box"]

#: A line is flat when the spread (FLAT_PERCENTILES) of its grey levels is at most this
#: fraction of the picture's grey range (p0.5..p99.5): an SEM line carries shot noise of a
#: few % of the range, a recorder's border is constant up to codec ringing (1-2 levels of 255).
FLAT_FRACTION = 0.02
#: ... and at least this many grey levels of 8 bit (scaled to the dtype's full scale).
FLAT_MIN_LEVELS_8BIT = 3.0
FLAT_PERCENTILES = (1.0, 99.0)
#: Fewest flat lines on a side that count as a border (one dark line is not a recorder's frame).
MIN_BORDER_PX = 4
#: The picture's outermost lines are blurred into the border by the codec (ringing within a
#: macroblock, 8-16 px, makes the last border lines non-flat): this margin (px) beyond the
#: flat run is left out as well.
EDGE_MARGIN_PX = 8
#: Every this-many-th pixel of a line enters its spread (speed; a line has hundreds).
LINE_SUBSAMPLE = 2


def _flat_lines(image, axis, tol):
    """Boolean per line (rows for axis=1, columns for axis=0): spread of its levels <= tol."""
    sub = image[:, ::LINE_SUBSAMPLE] if axis == 1 else image[::LINE_SUBSAMPLE, :]
    lo, hi = np.percentile(sub, FLAT_PERCENTILES, axis=axis)
    return (hi - lo) <= tol


def _run(flat):
    """Length of the run of True at the start of ``flat``."""
    idx = np.flatnonzero(~flat)
    return int(idx[0]) if idx.size else int(flat.size)


def content_box(image):
    """(top, bottom, left, right) of the picture inside a flat border (end exclusive).

    Parameters
    ----------
    image : (M, N) ndarray
        A frame, greyscale.

    Returns
    -------
    (top, bottom, left, right) : tuple of int
        The whole frame when it has no flat border; else the box of the
        picture, shrunk by :data:`EDGE_MARGIN_PX` on each side that has a
        border.

    Notes
    -----
    Each side's border is the run of flat lines (rows or columns) from that
    edge, counted only when at least :data:`MIN_BORDER_PX` lines long. A
    line is flat when its 1st-99th percentile spread is within
    :data:`FLAT_FRACTION` of the frame's grey range.
    """
    img = np.asarray(image)
    if img.ndim != 2:
        raise InputError(f"expected a 2-D greyscale image (rows, cols), got shape {img.shape}")
    rows, cols = img.shape
    img = img.astype(np.float32, copy=False)
    lo, hi = np.percentile(img[::4, ::4], (0.5, 99.5))
    full = float(np.iinfo(image.dtype).max) if np.issubdtype(image.dtype, np.integer) else 1.0
    tol = max(FLAT_FRACTION * float(hi - lo), FLAT_MIN_LEVELS_8BIT * full / 255.0)
    flat_rows = _flat_lines(img, 1, tol)
    flat_cols = _flat_lines(img, 0, tol)
    if flat_rows.all() or flat_cols.all():
        return 0, rows, 0, cols  # a blank frame: nothing to tell
    sides = [_run(flat_rows), _run(flat_rows[::-1]), _run(flat_cols), _run(flat_cols[::-1])]
    sides = [s + EDGE_MARGIN_PX if s >= MIN_BORDER_PX else 0 for s in sides]
    top, bottom, left, right = sides[0], rows - sides[1], sides[2], cols - sides[3]
    if bottom <= top or right <= left:
        return 0, rows, 0, cols
    return top, bottom, left, right
