"""Wave 22 (issue 16): which step edges ``_steps_within`` (wave 21) marks as real.

A start or end that the cut to the video moved to its first or last scan is no change of
potential (``start_is_edge`` / ``end_is_edge`` False); one that lies inside the video is
(True), however close to the first or last scan. The tests of wave 21 put every inner
edge beyond the second and the second-to-last scan, so marks taken against those scans
(``times[1]``, ``times[-2]``) passed them.
"""
import numpy as np
import pandas as pd

from vision.pipeline._analyze import _steps_within


def _steps(starts, ends):
    return pd.DataFrame({"step": np.arange(len(starts)), "t_start_s": starts,
                         "t_end_s": ends, "control_value": -1.0})


def test_edges_between_the_first_two_and_the_last_two_scans_are_real():
    times = np.array([0.0, 0.5, 9.5, 10.0])
    # a trace that begins 0.25 s after the first scan and ends 0.25 s before the last
    cut = _steps_within(_steps([0.25, 4.0], [4.0, 9.75]), times)
    assert list(cut["t_start_s"]) == [0.25, 4.0] and list(cut["t_end_s"]) == [4.0, 9.75]
    assert cut["start_is_edge"].tolist() == [True, True]
    assert cut["end_is_edge"].tolist() == [True, True]
    assert cut["start_is_edge"].dtype == bool and cut["end_is_edge"].dtype == bool


def test_only_the_moved_start_and_end_are_no_edges():
    times = np.array([1.0, 1.4, 9.6, 10.0])
    cut = _steps_within(_steps([0.9, 1.2, 5.0], [1.2, 5.0, 10.1]), times)
    assert cut["t_start_s"].tolist() == [1.0, 1.2, 5.0]
    assert cut["t_end_s"].tolist() == [1.2, 5.0, 10.0]
    assert cut["start_is_edge"].tolist() == [False, True, True]
    assert cut["end_is_edge"].tolist() == [True, True, False]


def test_no_video_or_no_steps_leave_the_table_as_given():
    steps = _steps([0.0], [1.0])
    assert _steps_within(steps, np.array([])) is steps
    assert _steps_within(None, np.array([0.0, 1.0])) is None
    empty = steps.iloc[:0]
    assert _steps_within(empty, np.array([0.0, 1.0])) is empty
