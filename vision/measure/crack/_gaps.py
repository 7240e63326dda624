"""A lithium-filled crack does not vanish for a scan: one-scan gaps between two sightings.

Pure function on the per-scan crack lengths of a recording (any length unit),
decided on the finished table, before the crack's persistence is judged.
"""
import numpy as np

__all__ = ["MAX_GAP_SCANS", "TIP_SLACK_FRACTION", "bridge_crack_gaps"]

#: Longest run of scans without a crack between two scans with one that is taken as missed
#: (one scan): the crack finder loses a lithium-filled crack for a scan when it passes as
#: a rod (its core width near the whisker limit, tuning seed 5044: seen in every second
#: scan), when an open crack's bright lips hide it (5020), or when a torn or noisy scan
#: breaks its line. Lithium in a crack stays; a crack seen before and after a gap was there
#: in between. Two or more scans in a row without it are not bridged: that is a crack (or
#: a look-alike) that is gone.
MAX_GAP_SCANS = 1
#: The two sightings around a gap must be one growing crack: the later tip lies within the
#: growth of the path (the later length minus the earlier) of the earlier tip, plus this
#: fraction of the earlier length (the tip's scatter, a tip that moved to a side branch of
#: similar length). Lines that flicker at different places are not joined.
TIP_SLACK_FRACTION = 0.25


def bridge_crack_gaps(length, time_s=None, tip_xy=None, *, max_gap=MAX_GAP_SCANS):
    """Fill short gaps in the per-scan crack length where the crack is seen on both sides.

    The two sightings must be one growing crack: the later one at least as long
    as the earlier (a lithium-filled crack does not shrink) and, with
    ``tip_xy``, its tip within the path's growth of the earlier tip.

    Parameters
    ----------
    length : (N,) array_like
        Crack length per new scan, in order (NaN or <= 0: no crack in that scan).
    time_s : (N,) array_like, optional
        Scan times, increasing; the length of a bridged scan is interpolated
        linearly in time between the two scans around the gap (a crack grows
        between them). Without it, in scan index.
    tip_xy : (N, 2) array_like, optional
        Crack tip (x, y) per scan, in the unit of ``length``. With it, a gap is
        bridged only when the two scans around it show one growing crack: the
        later tip no farther from the earlier one than the path grew, plus
        :data:`TIP_SLACK_FRACTION` of the earlier length.
    max_gap : int
        Longest gap (consecutive scans without a crack) that is bridged.

    Returns
    -------
    length : (N,) ndarray of float
        The lengths, gaps filled (other scans unchanged).
    bridged : (N,) ndarray of bool
        True for the scans that were filled.
    """
    y = np.asarray(length, float).copy()
    n = len(y)
    t = np.arange(n, dtype=float) if time_s is None else np.asarray(time_s, float)
    if t.shape != y.shape:
        raise ValueError(f"time_s has {t.shape} values but length has {y.shape}; give one time "
                         "per scan.")
    has = np.isfinite(y) & (y > 0)
    bridged = np.zeros(n, bool)
    idx = np.flatnonzero(has)
    tip = None if tip_xy is None else np.asarray(tip_xy, float).reshape(n, 2)
    for a, b in zip(idx[:-1], idx[1:]):
        if not 1 < b - a <= max_gap + 1:
            continue
        if y[b] < y[a]:
            # a lithium-filled crack does not shrink: a shorter second sighting is not the
            # same crack grown on (check seed 7024, a control scene: a 4.8 um line at the
            # electrode, seen in two scans one apart, 4.84 then 4.67 um)
            continue
        if tip is not None:
            moved = float(np.hypot(*(tip[b] - tip[a])))
            if not moved <= max(y[b] - y[a], 0.0) + TIP_SLACK_FRACTION * y[a]:
                continue
        inner = np.arange(a + 1, b)
        w = (t[inner] - t[a]) / max(t[b] - t[a], 1e-12)
        y[inner] = y[a] + np.clip(w, 0.0, 1.0) * (y[b] - y[a])
        bridged[inner] = True
    return y, bridged
