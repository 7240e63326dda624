"""A crack seen before stays a crack: rods of other detectors lying on it are released.

A lithium-filled crack (1-2 px, bright rims) is segmented as a rod a few px wide. The
whisker finder takes it for a whisker in the scans where its core measures a little
wider than a crack's, and the whisker's pixels are kept from the crack finder: the crack
is then found only in every other scan, never in enough consecutive scans to be
confirmed (tuning seed 5044: found in scans 16, 18, 20, hidden by a whisker rod in 17,
19, 21). A crack does not turn into a whisker: a rod that holds most of the crack found
in an earlier scan is that crack, grown, and is given back to the crack finder.
"""
import cv2
import numpy as np

__all__ = ["KNOWN_CRACK_FRACTION", "release_known_crack"]

#: A rod of the exclusion mask is the crack seen before when it holds at least this
#: fraction of that crack's skeleton pixels: a whisker beside a crack, or crossing it,
#: shares only the few pixels where they meet; the crack itself (grown since) holds
#: all of its earlier skeleton but what the rod's ragged ends miss.
KNOWN_CRACK_FRACTION = 0.5


def release_known_crack(exclude_mask, crack_xy_px, *, fraction=KNOWN_CRACK_FRACTION):
    """``exclude_mask`` without its connected pieces that hold a crack seen before.

    Parameters
    ----------
    exclude_mask : (M, N) array of bool
        Pixels kept from the crack finder (e.g. whisker rods).
    crack_xy_px : (K, 2) array_like or None
        Skeleton points (x, y), px, of the crack found in an earlier scan (same
        coordinates as the mask); None or empty: nothing is released.
    fraction : float
        Least fraction of the crack's skeleton points a piece must hold to be
        released (:data:`KNOWN_CRACK_FRACTION`).

    Returns
    -------
    (M, N) ndarray of bool
        The mask without the released pieces (the input when none is released).
    """
    mask = np.asarray(exclude_mask, bool)
    if crack_xy_px is None or not mask.any():
        return mask
    pts = np.round(np.asarray(crack_xy_px, float)).astype(int).reshape(-1, 2)
    rows, cols = mask.shape
    pts = pts[(pts[:, 0] >= 0) & (pts[:, 0] < cols) & (pts[:, 1] >= 0) & (pts[:, 1] < rows)]
    if not len(pts):
        return mask
    n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    counts = np.bincount(labels[pts[:, 1], pts[:, 0]], minlength=n)
    counts[0] = 0
    release = np.flatnonzero(counts >= fraction * len(pts))
    if not release.size:
        return mask
    return mask & ~np.isin(labels, release)
