"""Without a trace the failure evidence says so, not that the trace showed nothing (issue 15.4).

"trace: no short circuit" read on a video analysed alone claims a measurement that was
never made; the evidence says "no trace fused" instead.
"""
import pytest

from vision.pipeline import classify_failure


def _texts(verdict):
    return {e["rule"]: e["text"] for e in verdict.evidence}


@pytest.mark.parametrize("touchdown", [None, 12.5])
def test_without_a_trace_the_evidence_says_no_trace(touchdown):
    alone = _texts(classify_failure(touchdown_time_s=touchdown, has_trace=False))
    assert alone["contact_loss"] == "no trace fused: depletion not known"
    assert alone["short_circuit"].startswith("no trace fused")
    assert "trace: no short circuit" not in alone["short_circuit"]
    assert ("touch-down at the counter electrode at 12.50 s" in alone["short_circuit"]) \
        == (touchdown is not None)


def test_with_a_trace_that_shows_nothing_the_evidence_says_so():
    fused = _texts(classify_failure())
    assert fused["contact_loss"] == "no depletion time in the trace"
    assert fused["short_circuit"].startswith("trace: no short circuit")


def test_what_a_trace_showed_is_said_with_its_time_either_way():
    for has_trace in (True, False):
        seen = _texts(classify_failure(trace_short_circuit_time_s=7.25,
                                       contact_loss_time_s=3.5, has_trace=has_trace))
        assert seen["short_circuit"].startswith("trace: current jump / voltage collapse at 7.25 s")
        assert seen["contact_loss"] == "depletion (diverging overpotential) at 3.50 s"


def test_the_verdict_does_not_depend_on_the_words():
    for kw in ({}, {"touchdown_time_s": 4.0}, {"crack_length_um": 30.0, "touchdown_time_s": 4.0}):
        a, b = classify_failure(**kw), classify_failure(**kw, has_trace=False)
        assert (a.mode, a.short_circuit, a.confidence) == (b.mode, b.short_circuit, b.confidence)
