"""Where a needle enters the field: the longest stretch of its region on the image edge (issue 16).

Written against the survivors of the mutation run of ``vision/measure/_needle.py`` (wave
15; the file was moved out of ``_electrode.py`` in wave 14, so all of it counts as
changed). ``_entry`` on edge pixels laid out by hand on a non-square field (40 rows x 60
columns, so rows and columns cannot be swapped unnoticed): stretches on each of the four
sides, one across a corner (also the top-left corner, where the perimeter's position
wraps around), the gap rule (NEEDLE_ENTRY_GAP_PX apart is one stretch, more is two), the
two longest in order, pixels off the edge ignored.
"""
import numpy as np
import pytest

from vision.measure._needle import NEEDLE_ENTRY_GAP_PX, _entry

H, W = 40, 60
SHAPE = (H, W)


def _side(side, start, length):
    """(x, y) of `length` edge pixels of one side, from `start` along it."""
    k = np.arange(start, start + length)
    return {"top": (k, np.zeros_like(k)), "bottom": (k, np.full_like(k, H - 1)),
            "left": (np.zeros_like(k), k), "right": (np.full_like(k, W - 1), k)}[side]


def _region(*stretches, inside=((30, 20), (31, 21))):
    """Pixels of the stretches (each a list of (x, y) arrays) and a few inside the field;
    returns xs, ys, the edge mask and the stretch index of every pixel (-1 inside)."""
    xs, ys, which = [], [], []
    for i, parts in enumerate(stretches):
        for x, y in parts:
            xs.append(x)
            ys.append(y)
            which.append(np.full(len(x), i))
    for x, y in inside:
        xs.append(np.array([x]))
        ys.append(np.array([y]))
        which.append(np.array([-1]))
    xs, ys, which = (np.concatenate(a) for a in (xs, ys, which))
    edge = (xs == 0) | (ys == 0) | (xs == W - 1) | (ys == H - 1)
    return xs, ys, edge, which


@pytest.mark.parametrize("long_side, short_side", [
    ("top", "bottom"), ("bottom", "top"), ("left", "right"), ("right", "left"),
    ("top", "left"), ("left", "bottom"), ("bottom", "right"), ("right", "top")])
def test_the_entry_is_the_longest_stretch_on_any_side(long_side, short_side):
    xs, ys, edge, which = _region([_side(long_side, 8, 12)], [_side(short_side, 10, 5)])
    assert np.array_equal(_entry(xs, ys, edge, SHAPE), which == 0)
    assert np.array_equal(_entry(xs, ys, edge, SHAPE, n=2)[1], which == 1)
    # given in the other order, the same
    xs, ys, edge, which = _region([_side(short_side, 10, 5)], [_side(long_side, 8, 12)])
    assert np.array_equal(_entry(xs, ys, edge, SHAPE), which == 1)


@pytest.mark.parametrize("corner", ["top-right", "bottom-right", "bottom-left", "top-left"])
def test_a_stretch_around_a_corner_is_one(corner):
    # 6 + 6 pixels either side of a corner (the corner pixel once) beat 10 on one side;
    # the top-left corner is where the perimeter's position starts again
    a, b = {"top-right": (_side("top", W - 6, 6), _side("right", 1, 6)),
            "bottom-right": (_side("right", H - 6, 6), _side("bottom", W - 7, 6)),
            "bottom-left": (_side("bottom", 0, 6), _side("left", H - 7, 6)),
            "top-left": (_side("left", 1, 6), _side("top", 0, 6))}[corner]
    other = _side("bottom", 20, 10) if corner.startswith("top") else _side("top", 20, 10)
    xs, ys, edge, which = _region([a, b], [other])
    assert np.array_equal(_entry(xs, ys, edge, SHAPE), which == 0)
    first, second = _entry(xs, ys, edge, SHAPE, n=2)
    assert np.array_equal(first, which == 0) and np.array_equal(second, which == 1)


def test_pixels_the_gap_apart_are_one_stretch():
    gap = int(NEEDLE_ENTRY_GAP_PX)
    x = np.array([10, 11, 12, 12 + gap, 13 + gap])        # 3 px apart along the top: one run
    far = np.array([40, 41, 42, 43])
    xs, ys, edge, which = _region([(x, np.zeros_like(x))], [(far, np.zeros_like(far))])
    assert np.array_equal(_entry(xs, ys, edge, SHAPE), which == 0)
    x = np.array([10, 11, 12, 13 + gap, 14 + gap])        # one more: two runs of 3 and 2
    xs, ys, edge, which = _region([(x, np.zeros_like(x))], [(far, np.zeros_like(far))])
    assert np.array_equal(_entry(xs, ys, edge, SHAPE), which == 1)


def test_one_stretch_or_none_is_the_edge_itself():
    xs, ys, edge, which = _region([_side("left", 5, 9)])
    assert np.array_equal(_entry(xs, ys, edge, SHAPE), edge)
    (only,) = _entry(xs, ys, edge, SHAPE, n=2)
    assert np.array_equal(only, edge)
    xs, ys, edge, which = _region()
    assert not _entry(xs, ys, edge, SHAPE).any()
    (none,) = _entry(xs, ys, edge, SHAPE, n=2)
    assert not none.any()
