"""The batch-scaling benchmark's input (benchmarks/run.py): the six samples, repeated.

A benchmark that times the wrong input measures nothing: the folder it builds must be
a valid batch of every sample video, each with its own manifest row and pixel size.
"""
import csv
import importlib.util
import sys
from pathlib import Path

import pytest

import vision

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run_module():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        yield mod
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_samples_batch_folder_holds_each_sample_repeats_times(tmp_path, run_module):
    src, n = run_module.samples_batch_folder(tmp_path, 2)
    with open(ROOT / "videos" / "manifest.csv", newline="") as fh:
        samples = list(csv.DictReader(fh))
    assert n == 2 * len(samples) == 12
    items = vision.collect_batch(src, out_dir=tmp_path / "out")
    assert len(items) == n
    stems = sorted(Path(it.video).stem for it in items)
    assert stems == sorted(f"{Path(s['video']).stem}_r{r}" for s in samples for r in range(2))
    for it in items:
        original = Path(it.video).stem.rsplit("_r", 1)[0]
        row = next(s for s in samples if Path(s["video"]).stem == original)
        assert Path(it.video).read_bytes() == (ROOT / "videos" / row["video"]).read_bytes()
        assert Path(it.trace).read_bytes() == (ROOT / "videos" / row["trace"]).read_bytes()
        assert it.options["pixel_size_um"] == pytest.approx(float(row["pixel_size_um"]))
