"""One scene of the validation bank: analyse it in this (fresh) process, save the results.

Run by ``benchmarks/validate.py`` as ``python _validate_worker.py RENDER_DIR RESULTS_DIR``;
the parent enforces the time limit (it kills this process) and counts a non-zero
exit as a failed scene. Prints one JSON line:
``{"analyze_s": ..., "save_s": ..., "process_cpu_s": ...}``: the wall times of the
analysis and of saving, and the CPU time of the whole process (all its threads, its imports
and any decoder subprocess).
"""
from __future__ import annotations

import json
import resource
import sys
import time
import warnings
from pathlib import Path

#: An analysis error naming any of these asks the user for the pixel size.
PIXEL_SIZE_WORDS = ("scale bar", "--pixel-size", "pixel size")


def analyze_options(truth):
    """What a user would tell ``vision.analyze`` about this recording.

    The clocks come from two computers, so synchronisation is automatic
    (``sync='auto'``; never the start timestamps). The pixel size is read
    from the file (TIFF tags or the data bar's scale bar) and given only when
    the file carries neither; when the analysis stops because it cannot read
    the scale bar, :func:`main` gives it as a user would and reports that.
    The stage tilt is not given: lengths are
    compared as the image shows them (projected, as the truth's
    ``length_px``), which a tilt correction would rescale.
    """
    opts = {"sync": "auto"}
    files = truth.get("files", {})
    has_bar = bool((truth.get("data_bar") or {}).get("present"))
    style = (truth.get("extras") or {}).get("data_bar_style", "zeiss")
    tiff_tags = files.get("format") == "tiff" and style in ("zeiss", "fei")
    if not has_bar and not tiff_tags:
        opts["pixel_size_um"] = float(truth["pixel_size_um"])
    return opts


def main(render_dir, results_dir):
    import vision

    render_dir = Path(render_dir)
    done = json.loads((render_dir / "DONE.json").read_text())
    truth = json.loads((render_dir / done["truth_json"]).read_text())
    from calibration import InputError

    opts = analyze_options(truth)
    given = None
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            analysis = vision.analyze(render_dir / done["video"],
                                      trace=render_dir / done["trace"], keep_frames=False, **opts)
        except InputError as exc:
            # The user is told to give the pixel size (an unreadable scale bar): do as a
            # user would, and record that the calibration failed.
            text = str(exc).lower()
            if "pixel_size_um" in opts or not any(w in text for w in PIXEL_SIZE_WORDS):
                raise
            given = " ".join(str(exc).split())
            t0 = time.perf_counter()
            analysis = vision.analyze(render_dir / done["video"],
                                      trace=render_dir / done["trace"],
                                      keep_frames=False, **opts,
                                      pixel_size_um=float(truth["pixel_size_um"]))
    t1 = time.perf_counter()
    analysis.save(results_dir, overlay=False, report=False)
    t2 = time.perf_counter()
    cpu = sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))
    print(json.dumps({"analyze_s": t1 - t0, "save_s": t2 - t1, "process_cpu_s": cpu,
                      "pixel_size_given": given}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
