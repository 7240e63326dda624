"""The frozen validation bank: accuracy of ``vision.analyze`` on scenes nobody tunes on.

``make validate`` (``python benchmarks/validate.py``) analyses the bank's scenes
(seeds 100000 and up; 120 scenes, ``--quick``: 20) and compares every result
with the generator's truth files (issue 11, part 2; sync metrics of issue 13).

1. **Scenes.** :func:`scene_for_seed` draws each scene from its seed with
   ``vision.synthetic.random_scene(seed, bank_version=BANK_VERSION)`` when that
   exists; otherwise (or with ``--presets``) it cycles through the six presets
   with the seed replaced, and the report says **presets, not the bank**.
2. **Rendering** (not timed) happens once per scene into a cache folder keyed by
   the bank version, the seed and the generator version (semtrack version plus
   a digest of ``vision.synthetic``'s source), ``benchmarks/.bank-cache`` or
   ``--cache``; two scenes render at a time.
3. **Analysis.** Each scene runs in a fresh process (one BLAS/OpenCV thread),
   two at a time, with a time limit per scene; a scene that crashes or runs
   out of time counts as a failed scene with its error and never stops the
   run. Only :func:`vision.analyze` and ``Analysis.save`` (without overlay and
   report) run in that process; the wall time of the whole analysis phase and
   the time per scene are reported.
4. **Metrics** (``benchmarks/_validate_metrics.py``, pure functions, unit
   tested) compare the results folders with the truth tables: the Markdown
   report holds the median and 90th percentile of every metric against the
   targets of issue 11 and 13, the failure-mode confusion matrix and the five
   worst scenes with their seeds.

Exit code 0 even when targets are missed (it is a benchmark); ``--check``
exits 1 if any target is missed or any scene failed.

Usage::

    python benchmarks/validate.py [--quick] [--presets] [--n N] [--workers 2]
                                  [--timeout S] [--out PATH] [--json PATH] [--check]
"""
from __future__ import annotations

import argparse
import datetime
import functools
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from vision._shared._fileio import remove_written_dir, write_text_safe

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import _validate_metrics as vm  # noqa: E402  (benchmarks/ is not a package)

#: Version of the bank. Raise it only when the scenes must change on purpose (a
#: generator property added later is drawn from its own stream and leaves the
#: existing scenes of this version alone).
BANK_VERSION = 1
#: First seed of the bank; seeds below are for development and tuning.
FIRST_SEED = 100_000
#: Scenes in the full bank and in ``--quick``.
N_BANK = 120
N_QUICK = 20
#: Analysis time limits of the whole run on 2 cores (issue 11), s.
BUDGET_S = {"full": 20 * 60, "quick": 5 * 60}
#: A scene whose analysis takes longer than this is stopped and counted as failed, s.
#: (The budget allows 24 s per scene on average with two workers; ten times that
#: is a hang, not a slow scene.)
DEFAULT_TIMEOUT_S = 240.0
#: Presets in the order the preset fallback cycles through them.
PRESET_CYCLE = ("whisker", "multi_whisker", "lateral", "crack", "stripping", "control")
#: One thread per process: two workers on two cores.
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                     "MKL_NUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1"}
DEFAULT_CACHE = HERE / ".bank-cache"
DEFAULT_OUT = HERE / "results" / "validation.md"


# ---------------------------------------------------------------------------
# Scenes and their cache
# ---------------------------------------------------------------------------
def bank_generator():
    """``vision.synthetic.random_scene`` if this semtrack has it, else None."""
    try:
        from vision.synthetic import random_scene
    except ImportError:
        return None
    return random_scene


