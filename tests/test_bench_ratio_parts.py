"""The full-HD benchmark's accounting (benchmarks/run.py): the parts of the ratio to decode.

Issue 14 asks which optimisation bought what, in the units of its targets (the ratio of
the analysis's CPU to the gray-decode baseline's). The bench splits that ratio by phase
and reports the phases that run on every frame per frame: the parts must add up to the
ratio it prints, and the per-frame figures must be per frame, not per scan.
"""
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run_module():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("bench_run_parts",
                                                      ROOT / "benchmarks" / "run.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        yield mod
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


#: The phases of the wave-21 MPEG-4 run (hd21.log), CPU s over 3000 frames / 300 scans.
PHASES = {"measure: segment_lithium": 8.352, "decode": 6.594,
          "refresh (duplicates, tears)": 2.193, "drift registration": 1.590,
          "not attributed": 0.981}


def test_phase_parts_add_up_to_the_ratio(run_module):
    decode_cpu = 6.99
    parts = run_module.phase_over_decode(PHASES, decode_cpu)
    assert set(parts) == set(PHASES)
    assert sum(parts.values()) == pytest.approx(sum(PHASES.values()) / decode_cpu, rel=1e-12)
    assert parts["decode"] == pytest.approx(6.594 / 6.99, rel=1e-12)


def test_per_frame_figures_are_the_every_frame_phases_per_frame(run_module):
    per_frame = run_module.per_frame_ms(PHASES, 3000)
    assert set(per_frame) == {"decode", "refresh (duplicates, tears)"}
    assert per_frame["refresh (duplicates, tears)"] == pytest.approx(2.193 / 3000 * 1000)
    assert per_frame["decode"] == pytest.approx(6.594 / 3000 * 1000)


def test_print_hd_shows_parts_and_per_frame_line(run_module, capsys):
    analyze = {"cpu_s": 35.07, "seconds": 35.2, "fps_cpu": 85.5, "n_frames": 3000,
               "new_frames": 340, "truth_new_frames": 340, "scans_measured": 300,
               "truth_scans": 300, "missed_new_frames": 0, "whiskers_found": 1,
               "scan_period_s": 0.4, "peak_rss_MB": 377.6, "phases_cpu_s": dict(PHASES)}
    full = dict(analyze, cpu_s=42.42, seconds=42.9, fps_cpu=70.7, save_cpu_s=7.03,
                peak_rss_MB=378.6)
    decode = {"cpu_s": 6.99, "seconds": 7.72, "fps_cpu": 429.2, "n_frames": 3000}
    h = {"decode": decode, "analyze": analyze, "analyze_save": full,
         "analyze_over_decode": 35.07 / 6.99, "analyze_save_over_decode": 42.42 / 6.99}
    run_module.print_hd("mpeg4", h)
    out = capsys.readouterr().out
    assert "per frame (3000 frames" in out
    assert "refresh (duplicates, tears) 0.731" in out
    assert "baseline decode 2.330" in out
    seg = next(line for line in out.splitlines() if "segment_lithium" in line)
    assert f"{8.352 / 6.99:5.2f}x" in seg and "27.84" in seg
