"""The annotation tool shows the right overlay picture although overlay.mp4 holds one
frame per scan (``overlay_frames.csv``), in a real headless Chromium (issue 14).

The results folder is the shared fixture's, with its overlay rewritten the way
``semtrack analyze`` writes it now: :class:`OverlayWriter`, one frame per new scan at
that frame's time, plus the last frame. Every video frame of the fixture is a flat
grey of its own level, so the picture on screen tells which frame it came from.
"""

import cv2
import numpy as np
import pandas as pd
import pytest

try:  # tests/ is on sys.path under pytest's default import mode
    from test_annotate_browser import browser, page, serving  # noqa: F401  (fixtures)
    from test_annotate_fixtures import FPS, HEIGHT, N_FRAMES, WIDTH, frame_level, write_batch
except ImportError:  # tests/ made a package
    from tests.test_annotate_browser import browser, page, serving  # noqa: F401
    from tests.test_annotate_fixtures import FPS, HEIGHT, N_FRAMES, WIDTH, frame_level, write_batch

pytestmark = pytest.mark.browser


def _rewrite_overlay(folder):
    """overlay.mp4 + overlay_frames.csv as the pipeline writes them: one frame per scan."""
    from vision._schema import OVERLAY_FRAME_COLUMNS, OVERLAY_FRAMES_FILE
    from vision.pipeline._overlay import OverlayWriter

    dup = pd.read_csv(folder / "frames.csv")["is_duplicate"].to_numpy(bool)
    rows = []
    with OverlayWriter(folder / "overlay.mp4", (HEIGHT, WIDTH)) as writer:
        for i in range(N_FRAMES):
            if i == 0 or not dup[i] or i == N_FRAMES - 1:
                rows.append((writer.n_written, i, i / FPS))
                writer.write(np.full((HEIGHT, WIDTH, 3), frame_level(i), np.uint8), i / FPS)
    pd.DataFrame(rows, columns=OVERLAY_FRAME_COLUMNS).to_csv(folder / OVERLAY_FRAMES_FILE,
                                                              index=False)
    return dup


def _shown_from(i, dup):
    """The video frame whose picture the overlay shows at video frame ``i``."""
    while i > 0 and dup[i] and i != N_FRAMES - 1:
        i -= 1
    return i


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from vision.annotate import AnnotationService

    root = write_batch(tmp_path_factory.mktemp("annotate-overlay") / "batch")
    dup = _rewrite_overlay(root / "cell_a")
    svc = AnnotationService(root, user="overlay-test")
    with serving(svc) as url:
        ids = {v["name"]: v["id"] for v in svc.db.videos()}
        yield {"url": url, "ids": ids, "dup": dup}
    svc.close()


def _level(img):
    shot = cv2.imdecode(np.frombuffer(img.screenshot(), np.uint8), cv2.IMREAD_GRAYSCALE)
    return float(np.median(shot))


def test_every_position_shows_its_scan_overlay_and_v_the_original(page, server):  # noqa: F811
    from playwright.sync_api import expect

    dup = server["dup"]
    assert dup[1::2].all() and not dup[::2].any()  # the fixture: two frames per scan
    page.goto(f"{server['url']}/#/video/{server['ids']['cell_a']}")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    img = page.locator("#frame")
    for i in range(N_FRAMES):
        if i:
            page.keyboard.press("ArrowRight")
        expect(img).to_have_attribute("data-index", str(i))
        expect(img).to_have_attribute("src", f"/api/videos/{server['ids']['cell_a']}/frame/{i}"
                                             "?source=overlay")
        page.wait_for_function("document.getElementById('frame').complete")
        want = frame_level(_shown_from(i, dup))
        assert abs(_level(img) - want) <= 4, (i, _level(img), want)
    # V: the original video, frame for frame (its odd frames differ from the overlay's)
    page.keyboard.press("v")
    expect(page.locator("#source")).to_have_value("original")
    for i in (N_FRAMES - 2, N_FRAMES - 3):
        page.keyboard.press("ArrowLeft")
        expect(img).to_have_attribute("data-index", str(i))
        page.wait_for_function("document.getElementById('frame').complete")
        assert abs(_level(img) - frame_level(i)) <= 4, (i, _level(img))
    page.keyboard.press("v")
    expect(page.locator("#source")).to_have_value("overlay")
    # event times: lateral onset at video frame 9 (a repeat) shows the scan begun at 8
    page.keyboard.press("Home")
    expect(img).to_have_attribute("data-index", "0")
    page.keyboard.press("]")
    page.keyboard.press("]")
    expect(img).to_have_attribute("data-index", "9")
    page.wait_for_function("document.getElementById('frame').complete")
    assert abs(_level(img) - frame_level(8)) <= 4, _level(img)
