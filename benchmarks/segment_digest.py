"""Digests and CPU times of ``segment_lithium`` on videos, call by call, to compare two trees.

``PYTHONPATH=TREE python benchmarks/segment_digest.py OUT.json [--capture DIR --every K]
RENDER...`` analyses each render (a directory with ``DONE.json``: a tuning render of
``/work/tunecache`` or a ``make bench`` video of ``/work/benchcache``) as the validation
does (``vision.analyze`` with the render's trace and the options of
``benchmarks/_validate_worker.py``), with the tracker's ``segment_lithium`` wrapped: per
call it hashes (SHA-256, 16 hex digits) the inputs (the change image, the keyword
arguments, arrays by dtype, shape and bytes) and the outputs (the lithium mask, the strength
image, the noise level), and adds up the process CPU time of the call. It writes, per render,
the digest of all inputs, of all masks and noise levels (``outputs``) and of all strength
images (``strength``; see :func:`_outputs_digest`), the per-call digests, the number of
calls and the CPU ms per call. Run it with two trees: equal digests mean ``segment_lithium`` was
given the same arrays and handed back the same arrays, bit for bit, on every scan (its
outputs feed the next scan's search box, so one difference shows in every later input).

``--capture DIR`` also saves every K-th call's inputs (``DIR/<render>_<call>.npz``) for
:func:`replay`: ``python benchmarks/segment_digest.py --replay DIR [--repeat R]`` times
``segment_lithium`` on the saved inputs (the best of R runs per call, wall ms, one core)
and prints the output digest of every call (wave 19, issue 14).

The tracker's ``state`` (``SegmentState``: what is derived from the background alone, wave
20) is not an input: it is neither hashed nor saved. The replay hands the calls of one
background (equal arrays, made one object as in the tracker) one state, as the tracker does.
"""
import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import analyze_render_patched, hash_update  # noqa: E402  (benchmarks/ is not a package)


def _update(h, *values):
    hash_update(h, *values)


def _digest(v):
    h = hashlib.sha256()
    _update(h, v)
    return h.hexdigest()[:12]


def _update_kw(h, kw):
    for k in sorted(kw):
        h.update(k.encode())
        _update(h, kw[k])


def _outputs_digest(out):
    """Digests of (the mask and the noise level, the strength image) of one call.

    Apart: main's strength is not reproducible to the last bit (``cv2.magnitude`` in
    ``_strength`` rounds a few pixels by an ulp depending on the arrays' memory alignment;
    the same tree differs from run to run), the mask and noise level are.
    """
    hm, hs = hashlib.sha256(), hashlib.sha256()
    _update(hm, out[0], out[2])
    _update(hs, out[1])
    return hm.hexdigest()[:16], hs.hexdigest()[:16]


def digest_render(render_dir, capture=None, every=10):
    """Digests and CPU ms of ``segment_lithium`` over one render (see module)."""
    import numpy as np

    import vision.track._tracker as trk

    render_dir = Path(render_dir)
    h_in, h_out, h_str = hashlib.sha256(), hashlib.sha256(), hashlib.sha256()
    calls, cpu, inputs = [], [0.0], []
    orig = trk.segment_lithium

    def wrapped(diff, **kw):
        state = kw.pop("state", None)
        _update(h_in, diff)
        _update_kw(h_in, kw)
        keys = {"diff": diff, **kw}
        inputs.append({k: _digest(v) for k, v in keys.items()})
        if capture is not None and len(calls) % every == 0:
            arrays = {k: v for k, v in kw.items() if isinstance(v, np.ndarray)}
            other = {k: v for k, v in kw.items() if not isinstance(v, np.ndarray)}
            np.savez(Path(capture) / f"{render_dir.name}_{len(calls):04d}.npz", diff=diff,
                     kwargs=json.dumps(other, default=list), **arrays)
        if state is not None:
            kw["state"] = state
        c = time.process_time()
        out = orig(diff, **kw)
        cpu[0] += time.process_time() - c
        _update(h_out, out[0], out[2])
        _update(h_str, out[1])
        calls.append(_outputs_digest(out))
        return out

    analyze_render_patched(render_dir, segment_lithium=wrapped)
    return {"inputs": h_in.hexdigest()[:16], "outputs": h_out.hexdigest()[:16],
            "strength": h_str.hexdigest()[:16],
            "calls": len(calls), "cpu_ms_per_call": round(1e3 * cpu[0] / max(len(calls), 1), 2),
            "per_call": calls, "per_call_inputs": inputs}


def _load(path):
    import numpy as np

    z = np.load(path)
    kw = json.loads(str(z["kwargs"]))
    for k in z.files:
        if k not in ("diff", "kwargs"):
            kw[k] = z[k]
    for k in ("electrode_xy_px", "search_box"):
        if isinstance(kw.get(k), list):
            kw[k] = tuple(kw[k])
    return z["diff"], kw


def replay(capture, repeat=3):
    """Best-of-``repeat`` wall ms and output digest of ``segment_lithium`` per saved call."""
    import numpy as np

    from vision.measure import _segment

    rows, arrays, states = {}, {}, {}
    for p in sorted(Path(capture).glob("*.npz")):
        diff, kw = _load(p)
        for k in ("background", "background_gradient"):
            if isinstance(kw.get(k), np.ndarray):
                kw[k] = arrays.setdefault((k, _digest(kw[k])), kw[k])
        if hasattr(_segment, "SegmentState"):   # (main before wave 20 had none)
            key = (id(kw.get("background")), id(kw.get("background_gradient")))
            kw["state"] = states.setdefault(key, _segment.SegmentState())
        segment_lithium = _segment.segment_lithium
        best = None
        for _ in range(repeat):
            t = time.perf_counter()
            out = segment_lithium(diff, **kw)
            dt = time.perf_counter() - t
            best = dt if best is None else min(best, dt)
        rows[p.stem] = {"ms": round(1e3 * best, 2), "outputs": _outputs_digest(out)[0],
                        "strength": _outputs_digest(out)[1],
                        "shape": list(diff.shape)}
        print(p.stem, json.dumps(rows[p.stem]), flush=True)
    return rows


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    import cv2

    cv2.setNumThreads(1)
    if argv and argv[0] == "--replay":
        repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 3
        rows = replay(argv[1], repeat)
        if "--out" in argv:
            Path(argv[argv.index("--out") + 1]).write_text(json.dumps(rows, indent=1))
        return 0
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_path, capture, every = argv.pop(0), None, 10
    if "--capture" in argv:
        i = argv.index("--capture")
        capture = argv[i + 1]
        Path(capture).mkdir(parents=True, exist_ok=True)
        del argv[i:i + 2]
    if "--every" in argv:
        i = argv.index("--every")
        every = int(argv[i + 1])
        del argv[i:i + 2]
    out = {}
    for render in argv:
        out[render] = digest_render(render, capture, every)
        short = {k: v for k, v in out[render].items() if not k.startswith("per_call")}
        print(render, json.dumps(short), flush=True)
        Path(out_path).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
