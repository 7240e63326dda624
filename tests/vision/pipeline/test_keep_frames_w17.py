"""Frames are spooled for the overlay only when an overlay will be written (issue 14).

``analyze(keep_frames=True)`` (the default) keeps each new scan's frame on disk so that
``Analysis.save`` draws the overlay without a second decode; ``--no-overlay`` (CLI) and
a batch without overlays must not write those frames (about 2 MB a scan at 1080p).
"""
import json
from pathlib import Path

import pytest

from vision import analyze
from vision.batch import _task
from vision.cli._main import main
from vision.pipeline import _analyze, _overlay

VIDEOS = Path(__file__).resolve().parents[3] / "videos"


def _whisker_kwargs():
    truth = json.loads((VIDEOS / "whisker_truth.json").read_text())
    return dict(trace=VIDEOS / "whisker_trace.mpt",
                scale_bar_um=truth["data_bar"]["scale_bar_um"], progress=False)


def test_without_keep_frames_nothing_is_spooled_and_the_overlay_decodes_again(tmp_path):
    res = analyze(VIDEOS / "whisker.mp4", keep_frames=False, **_whisker_kwargs())
    assert res.frame_spool is None
    kept = analyze(VIDEOS / "whisker.mp4", **_whisker_kwargs())
    assert kept.frame_spool is not None and kept.frame_spool.nbytes > 0
    res.save(tmp_path / "a", report=False, progress=False)
    kept.save(tmp_path / "b", report=False, progress=False)
    assert (tmp_path / "a" / "overlay_frames.csv").read_bytes() == \
        (tmp_path / "b" / "overlay_frames.csv").read_bytes()
    kept.frame_spool.close()


def _spy(monkeypatch):
    """Record every FrameSpool the analysis creates."""
    made = []

    class Spy(_overlay.FrameSpool):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            made.append(self)

    monkeypatch.setattr(_analyze, "FrameSpool", Spy)
    return made


@pytest.mark.parametrize("no_overlay", [True, False])
def test_cli_spools_frames_only_for_an_overlay(tmp_path, monkeypatch, no_overlay):
    made = _spy(monkeypatch)
    truth = json.loads((VIDEOS / "whisker_truth.json").read_text())
    argv = ["analyze", str(VIDEOS / "whisker.mp4"), "--trace", str(VIDEOS / "whisker_trace.mpt"),
            "--scale-bar-um", str(truth["data_bar"]["scale_bar_um"]), "--out",
            str(tmp_path / "out"), "--no-report", "--quiet"]
    rc = main(argv + (["--no-overlay"] if no_overlay else []))
    assert rc in (0, None)
    assert (tmp_path / "out" / "overlay.mp4").exists() is (not no_overlay)
    assert len(made) == (0 if no_overlay else 1)


@pytest.mark.parametrize("overlay", [True, False])
def test_batch_passes_keep_frames_from_its_overlay_option(monkeypatch, overlay):
    seen = {}

    def fake_analyze(video, **kw):
        seen.update(kw)
        raise RuntimeError("stop here")

    monkeypatch.setattr(_analyze, "analyze", fake_analyze)  # imported by the task at its call

    class Item:
        video, trace, options, name, from_manifest = "v.mp4", None, {}, "v", ()

    with pytest.raises(RuntimeError, match="stop here"):
        _task._analyze_and_save(Item(), Path("unused"), {}, {"overlay": overlay, "report": False})
    assert seen["keep_frames"] is overlay
