"""Growth modes in the label store (with the additive migration of older databases),
the timeline data, and the export that keeps every event (CSV, JSON, Excel)."""
import csv
import io
import json
import sqlite3

import pytest
from test_annotate_fixtures import GROWTH, write_batch

from calibration import InputError
from vision.annotate import AnnotationDB, AnnotationService, create_app, write_export
from vision.annotate._db import _SCHEMA


@pytest.fixture()
def service(tmp_path):
    svc = AnnotationService(write_batch(tmp_path / "batch"), user="tester")
    yield svc
    svc.close()


def _ids(svc):
    return {v["name"]: v["id"] for v in svc.db.videos()}


def test_automatic_growth_modes_are_registered(service):
    videos = {v["name"]: v for v in service.db.videos()}
    for name, modes in GROWTH.items():
        assert videos[name]["auto_growth_modes"] == modes
        assert videos[name]["human_growth_modes"] is None  # not labelled yet


def test_growth_modes_confirm_or_correct(service):
    vid = _ids(service)["cell_a"]  # automatic: lateral_growth, no short circuit, whisker+lateral
    label = service.db.update_label(vid, version=1, user="ann", failure_mode="lateral_growth")
    assert label["state"] == "confirmed"  # growth modes unset: the automatic ones stand
    label = service.db.update_label(vid, version=label["version"], user="ann",
                                    growth_modes=["lateral"])
    assert label["growth_modes"] == ["lateral"] and label["state"] == "corrected"
    label = service.db.update_label(vid, version=label["version"], user="ann",
                                    growth_modes=["lateral", "whisker"])
    assert label["growth_modes"] == ["whisker", "lateral"]  # the schema's order
    assert label["state"] == "confirmed"
    label = service.db.update_label(vid, version=label["version"], user="ann", growth_modes=[])
    assert label["growth_modes"] == [] and label["state"] == "corrected"
    with pytest.raises(InputError, match="growth_modes"):
        service.db.update_label(vid, version=label["version"], user="ann",
                                growth_modes=["dendrite"])
    hist = service.db.history(vid)
    assert hist[0]["after"]["growth_modes"] == [] and hist[1]["after"]["growth_modes"] == [
        "whisker", "lateral"]


def _v1_database(path):
    """A database as schema 1 wrote it (no growth-mode columns), with a human label."""
    schema = (_SCHEMA.replace("    auto_growth_modes TEXT NOT NULL DEFAULT '[]',  -- JSON list, "
                              "see GROWTH_MODES\n", "")
              .replace("    growth_modes TEXT,                       -- JSON list; NULL: not "
                       "labelled yet\n", ""))
    assert "growth_modes" not in schema
    con = sqlite3.connect(path)
    con.executescript(schema)
    con.execute("INSERT INTO meta VALUES ('schema', '1')")
    con.execute("INSERT INTO videos (id, video_key, name, rel_path, auto_failure_mode, "
                "auto_short_circuit, n_frames, first_seen, last_seen) VALUES (1, 'k', 'old', "
                "'old', 'fracture', 1, 5, 't', 't')")
    con.execute("INSERT INTO labels (video_id, failure_mode, short_circuit, note, state, "
                "version, updated_by, updated_at) VALUES (1, 'none', 0, 'kept', 'corrected', "
                "4, 'bob', 't')")
    con.execute("INSERT INTO history (video_id, at, user, action) VALUES (1, 't', 'bob', 'x')")
    con.commit()
    con.close()


def test_schema_1_database_is_migrated_additively(tmp_path):
    path = tmp_path / "old.sqlite"
    _v1_database(path)
    db = AnnotationDB(path)
    label = db.label(1)
    assert (label["failure_mode"], label["note"], label["version"]) == ("none", "kept", 4)
    assert label["growth_modes"] is None and label["auto_growth_modes"] == []
    assert len(db.history(1)) == 1  # the history is untouched
    label = db.update_label(1, version=4, user="ann", growth_modes=["crack"])
    assert label["growth_modes"] == ["crack"]
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT value FROM meta WHERE key='schema'").fetchone()[0] == "2"
    AnnotationDB(path)  # opening again is a no-op


def test_unknown_schema_is_refused(tmp_path):
    path = tmp_path / "future.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        con.execute("INSERT INTO meta VALUES ('schema', '9')")
    with pytest.raises(InputError, match="schema 9"):
        AnnotationDB(path)


def _client(service):
    from fastapi.testclient import TestClient

    return TestClient(create_app(service), base_url="http://127.0.0.1")


