"""Whole-pipeline accuracy on seeded random scenes, as a user's run would see them.

Each scene is drawn by ``vision.synthetic.random_scene(seed)`` (geometry, pixel size,
frame rate, look, artefacts, trace: all drawn), kept small by :data:`CAPS`, written
to files in its own codec, and analysed by ``vision.analyze`` with only what a user
would give (``benchmarks/_validate_worker.analyze_options``: automatic sync, the
pixel size from the file). Nothing of the truth enters the analysis: refreshes are
found by ``mark_refreshes``, masks by the tracker, the electrode and the counter
electrode by detection. The results folder is compared with the truth files by the
validation bank's own metric functions (``benchmarks/validate.compare_scene``).

Seeds: the first three seeds from 2000 upward of each scenario (the scenario is the
first draw of a seed; :func:`test_seeds_are_the_first_three_of_each_scenario`), fixed
before any result was seen and never swapped. A seed that misses a limit is marked
``xfail(strict=True)`` in :data:`XFAIL` with its measured figure, not removed.

Per-scene limits come from the targets of issue 11 and 13 (the validation bank's
90th-percentile targets: a single scene may be in the worst 10 %, so a scene is held
to the 90th-percentile limit, not the median); each limit says why next to it.
"""
import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import electrochem
from calibration import InputError
from vision import analyze
from vision.synthetic import BankCaps, random_scene, render_random
from vision.synthetic import _random as rnd

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))
import validate  # noqa: E402
from _validate_worker import analyze_options  # noqa: E402

#: Small scenes (same drawing rules; the caps crop the field and shorten the video):
#: 15 scenes render and analyse in about three minutes on one core.
CAPS = BankCaps(max_frames=90, max_cols=448, max_rows=336, screen_recordings=False,
                min_scans=15)

#: Seeds < 100000 (never the bank), the first three of each scenario from 2000 upward.
SEEDS = {"whiskers": (2000, 2001, 2002), "stripping": (2003, 2026, 2035),
         "lateral": (2005, 2018, 2019), "crack": (2006, 2008, 2012),
         "control": (2010, 2011, 2020)}

#: Seeds whose electrode semtrack does not find (every check of the seed fails with
#: "no lithium electrode found"). None since the electrode finder takes bright lithium
#: and discs cut by the image edge (re-measured 2026-12-04 after that change landed).
NO_ELECTRODE = {}

#: (seed, check) -> reason with the measured figure (re-measured 2026-12-05 with --runxfail
#: after the H.264 writer became deterministic, which changed the h264 scenes' videos). Strict: a pass
#: is reported, and the entry must go.
XFAIL = {
    (2000, 'whiskers'): 'measured (wave 13, 2026-12-06): whisker 0: length RMS 5.38 px (every '
                        'measured scan within 0.6 px; scans 6 and 7 read as repeats of scan 5, so the '
                        'length is held and lags 5-11 px: scan detection)',
    (2001, 'events'): 'measured: growth onset missed (1.59 s: a whisker at 0.09 px/s, below '
                      'detection; the whisker tracker finds none, not even the 26 px/s ones from 7.38 s)',
    (2001, 'sync'): 'measured: sync error -16.454 s (two scans: 1.200 s)',
    (2002, 'whiskers'): 'measured (wave 13, 2026-12-06): whisker 1: length RMS 6.94 px (its length '
                        '-13.7 px where content times lag the truth; whisker 4 loses its far part '
                        'from frame 78: segmentation), rate error up to 22 %',
    (2005, 'events'): 'measured: lateral onset (0.79 s) and touch-down (2.44 s) missed, spurious '
                      'crack 0.84 s (front tracker: front RMS 156 px)',
    (2005, 'front'): 'measured: front RMS 156.20 px',
    (2005, 'mode'): "measured: measured none/False (1.0); evidence ['longest crack 13.12 µm vs threshold 3.0 µm',"
                    " 'lateral lithium 0.00 µm beyond the rim vs threshold 3.0 µm', 'no depletion time in the "
                    "trace', 'trace: no short circ",
    (2005, 'sync'): 'measured: sync error -0.747 s (two scans: 0.480 s), with a warning and confidence 0 (the '
                    'charge cue follows a spurious loss of electrode lithium in this plating scene and the onset '
                    'bound clips it; tracking-limited; and the refresh model takes MJPEG re-draws in frames 8-11 '
                    'for scans before it has seen enough changes)',
    (2006, 'crack'): 'measured (wave 15, 2026-12-06): initiation, length and voltage now right (the '
                     'sync error of +2.03 s is gone), but the crack tip speed is 94.6 um/s vs truth '
                     '46.4 um/s',
    (2008, 'crack'): 'measured: crack tip speed 3.37 um/s vs truth 6.48 um/s: the drawn crack runs ~80 px '
                     'under the electrode (counted by the truth, invisible) and makes a hairpin whose '
                     'legs merge in the image',
    (2019, 'events'): 'measured: touch-down 5.80 s vs 7.90 s (the front tracker jumps to the '
                      'counter electrode at 5.8 s); onsets within a scan',
    (2019, 'front'): 'measured: front RMS 27.11 px',
    (2019, 'sync'): 'measured: sync error +1.877 s (two scans: 0.200 s)',
    (2035, 'events'): 'measured: spurious growth onset 0.00 s (a steady whisker) and crack initiation '
                      '1.20 s in a stripping scene (whisker and crack trackers)',
}

