"""The label store, agreement, export, results reading and the CLI of ``semtrack annotate``."""
import csv
import json
import sqlite3
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest

from calibration import InputError

try:  # tests/ is on sys.path under pytest's default import mode
    from test_annotate_fixtures import N_FRAMES, VIDEOS, frame_level, write_batch, write_result
except ImportError:  # tests/ made a package
    from tests.test_annotate_fixtures import N_FRAMES, VIDEOS, frame_level, write_batch, write_result
from vision.annotate import (
    AnnotationDB,
    AnnotationService,
    ConflictError,
    FrameSource,
    find_results,
    format_agreement,
    write_export,
)
from vision.cli import main


@pytest.fixture()
def service(tmp_path):
    root = write_batch(tmp_path / "batch")
    svc = AnnotationService(root, user="alice")
    yield svc
    svc.close()


def ids_by_name(svc):
    return {v["name"]: v["id"] for v in svc.db.videos()}


def test_find_results_batch_and_single(tmp_path):
    root = write_batch(tmp_path / "batch")
    found = find_results(root)
    assert [r.rel_path for r in found] == ["cell_a", "cell_b", "cell_c"]
    single = find_results(root / "cell_b")
    assert [r.rel_path for r in single] == ["."]
    assert single[0].failure_mode == "fracture" and single[0].short_circuit is True
    events = single[0].auto_events()
    assert [(e["event"], e["frame"]) for e in events] == [
        ("growth_onset", 2), ("crack_initiation", 12), ("short_circuit", 18)]
    frames = single[0].frames()
    assert len(frames["time_s"]) == N_FRAMES
    assert frames["is_duplicate"][:4] == [False, True, False, True]
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no summary.json found"):
        find_results(tmp_path / "empty")
    with pytest.raises(InputError, match="not a folder"):
        find_results(tmp_path / "missing")


def test_bad_summary_is_skipped_with_clear_error(tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "summary.json").write_text("{not json")
    with pytest.raises(InputError, match="no summary.json found"):
        find_results(tmp_path)
    (folder / "summary.json").write_text(json.dumps({"failure_mode": "exploded"}))
    from vision.annotate import ResultFolder
    with pytest.raises(InputError, match="unknown failure_mode 'exploded'"):
        ResultFolder.load(folder)


