"""Robust order statistics and noise estimates shared by every layer.

``_median``/``_percentile`` give numpy's values, faster on large float32 arrays.
"""
import cv2
import numpy as np

#: Bins of the histogram that brackets an order statistic (see :func:`_order_stats`).
_SELECT_BINS = 512


def _order_stats(v, ks):
    """The ``k``-th smallest values (0-based) of a finite 1-D float32 array, or None.

    Same values as ``np.partition(v, ks)[ks]``, several times faster on large
    arrays: a histogram (OpenCV) brackets each order statistic, the values
    below the bracket are counted exactly and only the bracket's values are
    partitioned. None for small or non-finite input (use numpy then).
    """
    n = v.size
    if n < 4096 or not np.isfinite(v.sum(dtype=np.float64)):
        return None
    lo, hi, _, _ = cv2.minMaxLoc(v.reshape(1, -1))
    if hi <= lo:
        return np.full(len(ks), np.float32(lo))
    top = float(np.nextafter(np.float32(hi), np.float32(np.inf)))
    hist = cv2.calcHist([v.reshape(1, -1)], [0], None, [_SELECT_BINS], [lo, top]).ravel()
    cum = np.cumsum(hist)
    width = (top - lo) / _SELECT_BINS
    out = np.empty(len(ks), np.float32)
    brackets = {}
    for i, k in enumerate(ks):
        b = int(np.searchsorted(cum, k, side="right"))
        if b not in brackets:
            # the bracket [e0, e1): its values are counted exactly, so a histogram bin
            # edge rounded differently by OpenCV only makes the bracket miss (below)
            e0 = np.float32(lo + b * width) if b > 0 else np.float32(-np.inf)
            e1 = np.float32(lo + (b + 1) * width) if b < _SELECT_BINS - 1 else np.float32(np.inf)
            sel = v >= e0
            below = n - int(np.count_nonzero(sel))
            sel &= v < e1
            brackets[b] = (below, v[sel])
        below, inside = brackets[b]
        j = k - below
        out[i] = np.partition(inside, j)[j] if 0 <= j < inside.size else np.partition(v, k)[k]
    return out


def _median(values):
    """``np.median(values)`` (same value), faster for large float32 arrays."""
    a = np.asarray(values)
    if a.dtype != np.float32:
        return np.median(a)
    v = np.ascontiguousarray(a).ravel()
    n = v.size
    ks = [n // 2] if n % 2 else [n // 2 - 1, n // 2]
    stats = _order_stats(v, ks)
    if stats is None:
        return np.median(v)
    return stats[0] if n % 2 else np.median(stats)


def _percentile(values, qs):
    """``np.percentile(values, qs)`` (linear method; same values), faster for large float32 arrays."""
    a = np.asarray(values)
    if a.dtype != np.float32:
        return np.percentile(a, qs)
    v = np.ascontiguousarray(a).ravel()
    n = v.size
    pos = np.asarray(qs, float) / 100.0 * (n - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    ks = sorted(set(lo.tolist()) | set(hi.tolist()))
    stats = _order_stats(v, ks) if n else None
    if stats is None:
        return np.percentile(v, qs)
    vals = dict(zip(ks, stats.tolist()))
    out = np.empty(len(pos))
    for i, (p, k0, k1) in enumerate(zip(pos, lo, hi)):
        out[i] = _lerp(vals[k0], vals[k1], p - k0)
    return out


def _lerp(x0, x1, t):
    """numpy's linear interpolation between two order statistics (float64, same bits).

    ``np.percentile``'s ``_lerp`` works from the upper value when ``t >= 0.5``, so
    that ``t = 1`` gives ``x1`` exactly.
    """
    d = x1 - x0
    return x1 - d * (1 - t) if t >= 0.5 else x0 + d * t


#: Scale factor from the median absolute deviation (MAD) to the standard deviation of a
#: normal distribution: 1 / Phi^-1(3/4). The noise estimates of semtrack are robust
#: (lithium, cracks and edges are outliers to the noise of the ceramic).
MAD_TO_SIGMA = 1.4826


def mad_sigma(deviations):
    """Robust standard deviation of ``deviations`` from a known centre: 1.4826 * median(|d|).

    Parameters
    ----------
    deviations : array-like
        Values minus their centre (any shape).

    Returns
    -------
    float
        In the units of ``deviations`` (computed in float64 from the median).
    """
    return MAD_TO_SIGMA * float(_median(np.abs(deviations)))


def robust_sigma(values):
    """Noise level of ``values`` about their median (1.4826 * MAD), float32 arithmetic.

    Parameters
    ----------
    values : ndarray
        Any shape; a subsample is enough.

    Returns
    -------
    float
    """
    v = np.asarray(values, dtype=np.float32).ravel()
    med = _median(v)
    return float(MAD_TO_SIGMA * _median(np.abs(v - med)))


def _span_above(row, k, level):
    """(lo, hi): the run of ``row`` around index ``k`` whose values are >= ``level``.

    The extent of a peak at ``k`` at a level such as its half maximum (a profile's
    full width at half maximum is ``hi - lo + 1`` samples).
    """
    lo = hi = k
    while lo > 0 and row[lo - 1] >= level:
        lo -= 1
    while hi < len(row) - 1 and row[hi + 1] >= level:
        hi += 1
    return lo, hi
