"""The sync cues' stated uncertainties of wave 11 are the documented sums (issue 16: no
planted bug survives).

Kills mutants of the lines of ``vision/pipeline/_sync_cues.py``, ``_sync.py`` and
``_sync_combine.py`` changed in wave 11 that the two-sigma tests of
``test_sync_sigma.py`` let through (a variance a little off still holds those errors).
The answers are the documented parts, added as independent variances:

- the short-circuit cue (:func:`short_circuit_cue`): the contact's place within the scan
  before the touch-down (uniform, ``dt_scan**2 / 12``), the touch-down scan right or a
  whole scan early or late (``TOUCHDOWN_VAR_SCANS2 dt_scan**2``, a discrete uniform over
  -1, 0, +1 scans: 2/3 scan^2), and the trace's part (``dt_trace**2 / 12`` or the ramp
  fit's standard error); its offset the difference of the two midpoints;
- a scan feature cue (:func:`_with_content_time`): its own sigma and ``dt_scan / sqrt 12``
  in quadrature;
- the combination adds no warning for a low confidence alone (the caller words it,
  :func:`low_confidence_warning`).
"""
import math

import pytest

from vision.pipeline._sync import SCAN_FEATURE_CUES, _with_content_time
from vision.pipeline._sync_combine import LOW_CONFIDENCE, combine_cues, low_confidence_warning
from vision.pipeline._sync_cues import TOUCHDOWN_SCANS, TOUCHDOWN_VAR_SCANS2, Cue, short_circuit_cue


def test_the_touch_down_scan_variance_is_a_discrete_uniform_over_three_scans():
    # the scan found is the right one or a whole scan either side, none likelier
    steps = (-TOUCHDOWN_SCANS, 0.0, TOUCHDOWN_SCANS)
    assert TOUCHDOWN_VAR_SCANS2 == pytest.approx(sum(s * s for s in steps) / 3.0)


@pytest.mark.parametrize("dt_scan,dt_trace", [(0.3, 0.1), (2.5, 0.04), (0.7, 1.3)])
def test_short_circuit_cue_offset_and_sigma_from_the_trace_jump(dt_scan, dt_trace):
    short, touch = 41.37, 30.2
    cue = short_circuit_cue(short, touch, dt_scan, dt_trace)
    assert cue.name == "short_circuit"
    assert cue.offset_s == pytest.approx((short - dt_trace / 2) - (touch - dt_scan / 2))
    var = dt_scan ** 2 / 12.0 + 2.0 / 3.0 * dt_scan ** 2 + dt_trace ** 2 / 12.0
    assert cue.sigma_s == pytest.approx(math.sqrt(var), rel=1e-12)


@pytest.mark.parametrize("dt_scan", [0.3, 2.5])
def test_short_circuit_cue_offset_and_sigma_from_the_current_ramp(dt_scan):
    onset = (41.31, 0.017)
    cue = short_circuit_cue(41.37, 30.2, dt_scan, 0.1, onset=onset)
    assert cue.offset_s == pytest.approx(onset[0] - (30.2 - dt_scan / 2))
    var = dt_scan ** 2 / 12.0 + 2.0 / 3.0 * dt_scan ** 2 + onset[1] ** 2
    assert cue.sigma_s == pytest.approx(math.sqrt(var), rel=1e-12)


def test_short_circuit_cue_needs_both_clocks():
    for short, touch in ((None, 3.0), (3.0, None)):
        cue = short_circuit_cue(short, touch, 0.3, 0.1)
        assert cue.offset_s is None and cue.sigma_s is None


@pytest.mark.parametrize("dt", [0.4, 3.0])
def test_scan_feature_cues_add_the_place_within_the_scan_in_quadrature(dt):
    assert set(SCAN_FEATURE_CUES) == {"charge", "steps", "contact_area"}
    for name in SCAN_FEATURE_CUES:
        cue = Cue(name, offset_s=-2.0, sigma_s=0.3, sharpness=0.8, detail="x")
        got = _with_content_time(cue, dt)
        assert got.sigma_s == pytest.approx(math.sqrt(0.3 ** 2 + dt ** 2 / 12.0), rel=1e-12)
        assert (got.offset_s, got.sharpness, got.detail) == (-2.0, 0.8, "x")
    # an estimate without a sigma is left alone
    cue = Cue("charge", offset_s=-2.0)
    assert _with_content_time(cue, dt) == cue


def test_a_low_confidence_with_nothing_specific_adds_no_warning_in_the_combination():
    # the combination reports what it found wrong; a low confidence alone is worded
    # by the caller after its own checks (low_confidence_warning)
    sure = Cue("charge", offset_s=5.0, sigma_s=0.01, sharpness=0.99, adequate=True)
    comb = combine_cues([sure], 0.5, window_s=30.0)
    assert comb.confidence >= LOW_CONFIDENCE and comb.warnings == []
    blunt = Cue("charge", offset_s=5.0, sigma_s=0.05, sharpness=0.2, adequate=True)
    comb = combine_cues([blunt], 0.5, window_s=30.0)
    assert comb.confidence < LOW_CONFIDENCE and comb.warnings == []
    text = low_confidence_warning(comb.offset_s, comb.confidence)
    assert f"{comb.confidence:.2f}" in text and f"{comb.offset_s:+.2f} s" in text
