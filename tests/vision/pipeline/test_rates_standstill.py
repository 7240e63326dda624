"""After a short circuit, a standstill is dropped from the rate table, growth is not.

Whether the tip moved is told by the tips' own +- (scatter and systematic tip error), not by
the terms that say how well a rate is known (the step edges' placement by the sync, an
unseen change of rate): the sync's sigma widens a rate's +-, it does not decide whether
there is growth (as before those terms existed).
"""
import numpy as np
import pandas as pd
import pytest

from vision.pipeline._rates import growth_rates_per_step


def _track(rates_um_s, seed, *, edge_s=10.0, t_end=20.0, dt=0.4, noise_um=0.02):
    """Lengths growing at rates_um_s[0] before edge_s and rates_um_s[1] after."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, t_end, dt)
    r0, r1 = rates_um_s
    y = 1.0 + np.where(t < edge_s, r0 * t, r0 * edge_s + r1 * (t - edge_s))
    return pd.DataFrame({"whisker_id": 0, "content_time_s": t,
                         "length_um": y + rng.normal(0, noise_um, t.size)})


# the steps on the video clock 1.5 s late (a sync error): step 1's fit holds scans of the
# slower rate, so the edge term of the +- is large
STEPS = pd.DataFrame({"step": [0, 1], "t_start_s": [0.0, 11.5], "t_end_s": [11.5, 20.0],
                      "control_value": [-0.5, -1.0]})


@pytest.mark.parametrize("rates", [(0.05, 0.3), (0.1, 0.2), (0.0, 0.0), (0.2, 0.0)])
@pytest.mark.parametrize("seed", range(6))
def test_the_sync_sigma_does_not_decide_whether_there_is_growth(rates, seed):
    w = _track(rates, seed)
    plain = growth_rates_per_step(w, STEPS, short_circuit_s=9.0, pixel_size_rel_std=0.0)
    wide = growth_rates_per_step(w, STEPS, short_circuit_s=9.0, pixel_size_rel_std=0.0,
                                 edge_std_s=3.0)
    assert list(wide["step"]) == list(plain["step"])
    np.testing.assert_array_equal(wide["rate_um_s"], plain["rate_um_s"])
    assert (wide["rate_std_um_s"] >= plain["rate_std_um_s"]).all()


@pytest.mark.parametrize("seed", range(6))
def test_growth_after_the_short_is_reported(seed):
    r = growth_rates_per_step(_track((0.05, 0.3), seed), STEPS, short_circuit_s=9.0,
                              pixel_size_rel_std=0.0, edge_std_s=3.0)
    assert 1 in set(r["step"])
