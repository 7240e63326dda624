"""report.html and the notebook view of an Analysis (issue 15, sections 4 and 6).

On the sample videos (analysed once per session by test_analyze_pipeline): what
each page must show, that it shows nothing empty, and the notebook API.
"""
import io
import re
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure
from test_analyze_pipeline import PRESETS, _analysis, _truth

from vision._schema import WHISKER_COLUMNS
from vision._shared import _progress
from vision.pipeline._report import build_report, report_figures

PLACEHOLDERS = ("False at", "- um/s", "- s", "> - <", "None", "nan", "no whiskers tracked",
                "(overlay not written)", "no potentiostat trace")


def _page(name, key_frames=True):
    a = _analysis(name)
    frames = {0: "AAAA", len(a.frames) - 1: "AAAA"}
    for f in a.events["frame"]:
        frames[int(f)] = "AAAA"
    html = build_report(a, frames if key_frames else None)
    return a, html, re.sub(r'base64,[A-Za-z0-9+/=]+', "base64,...", html)


def _sections(html):
    return re.findall(r"<h2>([^<]+)</h2>", html)


@pytest.mark.parametrize("name", PRESETS)
def test_no_placeholders_and_micro_units(name):
    _, _, text = _page(name)
    for bad in PLACEHOLDERS:
        assert bad not in text, f"placeholder {bad!r} in the {name} report"
    visible = re.sub(r"<[^>]+>", " ", text)
    assert not re.search(r"\bu[mA]\b", visible), "um/uA instead of µm/µA"
    assert "µm" in visible


@pytest.mark.parametrize("name", PRESETS)
def test_sections_follow_the_growth_modes(name):
    a, _, text = _page(name)
    modes = a.summary["growth_modes"]
    sections = _sections(text)
    assert ("Whiskers" in sections) == ("whisker" in modes)
    assert ("Lateral front and crack" in sections) == bool({"lateral", "crack"} & set(modes))
    assert ("Stripping" in sections) == ("stripping" in modes)
    assert ("Events (video clock)" in sections) == (len(a.events) > 0)
    assert "Growth modes: " + ("none" if not modes else modes[0]) in text
    assert ("lateral front speed" in text) == ("lateral" in modes)
    assert ("crack-tip speed" in text) == ("crack" in modes)


def test_whisker_only_video_draws_no_front():
    a = _analysis("whisker")
    assert "lateral" not in a.summary["growth_modes"]
    assert "front" not in report_figures(a)


def _time_axes(fig):
    return [ax for ax in fig.axes if "time" in ax.get_xlabel()]


@pytest.mark.parametrize("name", ["whisker", "lateral", "crack", "stripping"])
def test_every_time_axis_spans_the_video_and_events_are_named(name):
    a = _analysis(name)
    t = a.frames["time_s"]
    figs = report_figures(a)
    assert figs and all(isinstance(f, Figure) for f in figs.values())
    n_axes = 0
    for key, fig in figs.items():
        for ax in _time_axes(fig):
            n_axes += 1
            assert ax.get_xlim() == pytest.approx((t.min(), t.max())), (key, ax.get_xlabel())
    assert n_axes >= 2
    legend = " ".join(tx.get_text() for fig in figs.values() for ax in fig.axes
                      if ax.get_legend() for tx in ax.get_legend().get_texts())
    for ev in a.events.itertuples():
        assert f"{ev.event.replace('_', ' ')} ({ev.source})" in legend


def test_whisker_page_has_kymograph_rate_plot_and_rate_table_with_potential():
    a, _, text = _page("multi_whisker")
    fig = report_figures(a)["whiskers"]
    kymo_axes = [ax for ax in fig.axes if ax.get_title().startswith("kymograph")]
    assert kymo_axes, "no kymograph beside the whisker plot"
    for ax in kymo_axes:
        assert ax.get_xlabel() == "time (s)" and "µm" in ax.get_ylabel()
    rates = report_figures(a)["rates"]
    ax = rates.axes[0]
    assert ax.get_xlabel() == "step potential (V)" and ax.get_ylabel() == "growth rate (µm/s)"
    # one marker per whisker and step, with error bars
    n_markers = sum(len(line.get_xdata()) for line in ax.get_lines() if line.get_marker() == "o")
    assert n_markers == len(a.growth_rates)
    assert any(len(c.get_segments()) for c in ax.collections)  # error bars
    assert "<th>potential (V)</th>" in text and "rate (µm/s)" in text
    truth_v = {st["voltage_V"] for st in _truth("multi_whisker")["steps"]}
    for v in a.growth_rates["control_V"]:
        assert min(abs(v - tv) for tv in truth_v) < 1e-3


