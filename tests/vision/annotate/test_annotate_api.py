"""HTTP API of ``semtrack annotate``: security, malformed input, conflicts, frames, export."""
import csv
import io
import os
import threading
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

try:  # tests/ is on sys.path under pytest's default import mode
    from test_annotate_fixtures import N_FRAMES, frame_level, write_batch, write_result, write_video
except ImportError:  # tests/ made a package
    from tests.test_annotate_fixtures import N_FRAMES, frame_level, write_batch, write_result, write_video
from vision.annotate import AnnotationService, create_app


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """One batch results folder, written once and copied for each test."""
    return write_batch(tmp_path_factory.mktemp("template") / "batch")


@pytest.fixture()
def env(tmp_path, template):
    import shutil

    root = Path(shutil.copytree(template, tmp_path / "batch"))
    (tmp_path / "secret.txt").write_text("outside the results folder")
    svc = AnnotationService(root, user="alice")
    client = TestClient(create_app(svc), base_url="http://127.0.0.1:8765",
                        raise_server_exceptions=False)
    ids = {v["name"]: v["id"] for v in client.get("/api/videos").json()}
    yield client, svc, ids, tmp_path
    client.close()
    svc.close()


def test_list_filters(env):
    client, _, ids, _ = env
    assert [v["name"] for v in client.get("/api/videos").json()] == ["cell_a", "cell_b", "cell_c"]
    r = client.get("/api/videos", params={"auto_mode": "fracture"})
    assert [v["name"] for v in r.json()] == ["cell_b"]
    client.patch(f"/api/videos/{ids['cell_c']}/label", json={"version": 1, "failure_mode": "none"})
    assert [v["name"] for v in client.get("/api/videos?state=confirmed").json()] == ["cell_c"]
    assert [v["name"] for v in client.get("/api/videos?human_mode=unlabelled").json()] == [
        "cell_a", "cell_b"]
    r = client.get("/api/videos?state=bogus")
    assert r.status_code == 422 and "state" in r.json()["detail"]


@pytest.mark.parametrize("path", [
    "/files/../secret.txt",
    "/files/%2e%2e/secret.txt",
    "/files/cell_a/%2e%2e/%2e%2e/secret.txt",
    "/files/..%2fsecret.txt",
    "/files/%2fetc%2fpasswd",
    "/files//etc/passwd",
    "/files/cell_a/..%5c..%5csecret.txt",
    "/files/annotations.sqlite",
    "/files/annotations.sqlite-wal",
    "/files/cell_a",
    "/files/cell_a/nothing.html",
    "/files/cell_a/report.html%00.txt",
    "/static/../_db.py",
    "/static/%2e%2e/_db.py",
])
def test_path_traversal_refused(env, path):
    client = env[0]
    r = client.get(path)
    assert r.status_code in (403, 404), (path, r.status_code)
    assert "outside the results folder" not in r.text and "sqlite" not in r.text.lower()[:20]


def test_symlink_out_of_results_refused_and_inside_file_served(env):
    client, svc, _, tmp_path = env
    os.symlink(tmp_path / "secret.txt", svc.root / "cell_a" / "link.txt")
    assert client.get("/files/cell_a/link.txt").status_code == 404
    r = client.get("/files/cell_a/report.html")
    assert r.status_code == 200 and "<h1>cell_a</h1>" in r.text
    assert "connect-src 'none'" in r.headers["content-security-policy"]


def test_original_video_outside_results_is_not_served(tmp_path):
    outside = tmp_path / "raw.mp4"
    write_video(outside)
    write_result(tmp_path / "res", "raw", "none", False, {}, original_outside=outside)
    svc = AnnotationService(tmp_path / "res", user="alice")
    client = TestClient(create_app(svc), base_url="http://127.0.0.1")
    detail = client.get("/api/videos/1").json()
    assert detail["media"] == {"overlay": True, "original": False}
    r = client.get("/api/videos/1/frame/0?source=original")
    assert r.status_code == 404 and "no original video inside" in r.json()["detail"]
    assert client.get("/api/videos/1/frame/0").status_code == 200
    svc.close()


