"""`semtrack trace` on near-empty and unreadable real-layout files: what it says, its exit code."""
from pathlib import Path

import electrochem
from vision._cli import main

DATA = Path(__file__).parent.parent / "data" / "real"
HEAD = "EC-Lab ASCII FILE\r\nNb header lines : 5\r\n\r\nWait\r\n"


def test_trace_extensions_exported():
    assert electrochem.TRACE_EXTENSIONS == electrochem.KNOWN_EXTENSIONS
    assert {".mpt", ".mpr", ".csv", ".tsv", ".txt"} == set(electrochem.TRACE_EXTENSIONS)
    names = [r.name for r in electrochem.known_trace_formats()]
    assert names == ["eclab-binary", "eclab-text", "delimited"]


def test_empty_wait_file_one_line_message(tmp_path, capsys):
    p = tmp_path / "wait.mpt"
    p.write_bytes((HEAD + "mode\terror\ttime/s\tEwe/V\tI/mA\tEce/V\tP/W\tEwe-Ece/V\t\r\n").encode("cp1252"))
    assert main(["trace", str(p)]) == 2
    err = capsys.readouterr().err
    assert "wait.mpt: the file holds no data rows" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_empty_trace_described_when_allowed(tmp_path):
    p = tmp_path / "wait.mpt"
    p.write_bytes((HEAD + "mode\terror\ttime/s\tEwe/V\tI/mA\r\n").encode("cp1252"))
    text = electrochem.format_summary(electrochem.summarize_trace(electrochem.read_trace(p, allow_empty=True)))
    assert "points      0" in text and "note: the file holds no data rows" in text


def test_one_row_trace_is_data(tmp_path, capsys):
    p = tmp_path / "one.mpt"
    p.write_bytes((HEAD + "mode\terror\ttime/s\tEwe/V\tI/mA\r\n0\t0\t1.0\t-0.5\t-0.1\r\n").encode("cp1252"))
    assert main(["trace", str(p)]) == 0
    out = capsys.readouterr().out
    assert "points      1" in out and "note: the file holds a single data row" in out


def test_no_time_column_exits_2(tmp_path, capsys):
    p = tmp_path / "nt.mpt"
    p.write_bytes((HEAD + "mode\terror\t<Ewe/V>\r\n0\t0\t3.4\r\n").encode("cp1252"))
    assert main(["trace", str(p)]) == 2
    err = capsys.readouterr().err
    assert "nt.mpt: " in err and "no time column" in err and "Traceback" not in err


def test_times_labelled_with_the_trace_clock(capsys):
    assert main(["trace", str(DATA / "00_test_04_MB_C01.mpr")]) == 0
    out = capsys.readouterr().out
    assert "s on the trace clock" in out