def test_api_growth_modes_and_timeline_columns(service):
    client = _client(service)
    vid = _ids(service)["cell_a"]
    data = client.get(f"/api/videos/{vid}").json()
    assert data["auto"]["growth_modes"] == ["whisker", "lateral"]
    for col in ("max_whisker_length_um", "front_distance_um", "crack_length_um"):
        assert len(data["frames"][col]) == len(data["frames"]["time_s"])
    assert data["frames"]["max_whisker_length_um"][4] == pytest.approx(2.0)
    r = client.patch(f"/api/videos/{vid}/label", json={"version": 1, "growth_modes": ["whisker"]})
    assert r.status_code == 200 and r.json()["growth_modes"] == ["whisker"]
    r = client.patch(f"/api/videos/{vid}/label",
                     json={"version": r.json()["version"], "growth_modes": ["blob"]})
    assert r.status_code == 422
    assert client.get("/api/session").json()["growth_modes"] == [
        "whisker", "lateral", "crack", "stripping"]


def _two_growth_onsets(service):
    vid = _ids(service)["cell_a"]
    label = service.db.label(vid)
    label = service.db.add_event(vid, version=label["version"], user="ann",
                                 event="growth_onset", frame=7, time_s=0.7000001)
    service.db.add_event(vid, version=label["version"], user="ann", event="growth_onset",
                         frame=11, time_s=1.1)
    return vid


def test_export_keeps_every_event_with_the_same_decimals(service, tmp_path):
    _two_growth_onsets(service)
    write_export(tmp_path / "l.csv", service.labelled(), service.auto_events())
    rows = {r["video_name"]: r for r in csv.DictReader((tmp_path / "l.csv").open())}
    a = rows["cell_a"]
    assert a["human_growth_onset_times_s"] == "0.300; 0.700; 1.100"  # auto-seeded + two
    assert a["auto_growth_onset_times_s"] == "0.300"
    assert a["human_growth_onset_time_s"] == "0.300"  # the first one, same decimals
    assert a["auto_growth_onset_time_s"] == "0.300"
    assert a["auto_growth_modes"] == "whisker, lateral" and a["human_growth_modes"] == ""

    write_export(tmp_path / "l.xlsx", service.labelled(), service.auto_events(), version="t")
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "l.xlsx")
    assert book.sheetnames == ["videos", "events", "about"]
    videos = list(book["videos"].values)
    assert videos[0][0] == "video_name" and len(videos) == 1 + len(GROWTH)
    events = list(book["events"].values)
    header = events[0]
    human = [dict(zip(header, r)) for r in events[1:]]
    onsets = sorted(r["time_s"] for r in human if r["video_name"] == "cell_a"
                    and r["labeller"] == "human" and r["event"] == "growth_onset")
    assert onsets == [0.3, 0.7, 1.1]
    n_auto = sum(len(v) for v in service.auto_events().values())
    assert sum(r["labeller"] == "auto" for r in human) == n_auto


def test_xlsx_defuses_formulas_and_is_served(service):
    vid = _ids(service)["cell_b"]
    service.db.update_label(vid, version=1, user="ann", note="=HYPERLINK(\"x\")")
    client = _client(service)
    r = client.get("/api/export.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats")
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(r.content))["videos"].values)
    note = rows[0].index("note")
    cell = next(r for r in rows if r[0] == "cell_b")[note]
    assert cell == "'=HYPERLINK(\"x\")"
    doc = json.loads(client.get("/api/export.json").text)
    assert doc["growth_modes"] == ["whisker", "lateral", "crack", "stripping"]


def test_agreement_counts_growth_modes_a_person_set(service):
    from vision.annotate import agreement, format_agreement

    ids = _ids(service)
    service.db.update_label(ids["cell_a"], version=1, user="ann", growth_modes=["whisker"])
    service.db.update_label(ids["cell_b"], version=1, user="ann", growth_modes=["crack"])
    report = agreement(service.labelled(), service.auto_events())
    g = report["growth_modes"]
    # cell_a: auto whisker+lateral, human whisker; cell_b: crack both; cell_c: not set
    assert g["whisker"] == {"auto_true_human_true": 1, "auto_true_human_false": 0,
                            "auto_false_human_true": 0, "auto_false_human_false": 1}
    assert g["lateral"]["auto_true_human_false"] == 1
    assert g["crack"]["auto_true_human_true"] == 1
    assert sum(g["stripping"].values()) == 2  # only the videos a person set
    text = format_agreement(report)
    assert "lateral    yes/yes 0, yes/no 1, no/yes 0, no/no 1" in text
