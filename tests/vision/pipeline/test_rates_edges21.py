"""Wave 21 (issue 11): the sync's edge term of a rate's +- only at real step edges.

The pipeline's step table is cut to the video (``_steps_within``), and a start or end
moved to the video's first or last scan is marked no edge (``start_is_edge`` /
``end_is_edge`` False): no potential changes there, so the sync's uncertainty of the
step edges must not move a rate's +- at them (on main 3ba7fd4 it added how far the rate moved
without the first and last scans: noise alone, a rate's +- widened for nothing). Ground
truth: a straight rod with Gaussian tip errors, and the same rod bent at a real edge.
"""
import numpy as np
import pandas as pd

from vision.pipeline._rates import growth_rates_per_step

PX_UM = 0.1
TIP_SIGMA_PX = 0.3
RATE_UM_S = 1.0


def _track(rng, n):
    t = np.arange(n) * 0.5
    y = 2.0 + RATE_UM_S * t + rng.normal(0.0, TIP_SIGMA_PX * PX_UM, n)
    return pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": y,
                         "tip_sigma_px": TIP_SIGMA_PX})


def test_the_videos_first_and_last_scans_are_no_step_edges():
    rng = np.random.default_rng(5)
    w = _track(rng, 16)
    t = w["content_time_s"]
    steps = pd.DataFrame({"step": [0], "t_start_s": [t.min()], "t_end_s": [t.max()],
                          "control_value": [-1.0], "start_is_edge": [False],
                          "end_is_edge": [False]})
    exact = growth_rates_per_step(w, steps, pixel_size_um=PX_UM)
    unsure = growth_rates_per_step(w, steps, pixel_size_um=PX_UM, edge_std_s=1.2)
    assert len(exact) == len(unsure) == 1
    assert unsure["rate_std_um_s"].iloc[0] == exact["rate_std_um_s"].iloc[0]
    # an edge between two steps still counts: scans within 1.2 s of t = 4 s may have
    # grown at the other step's rate (the rod bends there)
    y = w["length_um"].to_numpy(float) + np.where(t > 4.0, 0.5 * (t - 4.0), 0.0)
    bent = w.assign(length_um=y)
    two = pd.DataFrame({"step": [0, 1], "t_start_s": [t.min(), 4.0],
                        "t_end_s": [4.0, t.max()], "control_value": [-1.0, -1.5],
                        "start_is_edge": [False, True], "end_is_edge": [True, False]})
    a = growth_rates_per_step(bent, two, pixel_size_um=PX_UM)
    b = growth_rates_per_step(bent, two, pixel_size_um=PX_UM, edge_std_s=1.2)
    assert (b["rate_std_um_s"].to_numpy() >= a["rate_std_um_s"].to_numpy()).all()
    assert (b["rate_std_um_s"].to_numpy() > a["rate_std_um_s"].to_numpy()).any()


def test_a_table_without_the_edge_columns_counts_every_start_and_end():
    # a notebook user's own step table says nothing about where the video cut it: its
    # first start and last end are changes of potential (a trace beginning mid-video)
    rng = np.random.default_rng(5)
    w = _track(rng, 16)
    t = w["content_time_s"]
    y = w["length_um"].to_numpy(float) + np.where(t < 1.5, -0.4 * (1.5 - t), 0.0)
    bent = w.assign(length_um=y)
    steps = pd.DataFrame({"step": [0], "t_start_s": [1.5], "t_end_s": [t.max()],
                          "control_value": [-1.0]})
    exact = growth_rates_per_step(bent, steps, pixel_size_um=PX_UM)
    unsure = growth_rates_per_step(bent, steps, pixel_size_um=PX_UM, edge_std_s=1.2)
    assert unsure["rate_std_um_s"].iloc[0] > exact["rate_std_um_s"].iloc[0]
    # the same table marked as cut to the video: no edge there
    cut = steps.assign(start_is_edge=False, end_is_edge=False)
    assert growth_rates_per_step(bent, cut, pixel_size_um=PX_UM, edge_std_s=1.2)[
        "rate_std_um_s"].iloc[0] == exact["rate_std_um_s"].iloc[0]
