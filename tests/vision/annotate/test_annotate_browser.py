"""End-to-end tests of ``semtrack annotate`` in a real headless Chromium.

Debian's ``chromium`` driven by Playwright. Without /usr/bin/chromium these
skip, unless SEMTRACK_REQUIRE_BROWSER=1 (set by .ci/run), where they fail.
"""
import contextlib
import csv
import os
import socket
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

try:  # tests/ is on sys.path under pytest's default import mode
    from test_annotate_fixtures import N_FRAMES, frame_level, write_batch
except ImportError:  # tests/ made a package
    from tests.test_annotate_fixtures import N_FRAMES, frame_level, write_batch

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 15000


def _need_browser(reason):
    if os.environ.get("SEMTRACK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and SEMTRACK_REQUIRE_BROWSER=1 requires the browser tests to run")
    pytest.skip(reason)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(svc):
    """The annotation app of ``svc`` on a free loopback port; yields its URL."""
    import uvicorn

    from vision.annotate import create_app

    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(create_app(svc), host="127.0.0.1", port=port,
                                       log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the annotation server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from vision.annotate import AnnotationService

    root = write_batch(tmp_path_factory.mktemp("annotate") / "batch")
    svc = AnnotationService(root, user="browser-test")
    with serving(svc) as url:
        ids = {v["name"]: v["id"] for v in svc.db.videos()}
        yield {"url": url, "ids": ids, "service": svc}
    svc.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _need_browser(f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need_browser("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (errors.append("dialog: " + dialog.message), dialog.dismiss()))
    page.errors = errors
    yield page
    context.close()
    assert errors == [], errors  # no script errors, no injected alert()


def open_video(page, server, name):
    page.goto(f"{server['url']}/#/video/{server['ids'][name]}")
    from playwright.sync_api import expect

    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator("#frame")).to_have_attribute("data-index", "0")
    return expect


def test_list_shows_videos_and_filters(page, server):
    from playwright.sync_api import expect

    page.goto(server["url"] + "/")
    rows = page.locator("#videos tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_contain_text("cell_b")
    expect(rows.nth(1)).to_contain_text("fracture")
    page.select_option("#filter-auto", "lateral_growth")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("cell_a")
    page.select_option("#filter-auto", "")
    expect(rows).to_have_count(3)


def test_keyboard_steps_frames_and_scans(page, server):
    expect = open_video(page, server, "cell_a")
    index, img = page.locator("#frame-index"), page.locator("#frame")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(index).to_have_text("2")
    expect(img).to_have_attribute("data-index", "2")
    page.keyboard.press("Shift+ArrowRight")  # frame 3 repeats scan 2: next scan starts at 4
    expect(index).to_have_text("4")
    page.keyboard.press("Shift+ArrowLeft")
    expect(index).to_have_text("2")
    page.keyboard.press("ArrowLeft")
    expect(index).to_have_text("1")
    expect(page.locator("#frame-dup")).to_contain_text("repeat")
    page.keyboard.press("Shift+ArrowRight")  # from a repeated frame: the next scan is at 2
    expect(index).to_have_text("2")
    page.keyboard.press("Shift+ArrowLeft")
    expect(index).to_have_text("0")
    page.keyboard.press("End")
    expect(img).to_have_attribute("data-index", str(N_FRAMES - 1))
    # the picture shown is that frame: the fixture's frames differ in grey level
    shot = cv2.imdecode(np.frombuffer(img.screenshot(), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert abs(float(np.median(shot)) - frame_level(N_FRAMES - 1)) <= 6
    page.keyboard.press("Home")
    expect(index).to_have_text("0")
    page.keyboard.press("v")  # cell_a's original video lies inside the results folder
    expect(page.locator("#source")).to_have_value("original")
    expect(img).to_have_attribute("src", f"/api/videos/{server['ids']['cell_a']}/frame/0?source=original")
    page.keyboard.press("v")
    expect(page.locator("#source")).to_have_value("overlay")
    page.keyboard.press(" ")  # play
    expect(index).not_to_have_text("0")
    page.keyboard.press(" ")  # pause
    shown = page.locator("#frame-index").inner_text()
    page.wait_for_timeout(300)
    assert page.locator("#frame-index").inner_text() == shown


def test_correct_mode_add_event_note_reload_and_export(page, server, tmp_path):
    expect = open_video(page, server, "cell_b")  # automatic: fracture
    page.keyboard.press("2")  # lateral growth
    expect(page.locator("#mode-buttons button.selected")).to_have_text("2 lateral_growth")
    expect(page.locator("#label-state")).to_have_text("corrected")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#frame-index")).to_have_text("5")
    page.keyboard.press("k")  # crack initiation at frame 5
    crack = page.locator("#events tbody tr[data-event='crack_initiation']")
    expect(crack).to_have_count(2)  # the automatic one at 12 and ours at 5
    expect(crack.first.locator("td").nth(1)).to_have_text("5")
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script> kept'
    page.fill("#note", payload)
    page.keyboard.press("Tab")
    expect(page.locator("#status")).to_contain_text("saved: note")

    page.reload()
    expect(page.locator("#frame")).to_have_attribute("data-index", "0")
    expect(page.locator("#mode-buttons button.selected")).to_have_text("2 lateral_growth")
    expect(page.locator("#events tbody tr[data-event='crack_initiation']")).to_have_count(2)
    expect(page.locator("#note")).to_have_value(payload)
    assert page.locator("img[src='x']").count() == 0  # the note never became markup

    page.goto(server["url"] + "/#/")
    expect(page.locator("#videos tbody tr").nth(1)).to_contain_text("lateral_growth")
    with page.expect_download() as info:
        page.click("#export-csv")
    target = tmp_path / "labels.csv"
    info.value.save_as(target)
    rows = {r["video_name"]: r for r in csv.DictReader(target.open(encoding="utf-8"))}
    assert rows["cell_b"]["human_failure_mode"] == "lateral_growth"
    assert rows["cell_b"]["state"] == "corrected"
    assert float(rows["cell_b"]["human_crack_initiation_time_s"]) == pytest.approx(0.5)
    assert rows["cell_b"]["note"] == payload


def test_conflict_between_two_tabs_is_shown_and_resolved(page, server, browser):
    expect = open_video(page, server, "cell_c")
    other = page.context.new_page()
    other.goto(f"{server['url']}/#/video/{server['ids']['cell_c']}")
    expect(other.locator("#frame")).to_have_attribute("data-index", "0")
    page.keyboard.press("3")  # tab 1: fracture
    expect(page.locator("#label-state")).to_have_text("corrected")
    other.keyboard.press("ArrowRight")
    expect(other.locator("#frame-index")).to_have_text("1")
    other.keyboard.press("x")  # tab 2, stale: short circuit at frame 1
    expect(other.locator("#conflict")).to_be_visible()
    expect(other.locator("#conflict-theirs")).to_contain_text("failure mode: fracture")
    expect(other.locator("#conflict-yours")).to_contain_text("add short_circuit at frame 1")
    other.click("#conflict-apply")
    expect(other.locator("#conflict")).to_be_hidden()
    expect(other.locator("#events tbody tr[data-event='short_circuit']")).to_have_count(1)
    expect(other.locator("#mode-buttons button.selected")).to_have_text("3 fracture")
    label = server["service"].db.label(server["ids"]["cell_c"])
    assert label["failure_mode"] == "fracture"
    assert [e["event"] for e in label["events"]] == ["short_circuit"]
    other.close()
