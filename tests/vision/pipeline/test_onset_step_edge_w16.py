"""A whisker's onset dated at the control-step edge it follows closely (wave 16 wip, issue 11).

Whiskers start to grow with a potential step; the tracker finds a rod only a few pixels
long, and its first lengths are short, so the back-extrapolated onset is late. With the
step edges on the video clock to half a scan, an onset up to STEP_EDGE_WINDOW_SCANS after
an edge is that edge. Tolerance one scan (issue 11: events within one scan + one frame).
"""
import numpy as np
import pandas as pd
import pytest

from vision.pipeline._events import (
    STEP_EDGE_MAX_SIGMA_SCANS,
    STEP_EDGE_WINDOW_SCANS,
    step_edge_onset,
    whisker_growth_onset,
)

PX_UM = 0.1
#: The tracker's first lengths are this much short (tuning scenes: 2-3 px).
SHORT_PX = 2.5


def _whisker(seed):
    """Scan times, edges and a whisker table growing from the second edge, first seen short."""
    rng = np.random.default_rng(seed)
    scan = float(rng.uniform(0.1, 0.8))
    t = np.arange(60) * scan
    edges = np.array([2.0, rng.uniform(8.0, 20.0)]) * scan
    rate_px_s = float(rng.uniform(0.75, 5.0)) / scan  # 0.75-5 px per scan
    length_px = rate_px_s * (t - edges[1])
    length_px = length_px - SHORT_PX * np.exp(-np.clip(length_px, 0, None) / 4.0)
    seen = length_px >= 3.0
    w = pd.DataFrame({"whisker_id": 0, "content_time_s": t[seen],
                      "length_um": length_px[seen] * PX_UM})
    return t, edges, w, scan


@pytest.mark.parametrize("seed", range(6))
def test_late_extrapolation_moves_to_the_edge(seed):
    t, edges, w, scan = _whisker(seed)
    raw = whisker_growth_onset(t, w, pixel_um=PX_UM)
    dated = step_edge_onset(raw, edges, scan_times_s=t, edge_sigma_s=0.1 * scan)
    if raw - edges[1] <= STEP_EDGE_WINDOW_SCANS * scan:
        assert dated == edges[1]
    assert abs(dated - edges[1]) <= max(scan, abs(raw - edges[1]))


def test_edges_less_certain_than_half_a_scan_are_not_used():
    t = np.arange(20) * 0.4
    sigma = np.nextafter(STEP_EDGE_MAX_SIGMA_SCANS * 0.4, 1.0)
    assert step_edge_onset(3.0, [2.6], scan_times_s=t, edge_sigma_s=sigma) == 3.0
    assert step_edge_onset(3.0, [2.6], scan_times_s=t, edge_sigma_s=None) == 3.0
    assert step_edge_onset(3.0, [2.6], scan_times_s=t, edge_sigma_s=0.2) == 2.6


def test_only_an_edge_shortly_before_the_onset():
    t = np.arange(20) * 0.4
    window = STEP_EDGE_WINDOW_SCANS * 0.4
    assert step_edge_onset(3.0, [3.0 - window], scan_times_s=t, edge_sigma_s=0.0) == 3.0 - window
    assert step_edge_onset(3.0, [np.nextafter(3.0 - window, 0.0)], scan_times_s=t,
                           edge_sigma_s=0.0) == 3.0
    assert step_edge_onset(3.0, [3.1], scan_times_s=t, edge_sigma_s=0.0) == 3.0  # after it
    assert step_edge_onset(3.0, [2.6, 3.3], scan_times_s=t, edge_sigma_s=0.0) == 2.6
    assert step_edge_onset(3.0, [1.0, 2.5, 2.8], scan_times_s=t, edge_sigma_s=0.0) == 2.8
    # an onset a little early for an edge, half a scan after a previous one: kept
    assert step_edge_onset(1.07, [0.58, 1.11], scan_times_s=np.arange(20) / 3,
                           edge_sigma_s=0.0) == 1.07
    assert step_edge_onset(None, [2.8], scan_times_s=t, edge_sigma_s=0.0) is None
