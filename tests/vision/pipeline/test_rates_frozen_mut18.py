"""Wave 18b (issue 16): ``_frozen_after_short``'s rule on exact lines.

A scan at or after the short circuit is frozen when it lies more than FROZEN_TIP_SIGMAS
below the line through the stretch's scans before the short, sigma being the length's
noise (at least MIN_SCATTER_UM) combined with the line's extrapolation (the slope's
standard error times the time from the fitted scans' mean). The lengths here lie exactly
on a line, so the fitted line is the drawn one and each scan's sigma is known: scans are
put 0.1 % beyond and within the band. Needs at least MIN_SCANS_PER_FIT scans before the
short at two or more times.
"""
import numpy as np

from vision.pipeline import _rates
from vision.pipeline._rates import (
    FROZEN_TIP_SIGMAS,
    MIN_SCANS_PER_FIT,
    MIN_SCATTER_UM,
    _frozen_after_short,
    slope_standard_error,
)

RATE, ICPT = 2.0, 1.0


def _line(t):
    return ICPT + RATE * np.asarray(t, float)


def _sigma(t_before, t, noise):
    noise = max(noise, MIN_SCATTER_UM)
    return np.hypot(noise, slope_standard_error(t_before, noise) * (t - np.mean(t_before)))


def _below(t_before, t, noise, factor):
    """Length at time t, ``factor`` band widths below the line."""
    return _line(t) - factor * FROZEN_TIP_SIGMAS * _sigma(t_before, t, noise)


def test_the_band_is_three_sigmas_of_noise_and_extrapolation():
    noise = 0.2
    tb = np.arange(4.0)
    t = np.array([0, 1, 2, 3, 4, 6, 9, 12], float)
    y = _line(t)
    y[4] = _below(tb, 4.0, noise, 1.001)        # frozen
    y[5] = _below(tb, 6.0, noise, 0.999)        # kept: the extrapolation widens the band
    y[6] = _below(tb, 9.0, noise, 1.001)        # frozen far out
    y[7] = _line(12.0) + 5.0                    # above the line: growth goes on
    # at t = 9 the slope's error is most of sigma: noise alone would freeze y[5] and y[6]
    assert _sigma(tb, 9.0, noise) > 3 * noise
    got = _frozen_after_short(t, y, noise, [(0, 8)], 3.5)
    np.testing.assert_array_equal(got, [0, 0, 0, 0, 1, 0, 1, 0])


def test_a_scan_at_the_short_itself_is_after_it():
    t = np.arange(5.0)
    y = _line(t)
    y[4] -= 1.0                                 # 5 sigma of 0.2 at least below
    got = _frozen_after_short(t, y, 0.05, [(0, 5)], 4.0)
    np.testing.assert_array_equal(got, [0, 0, 0, 0, 1])
    # so it is not one of the line's scans: two before the short give no line, even with
    # the scan at the short on it
    t = np.arange(4.0)
    y = _line(t)
    y[3] -= 2.0
    assert not _frozen_after_short(t, y, 0.05, [(0, 4)], 2.0).any()


def test_the_line_needs_min_scans_before_the_short():
    assert MIN_SCANS_PER_FIT == 3
    for n_before, want in ((2, 0), (3, 1)):
        t = np.arange(n_before + 1.0)
        y = _line(t)
        y[-1] -= 2.0
        got = _frozen_after_short(t, y, 0.05, [(0, len(t))], n_before - 0.5)
        np.testing.assert_array_equal(got, [0] * n_before + [want])


def test_scans_before_the_short_at_one_time_give_no_line():
    t = np.array([1.0, 1.0, 1.0, 2.0])
    y = np.array([3.0, 3.0, 3.0, 0.0])
    got = _frozen_after_short(t, y, 0.05, [(0, 4)], 1.5)
    assert not got.any()


def test_no_scan_after_the_short():
    t = np.arange(5.0)
    assert not _frozen_after_short(t, _line(t) - 9.0, 0.05, [(0, 5)], 10.0).any()


def test_noise_below_the_floor_is_the_floor():
    tb = np.arange(5.0)
    t = np.arange(7.0)
    y = _line(t)
    y[5] = _below(tb, 5.0, 0.0, 0.999)          # kept with sigma from MIN_SCATTER_UM
    y[6] = _below(tb, 6.0, 0.0, 1.001)          # frozen
    got = _frozen_after_short(t, y, 0.0, [(0, 7)], 4.5)
    np.testing.assert_array_equal(got, [0, 0, 0, 0, 0, 0, 1])


def test_each_stretch_has_its_own_line():
    # stretch 1 (0..3) ends before the short; stretch 2 (4..8) is a faster line with the
    # short after its fourth scan; its last scan is below stretch 2's line but above the
    # extension of stretch 1's
    t = np.arange(9.0)
    y = _line(t)
    y[4:] = 20.0 + 5.0 * (t[4:] - 4.0)
    y[8] = 20.0 + 5.0 * 4.0 - 3.0
    assert y[8] > _line(8.0) + 10
    got = _frozen_after_short(t, y, 0.05, [(0, 4), (4, 9)], 7.5)
    np.testing.assert_array_equal(got, [0] * 8 + [1])
    # the first stretch's scans never frozen, even below a line through the second's
    got = _frozen_after_short(t, y, 0.05, [(4, 9)], 7.5)
    np.testing.assert_array_equal(got, [0] * 8 + [1])


def test_frozen_scans_leave_the_reported_stretch():
    """growth_rates_per_step fits the stretch without the frozen tail (the exact line)."""
    import pandas as pd
    t = np.arange(10.0)
    y = _line(np.minimum(t, 7.2))               # short at 7.2: scans 8, 9 frozen
    w = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": y})
    r = growth_rates_per_step_of(w, 7.2)
    assert len(r) == 1 and int(r["n_scans"].iloc[0]) == 8
    assert abs(float(r["rate_um_s"].iloc[0]) - RATE) < 1e-6
    assert _rates.FROZEN_TIP_SIGMAS == _rates.LOST_TIP_SIGMAS == 3.0


def growth_rates_per_step_of(w, short_s):
    return _rates.growth_rates_per_step(w, None, short_circuit_s=short_s)
