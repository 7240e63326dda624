"""Progress is on by default everywhere and follows one rule (issue 15.6).

``vision.analyze``, ``Analysis.save`` (its overlay pass) and ``run_batch`` ask
``progress_bar`` for a bar unless the caller says ``progress=False``; the bar itself decides
where someone sees it (Jupyter widget, terminal, or nothing in a pipe).
"""
import pytest

import vision
from vision.batch import _engine
from vision.pipeline import _save
from vision.synthetic import preset, render


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("v")
    res = render(preset("whisker", duration_s=1.0), folder, fmt="mp4", crf=23)
    return res, vision.analyze(res.video, trace=res.trace, pixel_size_um=0.2, progress=False)


def _recording(monkeypatch, module):
    asked = []

    def progress_bar(total, enabled, desc, *, unit="frame"):
        asked.append((desc, enabled))
        return None

    monkeypatch.setattr(module, "progress_bar", progress_bar)
    return asked


def test_save_asks_for_an_overlay_bar_unless_told_not_to(analysed, tmp_path, monkeypatch):
    _, analysis = analysed
    asked = _recording(monkeypatch, _save)
    analysis.save(tmp_path / "a", report=False)
    analysis.save(tmp_path / "b", report=False, progress=False)
    assert asked == [("overlay", True), ("overlay", False)]
    assert (tmp_path / "a" / "overlay.mp4").stat().st_size > 0


def test_run_batch_asks_for_a_bar_unless_told_not_to(analysed, tmp_path, monkeypatch):
    res, _ = analysed
    asked = _recording(monkeypatch, _engine)
    items = [vision.BatchItem(name="w", video=res.video, trace=res.trace,
                              options={"pixel_size_um": 0.2})]
    assert vision.run_batch(items, tmp_path / "o", workers=0, overlay=False,
                            report=False).count("done") == 1
    assert vision.run_batch(items, tmp_path / "o", workers=0, overlay=False, report=False,
                            force=True, progress=False).count("done") == 1
    assert asked == [("semtrack batch", True), ("semtrack batch", False)]
