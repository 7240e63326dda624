"""Shape descriptors of binary masks: box-counting dimension and skeleton branches.

All functions take a boolean image ``mask`` of shape (rows, cols); pixel
(0, 0) is the top-left pixel, x = column, y = row. Lengths are in pixels.
"""
import logging

import cv2
import numpy as np

__all__ = ["box_counting_dimension", "skeleton_end_points", "count_branches"]

logger = logging.getLogger(__name__)

_NEIGHBOURS = np.ones((3, 3), np.float32)

#: A float mask is the shape where it exceeds half (the mid-level of a soft mask).
MASK_LEVEL = 0.5
#: Box counting: fewer pixels than MIN_FRACTAL_PIXELS are too small to be fractal; the
#: smallest box (px) skips the pixel scale, where branches of finite width look
#: two-dimensional; the largest box is the larger side over MAX_BOX_DIVISOR (at least a
#: few boxes across the shape); a slope needs MIN_SCALES box sizes.
MIN_FRACTAL_PIXELS = 100
MIN_BOX_PX = 2
MAX_BOX_DIVISOR = 4.0
MIN_SCALES = 3
#: Skeleton spurs shorter than this (px) are outline noise, not branches.
MIN_BRANCH_LENGTH_PX = 8.0
_NEIGHBOURS[1, 1] = 0.0


def _check_mask(mask, name="mask"):
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (rows, cols) array; got shape "
                         f"{mask.shape}. Pass one frame, not a stack.")
    if mask.dtype != bool:
        mask = mask > MASK_LEVEL if mask.dtype.kind == "f" else mask != 0
    return mask


def _crop(mask):
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return mask[:0, :0], (0, 0)
    cols = np.flatnonzero(mask.any(axis=0))
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    return mask[r0:r1, c0:c1], (int(r0), int(c0))


