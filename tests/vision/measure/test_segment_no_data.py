"""Issue 15, "no false lithium": pixels that are no data do not lower the noise level.

After a beam shift the registration's no-data strip (set to zero change) can be a fifth of
the frame. Taken into the noise estimate, its zeros lower the measured noise and the
hysteresis thresholds with it: plain noise elsewhere becomes "lithium". Hand-made change
images (rows != cols): the truth is the noise level of the data and no change at all.
"""
import numpy as np
import pytest

from vision.measure._segment import segment_lithium

ROWS, COLS = 240, 360
CENTRE, RADIUS = (180.0, 120.0), 25.0


@pytest.mark.parametrize("seed,strip", [(0, 70), (1, 110), (2, 90)])
def test_no_data_strip_leaves_the_noise_level_and_makes_no_lithium(seed, strip):
    rng = np.random.default_rng(seed)
    diff = rng.normal(0.0, 4.0, (ROWS, COLS)).astype(np.float32)
    _, _, truth_sigma = segment_lithium(diff, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS)
    valid = np.ones(diff.shape, bool)
    valid[:, :strip] = False
    shifted = np.where(valid, diff, np.float32(0.0))
    li, _, sigma = segment_lithium(shifted, electrode_xy_px=CENTRE,
                                   electrode_radius_px=RADIUS, valid_mask=valid)
    # the noise of the data, as without the strip (a MAD on a subsample: a few %)
    assert sigma == pytest.approx(truth_sigma, rel=0.05)
    # nothing changed: the mask is the electrode disc alone
    yy, xx = np.mgrid[:ROWS, :COLS]
    disc = (xx - CENTRE[0]) ** 2 + (yy - CENTRE[1]) ** 2 <= (RADIUS + 1.5) ** 2
    assert not (li & ~disc).any(), int((li & ~disc).sum())