def scene_for_seed(seed, *, source="auto"):
    """The scene of one bank seed and where it came from.

    Parameters
    ----------
    seed : int
    source : {'auto', 'bank', 'presets'}
        ``auto``: the bank generator when importable, else the presets.

    Returns
    -------
    (Scene, str)
        The scene and its label (``'bank'`` or ``'preset:<name>'``).
    """
    gen = bank_generator() if source in ("auto", "bank") else None
    if gen is not None:
        return gen(seed, bank_version=BANK_VERSION), "bank"
    if source == "bank":
        raise SystemExit("vision.synthetic.random_scene is not available in this semtrack; "
                         "use --presets")
    from vision.synthetic import preset
    name = PRESET_CYCLE[seed % len(PRESET_CYCLE)]
    return preset(name, seed=int(seed)), f"preset:{name}"


@functools.cache
def generator_version():
    """semtrack version plus a digest of vision.synthetic's source (a changed generator
    renders anew)."""
    import vision
    from vision import synthetic

    h = hashlib.sha256()
    root = Path(synthetic.__file__).parent
    for p in sorted(root.rglob("*.py")):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return f"{vision.__version__}-{h.hexdigest()[:10]}"


def cache_dir(cache, seed, source):
    kind = "bank" if source != "presets" and bank_generator() is not None else "presets"
    return Path(cache) / f"{kind}-v{BANK_VERSION}" / generator_version() / str(seed)


def _is_render(path):
    """True for a folder holding only what render_scene writes (scene.*, DONE.json)."""
    return path.is_dir() and not path.is_symlink() and all(
        p.name in ("DONE.json", ".semtrack-written.json") or p.name.startswith("scene")
        for p in path.iterdir())


def render_scene(seed, folder, source):
    """Render the scene of `seed` into `folder` once (DONE.json marks a complete render)."""
    folder = Path(folder)
    done = folder / "DONE.json"
    if done.is_file():
        return json.loads(done.read_text())
    os.environ.update(SINGLE_THREAD_ENV)
    from vision import synthetic

    scene, label = scene_for_seed(seed, source=source)
    tmp = folder.with_name(f".{folder.name}.tmp{os.getpid()}")
    # Only a render's own files are ever removed: the leftover of a killed render (same
    # name and pid) holds scene.* files and maybe DONE.json; a finished folder is replaced
    # only by a complete render, and a folder of anything else stops the run.
    for path in (tmp, folder):
        if path.exists() and not _is_render(path):
            raise SystemExit(f"validate: {path}: exists and is not a scene render of this "
                             "script; move it away or give another --cache")
    shutil.rmtree(tmp, ignore_errors=True)
    t0 = time.perf_counter()
    if getattr(scene, "extras", None) is not None and hasattr(synthetic, "render_random"):
        res = synthetic.render_random(scene, tmp, name="scene")  # the scene's own codec
    else:
        res = synthetic.render(scene, tmp, name="scene")
    info = {"seed": seed, "label": label, "video": res.video.name, "trace": res.trace.name,
            "truth_json": res.truth_json.name, "truth_frames": res.truth_frames.name,
            "truth_whiskers": res.truth_whiskers.name, "n_frames": res.n_frames,
            "render_s": time.perf_counter() - t0}
    (tmp / "DONE.json").write_text(json.dumps(info))
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, folder)
    return info


def render_all(seeds, cache, source, workers):
    """Render the missing scenes (``workers`` at a time).

    Returns
    -------
    (dict, dict)
        seed -> folder, and seed -> error message of the scenes that could not
        be rendered (they count as failed scenes; the run goes on).
    """
    folders = {s: cache_dir(cache, s, source) for s in seeds}
    todo = [s for s in seeds if not (folders[s] / "DONE.json").is_file()]
    errors = {}
    if todo:
        print(f"rendering {len(todo)} scene(s) into {Path(cache)} (once; not timed) ...",
              file=sys.stderr)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {s: pool.submit(render_scene, s, folders[s], source) for s in todo}
            for s, fut in futures.items():
                try:
                    fut.result()
                except Exception as exc:  # noqa: BLE001  (a generator bug fails one scene)
                    errors[s] = f"render: {type(exc).__name__}: {exc}"
                    print(f"  seed {s}: {errors[s]}", file=sys.stderr)
    return folders, errors


