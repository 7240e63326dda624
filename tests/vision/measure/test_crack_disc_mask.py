"""Crack length against the drawn truth when the lithium mask holds the electrode disc.

Drawn as the generator draws a crack (coverage, lithium level, rims; the helpers of
test_crack_rims), at known length. The requirement (issue 11) is the crack path length
within 5 % (median over frames) and 10 % (90th percentile): over the seeds of a case the
median error is held to 5 % and every seed to 10 %.

Where the change image's lithium mask holds the whole electrode disc (its contrast
changed), the disc is not thick lateral lithium at the rim; it must not hide the root
of the crack (check seed 7065).
"""
import cv2
import numpy as np
from test_crack_rims import CENTRE, RADIUS, SHAPE, _coverage, _crack, _frame, _measure

from vision.measure.crack._detect import detect_crack

#: Issue 11: crack path length, median error <= 5 %, 90th percentile <= 10 %.
MEDIAN_REL, EACH_REL = 0.05, 0.10
SEEDS = range(1, 7)


def _errors(results, true):
    return np.array([1.0 if r is None else abs(r.total_length_px - t) / t
                     for r, t in zip(results, true)])


def _held(errors):
    return float(np.median(errors)) <= MEDIAN_REL and float(errors.max()) <= EACH_REL


def test_electrode_disc_in_the_lithium_mask_does_not_hide_the_crack():
    yy, xx = np.mgrid[:SHAPE[0], :SHAPE[1]]
    res, res_no_mask, true = [], [], []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        length = 190.0
        pts = _crack(rng, length)
        background = np.mean([_frame(np.zeros(SHAPE), rng, edge_gain=0.3) for _ in range(4)], axis=0)
        cover = _coverage(pts, 2.0)
        image = _frame(cover, rng, edge_gain=0.3)
        # the segmentation's lithium: the whole disc (to its blurred edge, 1 px beyond the
        # fitted circle) and the crack with its rims, the corners between them filled as a
        # smoothed segmentation fills them (check seed 7065 shows such a blob at the root).
        # With the disc taken for thick lithium at the rim, the root is hidden and the crack
        # is not found in five of these six seeds (measured before the change)
        disc = (xx - CENTRE[0]) ** 2 + (yy - CENTRE[1]) ** 2 <= (RADIUS + 1.0) ** 2
        li = (disc | cv2_dilate(cover > 0.2, 2)).astype(np.uint8)
        li = cv2.morphologyEx(li, cv2.MORPH_CLOSE,
                              cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))) > 0
        res.append(_measure(detect_crack, image, background, li_mask=li))
        res_no_mask.append(_measure(detect_crack, image, background))
        true.append(length)
    err = _errors(res, true)
    assert _held(err), err
    # the lithium mask's disc changes nothing: the same lengths as without a mask
    np.testing.assert_allclose([r.total_length_px for r in res],
                               [r.total_length_px for r in res_no_mask], rtol=0.02)


def cv2_dilate(mask, px):
    return cv2.dilate(mask.astype(np.uint8), np.ones((2 * px + 1, 2 * px + 1), np.uint8)) > 0
