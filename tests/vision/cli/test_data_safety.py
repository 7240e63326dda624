"""semtrack replaces only what it wrote (issue 15.1): every writer, with a user's file inside.

Each writer is run through ``vision.cli.main`` (exit codes as a user sees them) or its
library call, once on a clean place and once with a file of the user's in the way: the
run must stop with exit 2 before any work, and the user's file must be unchanged.
"""
import json
from pathlib import Path

import pytest

import vision.pipeline._analyze
from calibration import InputError
from vision._schema import WRITTEN_MARKER_FILE
from vision._shared._fileio import (
    check_output_dir,
    clean_leftovers,
    make_temp_dir,
    read_marker,
    replace_dir,
)
from vision.cli import main
from vision.synthetic import preset, render

NOTE = "my notes: sample 7 was cracked before the run\n"


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """A short real video and its trace (the whole analyze path runs on it)."""
    folder = tmp_path_factory.mktemp("video")
    res = render(preset("whisker", duration_s=2.0), folder, fmt="mp4", crf=23)
    return res


def _one_line_error(err):
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "error:" in lines[0] and "Traceback" not in err, err
    return lines[0]


# -- analyze ---------------------------------------------------------------------------------

def test_analyze_keeps_a_users_file_in_an_earlier_results_folder(video, tmp_path, capsys):
    out = tmp_path / "res"
    args = ["analyze", str(video.video), "--trace", str(video.trace), "--out", str(out),
            "--no-overlay", "--quiet", "--pixel-size", "0.2"]
    assert main(args) == 0
    marker = read_marker(out)
    assert marker["files"]["summary.json"] == "results" and marker["complete"] is True
    assert main(args) == 0  # a results folder semtrack wrote is replaced
    (out / "notes.txt").write_text(NOTE)
    before = (out / "summary.json").read_bytes()
    capsys.readouterr()
    assert main(args) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "notes.txt" in line and "did not write" in line and "--out" in line
    assert (out / "notes.txt").read_text() == NOTE
    assert (out / "summary.json").read_bytes() == before  # nothing was redone
    # a user's file deeper inside counts as well
    (out / "notes.txt").unlink()
    (out / "kymographs").mkdir(exist_ok=True)
    (out / "kymographs" / "my_drawing.svg").write_text("<svg/>")
    assert main(args) == 2
    assert (out / "kymographs" / "my_drawing.svg").is_file()


def test_analyze_cleans_marked_leftovers_of_a_killed_run_never_unmarked_ones(video, tmp_path):
    out = tmp_path / "res"
    killed = make_temp_dir(out)  # what a killed run leaves: marked, its process gone
    (killed / "frames.csv").write_text("frame\n0\n")
    marker = json.loads((killed / WRITTEN_MARKER_FILE).read_text())
    marker["pid"] = 2 ** 22 + 12345  # no such process
    (killed / WRITTEN_MARKER_FILE).write_text(json.dumps(marker))
    users = tmp_path / f".{out.name}.tmp-mine"  # looks alike, but is not ours
    users.mkdir()
    (users / "data.csv").write_text("1,2\n")
    assert main(["analyze", str(video.video), "--out", str(out), "--no-overlay", "--quiet",
                 "--pixel-size", "0.2", "--no-report"]) == 0
    assert not killed.exists()
    assert (users / "data.csv").read_text() == "1,2\n"
    assert (out / "summary.json").is_file() and not (out / "report.html").exists()
    assert not list(tmp_path.glob(f".{out.name}.tmp-*[!e]"))  # no own leftover


def test_a_folder_that_is_not_ours_is_never_replaced(tmp_path):
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "chapter1.tex").write_text("x")
    with pytest.raises(InputError, match="chapter1.tex, which semtrack did not write"):
        check_output_dir(folder)
    # a results folder of a release before the marker: only its known files
    legacy = tmp_path / "legacy"
    (legacy / "kymographs").mkdir(parents=True)
    for name in ("summary.json", "frames.csv", "report.html", "kymographs/whisker_1.png"):
        (legacy / name).write_text("x")
    check_output_dir(legacy)
    (legacy / ".DS_Store").write_bytes(b"\0")  # a file browser's, not the user's work
    check_output_dir(legacy)
    (legacy / "annotations.sqlite").write_text("labels")
    with pytest.raises(InputError, match="annotations.sqlite"):
        check_output_dir(legacy)


def test_replace_refuses_when_a_users_file_appears_during_the_run(tmp_path):
    final = tmp_path / "res"
    tmp = make_temp_dir(final)
    (tmp / "summary.json").write_text("{}")
    replace_dir(tmp, final)
    tmp2 = make_temp_dir(final)
    (tmp2 / "summary.json").write_text('{"new": 1}')
    (final / "notes.txt").write_text(NOTE)  # dropped in while the analysis ran
    with pytest.raises(InputError, match="notes.txt"):
        replace_dir(tmp2, final)
    assert (final / "notes.txt").read_text() == NOTE
    assert (final / "summary.json").read_text() == "{}"


