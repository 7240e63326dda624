"""The review features of the annotation page in headless Chromium (issue 15, section 8):
timeline selector with round ticks, the S key, growth modes, 'Last change', V without an
original, the help overlay, the 1280x720 layout, event-time decimals and the Excel export."""
import json
import math
import re

import pytest
from test_annotate_browser import browser, open_video, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture()
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], errors


def _is_nice(labels):
    """Tick labels are multiples of one step of 1, 2 or 5 times a power of ten."""
    values = [float(v) for v in labels]
    assert len(values) >= 2, labels
    steps = {round(b - a, 9) for a, b in zip(values, values[1:])}
    assert len(steps) == 1, labels
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1.0, 2.0, 5.0), (labels, step)
    assert all(abs(v / step - round(v / step)) < 1e-6 for v in values), labels


def test_timeline_offers_tracked_lengths_with_round_ticks(page, server):  # noqa: F811
    expect = open_video(page, server, "cell_a")
    plot = page.locator("#plot")
    options = page.locator("#plot-left option").evaluate_all("os => os.map(o => o.value)")
    assert set(options) >= {"current_A", "voltage_V", "max_whisker_length_um",
                            "front_distance_um", "crack_length_um"}
    expect(plot).to_have_attribute("data-series", "current_A,voltage_V")
    for attr in ("data-ticks-time", "data-ticks-left", "data-ticks-right"):
        _is_nice(json.loads(plot.get_attribute(attr)))
    page.select_option("#plot-left", "max_whisker_length_um")
    page.select_option("#plot-right", "front_distance_um")
    expect(plot).to_have_attribute("data-series", "max_whisker_length_um,front_distance_um")
    left = json.loads(plot.get_attribute("data-ticks-left"))
    _is_nice(left)
    assert float(left[0]) <= 0 and float(left[-1]) >= 0.5 * 23  # spans the whisker length
    page.reload()  # the choice is remembered
    expect(page.locator("#plot")).to_have_attribute("data-series",
                                                    "max_whisker_length_um,front_distance_um")


def test_s_sets_the_opposite_of_what_the_box_shows(page, server):  # noqa: F811
    expect = open_video(page, server, "cell_b")  # automatic short circuit: yes; untouched
    box = page.locator("#short-circuit")
    expect(box).to_be_checked()
    assert box.evaluate("b => b.indeterminate") is False
    expect(page.locator("#sc-source")).to_have_text("(automatic)")
    page.keyboard.press("s")
    expect(box).not_to_be_checked()
    expect(page.locator("#sc-source")).to_have_text("(set by a person)")
    assert server["service"].db.label(server["ids"]["cell_b"])["short_circuit"] is False
    page.keyboard.press("s")
    expect(box).to_be_checked()
    assert server["service"].db.label(server["ids"]["cell_b"])["short_circuit"] is True


def test_growth_modes_can_be_corrected_and_confirmed(page, server):  # noqa: F811
    expect = open_video(page, server, "cell_a")  # automatic growth modes: whisker, lateral
    vid = server["ids"]["cell_a"]
    boxes = page.locator("#growth-modes input")
    expect(boxes).to_have_count(4)
    expect(page.locator("#growth-modes input[data-growth='whisker']")).to_be_checked()
    expect(page.locator("#growth-modes input[data-growth='lateral']")).to_be_checked()
    expect(page.locator("#growth-modes input[data-growth='crack']")).not_to_be_checked()
    expect(page.locator("#growth-source")).to_have_text("(automatic)")
    page.locator("#growth-modes input[data-growth='lateral']").uncheck()
    expect(page.locator("#growth-source")).to_have_text("(set by a person)")
    expect(page.locator("#status")).to_contain_text("growth modes → whisker")
    assert server["service"].db.label(vid)["growth_modes"] == ["whisker"]
    page.keyboard.press("c")
    expect(page.locator("#growth-modes input[data-growth='lateral']")).to_be_checked()
    expect(page.locator("#label-state")).to_have_text("confirmed")
    assert server["service"].db.label(vid)["growth_modes"] == ["whisker", "lateral"]


def test_no_last_change_on_unreviewed_videos(page, server):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(server["url"] + "/")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    rows = page.locator("#videos tbody tr")
    expect(rows).to_have_count(3)
    for k in range(3):
        row = rows.nth(k)
        state = row.locator(".badge").inner_text()
        last = row.locator(".last-change").inner_text()
        assert (last == "") == (state == "unreviewed"), (state, last)
    c = rows.filter(has_text="cell_c")
    expect(c.locator(".badge")).to_have_text("unreviewed")
    expect(c.locator(".last-change")).to_have_text("")
    expect(c).to_contain_text("none")  # its automatic growth modes


