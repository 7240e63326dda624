"""The growth-rate table claims no time outside the video (its windows end at the last frame)."""
import json
from pathlib import Path

import numpy as np
import pandas as pd

from vision import analyze
from vision.pipeline._analyze import _steps_within

VIDEOS = Path(__file__).resolve().parents[3] / "videos"


def test_steps_are_cut_to_the_video_span():
    steps = pd.DataFrame({"step": [0, 1, 2, 3], "t_start_s": [-5.0, 2.0, 8.0, 12.0],
                          "t_end_s": [2.0, 8.0, 12.0, 20.0], "control_value": [0, -1, -2, 0]})
    cut = _steps_within(steps, np.array([0.0, 0.5, 9.5, 10.0]))
    # the step before the video starts at its first frame, the one running past its end
    # stops at the last frame, the one after the video is gone
    assert list(cut["step"]) == [0, 1, 2]
    assert list(cut["t_start_s"]) == [0.0, 2.0, 8.0]
    assert list(cut["t_end_s"]) == [2.0, 8.0, 10.0]
    assert list(steps["t_end_s"]) == [2.0, 8.0, 12.0, 20.0]  # the input is left as it was


def test_whisker_sample_rate_windows_lie_inside_the_video():
    truth = json.loads((VIDEOS / "whisker_truth.json").read_text())
    a = analyze(VIDEOS / "whisker.mp4", trace=VIDEOS / "whisker_trace.mpt",
                scale_bar_um=truth["data_bar"]["scale_bar_um"], counter_electrode="right",
                sync="auto")
    t = a.frames["time_s"].to_numpy(float)
    r = a.growth_rates
    assert len(r)
    assert (r["t_start_s"] >= t[0] - 1e-9).all() and (r["t_end_s"] <= t[-1] + 1e-9).all(), \
        r[["step", "t_start_s", "t_end_s"]]