def test_leftover_of_a_running_process_is_left_alone(tmp_path):
    final = tmp_path / "res"
    running = make_temp_dir(final)  # this process: still working in it
    assert clean_leftovers(final) == [] and running.is_dir()


# -- batch -----------------------------------------------------------------------------------

class _Fake:
    def __init__(self, video):
        self.summary = {"video_name": Path(video).stem, "n_frames": 3, "failure_mode": "none",
                        "warnings": []}

    def save(self, out_dir, **_):
        out = Path(out_dir)
        out.mkdir(parents=True)
        (out / "summary.json").write_text(json.dumps(self.summary))


@pytest.fixture
def fake(monkeypatch):
    calls = []

    def analyze(video, *, trace=None, progress=False, **options):
        calls.append(Path(video).name)
        return _Fake(video)

    monkeypatch.setattr(vision.pipeline._analyze, "analyze", analyze)
    return calls


def _videos(tmp_path):
    folder = tmp_path / "videos"
    folder.mkdir()
    for name in ("whisker", "crack"):
        (folder / f"{name}.mp4").write_bytes(name.encode())
    return folder


def test_batch_never_deletes_a_users_file_in_a_video_folder(tmp_path, fake, capsys):
    folder, out = _videos(tmp_path), tmp_path / "out"
    args = ["batch", str(folder), "--out", str(out), "--workers", "0", "-q", "--force"]
    assert main(args) == 0 and sorted(fake) == ["crack.mp4", "whisker.mp4"]
    assert main(args) == 0  # its own output: replaced
    (out / "whisker" / "notes.txt").write_text(NOTE)
    fake.clear()
    capsys.readouterr()
    assert main(args) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "whisker" in line and "notes.txt" in line
    assert fake == []  # stopped before any work
    assert (out / "whisker" / "notes.txt").read_text() == NOTE
    assert (out / "whisker" / "summary.json").is_file()


def test_batch_refuses_to_mix_results_into_an_unrelated_folder(tmp_path, fake, capsys):
    folder, out = _videos(tmp_path), tmp_path / "papers"
    out.mkdir()
    (out / "draft.docx").write_text("x")
    assert main(["batch", str(folder), "--out", str(out), "--workers", "0", "-q"]) == 2
    assert "not a semtrack batch output" in _one_line_error(capsys.readouterr().err)
    assert fake == [] and sorted(p.name for p in out.iterdir()) == ["draft.docx"]
    # a user's own folder named like a video is not replaced either
    out2 = tmp_path / "out2"
    assert main(["batch", str(folder), "--out", str(out2), "--workers", "0", "-q"]) == 0
    (out2 / "crack" / "summary.json").unlink()
    (out2 / "crack" / WRITTEN_MARKER_FILE).unlink()
    (out2 / "crack" / "raw.tif").write_text("x")
    assert main(["batch", str(folder), "--out", str(out2), "--workers", "0", "-q"]) == 2
    assert (out2 / "crack" / "raw.tif").is_file()


def test_batch_keeps_a_users_file_beside_results_csv_and_cleans_leftovers(tmp_path, fake):
    folder, out = _videos(tmp_path), tmp_path / "out"
    args = ["batch", str(folder), "--out", str(out), "--workers", "0", "-q", "--force"]
    assert main(args) == 0
    (out / "README-lab.txt").write_text(NOTE)
    killed = make_temp_dir(out / "crack")
    marker = json.loads((killed / WRITTEN_MARKER_FILE).read_text())
    marker["pid"] = 2 ** 22 + 12345
    (killed / WRITTEN_MARKER_FILE).write_text(json.dumps(marker))
    unmarked = out / ".crack.tmp-keep"
    unmarked.mkdir()
    assert main(args) == 0
    assert (out / "README-lab.txt").read_text() == NOTE
    assert not killed.exists() and unmarked.is_dir()
    assert read_marker(out)["files"]["batch.json"] == "batch"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "README-lab.txt", "batch.json", "crack", "max_rate_vs_potential.png", "results.csv",
        "results.parquet", "whisker"]


