"""A bent rod that is no whisker stays in the lateral front (tuning seed 5031).

Three rods on a mask: a whisker (straight), a thin straight rod rejected as a whisker
(a crack's stretch) and a bent rod rejected as a whisker (a curved branch of the front).
The front leaves out the first two, keeps the third: its pixels are exactly the bent
rod's, whatever the rods' sizes (several random layouts).
"""

import cv2
import numpy as np
import pytest

from vision.measure._whiskers import WhiskerObs
from vision.track._tracker import _rods_left_out_of_front


def _draw(mask, pts, width):
    pts = np.round(np.asarray(pts, float)).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(mask, [pts], False, 1, int(width))


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_a_bent_rod_that_is_no_whisker_stays_in_the_front(seed):
    rng = np.random.default_rng(seed)
    canvas = np.zeros((200, 300), np.uint8)
    w_whisker, w_thin, w_bent = rng.uniform(7, 12), 3.0, rng.uniform(6, 10)
    whisker = WhiskerObs(0, (20.0, 40.0), (20.0 + rng.uniform(40, 80), 40.0), 60.0, w_whisker, (1.0, 0.0))
    thin = WhiskerObs(-1, (20.0, 100.0), (20.0 + rng.uniform(40, 80), 100.0), 60.0, w_thin, (1.0, 0.0))
    corner = (150.0 + rng.uniform(0, 40), 150.0)
    bent = WhiskerObs(-1, (150.0, 100.0), (corner[0] + 50.0, 185.0), 90.0, w_bent, (0.7, 0.7),
                      path_xy_px=((150.0, 100.0), corner))
    masks = []
    for w in (whisker, thin, bent):
        m = np.zeros_like(canvas)
        _draw(m, list(w.path_xy_px or [w.base_xy_px]) + [w.tip_xy_px], w.width_px)
        masks.append(m.astype(bool))
    mask = masks[0] | masks[1] | masks[2]
    out = _rods_left_out_of_front(mask, [whisker, thin, bent], [whisker])
    assert np.array_equal(out, masks[0] | masks[1])
    # accepted as a whisker, a bent rod stays out of the front
    out = _rods_left_out_of_front(mask, [whisker, thin, bent], [whisker, bent])
    assert np.array_equal(out, mask)