def box_counting_dimension(mask, *, min_pixels=MIN_FRACTAL_PIXELS, min_box_px=MIN_BOX_PX,
                           max_box_px=None, min_scales=MIN_SCALES):
    """Box-counting (Minkowski-Bouligand) dimension of a binary shape.

    Boxes of side ``s = min_box_px * 2**k`` pixels tile the bounding box of
    the shape; ``N(s)`` counts boxes holding at least one foreground pixel,
    and the dimension is the slope of ``log N(s)`` against ``log(1/s)``
    (least squares). The box grid is built as a pyramid (each level is the
    2x2 "any" of the previous one), so the cost is linear in the bounding-box
    area.

    Parameters
    ----------
    mask : (M, N) array of bool
        The shape (e.g. lateral lithium).
    min_pixels : int, optional
        Fewer foreground pixels than this give NaN (too small to be fractal).
    min_box_px : int, optional
        Smallest box side in pixels (power of two). The default 2 skips the
        pixel scale, where branches of finite width look two-dimensional.
    max_box_px : int, optional
        Largest box side in pixels; default a quarter of the larger side of
        the shape's bounding box, so that every scale has several boxes.
    min_scales : int, optional
        Fewer usable box sizes than this give NaN.

    Returns
    -------
    float
        The dimension (1 for a line, 2 for a filled region, about 1.7 for
        diffusion-limited aggregates), or NaN when the shape is too small.
    """
    mask = _check_mask(mask)
    if min_box_px < 1 or (min_box_px & (min_box_px - 1)):
        raise ValueError(f"min_box_px must be a power of two >= 1; got {min_box_px}.")
    if int(mask.sum()) < min_pixels:
        return float("nan")
    crop, _ = _crop(mask)
    size = max(crop.shape)
    if max_box_px is None:
        max_box_px = size / MAX_BOX_DIVISOR
    sizes, counts = [], []
    level, s = crop, 1
    while s <= max_box_px:
        if s >= min_box_px:
            sizes.append(s)
            counts.append(int(level.sum()))
        h, w = level.shape
        pad = np.zeros((h + h % 2, w + w % 2), bool)
        pad[:h, :w] = level
        level = pad.reshape(pad.shape[0] // 2, 2, pad.shape[1] // 2, 2).any(axis=(1, 3))
        s *= 2
    if len(sizes) < min_scales:
        return float("nan")
    slope = np.polyfit(np.log(1.0 / np.asarray(sizes, float)),
                       np.log(np.asarray(counts, float)), 1)[0]
    return float(slope)


def _neighbour_count(skel):
    return cv2.filter2D(skel.astype(np.uint8), cv2.CV_16S, _NEIGHBOURS,
                        borderType=cv2.BORDER_CONSTANT)


def skeleton_end_points(skeleton):
    """(rows, cols) of skeleton pixels with exactly one 8-connected neighbour.

    Parameters
    ----------
    skeleton : (M, N) array of bool
        A one-pixel-wide skeleton.

    Returns
    -------
    rows, cols : ndarray of int
    """
    skel = _check_mask(skeleton, "skeleton")
    n = _neighbour_count(skel)
    return np.nonzero(skel & (n == 1))


def count_branches(mask, *, min_branch_length_px=MIN_BRANCH_LENGTH_PX, ignore_mask=None,
                   skeleton=None):
    """Number of branches of a shape, counted as end points of its skeleton.

    Spurs shorter than ``min_branch_length_px`` (from the end point to the
    nearest junction, along the skeleton) are roughness of the outline, not
    branches, and are not counted: the skeleton is pruned by removing its
    end points that many times, and the end points that remain are counted
    (reported at the position of the original tip). End points inside ``ignore_mask`` (e.g. the
    electrode rim the branches grow from) are not counted either.

    Parameters
    ----------
    mask : (M, N) array of bool
        The shape.
    min_branch_length_px : float, optional
        Shortest branch that counts, in pixels.
    ignore_mask : (M, N) array of bool, optional
        End points here are not counted.
    skeleton : (M, N) array of bool, optional
        A precomputed skeleton of ``mask`` (saves time when you have one).

    Returns
    -------
    n_branches : int
    end_points_xy : (K, 2) ndarray of float
        The counted end points as (x, y) pixel coordinates.
    """
    mask = _check_mask(mask)
    if ignore_mask is not None:
        ignore_mask = _check_mask(ignore_mask, "ignore_mask")
        if ignore_mask.shape != mask.shape:
            raise ValueError(f"ignore_mask has shape {ignore_mask.shape} but mask has "
                             f"{mask.shape}; pass masks of the same frame.")
    if not mask.any():
        return 0, np.zeros((0, 2))
    if skeleton is None:
        crop, (r0, c0) = _crop(mask)
        # one pixel of padding so that shapes touching the crop edge skeletonize cleanly
        from skimage.morphology import skeletonize  # skimage.morphology on first use

        sk = skeletonize(np.pad(crop, 1))[1:-1, 1:-1]
    else:
        sk_full = _check_mask(skeleton, "skeleton")
        crop, (r0, c0) = _crop(mask | sk_full)
        sk = sk_full[r0:r0 + crop.shape[0], c0:c0 + crop.shape[1]]
    # prune: strip end points for as many steps as the shortest branch is
    # long; spurs vanish, real branches survive (shortened) with their end
    pruned = sk.copy()
    for _ in range(int(np.ceil(min_branch_length_px))):
        nbr = _neighbour_count(pruned)
        ends = pruned & (nbr <= 1)
        if not ends.any():
            break
        pruned &= ~ends
    nbr = _neighbour_count(pruned)
    er, ec = np.nonzero(pruned & (nbr == 1))
    # report the original tips: the unpruned end point nearest to each survivor
    nbr0 = _neighbour_count(sk)
    r0s, c0s = np.nonzero(sk & (nbr0 == 1))
    kept = []
    for r, c in zip(er, ec):
        if r0s.size:
            j = int(np.argmin((r0s - r) ** 2 + (c0s - c) ** 2))
            rr, cc = int(r0s[j]), int(c0s[j])
            if (rr - r) ** 2 + (cc - c) ** 2 > (min_branch_length_px + 2) ** 2:
                rr, cc = int(r), int(c)
        else:
            rr, cc = int(r), int(c)
        if ignore_mask is not None and ignore_mask[rr + r0, cc + c0]:
            continue
        kept.append((cc + c0, rr + r0))
    pts = np.asarray(kept, float).reshape(-1, 2)
    return len(kept), pts
