"""``semtrack analyze`` ends with the verdict a scientist reads first: failure mode, short
circuit (with its time) and the growth modes beside them (issue 15.3), not "failure mode
none" alone for a video full of whiskers."""
import json

from vision.cli import main
from vision.pipeline._report import growth_mode_text
from vision.synthetic import preset, render


def test_the_printout_names_the_growth_modes(tmp_path, capsys):
    res = render(preset("whisker", duration_s=8.0), tmp_path, fmt="mp4", crf=23)
    out = tmp_path / "r"
    assert main(["analyze", str(res.video), "--trace", str(res.trace), "--pixel-size", "0.2",
                 "--out", str(out), "--no-overlay", "--no-report", "-q"]) == 0
    printed = capsys.readouterr().out.splitlines()
    summary = json.loads((out / "summary.json").read_text())
    assert printed[0].startswith(f"whisker: failure mode {summary['failure_mode']} ")
    assert printed[1] == f"  growth modes {growth_mode_text(summary)}"
    assert "whisker (from " in printed[1]  # the preset's whisker grows from 1 s on
