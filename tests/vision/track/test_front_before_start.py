"""Issue 15, "no false lithium": before the lateral front starts, lithium behind the electrode is none.

Whole scan sequences with known truth (the DLA-like trees of ``test_front_unbranched``
growing toward the counter electrode on the right), measured scan by scan with
:func:`measure_front` as the tracker does and post-processed as the tracker does
(:meth:`WhiskerFrontLog.resolve`, then :func:`blank_transient_front`):

- a small piece of lithium on the rim behind the electrode (the electrode's edge
  changing, a speck at the rim: tuning seeds 5037 and 7002, 9-11 px beyond the rim
  in the scans before their front) is measured as a front in every scan before the
  tree starts, held for more than 3 scans (the persistence rule keeps it) in a video
  that has a true front (the toward-the-counter-electrode rule keeps it): those scans
  report no front, and every scan of the tree is kept within issue 11's 4 px front RMS;
- the tree's own first scans, whose pieces are still within the rim zone but on the
  counter electrode's side, are kept;
- a video with only that piece (a stripping or control scene) reports no front in any
  scan.
"""
import math

import numpy as np
import pandas as pd
import pytest
from test_front_toward_counter import _measure, _resolved
from test_front_unbranched import FRONT_RMS_PX, LAT_CENTRE, LAT_RADIUS, PX_UM, _lateral_scene
from test_frontcrack_units import SHAPE, _disc_mask, _draw_lines

from vision.track._frontcrack import CRACK_CONFIRM_SCANS, blank_transient_front

SEEDS = [5, 6, 7, 8]
#: Scans before the tree starts: more than CRACK_CONFIRM_SCANS, so persistence is not what decides.
N_BEFORE = CRACK_CONFIRM_SCANS + 2
#: Directions of the piece behind the electrode, degrees from +x (the counter electrode's
#: direction): behind it, above and below (within the region: a piece at its border is
#: the border rule's, :meth:`WhiskerFrontLog.border_pieces`).
BEHIND_DEG = [130.0, 155.0, -130.0]


def _piece_behind(angle_deg, beyond_px=11.0, width_px=7.0):
    """A short lump of lithium from 2 px inside the rim to ``beyond_px`` beyond it."""
    cx, cy = LAT_CENTRE
    h = math.radians(angle_deg)
    r0, r1 = LAT_RADIUS - 2.0, LAT_RADIUS + beyond_px
    seg = (cx + r0 * math.cos(h), cy + r0 * math.sin(h), cx + r1 * math.cos(h), cy + r1 * math.sin(h),
           width_px)
    return _draw_lines(SHAPE, [seg]) > 0.5


@pytest.mark.parametrize("angle", BEHIND_DEG)
@pytest.mark.parametrize("seed", SEEDS)
def test_piece_behind_the_electrode_before_the_front_is_none(seed, angle):
    masks, truth = _lateral_scene(seed)
    disc = _disc_mask(SHAPE, LAT_CENTRE, LAT_RADIUS)
    blob = _piece_behind(angle)
    scans = [disc | blob] * N_BEFORE + [li | blob for li in masks]
    frames, out = _resolved(_measure(scans, "right"))
    before = frames[~frames["is_duplicate"]]["front_distance_um"].to_numpy(float)[:N_BEFORE]
    # the cause is present: the piece is measured as a front in every scan before the tree,
    # and the persistence rules alone keep it
    assert np.isfinite(before).all()
    assert np.isfinite(blank_transient_front(frames).loc[~frames["is_duplicate"], "front_distance_um"]
                       .to_numpy(float)[:N_BEFORE]).all()
    got = out.loc[~out["is_duplicate"], "front_distance_um"].to_numpy(float) / PX_UM
    assert not np.isfinite(got[:N_BEFORE]).any()
    assert (out.loc[out["frame"] < 2 * N_BEFORE, "n_branches"] == 0).all()
    # every scan of the tree keeps its front, within the requirement
    assert np.isfinite(got[N_BEFORE:]).all()
    assert math.sqrt(np.mean((got[N_BEFORE:] - truth) ** 2)) <= FRONT_RMS_PX
    # the lithium is still there (the charge-volume sync counts it)
    pd.testing.assert_series_equal(out["li_area_um2"], frames["li_area_um2"])


def test_young_front_within_the_rim_zone_is_kept():
    # the tree's first scan reaches beyond the rim but, along the counter electrode's
    # direction, not beyond the rim zone (the toward-the-counter rule's run starts
    # later): it is on the counter electrode's side, so it is kept
    within = 0
    for seed in SEEDS:
        masks, truth = _lateral_scene(seed)
        fronts = _measure(masks, "right")
        within += fronts[0].projected_px <= fronts[0].rim_zone_px
        _, out = _resolved(fronts)
        got = out.loc[~out["is_duplicate"], "front_distance_um"].to_numpy(float) / PX_UM
        assert np.isfinite(got).all()
        assert math.sqrt(np.mean((got - truth) ** 2)) <= FRONT_RMS_PX
    assert within >= 2, "the cause is present: young first scans within the rim zone"


@pytest.mark.parametrize("angle", BEHIND_DEG)
def test_piece_behind_the_electrode_alone_is_no_front(angle):
    # a stripping or control scene: the rim's piece in every scan, no tree
    disc = _disc_mask(SHAPE, LAT_CENTRE, LAT_RADIUS)
    frames, out = _resolved(_measure([disc | _piece_behind(angle)] * 12, "right"))
    assert np.isfinite(frames["front_distance_um"]).all(), "the cause is present"
    assert not np.isfinite(out["front_distance_um"]).any()
    assert (out["n_branches"] == 0).all() and not out["front_touching"].any()
