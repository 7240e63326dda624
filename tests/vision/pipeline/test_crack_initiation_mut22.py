"""Wave 22 (issue 16): the rules of ``crack_initiation`` (wave 21) on drawn length series.

Mutation of wave 21's new lines left 24 of 80 mutants alive with the scene tests of
``test_crack_initiation_young_w21.py``: those scenes do not reach the readings before the
tracker's confirmation, a crack seen crack-long only in its last scan, a short reading
just before the line's zero (within the half-scan slack), a missed scan after the confirming
one, or a confirming reading of exactly ``min_length``. Each case here is a length series
whose answer follows from the documented rule: the line of :func:`onset_from_growth`
(``sudden=True``) through the readings from a stated scan on (clean lines: their exact
zero).
"""
import numpy as np
import pytest

from vision.pipeline._events import crack_initiation, onset_from_growth

MIN_UM = 3.0  # DEFAULT_THRESHOLDS.crack_min_length_um
T = np.arange(12.0)  # one scan a second


def _line_from(t, y, k):
    """The documented initiation when the young crack's readings start at scan ``k``."""
    return onset_from_growth(t, np.where(np.arange(len(t)) >= k, y, np.nan), sudden=True)


def test_readings_before_the_trackers_confirmation_are_not_the_crack():
    # a clean crack from t = 3.5 s (2 um/s), confirmed by the tracker at t = 4 s; short
    # readings at t = 1-3 s (a stub at the rim the tracker did not take for the crack) lie
    # within the half-scan slack of nothing: they are before the confirmation
    y = np.clip(2.0 * (T - 3.5), 0.0, None)
    y[[1, 2, 3]] = [0.4, 0.8, 0.9]
    assert crack_initiation(T, y, start_s=4.0, min_length=MIN_UM) == pytest.approx(3.5)
    # never crack-long: the readings from the confirmation on, not the earlier ones
    y = np.array([0, 2.0, 2.0, 0, 0.5, 1.0, 1.5, 2.0, 2.5, 0, 0, 0])
    got = crack_initiation(T, y, start_s=4.0, min_length=MIN_UM)
    assert got == pytest.approx(3.0)  # 0.5 um/s from t = 4 s: zero at 3 s
    assert got == _line_from(T, y, 4)


def test_a_crack_long_only_in_its_last_scan_is_dated_by_what_was_seen():
    # one crack-long scan (the last): no line through crack-long scans, so no slack rule;
    # the readings from the first one seen after the confirmation are the young crack
    t = T[:8]
    y = np.array([0, 0, 0, 0.5, 1.0, 1.5, 2.0, 3.5])
    got = crack_initiation(t, y, start_s=3.0, min_length=MIN_UM)
    assert got == _line_from(t, y, 3)
    assert got == pytest.approx(2.0)  # 0.5 um/s through t = 3..6 s


def test_a_short_reading_just_before_the_lines_zero_is_the_young_crack():
    # the crack-long scans (t = 6..9 s: 3, 7, 11, 15 um) meet zero at 5.25 s; the short
    # reading at t = 5 s (0.6 um, read short) lies 0.25 scans before that line, within
    # the half-scan slack: it is the young crack and is fitted
    y = np.array([0, 0, 0, 0, 0, 0.6, 3.0, 7.0, 11.0, 15.0, 19.0, 23.0])
    got = crack_initiation(T, y, start_s=5.0, min_length=MIN_UM)
    assert got == _line_from(T, y, 5)
    assert got != _line_from(T, y, 6)
    assert abs(got - 5.25) <= 1.0  # within one scan of the crack-long line


def test_the_line_of_the_crack_long_scans_stops_at_a_missed_scan():
    # after the confirming scans (t = 6, 7 s: 3, 5 um, zero at 4.5 s) a scan misses the
    # crack (t = 8 s) and a branch joins it (30+ um): the line is drawn through the run
    # before the gap, so the short readings from t = 4 s (0.5 s before its zero) count
    y = np.array([0, 0, 0, 0, 0.5, 1.0, 3.0, 5.0, 0.0, 30.0, 32.0, 34.0])
    got = crack_initiation(T, y, start_s=4.0, min_length=MIN_UM)
    assert got == _line_from(T, y, 4)
    assert got == pytest.approx(3.9677, abs=1e-3)  # the line through t = 4..7 s
    # the same with the missed scan unmeasured (NaN) rather than 0
    y[8] = np.nan
    assert crack_initiation(T, y, start_s=4.0, min_length=MIN_UM) == got


def test_a_reading_of_exactly_the_crack_length_confirms_the_crack():
    # min_length is inclusive: the 3.0 um reading at t = 6 s confirms; the line through
    # t = 6..9 s (3, 7, 11, 15) meets zero at 5.25 s and takes the 0.6 um reading at 5 s
    # in. Confirmed one scan later (7..10 s, a branch joined at 10 s: 40 um) the line
    # would meet zero at 6.7 s and leave it out
    y = np.array([0, 0, 0, 0, 0, 0.6, 3.0, 7.0, 11.0, 15.0, 40.0, 44.0])
    got = crack_initiation(T, y, start_s=5.0, min_length=MIN_UM)
    assert got == _line_from(T, y, 5)
    assert got != _line_from(T, y, 6)