def test_v_says_when_the_original_video_is_missing(page, server):  # noqa: F811
    expect = open_video(page, server, "cell_c")  # its original lies outside the results
    page.keyboard.press("v")
    expect(page.locator("#status")).to_contain_text("original video is not available")
    expect(page.locator("#source")).to_have_value("overlay")


def test_question_mark_opens_the_help(page, server):  # noqa: F811
    expect = open_video(page, server, "cell_c")
    help_box = page.locator("#help-overlay")
    expect(help_box).to_be_hidden()
    page.keyboard.press("?")
    expect(help_box).to_be_visible()
    for key in ("Shift", "Space", "confirm", "short circuit", "previous / next event"):
        expect(help_box).to_contain_text(key)
    page.keyboard.press("ArrowRight")  # keys do not act behind the help
    expect(page.locator("#frame-index")).to_have_text("0")
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()
    page.click("#help-button")
    expect(help_box).to_be_visible()
    page.click("#help-close")
    expect(help_box).to_be_hidden()


def test_plot_and_events_visible_at_1280x720(page, server):  # noqa: F811
    expect = open_video(page, server, "cell_b")
    for _ in range(3):  # more events than fit: the events list scrolls, not the page
        page.keyboard.press("g")
    expect(page.locator("#events tbody tr")).to_have_count(6)
    size = page.viewport_size
    assert size == {"width": 1280, "height": 720}
    plot = page.locator("#plot").bounding_box()
    events = page.locator("#events").bounding_box()
    left = page.locator(".left").bounding_box()
    right = page.locator(".right").bounding_box()
    assert plot["y"] >= 0 and plot["y"] + plot["height"] <= 720, plot
    assert 0 <= events["y"] < 720 - 60, events  # the table's head and first rows show
    assert right["x"] >= left["x"] + left["width"] - 1  # two columns side by side
    assert page.evaluate("document.scrollingElement.scrollHeight") <= 720
    for sel in (".left", ".right"):
        assert page.locator(sel).evaluate("e => getComputedStyle(e).overflowY") == "auto"
    # the events table fits its column: its buttons are not cut off on the right
    assert page.locator(".events-box").evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    delete = page.locator("#events tbody tr").first.locator("button.delete").bounding_box()
    assert delete["x"] + delete["width"] <= right["x"] + right["width"]


def test_event_times_have_the_same_decimals_everywhere(page, server):  # noqa: F811
    expect = open_video(page, server, "cell_a")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#frame-time")).to_have_text("0.100")
    cells = page.locator("#events tbody td:nth-child(3), #events tbody td:nth-child(4)")
    texts = [t for t in cells.all_inner_texts() if t != "–"]
    assert texts and all(re.fullmatch(r"\d+\.\d{3}", t) for t in texts), texts
    dd = page.locator("#auto-info dd").all_inner_texts()
    dt = page.locator("#auto-info dt").all_inner_texts()
    onset = dd[dt.index("growth onset (s)")]
    assert onset == "0.300"


def test_excel_export_download(page, server, tmp_path):  # noqa: F811
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    page.goto(server["url"] + "/")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    with page.expect_download() as info:
        page.click("#export-xlsx")
    target = tmp_path / "labels.xlsx"
    info.value.save_as(target)
    book = load_workbook(target)
    assert book.sheetnames[:2] == ["videos", "events"]
    names = {r[0] for r in list(book["videos"].values)[1:]}
    assert names == {"cell_a", "cell_b", "cell_c"}
    rows = list(book["events"].values)
    events = [dict(zip(rows[0], r)) for r in rows[1:]]
    auto = [(e["video_name"], e["event"]) for e in events if e["labeller"] == "auto"]
    # every automatic event of the fixture, not only the first of each kind
    assert sorted(auto) == sorted([("cell_a", "growth_onset"), ("cell_a", "lateral_onset"),
                                   ("cell_b", "growth_onset"), ("cell_b", "crack_initiation"),
                                   ("cell_b", "short_circuit")])


def test_agreement_page_lists_growth_modes(page, server):  # noqa: F811
    from playwright.sync_api import expect

    vid = server["ids"]["cell_c"]
    label = server["service"].db.label(vid)
    server["service"].db.update_label(vid, version=label["version"], user="t",
                                      growth_modes=["stripping"])
    page.goto(server["url"] + "/#/report")
    row = page.locator("#growth-agreement tr[data-growth='stripping']")
    expect(row).to_be_visible()
    expect(row.locator("td").nth(3)).to_have_text("1")  # auto no / human yes
