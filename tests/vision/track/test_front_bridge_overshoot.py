"""Issue 11 (wave 21): a one-scan overshoot of the front reach must not raise the scans after it.

Seed 7038 (tuning): the front was measured 56 px beyond the truth in one scan (a line
joined to a tip), and the dropout bridge then raised the correct scans after it to that
reach until the front grew past it (front RMS 21 px). The drawn sequences below have a
known true reach; the measured one is the truth plus the tip scatter, with one overshoot
or one missed branch.

Known failure on this branch (strict xfail): the bridge takes the furthest earlier reach as
a pier, so the overshoot raises the scans after it (7038 front RMS 20.97 px, c20a). The fix
tried (branch ``front21-wip``: the longest non-falling run of scans is taken as right)
passes these tests and brings 7038 to 15.61 px, but lowers a true reach outvoted by scans
that missed a branch (7020 11.25 -> 14.36 px) and moves the lateral preset's auto sync
(0.328 s > 0.25 s), so it is not merged.
"""
import numpy as np
import pandas as pd
import pytest

from vision.track._frontcrack import bridge_front_dropouts

#: Two scans of the same front differ by up to this much (px) without it having moved:
#: each tip centre is placed to about a pixel, one pixel either way.
REACH_SCATTER_PX = 2.0
OVERSHOOT_RAISES = pytest.mark.xfail(
    strict=True, raises=AssertionError, reason="issue 11: a one-scan overshoot is a pier of bridge_front_dropouts "
    "and raises the scans after it (7038: front RMS 20.97 px); fix on front21-wip fails 7020")

PX_UM = 0.1                    # µm per px of the drawn table
GROWTH_PX = 10.0               # true growth of the front per scan, px
N_SCANS = 12


def _truth_px():
    return 100.0 + GROWTH_PX * np.arange(N_SCANS)


def _table(reach_px, *, attrs=True):
    """One row per scan, reaches in µm; with ``attrs`` the table knows its scale."""
    um = np.asarray(reach_px, float) * PX_UM
    t = pd.DataFrame({"frame": np.arange(len(um)), "is_duplicate": False, "skipped": False,
                      "front_distance_um": um, "front_projected_um": um})
    if attrs:
        t.attrs["pixel_size_um"] = PX_UM
    return t


def _scatter():
    # the tip's position scatters by under a pixel either way
    return 0.8 * np.where(np.arange(N_SCANS) % 2 == 0, 1.0, -1.0)


@OVERSHOOT_RAISES
def test_one_scan_overshoot_does_not_raise_the_scans_after_it():
    truth = _truth_px()
    meas = truth + _scatter()
    meas[4] = truth[4] + 45.0            # a noise line joined to the tip in one scan
    out = bridge_front_dropouts(_table(meas))
    got = out["front_distance_um"].to_numpy() / PX_UM
    err = got - truth
    others = np.arange(N_SCANS) != 4
    # every other scan stays at its own measurement (within the tip scatter of the truth)
    assert np.all(np.abs(err[others]) <= REACH_SCATTER_PX), err
    # the overshoot is brought back to what the next scan confirms: within one scan's growth
    assert abs(err[4]) <= GROWTH_PX + REACH_SCATTER_PX, err[4]
    np.testing.assert_allclose(out["front_projected_um"], out["front_distance_um"])


@OVERSHOOT_RAISES
def test_missed_branch_after_an_overshoot_is_still_bridged():
    truth = _truth_px()
    meas = truth + _scatter()
    meas[3] = truth[3] + 45.0            # overshoot
    meas[7] = truth[7] - 35.0            # a far branch missed in one scan
    got = bridge_front_dropouts(_table(meas))["front_distance_um"].to_numpy() / PX_UM
    err = got - truth
    # the missed scan is raised to the reach confirmed before it (one scan's growth behind)
    assert -GROWTH_PX - REACH_SCATTER_PX <= err[7] <= REACH_SCATTER_PX, err[7]
    assert abs(err[3]) <= GROWTH_PX + REACH_SCATTER_PX, err[3]
    keep = ~np.isin(np.arange(N_SCANS), (3, 7))
    assert np.all(np.abs(err[keep]) <= REACH_SCATTER_PX), err
