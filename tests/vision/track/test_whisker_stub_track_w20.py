"""A stub beside a rod, tracked as its own whisker (issue 11, wave 20).

Two whiskers from one root that never part (tuning seed 5034: an 8.2 px stub 9-13 deg off
an 11.2 px rod whose base lies 2.6-3.3 px away) are one piece of the lithium mask; the
finder reads the stub off the rod (``_whisker_stub``). The tracker must then measure the
stub as its own rod: its axis continued beyond its tip runs on inside the rod's lithium, so
:func:`follow_rod` must stop at the rod's body (it ran the stub through the rod: 5034's
stub read 101 px for 20.7 px, length RMS 76 px). That the stub is never re-read on the
rod's axis while its own track explains it is a known miss (strict xfail below).

Drawn here: the mask (pixel centres inside either rod, ragged by a pixel as a segmented edge
is) and a change image (both rods at one level, blurred by 1 px, Gaussian noise); lengths
are compared with the drawn ones.
"""
import math
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from rod_drawing import rod_px

from vision.measure import find_whiskers
from vision.measure._whisker_obs import WhiskerObs
from vision.measure._whiskers import follow_rod, refine_tip, refine_width
from vision.track._tracker import _measure_rod, _rods_in, _Tracker

EX, EY, R = 260.0, 260.0, 60.0
SHAPE = (500, 540)   # rows, cols: not square, so that axes cannot be swapped unnoticed
#: issue 11: whisker length RMS 90th percentile <= 1 px: each scan's length within it
LENGTH_TOL_PX = 1.0
#: the finder's stub direction is within 6 deg of the drawn one (test_whisker_stub_w19);
#: the tracker must not turn it further (onto the rod's axis: 9 deg)
DIR_TOL_DEG = 6.0


def _rod_px(base_deg, dir_deg, width, length, *, offset=0.0):
    """A rod from the rim at ``base_deg`` (moved ``offset`` px along the rim), pointing at
    ``dir_deg``: its pixels, base and unit direction."""
    return rod_px(SHAPE, (EX, EY), R, base_deg, dir_deg, width, length, offset_px=offset)


def _scene(seed, rod_w, stub_w, turn_deg, stub_len, rod_len=150.0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SHAPE[0], 0:SHAPE[1]]
    disc = np.hypot(xx - EX, yy - EY) <= R
    base_deg = float(rng.uniform(0, 360))
    rod_dir = base_deg + float(rng.uniform(-10, 10))
    rod, _, _ = _rod_px(base_deg, rod_dir, rod_w, rod_len)
    stub, _, _ = _rod_px(base_deg, rod_dir + turn_deg, stub_w, stub_len,
                         offset=2.6 * math.copysign(1, turn_deg))
    li_true = (rod | stub) & ~disc
    m = li_true.astype(np.uint8)
    edge = (cv2.dilate(m, np.ones((3, 3), np.uint8)) > 0) & ~(cv2.erode(m, np.ones((3, 3), np.uint8)) > 0)
    li = (li_true ^ (edge & (rng.random(SHAPE) < 0.05))) | disc
    diff = cv2.GaussianBlur(30.0 * li_true.astype(np.float32), (0, 0), 1.0)
    diff = diff + rng.normal(0.0, 4.0, SHAPE).astype(np.float32)
    return li, diff, rod_dir, rod_dir + turn_deg


def _angle(u):
    return math.degrees(math.atan2(u[1], u[0]))


def _ang_diff(a, b):
    return abs((a - b + 180.0) % 360.0 - 180.0)


@pytest.mark.parametrize(("seed", "turn_deg", "stub_len"), [
    # 7 deg: the finder's stub axis (through the rod's centre at the root) runs 3.5 deg
    # off the rod's; followed through the rod it read 73-89 px (main's measuring)
    (1, 7.0, 25.0), (2, 7.0, 25.0), (3, 7.0, 25.0), (4, 7.0, 25.0),
    (2, -6.0, 30.0), (4, -6.0, 30.0), (2, 9.0, 35.0), (3, 9.0, 35.0),
    (2, -9.0, 50.0), (3, -9.0, 50.0), (2, -12.0, 30.0), (3, -12.0, 30.0)])
