"""The needle seen over the best disc's inner part keeps it against the edge search.

The search for discs cut by the image edge (:func:`_edge_rim_circles`) is for an electrode
whose needle is hidden beyond the edge. A needle whose tip lies within NEEDLE_OVER_DISC_FRAC
of the best disc's radius of its centre rests on that disc (random seed 8124, rendered, in
``test_electrode_random``); a tip near the rim (a misread needle reaching a grain's boundary,
tuning 7011 and 5054 at 0.94 r and 0.8 r) leaves the edge search as it was. The rule is
checked here on its geometry alone: the masks' candidates and the edge search are given,
on a flat frame (no rim is an edge there, so the edge search would run).
"""
import math

import numpy as np
import pytest

from vision.measure import _electrode as E

H, W = 300, 420
DISC = (200.0, 150.0, 80.0)          # x, y, r px: the best disc of the masks
ARC = (60.0, 0.0, 12.0)              # a closed arc at the top edge, another disc


def _candidates(monkeypatch, tip_frac, angle_deg):
    x, y, r = DISC
    a = math.radians(angle_deg)
    tip = (x + tip_frac * r * math.cos(a), y + tip_frac * r * math.sin(a))
    disc = (0.5 * r, x, y, r, r, "dark")
    monkeypatch.setattr(E, "_raw_candidates", lambda img, lo, hi: ([disc], (5.0, *tip), []))
    monkeypatch.setattr(E, "_edge_rim_circles",
                        lambda img, lo, hi, sm: [(ARC[2], *ARC, ARC[2], "dark")])
    out = E._disc_candidates(np.full((H, W), 128.0, np.float32), 4.0, None)
    return max(out, key=lambda c: c[0])[1:4]


@pytest.mark.parametrize("angle_deg", [0.0, 100.0, 225.0])
@pytest.mark.parametrize("tip_frac", [0.0, 0.25, 0.45])
def test_a_tip_over_the_disc_keeps_it(monkeypatch, tip_frac, angle_deg):
    assert _candidates(monkeypatch, tip_frac, angle_deg) == DISC


@pytest.mark.parametrize("angle_deg", [0.0, 100.0, 225.0])
@pytest.mark.parametrize("tip_frac", [0.55, 0.8, 0.94, 1.5])
def test_a_tip_near_the_rim_or_beyond_leaves_the_edge_search(monkeypatch, tip_frac, angle_deg):
    assert _candidates(monkeypatch, tip_frac, angle_deg) == ARC


def test_without_a_needle_the_edge_search_runs(monkeypatch):
    x, y, r = DISC
    monkeypatch.setattr(E, "_raw_candidates", lambda img, lo, hi: ([(0.5 * r, x, y, r, r, "dark")], None, []))
    monkeypatch.setattr(E, "_edge_rim_circles",
                        lambda img, lo, hi, sm: [(ARC[2], *ARC, ARC[2], "dark")])
    out = E._disc_candidates(np.full((H, W), 128.0, np.float32), 4.0, None)
    assert max(out, key=lambda c: c[0])[1:4] == ARC
