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
        for _frame in reader:
            n += 1
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"n_frames": n, "seconds": dt, "fps": n / dt, "cpu_s": cpu, "fps_cpu": n / cpu}


def decode_fast(video):
    """The baseline: the fastest gray decode PyAV offers (AUTO threads, Y plane, no copy)."""
    import av
    import numpy as np

    def run(limit=None):
        n = 0
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                plane = frame.planes[0]
                y = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)
                y[:, :frame.width]  # the gray image, a view
                n += 1
                if limit and n >= limit:
                    break
        return n

    run(limit=25)  # warm-up: library load, first allocations
    t0, c0 = time.perf_counter(), time.process_time()
    n = run()
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"n_frames": n, "seconds": dt, "fps": n / dt, "cpu_s": cpu, "fps_cpu": n / cpu}


class _Phases:
    """Exclusive (self) time per phase of wrapped functions and generators, s."""

    def __init__(self):
        self.total = {}
        self._stack = []   # [name, start, time spent in children]

    def _enter(self, name):
        self._stack.append([name, time.process_time(), 0.0])

    def _exit(self):
        name, t0, child = self._stack.pop()
        dt = time.process_time() - t0
        self.total[name] = self.total.get(name, 0.0) + dt - child
        if self._stack:
            self._stack[-1][2] += dt

    def func(self, name, f):
        def wrapped(*a, **k):
            self._enter(name)
            try:
                return f(*a, **k)
            finally:
                self._exit()
        return wrapped

    def gen(self, name, it):
        it = iter(it)
        while True:
            self._enter(name)
            try:
                item = next(it)
            except StopIteration:
                return
            finally:
                self._exit()
            yield item


def _install_phases(phases):
    """Wrap the pipeline's stages (by name; a stage that no longer exists is skipped)."""
    from vision.pipeline import _analyze as pipe
    from vision.track import _tracker as trk

    refresh = pipe.mark_refreshes
    pipe.mark_refreshes = lambda frames, **k: phases.gen(
        "refresh (duplicates, tears)", refresh(phases.gen("decode", frames), **k))
    methods = {"_register": "drift registration", "_normalize": "normalisation",
               "_scanlines": "scan-line offsets", "_analyse": "analysis (other)",
               "_init": "first frame (electrode, regions)",
               "_finish_background": "background model", "_kymograph": "kymographs"}
    for meth, label in methods.items():
        if hasattr(trk._Tracker, meth):
            setattr(trk._Tracker, meth, phases.func(label, getattr(trk._Tracker, meth)))
    # measurement functions the tracker calls (segmentation, whiskers, front, crack, ...)
    for name, obj in list(vars(trk).items()):
        mod = getattr(obj, "__module__", "") or ""
        if callable(obj) and not isinstance(obj, type) and mod.startswith("vision.measure"):
            setattr(trk, name, phases.func(f"measure: {name}", obj))
    fin = pipe._finish
    pipe._finish = phases.func("synchronise, events, rates", fin)


#: What a saved run imports on first use, in the save (the report's figures): loaded by
#: ``hd_analyze`` after the analysis, as ``semtrack analyze`` does, never in the warm-up.
REPORT_MODULES = ("vision.pipeline._report", "matplotlib.figure",
                  "matplotlib.backends.backend_agg")


def _import_all(names):
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def _warm_up(video, save=True):
    """Load what the analysis would load on first use, and decode a few frames.

    Never the report's modules (matplotlib, ~24 MB resident), saved run or not: a
    user's process (``semtrack analyze``, ``Analysis.save``) imports them in the save,
    after the analysis's peak; loaded before it, they were counted in that peak (the
    wave-20 "with save" figures, 405-433 MB). ``hd_analyze`` imports them between the
    analysis and the save instead (:data:`REPORT_MODULES`), outside both timings.
    """
    _import_all(("scipy.ndimage", "skimage.measure", "skimage.morphology", "vision.measure",
                 "vision.track"))
    from vision import open_video
    with open_video(video) as reader:
        for k, _ in enumerate(reader):
            if k >= 25:
                break


def hd_analyze(video, trace, pixel_size_um, truth_frames, save="0", phases="1"):
    """analyze (optionally + save) of the full-HD video with per-phase times and truth checks."""
    _single_thread()
    import warnings

    import pandas as pd

    from vision.pipeline import _analyze as pipe

    _warm_up(video, save=save == "1")
    timer = _Phases()
    if phases == "1":
        _install_phases(timer)
    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = pipe.analyze(video, trace=trace, pixel_size_um=float(pixel_size_um),
                              keep_frames=save == "1")  # as `--no-overlay` when not saved
        t_save = t_import = 0.0
        rss_analysis = peak_rss_mb()
        if save == "1":
            c1 = time.process_time()
            from vision.pipeline._save import release_free_heap
            release_free_heap()   # as the save does before its steps
            _import_all(REPORT_MODULES)   # where a user's run loads them: not timed
            t_import = time.process_time() - c1
            with tempfile.TemporaryDirectory(prefix="semtrack-bench-") as tmp:
                c1 = time.process_time()
                result.save(Path(tmp) / "out")
                t_save = time.process_time() - c1
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0 - t_import
    frames = result.frames
    n = len(frames)
    base = {"n_frames": n, "seconds": dt, "fps": n / dt, "cpu_s": cpu, "fps_cpu": n / cpu,
            "peak_rss_MB": peak_rss_mb(), "peak_rss_analysis_MB": rss_analysis,
            "save_cpu_s": t_save, "report_import_cpu_s": t_import}
    if truth_frames == "-":  # no truth (the repeated video of the memory check)
        return base
    truth = pd.read_csv(truth_frames)
    new = ~frames["is_duplicate"].astype(bool)
    measured = new & ~frames["partial_refresh"].astype(bool) if "partial_refresh" in frames \
        else new
    t_new = ~truth["is_duplicate"].astype(bool)
    t_scans = int(truth.loc[t_new, "scan_index"].nunique())
    out = {**base, "new_frames": int(new.sum()), "truth_new_frames": int(t_new.sum()),
           "scans_measured": int(measured.sum()), "truth_scans": t_scans,
           "missed_new_frames": int((t_new.to_numpy()[:n] & ~new.to_numpy()).sum()),
           "whiskers_found": int(result.whiskers["whisker_id"].nunique())
           if len(result.whiskers) else 0,
           "scan_period_s": result.summary.get("scan_period_s")}
    if phases == "1":
        out["phases_cpu_s"] = timer.total
        out["phases_cpu_s"]["not attributed"] = cpu - t_save - sum(timer.total.values())
    return out


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
    # "-": the folder's manifest gives the pixel sizes
    defaults = {} if pixel_size_um == "-" else {"pixel_size_um": float(pixel_size_um)}
    items = vision.collect_batch(src, out_dir=out, defaults=defaults)
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
             "batch": batch, "decode_fast": decode_fast, "hd_analyze": hd_analyze}
    print(json.dumps(funcs[mode](*args)))


if __name__ == "__main__":
    main(sys.argv[1:])
