"""The committed samples (videos/) are reproducible: regenerated, they look the same and
analyse the same.

``make videos`` (``semtrack synth --samples DIR``, i.e. ``vision.synthetic.write_samples``)
writes byte-identical truth files and traces, but the MP4 bytes depend on the OpenCV /
FFmpeg / x264 build that encodes them. So the test decodes both and compares pixels,
and runs the pipeline on the regenerated video against the same truth.

Tolerances (data bar aside: its text is drawn by the installed OpenCV's fonts and is
not part of the measurement):

* mean |difference| per frame <= 3 grey levels: two H.264 encodes at crf 26 of the
  same frames each carry a coding error of about 1-2 levels on average (measured: the
  regenerated stripping and crack samples differ from the committed ones by 2.0 and 0.5
  levels on average, frames rendered here in December 2026);
* 99.9 % of the pixels of every frame within 30 levels: an encoder places its coding
  error differently around edges (measured up to 19 levels at the 99.9th percentile,
  41 at single pixels, on the same two samples); a changed drawing (a moved whisker, a
  different noise) moves thousands of pixels by more.

By default two samples run in ``make test``: stripping (the one an audit found classified
``lateral_growth`` after ``make videos``) and crack (the crack-initiation voltage, the
paper's key number). ``SEMTRACK_ALL_SAMPLES=1`` runs all six (40 s here; measured
2026-12-04: all pass). The committed stripping.mp4 was re-encoded on 2026-12-04 with the
libraries `make videos` installs today (opencv-python-headless 5.1, av 18.1, numpy 2.4):
the file made in November with older ones differed from a regeneration by up to 3.56
levels on average in its late frames, beyond coding error; truth and trace were and are
byte-identical.
"""
import json
import os
from pathlib import Path

import numpy as np
import pytest

from vision import analyze
from vision.io import open_video
from vision.synthetic import write_samples

VIDEOS = Path(__file__).resolve().parents[1] / "videos"
SAMPLES = ("whisker", "multi_whisker", "lateral", "crack", "stripping", "control") \
    if os.environ.get("SEMTRACK_ALL_SAMPLES") == "1" else ("stripping", "crack")
MEAN_LEVELS = 3.0
P999_LEVELS = 30.0

#: (check, sample) -> measured figure and why. Strict: a pass is reported.
XFAIL: dict = {}


def _cases(check):
    return [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=XFAIL[(check, n)]))
            if (check, n) in XFAIL else n for n in SAMPLES]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("samples")
    write_samples(out, names=SAMPLES)   # what `semtrack synth --samples DIR` runs
    return out


def _truth(name):
    return json.loads((VIDEOS / f"{name}_truth.json").read_text())


@pytest.mark.parametrize("name", SAMPLES)
def test_truth_and_trace_byte_identical(regenerated, name):
    for suffix in ("_truth.json", "_truth_frames.csv", "_truth_whiskers.csv", "_trace.mpt"):
        assert (regenerated / f"{name}{suffix}").read_bytes() == \
            (VIDEOS / f"{name}{suffix}").read_bytes(), suffix


@pytest.mark.parametrize("name", _cases("frames"))
def test_decoded_frames_match_the_committed_video(regenerated, name):
    top = _truth(name)["data_bar"]["top_row"]
    means, p999, n = [], [], 0
    with open_video(VIDEOS / f"{name}.mp4") as a, open_video(regenerated / f"{name}.mp4") as b:
        assert a.n_frames == b.n_frames
        for fa, fb in zip(a, b):
            d = np.abs(fa.image[:top].astype(np.int16) - fb.image[:top].astype(np.int16))
            means.append(float(d.mean()))
            p999.append(float(np.percentile(d, 99.9)))
            n += 1
    assert n == _truth(name)["n_frames"]
    worst = int(np.argmax(means))
    assert max(means) <= MEAN_LEVELS, \
        f"frame {worst}: mean |difference| {means[worst]:.2f} levels (limit {MEAN_LEVELS})"
    worst = int(np.argmax(p999))
    assert max(p999) <= P999_LEVELS, \
        f"frame {worst}: 99.9th percentile {p999[worst]:.0f} levels (limit {P999_LEVELS})"


@pytest.mark.parametrize("name", _cases("pipeline"))
def test_pipeline_on_regenerated_sample_matches_truth(regenerated, name):
    # as tests/vision/pipeline/test_analyze_pipeline.py does on the committed file: failure
    # mode and short circuit right, every event within one scan, auto sync within a frame
    truth = _truth(name)
    res = analyze(regenerated / f"{name}.mp4", trace=regenerated / f"{name}_trace.mpt",
                  counter_electrode="right", sync="auto")
    s = res.summary
    assert (s["failure_mode"], s["short_circuit"]) == (truth["failure_mode"],
                                                       truth["short_circuit"]), \
        [e["text"] for e in s["failure_evidence"]]
    scan = truth["scan_period_s"]
    for ours, theirs in (("growth_onset_time_s", "growth_onset_s"),
                         ("lateral_onset_time_s", "lateral_onset_s"),
                         ("crack_initiation_time_s", "crack_initiation_s"),
                         ("short_circuit_time_s", "short_circuit_s"),
                         ("contact_loss_time_s", "contact_loss_s")):
        if truth.get(theirs) is None:
            assert s[ours] is None, f"{ours}: {s[ours]} but it did not happen"
        else:
            assert s[ours] is not None and abs(s[ours] - truth[theirs]) <= scan, \
                f"{ours}: {s[ours]} vs truth {truth[theirs]:.3f} s (one scan = {scan} s)"
    if s["sync_method"] == "auto":
        assert abs(s["sync_offset_s"] - truth["sync_offset_s"]) <= 1.0 / truth["fps"]