def test_batch_refuses_a_users_results_csv(tmp_path, fake, capsys):
    folder, out = _videos(tmp_path), tmp_path / "out"
    assert main(["batch", str(folder), "--out", str(out), "--workers", "0", "-q"]) == 0
    (out / "results.csv").write_text("mine\n")  # the user's own edit: no longer ours?
    # the marker still lists it (names only): it is replaced, as documented
    assert main(["batch", str(folder), "--out", str(out), "--workers", "0", "-q"]) == 0
    other = tmp_path / "other"
    other.mkdir()
    (other / "batch.json").write_text("{}")  # a batch output of an earlier release...
    (other / "results.csv").write_text("x\n")
    (other / "summary_by_hand.csv").write_text("mine\n")
    assert main(["batch", str(folder), "--out", str(other), "--workers", "0", "-q"]) == 0
    assert (other / "summary_by_hand.csv").read_text() == "mine\n"


# -- synth, annotate export, benchmarks ----------------------------------------------------

def test_synth_overwrites_only_its_own_files(tmp_path, capsys):
    (tmp_path / "control_trace.mpt").write_text("my real measurement\n")
    args = ["synth", "control", "--duration", "1", "--out", str(tmp_path)]
    assert main(args) == 2
    assert "control_trace.mpt exists and was not written by semtrack" in _one_line_error(
        capsys.readouterr().err)
    assert (tmp_path / "control_trace.mpt").read_text() == "my real measurement\n"
    assert not (tmp_path / "control.mp4").exists()  # nothing rendered
    (tmp_path / "control_trace.mpt").unlink()
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "1 s long" in out and "rendered in" in out
    assert main(args) == 0  # its own files: overwritten


def test_annotate_export_never_overwrites_a_users_file(video, tmp_path, capsys):
    res = tmp_path / "res"
    assert main(["analyze", str(video.video), "--out", str(res), "--no-overlay", "--quiet",
                 "--pixel-size", "0.2", "--no-report"]) == 0
    export = tmp_path / "labels.csv"
    export.write_text("my own labels\n")
    db = tmp_path / "labels.sqlite"
    assert main(["annotate", str(res), "--db", str(db), "--export", str(export)]) == 2
    assert export.read_text() == "my own labels\n"
    export.unlink()
    assert main(["annotate", str(res), "--db", str(db), "--export", str(export)]) == 0
    assert main(["annotate", str(res), "--db", str(db), "--export", str(export)]) == 0
    assert export.read_text().startswith(("video", "name", "results"))  or export.stat().st_size


def test_the_marker_names_agree_with_the_schema():
    from vision import _schema
    from vision._shared import _fileio
    assert _fileio.MARKER_FILE == _schema.WRITTEN_MARKER_FILE
    assert _fileio.LEGACY_RESULT_FILES == _schema.LEGACY_RESULT_FILES


def test_benchmark_outputs_replace_only_what_semtrack_wrote(tmp_path, fake):
    """benchmarks/validate.py and run.py write through these two helpers."""
    from vision._shared._fileio import remove_written_dir, write_text_safe
    report = tmp_path / "validation.md"
    report.write_text("my own report\n")
    with pytest.raises(InputError, match="validation.md exists and was not written"):
        write_text_safe(report, "table", "validate")
    assert report.read_text() == "my own report\n"
    report.unlink()
    write_text_safe(report, "table 1", "validate")
    write_text_safe(report, "table 2", "validate")  # its own: overwritten
    assert report.read_text() == "table 2"
    # a batch output (bench_batch removes it before a fresh run): only if all of it is ours
    folder, out = _videos(tmp_path), tmp_path / "batch-out-1"
    assert main(["batch", str(folder), "--out", str(out), "--workers", "0", "-q"]) == 0
    (out / "crack" / "notes.txt").write_text(NOTE)
    with pytest.raises(InputError, match="notes.txt"):
        remove_written_dir(out)
    assert (out / "crack" / "notes.txt").read_text() == NOTE
    (out / "crack" / "notes.txt").unlink()
    remove_written_dir(out)
    assert not out.exists()
    # a validation results folder (Analysis.save) likewise
    res = tmp_path / "100001"
    tmp = make_temp_dir(res)
    (tmp / "summary.json").write_text("{}")
    replace_dir(tmp, res)
    (res / "mine.csv").write_text("x")
    with pytest.raises(InputError, match="mine.csv"):
        remove_written_dir(res)


def test_batch_killed_before_its_first_result_can_be_rerun(tmp_path, fake):
    folder, out = _videos(tmp_path), tmp_path / "out"
    out.mkdir()
    killed = make_temp_dir(out / "whisker")  # a worker killed while building whisker/
    marker = json.loads((killed / WRITTEN_MARKER_FILE).read_text())
    marker["pid"] = 2 ** 22 + 12345
    (killed / WRITTEN_MARKER_FILE).write_text(json.dumps(marker))
    assert main(["batch", str(folder), "--out", str(out), "--workers", "0", "-q"]) == 0
    assert not killed.exists() and (out / "whisker" / "summary.json").is_file()
