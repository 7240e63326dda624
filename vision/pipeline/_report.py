"""``report.html``: one self-contained page (images inline) per analysis."""
import base64
import html
import io

import numpy as np
from matplotlib.figure import Figure

__all__ = ["build_report"]

_EVENT_COLOURS = {"growth_onset": "tab:green", "lateral_onset": "tab:purple",
                  "crack_initiation": "tab:red", "short_circuit": "black",
                  "contact_loss": "tab:orange"}


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _mark_events(ax, events):
    for ev in events.itertuples(index=False):
        ax.axvline(ev.time_s, color=_EVENT_COLOURS.get(ev.event, "grey"),
                   ls="--" if ev.source == "trace" else ":", lw=1)


def _whisker_figure(analysis):
    fig = Figure(figsize=(8, 3.5))
    ax = fig.subplots()
    w = analysis.whiskers
    if w is None or w.empty:
        ax.text(0.5, 0.5, "no whiskers tracked", ha="center", va="center",
                transform=ax.transAxes)
    else:
        w = w.drop_duplicates(["whisker_id", "content_time_s"])
        for wid, track in w.groupby("whisker_id"):
            line, = ax.plot(track["content_time_s"], track["length_um"], ".", ms=3,
                            label=f"whisker {wid}")
            for r in analysis.growth_rates.loc[
                    analysis.growth_rates["whisker_id"] == wid].itertuples(index=False):
                sel = track.loc[(track["content_time_s"] >= r.t_start_s)
                                & (track["content_time_s"] <= r.t_end_s)]
                if len(sel) < 2:
                    continue
                t = sel["content_time_s"].to_numpy(float)
                y0 = np.median(sel["length_um"] - r.rate_um_s * sel["content_time_s"])
                ax.plot(t, y0 + r.rate_um_s * t, "-", color=line.get_color(), lw=1.5)
                ax.annotate(f"{r.rate_um_s:.2f} um/s", (t.mean(), y0 + r.rate_um_s * t.mean()),
                            fontsize=7, color=line.get_color())
        ax.legend(fontsize=7, loc="upper left")
    _mark_events(ax, analysis.events)
    ax.set_xlabel("time (s, video clock)")
    ax.set_ylabel("whisker length (um)")
    ax.set_title("Whisker length and fitted growth rates per potential step")
    return _png(fig)


def _front_figure(analysis):
    fig = Figure(figsize=(8, 3))
    ax = fig.subplots()
    f = analysis.frames
    ax.plot(f["time_s"], f["front_distance_um"], label="front distance from centre (um)")
    ax.plot(f["time_s"], f["crack_length_um"], label="crack path length (um)")
    _mark_events(ax, analysis.events)
    ax.set_xlabel("time (s, video clock)")
    ax.set_ylabel("um")
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title("Lateral front and crack")
    return _png(fig)


def _trace_figure(analysis):
    fig = Figure(figsize=(8, 3))
    ax = fig.subplots()
    off = analysis.summary.get("sync_offset_s")
    if analysis.trace is None or off is None:
        ax.text(0.5, 0.5, "no potentiostat trace", ha="center", va="center",
                transform=ax.transAxes)
    else:
        d = analysis.trace
        t = d["time_s"].to_numpy(float) - off
        ax.plot(t, d["current_A"] * 1e6, color="tab:blue", lw=1)
        ax.set_ylabel("current (uA)", color="tab:blue")
        ax2 = ax.twinx()
        ax2.plot(t, d["voltage_V"], color="tab:red", lw=1)
        ax2.set_ylabel("voltage (V)", color="tab:red")
        ax.set_xlim(analysis.frames["time_s"].min(), analysis.frames["time_s"].max())
        _mark_events(ax, analysis.events)
    ax.set_xlabel("time (s, video clock)")
    ax.set_title("Current and voltage (events: dotted = video, dashed = trace)")
    return _png(fig)


def _table(rows, header):
    esc = html.escape
    out = ["<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>"]
    for r in rows:
        out.append("<tr>" + "".join(f"<td>{esc(_fmt(v))}</td>" for v in r) + "</tr>")
    return "".join(out) + "</table>"