def test_frames_are_the_right_ones(env):
    client, _, ids, _ = env
    for index in (0, 7, 13, N_FRAMES - 1):
        r = client.get(f"/api/videos/{ids['cell_a']}/frame/{index}")
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
        img = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_GRAYSCALE)
        assert img.shape == (64, 96)
        assert abs(float(np.median(img[20:])) - frame_level(index)) <= 4
    r = client.get(f"/api/videos/{ids['cell_a']}/frame/{index}?source=original")
    assert r.status_code == 200  # cell_a's original lies inside the results folder
    r = client.get(f"/api/videos/{ids['cell_a']}/frame/{N_FRAMES}")
    assert r.status_code == 404 and "out of range" in r.json()["detail"]


def test_user_text_is_stored_verbatim_and_never_served_as_html(env):
    client, _, ids, _ = env
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    r = client.patch(f"/api/videos/{ids['cell_a']}/label",
                     json={"version": 1, "note": payload},
                     headers={"X-Semtrack-User": "%3Cb%3Eeve%3C%2Fb%3E"})
    assert r.status_code == 200 and r.json()["note"] == payload
    assert r.json()["updated_by"] == "<b>eve</b>"
    assert r.headers["content-type"].startswith("application/json")
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    # the page script only ever inserts text, never markup
    script = client.get("/static/app.js").text
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "document.write" not in script and "eval(" not in script
    exported = client.get("/api/export.csv")
    assert exported.headers["content-type"].startswith("text/csv")


MALFORMED = [
    ("PATCH", "/label", {"content": b"{not json", "headers": {"content-type": "application/json"}}),
    ("PATCH", "/label", {"content": b"[1, 2]", "headers": {"content-type": "application/json"}}),
    ("PATCH", "/label", {"json": {"failure_mode": "none"}}),                 # no version
    ("PATCH", "/label", {"json": {"version": "1", "failure_mode": "none"}}),  # string version
    ("PATCH", "/label", {"json": {"version": True, "failure_mode": "none"}}),
    ("PATCH", "/label", {"json": {"version": 1, "failure_mode": "explosion"}}),
    ("PATCH", "/label", {"json": {"version": 1, "short_circuit": "maybe"}}),
    ("PATCH", "/label", {"json": {"version": 1, "note": 5}}),
    ("PATCH", "/label", {"json": {"version": 1, "note": "x" * 10001}}),
    ("PATCH", "/label", {"json": {"version": 1, "note": None}}),
    ("PATCH", "/label", {"json": {"version": 1, "surprise": 1}}),
    ("PATCH", "/label", {"json": {"version": 1}}),                           # nothing to change
    ("PATCH", "/label", {"json": {"version": 10**30, "failure_mode": "none"}}),
    ("PATCH", "/label", {"content": b"version=1",
                         "headers": {"content-type": "application/x-www-form-urlencoded"}}),
    ("PATCH", "/label", {"content": b'{"version": 1, "note": "a"}', "headers": {}}),
    ("POST", "/events", {"json": {"version": 1, "event": "meltdown", "frame": 2}}),
    ("POST", "/events", {"json": {"version": 1, "event": "growth_onset", "frame": -1}}),
    ("POST", "/events", {"json": {"version": 1, "event": "growth_onset", "frame": 1.5}}),
    ("POST", "/events", {"json": {"version": 1, "event": "growth_onset", "frame": N_FRAMES}}),
    ("POST", "/events", {"json": {"version": 1, "event": "growth_onset"}}),
    ("PATCH", "/events/1", {"json": {"version": 1, "frame": "end"}}),
    ("PATCH", "/events/99999", {"json": {"version": 1, "frame": 2}}),
    ("PATCH", "/events/99999999999999999999999", {"json": {"version": 1, "frame": 2}}),
    ("DELETE", "/events/1", {}),                                            # no version
    ("DELETE", "/events/1?version=abc", {}),
    ("DELETE", "/events/99999?version=1", {}),
    ("GET", "/frame/-1", {}),
    ("GET", "/frame/abc", {}),
    ("GET", "/frame/99999999999999999999", {}),
    ("GET", "/frame/1?source=../../etc/passwd", {}),
    ("GET", "/history?limit=0", {}),
]


