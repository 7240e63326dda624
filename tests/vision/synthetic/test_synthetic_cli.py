"""``semtrack synth`` command line."""
import json
import re

import pandas as pd

from vision.cli import main


def test_synth_writes_video_truth_and_trace(tmp_path, capsys):
    rc = main(["synth", "multi_whisker", "--out", str(tmp_path), "--format", "avi",
               "--duration", "1", "--seed", "5", "--no-artefacts"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "multi_whisker.avi" in out
    # the video's length is its frames over the frame rate (1 s asked), not the render time
    assert re.search(r"\b10 frames, 1(\.0+)? s long", out), out
    info = json.loads((tmp_path / "multi_whisker_truth.json").read_text())
    assert info["seed"] == 5 and info["n_frames"] == 10
    assert info["artefacts"]["drift_px_s"] == 0.0 and info["artefacts"]["data_bar"] is True
    assert len(pd.read_csv(tmp_path / "multi_whisker_truth_frames.csv")) == 10
    assert (tmp_path / "multi_whisker_trace.mpt").read_bytes().startswith(b"EC-Lab ASCII FILE")


def test_synth_needs_a_preset_or_samples(tmp_path, capsys):
    assert main(["synth", "--out", str(tmp_path)]) == 2
    assert "give a PRESET" in capsys.readouterr().err
    # a usage error: main returns argparse's exit code 2 (issue 15.2: main returns codes)
    assert main(["synth", "dendrite", "--out", str(tmp_path)]) == 2


def test_samples_manifest_and_readme(tmp_path):
    from vision.synthetic import write_samples
    write_samples(tmp_path, names=("whisker", "stripping"), duration_s=1.0)
    man = pd.read_csv(tmp_path / "manifest.csv")
    assert list(man.columns[:5]) == ["video", "trace", "pixel_size_um", "sync_offset_s",
                                     "counter_electrode"]
    assert list(man["video"]) == ["whisker.mp4", "stripping.mp4"]
    assert set(man["failure_mode"]) == {"none", "contact_loss"}
    assert "make videos" in (tmp_path / "README.md").read_text()