# --- limits, from the requirement -------------------------------------------------
#: Whisker length RMS per whisker: issue 11's 90th-percentile target, 1.0 px.
WHISKER_RMS_PX = 1.0
#: Growth rate per step: issue 11's 90th-percentile target, 6 %.
RATE_REL = 0.06
#: Front distance RMS until touch-down: 90th-percentile target, 4 px.
FRONT_RMS_PX = 4.0
#: Crack path length: 90th-percentile target, 10 %.
CRACK_REL = 0.10
#: Sync: the bank asks 98 % of scenes within two scans (issue 13); one scene beyond that
#: is a failure of that scene.
SYNC_SCANS = 2.0


def _scenario(seed):
    names = list(rnd.SCENARIOS)
    g = rnd._rng(1, seed, "scenario")
    return names[int(g.choice(len(names), p=list(rnd.SCENARIOS.values())))]


_CACHE = {}


def _run(seed, tmp_root):
    """Render, analyse and compare one scene once per session (an error too)."""
    if seed not in _CACHE:
        try:
            _CACHE[seed] = _render_analyse_compare(seed, tmp_root)
        except Exception as exc:  # noqa: BLE001  (every test of this seed reports it)
            _CACHE[seed] = exc
    if isinstance(_CACHE[seed], Exception):
        raise _CACHE[seed]
    return _CACHE[seed]


def _render_analyse_compare(seed, tmp_root):
    render_dir, results = tmp_root / f"scene{seed}", tmp_root / f"results{seed}"
    scene = random_scene(seed, caps=CAPS)
    res = render_random(scene, render_dir, name="scene")
    (render_dir / "DONE.json").write_text(json.dumps({
        "seed": seed, "label": "random", "video": res.video.name, "trace": res.trace.name,
        "truth_json": res.truth_json.name, "truth_frames": res.truth_frames.name,
        "truth_whiskers": res.truth_whiskers.name, "n_frames": res.n_frames}))
    truth = json.loads(res.truth_json.read_text())
    options = analyze_options(truth)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            analysis = analyze(res.video, trace=res.trace, **options)
        except InputError as exc:
            # as the message asks: a user reads the label off the bar and passes it (the
            # bar's length in px is still measured), or, without a usable bar, gives the
            # microscope's pixel size. The message is kept in the record.
            if "--scale-bar-um" in str(exc):
                options["scale_bar_um"] = truth["data_bar"]["scale_bar_um"]
            elif "--pixel-size" in str(exc):
                options["pixel_size_um"] = truth["pixel_size_um"]
            else:
                raise
            analysis = analyze(res.video, trace=res.trace, **options)
    analysis.save(results, overlay=False, report=False)
    rec, werr, rerr, ev = validate.compare_scene(
        seed, render_dir, results, {"status": "ok", "error": "", "analyze_s": math.nan})
    out = {"truth": truth, "rec": rec, "werr": werr, "rerr": rerr, "ev": ev,
           "summary": json.loads((results / "summary.json").read_text()),
           "results": results, "render": render_dir, "res": res, "options": options}
    return out


@pytest.fixture(scope="session")
def scene_root(tmp_path_factory):
    return tmp_path_factory.mktemp("seeded")


def _cases(check, scenarios):
    out = []
    for sc in scenarios:
        for seed in SEEDS[sc]:
            reason = NO_ELECTRODE.get(seed) or XFAIL.get((seed, check))
            out.append(pytest.param(seed, id=f"{sc}-{seed}", marks=pytest.mark.xfail(
                strict=True, reason=reason)) if reason else pytest.param(seed, id=f"{sc}-{seed}"))
    return out


ALL = tuple(SEEDS)


def test_seeds_are_the_first_three_of_each_scenario():
    for sc, seeds in SEEDS.items():
        first = [s for s in range(2000, 2100) if _scenario(s) == sc][:3]
        assert tuple(first) == seeds, sc
        assert max(seeds) < 100_000   # the bank's seeds are never used here


