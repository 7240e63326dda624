"""Take the documentation's screenshots again, from the sample videos, in headless Chromium.

    python docs/screenshots.py [--out docs/pages/img] [--chromium /usr/bin/chromium]

(``make screenshots``.) The sample videos ``videos/lateral.mp4``, ``whisker.mp4`` and
``crack.mp4`` are analysed with ``run_batch`` into a temporary folder (as ``semtrack batch``
would), then Chromium (Debian's, driven by Playwright) shows

* the lateral video's ``report.html`` at 1100x1400 px: its top (``report-top.png``) and its
  plots from the "Whiskers" heading on (``report-plots.png``);
* the annotation tool on that batch at 1280x720 px: the list of videos
  (``annotate-list.png``), the lateral video (``annotate-video.png``) and the key help
  opened with ``?`` (``annotate-help.png``).

Only these five files are written; each is replaced only if it is a PNG (the earlier
screenshot), never another file of that name.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ("lateral", "whisker", "crack")
SHOTS = ("report-top.png", "report-plots.png", "annotate-list.png", "annotate-video.png",
         "annotate-help.png")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _check_targets(out: Path) -> None:
    """Stop before any work if a target exists and is not a PNG (not ours to replace)."""
    for name in SHOTS:
        p = out / name
        if p.exists() and (not p.is_file() or p.read_bytes()[:8] != PNG_MAGIC):
            sys.exit(f"screenshots: {p}: exists and is not a PNG screenshot; move it away")


def _analyse(work: Path) -> Path:
    """The samples through run_batch (pixel size from their scale bars); the batch folder."""
    import vision

    items = []
    for name in SAMPLES:
        truth = json.loads((ROOT / "videos" / f"{name}_truth.json").read_text())
        for suffix in (".mp4", "_trace.mpt"):
            shutil.copy(ROOT / "videos" / f"{name}{suffix}", work / f"{name}{suffix}")
        items.append(vision.BatchItem(
            name=name, video=work / f"{name}.mp4", trace=work / f"{name}_trace.mpt",
            options={"scale_bar_um": truth["data_bar"]["scale_bar_um"],
                     "counter_electrode": "right"}))
    batch = work / "batch"
    result = vision.run_batch(items, batch, workers=0, progress=False)
    if result.failed:
        sys.exit(f"screenshots: the analysis failed: {result.failed[0]['error']}")
    return batch


@contextlib.contextmanager
def _serving(batch: Path):
    """The annotation tool on ``batch`` on a free loopback port; yields (url, ids)."""
    import uvicorn

    from vision.annotate import AnnotationService, create_app

    svc = AnnotationService(batch, user="docs")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(svc), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            sys.exit("screenshots: the annotation server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", {v["name"]: v["id"] for v in svc.db.videos()}
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        svc.close()


def take(out: Path, chromium: Path) -> list[Path]:
    """Write the five screenshots into ``out``; return their paths."""
    from playwright.sync_api import expect, sync_playwright

    _check_targets(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="semtrack-samples-") as tmp:
        batch = _analyse(Path(tmp))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(chromium), args=ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.goto((batch / "lateral" / "report.html").as_uri())
            page.wait_for_load_state("load")
            page.screenshot(path=out / "report-top.png")
            written.append(out / "report-top.png")
            page.evaluate("document.evaluate(\"//h2[text()='Whiskers']\", document, null, 9, "
                          "null).singleNodeValue.scrollIntoView()")
            page.screenshot(path=out / "report-plots.png")
            written.append(out / "report-plots.png")
            page.close()
            with _serving(batch) as (url, ids):
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                page.set_default_timeout(30000)
                page.goto(url + "/")
                expect(page.locator("#videos tbody tr")).to_have_count(len(SAMPLES))
                page.screenshot(path=out / "annotate-list.png")
                page.goto(f"{url}/#/video/{ids['lateral']}")
                expect(page.locator("body")).to_have_attribute("data-ready", "1")
                expect(page.locator("#frame")).to_have_attribute("data-index", "0")
                page.screenshot(path=out / "annotate-video.png")
                page.keyboard.press("?")
                expect(page.locator("#help-overlay")).to_be_visible()
                page.screenshot(path=out / "annotate-help.png")
                written += [out / n for n in SHOTS[2:]]
            browser.close()
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "pages" / "img")
    parser.add_argument("--chromium", type=Path, default=Path("/usr/bin/chromium"))
    args = parser.parse_args(argv)
    if not args.chromium.is_file():
        sys.exit(f"screenshots: {args.chromium}: no Chromium there; install Debian's chromium "
                 "or give --chromium PATH")
    for p in take(args.out, args.chromium):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
