"""Batch machinery with a stand-in analysis: resume, force, failures, interruption.

The stand-in replaces :func:`vision.analyze` (``vision.pipeline._analyze.analyze``) in this
process (serial engine), so these tests check the orchestration exactly and fast; the real analysis on
real videos, serially and on a LocalCluster, is in test_batch_engines.py.
"""
import json
from pathlib import Path

import pandas as pd
import pytest

import vision.pipeline._analyze
from calibration import InputError
from vision import BatchItem, run_batch
from vision.cli import main


class _FakeAnalysis:
    def __init__(self, video, options, calls):
        data = Path(video).read_bytes()
        self.summary = {"video_name": Path(video).stem, "n_frames": len(data),
                        "failure_mode": "whisker", "growth_rates": [1.5, 2.5],
                        "electrode": {"x_px": 3.0, "y_px": 4.0}, "parameters": options,
                        "mixed": 1.5 if len(data) % 2 else "n/a"}  # one type per column
        self.calls = calls

    def save(self, out_dir, *, overlay=True, report=True, progress=False):
        out = Path(out_dir)
        out.mkdir(parents=True, mode=0o700)  # private, as tempfile.mkdtemp makes it
        (out / "summary.json").write_text(json.dumps(self.summary))
        if self.summary["video_name"] == "explode_on_save":
            raise KeyboardInterrupt  # Ctrl-C while the folder is half-written
        (out / "frames.csv").write_text("frame,time_s\n0,0.0\n")


SEEN_OPTIONS = {}


@pytest.fixture
def fake(monkeypatch):
    calls = []

    def analyze(video, *, trace=None, progress=False, keep_frames=True, **options):
        calls.append(Path(video).name)
        SEEN_OPTIONS[Path(video).name] = options
        if Path(video).read_bytes().startswith(b"BAD"):
            raise InputError("cannot decode the video; re-export it", path=video)
        if Path(video).read_bytes().startswith(b"BUG"):
            raise ZeroDivisionError("division by zero")
        return _FakeAnalysis(video, options, calls)

    monkeypatch.setattr(vision.pipeline._analyze, "analyze", analyze)
    return calls


def _items(tmp_path, contents):
    items = []
    for name, data in contents.items():
        p = tmp_path / "in" / f"{name}.mp4"
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(data)
        items.append(BatchItem(name=name, video=p, options={"pixel_size_um": 0.2}))
    return items


def test_results_of_another_semtrack_version_are_not_up_to_date(tmp_path, fake, monkeypatch):
    import vision._version
    items = _items(tmp_path, {"v1": b"a" * 10})
    out = tmp_path / "out"
    assert [r["status"] for r in run_batch(items, out, workers=0).records] == ["done"]
    assert [r["status"] for r in run_batch(items, out, workers=0).records] == ["skipped"]
    monkeypatch.setattr(vision._version, "__version__", "999.0")   # an upgrade
    assert [r["status"] for r in run_batch(items, out, workers=0).records] == ["done"]
    assert fake == ["v1.mp4", "v1.mp4"]


def test_resume_skips_finished_and_force_reruns(tmp_path, fake):
    items = _items(tmp_path, {"v1": b"a" * 10, "v2": b"b" * 20})
    out = tmp_path / "out"
    r1 = run_batch(items, out, workers=0)
    assert [r["status"] for r in r1.records] == ["done", "done"] and fake == ["v1.mp4", "v2.mp4"]
    assert r1.summaries["v2"]["n_frames"] == 20
    r2 = run_batch(items, out, workers=0)
    assert [r["status"] for r in r2.records] == ["skipped", "skipped"] and len(fake) == 2
    # changed input bytes or parameters -> that video only is redone
    items[0].video.write_bytes(b"a" * 11)
    items[1] = BatchItem(name="v2", video=items[1].video, options={"pixel_size_um": 0.3})
    r3 = run_batch(items, out, workers=0)
    assert [r["status"] for r in r3.records] == ["done", "done"]
    r4 = run_batch(items, out, workers=0, force=True)
    assert [r["status"] for r in r4.records] == ["done", "done"] and len(fake) == 6
    status = json.loads((out / "batch.json").read_text())
    assert status["counts"] == {"done": 2, "skipped": 0, "failed": 0, "pending": 0}
    assert not (out / ".semtrack-partial").exists()
    assert (out / "v1").stat().st_mode & 0o777 == out.stat().st_mode & 0o777


