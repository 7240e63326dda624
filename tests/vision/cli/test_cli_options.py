"""One set of options for analyze and batch, spellings, exit codes (issue 15.2, 15.5, 15.7)."""
import json
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

import vision.pipeline._analyze
from calibration import InputError
from vision.batch._summary import format_table
from vision.cli import main
from vision.cli._main import build_parser
from vision.synthetic import preset, render

VIDEOS = Path(__file__).resolve().parents[3] / "videos"


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    folder = tmp_path_factory.mktemp("video")
    return render(preset("whisker", duration_s=2.0), folder, fmt="mp4", crf=23)


# -- a stand-in analysis for the batch orchestration ---------------------------------------

SEEN = {}


class _Fake:
    def __init__(self, video, options):
        stem = Path(video).stem
        self.summary = {"video_name": stem, "n_frames": 3, "failure_mode": "fracture"
                        if stem == "crack" else "none",
                        "short_circuit": stem == "crack", "short_circuit_time_s": 12.5,
                        "max_growth_rate_um_s": 2.0 if stem == "whisker" else None,
                        "max_local_current_density_A_cm2": 1.47 if stem == "whisker" else None,
                        "sync_method": "auto", "sync_confidence": 0.83,
                        "pixel_size_um": options.get("pixel_size_um"),
                        "pixel_size_source": "user" if "pixel_size_um" in options else "scale_bar",
                        "warnings": ["the video ends early (truncated)"] if stem == "crack" else []}
        if stem == "whisker":
            self.summary["growth_modes"] = [{"mode": "whisker", "first_time_s": 3.0}]
        self.stem = stem

    def save(self, out_dir, **_):
        out = Path(out_dir)
        out.mkdir(parents=True)
        (out / "summary.json").write_text(json.dumps(self.summary))
        if self.stem == "whisker":
            pd.DataFrame({"whisker_id": [1, 1], "step": [1, 2], "control_V": [-1.0, -2.0],
                          "rate_um_s": [0.8, 2.0]}).to_csv(out / "growth_rates.csv",
                                                          index=False)
        warnings.warn("TruncatedVideoWarning-like: frame 17 is cut", UserWarning, stacklevel=2)


@pytest.fixture
def fake(monkeypatch):
    SEEN.clear()

    def analyze(video, *, trace=None, progress=False, keep_frames=True, **options):
        SEEN[Path(video).stem] = options
        warnings.warn("a library warning during the analysis", RuntimeWarning, stacklevel=2)
        return _Fake(video, options)

    monkeypatch.setattr(vision.pipeline._analyze, "analyze", analyze)
    return SEEN


def _videos(tmp_path, names=("whisker", "crack")):
    folder = tmp_path / "videos"
    folder.mkdir()
    for n in names:
        (folder / f"{n}.mp4").write_bytes(n.encode())
    return folder


def _one_line_error(err):
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# -- parity ----------------------------------------------------------------------------------

def _options(command):
    parser = build_parser(command, all_commands=False)
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return {s for a in sub._actions for s in a.option_strings}


def test_every_per_video_option_of_analyze_is_a_batch_flag():
    analyze, batch = _options("analyze"), _options("batch")
    per_video = analyze - {"--trace", "--out", "-h", "--help"}
    assert per_video <= batch, per_video - batch
    for flag in ("--columns", "--units", "--electrode", "--crop", "--sync-offset",
                 "--counter-electrode", "--no-report", "-q", "--quiet", "-v", "--verbose",
                 "--pixel-size-um"):
        assert flag in analyze and flag in batch


def test_batch_flags_apply_to_every_video_and_a_manifest_cell_wins(tmp_path, fake, capsys):
    folder = _videos(tmp_path)
    args = ["batch", str(folder), "--out", str(tmp_path / "o"), "--workers", "0",
            "--columns", "time=t,current=I", "--units", "current=mA", "--crop", "0,400,0,500",
            "--electrode", "10,20", "--counter-electrode", "300,40", "--sync-offset", "1.5",
            "--pixel-size", "0.2", "--tilt", "5"]
    assert main(args) == 0
    expected = {"trace_columns": "time=t,current=I", "trace_units": "current=mA",
                "crop": (0, 400, 0, 500), "electrode": (10.0, 20.0),
                "counter_electrode": (300.0, 40.0), "sync_offset_s": 1.5,
                "pixel_size_um": 0.2, "tilt_deg": 5.0}
    assert fake["whisker"] == expected and fake["crack"] == expected
    (folder / "manifest.csv").write_text(
        "video,crop,columns,pixel_size_um,counter_electrode,sample_id\n"
        'whisker.mp4,"0,300,0,300",time=T;current=Iw,0.5,left,S-7\n'
        "crack.mp4,,,,,S-8\n")
    assert main(args + ["--force"]) == 0
    assert fake["whisker"]["crop"] == (0, 300, 0, 300)
    assert fake["whisker"]["trace_columns"] == "time=T,current=Iw"
    assert fake["whisker"]["pixel_size_um"] == 0.5 and fake["whisker"]["counter_electrode"] == "left"
    assert fake["crack"] == expected  # empty cells: the flags apply
    table = pd.read_csv(tmp_path / "o" / "results.csv")
    assert list(table["manifest.sample_id"]) == ["S-7", "S-8"]  # extra column: metadata
    # the pixel size says where it came from
    assert list(table["pixel_size_source"]) == ["manifest", "user"]
    (folder / "manifest.csv").write_text("video,colums\nwhisker.mp4,time=T\n")
    capsys.readouterr()
    assert main(args) == 2
    assert "did you mean 'columns'" in _one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("flag", [["--pixel-size", "-1"], ["--fps", "0"], ["--crop", "1,2,3"],
                                  ["--crop", "5,1,0,9"], ["--electrode", "a,b"],
                                  ["--counter-electrode", "middle"], ["--tilt", "nan"],
                                  ["--workers", "-1"]])
