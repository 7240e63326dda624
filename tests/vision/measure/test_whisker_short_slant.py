"""A short whisker grown at a slant is found and measured along its own axis.

A region shorter than STUB_ASPECT (2.5) of its widths is a stub, and a stub's axis was
taken radial. A rod 11 px wide and 20-28 px long that leaves the rim 20-35 deg off the
radius (the bank places bases up to ~30 deg off the growth direction; tuning seed 5010's
11.4 px wide whisker, at 17 deg plus its curve, was missed in every scan until it was 32 px
long) fails the box tests along the radius: it was rejected. Its long axis points out of
the electrode, not along the rim, so when it fails the tests along the radius it is now tried
along the line from its root to its outer half, then along its centreline
(:data:`vision.measure._whiskers.STUB_OUTWARD_COS`). Each case renders one whisker with
``vision.synthetic`` (detector noise on; drift, flicker and tears off). The whisker must be
found, its length within issue 11's per-whisker target (1.0 px) of the truth row's; and a
flat stub (wider than long, along the rim) keeps its radial axis.
"""
import numpy as np
import pytest

from vision import find_whiskers, refine_tip, segment_lithium
from vision.synthetic import Artefacts, Scene, Whisker, render_frames

#: Issue 11's length target (px, 90th percentile of the per-whisker RMS).
LENGTH_TOL_PX = 1.0
ELECTRODE = (90.0, 120.0, 50.0)
GROWTH_S = 4.0
#: Rod width (px): a whisker 20-28 px long is then 1.8-2.5 widths long, a stub by aspect.
WIDTH_PX = 11.0


def _scene(length_px, off_radial_deg, seed, width_px=WIDTH_PX):
    """A 320 x 240 scene whose one whisker grows to ``length_px``, ``off_radial_deg`` off the radius."""
    ex, ey, r = ELECTRODE
    growth = -10.0
    return Scene(name="slant", shape=(240, 320), pixel_size_um=0.1, fps=2.0, scan_period_s=0.5,
                 duration_s=GROWTH_S + 1.0, seed=seed, electrode_xy_px=(ex, ey), electrode_radius_px=r,
                 counter_electrode_x_px=300.0, steps=((0.5, -1.0),),
                 whiskers=(Whisker(angle_deg=growth, rates_px_s=(length_px / GROWTH_S,),
                                   width_px=width_px, base_angle_deg=growth - off_radial_deg),),
                 artefacts=Artefacts(drift_px_s=0.0, flicker=0.0, tear_fraction=0.0,
                                     scanline_sigma=0.0, data_bar=False))


def _detect(scene):
    ex, ey, r = ELECTRODE
    frames = list(render_frames(scene, whiskers=True))
    diff = frames[0][0].astype(np.float32) - frames[-1][0].astype(np.float32)
    li, _, _ = segment_lithium(diff, electrode_xy_px=(ex, ey), electrode_radius_px=r)
    found, _ = find_whiskers(li, electrode_xy_px=(ex, ey), electrode_radius_px=r)
    return diff, found, frames[-1][2][0]


#: (length px, degrees off the radius, seed). One rod passes the rod tests along the radius
#: (its box is filled enough) though it grew 30 deg off it: measured radially, as before,
#: 1.85 px short. A stub that passes radially is kept radial: trying a slanted stub's own
#: line first moved the lengths of stubs found radially by +0.2-0.5 px (tuning seeds 5007,
#: 7064, 6-7 px whiskers 4-13 deg off the radius).
CASES = [pytest.param(length, off, seed, marks=pytest.mark.xfail(
             strict=True, reason="passes the rod tests along the radius: 20.15 px for 22"))
         if (length, off, seed) == (22.0, 30.0, 1) else (length, off, seed)
         for length in (22.0, 27.0) for off in (20.0, 30.0) for seed in (0, 1, 2)]


@pytest.mark.parametrize(("length_px", "off_radial_deg", "seed"), CASES)
def test_short_slanted_whisker_found_and_measured(length_px, off_radial_deg, seed):
    diff, found, truth = _detect(_scene(length_px, off_radial_deg, seed))
    assert len(found) == 1, f"found {len(found)} whiskers"
    w = refine_tip(diff, found[0])
    assert w.length_px == pytest.approx(truth["length_px"], abs=LENGTH_TOL_PX), \
        f"length {w.length_px:.2f} px vs {truth['length_px']:.2f} px"


@pytest.mark.parametrize("seed", [0, 1])
def test_flat_stub_keeps_its_radial_axis(seed):
    # wider than long (a young whisker): its long axis lies along the rim, growth is radial
    _, found, truth = _detect(_scene(7.0, 0.0, seed, width_px=14.0))
    assert len(found) == 1
    ex, ey, _ = ELECTRODE
    radial = np.array([truth["base_x_px"] - ex, truth["base_y_px"] - ey])
    radial /= np.hypot(*radial)
    assert float(np.dot(found[0].direction_xy, radial)) == pytest.approx(1.0, abs=1e-3)
