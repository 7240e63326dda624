"""``semtrack batch`` stops before any video on input it can see is bad (issue 15.2).

A manifest's traces are read before the first video starts, a bad ``--columns`` /
``--units`` mapping is a one-line error, and every per-video option of ``analyze`` can be
given per row of a manifest (``sync_window`` included).
"""
import argparse

import pytest

import vision.pipeline._analyze
from vision.batch import read_manifest
from vision.batch._engine import check_manifest_traces
from vision.cli import main
from vision.cli._analyze import analysis_kwargs

STARTED = []


@pytest.fixture
def fake(monkeypatch):
    """Record the videos an analysis was started for; analyse nothing."""
    STARTED.clear()

    def analyze(video, **options):
        STARTED.append(options)
        raise AssertionError("no video may start when the batch's input is bad")

    monkeypatch.setattr(vision.pipeline._analyze, "analyze", analyze)
    return STARTED


def _one_line_error(err):
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _folder(tmp_path, trace_text=None, trace_name="t.csv", extra_header="", extra_cell=""):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.mp4").write_bytes(b"video")
    rows = ["video,trace" + extra_header, "a.mp4," + extra_cell, "b.mp4," + extra_cell]
    if trace_text is not None:
        (folder / trace_name).write_bytes(trace_text if isinstance(trace_text, bytes)
                                          else trace_text.encode())
        rows.append(f"c.mp4,{trace_name}" + extra_cell)
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n")
    return folder


@pytest.mark.parametrize("text, name, words", [
    ("a,b\n1,2\n3,4\n", "t.csv", "no time column"),
    (b"\x00\x01garbage" * 30, "t.mpr", "not an EC-Lab binary file"),
])
def test_a_manifest_trace_that_cannot_be_used_stops_the_batch_before_any_video(
        tmp_path, fake, capsys, text, name, words):
    folder = _folder(tmp_path, text, name)
    out = tmp_path / "o"
    assert main(["batch", str(folder), "--out", str(out), "--workers", "0"]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert name in line and words in line and "row 4" in line, line
    assert fake == [] and not out.exists()  # nothing started, nothing written


def test_a_manifest_trace_without_current_is_analysed_without_fusion(tmp_path):
    """Readable, with a time column but no current: a warning per video, not an error."""
    folder = _folder(tmp_path, "time/s,Ewe/V\n0,1\n1,1\n2,1\n")
    items = read_manifest(folder / "manifest.csv")
    assert [it.name for it in items if it.trace is not None] == ["c"]
    check_manifest_traces(items)  # no error: the analysis warns and goes on without it


@pytest.mark.parametrize("flag, value", [("--columns", "time"), ("--columns", "speed=v"),
                                         ("--units", "current=mV"), ("--units", "time=furlong")])
@pytest.mark.parametrize("command", ["batch", "analyze"])
def test_a_bad_column_mapping_is_one_line_before_any_work(tmp_path, fake, capsys, command,
                                                          flag, value):
    folder = _folder(tmp_path)
    target = [str(folder)] if command == "batch" else [str(folder / "a.mp4")]
    out = tmp_path / "o"
    assert main([command, *target, "--out", str(out), flag, value]
                + (["--workers", "0"] if command == "batch" else [])) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert flag.strip("-") in line and value.split("=")[-1] in line, line
    assert fake == [] and not out.exists()


def test_good_mappings_pass_the_check(tmp_path):
    from electrochem import parse_column_options

    assert parse_column_options("time=Time, current=I", "current=mA,time=min") == (
        {"time": "Time", "current": "I"}, {"current": "mA", "time": "min"})
    assert parse_column_options(None, None) == ({}, {})


def test_sync_window_is_a_manifest_column(tmp_path):
    folder = _folder(tmp_path, extra_header=",sync_window", extra_cell='," -4;6 "')
    items = read_manifest(folder / "manifest.csv")
    assert [it.options.get("search_s") for it in items] == [(-4.0, 6.0), (-4.0, 6.0)]
    (folder / "manifest.csv").write_text("video,sync_window\na.mp4,6;-4\n")
    with pytest.raises(Exception, match=r"row 2: sync_window must be 'lo;hi'.*lo < hi"):
        read_manifest(folder / "manifest.csv")


def test_every_per_video_option_of_analyze_is_a_manifest_column(tmp_path):
    """Each keyword analyze's flags give can also come from a manifest row."""
    args = argparse.Namespace(
        pixel_size=0.2, scale_bar_um=10.0, fps=5.0, tilt=10.0, crop=(0, 9, 0, 9),
        electrode="1,2", counter_electrode="left", sync_offset=None, sync="auto",
        columns="time=T", units="current=mA", sync_window="-1,1")
    from_flags = set(analysis_kwargs(args, given_only=True))
    (tmp_path / "v.mp4").write_bytes(b"video")
    (tmp_path / "m.csv").write_text(
        "video,pixel_size_um,scale_bar_um,fps,tilt_deg,crop,electrode,counter_electrode,"
        "sync,sync_window,columns,units\n"
        'v.mp4,0.2,10,5,10,"0;9;0;9","1;2",left,auto,"-1;1",time=T,current=mA\n')
    (item,) = read_manifest(tmp_path / "m.csv")
    (tmp_path / "n.csv").write_text("video,sync_offset_s\nv.mp4,1.5\n")
    (offset,) = read_manifest(tmp_path / "n.csv")
    assert from_flags | {"sync_offset_s"} == set(item.options) | set(offset.options)
