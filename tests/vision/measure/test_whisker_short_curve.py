"""A curved whisker shorter than four widths is found and measured.

A rod shorter than CURVE_MIN_WIDTHS (4) widths is judged straight (on a shorter medial path
a noisy mask's ragged sides bend it as much as a curve does), and one shorter than
STUB_ASPECT (2.5) widths, its mask's rims included, is a stub measured along the radius.
A curved one fails the rod tests there and was lost (tuning seed 5010: an 11.4 px wide
whisker curving 1.36 deg/px was missed until it was 32 px long). It is now tried along the
line from its root's middle to the middle of its outer half
(:func:`vision.measure._whiskers._root_to_tip_axis`), then along its centreline. Each case
renders one whisker with ``vision.synthetic`` (detector noise on; drift, flicker and tears
off); it must be found, its length within issue 11's per-whisker target (1.0 px) of the
truth row's.
"""
import numpy as np
import pytest

from vision import find_whiskers, refine_tip, segment_lithium
from vision.synthetic import Artefacts, Extras, Scene, Whisker, WhiskerShape, render_frames

#: Issue 11's length target (px, 90th percentile of the per-whisker RMS).
LENGTH_TOL_PX = 1.0
ELECTRODE = (90.0, 120.0, 50.0)
GROWTH_S = 4.0
#: Rod width (px): 35-42 px is 3.2-3.8 widths, short of CURVE_MIN_WIDTHS.
WIDTH_PX = 11.0


def _scene(length_px, turn_deg, off_radial_deg, seed):
    """A 320 x 240 scene whose one whisker, turning ``turn_deg`` over ``length_px``, grows
    ``off_radial_deg`` off the radius."""
    ex, ey, r = ELECTRODE
    growth = -10.0
    return Scene(name="short curve", shape=(240, 320), pixel_size_um=0.1, fps=2.0,
                 scan_period_s=0.5, duration_s=GROWTH_S + 1.0, seed=seed, electrode_xy_px=(ex, ey),
                 electrode_radius_px=r, counter_electrode_x_px=300.0, steps=((0.5, -1.0),),
                 whiskers=(Whisker(angle_deg=growth, rates_px_s=(length_px / GROWTH_S,),
                                   width_px=WIDTH_PX, base_angle_deg=growth - off_radial_deg),),
                 artefacts=Artefacts(drift_px_s=0.0, flicker=0.0, tear_fraction=0.0,
                                     scanline_sigma=0.0, data_bar=False),
                 extras=Extras(whisker_shapes=(WhiskerShape(curvature_deg_per_px=turn_deg / length_px),)))


def _length_error(length_px, turn_deg, off_radial_deg, seed):
    ex, ey, r = ELECTRODE
    frames = list(render_frames(_scene(length_px, turn_deg, off_radial_deg, seed), whiskers=True))
    diff = frames[0][0].astype(np.float32) - frames[-1][0].astype(np.float32)
    li, _, _ = segment_lithium(diff, electrode_xy_px=(ex, ey), electrode_radius_px=r)
    found, _ = find_whiskers(li, electrode_xy_px=(ex, ey), electrode_radius_px=r)
    assert len(found) == 1, f"found {len(found)} whiskers"
    truth = frames[-1][2][0]
    return refine_tip(diff, found[0]).length_px - truth["length_px"]


@pytest.mark.parametrize("length_px", [35.0, 42.0])
@pytest.mark.parametrize("turn_deg", [40.0, 55.0, -55.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_short_curved_whisker_from_the_radius(length_px, turn_deg, seed):
    err = _length_error(length_px, turn_deg, 0.0, seed)
    assert abs(err) <= LENGTH_TOL_PX, f"length off by {err:+.2f} px"


@pytest.mark.xfail(strict=True, reason="starts 15 deg off the radius and curves 55 deg back "
                   "across it: it passes the rod tests along the radius and is measured there, "
                   "-1.75 to -2.5 px (main: the same); along its root-to-outer-half line it was "
                   "within 0.7 px, but taking that line first for every slanted stub moved the "
                   "lengths of stubs found radially (tuning seeds 5007, 7064: +0.2-0.5 px)")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_short_curved_whisker_leaving_at_a_slant(seed):
    err = _length_error(35.0, -55.0, 15.0, seed)
    assert abs(err) <= LENGTH_TOL_PX, f"length off by {err:+.2f} px"


@pytest.mark.xfail(strict=True, reason="a 42 px rod starting 15 deg off the radius and curving "
                   "40 deg further away: measured along one straight axis through its wide oblique "
                   "root, +3.4 px (main: the same)")
def test_short_curved_whisker_curving_further_off_the_radius():
    err = _length_error(42.0, 40.0, 15.0, 1)
    assert abs(err) <= LENGTH_TOL_PX, f"length off by {err:+.2f} px"
