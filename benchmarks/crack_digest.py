"""Digests and CPU times of the crack detector's calls in the analysis, to compare two trees.

``PYTHONPATH=TREE python benchmarks/crack_digest.py OUT.json RENDER_DIR...`` analyses each
rendered scene (a folder with ``DONE.json``, as ``benchmarks/validate.py`` caches them) as
the validation does (``_validate_worker.analyze_options``), with the tracker's
``detect_crack_core_or_rims`` wrapped: every call's inputs (frame, lithium and exclusion
masks, counter electrode, box) and its output (path length, tip, path, skeleton, branches,
contrast; the crack mask the tracker draws follows from the skeleton) are hashed (SHA-256,
16 hex digits) call by call, and the process CPU seconds spent in the calls are summed.
``crack_background`` is wrapped too (its image and filter responses). It writes, per
scene, the number of calls, one digest over all inputs and one over all outputs, the list
of per-call output digests and the CPU seconds. Run it with two trees on the same scenes:
equal digests mean the crack detector handed the tracker the same measurements, call for
call, bit for bit (wave 19, issue 14). ``--compare A.json B.json`` prints the scenes whose
digests differ and the first call that differs.
"""
import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import analyze_render_patched, hash_update  # noqa: E402  (benchmarks/ is not a package)


def _update(h, *values):
    hash_update(h, *values, nested=True)


def _crack_digest(c):
    h = hashlib.sha256()
    if c is None:
        _update(h, None)
    else:
        _update(h, float(c.path_length_px), tuple(float(v) for v in c.tip_xy_px), c.path,
                c.skeleton_xy_px, float(c.contrast), tuple(c.branches))
    return h.hexdigest()[:16]


def digest_scene(render_dir):
    """Digests and CPU seconds of the crack detector's calls on one rendered scene."""
    from vision.track import _tracker as trk

    h_in, h_bg = hashlib.sha256(), hashlib.sha256()
    calls, cpu = [], [0.0, 0.0]
    detect, background = trk.detect_crack_core_or_rims, trk.crack_background

    def detect_wrapped(image, **kw):
        _update(h_in, image, kw.get("li_mask"), kw.get("exclude_mask"), kw.get("roi"),
                kw.get("counter_mask"), kw.get("electrode_xy_px"), kw.get("electrode_radius_px"))
        c0 = time.process_time()
        out = detect(image, **kw)
        cpu[0] += time.process_time() - c0
        calls.append(_crack_digest(out))
        return out

    def background_wrapped(*a, **kw):
        c0 = time.process_time()
        bg = background(*a, **kw)
        cpu[1] += time.process_time() - c0
        _update(h_bg, bg.image, bg.response, tuple(bg.angle_responses), bg.sigma_px,
                bg.polarity, bg.elongation)
        return bg

    analyze_render_patched(render_dir, detect_crack_core_or_rims=detect_wrapped,
                           crack_background=background_wrapped)
    h_out = hashlib.sha256("".join(calls).encode())
    return {"calls": len(calls), "inputs": h_in.hexdigest()[:16],
            "background": h_bg.hexdigest()[:16], "outputs": h_out.hexdigest()[:16],
            "found": sum(c != _crack_digest(None) for c in calls),
            "cpu_crack_s": round(cpu[0], 3), "cpu_background_s": round(cpu[1], 3),
            "per_call": calls}


def compare(a_path, b_path):
    a, b = (json.loads(Path(p).read_text()) for p in (a_path, b_path))
    bad = 0
    for key in sorted(set(a) & set(b)):
        x, y = a[key], b[key]
        same = all(x[k] == y[k] for k in ("calls", "inputs", "background", "outputs"))
        print(f"{'same' if same else 'DIFF'} {key}: {x['calls']} calls, crack CPU "
              f"{x['cpu_crack_s']:.2f} -> {y['cpu_crack_s']:.2f} s")
        if not same:
            bad += 1
            for k in ("inputs", "background"):
                if x[k] != y[k]:
                    print(f"    {k} differ")
            for i, (u, v) in enumerate(zip(x["per_call"], y["per_call"])):
                if u != v:
                    print(f"    first differing call: {i}")
                    break
    missing = set(a) ^ set(b)
    if missing:
        print("not in both:", sorted(missing))
    return 1 if bad or missing else 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--compare"] and len(argv) == 3:
        return compare(argv[1], argv[2])
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    import cv2

    cv2.setNumThreads(1)
    out_path = Path(argv[0])
    out = json.loads(out_path.read_text()) if out_path.exists() else {}
    for render in argv[1:]:
        key = Path(render).name
        if key in out:
            continue
        out[key] = digest_scene(render)
        r = {k: v for k, v in out[key].items() if k != "per_call"}
        print(key, json.dumps(r), flush=True)
        out_path.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
