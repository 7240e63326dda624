"""Text a person reads says µm and µA, not "um" and "uA" (issue 15.4).

CSV column names keep their ASCII suffixes (``length_um``); a number printed, logged or
drawn with its unit uses the micro sign. Checked two ways: the messages that format a
number with a unit, found in the source (an f-string field or a %-placeholder followed by
``um``/``uA``, or a unit argument ``'um'``), and the output of ``semtrack trace``.
"""
import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd

import electrochem as ec
from vision.cli import main

ROOT = Path(__file__).resolve().parents[1]
ASCII_MICRO = re.compile(r"\b(um|uA)\b")
AFTER_NUMBER = re.compile(r"^\s?(um|uA)(/\w+)?\b")
PLACEHOLDER = re.compile(r"%[-+ #0-9.]*[gfde]\s?(um|uA)(/\w+)?\b")


def _ascii_micro_in_messages(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for before, part in zip(node.values, node.values[1:]):
                if isinstance(before, ast.FormattedValue) and isinstance(part, ast.Constant) \
                        and isinstance(part.value, str) and AFTER_NUMBER.match(part.value):
                    found.append((node.lineno, part.value))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and PLACEHOLDER.search(node.value):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.Call) and any(
                isinstance(a, ast.Constant) and a.value in ("um", "uA") for a in node.args[1:]):
            found.append((node.lineno, "unit argument"))
    return found


def test_no_number_is_written_with_an_ascii_micro_unit():
    offenders = {}
    for package in ("vision", "electrochem", "calibration"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "synthetic" in path.parts:
                continue  # imitates instruments' own text (a scale-bar label, Zeiss metadata)
            found = _ascii_micro_in_messages(path)
            if found:
                offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}


def test_the_check_finds_each_kind_of_message(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('x = 1\na = f"{x:.3g} um/px"\nb = "size %.6g uA from %s"\n'
                   'c = _fmt(x, "um")\nd = f"{x} µm"\ne = "length_um"\n')
    assert [line for line, _ in _ascii_micro_in_messages(bad)] == [2, 3, 4]


def test_trace_summary_prints_micro_units(tmp_path, capsys):
    """A galvanostatic stripping trace: the stripped thickness in µm (the paper's 5-10 µm)."""
    sigma, area, i_a, t0 = 5e-4, 2e-5, -1e-6, 100.8
    eta0 = abs(i_a) / (2 * sigma * np.sqrt(4 * area / np.pi))
    t = np.linspace(0, 1.25 * t0, 2500)
    eta = eta0 * (1 + 0.15 * t / t0) + np.where(t > t0, (t - t0) * 40 * eta0 / t0, 0)
    p = ec.write_mpt(tmp_path / "cp.mpt", pd.DataFrame(
        {"time_s": t, "voltage_V": -eta, "current_A": i_a, "control_A": i_a}), technique="CP")
    assert main(["trace", str(p), "--conductivity", str(sigma)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"stripped .* = [0-9.]+ µm", out), out
    assert not ASCII_MICRO.search(out), out