def test_database_is_wal_and_history_append_only(service):
    with sqlite3.connect(service.db_path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("UPDATE history SET user='mallory'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("DELETE FROM history")
    assert len(service.db.history()) == len(VIDEOS)  # one 'register' per video


def test_new_videos_are_unreviewed_with_automatic_events_seeded(service):
    videos = {v["name"]: v for v in service.db.videos()}
    assert set(videos) == set(VIDEOS)
    assert all(v["state"] == "unreviewed" and v["human_failure_mode"] is None
               for v in videos.values())
    label = service.db.label(videos["cell_a"]["id"])
    assert [(e["event"], e["frame"], e["origin"]) for e in label["events"]] == [
        ("growth_onset", 3, "auto"), ("lateral_onset", 9, "auto")]
    assert label["events"][0]["time_s"] == pytest.approx(0.3)


def test_state_derivation(service):
    ids = ids_by_name(service)
    db, vid = service.db, ids["cell_b"]  # automatic: fracture, short circuit
    lab = db.update_label(vid, version=1, user="alice", note="looked at it")
    assert lab["state"] == "unreviewed" and lab["version"] == 2  # a note alone keeps the state
    lab = db.update_label(vid, version=2, user="alice", failure_mode="fracture")
    assert lab["state"] == "confirmed" and lab["short_circuit"] is True  # took the auto flag
    lab = db.update_label(vid, version=3, user="alice", short_circuit=False)
    assert lab["state"] == "corrected"
    lab = db.update_label(vid, version=4, user="bob", state="flagged")
    assert lab["state"] == "flagged" and lab["updated_by"] == "bob"
    lab = db.update_label(vid, version=5, user="bob", failure_mode="contact_loss")
    assert lab["state"] == "flagged"  # kept until someone changes it
    other = db.add_event(ids["cell_c"], version=1, user="bob", event="contact_loss",
                         frame=20, time_s=2.0)
    assert other["state"] == "in_progress"
    with pytest.raises(InputError, match="unknown failure mode 'boom'"):
        db.update_label(vid, version=6, user="bob", failure_mode="boom")
    with pytest.raises(InputError, match="nothing to change"):
        db.update_label(vid, version=6, user="bob")


def test_conflict_refuses_stale_version_and_keeps_both_changes_possible(service):
    vid = ids_by_name(service)["cell_a"]
    db = service.db
    seen = db.label(vid)["version"]
    db.update_label(vid, version=seen, user="tab1", failure_mode="fracture")
    with pytest.raises(ConflictError, match="changed by tab1") as info:
        db.add_event(vid, version=seen, user="tab2", event="crack_initiation", frame=7,
                     time_s=0.7)
    current = info.value.current
    assert current["failure_mode"] == "fracture" and current["version"] == seen + 1
    assert all(e["event"] != "crack_initiation" for e in db.label(vid)["events"])
    # tab 2 re-applies its change on the version it was shown: both survive
    lab = db.add_event(vid, version=current["version"], user="tab2", event="crack_initiation",
                       frame=7, time_s=0.7)
    assert lab["failure_mode"] == "fracture"
    assert any(e["event"] == "crack_initiation" and e["frame"] == 7 for e in lab["events"])


def test_error_inside_transaction_leaves_previous_state(service, monkeypatch):
    vid = ids_by_name(service)["cell_a"]
    db = service.db
    before = db.label(vid)
    n_history = len(db.history())

    def crash(*args, **kwargs):
        raise RuntimeError("simulated crash after the UPDATE, before the history row")

    monkeypatch.setattr(AnnotationDB, "_log", staticmethod(crash))
    with pytest.raises(RuntimeError, match="simulated crash"):
        db.update_label(vid, version=before["version"], user="alice", failure_mode="none",
                        note="lost")
    with pytest.raises(RuntimeError, match="simulated crash"):
        db.delete_event(vid, before["events"][0]["id"], version=before["version"], user="alice")
    monkeypatch.undo()
    assert db.label(vid) == before
    assert len(db.history()) == n_history


def test_killed_process_mid_transaction_loses_nothing_committed(service):
    vid = ids_by_name(service)["cell_a"]
    db = service.db
    committed = db.update_label(vid, version=1, user="alice", failure_mode="fracture")
    script = textwrap.dedent(f"""
        import os, sqlite3
        con = sqlite3.connect({str(service.db_path)!r}, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        con.execute("UPDATE labels SET failure_mode='none', version=99 WHERE video_id={vid}")
        con.execute("DELETE FROM events WHERE video_id={vid}")
        os._exit(1)  # the server dies before COMMIT
    """)
    proc = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert proc.returncode == 1
    after = AnnotationDB(service.db_path).label(vid)
    assert after == committed


def test_rescan_keeps_labels_and_refreshes_automatic_ones(tmp_path):
    root = write_batch(tmp_path / "batch")
    svc = AnnotationService(root, user="alice")
    vid = ids_by_name(svc)["cell_c"]
    svc.db.update_label(vid, version=1, user="alice", failure_mode="contact_loss")
    svc.close()
    # re-analysis of cell_c now says contact loss; same video (same sha256)
    write_result(root / "cell_c", "cell_c", "contact_loss", False, {"contact_loss": 20})
    svc = AnnotationService(root, user="bob")
    video = svc.db.video(vid)
    assert video["auto_failure_mode"] == "contact_loss"
    assert video["human_failure_mode"] == "contact_loss" and video["version"] == 2
    svc.close()


def test_agreement_confusion_and_event_differences(service):
    ids = ids_by_name(service)
    db = service.db
    db.update_label(ids["cell_a"], version=1, user="a", failure_mode="fracture")  # corrected
    lab = db.label(ids["cell_a"])
    growth = next(e for e in lab["events"] if e["event"] == "growth_onset")
    lab = db.move_event(ids["cell_a"], growth["id"], version=lab["version"], user="a", frame=5,
                        time_s=0.5)
    lateral = next(e for e in lab["events"] if e["event"] == "lateral_onset")
    db.delete_event(ids["cell_a"], lateral["id"], version=lab["version"], user="a")
    db.update_label(ids["cell_b"], version=1, user="a", failure_mode="fracture",
                    short_circuit=True)  # confirmed
    rep = service.agreement()
    modes = rep["failure_modes"]
    m = np.array(rep["confusion"])
    assert m.sum() == 2 == rep["n_labelled"]
    assert m[modes.index("lateral_growth"), modes.index("fracture")] == 1
    assert m[modes.index("fracture"), modes.index("fracture")] == 1
    assert rep["failure_mode_agreement"] == pytest.approx(0.5)
    g = rep["events"]["growth_onset"]
    assert g["n_pairs"] == 2  # cell_a moved by +0.2 s, cell_b untouched
    assert sorted(p["diff_s"] for p in g["pairs"]) == pytest.approx([0.0, 0.2])
    assert g["max_abs_diff_s"] == pytest.approx(0.2)
    assert rep["events"]["lateral_onset"]["auto_only"] == 1
    assert rep["short_circuit"]["auto_true_human_true"] == 1
    text = format_agreement(rep)
    assert "confusion matrix" in text and "growth_onset" in text and "50.0%" in text


def test_export_csv_and_json_atomic_and_safe(service, tmp_path):
    vid = ids_by_name(service)["cell_a"]
    service.db.update_label(vid, version=1, user="=HYPERLINK(\"x\")",
                            note='=cmd|" /C calc"!A0, "quoted", <script>')
    out = write_export(tmp_path / "labels.csv", service.db.labelled(), service.auto_events())
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    row = next(r for r in rows if r["video_name"] == "cell_a")
    assert row["note"] == "'" + '=cmd|" /C calc"!A0, "quoted", <script>'  # formula defused
    assert row["updated_by"].startswith("'=")
    assert row["auto_lateral_onset_time_s"] == "0.900" and row["human_lateral_onset_frame"] == "9"
    assert {r["video_name"] for r in rows} == set(VIDEOS)
    doc = json.loads(write_export(tmp_path / "labels.json", service.db.labelled(),
                                  service.auto_events()).read_text())
    assert {v["name"] for v in doc["videos"]} == set(VIDEOS)
    item = next(v for v in doc["videos"] if v["name"] == "cell_a")
    assert item["note"].endswith("<script>") and len(item["auto_events"]) == 2
    assert not list(tmp_path.glob(".*tmp"))  # no temporary files left behind
    with pytest.raises(InputError, match=r"\.csv, \.json or \.xlsx"):
        write_export(tmp_path / "labels.ods", service.db.labelled(), {})


def test_frame_source_decodes_the_right_frame_with_bounded_cache(tmp_path):
    folder = write_result(tmp_path / "one", "one", "none", False, {})
    video = folder / "overlay.mp4"
    frames = FrameSource(max_bytes=4000, read_ahead=2, keep_before=2)
    try:
        assert frames.n_frames(video) == N_FRAMES
        for index in [13, 2, 23, 0, 12, 11, 17, 5]:  # random order across keyframes
            img = cv2.imdecode(np.frombuffer(frames.jpeg(video, index), np.uint8),
                               cv2.IMREAD_GRAYSCALE)
            assert img.shape == (64, 96)
            assert abs(float(np.median(img[20:])) - frame_level(index)) <= 4, index
            assert frames._cache_bytes <= 4000
        with pytest.raises(IndexError, match="out of range"):
            frames.jpeg(video, N_FRAMES)
    finally:
        frames.close()


def test_cli_report_and_export(tmp_path, capsys):
    root = write_batch(tmp_path / "batch")
    svc = AnnotationService(root, user="alice")
    svc.db.update_label(ids_by_name(svc)["cell_a"], version=1, user="alice",
                        failure_mode="lateral_growth")
    svc.close()
    assert main(["annotate", str(root), "--report", "--export", str(tmp_path / "l.json")]) == 0
    out = capsys.readouterr().out
    assert "Failure mode confusion matrix" in out and "Agreement: 100.0%" in out
    assert json.loads((tmp_path / "l.json").read_text())["videos"][0]["name"] == "cell_a"
    assert main(["annotate", str(tmp_path / "nowhere"), "--report"]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert main(["annotate", str(root), "--export", str(tmp_path / "l.txt")]) == 2
    assert ".csv, .json or .xlsx" in capsys.readouterr().err


def test_frame_source_many_threads_few_open_videos(tmp_path):
    import threading

    videos = [write_result(tmp_path / f"v{k}", f"v{k}", "none", False, {}) / "overlay.mp4"
              for k in range(3)]
    frames = FrameSource(max_open=1, max_bytes=1)  # forces reopening and eviction
    errors, levels = [], []

    def work(k):
        try:
            for index in (k % N_FRAMES, (7 * k) % N_FRAMES):
                img = cv2.imdecode(np.frombuffer(frames.jpeg(videos[k % 3], index), np.uint8),
                                   cv2.IMREAD_GRAYSCALE)
                levels.append(abs(float(np.median(img[20:])) - frame_level(index)))
        except Exception as exc:  # noqa: BLE001 - collected and reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    frames.close()
    assert errors == [] and len(levels) == 18 and max(levels) <= 4


def test_two_results_folders_share_one_database(tmp_path):
    first = write_batch(tmp_path / "first", {"a1": ("none", False, {})}, original_inside=())
    second = write_batch(tmp_path / "second", {"b1": ("fracture", True, {}),
                                               "b2": ("none", False, {})}, original_inside=())
    db = tmp_path / "lab.sqlite"
    one = AnnotationService(first, db_path=db, user="alice")
    two = AnnotationService(second, db_path=db, user="bob")
    assert [v["name"] for v in one.videos()] == ["a1"]
    assert [v["name"] for v in two.videos()] == ["b1", "b2"]
    (a1,) = one.videos()
    one.db.update_label(a1["id"], version=1, user="alice", failure_mode="none")
    assert one.agreement()["n_videos"] == 1 and two.agreement()["n_videos"] == 2
    assert [v["name"] for v in two.videos(state="confirmed")] == []
    assert len(AnnotationDB(db).videos()) == 3
    one.close()
    two.close()