def test_broken_videos_fail_alone_and_table_has_one_row_each(tmp_path, fake):
    items = _items(tmp_path, {"ok1": b"x" * 5, "bad": b"BAD", "bug": b"BUG", "ok2": b"y" * 8})
    out = tmp_path / "out"
    result = run_batch(items, out, workers=0)
    assert [r["status"] for r in result.records] == ["done", "failed", "failed", "done"]
    assert "cannot decode the video; re-export it" in result.records[1]["error"]
    assert result.records[2]["error"] == "ZeroDivisionError: division by zero"
    assert not (out / "bad").exists() and (out / "ok2" / "frames.csv").is_file()
    table = pd.read_csv(out / "results.csv")
    assert list(table["name"]) == ["ok1", "bad", "bug", "ok2"]
    assert list(table["n_frames"].fillna(-1)) == [5, -1, -1, 8]
    assert table.loc[0, "electrode.x_px"] == 3.0
    assert json.loads(table.loc[0, "growth_rates"]) == [1.5, 2.5]
    parquet = pd.read_parquet(out / "results.parquet")
    assert list(parquet["status"]) == ["done", "failed", "failed", "done"]
    assert list(parquet["mixed"].fillna("-")) == ["1.5", "-", "-", "n/a"]
    status = json.loads((out / "batch.json").read_text())
    assert [v["status"] for v in status["videos"]] == ["done", "failed", "failed", "done"]
    assert all(v["duration_s"] is not None for v in status["videos"])


def test_interrupt_leaves_no_half_written_folder_and_resumes(tmp_path, fake):
    items = _items(tmp_path, {"v1": b"a", "explode_on_save": b"b", "v3": b"c"})
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_batch(items, out, workers=0)
    assert (out / "v1" / "frames.csv").is_file()
    assert not (out / "explode_on_save").exists() and not (out / "v3").exists()
    assert not (out / ".semtrack-partial").exists()
    status = json.loads((out / "batch.json").read_text())
    assert status["interrupted"] is True
    assert [v["status"] for v in status["videos"]] == ["done", "pending", "pending"]
    moved = items[1].video.rename(items[1].video.with_name("v2.mp4"))
    items[1] = BatchItem(name="v2", video=moved, options={})
    again = run_batch(items, out, workers=0)
    assert [r["status"] for r in again.records] == ["skipped", "done", "done"]


def test_cli_exit_codes_and_pairing_output(tmp_path, fake, capsys):
    folder = tmp_path / "videos"
    folder.mkdir()
    (folder / "good.mp4").write_bytes(b"g" * 4)
    (folder / "good_trace.mpt").write_bytes(b"not parsed by the stand-in")
    assert main(["batch", str(folder), "--out", str(tmp_path / "o"), "--workers", "0",
                 "--pixel-size", "0.3", "--tilt", "12", "--counter-electrode", "left"]) == 0
    assert SEEN_OPTIONS["good.mp4"] == {"pixel_size_um": 0.3, "tilt_deg": 12.0,
                                        "counter_electrode": "left"}
    out = capsys.readouterr().out
    assert "good.mp4 <-> good_trace.mpt  (by name)" in out
    assert "1 done, 0 skipped (up to date), 0 failed" in out
    (folder / "broken.mp4").write_bytes(b"BAD")
    assert main(["batch", str(folder), "--out", str(tmp_path / "o"), "--workers", "0",
                 "--pixel-size", "0.3", "--tilt", "12", "--counter-electrode", "left"]) == 1
    captured = capsys.readouterr()
    assert "1 done" not in captured.out and "1 skipped (up to date), 1 failed" in captured.out
    assert "broken.mp4: cannot decode the video" in captured.err
    assert main(["batch", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    (folder / "manifest.csv").write_text("video,pixel_size_um\ngood.mp4,zero\n")
    assert main(["batch", str(folder), "--out", str(tmp_path / "o")]) == 2
    assert "row 2: pixel_size_um must be a number, got 'zero'" in capsys.readouterr().err


def test_duplicate_names_and_busy_output_are_refused(tmp_path, fake):
    items = _items(tmp_path, {"v1": b"a"})
    with pytest.raises(InputError, match="same results folder"):
        run_batch(items + items, tmp_path / "out", workers=0)
    out = tmp_path / "out"
    out.mkdir()
    import os
    (out / ".semtrack-batch.lock").write_text(str(os.getppid()))
    with pytest.raises(InputError, match="another semtrack batch"):
        run_batch(items, out, workers=0)
    (out / ".semtrack-batch.lock").write_text("999999999")  # stale: no such process
    assert run_batch(items, out, workers=0).count("done") == 1