@pytest.mark.parametrize("method,suffix,kwargs", MALFORMED)
def test_malformed_requests_get_4xx_with_message(env, method, suffix, kwargs):
    client, _, ids, _ = env
    r = client.request(method, f"/api/videos/{ids['cell_a']}{suffix}", **kwargs)
    assert 400 <= r.status_code < 500, (suffix, kwargs, r.status_code, r.text)
    detail = r.json()["detail"]
    assert isinstance(detail, str) and len(detail) > 5
    # nothing was changed
    assert client.get(f"/api/videos/{ids['cell_a']}").json()["label"]["version"] == 1


@pytest.mark.parametrize("url", ["/api/videos/999", "/api/videos/abc", "/api/videos/-3",
                                 "/api/videos/999/frame/0", "/api/nothing", "/api/videos/1/history?limit=x"])
def test_unknown_things_get_4xx(env, url):
    r = env[0].get(url)
    assert 400 <= r.status_code < 500 and isinstance(r.json()["detail"], str)


def test_conflict_between_two_tabs(env):
    client, _, ids, _ = env
    url = f"/api/videos/{ids['cell_b']}"
    tab1 = client.get(url).json()["label"]
    tab2 = client.get(url).json()["label"]
    r1 = client.patch(url + "/label", json={"version": tab1["version"], "failure_mode": "none"})
    assert r1.status_code == 200
    r2 = client.post(url + "/events", json={"version": tab2["version"], "event": "contact_loss",
                                            "frame": 20})
    assert r2.status_code == 409
    body = r2.json()
    assert "changed by alice" in body["detail"]
    assert body["current"]["failure_mode"] == "none"  # tab 2 is shown tab 1's change
    retry = client.post(url + "/events", json={"version": body["current"]["version"],
                                               "event": "contact_loss", "frame": 20})
    assert retry.status_code == 201
    final = retry.json()
    assert final["failure_mode"] == "none"
    assert any(e["event"] == "contact_loss" and e["frame"] == 20 for e in final["events"])
    history = client.get(url + "/history").json()
    assert [h["action"] for h in history[:2]] == ["add_event", "label"]


def test_concurrent_writers_with_the_same_version_one_wins(env):
    client, svc, ids, _ = env
    url = f"/api/videos/{ids['cell_c']}/label"
    codes = []

    def write(mode):
        codes.append(client.patch(url, json={"version": 1, "failure_mode": mode}).status_code)

    threads = [threading.Thread(target=write, args=(m,)) for m in
               ("none", "fracture", "contact_loss", "lateral_growth", "none", "fracture")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(codes) == [200] + [409] * 5
    assert svc.db.label(ids["cell_c"])["version"] == 2


def test_event_add_move_delete_and_times(env):
    client, _, ids, _ = env
    url = f"/api/videos/{ids['cell_c']}"
    r = client.post(url + "/events", json={"version": 1, "event": "contact_loss", "frame": 15})
    assert r.status_code == 201
    ev = r.json()["events"][0]
    assert ev["time_s"] == pytest.approx(1.5) and ev["origin"] == "human"
    r = client.patch(url + f"/events/{ev['id']}", json={"version": 2, "frame": 16})
    assert r.json()["events"][0]["time_s"] == pytest.approx(1.6)
    r = client.delete(url + f"/events/{ev['id']}?version=3")
    assert r.status_code == 200 and r.json()["events"] == []


def test_host_and_origin_checks(env):
    client, _, ids, _ = env
    r = client.get("/api/videos", headers={"host": "evil.example:8765"})
    assert r.status_code == 400 and "not allowed" in r.json()["detail"]
    r = client.patch(f"/api/videos/{ids['cell_a']}/label", json={"version": 1, "note": "x"},
                     headers={"origin": "http://evil.example"})
    assert r.status_code == 403
    r = client.patch(f"/api/videos/{ids['cell_a']}/label", json={"version": 1, "note": "x"},
                     headers={"origin": "http://127.0.0.1:8765"})
    assert r.status_code == 200


def test_export_and_report_endpoints(env):
    client, _, ids, _ = env
    client.patch(f"/api/videos/{ids['cell_a']}/label", json={"version": 1, "failure_mode": "fracture"})
    r = client.get("/api/export.csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["video_name"], x["human_failure_mode"], x["state"]) for x in rows] == [
        ("cell_a", "fracture", "corrected"), ("cell_b", "", "unreviewed"), ("cell_c", "", "unreviewed")]
    doc = client.get("/api/export.json").json()
    assert doc["videos"][0]["human_failure_mode"] == "fracture"
    rep = client.get("/api/report").json()
    modes = rep["failure_modes"]
    assert rep["confusion"][modes.index("lateral_growth")][modes.index("fracture")] == 1
    assert client.get("/report", follow_redirects=False).status_code in (302, 307)


def test_serve_binds_loopback_by_default():
    import inspect

    from vision.annotate import serve
    from vision.cli._main import build_parser

    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    args = build_parser().parse_args(["annotate", "somewhere"])
    assert args.host == "127.0.0.1" and args.port == 8765


def test_cli_serves_and_prints_the_address(tmp_path, capsys):
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    root = write_batch(tmp_path / "batch", {"only": ("none", False, {})}, original_inside=())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "vision", "annotate", str(root), "--port",
                             str(port), "--user", "carol", "--db", str(tmp_path / "l.sqlite")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() + proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line, line
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/session",
                                            timeout=5) as r:
                    session = __import__("json").loads(r.read())
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        assert session["user"] == "carol" and session["n_videos"] == 1
        assert (tmp_path / "l.sqlite").exists() and not (root / "annotations.sqlite").exists()
        # a second server on the same port is refused with a clear message
        from vision.cli import main

        assert main(["annotate", str(root), "--port", str(port), "--db",
                     str(tmp_path / "l.sqlite")]) == 2
        assert "pass another --port" in capsys.readouterr().err
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_summary_with_nan_and_missing_files_is_served(tmp_path):
    folder = write_result(tmp_path / "res", "odd", "fracture", False, {"crack_initiation": 4})
    text = (folder / "summary.json").read_text()
    (folder / "summary.json").write_text(text.replace('"max_growth_rate_um_s": 1.5',
                                                      '"max_growth_rate_um_s": NaN'))
    (folder / "frames.csv").unlink()
    (folder / "events.csv").unlink()
    svc = AnnotationService(folder, user="alice")
    client = TestClient(create_app(svc), base_url="http://127.0.0.1",
                        raise_server_exceptions=False)
    r = client.get("/api/videos/1")
    assert r.status_code == 200
    body = r.json()
    assert body["auto"]["max_growth_rate_um_s"] is None
    # without frames.csv: frames from n_frames and scan_period_s; events from summary.json
    assert len(body["frames"]["time_s"]) == N_FRAMES
    assert body["frames"]["time_s"][2] == pytest.approx(0.4)
    assert [(e["event"], e["frame"]) for e in body["auto"]["events"]] == [("crack_initiation", 2)]
    svc.close()


