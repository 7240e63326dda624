"""The crack path's graph, longest path and side branches on drawn skeletons.

Written against the survivors of ``make mutate CHANGED=1b7ba61`` (docs/pages/mutation.md):
the skeleton graph (``_graph``), the geodesic longest path (``_longest_path``) and the
side branches (``_side_branches``) of ``vision/measure/crack/_path.py``, on one-pixel
skeletons whose paths and lengths are known exactly.
"""
import math

import numpy as np
import pytest

from vision.measure.crack._path import MAX_BRANCHES, _graph, _longest_path, _side_branches

SQ2 = math.sqrt(2.0)


def test_graph_joins_8_neighbours_with_their_distance():
    skel = np.zeros((5, 6), bool)
    skel[1, 1] = skel[1, 2] = skel[2, 3] = skel[3, 3] = skel[4, 5] = True
    graph, index, rr, cc = _graph(skel)
    np.testing.assert_array_equal(rr, [1, 1, 2, 3, 4])
    np.testing.assert_array_equal(cc, [1, 2, 3, 3, 5])
    assert index[1, 1] == 0 and index[4, 5] == 4 and index[0, 0] == -1
    dense = graph.toarray()
    want = np.zeros((5, 5))
    for a, b, wt in ((0, 1, 1.0), (1, 2, SQ2), (2, 3, 1.0)):
        want[a, b] = want[b, a] = wt
    np.testing.assert_allclose(dense, want, atol=0)
    # both diagonals, at the image's edges
    skel = np.zeros((2, 3), bool)
    skel[0, 1] = skel[1, 0] = skel[1, 2] = True
    dense = _graph(skel)[0].toarray()
    np.testing.assert_allclose(dense, [[0, SQ2, SQ2], [SQ2, 0, 0], [SQ2, 0, 0]])


def test_longest_path_from_the_seeds_to_the_far_end():
    # an L: 10 px right along row 2 from (2, 1), then a diagonal of 5 steps down-right
    skel = np.zeros((12, 20), bool)
    skel[2, 1:11] = True
    for k in range(1, 6):
        skel[2 + k, 10 + k] = True
    rows, cols, length = _longest_path(skel, (np.array([2]), np.array([1])))
    assert length == pytest.approx(9.0 + 5 * SQ2)
    assert (rows[0], cols[0]) == (2, 1) and (rows[-1], cols[-1]) == (7, 15)
    assert len(rows) == 15
    # seeded at the other end: the same path, reversed
    rows2, cols2, length2 = _longest_path(skel, (np.array([7]), np.array([15])))
    assert length2 == pytest.approx(length)
    np.testing.assert_array_equal(rows2, rows[::-1])
    np.testing.assert_array_equal(cols2, cols[::-1])
    # a seed off the skeleton, an empty skeleton, a lone pixel: none
    assert _longest_path(skel, (np.array([0]), np.array([0]))) is None
    assert _longest_path(np.zeros_like(skel), (np.array([2]), np.array([1]))) is None
    lone = np.zeros_like(skel)
    lone[5, 5] = True
    assert _longest_path(lone, (np.array([5]), np.array([5]))) is None


def _t_skeleton(branch_len, *, spur=0, second=0):
    """Main path along row 30 (cols 5..94); a branch down from col 40 (`branch_len` px),
    a spur up from col 60 (`spur` px), a second branch up from col 75 (`second` px)."""
    skel = np.zeros((80, 100), bool)
    skel[30, 5:95] = True
    skel[31:31 + branch_len, 40] = True
    if spur:
        skel[30 - spur:30, 60] = True
    if second:
        skel[30 - second:30, 75] = True
    path = (np.full(90, 30), np.arange(5, 95))
    return skel, path


def test_side_branch_is_found_from_the_path_outward():
    skel, path = _t_skeleton(20)
    (b,) = _side_branches(skel, path, min_branch_px=10.0, smoothing_px=0.0)
    # (x, y) from the main path outward to the branch's end
    np.testing.assert_allclose(b[0], (40.0, 30.0))
    np.testing.assert_allclose(b[-1], (40.0, 50.0))
    assert len(b) == 21
    assert np.all(np.diff(b[:, 1]) == 1.0) and np.all(b[:, 0] == 40.0)


def test_side_branches_shorter_than_the_least_length_are_spurs():
    skel, path = _t_skeleton(20, spur=6)
    got = _side_branches(skel, path, min_branch_px=10.0, smoothing_px=0.0)
    assert len(got) == 1 and got[0][-1][1] == 50.0
    # the least length is inclusive: a branch ending exactly min_branch_px away counts
    assert len(_side_branches(skel, path, min_branch_px=20.0, smoothing_px=0.0)) == 1
    assert _side_branches(skel, path, min_branch_px=20.5, smoothing_px=0.0) == []
    assert len(_side_branches(skel, path, min_branch_px=6.0, smoothing_px=0.0)) == 2


def test_side_branches_longest_first_and_at_most_max_branches():
    skel, path = _t_skeleton(20, second=12)
    got = _side_branches(skel, path, min_branch_px=10.0, smoothing_px=0.0)
    assert [len(b) for b in got] == [21, 13]
    np.testing.assert_allclose(got[1][-1], (75.0, 18.0))
    one = _side_branches(skel, path, min_branch_px=10.0, smoothing_px=0.0, max_branches=1)
    assert len(one) == 1 and len(one[0]) == 21
    assert MAX_BRANCHES >= 2


def test_side_branches_need_the_path_on_the_skeleton_and_are_smoothed_like_it():
    skel, path = _t_skeleton(20)
    off = (np.array([0]), np.array([0]))
    assert _side_branches(skel, off, min_branch_px=10.0, smoothing_px=0.0) == []
    # a branch off a branch is measured from the tree so far (the first branch too)
    skel[45, 41:60] = True                        # 19 px right from the branch at row 45
    got = _side_branches(skel, path, min_branch_px=10.0, smoothing_px=0.0)
    assert len(got) == 2
    # its end: a pixel of row 45 at least 15 px from the tree (cols 55..59 tie at 15 from
    # the main path; the first branch, col 40, is farther)
    (x, y), = [b[-1] for b in got if b[-1][1] == 45.0]
    assert 55.0 <= x <= 59.0
    # smoothing keeps the ends and a straight branch straight
    (b,) = _side_branches(_t_skeleton(20)[0], path, min_branch_px=10.0, smoothing_px=2.0)
    np.testing.assert_allclose(b[[0, -1]], [(40.0, 30.0), (40.0, 50.0)])
    np.testing.assert_allclose(b[:, 0], 40.0)
