"""A quantity that appears whole between two scans, at the edges of the rule (issue 16: no
planted bug survives).

Kills the last survivors of ``vision/pipeline/_events.py`` run in full
(``benchmarks/mutate_changed.py d994e15^ --file vision/pipeline/_events.py``), all in
:func:`onset_from_growth`'s ``sudden`` branch. Its documented rule: if the quantity grew by
less than ``SUDDEN_GROWTH_FRACTION`` of its first size (above the baseline) over the fitted
scans, it appeared whole between two scans and its onset is the midpoint between the last
scan without it and the first with it; otherwise the line through the fitted scans is
extrapolated back to the baseline (never before the record's first time). Exact scan
times (s), so the answers are exact.
"""
import numpy as np
import pytest

from vision.pipeline._events import SUDDEN_GROWTH_FRACTION, onset_from_growth

#: Scan times, s (one scan a second).
T = np.arange(6.0)


def test_a_crack_first_seen_in_the_second_scan_appeared_between_the_first_two():
    # absent in scan 0, 10 um from scan 1 on (grows 1 um over the fitted scans: < 1/4)
    y = [0.0, 10.0, 10.5, 11.0, 11.0, 11.0]
    assert onset_from_growth(T, y, sudden=True) == pytest.approx(0.5)


def test_a_crack_seen_in_two_scans_only_is_dated_between_scans():
    # first seen in scan 4, seen in two scans: two fitted points are enough for the rule
    y = [np.nan, np.nan, np.nan, np.nan, 10.0, 10.2]
    assert onset_from_growth(T, y, sudden=True) == pytest.approx(3.5)


def test_growth_of_exactly_the_fraction_is_not_sudden():
    # 8 um when first seen, then 2 um more (exactly 1/4 of 8: not "less than"): the line
    # through (1, 8), (2, 9), (3, 10), (4, 10) reaches 0 before the record starts
    y = [0.0, 8.0, 9.0, 10.0, 10.0, 10.0]
    assert 2.0 == SUDDEN_GROWTH_FRACTION * 8.0
    assert onset_from_growth(T, y, sudden=True) == pytest.approx(T[0])
    # a little less growth is sudden
    y_less = [0.0, 8.0, 9.0, 9.9, 9.9, 9.9]
    assert onset_from_growth(T, y_less, sudden=True) == pytest.approx(0.5)


def test_the_fraction_is_of_the_size_above_the_baseline():
    # baseline 5 um: first seen 5 um above it, then 2 um more (2 >= 5/4): not sudden, the
    # line is extrapolated back to the baseline, before the record's start
    y = [5.0, 10.0, 11.0, 12.0, 12.0, 12.0]
    assert onset_from_growth(T, y, baseline=5.0, sudden=True) == pytest.approx(T[0])
    # 1 um more (< 5/4) is sudden
    y_less = [5.0, 10.0, 10.5, 11.0, 11.0, 11.0]
    assert onset_from_growth(T, y_less, baseline=5.0, sudden=True) == pytest.approx(0.5)