def test_results_written_by_semtrack_analyze_open(tmp_path):
    """The real pipeline's results folder (not the fixture) is read and served."""
    from vision import analyze
    from vision.synthetic import preset, render

    video = render(preset("whisker", duration_s=2), tmp_path / "in", name="w")
    analyze(str(video.video), trace=str(video.trace), pixel_size_um=0.2).save(
        tmp_path / "results" / "w")
    svc = AnnotationService(tmp_path / "results", user="alice")
    client = TestClient(create_app(svc), base_url="http://127.0.0.1",
                        raise_server_exceptions=False)
    (listed,) = client.get("/api/videos").json()
    assert listed["name"] == "w" and listed["rel_path"] == "w"
    detail = client.get(f"/api/videos/{listed['id']}").json()
    n = len(detail["frames"]["time_s"])
    assert n == video.n_frames == listed["n_frames"]
    assert detail["media"]["overlay"] and not detail["media"]["original"]  # original is outside
    # one overlay frame per new scan and the last frame, mapped by overlay_frames.csv
    folder = svc.folder(listed["id"])
    mapping = pd.read_csv(folder.path / "overlay_frames.csv")
    new_scans = ~np.asarray(detail["frames"]["is_duplicate"], bool)
    assert svc.frames.n_frames(folder.overlay_path) == len(mapping) < n
    assert set(np.flatnonzero(new_scans)) | {n - 1} == set(mapping["frame"])
    assert folder.overlay_frame_of(n - 1) == len(mapping) - 1
    for index in (0, n - 1):
        r = client.get(f"/api/videos/{listed['id']}/frame/{index}")
        assert r.status_code == 200 and r.content[:2] == b"\xff\xd8"
    assert any(v is not None for v in detail["frames"]["current_A"])
    assert client.get(detail["report_url"]).status_code == 200
    svc.close()
