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
    return {k: (Path(v) if k in ("video", "trace") else v) for k, v in files.items()}


@functools.lru_cache(maxsize=None)
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
