"""The new-scan model of mark_refreshes on constructed change strengths (issue 14).

Two populations of change strength (encoder re-draws vs new scans) are found per
video; the scan period comes from the intervals between strong scans.
"""
import numpy as np

from vision.preprocess import _refresh


def _lognormal(rng, centre, n, spread=0.25):
    return np.exp(rng.normal(np.log(centre), spread, n))


def test_redraws_and_scans_are_split_between_them():
    rng = np.random.default_rng(1)
    redraw, scans = _lognormal(rng, 3.0, 60), _lognormal(rng, 14.0, 12)
    bound = _refresh._two_populations(np.concatenate([redraw, scans]))
    assert bound is not None
    assert redraw.max() < bound < scans.min()


def test_one_population_has_no_boundary():
    rng = np.random.default_rng(2)
    assert _refresh._two_populations(_lognormal(rng, 10.0, 100)) is None
    assert _refresh._two_populations([5.0, 20.0, 6.0]) is None   # too few to tell


def test_three_populations_give_the_uppermost_split():
    # residuals of predicted frames (~0.1), re-draws (~3), scans (~15)
    rng = np.random.default_rng(3)
    resid, redraw, scans = (_lognormal(rng, 0.1, 60), _lognormal(rng, 3.0, 30),
                            _lognormal(rng, 15.0, 12))
    bound = _refresh._two_populations(np.concatenate([resid, redraw, scans]))
    assert redraw.max() < bound < scans.min()


def test_base_period_from_multiples_and_a_stray_split():
    assert _refresh._base_period(np.array([10, 10, 20, 10, 2, 8, 10, 30, 10])) == 10
    assert _refresh._base_period(np.array([1, 1, 2, 1, 3, 1, 1, 2])) == 1
    assert _refresh._base_period(np.array([5, 10, 15, 5, 10, 5])) == 5


def test_a_weak_change_is_a_scan_only_when_one_is_due():
    rng = np.random.default_rng(4)
    history = []
    k = 0
    for _ in range(12):               # scans every 10 frames, a re-draw 4 frames after each
        history.append((k, float(_lognormal(rng, 14.0, 1)[0])))
        history.append((k + 4, float(_lognormal(rng, 3.0, 1)[0])))
        k += 10
    last = k - 10                     # the last scan start
    assert not _refresh._is_new_scan(k - 5, 3.0, history + [(k - 5, 3.0)], last)
    assert _refresh._is_new_scan(k, 3.0, history + [(k, 3.0)], last)
    assert _refresh._is_new_scan(k - 5, 14.0, history + [(k - 5, 14.0)], last)
    assert _refresh._is_new_scan(3, 3.0, history[:3] + [(3, 3.0)], 0)   # no model yet
