"""``report.html``: one self-contained page (images inline) per analysis, and its figures.

The figures are matplotlib :class:`~matplotlib.figure.Figure` objects built
without pyplot (:func:`report_figures`, also behind :meth:`Analysis.plot`);
the page embeds them as PNG. A section with nothing to show is left out: no
empty plots, no "-" values.

Rules of the page:

* every time axis spans the same range (the video, on the video clock);
* event lines are named in a legend (colour and line style per event);
* lengths in µm, currents in µA in plots and tables (CSV names keep ``_um``);
* the lateral front is drawn only when growth mode ``lateral`` was found and
  the crack only when ``crack`` was found: a front distance below the
  lateral threshold is noise of the rim, not lithium (a whisker-only video
  shows no front plot).
"""
import base64
import html
import io

import numpy as np

from .._schema import OVERLAY_FILE

__all__ = ["build_report", "report_figures", "key_figure", "facts_rows", "rate_rows"]

def Figure(*args, **kwargs):  # noqa: N802  (stands for matplotlib's class)
    """A matplotlib Figure; matplotlib (~28 MB resident) is imported only for a report."""
    from matplotlib.figure import Figure as _Figure  # noqa: PLC0415

    return _Figure(*args, **kwargs)


#: Colour per event; line style per source (video: solid, trace: dashed), so that the
#: video's and the trace's short circuit differ; the legend names each line.
_EVENT_COLOURS = {"growth_onset": "tab:green", "lateral_onset": "tab:purple",
                  "crack_initiation": "tab:red", "short_circuit": "black",
                  "contact_loss": "tab:orange"}
_SOURCE_STYLES = {"video": "-", "trace": "--"}

#: Kymograph column 0 lies this many px inside the whisker base (KymographBuilder's
#: ``start_offset_px``), so position 0 µm is the base.
_KYMO_START_PX = -5.0

