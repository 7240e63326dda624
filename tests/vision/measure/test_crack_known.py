"""A crack seen before is given back to the crack finder when a whisker rod covers it."""
import numpy as np

from vision.measure.crack._known import KNOWN_CRACK_FRACTION, release_known_crack


def _line(x0, x1, y):
    return np.column_stack([np.arange(x0, x1, dtype=float), np.full(x1 - x0, float(y))])


def test_rod_holding_the_earlier_crack_is_released():
    mask = np.zeros((60, 200), bool)
    mask[28:33, 10:150] = True           # the crack, grown since, taken for a rod
    mask[5:10, 20:60] = True             # a whisker elsewhere
    out = release_known_crack(mask, _line(12, 90, 30))
    assert not out[28:33, 10:150].any()
    assert out[5:10, 20:60].all()


def test_rod_touching_the_crack_is_kept():
    mask = np.zeros((60, 200), bool)
    mask[0:31, 40:45] = True             # a whisker crossing the crack's first px
    crack = _line(10, 100, 30)
    share = np.count_nonzero(mask[30, 10:100]) / len(crack)
    assert share < KNOWN_CRACK_FRACTION
    out = release_known_crack(mask, crack)
    assert out.sum() == mask.sum()


def test_no_crack_yet_changes_nothing():
    mask = np.zeros((20, 20), bool)
    mask[5:8, 2:18] = True
    assert release_known_crack(mask, None).sum() == mask.sum()
    assert release_known_crack(mask, np.empty((0, 2))).sum() == mask.sum()
    # points outside the frame are ignored
    assert release_known_crack(mask, np.array([[-5.0, 3.0], [40.0, 6.0]])).sum() == mask.sum()
