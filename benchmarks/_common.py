"""Helpers shared by the benchmark driver and its child processes."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import subprocess
import sys
from pathlib import Path


def hash_update(h, *values, nested=False):
    """Feed ``values`` into the hashlib object ``h``, for the digest scripts.

    Arrays by dtype, shape and bytes; with ``nested``, tuples and lists element by element
    (so arrays inside them count by their bytes); anything else by its ``repr``.
    """
    import numpy as np

    for a in values:
        if isinstance(a, np.ndarray):
            h.update(str((a.dtype, a.shape)).encode())
            h.update(np.ascontiguousarray(a).tobytes())
        elif nested and isinstance(a, (tuple, list)):
            h.update(b"(")
            hash_update(h, *a, nested=True)
            h.update(b")")
        else:
            h.update(repr(a).encode())


def analyze_render_patched(render_dir, **patches):
    """Analyse a cached render as the validation does, with ``vision.track._tracker``'s
    names in ``patches`` replaced for the run (restored after it), for the digest scripts.

    ``render_dir`` holds ``DONE.json`` (``benchmarks/validate.py``'s render cache: the
    options of ``_validate_worker.analyze_options``, the truth's pixel size where they give
    none; a ``make bench`` video: its ``pixel_size_um``). Warnings are silenced; no frames
    are kept.
    """
    import warnings

    from _validate_worker import analyze_options

    import vision
    import vision.track._tracker as trk

    render_dir = Path(render_dir)
    done = json.loads((render_dir / "DONE.json").read_text())
    if "truth_json" in done:
        truth = json.loads((render_dir / done["truth_json"]).read_text())
        opts = analyze_options(truth)
        opts.setdefault("pixel_size_um", float(truth["pixel_size_um"]))
    else:  # a make-bench video
        opts = {"pixel_size_um": float(done["pixel_size_um"])}
    saved = {name: getattr(trk, name) for name in patches}
    for name, fn in patches.items():
        setattr(trk, name, fn)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vision.analyze(render_dir / done["video"], trace=render_dir / done["trace"],
                           keep_frames=False, progress=False, **opts)
    finally:
        for name, fn in saved.items():
            setattr(trk, name, fn)


#: Environment of every measuring process: one thread for BLAS/OpenMP.
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                     "MKL_NUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1"}

#: Summary fields that may differ between two runs of the same analysis.
VOLATILE_KEYS = ("duration_wall_s", "elapsed_s", "created", "created_utc", "analysed_at")


def child_env():
    env = dict(os.environ)
    env.update(SINGLE_THREAD_ENV)
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def machine_info():
    """CPU model, cores available, RAM and library versions of this machine."""
    import cv2
    import numpy

    import vision

    cpu = platform.processor() or platform.machine()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except (OSError, subprocess.CalledProcessError):
        pass
    try:
        with open("/proc/meminfo") as fh:
            mem_kb = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    try:
        repo = Path(vision.__file__).resolve().parent.parent
        commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "vision",
                                "calibration", "electrochem"], capture_output=True, text=True,
                               check=True).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "git_commit": commit,
            "load_average_1min": os.getloadavg()[0],
            "cores_total": os.cpu_count(), "memory_GB": mem_kb / 1024 ** 2,
            "python": platform.python_version(), "numpy": numpy.__version__,
            "opencv": cv2.__version__, "semtrack": vision.__version__,
            "platform": platform.platform()}


def make_video(cache, *, duration_s, shape, preset="whisker"):
    """Render (once, deterministically) a synthetic video and its trace.

    Returns ``{"video": path, "trace": path, "pixel_size_um": float}``. The
    cache folder name carries the preset, shape, duration and a digest of the
    generator's source, so a cached file is reused only for the same scene.
    """
    from vision import synthetic

    rows, cols = shape
    tag = f"{preset}_{cols}x{rows}_{duration_s:g}s_{_generator_digest()}"
    folder = Path(cache) / tag
    done = folder / "DONE.json"
    if done.is_file():
        return _files(json.loads(done.read_text()))
    print(f"  generating {tag} ...", file=sys.stderr)
    folder.mkdir(parents=True, exist_ok=True)
    scene = synthetic.preset(preset, shape=shape, duration_s=duration_s)
    written = synthetic.render(scene, folder, fmt="mp4")
    files = {"video": str(written.video), "trace": str(written.trace),
             "pixel_size_um": scene.pixel_size_um}
    done.write_text(json.dumps(files))
    return _files(files)


def _files(files):
    return {k: (Path(v) if k in ("video", "trace", "truth_frames") else v)
            for k, v in files.items()}


@functools.cache
def _generator_digest():
    """Short digest of vision.synthetic's source: a changed generator renders anew.

    Computed once per run, like the generator code is imported once per run.
    """
    from vision import synthetic

    h = hashlib.sha256()
    for p in sorted(Path(synthetic.__file__).parent.glob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()[:10]


def results_digests(out_dir):
    """SHA-256 per result file: every video's summary (volatile fields removed) and CSVs."""
    out = {}
    out_dir = Path(out_dir)
    for d in sorted(p for p in out_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        summary = json.loads((d / "summary.json").read_text())
        for key in VOLATILE_KEYS:
            summary.pop(key, None)
        out[f"{d.name}/summary.json"] = hashlib.sha256(
            json.dumps(summary, sort_keys=True).encode()).hexdigest()
        for csv in sorted(d.glob("*.csv")):
            out[f"{d.name}/{csv.name}"] = hashlib.sha256(csv.read_bytes()).hexdigest()
    return out


def source_digest():
    """Digest of semtrack's source files as they are on disk now.

    The benchmark compares it before and after the batch runs: in a shared working
    tree, an edit between two runs (not the engine) would explain different results.
    """
    import calibration
    import electrochem
    import vision

    h = hashlib.sha256()
    for pkg in (calibration, electrochem, vision):
        for p in sorted(Path(pkg.__file__).parent.rglob("*.py")):
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


#: The full-HD benchmark video (issue 14): a screen recording's size and rate, an SEM that
#: refreshes every 0.4 s (10 frames per scan), 120 s = 3000 frames.
HD_SHAPE = (1080, 1920)
HD_FPS = 25.0
HD_SCAN_PERIOD_S = 0.4
HD_CODECS = ("mpeg4", "h264")


def hd_scene(codec, duration_s):
    """The whisker preset at 1920x1080, 25 fps, 0.4 s per scan, stretched to ``duration_s``.

    The preset's potential steps and growth rates are stretched in time by
    ``duration_s / 20`` so that the whisker reaches the preset's length (~34 um) at the
    end whatever the duration. ``codec`` 'mpeg4' (MPEG-4 part 2, GOP 12: keyframes fall
    inside the runs of duplicates) or 'h264' (x264 veryfast, crf 23).
    """
    import dataclasses

    from vision import synthetic
    from vision.synthetic._extras import Extras

    base = synthetic.preset("whisker")
    k = duration_s / base.duration_s
    scene = synthetic.preset("whisker", shape=HD_SHAPE, fps=HD_FPS,
                             scan_period_s=HD_SCAN_PERIOD_S, duration_s=duration_s,
                             steps=tuple((t * k, u) for t, u in base.steps))
    whiskers = tuple(dataclasses.replace(w, rates_px_s=tuple(r / k for r in w.rates_px_s))
                     for w in scene.whiskers)
    return scene.replace(whiskers=whiskers,
                         extras=Extras(codec=codec, crf=23, x264_preset="veryfast"))


def make_hd_video(cache, *, codec, duration_s):
    """Render (once) the full-HD benchmark video; like :func:`make_video`, plus its truth."""
    from vision import synthetic

    tag = f"hd_{codec}_{duration_s:g}s_{_generator_digest()}"
    folder = Path(cache) / tag
    done = folder / "DONE.json"
    if done.is_file():
        return _files(json.loads(done.read_text()))
    print(f"  generating {tag} (1920x1080, {duration_s * HD_FPS:.0f} frames; minutes) ...",
          file=sys.stderr)
    folder.mkdir(parents=True, exist_ok=True)
    scene = hd_scene(codec, duration_s)
    written = synthetic.render_random(scene, folder)
    files = {"video": str(written.video), "trace": str(written.trace),
             "truth_frames": str(Path(written.video).with_name(
                 f"{scene.name}_truth_frames.csv")),
             "pixel_size_um": scene.pixel_size_um}
    done.write_text(json.dumps(files))
    return _files(files)


def repeat_video(video, times, out):
    """``video``'s packets ``times`` over into ``out`` (same codec, no re-encoding).

    A long video for the memory-flatness check in seconds instead of the half hour a
    render of it takes; the content restarts at each repetition (fine for memory).
    """
    import av

    out = Path(out)
    if out.is_file():
        return out
    tmp = out.with_name(out.name + ".part" + out.suffix)
    with av.open(str(video)) as src, av.open(str(tmp), "w", format="mp4") as dst:
        s_in = src.streams.video[0]
        s_out = dst.add_stream_from_template(s_in)
        packets = [p for p in src.demux(s_in) if p.size]
        span = max(p.pts for p in packets) + (packets[1].pts - packets[0].pts)
        for k in range(times):
            for p in packets:
                p.pts += span if k else 0
                p.dts = None if p.dts is None else p.dts + (span if k else 0)
                p.stream = s_out
                dst.mux(p)
    os.replace(tmp, out)
    return out
