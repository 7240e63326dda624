"""Where a needle enters: only the two longest stretches on the edge compete (issue 16, wave 16).

Written against the survivors ``_needle_entry`` 21 and 27 of the wave-15 mutation runs
(``_entry(..., n=None)`` and ``n=3``: every stretch, or three, instead of the two longest).
The rule (``_needle_entry``'s docstring): the needle enters along one of the region's two
longest stretches of edge pixels; a third, shorter stretch (a grain touching the field's far
side, a whisker's tip) is never its entry, though the region may reach farther from it.
Pixels laid out by hand on a non-square field (40 rows x 60 columns, so rows and columns
cannot be swapped unnoticed).
"""
import numpy as np
import pytest

from vision.measure._needle import _needle_entry

H, W = 40, 60
SHAPE = (H, W)


def _pixels(*parts):
    xs = np.concatenate([np.asarray(x).ravel() for x, _ in parts])
    ys = np.concatenate([np.broadcast_to(y, np.shape(x)).ravel() for x, y in parts])
    return xs.astype(int), ys.astype(int)


def _flip(xs, ys, how):
    """The same layout mirrored left-right, top-bottom or both (the field keeps its shape)."""
    if how in ("lr", "both"):
        xs = W - 1 - xs
    if how in ("tb", "both"):
        ys = H - 1 - ys
    return xs, ys


@pytest.mark.parametrize("how", ["none", "lr", "tb", "both"])
def test_a_third_stretch_is_not_the_entry_though_the_region_reaches_farther_from_it(how):
    # A: 16 px on the left side (rows 5-20), the longest; B: 8 px on the top (columns
    # 20-27); C: 3 px on the right side (rows 35-37). From C's centre the region reaches
    # (0, 5), 66.6 px; from A's centre (59, 37), 63.9 px; from B's (59, 37), 51.3 px
    a = (np.zeros(16, int), np.arange(5, 21))
    b = (np.arange(20, 28), np.zeros(8, int))
    c = (np.full(3, W - 1), np.arange(35, 38))
    inside = (np.array([20, 30, 40, 50]), np.array([15, 20, 25, 30]))
    xs, ys = _pixels(a, b, c, inside)
    xs, ys = _flip(xs, ys, how)
    entry = _needle_entry(xs, ys, SHAPE)
    want = np.zeros(xs.size, bool)
    want[:16] = True
    assert np.array_equal(entry, want)
