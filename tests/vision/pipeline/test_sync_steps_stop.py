"""The step cue and whiskers that stop growing at no step edge.

A whisker stops when its tip is blocked or its root cut off, at any time: its
length curve then holds to the end of the video. The kink where it stops is no
step edge, and before the stopped part was left out the step cue put the last
edge on it (too small an offset by seconds, with a sharp minimum: tuning seeds
5034 and 5039). Tolerance from the requirement: half a scan period.
"""
import numpy as np
import pandas as pd
import pytest

from vision.pipeline._sync_cues import HOLD_SCANS, _until_stopped, step_cue, trace_signals

#: Scan period, s.
SCAN_S = 0.5
#: Control steps on the video clock: (start s, control V, growth rate um/s); the whisker
#: is seen from the third step on (it nucleated there), so the curve holds two kinks.
STEPS = [(2.0, -0.3, 0.0), (5.5, -0.9, 0.0), (9.0, -1.2, 3.5), (11.5, -1.0, 1.2),
         (16.0, -1.5, 4.0)]
#: Video length, s.
DURATION_S = 24.0
#: Length noise of the tracker, um (a tenth of a pixel of 0.2 um).
NOISE_UM = 0.02


def _length(t, t_stop):
    """Length (um) on the video clock: kinks at the steps, held from `t_stop` on."""
    t = np.minimum(np.asarray(t, float), t_stop)
    starts = [s for s, _, _ in STEPS] + [np.inf]
    out = np.zeros_like(t)
    for k, (s, _, r) in enumerate(STEPS):
        out += r * np.clip(t - s, 0.0, starts[k + 1] - s)
    return out


def _case(offset_s, t_stop, seed):
    """(edges on the trace clock, lengths table, search window) with t_trace = t_video + offset."""
    rng = np.random.default_rng(seed)
    t_trace = np.arange(0.0, offset_s + DURATION_S + 5.0, 0.1)
    t_vid = t_trace - offset_s
    u = np.zeros_like(t_trace)
    for s, v, _ in STEPS:
        u = np.where(t_vid >= s, v, u)
    trace = pd.DataFrame({"time_s": t_trace, "current_A": 1e-9 * u, "control_V": u,
                          "voltage_V": u})
    tv = np.arange(0.0, DURATION_S, SCAN_S)
    y = _length(tv, t_stop) + rng.normal(0.0, NOISE_UM, len(tv))
    lengths = pd.DataFrame({"whisker_id": 0, "content_time_s": tv, "length_um": y})
    lengths = lengths[tv >= 9.5]
    sig = trace_signals(trace)
    return sig.edges, lengths, (sig.t[0] - tv[0], sig.t[-1] - tv[-1])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("offset, t_stop", [(4.3, 18.3), (7.9, 19.6), (12.2, 21.1)])
def test_a_whisker_that_stops_growing_does_not_pull_an_edge_onto_its_stop(offset, t_stop, seed):
    edges, lengths, (lo, hi) = _case(offset, t_stop, seed)
    cue = step_cue(lengths, edges, lo, hi, SCAN_S)
    assert abs(cue.offset_s - offset) <= SCAN_S / 2, cue


def test_the_held_end_of_a_curve_is_left_out_and_a_growing_curve_kept_whole():
    rng = np.random.default_rng(5)
    t = np.arange(0.0, 10.0, SCAN_S)
    grows = 1.5 * t + rng.normal(0.0, NOISE_UM, len(t))
    assert _until_stopped(grows) == len(t)
    held = np.minimum(1.5 * t, 1.5 * 6.2) + rng.normal(0.0, NOISE_UM, len(t))
    # every scan from the first held one (6.5 s) on is left out, and no growing scan but
    # the last before the stop (6.0 s: 0.3 um below the held length, near the noise bound)
    assert int(6.2 / SCAN_S) <= _until_stopped(held) <= int(np.ceil(6.2 / SCAN_S))
    # held for fewer than HOLD_SCANS scans: no stop (the last scans of a slow step)
    short = np.minimum(1.5 * t, 1.5 * t[-HOLD_SCANS + 1]) + rng.normal(0.0, NOISE_UM, len(t))
    assert _until_stopped(short) == len(t)
