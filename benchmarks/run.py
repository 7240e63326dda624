"""Speed and memory benchmarks of semtrack (``make bench``; not part of the tests).

0. **Full HD (issue 14)**: 1920x1080 screen recordings at 25 fps with a new scan every
   0.4 s (3000 frames; MPEG-4 and H.264): the fastest PyAV gray decode as the baseline,
   analyze without and with overlay + report (ratios to the baseline, one core, after a
   warm-up), CPU per stage per measured scan against a budget, peak RSS (and of the
   video repeated 4x), scans and whisker against the truth: exits 1 when those are wrong.
   ``--quick``: a 20 s MPEG-4 video only.

Then, as before, on the same generated 1024x768 video:

1. **Throughput on one core**: frames per second of just decoding the video
   with :func:`vision.open_video`, of :func:`vision.analyze`, and of analyze
   plus writing the results folder (overlay video and report, i.e. what
   ``semtrack analyze`` does); the ratio analysis / decode (target >= 1/3).
   Each runs in a fresh process pinned to one CPU core with one thread for
   OpenCV and BLAS. Rates are frames per CPU second of that process (robust
   on a shared machine; equal to wall-clock rates on an idle one), the wall
   clock rates are printed beside them.
2. **Peak memory**: peak resident set size (``VmHWM``) of a fresh process
   analysing the video, and the same video four times as long (target: within
   10 % of each other), beside that of a process that only imports semtrack.
3. **Batch scaling**: videos per minute of ``semtrack batch`` over copies of
   a short clip with 1 and 2 local workers (Dask ``LocalCluster``; start-up
   included), and the ratio.

Videos are generated deterministically by :mod:`vision.synthetic` into a cache
folder outside the repository (``~/.cache/semtrack-bench`` or ``--cache``) and
reused. Results are printed as a table and written as JSON (``--json``).

Usage::

    python benchmarks/run.py [--quick] [--codecs mpeg4 h264] [--hd-duration S]
                             [--duration S] [--batch-videos N] [--profile]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vision._shared._fileio import remove_written_dir, write_text_safe

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import (  # noqa: E402  (benchmarks/ is not a package)
    HD_CODECS,
    HD_FPS,
    HD_SCAN_PERIOD_S,
    child_env,
    machine_info,
    make_hd_video,
    make_video,
    repeat_video,
)

#: Budget per measured scan of each stage at 1080p, CPU ms on one core (issue 14: about
#: 25 ms a scan besides decoding, for analysis within 3x of decoding at 10 frames a scan).
#: Stages are matched by the start of the phase names _child.py reports.
BUDGET_MS_PER_SCAN = {
    "refresh": 3.0, "drift registration": 2.0, "normalisation": 2.0,
    "scan-line offsets": 2.0, "measure: segment_lithium": 6.0, "measure: detect_crack": 5.0,
    "measure: crack_background": 0.5, "measure: find_whiskers": 1.5,
    "measure: measure_front": 1.0, "analysis (other)": 2.0,
}
#: Targets of issue 14 (ratios to the gray-decode baseline, one core).
TARGET_NO_OVERLAY = 3.0
TARGET_WITH_OVERLAY = 4.0
TARGET_RSS_MB = 400.0
TARGET_RSS_GROWTH = 1.10
#: How many times over the full-HD video is repeated for the memory-flatness check
#: (issue 14: a 4x longer video within 10 %).
HD_MEMORY_REPEATS = 4
TARGET_BATCH_SPEEDUP = 1.8   # 2 workers on 2 cores vs 1, start-up included

CHILD = HERE / "_child.py"


def run_child(*args, core=None):
    """Run one measurement in a fresh Python process; return its JSON result."""
    cmd = [sys.executable, str(CHILD), *map(str, args)]
    if core is not None:
        cmd += ["--core", str(core)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=child_env())
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step {' '.join(map(str, args))} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_batch(clip, n_videos, workers, work):
    """Videos per minute of run_batch over ``n_videos`` copies of ``clip``."""
    src = work / "batch-in"
    if not src.exists():
        src.mkdir(parents=True)
        for i in range(n_videos):
            shutil.copy(clip["video"], src / f"clip{i:02d}{Path(clip['video']).suffix}")
            shutil.copy(clip["trace"], src / f"clip{i:02d}{Path(clip['trace']).suffix}")
    out = work / f"batch-out-{workers}"
    remove_written_dir(out)  # only a batch output semtrack wrote (issue 15.1)
    return run_child("batch", src, out, workers, clip["pixel_size_um"])


def samples_batch_folder(work, repeats):
    """The six sample videos (``videos/``) ``repeats`` times each, with a manifest.

    The batch of issue 14's target: each copy gets its own name and the sample's
    manifest row (pixel size, sync offset, counter electrode); the truth columns are
    left out (they name files the batch does not need). Returns the folder and the
    number of videos.
    """
    import csv

    videos = HERE.parent / "videos"
    with open(videos / "manifest.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if len(rows) < 6:
        raise SystemExit(f"batch benchmark: {videos / 'manifest.csv'} lists {len(rows)} "
                         "videos, expected the six samples; run `make videos`.")
    keep = ("video", "trace", "pixel_size_um", "sync_offset_s", "counter_electrode",
            "counter_electrode_x_px")
    src = work / "samples-in"
    src.mkdir(parents=True)
    out_rows = []
    for rep in range(repeats):
        for row in rows:
            new = {k: row[k] for k in keep if k in row}
            for k in ("video", "trace"):
                name = Path(row[k])
                new[k] = f"{name.stem}_r{rep}{name.suffix}"
                shutil.copy(videos / name, src / new[k])
            out_rows.append(new)
    with open(src / "manifest.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(out_rows[0]))
        w.writeheader()
        w.writerows(out_rows)
    return src, len(out_rows)


def bench_samples_batch(src, workers, work):
    """``run_batch`` of the repeated samples (manifest folder) with ``workers`` workers."""
    out = work / f"samples-out-{workers}"
    remove_written_dir(out)  # only a batch output semtrack wrote (issue 15.1)
    return run_child("batch", src, out, workers, "-")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path,
                        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                        / "semtrack-bench", help="where generated videos are kept")
    parser.add_argument("--duration", type=float, default=20.0,
                        help="length of the 1024x768 benchmark video, s (default 20)")
    parser.add_argument("--batch-videos", type=int, default=4,
                        help="videos in the batch-scaling run (default 4)")
    parser.add_argument("--batch-duration", type=float, default=8.0,
                        help="length of each batch video, s (default 8)")
    parser.add_argument("--batch-set", choices=("samples", "clip"), default="samples",
                        help="batch-scaling input: the six sample videos of videos/ repeated "
                             "--batch-repeats times (default; issue 14's target), or "
                             "--batch-videos copies of one generated 1024x768 clip")
    parser.add_argument("--batch-repeats", type=int, default=4,
                        help="copies of each sample video in the batch (default 4: 24 videos)")
    parser.add_argument("--hd-duration", type=float, default=120.0,
                        help="length of the 1920x1080 benchmark videos, s (default 120: "
                             "3000 frames)")
    parser.add_argument("--codecs", nargs="*", default=list(HD_CODECS), choices=HD_CODECS,
                        help="codecs of the full-HD videos (default both)")
    parser.add_argument("--quick", action="store_true",
                        help="20 s full-HD videos, MPEG-4 only, no 1024x768 or batch part "
                             "(a few minutes; for development)")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=("hd", "hd_memory", "speed", "memory", "batch"),
                        help="parts to leave out")
    parser.add_argument("--profile", action="store_true",
                        help="also profile analyze with pyinstrument (text report saved)")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    codecs = tuple(args.codecs)
    if args.quick:
        args.hd_duration = 20.0
        codecs = ("mpeg4",)
        args.skip = sorted(set(args.skip) | {"speed", "memory", "batch"})

    args.cache.mkdir(parents=True, exist_ok=True)
    shape = (768, 1024)
    t_start = time.perf_counter()
    print("semtrack benchmarks", file=sys.stderr)
    results = {"machine": machine_info()}
    if not {"speed", "memory"} <= set(args.skip):
        video = make_video(args.cache, duration_s=args.duration, shape=shape)
        results["video"] = {"shape_rows_cols": list(shape), "duration_s": args.duration,
                            "path": str(video["video"])}

    failures = []
    if "hd" not in args.skip:
        results["hd"] = {}
        for k, codec in enumerate(codecs):
            # the memory check (a 4x longer video) once: it is the slowest part
            results["hd"][codec] = bench_hd(args, codec, failures, memory=k == 0)

    if "speed" not in args.skip:
        print("  decode-only on one core ...", file=sys.stderr)
        dec = run_child("decode", video["video"], core=0)
        print("  analyze on one core ...", file=sys.stderr)
        ana = run_child("analyze", video["video"], video["trace"], video["pixel_size_um"], core=0)
        print("  analyze + save (overlay, report) on one core ...", file=sys.stderr)
        full = run_child("analyze_save", video["video"], video["trace"], video["pixel_size_um"],
                         core=0)
        results["speed"] = {
            "n_frames": dec["n_frames"],
            "decode_fps": dec["fps"], "decode_fps_cpu": dec["fps_cpu"],
            "analyze_fps": ana["fps"], "analyze_fps_cpu": ana["fps_cpu"],
            "analyze_save_fps": full["fps"], "analyze_save_fps_cpu": full["fps_cpu"],
            "analyze_over_decode": ana["fps_cpu"] / dec["fps_cpu"],
            "analyze_save_over_decode": full["fps_cpu"] / dec["fps_cpu"],
            "analyze_over_decode_wall": ana["fps"] / dec["fps"],
        }
        if args.profile:
            report = args.cache / "profile_analyze.txt"
            run_child("profile", video["video"], video["trace"], video["pixel_size_um"], report,
                      core=0)
            results["speed"]["profile"] = str(report)

    if "memory" not in args.skip:
        long = make_video(args.cache, duration_s=4 * args.duration, shape=shape)
        print("  peak memory, 1x and 4x long ...", file=sys.stderr)
        m1 = run_child("memory", video["video"], video["trace"], video["pixel_size_um"])
        m4 = run_child("memory", long["video"], long["trace"], long["pixel_size_um"])
        base = run_child("memory_baseline")
        results["memory"] = {
            "baseline_rss_MB": base["peak_rss_MB"],
            "peak_rss_MB_1x": m1["peak_rss_MB"], "n_frames_1x": m1["n_frames"],
            "peak_rss_MB_4x": m4["peak_rss_MB"], "n_frames_4x": m4["n_frames"],
            "ratio_4x_over_1x": m4["peak_rss_MB"] / m1["peak_rss_MB"],
        }

    if "batch" not in args.skip:
        with tempfile.TemporaryDirectory(prefix="semtrack-bench-batch-") as tmp:
            work = Path(tmp)
            if args.batch_set == "samples":
                src, n_batch = samples_batch_folder(work, args.batch_repeats)
                what = f"the six samples x {args.batch_repeats}"
                run = lambda workers: bench_samples_batch(src, workers, work)  # noqa: E731
            else:
                clip = make_video(args.cache, duration_s=args.batch_duration, shape=shape)
                n_batch, what = args.batch_videos, f"{args.batch_duration:g} s clips"
                run = lambda workers: bench_batch(clip, n_batch, workers, work)  # noqa: E731
            load0 = os.getloadavg()[0]
            print(f"  batch of {n_batch} videos ({what}), 1 worker ...", file=sys.stderr)
            b1 = run(1)
            print(f"  batch of {n_batch} videos ({what}), 2 workers ...", file=sys.stderr)
            b2 = run(2)
        results["batch"] = {
            "set": what, "load_average_1min_before": load0,
            "load_average_1min_after": os.getloadavg()[0],
            "n_videos": n_batch, "video_duration_s": args.batch_duration
            if args.batch_set == "clip" else None,
            "videos_per_min_1_worker": b1["videos_per_min"],
            "videos_per_min_2_workers": b2["videos_per_min"],
            "speedup_2_over_1": b2["videos_per_min"] / b1["videos_per_min"],
            "cores_busy_1_worker": b1["cores_busy"], "cores_busy_2_workers": b2["cores_busy"],
            # CPU of the batch process and its workers per video: the cost of running in
            # parallel (start-up, contention), robust against other jobs on the machine
            "cpu_s_per_video_1_worker": b1["cpu_s"] / n_batch,
            "cpu_s_per_video_2_workers": b2["cpu_s"] / n_batch,
            "identical_results": b1["digests"] == b2["digests"],
            "differing_files": sorted(k for k in b1["digests"].keys() | b2["digests"].keys()
                                      if b1["digests"].get(k) != b2["digests"].get(k)),
            "source_changed_between_runs": b1["source"] != b2["source"],
        }
    results["bench_wall_s"] = time.perf_counter() - t_start
    results["machine"]["load_average_1min_end"] = os.getloadavg()[0]
    results["failures"] = failures
    print_table(results)
    out = args.json or args.cache / "results.json"
    write_text_safe(out, json.dumps(results, indent=2) + "\n", "bench")
    print(f"\nJSON: {out}")
    if failures:
        print("\nBENCHMARK FAILED: the analysis measured the wrong thing, its times mean "
              "nothing:", file=sys.stderr)
        for f in failures:
            print(f"  - {f}", file=sys.stderr)
        return 1
    return 0


def bench_hd(args, codec, failures, *, memory=True):
    """The full-HD screen recording in ``codec``: decode baseline, analyze, analyze + save."""
    video = make_hd_video(args.cache, codec=codec, duration_s=args.hd_duration)
    common = (video["video"], video["trace"], video["pixel_size_um"], video["truth_frames"])
    print(f"  1920x1080 {codec}: gray decode (baseline) on one core ...", file=sys.stderr)
    dec = run_child("decode_fast", video["video"], core=0)
    print(f"  1920x1080 {codec}: analyze (no overlay, no report) on one core ...",
          file=sys.stderr)
    ana = run_child("hd_analyze", *common, 0, 1, core=0)
    print(f"  1920x1080 {codec}: analyze + save (overlay, report) on one core ...",
          file=sys.stderr)
    full = run_child("hd_analyze", *common, 1, 0, core=0)
    out = {"decode": dec, "analyze": ana, "analyze_save": full,
           "analyze_over_decode": ana["cpu_s"] / dec["cpu_s"],
           "analyze_save_over_decode": full["cpu_s"] / dec["cpu_s"],
           "analyze_over_decode_wall": ana["seconds"] / dec["seconds"]}
    if "phases_cpu_s" in ana:
        out["phase_over_decode"] = phase_over_decode(ana["phases_cpu_s"], dec["cpu_s"])
    for name, r in (("analyze", ana), ("analyze + save", full)):
        check_truth(f"1080p {codec} {name}", r, failures)
    if memory and "hd_memory" not in args.skip:
        long = repeat_video(video["video"], HD_MEMORY_REPEATS, Path(video["video"]).with_name(
            f"repeated{HD_MEMORY_REPEATS}" + Path(video["video"]).suffix))
        long_truth = repeat_truth(video["truth_frames"], HD_MEMORY_REPEATS,
                                  Path(video["truth_frames"]).with_name(
                                      f"repeated{HD_MEMORY_REPEATS}_truth_frames.csv"))
        print(f"  1920x1080 {codec}: peak memory of the video {HD_MEMORY_REPEATS}x repeated ...",
              file=sys.stderr)
        m4 = run_child("hd_analyze", long, video["trace"], video["pixel_size_um"], long_truth,
                       0, 0, core=0)
        # a run that finds nothing holds nothing: the long video's scans and whisker too
        check_truth(f"1080p {codec} {HD_MEMORY_REPEATS}x repeated", m4, failures)
        out["memory_4x"] = m4
        out["peak_rss_MB_4x"] = m4["peak_rss_MB"]
        out["n_frames_4x"] = m4["n_frames"]
        out["rss_4x_over_1x"] = m4["peak_rss_MB"] / ana["peak_rss_MB"]
        if out["rss_4x_over_1x"] > TARGET_RSS_GROWTH:
            failures.append(f"1080p {codec}: peak RSS {m4['peak_rss_MB']:.1f} MB at "
                            f"{HD_MEMORY_REPEATS}x the length, {out['rss_4x_over_1x']:.3f} "
                            f"times the 1x run's (target <= {TARGET_RSS_GROWTH:g}): memory "
                            "grows with the video's length")
    return out


def check_truth(label, r, failures):
    """Append to ``failures`` what a ``hd_analyze`` result ``r`` got wrong against its truth.

    The whisker must be found, the frames with new content and the scans measured must
    equal the truth's, and no frame with new content may be read as a repeat (issue 14:
    the count exact *and* no scan missed; equal counts can hide a new scan read as a
    repeat beside a repeat read as new).
    """
    if r["whiskers_found"] < 1:
        failures.append(f"{label}: the whisker was not found")
    if r["new_frames"] != r["truth_new_frames"] or r["scans_measured"] != r["truth_scans"]:
        failures.append(f"{label}: {r['new_frames']} frames with new content (truth "
                        f"{r['truth_new_frames']}), {r['scans_measured']} scans measured "
                        f"(truth {r['truth_scans']})")
    if r["missed_new_frames"]:
        failures.append(f"{label}: {r['missed_new_frames']} frame(s) with new content read "
                        "as repeats")


def repeat_truth(truth_frames, times, out):
    """The truth of ``truth_frames``'s video repeated ``times`` over (see ``repeat_video``).

    Each repetition's rows follow the last with their frame numbers, times and scan
    indices shifted past it, so that every repetition's scans count as new ones (the
    first frame of a repetition shows the first scan again, after the last scan of the
    one before). Written (once) to ``out``; returns ``out``.
    """
    import pandas as pd

    out = Path(out)
    if out.is_file():
        return out
    truth = pd.read_csv(truth_frames)
    n = len(truth)
    dt = float(truth["time_s"].iloc[1] - truth["time_s"].iloc[0]) if n > 1 else 0.0
    n_scans = int(truth["scan_index"].max()) + 1
    parts = []
    for k in range(times):
        part = truth.copy()
        part["frame"] += k * n
        for col in ("time_s", "content_time_s"):
            part[col] += k * n * dt
        part["scan_index"] += k * n_scans
        parts.append(part)
    write_text_safe(out, pd.concat(parts, ignore_index=True).to_csv(index=False), "bench")
    return out


#: Phases that run on every frame, new scan or repeat (``_child.py``'s names): the decoder
#: and the duplicate and tear detection. Everything else runs once per measured scan
#: (or once per video).
PER_FRAME_PHASES = ("decode", "refresh")


def phase_over_decode(phases_cpu_s, decode_cpu_s):
    """Each phase's CPU seconds as a share of the gray-decode baseline's.

    The parts of the ratio ``analyze / decode`` (they add up to it, the analysis's own
    decode included): what a phase costs in the units of the issue-14 targets, e.g. a
    phase at 0.30 takes 0.30 off a 3x target. Keys as in ``phases_cpu_s``.
    """
    return {name: sec / decode_cpu_s for name, sec in phases_cpu_s.items()}


def per_frame_ms(phases_cpu_s, n_frames):
    """CPU ms a frame of the phases that run on every frame (`PER_FRAME_PHASES`)."""
    return {name: 1000.0 * sec / max(n_frames, 1) for name, sec in phases_cpu_s.items()
            if name.startswith(PER_FRAME_PHASES)}


def print_hd(codec, h):
    d, a, f = h["decode"], h["analyze"], h["analyze_save"]
    n = d["n_frames"]
    print(f"\n1920x1080 screen recording, {codec}: {n} frames at {HD_FPS:g} fps, "
          f"{HD_SCAN_PERIOD_S:g} s per scan; one core, CPU s (wall in brackets)")
    print(f"  gray decode (PyAV, Y plane)   {d['cpu_s']:7.2f} s ({d['seconds']:.2f})  "
          f"{d['fps_cpu']:7.1f} frames/s")
    print(f"  analyze --no-overlay          {a['cpu_s']:7.2f} s ({a['seconds']:.2f})  "
          f"{a['fps_cpu']:7.1f} frames/s   {h['analyze_over_decode']:.2f}x decode "
          f"(target <= {TARGET_NO_OVERLAY:g}x)")
    print(f"  analyze + overlay + report    {f['cpu_s']:7.2f} s ({f['seconds']:.2f})  "
          f"{f['fps_cpu']:7.1f} frames/s   {h['analyze_save_over_decode']:.2f}x decode "
          f"(target <= {TARGET_WITH_OVERLAY:g}x; save {f['save_cpu_s']:.2f} s)")
    print(f"  frames with new content       {a['new_frames']} (truth {a['truth_new_frames']}), "
          f"scans measured {a['scans_measured']} (truth {a['truth_scans']}), missed "
          f"{a['missed_new_frames']}, whiskers found {a['whiskers_found']}, scan period "
          f"{a['scan_period_s']} s")
    line = f"  peak RSS                      {a['peak_rss_MB']:7.1f} MB (with save {f['peak_rss_MB']:.1f})"
    if "peak_rss_MB_4x" in h:
        line += (f", 4x repeated ({h['n_frames_4x']} frames) {h['peak_rss_MB_4x']:.1f} MB, "
                 f"ratio {h['rss_4x_over_1x']:.3f} (targets <= {TARGET_RSS_MB:g} MB, "
                 f"<= {TARGET_RSS_GROWTH:g})")
    print(line)
    if "phases_cpu_s" not in a:
        return
    scans = max(a["scans_measured"], 1)
    frames = per_frame_ms(a["phases_cpu_s"], a["n_frames"])
    print(f"  per frame ({a['n_frames']} frames, new scan or repeat; CPU ms): "
          + ", ".join(f"{k} {v:.3f}" for k, v in frames.items())
          + f" (baseline decode {1000 * d['cpu_s'] / max(n, 1):.3f})")
    parts = phase_over_decode(a["phases_cpu_s"], d["cpu_s"])
    print(f"  per-phase CPU per measured scan (ms; {scans} scans; budget where set) and its "
          "part of the ratio to decode:")
    for name, sec in sorted(a["phases_cpu_s"].items(), key=lambda kv: -kv[1]):
        budget = next((b for k, b in BUDGET_MS_PER_SCAN.items() if name.startswith(k)), None)
        flag = "" if budget is None else f"   budget {budget:4.1f}" + (
            "  OVER" if 1000 * sec / scans > budget else "")
        print(f"    {name:38s} {1000 * sec / scans:7.2f}  {parts[name]:5.2f}x{flag}")


def print_table(r):
    m = r["machine"]
    print(f"\nMachine: {m['cpu']}, {m['cores']} cores available, {m['memory_GB']:.1f} GB RAM, "
          f"Python {m['python']}, OpenCV {m['opencv']}, semtrack {m['semtrack']} "
          f"(git {m['git_commit']})")
    print(f"Load average (1 min) at start {m['load_average_1min']:.1f}, at end "
          f"{m['load_average_1min_end']:.1f}: other jobs on the machine distort wall-clock "
          "figures (batch scaling above all)")
    for codec, h in (r.get("hd") or {}).items():
        print_hd(codec, h)
    if "video" in r:
        v = r["video"]
        print("\n1024x768 (the earlier benchmark):")
        print(f"Video: {v['shape_rows_cols'][1]}x{v['shape_rows_cols'][0]} px, "
              f"{v['duration_s']:g} s")
    if "speed" in r:
        s = r["speed"]
        print(f"\nThroughput on one core ({s['n_frames']} frames; frames per CPU second, "
              "wall clock in brackets)")
        print(f"  decode only                  {s['decode_fps_cpu']:8.1f} frames/s "
              f"({s['decode_fps']:.1f})")
        print(f"  analyze                      {s['analyze_fps_cpu']:8.1f} frames/s "
              f"({s['analyze_fps']:.1f})   ratio to decode {s['analyze_over_decode']:.2f} "
              "(target >= 0.33)")
        print(f"  analyze + save (overlay)     {s['analyze_save_fps_cpu']:8.1f} frames/s "
              f"({s['analyze_save_fps']:.1f})   ratio to decode "
              f"{s['analyze_save_over_decode']:.2f}")
        if "profile" in s:
            print(f"  profile: {s['profile']}")
    if "memory" in r:
        mm = r["memory"]
        print("\nPeak memory (resident set)")
        print(f"  after imports only           {mm['baseline_rss_MB']:8.1f} MB")
        print(f"  video ({mm['n_frames_1x']} frames)        {mm['peak_rss_MB_1x']:8.1f} MB")
        print(f"  4x as long ({mm['n_frames_4x']} frames)  {mm['peak_rss_MB_4x']:8.1f} MB   "
              f"ratio {mm['ratio_4x_over_1x']:.3f} (target <= 1.10)")
    if "batch" in r:
        b = r["batch"]
        print(f"\nBatch scaling ({b['n_videos']} videos: {b['set']}; LocalCluster start-up "
              f"included; load average {b['load_average_1min_before']:.1f} before, "
              f"{b['load_average_1min_after']:.1f} after)")
        print(f"  1 worker                     {b['videos_per_min_1_worker']:8.2f} videos/min   "
              f"cores busy on average {b['cores_busy_1_worker']:.2f}, "
              f"{b['cpu_s_per_video_1_worker']:.2f} CPU s a video")
        print(f"  2 workers                    {b['videos_per_min_2_workers']:8.2f} videos/min   "
              f"cores busy on average {b['cores_busy_2_workers']:.2f}, "
              f"{b['cpu_s_per_video_2_workers']:.2f} CPU s a video   "
              f"speed-up {b['speedup_2_over_1']:.2f} (target >= {TARGET_BATCH_SPEEDUP:g})")
        print(f"  identical results            {b['identical_results']}")
        if not b["identical_results"]:
            print(f"    differing: {', '.join(b['differing_files'][:8])}")
            if b["source_changed_between_runs"]:
                print("    (semtrack's source files changed between the two runs: the working "
                      "tree was edited, compare again)")
    print(f"\nBenchmark wall time {r['bench_wall_s']:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