# ---------------------------------------------------------------------------
# Analysis, two scenes at a time, each in its own process with a time limit
# ---------------------------------------------------------------------------
def analyze_all(folders, results_root, workers, timeout_s):
    """Analyse every scene; return seed -> {status, error, analyze_s, wall_s}."""
    env = dict(os.environ, **SINGLE_THREAD_ENV)
    env.setdefault("PYTHONHASHSEED", "0")
    pending = list(folders)
    running = {}
    out = {}
    results_root.mkdir(parents=True, exist_ok=True)
    while pending or running:
        while pending and len(running) < workers:
            seed = pending.pop(0)
            res = results_root / str(seed)
            remove_written_dir(res)  # only a results folder semtrack wrote (issue 15.1)
            log = open(results_root / f"{seed}.log", "w")
            proc = subprocess.Popen(
                [sys.executable, str(HERE / "_validate_worker.py"), str(folders[seed]), str(res)],
                stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=str(REPO))
            running[seed] = (proc, time.perf_counter(), log)
        time.sleep(0.05)
        for seed, (proc, t0, log) in list(running.items()):
            wall = time.perf_counter() - t0
            if proc.poll() is None and wall <= timeout_s:
                continue
            if proc.poll() is None:
                proc.kill()
                proc.wait()
                log.close()
                out[seed] = {"status": "timeout", "error": f"no result after {timeout_s:g} s",
                             "analyze_s": math.nan, "wall_s": wall}
            else:
                stdout = proc.stdout.read()
                log.close()
                if proc.returncode == 0:
                    info = json.loads(stdout.strip().splitlines()[-1])
                    out[seed] = {"status": "ok", "error": "", "analyze_s": info["analyze_s"],
                                 "cpu_s": info["process_cpu_s"], "wall_s": wall,
                                 "pixel_size_given": info.get("pixel_size_given")}
                else:
                    tail = (results_root / f"{seed}.log").read_text().strip().splitlines()
                    out[seed] = {"status": "error", "error": tail[-1] if tail else
                                 f"exit code {proc.returncode}", "analyze_s": math.nan,
                                 "wall_s": wall}
            done = len(out)
            print(f"  [{done}/{len(folders)}] seed {seed}: {out[seed]['status']} "
                  f"({wall:.1f} s)", file=sys.stderr)
            del running[seed]
    return out


# ---------------------------------------------------------------------------
# Comparing one scene with its truth
# ---------------------------------------------------------------------------
def _read_csv(path):
    return pd.read_csv(path) if Path(path).is_file() else pd.DataFrame()


def measured_in_px(whiskers, frames, pixel_size_um):
    """Measured tables converted to px with the analysis' own pixel size."""
    w = whiskers.copy()
    for um, px in (("base_x_um", "base_x_px"), ("base_y_um", "base_y_px"),
                   ("tip_x_um", "tip_x_px"), ("tip_y_um", "tip_y_px"),
                   ("length_um", "length_px")):
        w[px] = w[um] / pixel_size_um if um in w else np.nan
    f = frames.copy()
    for um, px in (("front_distance_um", "front_distance_px"),
                   ("crack_length_um", "crack_length_px")):
        f[px] = f[um] / pixel_size_um if um in f else np.nan
    return w, f