#: Most kymographs drawn beside the whisker plot (the longest-lived whiskers).
_MAX_KYMOGRAPHS = 4


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _time_range(analysis):
    t = analysis.frames["time_s"].to_numpy(float)
    t = t[np.isfinite(t)]
    if not len(t):
        return 0.0, 1.0
    lo, hi = float(t.min()), float(t.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def _mark_events(ax, events, t_range):
    """Event lines with a name in the legend (one entry per event and source)."""
    if events is None or events.empty:
        return
    seen = set()
    for ev in events.itertuples(index=False):
        if not np.isfinite(ev.time_s):
            continue
        colour = _EVENT_COLOURS.get(ev.event, "grey")
        style = _SOURCE_STYLES.get(ev.source, ":")
        name = f"{ev.event.replace('_', ' ')} ({ev.source})"
        t = min(max(ev.time_s, t_range[0]), t_range[1])
        ax.axvline(t, color=colour, ls=style, lw=1.2,
                   label=None if name in seen else name)
        seen.add(name)


def _unique_whiskers(analysis):
    w = analysis.whiskers
    if w is None or w.empty:
        return None
    return w.drop_duplicates(["whisker_id", "content_time_s"])


def has_section(analysis, mode):
    """True if growth mode `mode` is among the analysis' growth modes."""
    return mode in (analysis.summary.get("growth_modes") or [])


def _whisker_figure(analysis, t_range):
    """Whisker length with fitted rates, and kymographs beside it; None without whiskers."""
    w = _unique_whiskers(analysis)
    if w is None:
        return None
    kymos = _kymographs(analysis)
    ncol = 1 + len(kymos)
    fig = Figure(figsize=(8 + 2.4 * len(kymos), 3.8), layout="constrained")
    axes = fig.subplots(1, ncol, squeeze=False,
                        gridspec_kw={"width_ratios": [3.2] + [1.0] * len(kymos)})[0]
    ax = axes[0]
    rates = analysis.growth_rates
    for wid, track in w.groupby("whisker_id"):
        line, = ax.plot(track["content_time_s"], track["length_um"], ".", ms=3,
                        label=f"whisker {wid}")
        for r in rates.loc[rates["whisker_id"] == wid].itertuples(index=False):
            sel = track.loc[(track["content_time_s"] >= r.t_start_s)
                            & (track["content_time_s"] <= r.t_end_s)]
            if len(sel) < 2:
                continue
            t = sel["content_time_s"].to_numpy(float)
            y0 = np.median(sel["length_um"] - r.rate_um_s * sel["content_time_s"])
            ax.plot(t, y0 + r.rate_um_s * t, "-", color=line.get_color(), lw=1.5)
            ax.annotate(f"{r.rate_um_s:.2f} µm/s", (t.mean(), y0 + r.rate_um_s * t.mean()),
                        fontsize=7, color=line.get_color())
    _mark_events(ax, analysis.events, t_range)
    ax.set_xlim(*t_range)
    ax.set_xlabel("time (s, video clock)")
    ax.set_ylabel("whisker length (µm)")
    ax.set_title("Whisker length and fitted growth rates per step")
    ax.legend(fontsize=7, loc="upper left")
    px = float(analysis.summary.get("pixel_size_um") or 1.0)
    for kax, (wid, image, times) in zip(axes[1:], kymos):
        pos_hi = (image.shape[1] - 1 + _KYMO_START_PX) * px
        kax.imshow(image.T, origin="lower", aspect="auto", cmap="gray",
                   extent=(times[0], times[-1], _KYMO_START_PX * px, pos_hi))
        kax.set_xlim(*t_range)
        kax.set_xlabel("time (s)")
        kax.set_ylabel("position along whisker (µm)")
        kax.set_title(f"kymograph, whisker {wid}", fontsize=9)
    return fig


def _kymographs(analysis):
    """[(whisker_id, image (time x position), times_s)] worth drawing, longest-lived first."""
    out = []
    times = getattr(analysis, "kymograph_times_s", None) or {}
    for wid, image in (analysis.kymographs or {}).items():
        t = np.asarray(times.get(wid, ()), float)
        if image is None or image.ndim != 2 or image.shape[0] < 2 or image.shape[1] < 2 \
                or len(t) != image.shape[0] or not np.ptp(t) > 0:
            continue
        out.append((int(wid), image, t))
    out.sort(key=lambda k: -len(k[2]))
    return out[:_MAX_KYMOGRAPHS]


def _step_axis(analysis):
    """(column, label, scale) of the step's control quantity in growth_rates, or None."""
    r = analysis.growth_rates
    if r is None or r.empty:
        return None
    for col, label, scale in (("control_V", "step potential (V)", 1.0),
                              ("control_A", "step current (µA)", 1e6)):
        if col in r and np.isfinite(r[col].to_numpy(float)).any():
            return col, label, scale
    return None


def _rate_figure(analysis):
    """Growth rate (and j) against the step's potential/current; None without both."""
    axis = _step_axis(analysis)
    if axis is None:
        return None
    col, label, scale = axis
    r = analysis.growth_rates
    r = r.loc[np.isfinite(r[col].to_numpy(float)) & np.isfinite(r["rate_um_s"].to_numpy(float))]
    if r.empty:
        return None
    fig = Figure(figsize=(6, 3.6), layout="constrained")
    ax = fig.subplots()
    for wid, sub in r.groupby("whisker_id"):
        err = sub["rate_std_um_s"].to_numpy(float) if "rate_std_um_s" in sub else None
        ax.errorbar(sub[col].to_numpy(float) * scale, sub["rate_um_s"].to_numpy(float),
                    yerr=None if err is None else np.nan_to_num(err), fmt="o", ms=5,
                    capsize=3, label=f"whisker {wid}")
    ax.set_xlabel(label)
    ax.set_ylabel("growth rate (µm/s)")
    ok = (r["rate_um_s"].abs() > 0) & np.isfinite(r["current_density_A_cm2"].to_numpy(float))
    if ok.any():
        k = float(np.median(r.loc[ok, "current_density_A_cm2"] / r.loc[ok, "rate_um_s"]))
        sec = ax.secondary_yaxis("right", functions=(lambda v: v * k, lambda j: j / k))
        sec.set_ylabel("local current density (A/cm²)")
    ax.set_title("Growth rate per whisker and step (±1 σ of the fit)")
    ax.legend(fontsize=7)
    return fig


def _front_crack_figure(analysis, t_range):
    """Front distance (growth mode lateral) and crack length (growth mode crack); or None."""
    f = analysis.frames
    new = f.loc[~f["is_duplicate"].astype(bool)] if "is_duplicate" in f else f
    t = new["content_time_s"] if "content_time_s" in new else new["time_s"]
    series = []
    if has_section(analysis, "lateral") and np.isfinite(new["front_distance_um"]).any():
        series.append((new["front_distance_um"], "front distance from electrode centre (µm)"))
    if has_section(analysis, "crack") and np.isfinite(new["crack_length_um"]).any():
        series.append((new["crack_length_um"], "crack path length (µm)"))
    if not series:
        return None
    fig = Figure(figsize=(8, 3.2), layout="constrained")
    ax = fig.subplots()
    for y, label in series:
        ax.plot(t, y, label=label)
    _mark_events(ax, analysis.events, t_range)
    ax.set_xlim(*t_range)
    ax.set_xlabel("time (s, video clock)")
    ax.set_ylabel("length (µm)")
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title("Lateral front and crack")
    return fig


def _stripping_figure(analysis, t_range):
    """Electrode lithium area against time (growth mode stripping); or None."""
    f = analysis.frames
    if not has_section(analysis, "stripping") or "electrode_li_area_um2" not in f:
        return None
    new = f.loc[~f["is_duplicate"].astype(bool)]
    y = new["electrode_li_area_um2"].to_numpy(float)
    if not np.isfinite(y).any():
        return None
    fig = Figure(figsize=(8, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.plot(new["content_time_s"], y, color="tab:brown", label="electrode lithium area")
    _mark_events(ax, analysis.events, t_range)
    ax.set_xlim(*t_range)
    ax.set_xlabel("time (s, video clock)")
    ax.set_ylabel("electrode lithium area (µm²)")
    ax.legend(fontsize=7, loc="lower left")
    ax.set_title("Stripping: lithium left on the electrode")
    return fig


def _trace_figure(analysis, t_range):
    """Current and voltage on the video clock; None without a synchronised trace."""
    off = analysis.summary.get("sync_offset_s")
    d = analysis.trace
    if d is None or off is None or "time_s" not in d:
        return None
    t = d["time_s"].to_numpy(float) - off
    has_i = "current_A" in d and np.isfinite(d["current_A"].to_numpy(float)).any()
    has_u = "voltage_V" in d and np.isfinite(d["voltage_V"].to_numpy(float)).any()
    if not (has_i or has_u):
        return None
    fig = Figure(figsize=(8, 3.2), layout="constrained")
    ax = fig.subplots()
    ax2 = ax
    if has_i:
        ax.plot(t, d["current_A"] * 1e6, color="tab:blue", lw=1, label="current (µA)")
        ax.set_ylabel("current (µA)", color="tab:blue")
    if has_u:
        ax2 = ax.twinx() if has_i else ax
        ax2.plot(t, d["voltage_V"], color="tab:red", lw=1, label="voltage (V)")
        ax2.set_ylabel("voltage (V)", color="tab:red")
    _mark_events(ax, analysis.events, t_range)
    ax.set_xlim(*t_range)
    ax.set_xlabel("time (s, video clock)")
    handles, labels = ax.get_legend_handles_labels()
    if ax2 is not ax:
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, fontsize=7, loc="upper left")
    ax.set_title("Current and voltage (trace on the video clock)")
    return fig


def report_figures(analysis):
    """The figures of the report, those with something to show.

    Returns
    -------
    dict of str -> matplotlib.figure.Figure
        Keys among ``whiskers`` (length with fitted rates and kymographs),
        ``rates`` (growth rate and local current density against the step's
        potential or current), ``front`` (lateral front and crack),
        ``stripping`` (electrode lithium area), ``trace`` (current and
        voltage). Every time axis spans the video.
    """
    t_range = _time_range(analysis)
    figs = {"whiskers": _whisker_figure(analysis, t_range), "rates": _rate_figure(analysis),
            "front": _front_crack_figure(analysis, t_range),
            "stripping": _stripping_figure(analysis, t_range),
            "trace": _trace_figure(analysis, t_range)}
    return {k: v for k, v in figs.items() if v is not None}


def key_figure(analysis):
    """The one figure that tells most (for notebooks): whiskers, else front, stripping, trace."""
    figs = report_figures(analysis)
    for name in ("whiskers", "front", "stripping", "trace"):
        if name in figs:
            return figs[name]
    return None


def _fmt(v, spec=".4g"):
    return format(v, spec) if isinstance(v, (int, float)) and np.isfinite(v) else str(v)


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


def growth_mode_text(summary):
    """``whisker (from 3.20 s), lateral (from 8.00 s)`` or ``none``."""
    parts = []
    for g in summary.get("growth_mode_evidence") or []:
        if g.get("present"):
            t = g.get("first_time_s")
            parts.append(g["mode"] + (f" (from {t:.2f} s)" if _is_num(t) else ""))
    return ", ".join(parts) if parts else "none"


#: What the Faraday ratio means (report and docs).
FARADAY_TEXT = ("charge passed in the trace divided by the charge needed to plate the "
                "whisker volume seen in the video (Faraday's law, Li molar volume "
                "13.0 cm³/mol). 1 means every electron went into visible whiskers; above 1, "
                "part of the charge went elsewhere (lateral lithium of unknown thickness, "
                "lithium out of view or under the surface, side reactions).")


def facts_rows(summary):
    """(name, value) rows of the facts table; rows without a value are left out."""
    s = summary
    rows = [("failure mode", f"{s['failure_mode']} (confidence {s['failure_confidence']})"),
            ("growth modes", growth_mode_text(s))]
    if s.get("short_circuit"):
        t = s.get("short_circuit_time_s")
        rows.append(("short circuit", "yes" + (f", at {t:.2f} s" if _is_num(t) else "")))
    else:
        rows.append(("short circuit", "no"))
    if _is_num(s.get("max_growth_rate_um_s")):
        rows.append(("max growth rate", f"{s['max_growth_rate_um_s']:.3g} µm/s"))
    if _is_num(s.get("max_local_current_density_A_cm2")):
        rows.append(("max local current density",
                     f"{s['max_local_current_density_A_cm2']:.3g} A/cm²"))
    if _is_num(s.get("front_speed_um_s")) and "lateral" in (s.get("growth_modes") or []):
        rows.append(("lateral front speed", f"{s['front_speed_um_s']:.3g} µm/s"))
    if _is_num(s.get("crack_tip_speed_um_s")) and "crack" in (s.get("growth_modes") or []):
        rows.append(("crack-tip speed", f"{s['crack_tip_speed_um_s']:.3g} µm/s"))
    if _is_num(s.get("crack_initiation_voltage_V")):
        rows.append(("crack initiation potential", f"{s['crack_initiation_voltage_V']:.3f} V"))
    if _is_num(s.get("faraday_ratio")):
        rows.append(("Faraday ratio", f"{s['faraday_ratio']:.3g}"))
    if _is_num(s.get("pixel_size_um")):
        rows.append(("pixel size", f"{s['pixel_size_um']:.4g} µm ({s.get('pixel_size_source')})"))
    if s.get("sync_method"):
        conf = s.get("sync_confidence")
        rows.append(("sync", f"{s['sync_method']}, offset {s['sync_offset_s']:+.3f} s"
                     + (f" (confidence {conf:.2f})" if _is_num(conf) else "")))
    rows.append(("frames", f"{s['n_frames']} ({s['n_duplicate_frames']} repeated scans)"))
    rows.append(("video", s["inputs"]["video"]["path"]))
    if s["inputs"].get("trace"):
        rows.append(("trace", s["inputs"]["trace"]["path"]))
    rows.append(("semtrack", s["semtrack_version"]))
    return rows


def rate_rows(analysis):
    """(header, rows) of the rate table with the step's potential or current; rows may be []."""
    r = analysis.growth_rates
    axis = _step_axis(analysis)
    header = ["whisker", "step"]
    if axis is not None:
        header.append("potential (V)" if axis[0] == "control_V" else "current (µA)")
    header += ["from (s)", "to (s)", "scans", "rate (µm/s)", "j (A/cm²)"]
    rows = []
    for x in ([] if r is None else r.to_dict("records")):
        row = [x["whisker_id"], x["step"]]
        if axis is not None:
            v = x.get(axis[0])
            row.append(f"{v * axis[2]:.4g}" if _is_num(v) else "")
        std = x.get("rate_std_um_s")
        row += [f"{x['t_start_s']:.2f}", f"{x['t_end_s']:.2f}", x.get("n_scans", ""),
                f"{x['rate_um_s']:.3g}" + (f" ± {std:.2g}" if _is_num(std) else ""),
                f"{x['current_density_A_cm2']:.3g}"]
        rows.append(row)
    return header, rows


def _table(rows, header=None, cls=None):
    esc = html.escape
    out = [f'<table{f" class={cls!r}" if cls else ""}>']
    if header:
        out.append("<tr>" + "".join(f"<th>{esc(str(h))}</th>" for h in header) + "</tr>")
    for r in rows:
        out.append("<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in r) + "</tr>")
    return "".join(out) + "</table>"


def _events_table(analysis):
    ev = analysis.events
    if ev is None or ev.empty:
        return ""
    rows = []
    for e in ev.itertuples(index=False):
        rows.append([e.event.replace("_", " "), f"{e.time_s:.2f}", int(e.frame),
                     f"{e.voltage_V:.3f}" if _is_num(e.voltage_V) else "",
                     f"{e.current_A * 1e6:.3f}" if _is_num(e.current_A) else "", e.source])
    header = ["event", "time (s)", "frame", "voltage (V)", "current (µA)", "source"]
    keep = [i for i in range(len(header)) if any(r[i] != "" for r in rows)]
    return "<h2>Events (video clock)</h2>" + _table(
        [[r[i] for i in keep] for r in rows], [header[i] for i in keep])


def _key_frame_caption(analysis, k):
    ev = analysis.events
    names = []
    if ev is not None and len(ev):
        names = [f"{e.event.replace('_', ' ')} ({e.source})" for e in ev.itertuples(index=False)
                 if int(e.frame) == k]
    if not names:
        names = ["first frame" if k == 0 else "last frame" if k == len(analysis.frames) - 1
                 else "frame"]
    t = analysis.frames["time_s"].iloc[k]
    return f"{', '.join(names)}: frame {k}, t = {t:.2f} s"


def _img(fig, alt):
    return f'<img src="data:image/png;base64,{_png(fig)}" alt="{html.escape(alt)}">'


def build_report(analysis, key_frames_b64=None, *, overlay_file=None):
    """The HTML text of ``report.html``.

    Parameters
    ----------
    analysis : Analysis
    key_frames_b64 : dict, optional
        frame index -> base64 JPEG of the overlay at that frame.
    overlay_file : str, optional
        File name of the overlay video beside the report (embedded with a
        ``<video>`` element and linked); default ``overlay.mp4`` when key
        frames were given (they come from the overlay pass), else none.

    Returns
    -------
    str
    """
    s = analysis.summary
    esc = html.escape
    key_frames_b64 = key_frames_b64 or {}
    if overlay_file is None and key_frames_b64:
        overlay_file = OVERLAY_FILE
    figs = report_figures(analysis)
    parts = []
    sc = ("with short circuit" if s["short_circuit"] else "without short circuit")
    parts.append(f'<p class="mode">Failure mode: {esc(s["failure_mode"])} {sc}<br>'
                 f'Growth modes: {esc(growth_mode_text(s))}</p>')
    parts.append(_table(facts_rows(s), cls="facts"))
    if _is_num(s.get("faraday_ratio")):
        parts.append(f'<p class="note"><b>Faraday ratio</b> {s["faraday_ratio"]:.3g}: '
                     f"{esc(FARADAY_TEXT)}</p>")
    warn = "".join(f"<li>{esc(w)}</li>" for w in s.get("warnings", []))
    if warn:
        parts.append(f"<h2>Warnings</h2><ul>{warn}</ul>")
    evidence = [(e["rule"], e["text"], "yes" if e["passed"] else "no")
                for e in s["failure_evidence"]]
    evidence += [(f"growth: {g['mode']}", g["text"]
                  + (f"; first at {g['first_time_s']:.2f} s" if _is_num(g.get("first_time_s"))
                     else ""), "yes" if g["present"] else "no")
                 for g in s.get("growth_mode_evidence") or []]
    parts.append("<h2>Evidence</h2>" + _table(evidence, ["rule", "evidence", "found"]))
    if overlay_file:
        name = esc(overlay_file)
        parts.append(f'<h2>Overlay video</h2><video src="{name}" controls muted '
                     f'preload="metadata" width="640"></video>'
                     f'<p><a href="{name}">{name}</a> (tracked outlines on the video; '
                     "open it beside this page if the browser cannot play it)</p>")
    parts.append(_events_table(analysis))
    if "whiskers" in figs:
        parts.append("<h2>Whiskers</h2>" + _img(figs["whiskers"], "whisker length and "
                                                "kymographs"))
    header, rows = rate_rows(analysis)
    if rows:
        parts.append("<h2>Growth rates per whisker and step</h2>")
        if "rates" in figs:
            parts.append(_img(figs["rates"], "growth rate against the step's potential"))
        parts.append(_table(rows, header))
        parts.append('<p class="note">j is the local current density at the tip, '
                     "j = v F / V<sub>m</sub> (Faraday's law for a tip advancing at v).</p>")
    if "front" in figs:
        parts.append("<h2>Lateral front and crack</h2>" + _img(figs["front"], "front and crack"))
    if "stripping" in figs:
        parts.append("<h2>Stripping</h2>" + _img(figs["stripping"], "electrode lithium area"))
    if "trace" in figs:
        parts.append("<h2>Potentiostat</h2>" + _img(figs["trace"], "current and voltage"))
    if key_frames_b64:
        frames_html = "".join(
            f'<figure><img src="data:image/jpeg;base64,{b64}" alt="frame {k}">'
            f"<figcaption>{esc(_key_frame_caption(analysis, k))}</figcaption></figure>"
            for k, b64 in sorted(key_frames_b64.items()))
        parts.append(f"<h2>Key frames</h2>{frames_html}")
    body = "\n".join(p for p in parts if p)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>semtrack report: {esc(s['video_name'])}</title>
<style>
body {{ font-family: sans-serif; max-width: 64em; margin: 1em auto; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0; }}
td, th {{ border: 1px solid #ccc; padding: 2px 6px; font-size: 90%; text-align: left; }}
img, video {{ max-width: 100%; }}
figure {{ display: inline-block; width: 45%; margin: 0.5em; vertical-align: top; }}
.mode {{ font-size: 140%; font-weight: bold; }}
.note {{ font-size: 90%; color: #444; max-width: 50em; }}
</style></head><body>
<h1>semtrack report: {esc(s['video_name'])}</h1>
{body}
</body></html>
"""
