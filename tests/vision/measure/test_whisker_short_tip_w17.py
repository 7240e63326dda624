"""The tip fit on short rods near the rim, and the base of a slanted rod, against truth (wave 17).

Last wave's measure-back moved the length RMS of tuning seed 7058 up (1.07 -> 1.21 px): its
earlier rows, 1-3 widths long, were ~+1.5 px long. The rows' tips are not the cause: against
the truth the tip lies within 0.3 px of the true tip along the axis on those rows, and the
*base* lies 1.2 px inside the true base (a rod 22 deg off the radius whose measured axis is
~4 deg off its own: it meets the electrode circle 3.7 px along the rim from the true base).

Each case renders one straight whisker with ``vision.synthetic`` (detector noise on; drift,
flicker and tears off) and compares with the truth row. Tolerance: issue 11's length target,
1.0 px (90th percentile over the noise seeds).
"""
import math

import numpy as np
import pytest

from vision import WhiskerObs
from vision.measure._whiskers import recentre_rod, refine_tip, refine_width
from vision.synthetic import Artefacts, Scene, Whisker, render_frames

#: Issue 11's length target (px, 90th percentile of the per-whisker RMS).
LENGTH_TOL_PX = 1.0
ELECTRODE = (90.0, 120.0, 50.0)
GROWTH_S = 4.0
SEEDS = range(4)


def _scene(length_px, width_px, seed, *, angle_deg=-10.0, off_radial_deg=0.0):
    """A 320 x 240 scene whose one whisker grows to ``length_px`` along ``angle_deg``."""
    ex, ey, r = ELECTRODE
    return Scene(name="short", shape=(240, 320), pixel_size_um=0.1, fps=2.0, scan_period_s=0.5,
                 duration_s=GROWTH_S + 1.0, seed=seed, electrode_xy_px=(ex, ey), electrode_radius_px=r,
                 counter_electrode_x_px=300.0, steps=((0.5, -1.0),),
                 whiskers=(Whisker(angle_deg=angle_deg, rates_px_s=(length_px / GROWTH_S,),
                                   width_px=width_px, base_angle_deg=angle_deg - off_radial_deg),),
                 artefacts=Artefacts(drift_px_s=0.0, flicker=0.0, tear_fraction=0.0,
                                     scanline_sigma=0.0, data_bar=False))


def _diff_and_truth(scene):
    frames = list(render_frames(scene, whiskers=True))
    diff = frames[0][0].astype(np.float32) - frames[-1][0].astype(np.float32)
    return diff, frames[-1][2][0]


#: The pixel-level tip of the mask lies up to a px or two beyond the edge (its bright rim
#: is segmented too): the fit starts there.
MASK_OVERSHOOT_PX = 1.0


@pytest.mark.parametrize("width_px", [5.0, 7.0, 10.0])
@pytest.mark.parametrize("widths_long", [1.5, 2.0, 3.0, 4.0])
def test_tip_fit_on_a_short_rod_near_the_rim_is_unbiased(width_px, widths_long):
    # the profile window (10 px either side of the tip) reaches past the base into the
    # electrode on these rods (no change there: lithium in both images); the fit still
    # finds the true end on the true axis
    errs = []
    for seed in SEEDS:
        diff, t = _diff_and_truth(_scene(widths_long * width_px, width_px, seed))
        base = (t["base_x_px"], t["base_y_px"])
        a = math.radians(t["angle_deg"])
        u = (math.cos(a), math.sin(a))
        start = t["length_px"] + MASK_OVERSHOOT_PX
        ob = WhiskerObs(0, base, (base[0] + start * u[0], base[1] + start * u[1]), start, width_px, u)
        errs.append(refine_tip(diff, ob).length_px - t["length_px"])
    assert float(np.percentile(np.abs(errs), 90)) <= LENGTH_TOL_PX, np.round(errs, 2)


def test_slanted_rod_base_on_the_rim_where_its_own_axis_meets_it():
    # found, tip and width refined as the tracker does, and the root read as the tracker
    # reads it (recentre_rod: the axis on the middle of the fitted sides, the base where it
    # meets the circle; the mask's axis alone gave +1.0-1.4 px, wave 17)
    from vision import find_whiskers, segment_lithium
    ex, ey, r = ELECTRODE
    errs = []
    for seed in SEEDS:
        diff, t = _diff_and_truth(_scene(44.0, 11.0, seed, off_radial_deg=30.0))
        li, _, _ = segment_lithium(diff, electrode_xy_px=(ex, ey), electrode_radius_px=r)
        found, _ = find_whiskers(li, electrode_xy_px=(ex, ey), electrode_radius_px=r)
        assert len(found) == 1
        w = recentre_rod(diff, refine_width(diff, refine_tip(diff, found[0])),
                         electrode_xy_px=(ex, ey), electrode_radius_px=r)
        errs.append(w.length_px - t["length_px"])
    assert float(np.percentile(np.abs(errs), 90)) <= LENGTH_TOL_PX, np.round(errs, 2)