def compare_scene(seed, render_dir, results_dir, run):
    """All metrics of one scene: (scene record, whisker rows, rate rows, event rows)."""
    done = json.loads((render_dir / "DONE.json").read_text())
    truth = json.loads((render_dir / done["truth_json"]).read_text())
    tf = pd.read_csv(render_dir / done["truth_frames"])
    tw = pd.read_csv(render_dir / done["truth_whiskers"])
    scan = float(truth["scan_period_s"])
    frame_dt = 1.0 / float(truth["fps"])
    has_growth = truth.get("growth_onset_s") is not None and \
        truth["growth_onset_s"] < truth["duration_s"]
    rec = {"seed": seed, "label": done["label"], "status": run["status"], "error": run["error"],
           "analyze_s": run["analyze_s"],
           "cpu_s": run.get("cpu_s", math.nan), "wall_s": run.get("wall_s", math.nan),
           "pixel_size_given": run.get("pixel_size_given"),
           "n_frames": done["n_frames"],
           "shape": "x".join(map(str, truth["shape_rows_cols"][::-1])),
           "true_mode": truth["failure_mode"], "has_growth": bool(has_growth),
           "scan_period_s": scan, "frame_interval_s": frame_dt, "measured_mode": "error",
           "mode_ok": False, "sc_ok": False,
           "found": 0, "eligible": 0, "front_rms_px": math.nan, "front_coverage": math.nan,
           "crack_rel_error": math.nan, "crack_init_within": math.nan,
           "max_whisker_rms_px": math.nan, "max_rate_error": math.nan, "events_missed": 0,
           "sync_error_s": math.nan, "sync_confidence": math.nan, "sync_warned": False}
    bar_top = truth["data_bar"]["top_row"] if truth["data_bar"].get("present") else None
    cens = vm.truth_censored(tw, truth["shape_rows_cols"], bar_top) if len(tw) else None
    eligible = vm.eligible_whiskers(tw, cens)
    rec["eligible"] = len(eligible)
    crack_t = truth.get("crack_initiation_s")
    has_crack = crack_t is not None and crack_t < truth["duration_s"]
    if run["status"] != "ok":
        return rec, pd.DataFrame(), pd.DataFrame(), _missed_events(truth, seed)
    summary = json.loads((results_dir / "summary.json").read_text())
    mw, mf = measured_in_px(_read_csv(results_dir / "whiskers.csv"),
                            _read_csv(results_dir / "frames.csv"), float(summary["pixel_size_um"]))
    rates = _read_csv(results_dir / "growth_rates.csv")
    mode_ok, sc_ok = vm.failure_correct(truth, summary)
    rec.update(measured_mode=summary.get("failure_mode"), mode_ok=mode_ok, sc_ok=sc_ok)
    mapping = vm.match_whiskers(tw, mw, tf[["frame", "drift_x_px", "drift_y_px"]]) \
        if len(tw) and len(mw) else {}
    rec["found"] = vm.whiskers_found(eligible, mapping)[0]
    rec["spurious_whiskers"] = len(set(mw["whisker_id"]) - set(mapping)) if len(mw) else 0
    werr = vm.whisker_length_errors(tw, mw, mapping, cens) if len(tw) else pd.DataFrame()
    if len(werr):
        werr = werr.loc[werr["truth_id"].isin(eligible)]
        rec["max_whisker_rms_px"] = float(werr["rms_px"].max()) if len(werr) else math.nan
    steps = pd.DataFrame(truth["steps"]).rename(columns={}) if truth["steps"] else pd.DataFrame()
    short_s = truth.get("short_circuit_s") if truth.get("short_circuit") else None
    rerr = vm.step_rate_errors(tw, steps, rates, mapping, float(truth["pixel_size_um"]), cens,
                               short_circuit_s=short_s) \
        if len(tw) and len(steps) else pd.DataFrame()
    if len(rerr):
        rec["max_rate_error"] = float(np.nan_to_num(rerr["rel_error"], nan=1.0).max())
    touch = truth.get("touchdown_s")
    if truth.get("lateral") is not None:
        rec["front_rms_px"] = vm.front_rms(tf, mf, touch)
        rec["front_coverage"] = vm.front_coverage(tf, mf, touch)
    if has_crack:
        rec["crack_rel_error"] = vm.crack_length_error(tf, mf, touch)
        m = summary.get("crack_initiation_time_s")
        rec["crack_init_within"] = bool(m is not None and abs(m - crack_t) <= scan)
    ev = vm.event_errors(truth, summary, scan, frame_dt, float(truth["duration_s"]))
    rec["events_missed"] = int((~ev["within"] & ~ev["spurious"]).sum()) if len(ev) else 0
    rec["sync_error_s"] = vm.sync_error(truth, summary)
    conf = summary.get("sync_confidence")
    rec["sync_confidence"] = math.nan if conf is None else float(conf)
    rec["sync_warned"] = vm.has_sync_warning(summary.get("warnings"))
    for df in (werr, rerr, ev):
        if len(df):
            df.insert(0, "seed", seed)
    return rec, werr, rerr, ev