def test_bad_batch_flags_fail_up_front(tmp_path, fake, capsys, flag):
    folder = _videos(tmp_path)
    assert main(["batch", str(folder), "--out", str(tmp_path / "o"), "--workers", "0",
                 *flag]) == 2 if flag[0] != "--workers" else \
        main(["batch", str(folder), "--out", str(tmp_path / "o"), *flag]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert flag[0] in line
    assert fake == {} and not (tmp_path / "o").exists()  # no video was started


def test_quiet_and_verbose_before_and_after_the_command(tmp_path, fake, capsys):
    folder = _videos(tmp_path)
    out = str(tmp_path / "o")
    for args in (["-q", "batch", str(folder), "--out", out, "--workers", "0", "--force"],
                 ["batch", str(folder), "--out", out, "--workers", "0", "--force", "-q"],
                 ["batch", str(folder), "--out", out, "--workers", "0", "--force",
                  "--quiet", "-v"]):
        assert main(args) == 0
        assert capsys.readouterr().out == ""
    assert main(["-v", "batch", str(folder), "--out", out, "--workers", "0", "--force"]) == 0
    assert "whisker" in capsys.readouterr().out


def test_help_texts_have_one_default_each_and_analyse_is_an_alias(capsys):
    for command in ("analyze", "analyse", "batch", "synth", "info", "trace"):
        assert main([command, "--help"]) == 0
        text = capsys.readouterr().out
        assert not re.search(r"\(default[^)]*\)\s*\(default", text), command
    assert main(["--help"]) == 0
    assert "analyze" in capsys.readouterr().out


def test_info_takes_crop_as_in_the_other_commands():
    for words in (["--crop", "0,10,0,20"], ["--crop", "0", "10", "0", "20"]):
        args = build_parser("info", all_commands=False).parse_args(["info", "v.mp4", *words])
        assert args.crop == (0, 10, 0, 20)


def test_info_usage_shows_crop_once(capsys):
    # nargs="+" would print "T,B,L,R [T,B,L,R ...]": four numbers, given once
    assert main(["info", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--crop T,B,L,R" in text and "T,B,L,R [" not in text and "..." not in text


# -- end of batch ----------------------------------------------------------------------------

def test_batch_end_table_warnings_in_batch_json_not_on_stderr_and_figure(tmp_path, fake,
                                                                          capsys):
    folder = _videos(tmp_path, ("whisker", "crack", "control"))
    out = tmp_path / "o"
    assert main(["batch", str(folder), "--out", str(out), "--workers", "0"]) == 0
    captured = capsys.readouterr()
    assert "Warning" not in captured.err and "warn" not in captured.err.lower(), captured.err
    lines = captured.out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("video"))
    for col in ("status", "failure mode", "growth modes", "short circuit", "max rate",
                "max j", "sync", "warnings"):
        assert col in lines[header]
    rows = {line.split()[0]: line for line in lines[header + 2: header + 5]}
    assert re.search(r"whisker\s+done\s+none\s+whisker\s+no\s+2\s+1\.47\s+auto 0\.83\s+2",
                     rows["whisker"]), rows["whisker"]
    assert re.search(r"crack\s+done\s+fracture\s+-\s+yes at 12\.5 s\s+-\s+-\s+auto 0\.83\s+3",
                     rows["crack"]), rows["crack"]
    assert "(by name)" not in captured.out and "(no matching trace)" in captured.out
    assert "none (no matching trace)" not in captured.out
    status = json.loads((out / "batch.json").read_text())
    crack = next(v for v in status["videos"] if v["name"] == "crack")
    assert crack["warnings"][0] == "the video ends early (truncated)"
    assert any("frame 17 is cut" in w for w in crack["warnings"])
    assert any("library warning" in w for w in crack["warnings"])
    png = (out / "max_rate_vs_potential.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_format_table_shows_dash_without_growth_modes():
    from vision.batch._engine import BatchResult
    rec = {"name": "v", "status": "failed", "warnings": [], "error": "x", "video": "v.mp4"}
    text = format_table(BatchResult(out_dir=Path("."), records=[rec], summaries={},
                                    engine="serial"))
    assert re.search(r"^v\s+failed\s+-\s+-\s+-\s+-\s+-\s+-\s+-$", text.splitlines()[2])


# -- explicit traces: one rule ---------------------------------------------------------------

def test_explicit_trace_rule(video, tmp_path, capsys):
    base = ["analyze", str(video.video), "--pixel-size", "0.2", "--no-overlay", "--quiet",
            "--no-report"]
    garbage = tmp_path / "broken.mpt"
    garbage.write_bytes(b"\x00\x01 not a potentiostat file" * 20)
    assert main(base + ["--trace", str(garbage), "--out", str(tmp_path / "a")]) == 2
    assert "broken.mpt" in _one_line_error(capsys.readouterr().err)
    no_time = tmp_path / "no_time.csv"
    no_time.write_text("Ewe/V,I/mA\n-1.0,0.1\n-1.0,0.2\n-1.0,0.3\n")
    assert main(base + ["--trace", str(no_time), "--out", str(tmp_path / "b")]) == 2
    assert "no_time.csv" in _one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    no_current = tmp_path / "no_current.csv"
    no_current.write_text("time/s,Ewe/V\n0,-1.0\n1,-1.0\n2,-1.0\n")
    one_row = tmp_path / "one_row.csv"
    one_row.write_text("time/s,Ewe/V,I/mA\n0,-1.0,0.1\n")
    for trace, why in ((no_current, "no current"), (one_row, "1 data row")):
        out = tmp_path / trace.stem
        assert main(base + ["--trace", str(trace), "--out", str(out)]) == 0
        assert why in capsys.readouterr().err
        summary = json.loads((out / "summary.json").read_text())
        assert summary["sync_method"] is None  # analysed without fusion
        assert any(why in w for w in summary["warnings"])


def test_analyse_alias_no_report_and_excel_export(video, tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["analyse", str(video.video), "--trace", str(video.trace), "--pixel-size",
                 "0.2", "--out", str(out), "--no-overlay", "--no-report", "-q"]) == 0
    printed = capsys.readouterr().out
    assert "report:" not in printed and not (out / "report.html").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trace_short_circuit_time_s"] == summary["short_circuit_time_trace_s"]
    assert summary["pixel_size_source"] == "user"
    res = vision.pipeline._analyze.analyze(video.video, trace=video.trace, pixel_size_um=0.2)
    xl = tmp_path / "xl"
    res.save(xl, overlay=False, report=False, formats=("csv", "parquet", "xlsx"))
    import openpyxl
    book = openpyxl.load_workbook(xl / "results.xlsx", read_only=True)
    assert book.sheetnames == ["summary", "frames", "whiskers", "events", "growth_rates"]
    frames = pd.read_excel(xl / "results.xlsx", sheet_name="frames")
    assert list(frames.columns) == list(pd.read_csv(xl / "frames.csv").columns)
    assert len(frames) == len(res.frames)
    assert pd.read_parquet(xl / "whiskers.parquet").shape[0] == len(res.whiskers)
    with pytest.raises(InputError, match="formats"):
        res.save(tmp_path / "bad", formats=("docx",))


# -- clocks and labels -----------------------------------------------------------------------

def test_trace_labels_every_time_with_its_clock(capsys):
    for name in ("lateral_trace.mpt", "stripping_trace.mpt"):
        assert main(["trace", str(VIDEOS / name)]) == 0
        text = capsys.readouterr().out
        timed = [line for line in text.splitlines()
                 if re.search(r"\bt0? = |\btime |times in s", line)]
        assert timed and all("trace clock" in line for line in timed), timed
        assert main(["trace", str(VIDEOS / name), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["time_clock"].startswith("trace")


def test_pixel_size_from_a_manifest_is_reported_as_manifest_in_a_real_batch(video, tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"video,trace,pixel_size_um\n{video.video},{video.trace},0.2\n")
    out = tmp_path / "o"
    assert main(["batch", str(manifest), "--out", str(out), "--workers", "0", "-q",
                 "--no-overlay"]) == 0
    summary = json.loads((out / "whisker" / "summary.json").read_text())
    assert summary["pixel_size_source"] == "manifest" and summary["pixel_size_um"] == 0.2
    assert "(manifest)" in (out / "whisker" / "report.html").read_text()
    assert pd.read_csv(out / "results.csv")["pixel_size_source"].tolist() == ["manifest"]
