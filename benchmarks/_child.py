"""One benchmark measurement in a fresh process; prints one JSON line.

``python benchmarks/_child.py MODE ARGS... [--core N]`` with MODE one of
decode, analyze, analyze_save, profile, memory, memory_baseline, batch.
With ``--core N`` the process is pinned to that CPU core before numpy and
OpenCV are imported.
"""
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def _pin(argv):
    if "--core" in argv:
        i = argv.index("--core")
        os.sched_setaffinity(0, {int(argv[i + 1])})
        del argv[i:i + 2]
    return argv


def _single_thread():
    import cv2
    cv2.setNumThreads(1)


def peak_rss_mb():
    """Peak resident set size of this process, MB.

    ``VmHWM`` of /proc/self/status: the high-water mark of this process's own
    memory map. (``getrusage().ru_maxrss`` is not used: on Linux it keeps the
    parent's peak across fork + exec, so a small child reports its parent's size.)
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB elsewhere


def decode(video):
    _single_thread()
    from vision import open_video

    t0, c0 = time.perf_counter(), time.process_time()
    n = 0
    with open_video(video) as reader:
        for frame in reader:
            n += 1
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"n_frames": n, "seconds": dt, "fps": n / dt, "cpu_s": cpu, "fps_cpu": n / cpu}


def analyze(video, trace, pixel_size_um, save=False):
    _single_thread()
    import warnings

    from vision.pipeline import _analyze as vision  # vision.analyze

    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = vision.analyze(video, trace=trace, pixel_size_um=float(pixel_size_um))
        if save:
            with tempfile.TemporaryDirectory(prefix="semtrack-bench-") as tmp:
                result.save(Path(tmp) / "out")
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    n = int(result.summary["n_frames"])
    return {"n_frames": n, "seconds": dt, "fps": n / dt, "cpu_s": cpu, "fps_cpu": n / cpu,
            "peak_rss_MB": peak_rss_mb()}


def profile(video, trace, pixel_size_um, report):
    _single_thread()
    import warnings

    from pyinstrument import Profiler

    from vision.pipeline import _analyze as vision  # vision.analyze

    profiler = Profiler(interval=0.005)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profiler.start()
        result = vision.analyze(video, trace=trace, pixel_size_um=float(pixel_size_um))
        profiler.stop()
    Path(report).write_text(profiler.output_text(unicode=False, color=False, show_all=False))
    return {"n_frames": int(result.summary["n_frames"]), "report": str(report)}


def memory_baseline():
    import cv2  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401

    import vision  # noqa: F401
    return {"peak_rss_MB": peak_rss_mb()}


def batch(src, out, workers, pixel_size_um):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import results_digests, source_digest

    import vision

    source_at_start = source_digest()
    t0 = time.perf_counter()
    items = vision.collect_batch(src, out_dir=out,
                                 defaults={"pixel_size_um": float(pixel_size_um)})
    result = vision.run_batch(items, out, workers=int(workers))
    dt = time.perf_counter() - t0
    failed = [r for r in result.records if r["status"] != "done"]
    if failed:
        raise SystemExit(f"batch benchmark: not all videos done: {failed}")
    # CPU time of this process and its (reaped) worker processes: how many cores the
    # batch actually got on average.
    cpu = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF,
                                                              resource.RUSAGE_CHILDREN)
              for f in ("ru_utime", "ru_stime"))
    return {"n_videos": len(items), "seconds": dt, "videos_per_min": 60.0 * len(items) / dt,
            "cpu_s": cpu, "cores_busy": cpu / dt, "digests": results_digests(out),
            "source": source_at_start}


def main(argv):
    argv = _pin(list(argv))
    mode, args = argv[0], argv[1:]
    funcs = {"decode": decode, "analyze": analyze,
             "analyze_save": lambda v, t, px: analyze(v, t, px, save=True),
             "profile": profile, "memory": analyze, "memory_baseline": memory_baseline,
             "batch": batch}
    print(json.dumps(funcs[mode](*args)))


if __name__ == "__main__":
    main(sys.argv[1:])
