"""The stated +- of a growth rate covers the true rate when tip errors come in runs.

Issue 11: the true rate must lie within the stated +-2 sigma in at least 90 % of steps.
A tip's error is not independent from scan to scan: the edge model may take the bright
rim or the blur for the rod's end, which moves the tip by about +-0.4 px on noise-free
rods (whisker8 analysis of the tuning seeds), and that state lasts a few scans. The
residuals about the fitted line then run in blocks, their scatter understates the
slope's error, and the +- from the scatter alone covered the true rate in 88.5-89 % of
simulated tracks below. Simulated here: 8-20 scans at 0.5 s, rates 2-10 px/s, a tip bias
of +-0.43 px that switches with probability 0.2 per scan, 0.15 px of independent noise and
a stated tip sigma of 0.2 px (what the tracker reports), 400 tracks.
"""
import numpy as np
import pandas as pd
import pytest

from vision.pipeline._rates import growth_rates_per_step

#: Issue 11's coverage target for the +-2 sigma of a rate.
MIN_COVERAGE = 0.90
PIXEL_UM = 0.1


def _coverage(seed, n_tracks=400, bias_px=0.43, p_switch=0.2, noise_px=0.15, stated_px=0.2):
    rng = np.random.default_rng(seed)
    hit = total = 0
    for _ in range(n_tracks):
        n = int(rng.integers(8, 20))
        t = np.arange(n) * 0.5
        rate_px = float(rng.uniform(2.0, 10.0))
        state = rng.random() < 0.5
        bias = []
        for _ in range(n):
            if rng.random() < p_switch:
                state = not state
            bias.append(bias_px if state else -bias_px)
        length_px = 10.0 + rate_px * t + np.array(bias) + rng.normal(0.0, noise_px, n)
        w = pd.DataFrame({"whisker_id": 0, "content_time_s": t, "length_um": length_px * PIXEL_UM,
                          "tip_sigma_px": stated_px, "censored": False})
        r = growth_rates_per_step(w, None, pixel_size_um=PIXEL_UM)
        if r.empty:
            continue
        k = int(np.argmax(r["n_scans"]))
        total += 1
        hit += abs(r["rate_um_s"].iloc[k] - rate_px * PIXEL_UM) <= 2.0 * r["rate_std_um_s"].iloc[k]
    return hit / total


@pytest.mark.parametrize("seed", [5])
def test_rate_plus_minus_covers_the_truth_with_runs_of_tip_error(seed):
    cov = _coverage(seed)
    assert cov >= MIN_COVERAGE, f"true rate within +-2 sigma in {100 * cov:.1f} % of tracks"
