"""Wave 22 (issue 16): the sync's edge term of a rate's +- at each real edge (wave 21).

Mutation of wave 21's lines in ``growth_rates_per_step`` left alive: the one step made
when no step table is given counted its ends (the track's first and last scans) as
changes of potential, and a step's start (or its end) was never an edge, while the tests
checked only that *some* row's +- grew. Ground truth as in ``test_rates_edges21.py``: a
straight rod with Gaussian tip errors, and one whose rate changes half a second after the
synced edge (within the sync's uncertainty of the edge).
"""
import numpy as np
import pandas as pd

from vision.pipeline._rates import growth_rates_per_step

PX_UM = 0.1
TIP_SIGMA_PX = 0.3
EDGE_STD_S = 1.2


def _track(seed, n=20, bend_at=None):
    rng = np.random.default_rng(seed)
    t = np.arange(n) * 0.5
    y = 2.0 + t + rng.normal(0.0, TIP_SIGMA_PX * PX_UM, n)
    if bend_at is not None:  # 1 um/s, then 0.6 um/s faster from bend_at
        y = y + np.where(t > bend_at, 0.6 * (t - bend_at), 0.0)
    return pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": y,
                         "tip_sigma_px": TIP_SIGMA_PX})


def test_without_a_step_table_the_tracks_ends_are_no_edges():
    for seed in (1, 2, 3):
        w = _track(seed)
        exact = growth_rates_per_step(w, None, pixel_size_um=PX_UM)
        unsure = growth_rates_per_step(w, None, pixel_size_um=PX_UM, edge_std_s=EDGE_STD_S)
        assert len(exact) == len(unsure) >= 1
        np.testing.assert_array_equal(unsure["rate_std_um_s"].to_numpy(),
                                      exact["rate_std_um_s"].to_numpy())


def test_each_step_feels_its_own_real_edge():
    # steps 0-4.5 s and 4.5-9.5 s, the edge between them real on both sides; the rate
    # changes at 5.0 s, within the edge's uncertainty: both rows' +- hold it
    for seed in (1, 2, 3):
        w = _track(seed, bend_at=5.0)
        t = w["content_time_s"]
        steps = pd.DataFrame({"step": [0, 1], "t_start_s": [t.min(), 4.5],
                              "t_end_s": [4.5, t.max()], "control_value": [-1.0, -1.5],
                              "start_is_edge": [False, True], "end_is_edge": [True, False]})
        a = growth_rates_per_step(w, steps, pixel_size_um=PX_UM)
        b = growth_rates_per_step(w, steps, pixel_size_um=PX_UM, edge_std_s=EDGE_STD_S)
        # the same rows (the change points do not depend on the edges' uncertainty)
        np.testing.assert_array_equal(a["t_start_s"].to_numpy(), b["t_start_s"].to_numpy())
        assert set(a["step"]) == {0, 1}
        # every row lies within the edge's zone: step 0's by its end, step 1's by its start
        grew = b["rate_std_um_s"].to_numpy() > a["rate_std_um_s"].to_numpy()
        assert grew.all(), (seed, a, b)