def _fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "-" if not np.isfinite(v) else f"{v:.4g}"
    return str(v)


def build_report(analysis, key_frames_b64=None):
    """The HTML text of ``report.html``.

    Parameters
    ----------
    analysis : Analysis
    key_frames_b64 : dict, optional
        frame index -> base64 JPEG of the overlay at that frame.

    Returns
    -------
    str
    """
    s = analysis.summary
    esc = html.escape
    key_frames_b64 = key_frames_b64 or {}
    evidence = _table([(e["rule"], e["text"], "yes" if e["passed"] else "no")
                       for e in s["failure_evidence"]], ["rule", "evidence", "decided"])
    events = _table(analysis.events[["event", "time_s", "frame", "voltage_V", "current_A",
                                     "source"]].itertuples(index=False, name=None),
                    ["event", "time (s)", "frame", "voltage (V)", "current (A)", "source"])
    rates = _table([(r["whisker_id"], r["step"], r["t_start_s"], r["t_end_s"], r["rate_um_s"],
                     r["current_density_A_cm2"]) for r in s["growth_rates"]],
                   ["whisker", "step", "from (s)", "to (s)", "rate (um/s)", "j (A/cm2)"])
    frames_html = "".join(
        f'<figure><img src="data:image/jpeg;base64,{b64}" alt="frame {k}">'
        f"<figcaption>frame {k}, t = {analysis.frames['time_s'].iloc[k]:.2f} s</figcaption>"
        f"</figure>" for k, b64 in sorted(key_frames_b64.items()))
    facts = _table([
        ("failure mode", f"{s['failure_mode']} (confidence {s['failure_confidence']})"),
        ("short circuit", f"{s['short_circuit']} at {_fmt(s['short_circuit_time_s'])} s"),
        ("max growth rate", f"{_fmt(s['max_growth_rate_um_s'])} um/s"),
        ("max local current density", f"{_fmt(s['max_local_current_density_A_cm2'])} A/cm2"),
        ("pixel size", f"{_fmt(s['pixel_size_um'])} um ({s['pixel_size_source']})"),
        ("sync", f"{s['sync_method']} offset {_fmt(s['sync_offset_s'])} s "
                 f"(confidence {_fmt(s['sync_confidence'])})"),
        ("frames", f"{s['n_frames']} ({s['n_duplicate_frames']} duplicates)"),
        ("video", s["inputs"]["video"]["path"]),
        ("trace", (s["inputs"]["trace"] or {}).get("path", "-")),
        ("semtrack", s["semtrack_version"]),
    ], ["", ""])
    warn = "".join(f"<li>{esc(w)}</li>" for w in s.get("warnings", []))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>semtrack report: {esc(s['video_name'])}</title>
<style>
body {{ font-family: sans-serif; max-width: 60em; margin: 1em auto; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0; }}
td, th {{ border: 1px solid #ccc; padding: 2px 6px; font-size: 90%; text-align: left; }}
img {{ max-width: 100%; }}
figure {{ display: inline-block; width: 45%; margin: 0.5em; }}
.mode {{ font-size: 140%; font-weight: bold; }}
</style></head><body>
<h1>semtrack report: {esc(s['video_name'])}</h1>
<p class="mode">Failure mode: {esc(s['failure_mode'])}
{'with short circuit' if s['short_circuit'] else 'without short circuit'}</p>
{facts}
<h2>Evidence</h2>{evidence}
{'<h2>Warnings</h2><ul>' + warn + '</ul>' if warn else ''}
<h2>Events (video clock)</h2>{events}
<h2>Whiskers</h2>
<img src="data:image/png;base64,{_whisker_figure(analysis)}" alt="whisker length">
{rates}
<h2>Lateral front and crack</h2>
<img src="data:image/png;base64,{_front_figure(analysis)}" alt="front and crack">
<h2>Potentiostat</h2>
<img src="data:image/png;base64,{_trace_figure(analysis)}" alt="current and voltage">
<h2>Key frames</h2>{frames_html or '<p>(overlay not written)</p>'}
</body></html>
"""