def _failed_record(seed, status, error):
    """A scene without truth or results: failed, truth unknown."""
    rec = {"seed": seed, "label": "?", "status": status, "error": error, "analyze_s": math.nan,
           "cpu_s": math.nan, "wall_s": math.nan, "n_frames": 0, "shape": "?",
           "true_mode": "unknown", "has_growth": False, "scan_period_s": math.nan,
           "frame_interval_s": math.nan, "measured_mode": "error", "mode_ok": False,
           "sc_ok": False, "found": 0, "eligible": 0, "front_rms_px": math.nan,
           "front_coverage": math.nan, "crack_rel_error": math.nan,
           "crack_init_within": math.nan, "max_whisker_rms_px": math.nan,
           "max_rate_error": math.nan, "events_missed": 0, "sync_error_s": math.nan,
           "sync_confidence": math.nan, "sync_warned": False}
    return rec, pd.DataFrame(), pd.DataFrame(), pd.DataFrame()


def _missed_events(truth, seed):
    rows = [{"seed": seed, "event": name, "true_s": truth.get(tk), "measured_s": None,
             "error_s": math.nan, "within": False, "spurious": False}
            for name, (tk, _) in vm.EVENTS.items()
            if truth.get(tk) is not None and truth[tk] <= truth["duration_s"]]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def _fmt(v, unit=""):
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "-"
    if unit.startswith("%"):
        return f"{v:.1f}"
    return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"


def _cell(value, width=160):
    """A Markdown table cell: one line, no column separators, at most `width` characters."""
    text = " ".join(str(value).split()).replace("|", "/")
    return text if len(text) <= width else text[:width - 3] + "..."


def _md_table(df):
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + " --- |" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return lines


