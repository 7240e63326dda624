"""Crack length against the drawn truth: the filter's scale, and the electrode disc in the Li mask.

Drawn as the generator draws a crack (coverage, lithium level, rims; the helpers of
test_crack_rims), at known length. The requirement (issue 11) is the crack path length
within 5 % (median over frames) and 10 % (90th percentile): over the seeds of a case the
median error is held to 5 % and every seed to 10 %.

- Scale: cracks are 1-3 px wide. A ridge filter sees a line best at about its half width;
  at sigma 1 px a 2.6 px crack in a noisy recording breaks into pieces (check seed 7016),
  at 1.5 px it is whole. :func:`detect_crack_core_or_rims` searches at both.
- Disc: where the change image's lithium mask holds the whole electrode disc (its contrast
  changed), the disc is not thick lateral lithium at the rim; it must not hide the root
  of the crack (check seed 7065).
"""
import numpy as np
import pytest
from test_crack_rims import CENTRE, RADIUS, SHAPE, _coverage, _crack, _frame, _measure, _scene

from vision import crack_background
from vision.measure.crack._detect import detect_crack, detect_crack_core_or_rims

#: Issue 11: crack path length, median error <= 5 %, 90th percentile <= 10 %.
MEDIAN_REL, EACH_REL = 0.05, 0.10
SEEDS = range(1, 7)


def _errors(results, true):
    return np.array([1.0 if r is None else abs(r.total_length_px - t) / t
                     for r, t in zip(results, true)])


def _held(errors):
    return float(np.median(errors)) <= MEDIAN_REL and float(errors.max()) <= EACH_REL


def test_wide_noisy_crack_is_measured_whole_at_the_wider_scale():
    # a 2.6 px crack, faint rims, noise 0.14 on a lithium contrast of 0.31 (per pixel SNR 2)
    both, narrow, true = [], [], []
    for seed in SEEDS:
        background, image, length = _scene(seed, width=2.6, edge_gain=0.05, noise=0.14)
        rims = crack_background(background, polarity="bright")
        both.append(_measure(detect_crack_core_or_rims, image, background, rim_background=rims))
        narrow.append(_measure(detect_crack_core_or_rims, image, background, rim_background=rims,
                               wide_scale=None))
        true.append(length)
    err = _errors(both, true)
    assert _held(err), err
    # the case this is for: at sigma 1 px alone the crack is not held to the requirement
    assert not _held(_errors(narrow, true)), _errors(narrow, true)


@pytest.mark.parametrize("width", [1.0, 1.5])
def test_thin_clear_crack_keeps_the_narrow_measurement(width):
    # a thin crack in little noise: the narrow scale sees it whole; the wider one must not
    # lengthen it (its kernel reaches further past the tip)
    res, true = [], []
    for seed in SEEDS:
        background, image, length = _scene(seed, width=width, edge_gain=0.3, noise=0.02)
        res.append(_measure(detect_crack_core_or_rims, image, background,
                            rim_background=crack_background(background, polarity="bright")))
        true.append(length)
    err = _errors(res, true)
    assert _held(err), err


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
        # the segmentation's lithium: the whole disc (a little larger than the fitted circle,
        # as the blurred edge is segmented) and the crack with its rims
        disc = (xx - CENTRE[0]) ** 2 + (yy - CENTRE[1]) ** 2 <= (RADIUS + 1.5) ** 2
        li = disc | (cv2_dilate(cover > 0.2, 2))
        res.append(_measure(detect_crack, image, background, li_mask=li))
        res_no_mask.append(_measure(detect_crack, image, background))
        true.append(length)
    err = _errors(res, true)
    assert _held(err), err
    # the lithium mask's disc changes nothing: the same lengths as without a mask
    np.testing.assert_allclose([r.total_length_px for r in res],
                               [r.total_length_px for r in res_no_mask], rtol=0.02)


def cv2_dilate(mask, px):
    import cv2

    return cv2.dilate(mask.astype(np.uint8), np.ones((2 * px + 1, 2 * px + 1), np.uint8)) > 0
