"""A root's old straight rod costs no corner search when no kink could pass (issue 14).

The tracker keeps the last straight reading of every whisker (``straight_rods``) and reads
each later straight rod from the same root against it with :func:`kink_from_prior`. The
corner search draws one model per corner position and turn (~40 turns a px of the old
axis): on the full-HD benchmark video repeated twice, the rod of the first pass's whisker
(470 px) was searched against every rod of the second pass at that root, 0.1-1.5 s a scan,
which made the second half of the run 4-6 times as slow a scan as the first half
(0.58 M drawn models, none returned). A kink must reach the old rod's length less its
width with a leg of at most three widths, and gain over the straight reading: both are
known before the search. Checked here by counting drawn models (no timing) and by the
result with and without the shortcut, on drawn regions (the truth is the drawing).
"""
import math

import cv2
import numpy as np
import pytest

from vision.measure import _whisker_kinkprior as kp
from vision.measure._whisker_obs import WhiskerObs

SHAPE = (260, 420)
BASE = (40.0, 130.0)


def _unit(deg):
    a = math.radians(deg)
    return np.array([math.cos(a), math.sin(a)])


def _region(length_px, width_px, deg=0.0, kink_at_px=None, kink_deg=0.0):
    """A rod drawn from BASE along ``deg`` (kinked by ``kink_deg`` at ``kink_at_px``):
    its mask and its straight reading (base to the far end, as the whisker finder's)."""
    b = np.asarray(BASE)
    u = _unit(deg)
    if kink_at_px is None:
        pts = [b, b + length_px * u]
    else:
        c = b + kink_at_px * u
        pts = [b, c, c + (length_px - kink_at_px) * _unit(deg + kink_deg)]
    m = np.zeros(SHAPE, np.uint8)
    cv2.polylines(m, [np.round(np.asarray(pts) * 16).astype(np.int32).reshape(-1, 1, 2)],
                  False, 1, int(round(width_px)), cv2.LINE_8, 4)
    m = m > 0
    ys, xs = np.nonzero(m)
    far = int(np.argmax(np.hypot(xs - b[0], ys - b[1])))
    tip = np.array([xs[far], ys[far]], float)
    d = (tip - b) / max(np.hypot(*(tip - b)), 1e-9)
    cand = WhiskerObs(-1, tuple(b), tuple(tip), float(np.hypot(*(tip - b))), float(width_px),
                      tuple(d))
    return m, cand


def _prior(length_px, width_px, deg=0.0):
    b = np.asarray(BASE)
    u = _unit(deg)
    return WhiskerObs(0, tuple(b), tuple(b + length_px * u), float(length_px), float(width_px),
                      tuple(u))


def _count_drawn(monkeypatch):
    calls = []
    drawn = kp._drawn

    def counted(*args):
        calls.append(1)
        return drawn(*args)

    monkeypatch.setattr(kp, "_drawn", counted)
    return calls


@pytest.mark.parametrize("old_px", [300.0, 600.0])
def test_old_long_rod_costs_no_corner_search(monkeypatch, old_px):
    # a 130 px rod 6 deg off the axis of a 300 / 600 px rod gone from the same root: pixels
    # outside the old rod, but no kink can reach the old length (130 + 2 + 3 x 12 px)
    calls = _count_drawn(monkeypatch)
    region, cand = _region(130.0 if old_px < 400 else 200.0, 12.0, deg=6.0)
    assert kp.kink_from_prior(region, cand, _prior(old_px, 12.0)) is None
    # the straight reading only (on main: one per corner and turn, 4213)
    assert len(calls) <= 1


def test_no_gain_possible_costs_no_corner_search(monkeypatch):
    # a straight 120 px rod 4 deg off a 60 px old rod's axis: its straight reading fits it
    # all but a few pixels, so no kink can gain 1.5 times the pixels outside the old rod
    calls = _count_drawn(monkeypatch)
    region, cand = _region(120.0, 10.0, deg=4.0)
    assert kp.kink_from_prior(region, cand, _prior(60.0, 10.0)) is None
    assert len(calls) <= 1


@pytest.mark.parametrize("length_px, deg, kink_at_px, kink_deg, old_px", [
    (50.0, 0.0, 35.0, 54.0, 40.0),     # a rod starting to kink: found (checked below)
    (52.0, 5.0, 35.0, 40.0, 38.0),
    (48.0, 0.0, 30.0, -45.0, 36.0),
    (50.0, 0.0, 35.0, 54.0, 90.0),     # old rod longer than any kink: none
    (130.0, 6.0, None, 0.0, 300.0),    # a root's old long rod: none
    (120.0, 4.0, None, 0.0, 60.0),     # straight, no gain possible: none
    (90.0, 2.0, None, 0.0, 60.0),
    (70.0, 0.0, 45.0, 20.0, 60.0),
])
def test_shortcut_returns_what_the_search_returns(monkeypatch, length_px, deg, kink_at_px,
                                                  kink_deg, old_px):
    region, cand = _region(length_px, 11.0, deg=deg, kink_at_px=kink_at_px, kink_deg=kink_deg)
    prior = _prior(old_px, 11.0)   # along 0 deg: the region turned by ``deg`` off it
    fast = kp.kink_from_prior(region, cand, prior)
    monkeypatch.setattr(kp, "_no_kink_can_pass", lambda *a: False)
    full = kp.kink_from_prior(region, cand, prior)
    assert fast == full
    if kink_at_px is not None and deg == 0 and old_px < kink_at_px + 10 and abs(kink_deg) >= 40:
        # the drawn kink is found: corner on the old axis within a width of the drawing's
        assert fast is not None and len(fast.path_xy_px) == 2
        corner = np.asarray(fast.path_xy_px[1]) - np.asarray(fast.base_xy_px)
        assert float(np.hypot(*corner)) == pytest.approx(kink_at_px, abs=11.0)