@pytest.mark.parametrize("seed", _cases("mode", ALL))
def test_failure_mode_and_short_circuit(seed, scene_root):
    r = _run(seed, scene_root)
    t, s = r["truth"], r["summary"]
    assert (s["failure_mode"], s["short_circuit"]) == (t["failure_mode"], t["short_circuit"]), \
        f"measured {s['failure_mode']}/{s['short_circuit']} ({s['failure_confidence']}); " \
        f"evidence {[e['text'] for e in s['failure_evidence']]}"


@pytest.mark.parametrize("seed", _cases("events", ALL))
def test_event_times_within_one_scan_and_one_frame(seed, scene_root):
    # tolerance: one scan + one frame (issue 11): the first scan showing an event can be a
    # whole scan late and the frame that shows it one frame later
    ev = _run(seed, scene_root)["ev"]
    bad = ev.loc[~ev["within"]] if len(ev) else ev
    assert bad.empty, bad.to_string()


@pytest.mark.parametrize("seed", _cases("sync", ALL))
def test_sync_offset(seed, scene_root):
    r = _run(seed, scene_root)
    err = r["rec"]["sync_error_s"]
    scan = r["truth"]["scan_period_s"]
    if not r["rec"]["has_growth"]:
        # nothing grows: no feature to align; the analysis must say so (confidence 0)
        assert r["summary"]["sync_confidence"] in (0, 0.0) or abs(err) <= SYNC_SCANS * scan
        return
    assert abs(err) <= SYNC_SCANS * scan, f"sync error {err:+.3f} s (two scans: {2 * scan:.3f} s)"


@pytest.mark.parametrize("seed", _cases("whiskers", ("whiskers", "lateral", "crack")))
def test_whiskers_found_lengths_and_rates(seed, scene_root):
    r = _run(seed, scene_root)
    rec, werr, rerr = r["rec"], r["werr"], r["rerr"]
    # every whisker the tracker is asked to resolve (vm.eligible_whiskers: >= 3 px wide,
    # >= 10 px long in >= 10 scans) is found
    assert rec["found"] == rec["eligible"], f"found {rec['found']} of {rec['eligible']}"
    if len(werr):
        worst = werr.sort_values("rms_px").iloc[-1]
        assert worst["rms_px"] <= WHISKER_RMS_PX, \
            f"whisker {int(worst['truth_id'])}: length RMS {worst['rms_px']:.2f} px"
    if len(rerr):
        # rates are matched to the right whisker by position (vm.match_whiskers), so a rate
        # filed under another whisker's id is a wrong rate here
        rel = np.nan_to_num(rerr["rel_error"].to_numpy(float), nan=1.0)
        assert rel.max() <= RATE_REL, rerr.to_string()


@pytest.mark.parametrize("seed", _cases("front", ("lateral",)))
def test_front_distance_and_speed(seed, scene_root):
    r = _run(seed, scene_root)
    rms = r["rec"]["front_rms_px"]
    assert np.isfinite(rms) and rms <= FRONT_RMS_PX, f"front RMS {rms:.2f} px"
    # front speed: the same estimator (largest robust 3-scan speed) on the true distances;
    # the distances' own limit (4 px RMS) over the 2 scans of the estimator allows
    # 2 x 4 px / (2 scans) of speed error
    want = _true_speed(r, "front_distance_px")
    got = r["summary"]["front_speed_um_s"]
    tol = 2 * FRONT_RMS_PX * r["truth"]["pixel_size_um"] / (2 * r["truth"]["scan_period_s"])
    assert got is not None and abs(got - want) <= tol, \
        f"front speed {got} um/s vs truth {want:.3f} um/s (tolerance {tol:.3f})"


@pytest.mark.parametrize("seed", _cases("crack", ("crack",)))
def test_crack_length_initiation_voltage_and_tip_speed(seed, scene_root):
    r = _run(seed, scene_root)
    rec, t, s = r["rec"], r["truth"], r["summary"]
    assert rec["crack_init_within"], \
        f"crack initiation {s['crack_initiation_time_s']} s vs {t['crack_initiation_s']:.2f} s"
    assert rec["crack_rel_error"] <= 100 * CRACK_REL, f"crack length {rec['crack_rel_error']:.1f} %"
    # crack initiation voltage: the TRUE trace at the TRUE initiation time (trace clock =
    # video clock + the true offset). The measured time may be one scan + one frame off
    # (its own limit), so the voltage may be anything the true trace shows within that
    # window; plus 5 mV of measurement noise.
    v = _true_trace_voltage_window(r, t["crack_initiation_s"],
                                   t["scan_period_s"] + 1 / t["fps"])
    got = s["crack_initiation_voltage_V"]
    assert got is not None and v[0] - 0.005 <= got <= v[1] + 0.005, \
        f"crack initiation voltage {got} V; the true trace shows {v[0]:.3f}..{v[1]:.3f} V " \
        f"around the true initiation (truth {t['crack_initiation_voltage_V']} V)"
    want = _true_speed(r, "crack_length_px")
    got = s["crack_tip_speed_um_s"]
    # the length's limit is 10 %: a speed from two lengths 2 scans apart is within ~10 %
    # of the true speed plus twice the 10 % of the length over the span; 25 % overall
    assert got is not None and abs(got - want) <= 0.25 * want, \
        f"crack tip speed {got} um/s vs truth {want:.3f} um/s"


