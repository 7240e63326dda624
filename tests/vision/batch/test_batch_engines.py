"""Batches of real (short, synthetic) videos: serial vs LocalCluster, resume, a corrupt file."""
import dataclasses
import json
import os

import pandas as pd
import pytest

from vision import collect_batch, run_batch
from vision.synthetic import preset, render

#: Fields of the combined table that are timings of this run, not results.
TIMING_COLUMNS = ["batch_wall_s"]


@pytest.fixture(scope="module")
def batch_input(tmp_path_factory):
    folder = tmp_path_factory.mktemp("videos")
    render(preset("whisker", duration_s=4.0), folder, fmt="mp4", crf=23)
    render(preset("control", duration_s=3.0), folder, fmt="mp4", crf=23)
    # a truncated recording: the MP4 header and then garbage
    good = (folder / "whisker.mp4").read_bytes()
    (folder / "broken.mp4").write_bytes(good[:64] + b"\x00garbage" * 200)
    return folder


@pytest.fixture(scope="module")
def serial_run(batch_input, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    items = collect_batch(batch_input, out_dir=out, defaults={"pixel_size_um": 0.2})
    result = run_batch(items, out, workers=0, overlay=False)
    snapshot = {name: _snapshot(out / name) for name in ("control", "whisker")
                if (out / name).is_dir()}
    snapshot["results.csv"] = pd.read_csv(out / "results.csv")
    return items, out, result, snapshot


def _snapshot(folder):
    """Summary (timings removed) and the bytes of every CSV of a results folder."""
    summary = json.loads((folder / "summary.json").read_text())
    summary.pop("timing", None)
    return summary, {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


def test_pairing_and_corrupt_video_reported_others_done(serial_run):
    items, out, result, _ = serial_run
    assert [(it.name, it.trace and it.trace.name, it.pairing) for it in items] == [
        ("broken", None, "no matching trace"),
        ("control", "control_trace.mpt", "by name"),
        ("whisker", "whisker_trace.mpt", "by name")]
    status = {r["name"]: r for r in result.records}
    assert status["whisker"]["status"] == "done" and status["control"]["status"] == "done"
    assert status["broken"]["status"] == "failed"
    assert "broken.mp4" in status["broken"]["error"]
    assert not (out / "broken").exists()
    assert (out / "whisker" / "summary.json").is_file()
    batch = json.loads((out / "batch.json").read_text())
    assert batch["counts"] == {"done": 2, "skipped": 0, "failed": 1, "pending": 0}
    table = pd.read_csv(out / "results.csv")
    assert list(table["name"]) == ["broken", "control", "whisker"]
    assert table.set_index("name").loc["whisker", "n_frames"] == 40
    assert table.set_index("name").loc["whisker", "duration_s"] == pytest.approx(3.9)  # video
    assert pd.read_parquet(out / "results.parquet").shape == table.shape


def test_local_cluster_of_two_workers_gives_identical_results(serial_run, tmp_path):
    items, _, serial, snapshot = serial_run
    out = tmp_path / "dask"
    parallel = run_batch(items, out, workers=2, overlay=False)
    assert parallel.engine == "LocalCluster(2 workers)"
    assert [r["status"] for r in parallel.records] == [r["status"] for r in serial.records]
    assert parallel.records[0]["error"] == serial.records[0]["error"]
    for name in ("control", "whisker"):
        summary, csvs = _snapshot(out / name)
        assert summary == snapshot[name][0]
        assert csvs.keys() == snapshot[name][1].keys() and "frames.csv" in csvs
        for csv, data in csvs.items():
            assert data == snapshot[name][1][csv], csv
    a = snapshot["results.csv"].drop(columns=TIMING_COLUMNS)
    b = pd.read_csv(out / "results.csv").drop(columns=TIMING_COLUMNS)
    pd.testing.assert_frame_equal(a, b)


def test_resume_skips_finished_videos_and_redoes_changed_ones(serial_run):
    items, out, _, _ = serial_run
    mtime = os.stat(out / "whisker" / "summary.json").st_mtime_ns
    again = run_batch(items, out, workers=0, overlay=False)
    assert {r["name"]: r["status"] for r in again.records} == {
        "broken": "failed", "control": "skipped", "whisker": "skipped"}
    # skipped means not analysed again: the results are untouched (checked by their mtime,
    # not by a wall-clock limit, which would fail on a busy machine and pass a slow bug)
    assert os.stat(out / "whisker" / "summary.json").st_mtime_ns == mtime
    # results of skipped videos still fill the combined table
    table = pd.read_csv(out / "results.csv").set_index("name")
    assert table.loc["whisker", "status"] == "skipped" and table.loc["whisker", "n_frames"] == 40
    # a changed parameter redoes that video only
    changed = [it if it.name != "control" else
               dataclasses.replace(it, options={**it.options, "tilt_deg": 30.0}) for it in items]
    third = run_batch(changed, out, workers=0, overlay=False)
    assert {r["name"]: r["status"] for r in third.records} == {
        "broken": "failed", "control": "done", "whisker": "skipped"}


def _worker_config(keys):
    import dask
    return {k: dask.config.get(k) for k in keys}


def test_local_cluster_workers_get_the_batch_dask_settings():
    """The batch's own cluster runs without the dashboard's profiler and 20 ms event-loop
    checks (issue 14): the settings reach the worker processes and end with the batch."""
    import contextlib

    import dask
    from distributed import Client

    from vision.batch._engine import LOCAL_CLUSTER_CONFIG, _local_cluster

    before = _worker_config(LOCAL_CLUSTER_CONFIG)
    assert before != LOCAL_CLUSTER_CONFIG  # Dask's defaults differ, so the test can fail
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(Client(_local_cluster(stack, 1)))
        got = client.submit(_worker_config, list(LOCAL_CLUSTER_CONFIG), pure=False).result()
        assert got == {k: dask.config.get(k) for k in LOCAL_CLUSTER_CONFIG}
    for key, value in LOCAL_CLUSTER_CONFIG.items():
        assert got[key] == value
    assert _worker_config(LOCAL_CLUSTER_CONFIG) == before


def _allocator_env_and_steady():
    import os

    from vision._shared._system import steady_allocator
    return sorted(k for k in os.environ if k.startswith("MALLOC_")), steady_allocator()


def test_local_cluster_leaves_no_malloc_setting_and_workers_get_the_steady_allocator(
        monkeypatch):
    """Dask's nannies write ``distributed.nanny.pre-spawn-environ`` into their own process
    (the batch's, with ``processes=True``): its default MALLOC_TRIM_THRESHOLD_ made every
    worker's ``steady_allocator()`` a no-op (a MALLOC_* variable is a user's own setting) and
    stayed in a notebook's environment after the batch. The batch's cluster sets only the
    one-thread variables and puts the process's environment back at its close."""
    import contextlib
    import os
    import sys

    from distributed import Client

    from vision.batch._engine import _local_cluster

    for name in [k for k in os.environ if k.startswith("MALLOC_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")  # a user's own value: back at the close
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(Client(_local_cluster(stack, 1)))
        names, steady = client.submit(_allocator_env_and_steady, pure=False).result()
        assert os.environ.get("OMP_NUM_THREADS") == "1"  # written by the nanny, for now
    assert names == []
    assert steady is sys.platform.startswith("linux")
    assert not [k for k in os.environ if k.startswith("MALLOC_")]
    assert "OMP_NUM_THREADS" not in os.environ
    assert os.environ["OPENBLAS_NUM_THREADS"] == "3"