def commit_hash():
    try:
        h = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                           capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "vision",
                                "calibration", "electrochem"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return h + (" (with uncommitted changes in the package)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


DEFINITIONS = [
    "- Measurements are converted to px with the pixel size the analysis itself found, so "
    "tracking errors are not mixed with calibration errors; lengths are projected lengths "
    "(what the image shows), as the truth's `length_px`.",
    "- **Failure mode right**: `failure_mode` and `short_circuit` of summary.json both equal "
    "the truth; a crashed or timed-out scene counts as wrong (`error` column).",
    f"- **True whiskers found**: true whiskers >= {vm.MIN_WIDTH_PX:g} px wide that are >= "
    f"{vm.MIN_LENGTH_PX:g} px long and not censored (inside the field, not in the data bar) in "
    f">= {vm.MIN_SCANS} scans; measured whiskers are assigned to true ones by the Hungarian "
    f"method on direction (gate {vm.MAX_ANGLE_DEG:g} deg) and drift-corrected base position "
    f"(gate max({vm.MAX_BASE_PX:g} px, 2 widths)).",
    "- **Whisker length error**: per matched eligible whisker, RMS and mean of measured - true "
    "length over the frames where both exist, censored frames excluded.",
    f"- **Growth rate per step**: true rate = least-squares slope of the true length over the "
    f"uncensored scans of a potential step in which the whisker (>= {vm.MIN_WIDTH_PX:g} px wide) "
    f"grows >= {vm.MIN_STEP_GROWTH_PX:g} px; measured = the whisker's rate in the measured step "
    f"overlapping it most; a missing rate counts as {100 * vm.MISSING_RATE_ERROR:.0f} % error. "
    "Coverage: |measured - true| <= 2 `rate_std_um_s`.",
    "- **Front distance**: RMS of measured - true distance from the electrode centre over the "
    "frames acquired before touch-down in which the true front is beyond the electrode rim and "
    "a front was measured.",
    f"- **Crack path length**: per scene, median over frames (until touch-down, true crack >= "
    f"{vm.MIN_CRACK_PX:g} px) of |measured - true| / true, a missing crack counting as 0; "
    "initiation: |measured - true| <= one scan period.",
    "- **Event times** (growth onset, lateral onset, crack initiation, touch-down within the "
    "video): |measured - true| <= one scan period + one frame interval; a missed event fails. "
    "Touch-down is `touchdown_time_s`, or `short_circuit_time_s` when the video showed none.",
    "- **Sync** (scenes with growth): error = measured - true offset; fine tolerance max(half "
    "scan, one frame); errors > one scan (or no offset) must carry a warning mentioning "
    "sync/offset/clock, and >= 80 % of them must have `sync_confidence` < 0.5.",
]


def build_report(table, scenes, confusion, meta):
    kind = meta["kind"]
    why = "--presets" if bank_generator() is not None else "vision.synthetic.random_scene is missing"
    title = ("Validation bank" if kind == "bank" else
             f"Validation on the PRESETS (not the bank: {why})")
    if kind == "bank" and meta["first_seed"] < FIRST_SEED:
        title = "TUNING seeds (not the bank: development figures, never for the docs)"
    lines = [f"# {title}", "",
             f"- scenes: {meta['n_scenes']} (seeds {meta['first_seed']}..{meta['last_seed']}"
             f"{', quick' if meta['quick'] else ''}), bank version {BANK_VERSION}, "
             f"generator {meta['generator']}",
             f"- source: {meta['sources']}",
             f"- commit: `{meta['commit']}`, {meta['date']}",
             f"- analysis wall time: {meta['wall_s']:.0f} s on {meta['workers']} worker(s) "
             f"(budget {meta['budget_s'] / 60:.0f} min: "
             f"{'within' if meta['wall_s'] <= meta['budget_s'] else 'OVER'}); per scene "
             f"median {meta['per_scene_median_s']:.1f} s, 90th pct {meta['per_scene_p90_s']:.1f} s,"
             f" max {meta['per_scene_max_s']:.1f} s (wall time of vision.analyze, one thread); "
             f"CPU time per scene process (imports, analyze, save) median "
             f"{meta['cpu_median_s']:.1f} s, max {meta['cpu_max_s']:.1f} s",
             f"- CPU time of all scene processes: {meta['cpu_total_s']:.0f} s, i.e. "
             f"{meta['cpu_total_s'] / meta['workers'] / 60:.1f} min on {meta['workers']} idle "
             f"core(s) (the wall time above includes waiting for other processes of this "
             f"machine)",
             f"- failed scenes (crash or timeout): {meta['n_failed']}",
             f"- scenes whose scale bar the analysis could not read (pixel size then given, as "
             f"its message asks): {meta['n_pixel_given']}",
             f"- machine: {meta['cpu']}, load {meta['load']:.1f}",
             "", "## Targets", ""]
    t = table.copy()
    t["median"] = [_fmt(v) for v in t["median"]]
    t["p90"] = [_fmt(v) for v in t["p90"]]
    t["value"] = [_fmt(v, u) for v, u in zip(table["value"], table["unit"])]
    t["pass"] = ["n/a" if p is None else ("PASS" if p else "FAIL") for p in t["pass"]]
    t = t[["metric", "n", "median", "p90", "value", "unit", "target", "pass"]]
    lines += _md_table(t)
    lines += ["", "`median`/`p90` are over whiskers, steps, scenes or events (the `n` column); "
              "`value` is what the target is checked on.", "",
              "## Failure-mode confusion matrix (rows: truth, columns: reported)", ""]
    cm = confusion.reset_index()
    lines += _md_table(cm)
    lines += ["", "## Worst five scenes", ""]
    worst = scenes.sort_values("score", ascending=False).head(5)
    wt = pd.DataFrame({"seed": worst["seed"], "scene": worst["label"],
                       "truth": worst["true_mode"], "reported": worst["measured_mode"],
                       "score": [f"{s:.1f}" for s in worst["score"]],
                       "what went wrong": ["; ".join(p) or "-" for p in worst["problems"]]})
    lines += _md_table(wt)
    lines += ["", "## Definitions", ""] + DEFINITIONS
    lines += ["", "Reproduce: `make validate` (full bank) or `make validate ARGS=--quick`.", ""]
    return "\n".join(lines)


def _seed_list(text):
    """``"5003,5010-5012"`` -> ``[5003, 5010, 5011, 5012]`` (for ``--seeds``)."""
    seeds = []
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        try:
            seeds.extend(range(int(lo), int(hi or lo) + 1))
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a seed list: {text!r} (e.g. 5003,5010-5019)") from None
    if not seeds:
        raise argparse.ArgumentTypeError("empty seed list")
    return sorted(set(seeds))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help=f"{N_QUICK} scenes instead of {N_BANK}")
    p.add_argument("--n", type=int, default=None, help="number of scenes (overrides --quick)")
    p.add_argument("--presets", action="store_true",
                   help="use the six presets with the bank's seeds even if random_scene exists")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S,
                   help="seconds per scene before it counts as failed")
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    p.add_argument("--results", type=Path, default=None,
                   help="where the analyses are written (default: CACHE/results); give each "
                        "checkout its own when several share one render cache")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Markdown report")
    p.add_argument("--json", type=Path, default=None, help="also write per-scene metrics as JSON")
    p.add_argument("--tune", type=int, default=None, metavar="FIRST_SEED",
                   help="development run on tuning seeds FIRST_SEED.. (must stay below "
                        f"{FIRST_SEED}); its figures are not the bank's and never go in the docs")
    p.add_argument("--seeds", type=_seed_list, default=None, metavar="LIST",
                   help="development run on these tuning seeds only, e.g. 5003,5010-5019,7002 "
                        f"(all below {FIRST_SEED}; overrides --n and --tune)")
    p.add_argument("--check", action="store_true",
                   help="exit 1 if a target is missed or a scene failed")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    n = args.n or (N_QUICK if args.quick else N_BANK)
    first = FIRST_SEED if args.tune is None else args.tune
    if args.tune is not None and not (0 <= first and first + n <= FIRST_SEED):
        print(f"validate: tuning seeds {first}..{first + n - 1} overlap the frozen bank "
              f"(seeds >= {FIRST_SEED}); choose --tune below {FIRST_SEED - n + 1}", file=sys.stderr)
        return 2
    seeds = list(range(first, first + n))
    if args.seeds is not None:
        if max(args.seeds) >= FIRST_SEED:
            print(f"validate: --seeds must stay below the frozen bank (seeds >= {FIRST_SEED})",
                  file=sys.stderr)
            return 2
        seeds, n, first = args.seeds, len(args.seeds), min(args.seeds)
    source = "presets" if args.presets else "auto"
    kind = "bank" if source == "auto" and bank_generator() is not None else "presets"
    commit = commit_hash()  # before the run: the code that runs, not what is committed later
    folders, render_errors = render_all(seeds, args.cache, source, args.workers)
    results_root = Path(args.results or Path(args.cache) / "results") / f"{kind}-v{BANK_VERSION}"
    print(f"analysing {n} scenes with {args.workers} worker(s) ...", file=sys.stderr)
    t0 = time.perf_counter()
    runs = analyze_all({s: f for s, f in folders.items() if s not in render_errors},
                       results_root, args.workers, args.timeout)
    wall = time.perf_counter() - t0

    recs, werrs, rerrs, evs = [], [], [], []
    for seed in seeds:
        if seed in render_errors:
            rec, w, r, e = _failed_record(seed, "render-error", render_errors[seed])
        else:
            try:
                rec, w, r, e = compare_scene(seed, folders[seed], results_root / str(seed),
                                             runs[seed])
            except Exception as exc:  # noqa: BLE001  (an unreadable result fails one scene)
                try:
                    rec, w, r, e = compare_scene(
                        seed, folders[seed], results_root / str(seed),
                        {"status": "error", "error": f"comparison: {exc!r}",
                         "analyze_s": runs[seed]["analyze_s"]})
                except Exception as exc2:  # noqa: BLE001  (the truth itself is unreadable)
                    rec, w, r, e = _failed_record(seed, "error", f"truth: {exc2!r}")
        rec["score"], rec["problems"] = vm.scene_problems(rec)
        recs.append(rec)
        werrs.append(w)
        rerrs.append(r)
        evs.append(e)
    scenes = pd.DataFrame(recs)
    werr = pd.concat([d for d in werrs if len(d)], ignore_index=True) if any(map(len, werrs)) \
        else pd.DataFrame(columns=["rms_px", "bias_px"])
    rerr = pd.concat([d for d in rerrs if len(d)], ignore_index=True) if any(map(len, rerrs)) \
        else pd.DataFrame(columns=["rel_error", "within_2sigma"])
    ev = pd.concat([d for d in evs if len(d)], ignore_index=True) if any(map(len, evs)) \
        else pd.DataFrame(columns=["within", "spurious", "error_s"])
    growth = scenes.loc[scenes["has_growth"]]
    sync_table = pd.DataFrame({
        "error_s": growth["sync_error_s"], "scan_period_s": growth["scan_period_s"],
        "frame_interval_s": growth["frame_interval_s"], "confidence": growth["sync_confidence"],
        "warned": growth["sync_warned"]})
    table = vm.summarize(scenes, werr, rerr, ev, sync_table)
    confusion = vm.confusion_matrix(scenes["true_mode"], scenes["measured_mode"])
    per = scenes["analyze_s"].to_numpy(float)
    import platform
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    labels = scenes["label"].value_counts()
    meta = {"kind": kind, "n_scenes": n, "first_seed": seeds[0], "last_seed": seeds[-1],
            "quick": n == N_QUICK and args.n is None, "generator": generator_version(),
            "sources": ", ".join(f"{k} x{v}" for k, v in labels.items()),
            "commit": commit,
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "wall_s": wall, "workers": args.workers,
            "budget_s": BUDGET_S["quick"] if n <= N_QUICK else BUDGET_S["full"],
            "per_scene_median_s": vm.percentile(per, 50), "per_scene_p90_s": vm.percentile(per, 90),
            "per_scene_max_s": float(np.nanmax(per)) if np.isfinite(per).any() else math.nan,
            "cpu_median_s": vm.percentile(scenes["cpu_s"], 50),
            "cpu_max_s": float(np.nanmax(scenes["cpu_s"])) if scenes["cpu_s"].notna().any()
            else math.nan,
            "cpu_total_s": float(np.nansum(scenes["cpu_s"])),
            "n_pixel_given": int(scenes["pixel_size_given"].notna().sum())
            if "pixel_size_given" in scenes else 0,
            "n_failed": int((scenes["status"] != "ok").sum()), "cpu": cpu,
            "load": os.getloadavg()[0]}
    report = build_report(table, scenes, confusion, meta)
    print(report)
    write_text_safe(args.out, report, "validate")  # never over a file of the user's
    print(f"report written to {args.out}", file=sys.stderr)
    if args.json:
        write_text_safe(args.json, json.dumps({"meta": meta, "table": table.to_dict("records"),
                                                "scenes": scenes.to_dict("records")},
                                               default=str, indent=1), "validate")
    missed = any(p is False for p in table["pass"]) or meta["n_failed"] > 0
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
