"""A trace sampled more coarsely than the video scans (issue 13: honest where it cannot be).

The step cue's knots are the control-step edges, placed midway between the trace samples
either side of each change: off by up to half a sampling interval, by the same amount
for every edge when the steps start on the sampling grid's phase. With a trace sampled
every 0.3 s and scans of 0.1 s that is up to 1.5 scans, which the fit's curvature does
not see (main: the step cue 1.1 scans off at +-0.29 scans). Its stated uncertainty must
hold it: the truth within two standard uncertainties (``AGREE_SIGMAS``), and an offset
more than a scan off is not trusted (confidence below 0.5, warned).
"""
import pytest
from test_sync_auto import _cue, make_lengths, make_run

from vision.pipeline._sync import EDGE_KNOT_CUES, _with_content_time, synchronise_auto
from vision.pipeline._sync_combine import LOW_CONFIDENCE
from vision.pipeline._sync_cues import AGREE_SIGMAS, Cue

SCAN_S = 0.1


@pytest.mark.parametrize("trace_s", [0.2, 0.3])
@pytest.mark.parametrize("offset", [6.03, 6.17])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_step_cue_on_a_coarse_trace_states_the_knots_place(trace_s, offset, seed):
    tv, _, trace = make_run(offset, seed=seed, scan_s=SCAN_S, trace_hz=1.0 / trace_s)
    zeros = tv[:, None] * 0.0            # no features: the step cue alone
    est = synchronise_auto(tv, zeros, trace, lengths=make_lengths(tv, seed=seed))
    steps = _cue(est, "steps")
    assert abs(steps.offset_s - offset) <= AGREE_SIGMAS * steps.sigma_s, steps
    err = est.result.offset_s - offset
    assert abs(err) <= AGREE_SIGMAS * est.sigma_s, (err, est.sigma_s)
    if abs(err) > SCAN_S:
        assert est.result.confidence < LOW_CONFIDENCE and est.warnings, est.result


def test_the_sampling_interval_is_added_to_the_step_cue_only():
    assert EDGE_KNOT_CUES == ("steps",)
    steps = _with_content_time(Cue("steps", offset_s=1.0, sigma_s=0.03), 0.1, 0.3)
    assert steps.sigma_s == pytest.approx((0.03 ** 2 + (0.1 ** 2 + 0.3 ** 2) / 12) ** 0.5)
    # the charge and contact-area cues match the trace's integrated samples: the scan's
    # part only
    for name in ("charge", "contact_area"):
        cue = _with_content_time(Cue(name, offset_s=1.0, sigma_s=0.03), 0.1, 0.3)
        assert cue.sigma_s == pytest.approx((0.03 ** 2 + 0.1 ** 2 / 12) ** 0.5)
