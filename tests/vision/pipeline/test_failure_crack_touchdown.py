"""A crack reaching the counter electrode is a short circuit, not evidence of lateral growth.

The tracker sets the video's touch-down when the lateral front *or* a persistent
lithium-filled crack reaches the counter electrode (vision.track._frontcrack). Both
are short circuits; only the front's is lateral lithium. The failure classifier is
told which one touched (``touchdown_by``).
"""
import numpy as np
import pytest

from vision.pipeline._failure import DEFAULT_THRESHOLDS, classify_failure, morphology_from_scans

TH = DEFAULT_THRESHOLDS
N = 30


def _lateral_rule(verdict):
    return next(e for e in verdict.evidence if e["rule"] == "lateral_growth")


def _short_rule(verdict):
    return next(e for e in verdict.evidence if e["rule"] == "short_circuit")


@pytest.mark.parametrize("crack_um", [0.0, 0.5 * TH.crack_min_length_um, 40.0])
def test_crack_touchdown_is_a_short_but_not_lateral_evidence(crack_um):
    # scalar rules: no lateral lithium; the touch-down came from a crack
    v = classify_failure(crack_length_um=crack_um, lateral_extent_um=0.0, touchdown_time_s=5.3,
                         touchdown_by="crack")
    assert v.short_circuit
    assert not _lateral_rule(v)["passed"]
    assert "touched" not in _lateral_rule(v)["text"]
    assert "a crack reached the counter electrode at 5.30 s" in _short_rule(v)["text"]
    assert v.mode == ("fracture" if crack_um >= TH.crack_min_length_um else "none")
    # the same touch-down by the front is lateral growth, with full confidence
    f = classify_failure(crack_length_um=crack_um, lateral_extent_um=0.0, touchdown_time_s=5.3)
    assert _lateral_rule(f)["passed"] and f.short_circuit
    assert f.mode == ("fracture" if crack_um >= TH.crack_min_length_um else "lateral_growth")


def test_crack_touchdown_with_morphology_is_fracture():
    # a crack from scan 8 on, touching at the end; a few thin side pieces (not a cluster)
    crack = np.zeros(N)
    crack[8:] = 30.0
    branches = np.where(np.arange(N) >= 8, 2.0, 0.0)
    m = morphology_from_scans(crack, branches, np.zeros(N))
    v = classify_failure(crack_length_um=30.0, lateral_extent_um=0.0, touchdown_time_s=9.9,
                         morphology=m, touchdown_by="crack")
    assert (v.mode, v.short_circuit) == ("fracture", True)
    assert not _lateral_rule(v)["passed"]


def test_touchdown_by_is_checked():
    with pytest.raises(ValueError, match="touchdown_by"):
        classify_failure(touchdown_time_s=1.0, touchdown_by="needle")


@pytest.mark.parametrize("front_touching", [False, True])
def test_growth_modes_take_the_touchdown_as_lateral_only_when_the_front_touched(front_touching):
    # the pipeline's growth modes from its per-scan table: a persistent crack touches the
    # counter electrode at 5.3 s; no lateral lithium beyond the rim (extent 0)
    import pandas as pd

    from vision.pipeline._analyze import _front_touched, _growth_modes, _VideoEvents

    t = np.arange(N) * 0.4
    new = pd.DataFrame({"content_time_s": t, "front_touching": np.arange(N) >= 20 if front_touching
                        else np.zeros(N, bool)})
    ev = _VideoEvents(new=new, extent_um=np.zeros(N), growth_onset_s=None, lateral_onset_s=None,
                      crack_initiation_s=2.0, touchdown_s=5.3)
    entries = {e["mode"]: e for e in _growth_modes(None, ev, 30.0, None, TH, 1.0,
                                                   front_touched=_front_touched(ev))}
    assert entries["crack"]["present"]
    assert entries["lateral"]["present"] is front_touching