def _true_speed(r, column):
    """The summary's speed estimator applied to the truth's column (px -> um)."""
    from vision.pipeline._summary import _speed
    tf = pd.read_csv(r["render"] / r["res"].truth_frames.name)
    tf = tf.drop_duplicates("content_time_s")
    um = tf.assign(**{column: tf[column] * r["truth"]["pixel_size_um"]})
    return _speed(um, column)


def _true_trace_voltage_window(r, t_video, half_width_s):
    tr = electrochem.read_trace(r["res"].trace).data
    off = r["truth"]["sync_offset_s"]
    tt = tr["time_s"].to_numpy(float) - off
    sel = (tt >= t_video - half_width_s) & (tt <= t_video + half_width_s)
    v = tr["voltage_V"].to_numpy(float)[sel]
    return float(v.min()), float(v.max())


@pytest.mark.parametrize("seed", _cases("exact", ALL))
def test_reported_voltages_are_the_trace_at_the_reported_times(seed, scene_root):
    # consistency, exact: every event's voltage (events.csv) and the crack initiation
    # voltage (summary.json) are the trace at (event time + the reported offset). An offset
    # applied twice or not at all fails here whatever the scene.
    r = _run(seed, scene_root)
    s = r["summary"]
    events = pd.read_csv(r["results"] / "events.csv")
    tr = electrochem.read_trace(r["res"].trace).data
    off = s["sync_offset_s"]
    for row in events.itertuples():
        # events.csv holds 6 significant digits (time and voltage): the trace anywhere within
        # the time's rounding, +-0.2 mV for the voltage's; an offset applied twice moves
        # the time by seconds
        dt = 5e-6 * abs(row.time_s) + 1e-9
        want = np.interp(row.time_s + off + np.array([-dt, 0.0, dt]), tr["time_s"],
                         tr["voltage_V"])
        assert want.min() - 2e-4 <= row.voltage_V <= want.max() + 2e-4, (row, want)
    if s["crack_initiation_time_s"] is not None:
        want = np.interp(s["crack_initiation_time_s"] + off, tr["time_s"], tr["voltage_V"])
        assert s["crack_initiation_voltage_V"] == pytest.approx(want, abs=1e-9)
    # growth_rates in summary.json = growth_rates.csv, and j = v F / V_m per row
    rates = pd.read_csv(r["results"] / "growth_rates.csv")
    assert len(s["growth_rates"]) == len(rates)
    if len(rates):
        # the CSV holds 6 significant digits (5e-6 relative, on rate and on j): 1e-5; a 2 %
        # error fails. Exactly (1e-12) in test_numbers_exact.py
        np.testing.assert_allclose(rates["current_density_A_cm2"],
                                   electrochem.current_density_from_growth_rate(
                                       rates["rate_um_s"]), rtol=1e-5)
        got = pd.DataFrame(s["growth_rates"])
        np.testing.assert_allclose(got["rate_um_s"], rates["rate_um_s"], rtol=1e-5)
        assert list(got["whisker_id"]) == list(rates["whisker_id"])


@pytest.mark.parametrize("seed", _cases("nofront", ("whiskers", "control")))
def test_no_front_and_no_lateral_lithium_without_lateral_growth(seed, scene_root):
    # issue 15, "no false lithium": whisker-only and control scenes (the generator draws
    # lateral lithium and cracks only in the lateral and crack scenarios) show no front in
    # any frame and no lateral or crack growth mode: the needle, the data bar, noise and
    # whiskers are not lateral lithium. Exact: one stray front blip fails.
    r = _run(seed, scene_root)
    frames = pd.read_csv(r["results"] / "frames.csv")
    front = frames["front_distance_um"].to_numpy(float)
    n = int(np.isfinite(front).sum())
    modes = r["summary"]["growth_modes"]
    assert n == 0 and not {"lateral", "crack"} & set(modes), (
        f"front in {n} of {len(front)} frames (max {np.nanmax(front) if n else 0:.1f} um), "
        f"growth modes {modes}")
