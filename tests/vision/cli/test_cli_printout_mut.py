"""What ``semtrack analyze`` prints and what ``batch`` asks for (issue 16: a planted bug must not survive).

Written against the survivors of the mutation run of the lines of ``vision/cli/`` changed
since ``fe2d934`` (wave 15, ``benchmarks/mutate_changed.py``). The analysis is replaced by a
stand-in whose summary is given, so the printout is checked line by line in a fraction of
a second: the short circuit with its time (two decimals, in s) only when there is one, the
growth modes, the growth rate and its current density, warnings on stderr; ``batch`` asks
for a progress bar unless ``-q`` (where it shows is the bar's own rule, issue 15.6).
"""
from pathlib import Path
from types import SimpleNamespace

import pytest

import vision.batch._engine as engine
import vision.pipeline._analyze as analyze_module
from vision.cli import main


class _Result:
    def __init__(self, summary):
        self.summary = summary

    def save(self, out, **kwargs):
        return out


def _summary(**kw):
    s = {"failure_mode": "short_circuit", "failure_confidence": 0.9, "short_circuit": True,
         "short_circuit_time_s": 12.5, "max_growth_rate_um_s": None,
         "max_local_current_density_A_cm2": None, "warnings": [],
         "growth_mode_evidence": [{"mode": "whisker", "present": True, "first_time_s": 3.2},
                                  {"mode": "lateral", "present": False, "first_time_s": None}]}
    s.update(kw)
    return s


def _printout(tmp_path, monkeypatch, capsys, summary, *extra):
    video = tmp_path / "cell.mp4"
    video.write_bytes(b"x")
    monkeypatch.setattr(analyze_module, "analyze", lambda *a, **k: _Result(summary))
    assert main(["analyze", str(video), "--pixel-size", "0.2", "--out", str(tmp_path / "r"),
                 *extra]) == 0
    return capsys.readouterr()


def test_a_short_circuit_is_printed_with_its_time(tmp_path, monkeypatch, capsys):
    out = _printout(tmp_path, monkeypatch, capsys, _summary(), "--no-report")
    assert out.out.splitlines() == [
        "cell: failure mode short_circuit (confidence 0.9), short circuit yes at 12.50 s",
        "  growth modes whisker (from 3.20 s)",
        f"results: {tmp_path / 'r'}"]


def test_a_short_circuit_without_a_time_and_none(tmp_path, monkeypatch, capsys):
    out = _printout(tmp_path, monkeypatch, capsys, _summary(short_circuit_time_s=None),
                    "--no-report")
    assert out.out.splitlines()[0] == \
        "cell: failure mode short_circuit (confidence 0.9), short circuit yes"
    out = _printout(tmp_path, monkeypatch, capsys,
                    _summary(failure_mode="none", short_circuit=False, short_circuit_time_s=None),
                    "--no-report")
    assert out.out.splitlines()[0] == "cell: failure mode none (confidence 0.9), short circuit no"


def test_the_rate_the_report_and_the_warnings(tmp_path, monkeypatch, capsys):
    s = _summary(max_growth_rate_um_s=0.1234, max_local_current_density_A_cm2=4.56,
                 warnings=["pixel size from the scale bar"])
    out = _printout(tmp_path, monkeypatch, capsys, s)
    lines = out.out.splitlines()
    assert lines[2] == "  max growth rate 0.123 µm/s -> local current density 4.560 A/cm2"
    assert lines[-1] == f"report:  {tmp_path / 'r' / 'report.html'}"
    assert out.err.splitlines() == ["  warning: pixel size from the scale bar"]


class _Stop(Exception):
    pass


@pytest.mark.parametrize("quiet, progress", [(False, True), (True, False)])
def test_batch_asks_for_a_bar_unless_quiet(tmp_path, monkeypatch, quiet, progress):
    # under pytest stderr is no terminal: the bar is asked for all the same (the bar's
    # own rule decides where it shows)
    asked = {}

    def fake_run_batch(items, out, **kw):
        asked.update(kw)
        raise _Stop

    item = SimpleNamespace(name="a", video=Path("a.mp4"), trace=None, pairing="by name")
    monkeypatch.setattr(engine, "collect_batch", lambda *a, **k: [item])
    monkeypatch.setattr(engine, "run_batch", fake_run_batch)
    with pytest.raises(_Stop):
        main(["batch", str(tmp_path), "--out", str(tmp_path / "r")] + (["-q"] if quiet else []))
    assert asked["progress"] is progress
