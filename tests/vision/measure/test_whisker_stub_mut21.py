"""A wide stub that encloses a thin rod from its root (wave 21, issue 16: mutation).

``split_stub`` (waves 19-20) reads a straight rod's region as the rod plus a stub when the
region's edge lies beyond the rod's band. Waves 19 and 20 drew stubs *beside* a rod (the
excess on one side); no test reached the other case of the module, a stub wider than the
rod around it (the excess on *both* sides: its centre is then the middle of the region's
two edges), and every mutant of that branch, even one that raises, survived.

Drawn here as in ``test_whisker_stub_w19`` (pixel centres within either rod, edges ragged
by a pixel): a rod 6-7 px wide and 200 px long, and from the same root a stub 14-15 px
wide, 40-50 px long, 2.5-3 deg off. Truth: both rods found, the stub's length within the
finder's 3 px and its direction within 6 deg (``test_whisker_stub_w19``'s bounds).

Known miss (measured, not asserted: no xfail, these drawings are few and of one kind): of
288 such drawings (rod 6-7 px, stub 14-16 px, +-2.5-3 deg, 40-60 px, seeds 0-3) 12 are
split on both sides as drawn (the cases below) and 29 as a stub beside the rod; the others
are read as one rod, or as no whisker at all (every one with a 16 px stub on a 6 px rod):
a rod 200 px long lost with its stub. Reported to the whisker helpers.
"""
import math

import pytest
import test_whisker_stub_w19 as w19

from vision.measure import find_whiskers

ROD_LEN_PX = 200.0


@pytest.mark.parametrize(("rod_w", "stub_w", "turn_deg", "stub_len"), [
    (6.0, 14.0, 2.5, 40.0), (6.0, 14.0, 3.0, 50.0), (7.0, 15.0, -2.5, 40.0),
    (7.0, 15.0, -3.0, 40.0), (7.0, 15.0, 2.5, 50.0)])
def test_wide_stub_around_a_thin_rod_is_found(rod_w, stub_w, turn_deg, stub_len):
    rng, mask, disc = w19._scene(2)
    base_deg = float(rng.uniform(0, 360))
    rod_dir = base_deg + float(rng.uniform(-10, 10))
    w19._rod(mask, base_deg, rod_dir, rod_w, ROD_LEN_PX)
    w19._rod(mask, base_deg, rod_dir + turn_deg, stub_w, stub_len)
    li = w19._ragged(mask & ~disc, rng) | disc
    found, _ = find_whiskers(li, electrode_xy_px=(w19.EX, w19.EY), electrode_radius_px=w19.R)
    assert len(found) == 2, [(round(f.length_px, 1), round(f.width_px, 1)) for f in found]
    long, short = sorted(found, key=lambda f: -f.length_px)
    assert abs(long.length_px - ROD_LEN_PX) <= w19.TIP_TOL_PX
    assert w19._ang_diff(w19._angle(long.direction_xy), rod_dir) <= w19.DIR_TOL_DEG
    assert abs(short.length_px - stub_len) <= w19.TIP_TOL_PX
    assert w19._ang_diff(w19._angle(short.direction_xy), rod_dir + turn_deg) <= w19.DIR_TOL_DEG
    # the stub is the wider of the two (it encloses the rod)
    assert short.width_px > long.width_px
    assert math.isfinite(short.width_px)


#: The stub's base lies on the electrode's rim where it was drawn and its tip at its drawn
#: end: within the finder's 3 px along the axis, and the sideways offset its 6 deg of
#: direction allow at the tip (L sin 6 deg). Waves 19-20 checked only lengths and
#: directions, which a stub whose base is read at another point still has.
CASES = [(seed, *case) for seed in range(3)
         for case in [(11.2, 8.2, 9.0, 35.0), (11.2, 8.2, -9.0, 50.0), (9.0, 7.0, 14.0, 25.0)]
         if (seed, case[2], case[3]) not in w19.RAGGED_MISSES]   # not split: w19's xfail


@pytest.mark.parametrize(("seed", "rod_w", "stub_w", "turn_deg", "stub_len"), CASES)
def test_stub_base_and_tip_where_drawn(seed, rod_w, stub_w, turn_deg, stub_len):
    rng, mask, disc = w19._scene(seed)
    base_deg = float(rng.uniform(0, 360))
    rod_dir = base_deg + float(rng.uniform(-10, 10))
    w19._rod(mask, base_deg, rod_dir, rod_w, 150.0)
    (bx, by), u = w19._rod(mask, base_deg, rod_dir + turn_deg, stub_w, stub_len,
                           offset=2.6 * math.copysign(1, turn_deg))
    li = w19._ragged(mask & ~disc, rng) | disc
    found, _ = find_whiskers(li, electrode_xy_px=(w19.EX, w19.EY), electrode_radius_px=w19.R)
    assert len(found) == 2
    stub = min(found, key=lambda f: f.length_px)
    # the drawn base is on the rim; the found one where the stub's axis leaves the disc,
    # within the stub's half width of it
    sx, sy = stub.base_xy_px
    assert abs(math.hypot(sx - w19.EX, sy - w19.EY) - w19.R) <= w19.TIP_TOL_PX
    assert math.hypot(sx - bx, sy - by) <= w19.TIP_TOL_PX + stub_w / 2
    tx, ty = stub.tip_xy_px
    tol = w19.TIP_TOL_PX + stub_len * math.sin(math.radians(w19.DIR_TOL_DEG))
    assert math.hypot(tx - (bx + stub_len * u[0]), ty - (by + stub_len * u[1])) <= tol
