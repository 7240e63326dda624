"""The contacting needle is found by its shape, against drawn truth.

The needle is a straight wedge entering from the image edge and ending on the
electrode (its tip). Known geometry is drawn into a mask: the tip must be found
within a couple of pixels (the wedge's last pixel row), also when a grain as
bright as the needle touches it where it enters (the region is then far from
convex), while a ragged region of the same extent is not a needle.
"""
import cv2
import numpy as np

from vision.measure._electrode import _needle_tip

H, W = 600, 800
TIP = (420, 250)          # x, y px: the needle's tip
ENTRY = ((0, 380), (0, 460))   # the wedge's base on the left edge


def _wedge():
    mask = np.zeros((H, W), np.uint8)
    cv2.fillPoly(mask, [np.array([ENTRY[0], TIP, ENTRY[1]], np.int32)], 1)
    return mask


def _tip(mask):
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    lab = 1 + int(np.argmax(stats[1:, 4]))
    x0, y0, bw, bh, area = (int(v) for v in stats[lab])
    return _needle_tip(labels[y0:y0 + bh, x0:x0 + bw] == lab, x0, y0, (H, W), area)


def test_needle_tip_of_a_wedge():
    got = _tip(_wedge())
    assert got is not None
    assert np.hypot(got[0] - TIP[0], got[1] - TIP[1]) <= 2.0


def test_needle_tip_with_a_grain_attached_at_its_entry():
    mask = _wedge()
    # a bright polygonal grain on the edge, touching the wedge's base: solidity drops below 0.6
    cv2.fillPoly(mask, [np.array([(0, 455), (190, 430), (210, 560), (0, 530)], np.int32)], 1)
    got = _tip(mask)
    assert got is not None
    assert np.hypot(got[0] - TIP[0], got[1] - TIP[1]) <= 2.0


def test_ragged_region_is_no_needle():
    # the wedge's extent crossed by gaps (thresholded texture), held together by a strip along
    # its lower side: far from convex, and its entry-to-tip line runs through the gaps
    mask = _wedge()
    for x in range(40, 400, 40):
        mask[:, x:x + 25] = 0
    cv2.line(mask, ENTRY[1], TIP, 1, thickness=3)
    assert _tip(mask) is None
