"""Onset times of failure events: a crack that appears whole between two scans (issue 11 §2)."""
import numpy as np
import pytest

from vision.pipeline._events import SUDDEN_GROWTH_FRACTION, onset_from_growth

T = np.arange(10) * 0.5  # scans every 0.5 s


def test_crack_appearing_whole_is_dated_between_the_two_scans():
    # a crack runs across the field between the scans at 2.0 s and 2.5 s and stays
    size = np.where(T >= 2.5, 140.0, np.nan)
    size[6:] += 1.0  # measured length scatters by a px
    assert onset_from_growth(T, size, sudden=True) == pytest.approx(2.25)
    # the plain back-extrapolation of a nearly flat line runs far back (to the first scan)
    assert onset_from_growth(T, size) < 1.0


def test_growing_crack_is_still_back_extrapolated():
    # 20 px/s seen from 10 px on: grows more than SUDDEN_GROWTH_FRACTION of its first size
    size = np.where(T >= 2.5, 20.0 * (T - 2.0), np.nan)
    assert 10.0 * (1 + SUDDEN_GROWTH_FRACTION) < 20.0 * 2.0
    assert onset_from_growth(T, size, sudden=True) == pytest.approx(2.0)


def test_seen_in_the_first_scan_has_no_earlier_scan():
    size = np.full(len(T), 50.0)
    assert onset_from_growth(T, size, sudden=True) == 0.0