def test_stub_beside_rod_is_measured_as_its_own_rod(seed, turn_deg, stub_len):
    li, diff, rod_dir, stub_dir = _scene(seed, 11.2, 8.2, turn_deg, stub_len)
    cands, wmask = find_whiskers(li, electrode_xy_px=(EX, EY), electrode_radius_px=R)
    assert len(cands) == 2, [(c.length_px, c.width_px) for c in cands]
    measured = [_measure_rod(diff, li, wmask, cands, i) for i in range(len(cands))]
    stub = min(measured, key=lambda c: c.length_px)
    rod = max(measured, key=lambda c: c.length_px)
    assert _ang_diff(_angle(stub.direction_xy), stub_dir) <= DIR_TOL_DEG
    # the stub ends where it ends, not on through the rod
    assert stub.length_px == pytest.approx(stub_len, abs=LENGTH_TOL_PX)
    # the rod is measured as before: the stub's body lies beside its root, not on its axis
    # beyond its tip (its length is the tip estimator's, 0.0-1.0 px off in these drawings)
    k = max(range(2), key=lambda i: cands[i].length_px)
    alone = refine_width(diff, refine_tip(diff, follow_rod(
        diff, cands[k], other_li=li & ~_rods_in(wmask, [cands[k]]))))
    assert rod == alone


def _obs(wid, base, dir_deg, length, width):
    u = (math.cos(math.radians(dir_deg)), math.sin(math.radians(dir_deg)))
    tip = (base[0] + length * u[0], base[1] + length * u[1])
    return WhiskerObs(wid, base, tip, float(length), float(width), u)


@pytest.mark.xfail(strict=True, reason=(
    "wave 20: the known rod a candidate continues is the one with the nearest base; the "
    "stub's candidate is re-aimed 9 deg onto the rod when the rod's own candidate is missing "
    "that scan. Choosing by axis (branch whisker20-wip) changed the reread of spurious rods "
    "in tuning seed 7016 (spurious 3 -> 2, sync error 0.147 -> 0.191 s), not merged"))
def test_stub_is_read_on_its_own_track_not_on_the_rod_beside_it():
    # 5034 as tracked: the rod (id 1) and the stub (id 4) from one root, bases 0.3 px
    # apart; this scan's stub candidate starts nearer the rod's base, its tip 4.7 px off
    # the rod's axis (inside the rod's half width), and the rod's own candidate is not read
    # this scan (lost at the field's edge, say): re-read on the rod's axis it would turn
    # 9 deg onto the rod (and follow_rod would then run it through the rod)
    rod_prior = _obs(1, (128.8, 111.2), -139.0, 150.0, 11.2)
    stub_prior = _obs(4, (128.6, 111.5), -130.0, 25.0, 8.2)
    cand = _obs(-1, (128.75, 111.25), -130.0, 30.0, 8.2)
    tracker = SimpleNamespace(straight_rods={1: rod_prior, 4: stub_prior})
    prior = _Tracker._prior_rod(tracker, 0, cand, [cand])
    assert prior is stub_prior
    tracker._prior_rod = lambda i, c, cs: _Tracker._prior_rod(tracker, i, c, cs)
    tracker._reread_on_priors = lambda cs, f: _Tracker._reread_on_priors(tracker, cs, f)
    (out,) = _Tracker._reaimed_on_priors(tracker, [cand])
    assert _ang_diff(_angle(out.direction_xy), -130.0) <= DIR_TOL_DEG
    assert out.length_px == pytest.approx(30.0, abs=LENGTH_TOL_PX)


def test_single_known_rod_still_chosen_by_its_base():
    # one known rod near the candidate's base: chosen as before (a short piece of it is
    # re-aimed on its axis, wave 16)
    rod_prior = _obs(1, (128.8, 111.2), -139.0, 60.0, 7.0)
    cand = _obs(-1, (128.8, 111.2), -135.0, 23.0, 3.7)
    tracker = SimpleNamespace(straight_rods={1: rod_prior})
    assert _Tracker._prior_rod(tracker, 0, cand, [cand]) is rod_prior