def test_galvanostatic_steps_are_named_control_A():
    a = _analysis("stripping")
    assert "control_A" in a.growth_rates.columns and "control_value" not in a.growth_rates
    assert a.steps is None or "control_A" in a.steps.columns
    b = _analysis("whisker")
    assert "control_V" in b.growth_rates.columns and "control_value" not in b.growth_rates
    assert all("control_V" in r for r in b.summary["growth_rates"])


def test_faraday_ratio_video_and_key_frames_are_explained():
    a, html, text = _page("whisker")
    assert isinstance(a.summary["faraday_ratio"], float)
    assert "Faraday ratio" in text and "charge passed" in text
    assert '<video src="overlay.mp4"' in html and '<a href="overlay.mp4">' in html
    captions = re.findall(r"<figcaption>([^<]+)</figcaption>", text)
    assert captions[0].startswith("first frame") and captions[-1].startswith("last frame")
    assert any("growth onset" in c for c in captions)
    _, html, _ = _page("whisker", key_frames=False)
    assert "<video" not in html and "Key frames" not in html


def test_stripping_page_plots_electrode_area():
    fig = report_figures(_analysis("stripping"))["stripping"]
    ax = fig.axes[0]
    assert ax.get_ylabel() == "electrode lithium area (µm²)"
    y = ax.get_lines()[0].get_ydata()
    assert np.nanmax(y) > 1.5 * np.nanmin(y)  # the electrode visibly lost lithium


def test_control_page_is_short():
    _, _, text = _page("control")
    sections = _sections(text)
    assert "Whiskers" not in sections and "Growth rates per whisker and step" not in sections
    assert "Growth modes: none" in text


# -- notebooks -------------------------------------------------------------------------
def test_repr_is_a_few_lines_with_modes_and_rates():
    a = _analysis("lateral")
    text = repr(a)
    lines = text.splitlines()
    assert 3 <= len(lines) <= 6
    assert "lateral" in lines[0] and "220 frames" in lines[0]
    assert "failure mode: lateral_growth with short circuit" in text
    assert "growth modes: whisker (from" in text and "lateral (from" in text
    assert "µm/s" in text


def test_repr_html_has_the_key_plot_and_rate_table():
    html = _analysis("whisker")._repr_html_()
    assert html.count("<img") == 1 and "<table" in html and "rate (µm/s)" in html


def test_plot_returns_figures():
    figs = _analysis("whisker").plot()
    assert set(figs) >= {"whiskers", "rates", "trace"}
    assert all(isinstance(f, Figure) for f in figs.values())


def test_whiskers_have_is_duplicate_beside_content_time_in_contract_order():
    a = _analysis("whisker")
    cols = list(a.whiskers.columns)
    assert cols[:len(WHISKER_COLUMNS)] == WHISKER_COLUMNS
    assert cols[cols.index("content_time_s") + 1] == "is_duplicate"
    dup = a.frames.set_index("frame")["is_duplicate"]
    assert a.whiskers["is_duplicate"].to_numpy()[dup.loc[a.whiskers["frame"]].to_numpy()].all()
    new = a.whiskers.loc[~a.whiskers["is_duplicate"]]
    # one filter leaves each whisker once per new scan, and loses no scan
    assert not new.duplicated(["whisker_id", "content_time_s"]).any()
    assert len(new) == len(a.whiskers.drop_duplicates(["whisker_id", "content_time_s"]))


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_where_someone_sees_it(monkeypatch):
    """One rule for analyze and run_batch (vision._shared._progress)."""
    from tqdm import tqdm as text_tqdm
    from tqdm.auto import tqdm as auto_tqdm

    monkeypatch.setattr(sys, "stderr", io.StringIO())  # a pipe or a log
    assert _progress.progress_bar(10, True, "x") is None
    monkeypatch.setattr(sys, "stderr", _Tty())
    bar = _progress.progress_bar(10, True, "x")
    assert isinstance(bar, text_tqdm)
    bar.update(10)
    bar.close()
    assert "/10 [" in sys.stderr.getvalue()  # the bar was drawn on the terminal
    assert _progress.progress_bar(10, False, "x") is None  # quiet
    monkeypatch.setattr(_progress, "_in_notebook", lambda: True)
    bar = _progress.progress_bar(10, True, "x")
    assert isinstance(bar, auto_tqdm)
    bar.close()


def test_not_a_notebook_without_a_kernel(monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert not _progress._in_notebook()
