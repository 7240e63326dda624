"""The charge model on the generator's traces, fed the true visible volume (issue 13).

Wave 16 diagnosis: the charge cue's moderate sync errors on the tuning sets came from
the video side (growth before a whisker is first reported, whiskers, fronts and cracks
never or no longer reported): fed the true visible volume, the same fit found those
offsets. These tests pin the trace side on its own: on generator scenes with every
nuisance of the issue (leakage ~ U, offset current, charging spikes, unseen deposit,
noise, clock drift), :func:`synchronise_auto` given the true volume should meet the
issue's accuracy where the Faradaic charge is what the trace carries (it exceeds the
leakage charge; below that the leakage, whose kinks sit at the same step edges as the
growth's, can mimic it, and the cue is rightly unsure). It does not yet: both accuracy
tests are strict xfails that a better charge model must turn into passes.
"""
from __future__ import annotations

import numpy as np
import pytest

from calibration import FARADAY_C_MOL, MOLAR_VOLUME_LI_CM3_MOL, UM3_PER_CM3
from vision.pipeline._sync import synchronise_auto
from vision.synthetic import random_scene
from vision.synthetic._potentiostat import trace_table
from vision.synthetic._scene import control_voltage, li_volume_um3, timeline

#: issue 13: right within half a scan period in >= 90 % of scenes with growth ...
HALF_SCAN = 0.5
RIGHT_FRACTION = 0.9
#: ... and within two scan periods in >= 98 % (of some 20 scenes here: every one)
TWO_SCANS = 2.0
#: development seeds outside both tuning sets (5000..5059, 7000..7089) and the bank
SEEDS = range(9000, 9060)


def _faradaic_dominated(scene, tl, volume_um3):
    """Whether the Faradaic charge over the video exceeds the leakage charge (C vs C)."""
    tm = scene.trace_model
    q_far = tm.unseen_factor * FARADAY_C_MOL / MOLAR_VOLUME_LI_CM3_MOL * \
        float(np.ptp(volume_um3)) / UM3_PER_CM3
    t = np.linspace(0.0, scene.duration_s, 2001)
    q_leak = tm.leakage_S * float(np.trapezoid(np.abs(control_voltage(scene, t)), t))
    return q_far > q_leak


def whisker_volume_scenes(seeds):
    """(seed, scene, timeline, scan content times s, true visible volume um3) of whisker-only scenes.

    Scenes with whiskers and a trace, no short circuit, no front, crack or stripping, whose
    visible volume changes: the charge cue's own premise, fed the truth.
    """
    for seed in seeds:
        scene = random_scene(seed)
        tl = timeline(scene)
        if not scene.whiskers or tl.short_circuit or scene.lateral is not None \
                or scene.crack is not None or scene.stripping is not None \
                or scene.trace_model is None:
            continue
        tv = np.arange(0.0, scene.duration_s, scene.scan_period_s)   # scan content times, s
        vol = np.array([li_volume_um3(scene, tl, t) for t in tv])
        if np.ptp(vol) > 0:
            yield seed, scene, tl, tv, vol


def _cases():
    """(seed, scan period s, true offset s, estimated offset s) of the whisker scenes in SEEDS."""
    out = []
    for seed, scene, tl, tv, vol in whisker_volume_scenes(SEEDS):
        if not _faradaic_dominated(scene, tl, vol):
            continue
        est = synchronise_auto(tv, vol[:, None], trace_table(scene, tl))
        out.append((seed, scene.scan_period_s, scene.sync_offset_s, est.result.offset_s))
    return out


@pytest.fixture(scope="module")
def cases():
    return _cases()


def test_enough_scenes_are_drawn(cases):
    assert len(cases) >= 10


def _errors_scans(cases):
    return np.array([abs(o - true) / p for _, p, true, o in cases])


def _worst(cases, err):
    return sorted(zip(err.round(2), (c[0] for c in cases)))[-3:]


# The charge model misses this on perfect video (wave 16: 16 of 19 scenes, 84 %; seeds
# 9006 0.51, 9031 1.25, 9055 3.53 scans). Neither a relaxing double-layer term (tau 0.1 or
# 0.2 s) nor a bound on the leakage conductance from the steps' currents fixed it.
@pytest.mark.xfail(strict=True, reason="issue 13: the charge model alone, fed the true "
                   "visible volume, is right within half a scan in 84 % of these scenes")
def test_true_volume_gives_the_offset_within_half_a_scan_in_nine_scenes_of_ten(cases):
    err = _errors_scans(cases)
    assert np.mean(err <= HALF_SCAN) >= RIGHT_FRACTION, _worst(cases, err)


@pytest.mark.xfail(strict=True, reason="issue 13: seed 9055 is 3.5 scans off with the "
                   "true visible volume (double-layer and leakage terms move it)")
def test_true_volume_gives_the_offset_within_two_scans_in_every_scene(cases):
    err = _errors_scans(cases)
    assert np.all(err <= TWO_SCANS), _worst(cases, err)
