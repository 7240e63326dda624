"""The discs at the needle's tip that are the electrode, as the needle's rule takes them (issue 11).

:func:`_electrode_at_tip` decides which needle-like region is the needle (wave 17b: the one
whose tip rests on the electrode); it must take exactly the discs and rim rings that
:func:`_needle_preference` then ranks first: at the tip (centre within the radius plus
max(NEEDLE_TIP_TOL_PX, NEEDLE_TIP_TOL_FRAC x radius) of the tip), with a size-free rim
score of at least NEEDLE_MIN_RIM_SCORE and at least that of the best-*scored* disc (not the
best by position or radius). Candidates of known geometry (score, xc px, yc px, r px, ...):
the rim score is score / (r - CONTOUR_HALF_PX), so each is built from the rim score it must
have. Equality counts as "at least" (the docstring's rule, as _needle_preference has it).
"""
import numpy as np
import pytest

from vision.measure._electrode import (
    CONTOUR_HALF_PX,
    NEEDLE_MIN_RIM_SCORE,
    NEEDLE_TIP_TOL_FRAC,
    NEEDLE_TIP_TOL_PX,
    _electrode_at_tip,
    _needle_preference,
)

TIP = (500.0, 300.0)
NEEDLE = (3.0, *TIP)


def _cand(xc, yc, r, rim, pol="dark"):
    """A candidate of rim score ``rim`` (exact: r - CONTOUR_HALF_PX is a binary fraction)."""
    return (rim * (r - CONTOUR_HALF_PX), xc, yc, r, pol)


def _reach(r):
    return r + max(NEEDLE_TIP_TOL_PX, NEEDLE_TIP_TOL_FRAC * r)


def test_a_disc_at_the_tip_less_closed_than_the_best_scored_disc_is_not_the_electrode():
    # the large disc far from the tip has the highest score (and the smallest x); the small
    # one at the tip is closed (0.8 >= NEEDLE_MIN_RIM_SCORE) but less than the large one
    far = _cand(100.0, 100.0, 100.0, 0.9375)
    tip = _cand(TIP[0], TIP[1] + 20.0, 20.0, 0.8125)
    assert tip[1] > far[1] and tip[3] < far[3] and far[0] > tip[0]
    assert _electrode_at_tip([far, tip], NEEDLE) == []
    assert _electrode_at_tip([tip, far], NEEDLE) == []


def test_a_disc_at_the_tip_as_closed_as_the_best_scored_disc_is_the_electrode():
    far = _cand(100.0, 100.0, 100.0, 0.75)
    tip = _cand(TIP[0], TIP[1] + 20.0, 20.0, 0.8125)
    assert _electrode_at_tip([far, tip], NEEDLE) == [tip]
    # equal rim scores: "at least" that of the best disc
    same = _cand(TIP[0] - 10.0, TIP[1], 40.0, 0.75)
    assert _electrode_at_tip([far, same], NEEDLE) == [same]


def test_the_floor_is_the_best_scored_disc_not_the_one_of_largest_radius_or_position():
    # the best-scored disc is neither the largest nor the first nor the last by x or y: a
    # floor taken from another one (0.75) would let the tip disc (0.8125) through
    best = _cand(300.0, 200.0, 60.0, 0.9375)
    wide = _cand(50.0, 500.0, 80.0, 0.5)      # larger radius, lower score
    right = _cand(760.0, 50.0, 10.0, 0.75)    # largest x, smallest y
    tip = _cand(TIP[0], TIP[1] + 10.0, 20.0, 0.8125)
    assert best[0] == max(c[0] for c in (best, wide, right, tip))
    for order in ([best, wide, right, tip], [tip, right, wide, best], [wide, tip, best, right]):
        assert _electrode_at_tip(order, NEEDLE) == []


def test_below_the_closed_floor_nothing_is_the_electrode_even_when_alone():
    lone = _cand(TIP[0], TIP[1], 30.0, 0.5 * NEEDLE_MIN_RIM_SCORE)
    assert _electrode_at_tip([lone], NEEDLE) == []
    ring = _cand(TIP[0], TIP[1], 30.0, 0.5 * NEEDLE_MIN_RIM_SCORE)
    assert _electrode_at_tip([], NEEDLE, [ring]) == []
    closed = _cand(TIP[0], TIP[1], 30.0, NEEDLE_MIN_RIM_SCORE)
    assert _electrode_at_tip([closed], NEEDLE) == [closed]
    assert _electrode_at_tip([], NEEDLE, [closed]) == [closed]


def test_a_disc_beyond_the_tips_reach_is_not_the_electrode():
    r = 20.0
    inside = _cand(TIP[0] + _reach(r) - 0.5, TIP[1], r, 0.9375)
    outside = _cand(TIP[0] + _reach(r) + 0.5, TIP[1], r, 0.9375)
    assert _electrode_at_tip([inside], NEEDLE) == [inside]
    assert _electrode_at_tip([outside], NEEDLE) == []
    # along y as well (the tip's y is used, not its x twice)
    below = _cand(TIP[0], TIP[1] + _reach(r) + 0.5, r, 0.9375)
    assert _electrode_at_tip([below], NEEDLE) == []


def test_rings_count_against_the_floor_of_the_discs_only():
    # a ring's score does not raise the floor (rings are all at the tip); a ring below the
    # best disc's rim score is not taken, one at or above it is, after the discs
    far = _cand(100.0, 100.0, 100.0, 0.875)
    tip = _cand(TIP[0], TIP[1], 20.0, 0.9375)
    weak = _cand(TIP[0], TIP[1], 25.0, 0.8125)
    strong = _cand(TIP[0] + 3.0, TIP[1], 300.0, 0.96875)   # far higher score than any disc
    assert _electrode_at_tip([far, tip], NEEDLE, [weak, strong]) == [tip, strong]


@pytest.mark.parametrize("seed", range(6))
def test_the_discs_taken_are_those_the_needle_rule_ranks_first(seed):
    # random candidates around the tip: _electrode_at_tip takes exactly those
    # _needle_preference raises above all others (its decision and the ranking agree)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 8))
    cands = []
    for _ in range(n):
        r = float(rng.uniform(8.0, 120.0))
        ang = rng.uniform(0, 2 * np.pi)
        d = rng.uniform(0.0, 2.0 * _reach(r))
        cands.append(_cand(TIP[0] + d * np.cos(ang), TIP[1] + d * np.sin(ang), r,
                           float(rng.uniform(0.4, 1.0))))
    rings = [_cand(TIP[0] + rng.uniform(-5, 5), TIP[1] + rng.uniform(-5, 5),
                   float(rng.uniform(8.0, 60.0)), float(rng.uniform(0.4, 1.0)))
             for _ in range(int(rng.integers(0, 3)))]
    ranked = _needle_preference(cands, NEEDLE, rings)
    raised = [c for c, out in zip(cands, ranked) if out[0] > c[0]]
    raised += [c for c, out in zip(rings, ranked[len(cands):])]
    assert _electrode_at_tip(cands, NEEDLE, rings) == raised
