"""The scan period the sync cues are quantised by when frames are taken for new scans.

Constructed runs with a known offset (``test_sync_auto.make_run``); tolerances from
issue 13: an offset within half a scan period, or warned with a confidence below 0.5.
"""
import math

import numpy as np
import pytest
from test_sync_auto import SCAN_S, TOL_S, _cue, make_run

from vision.pipeline._sync import scan_period, synchronise_auto
from vision.pipeline._sync_combine import LOW_CONFIDENCE

#: a frame interval a fifth of the scan (frames the refresh detection takes for new scans,
#: each a frame after the last)
FRAME_S = SCAN_S / 5


def _with_spurious_scans(tv, f, fraction, seed):
    """`tv`, `f` with frames taken for new scans in `fraction` of the scan intervals.

    A frame taken for a new scan holds the content of the last scan (its features
    repeat), a frame interval after the one before.
    """
    rng = np.random.default_rng(seed)
    times, rows = [], []
    for k, t in enumerate(tv):
        times.append(t)
        rows.append(f[k])
        if k + 1 < len(tv) and rng.random() < fraction:
            for extra in np.arange(t + FRAME_S, tv[k + 1] - 1e-9, FRAME_S):
                times.append(extra)
                rows.append(f[k])
    return np.array(times), np.array(rows)


def test_scan_period_of_regular_scans_is_their_interval():
    tv = np.arange(0.0, 20.0, SCAN_S)
    assert scan_period(tv) == pytest.approx(SCAN_S)
    # a few scans missed (an interval of two scans) do not move it
    assert scan_period(np.delete(tv, [5, 17, 30])) == pytest.approx(SCAN_S)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scan_period_is_not_a_frame_interval_when_frames_are_taken_for_scans(seed):
    # frames taken for new scans in a third of the intervals: the intervals are mostly
    # a frame (their median is one), but the scans' own intervals cover most of the time
    tv = np.arange(0.0, 24.0, SCAN_S)
    times, _ = _with_spurious_scans(tv, np.zeros((len(tv), 1)), 1 / 3, seed)
    assert np.median(np.diff(times)) == pytest.approx(FRAME_S)
    assert scan_period(times) == pytest.approx(SCAN_S)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_run_with_frames_taken_for_scans_is_quantised_by_the_scan(seed):
    offset = 6.0
    tv, f, trace = make_run(offset, seed=seed)
    times, rows = _with_spurious_scans(tv, f, 1 / 3, seed)
    est = synchronise_auto(times, rows, trace)
    # the place within the scan is that of the true scan: sigma at least SCAN_S / sqrt 12
    assert _cue(est, "charge").sigma_s >= SCAN_S / math.sqrt(12.0) * (1 - 1e-9)
    err = abs(est.result.offset_s - offset)
    assert err <= TOL_S or (est.warnings and est.result.confidence < LOW_CONFIDENCE), \
        (err, est.warnings, est.result.confidence)
