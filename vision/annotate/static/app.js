// semtrack annotate: the browser side. No libraries. All user text goes
// through text nodes and textContent, never parsed as markup, so notes
// cannot inject script.
"use strict";

const MODE_KEYS = { "1": "none", "2": "lateral_growth", "3": "fracture", "4": "contact_loss" };
const EVENT_KEYS = { g: "growth_onset", l: "lateral_onset", k: "crack_initiation",
                     x: "short_circuit", o: "contact_loss" };
const EVENT_COLORS = { growth_onset: "#2a9d8f", lateral_onset: "#e76f51", crack_initiation: "#8338ec",
                       short_circuit: "#d62828", contact_loss: "#6c757d" };

// Quantities the timeline can show (frames.csv columns), on a left and a right axis.
const SERIES = {
  current_A: { name: "current", unit: "A", color: "#1d5fd1" },
  voltage_V: { name: "voltage", unit: "V", color: "#e07a00" },
  max_whisker_length_um: { name: "whisker length", unit: "µm", color: "#2a9d8f" },
  front_distance_um: { name: "front distance", unit: "µm", color: "#8338ec" },
  crack_length_um: { name: "crack length", unit: "µm", color: "#b5179e" },
};

// Event times: the same number of decimals everywhere (the server says how many).
let TIME_DECIMALS = 3;
const ft = (v) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(TIME_DECIMALS) : fmt(v));

const S = {
  session: null, list: [], video: null, label: null, frame: 0, playing: false,
  playTimer: null, pending: null, noteTimer: null, source: "overlay",
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "style") Object.assign(node.style, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function fmt(v, digits = 3) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(digits);
  if (typeof v === "boolean") return v ? "yes" : "no";
  return String(v);
}

function status(text, kind = "ok") {
  const s = $("status");
  s.textContent = text;
  s.className = kind;
}

function user() {
  return $("user").value.trim() || (S.session && S.session.user) || "unknown";
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(method, url, body) {
  const opts = { method, headers: { "X-Semtrack-User": encodeURIComponent(user()) } };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(url, opts);
  let data = null;
  const text = await res.text();
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = { detail: text }; }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// ---------------------------------------------------------------- routing
async function route() {
  stopPlaying();
  const hash = location.hash || "#/";
  for (const id of ["list-view", "video-view", "report-view"]) $(id).hidden = true;
  const m = hash.match(/^#\/video\/(\d+)/);
  try {
    if (m) { $("video-view").hidden = false; await openVideo(Number(m[1])); }
    else if (hash.startsWith("#/report")) { $("report-view").hidden = false; await showReport(); }
    else { $("list-view").hidden = false; await showList(); }
  } catch (err) {
    status(err.message, "error");
  }
}

// ---------------------------------------------------------------- list
function fillSelect(select, values, keepFirst = true) {
  const first = keepFirst ? Array.from(select.options).filter((o) => o.value === "" || o.value === "unlabelled") : [];
  select.replaceChildren(...first);
  for (const v of values) select.appendChild(el("option", { value: v }, v));
  select.value = "";
}

async function showList() {
  const params = new URLSearchParams();
  for (const [id, key] of [["filter-state", "state"], ["filter-auto", "auto_mode"], ["filter-human", "human_mode"]]) {
    const v = $(id).value;
    if (v) params.set(key, v);
    localStorage.setItem("semtrack-" + id, v);
  }
  const q = params.toString();
  S.list = await api("GET", "/api/videos" + (q ? "?" + q : ""));
  const body = $("videos").tBodies[0];
  body.replaceChildren();
  for (const v of S.list) {
    const tr = el("tr", { class: "clickable", dataset: { id: v.id } },
      el("td", {}, el("a", { href: `#/video/${v.id}` }, v.name)),
      el("td", {}, v.auto_failure_mode),
      el("td", {}, fmt(v.auto_short_circuit)),
      el("td", {}, (v.auto_growth_modes || []).join(", ") || "none"),
      el("td", {}, v.human_failure_mode || "–"),
      el("td", {}, fmt(v.human_short_circuit)),
      el("td", {}, el("span", { class: "badge " + v.state }, v.state)),
      // an unreviewed video was only registered: no person changed it yet
      el("td", { class: "muted last-change" }, v.state !== "unreviewed" && v.updated_at ? `${v.updated_by} ${v.updated_at.slice(0, 19).replace("T", " ")}` : ""));
    tr.addEventListener("click", (e) => { if (e.target.tagName !== "A") location.hash = `#/video/${v.id}`; });
    body.appendChild(tr);
  }
  $("list-count").textContent = `${S.list.length} video(s)`;
  sessionStorage.setItem("semtrack-list", JSON.stringify(S.list.map((v) => v.id)));
}

// ---------------------------------------------------------------- video
async function openVideo(id) {
  const data = await api("GET", `/api/videos/${id}`);
  S.video = data;
  S.label = data.label;
  S.frame = 0;
  $("video-name").textContent = data.video.name;
  const link = $("report-link");
  link.hidden = !data.report_url;
  if (data.report_url) link.href = data.report_url;
  const n = data.frames.time_s.length;
  $("slider").max = String(Math.max(n - 1, 0));
  $("frame-count").textContent = String(n);
  const srcSel = $("source");
  srcSel.querySelector('option[value="original"]').disabled = !data.media.original;
  if (!data.media.original) S.source = "overlay";
  srcSel.value = S.source;
  fillPlotSelectors();
  renderAuto();
  renderLabel();
  await showFrame(0);
  loadHistory();
}

function renderAuto() {
  const a = S.video.auto;
  const dl = $("auto-info");
  dl.replaceChildren();
  const rows = [
    ["failure mode", a.failure_mode], ["short circuit", fmt(a.short_circuit)],
    ["growth modes", (a.growth_modes || []).join(", ") || "none"],
    ["growth onset (s)", ft(a.growth_onset_time_s)], ["lateral onset (s)", ft(a.lateral_onset_time_s)],
    ["crack initiation (s)", ft(a.crack_initiation_time_s)], ["short circuit (s)", ft(a.short_circuit_time_s)],
    ["contact loss (s)", ft(a.contact_loss_time_s)], ["max growth rate (µm/s)", fmt(a.max_growth_rate_um_s)],
    ["pixel size (µm)", `${fmt(a.pixel_size_um, 4)} (${fmt(a.pixel_size_source)})`],
    ["sync offset (s)", `${fmt(a.sync_offset_s)} (${fmt(a.sync_method)})`],
  ];
  for (const [k, v] of rows) {
    if (v === "–" || v === "– (–)") continue;  // nothing to show
    dl.appendChild(el("dt", {}, k)); dl.appendChild(el("dd", {}, v));
  }
  const ul = $("auto-evidence");
  ul.replaceChildren();
  for (const item of a.failure_evidence || []) {
    if (typeof item === "string") ul.appendChild(el("li", {}, item));
    else if (item && typeof item.text === "string") {
      const mark = item.passed === true ? "✓ " : item.passed === false ? "✗ " : "";
      ul.appendChild(el("li", { class: item.passed ? "passed" : null }, mark + (item.rule ? `${item.rule}: ` : "") + item.text));
    } else ul.appendChild(el("li", {}, JSON.stringify(item)));
  }
}

function renderLabel() {
  const L = S.label, auto = S.video.auto;
  const modes = $("mode-buttons");
  modes.replaceChildren();
  S.session.failure_modes.forEach((m, i) => {
    modes.appendChild(el("button", {
      type: "button", class: (L.failure_mode === m ? "selected " : "") + (auto.failure_mode === m ? "auto" : ""),
      dataset: { mode: m }, title: auto.failure_mode === m ? "automatic result" : null,
      "aria-pressed": L.failure_mode === m ? "true" : "false",
      onclick: () => setMode(m),
    }, `${i + 1} ${m}`));
  });
  // the box always shows the effective value: automatic until a person sets it
  $("short-circuit").checked = effectiveShortCircuit();
  $("short-circuit").indeterminate = false;
  $("sc-source").textContent = L.short_circuit === null ? "(automatic)" : "(set by a person)";
  const gm = $("growth-modes"), eff = effectiveGrowthModes();
  gm.replaceChildren();
  for (const m of S.session.growth_modes) {
    gm.appendChild(el("label", { class: (auto.growth_modes || []).includes(m) ? "auto" : null },
      el("input", { type: "checkbox", dataset: { growth: m }, checked: eff.includes(m),
        onchange: () => setGrowthModes() }), ` ${m}`));
  }
  $("growth-source").textContent = L.growth_modes === null || L.growth_modes === undefined ? "(automatic)" : "(set by a person)";
  $("state").value = L.state;
  $("label-state").textContent = L.state;
  $("label-state").className = "badge " + L.state;
  $("label-version").textContent = `v${L.version}`;
  if (document.activeElement !== $("note")) $("note").value = L.note;
  const body = $("events").tBodies[0];
  body.replaceChildren();
  for (const ev of L.events) {
    body.appendChild(el("tr", { dataset: { id: ev.id, event: ev.event } },
      el("td", { class: "ev-name" }, el("span", { class: "swatch", style: { color: EVENT_COLORS[ev.event] || "#000" } }, "■ "), ev.event.replace("_", " ")),
      el("td", { class: "num" }, ev.frame),
      el("td", { class: "num" }, ft(ev.time_s)),
      el("td", { class: "num" }, ft(ev.auto_time_s)),
      el("td", {}, ev.origin),
      el("td", {},
        el("button", { type: "button", class: "go", title: "show this frame", onclick: () => showFrame(ev.frame) }, "go"),
        el("button", { type: "button", class: "move", title: "move to the current frame", onclick: () => moveEvent(ev) }, "move"),
        el("button", { type: "button", class: "delete", title: "delete", "aria-label": "delete", onclick: () => deleteEvent(ev) }, "✕"))));
  }
  drawPlot();
}

async function loadHistory() {
  if (!S.video) return;
  let rows;
  try { rows = await api("GET", `/api/videos/${S.video.video.id}/history?limit=50`); } catch (err) { return; }
  const ol = $("history");
  ol.replaceChildren();
  for (const h of rows) {
    ol.appendChild(el("li", {}, `${h.at.slice(0, 19).replace("T", " ")} ${h.user}: ${h.action}` +
      (h.after ? ` → ${h.after.failure_mode || "–"}, v${h.after.version}` : "")));
  }
}

// ---------------------------------------------------------------- frames
function frameUrl(i) {
  return `/api/videos/${S.video.video.id}/frame/${i}?source=${S.source}`;
}

function showFrame(i) {
  if (!S.video) return Promise.resolve();
  const n = S.video.frames.time_s.length;
  if (n === 0) return Promise.resolve();
  i = Math.max(0, Math.min(n - 1, i));
  S.frame = i;
  $("slider").value = String(i);
  $("frame-index").textContent = String(i);
  const ti = S.video.frames.time_s[i];
  $("frame-time").textContent = ft(ti);
  $("frame-dup").textContent = S.video.frames.is_duplicate[i] ? "(repeat of the previous scan)" : "";
  drawPlot();
  const img = $("frame");
  return new Promise((resolve) => {
    img.onload = () => {
      img.dataset.index = String(i);
      resolve();
      if (!S.playing && i + 1 < n) new Image().src = frameUrl(i + 1);  // warm the cache
    };
    img.onerror = () => { status(`frame ${i} could not be loaded`, "error"); resolve(); };
    img.src = frameUrl(i);
  });
}

function nextScan(from, dir) {
  const dup = S.video.frames.is_duplicate, n = dup.length;
  let i = from + dir;
  if (dir > 0) { while (i < n && dup[i]) i++; return Math.min(i, n - 1); }
  // backwards: the first frame of the previous scan
  while (i > 0 && dup[i]) i--;
  return Math.max(i, 0);
}

function frameStep() {
  const t = S.video.frames.time_s.filter((v) => v !== null);
  if (t.length < 2) return 100;
  const d = [];
  for (let k = 1; k < t.length; k++) d.push(t[k] - t[k - 1]);
  d.sort((a, b) => a - b);
  return Math.max(20, 1000 * d[Math.floor(d.length / 2)]);
}

function stopPlaying() {
  S.playing = false;
  clearTimeout(S.playTimer);
  $("play").textContent = "▶";
}

async function playLoop() {
  if (!S.playing) return;
  const n = S.video.frames.time_s.length;
  if (S.frame >= n - 1) { stopPlaying(); return; }
  const started = performance.now();
  await showFrame(S.frame + 1);
  if (!S.playing) return;
  S.playTimer = setTimeout(playLoop, Math.max(0, frameStep() - (performance.now() - started)));
}

function togglePlay() {
  if (S.playing) { stopPlaying(); return; }
  if (S.frame >= S.video.frames.time_s.length - 1) S.frame = -1;
  S.playing = true;
  $("play").textContent = "❚❚";
  playLoop();
}

// ---------------------------------------------------------------- plot
function extent(values) {  // a loop, not Math.min(...values): long videos have many frames
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return [lo, hi];
}

// The traces and events are drawn once into an off-screen layer (again only
// when the video, the label or the size changes); a frame step only copies
// that layer and draws the cursor.
function drawPlot() {
  const canvas = $("plot");
  if (!S.video || canvas.offsetParent === null) return;
  const dpr = window.devicePixelRatio || 1;
  const W = canvas.clientWidth, H = canvas.clientHeight || 210;
  const key = [S.video.video.id, S.label ? S.label.version : 0, W, H, dpr,
               $("plot-left").value, $("plot-right").value].join("|");
  if (!S.plot || S.plot.key !== key) {
    const layer = document.createElement("canvas");
    layer.width = Math.round(W * dpr); layer.height = Math.round(H * dpr);
    const lg = layer.getContext("2d");
    lg.setTransform(dpr, 0, 0, dpr, 0, 0);
    S.plot = { key, layer, ...drawPlotLayer(lg, W, H) };
  }
  if (canvas.width !== S.plot.layer.width || canvas.height !== S.plot.layer.height) {
    canvas.width = S.plot.layer.width; canvas.height = S.plot.layer.height;
  }
  const g = canvas.getContext("2d");
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.drawImage(S.plot.layer, 0, 0);
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  const tc = S.video.frames.time_s[S.frame];  // cursor at the frame shown
  if (tc !== null && tc !== undefined) {
    const x = S.plot.X(tc);
    g.strokeStyle = "#d00"; g.lineWidth = 1.5;
    g.beginPath(); g.moveTo(x, S.plot.top); g.lineTo(x, S.plot.bottom); g.stroke();
  }
  canvas._toTime = S.plot.toTime;
}

function hasData(values) { return (values || []).some((v) => v !== null && v !== undefined); }

// The two axis selectors offer the quantities this video has; the choice is remembered.
function fillPlotSelectors() {
  const f = S.video.frames;
  const avail = Object.keys(SERIES).filter((k) => hasData(f[k]));
  const opts = (sel, withNone) => {
    sel.replaceChildren(...avail.map((k) => el("option", { value: k }, `${SERIES[k].name} (${SERIES[k].unit === "A" ? "µA" : SERIES[k].unit})`)));
    if (withNone || !avail.length) sel.appendChild(el("option", { value: "" }, "none"));
  };
  opts($("plot-left"), false); opts($("plot-right"), true);
  const trace = hasData(f.current_A) || hasData(f.voltage_V);
  const tracked = ["max_whisker_length_um", "front_distance_um", "crack_length_um"].filter((k) => avail.includes(k));
  const defLeft = trace ? (hasData(f.current_A) ? "current_A" : "voltage_V") : (tracked[0] || "");
  const defRight = trace && hasData(f.voltage_V) && defLeft !== "voltage_V" ? "voltage_V" : (tracked.find((k) => k !== defLeft) || "");
  for (const [id, def] of [["plot-left", defLeft], ["plot-right", defRight]]) {
    const saved = localStorage.getItem("semtrack-" + id);
    $(id).value = saved !== null && (saved === "" ? id === "plot-right" : avail.includes(saved)) ? saved : def;
  }
  S.plot = null;
}

// Round tick values: steps of 1, 2 or 5 times a power of ten.
function niceStep(span, n) {
  const raw = span / Math.max(n, 1);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const r = raw / mag;
  return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
}

function niceTicks(lo, hi, n) {
  if (!(hi > lo)) return { ticks: [lo], step: 1 };
  const step = niceStep(hi - lo, n);
  const ticks = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(k * step);
  return { ticks, step };
}

function tickText(v, step) {
  const d = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const t = v.toFixed(d);
  return /^-0(\.0+)?$/.test(t) ? t.slice(1) : t;
}

function drawPlotLayer(g, W, H) {
  const f = S.video.frames, t = f.time_s;
  const pad = { l: 62, r: 62, t: 34, b: 30 };
  const tv = t.filter((v) => v !== null);
  const [t0, t1] = tv.length ? extent(tv) : [0, 1];
  const span = t1 > t0 ? t1 - t0 : 1;
  const X = (v) => pad.l + ((v - t0) / span) * (W - pad.l - pad.r);
  const canvas = $("plot");
  g.font = "11px system-ui, sans-serif";
  g.strokeStyle = "#aab"; g.lineWidth = 1;
  g.strokeRect(pad.l, pad.t, W - pad.l - pad.r, H - pad.t - pad.b);
  g.fillStyle = "#333"; g.textAlign = "center";
  const xt = niceTicks(t0, t0 + span, Math.max(3, Math.floor((W - pad.l - pad.r) / 90)));
  const xLabels = [];
  for (const v of xt.ticks) {
    const label = tickText(v, xt.step);
    xLabels.push(label);
    g.fillText(label, X(v), H - pad.b + 14);
    g.strokeStyle = "#eef"; g.beginPath(); g.moveTo(X(v), pad.t); g.lineTo(X(v), H - pad.b); g.stroke();
  }
  canvas.dataset.ticksTime = JSON.stringify(xLabels);
  g.fillText("time (s, video clock)", (pad.l + W - pad.r) / 2, H - 3);

  function series(key, side) {
    const def = SERIES[key];
    canvas.dataset["ticks" + (side === "l" ? "Left" : "Right")] = "[]";
    if (!def) return false;
    const pts = [];
    (f[key] || []).forEach((v, i) => { if (v !== null && v !== undefined && t[i] !== null) pts.push([t[i], v]); });
    if (!pts.length) return false;
    let scale = 1, unit = def.unit;
    if (def.unit === "A") { scale = 1e6; unit = "µA"; }
    let [lo, hi] = extent(pts.map((p) => p[1] * scale));
    if (hi === lo) { hi += Math.abs(hi) * 0.05 + 1e-9; lo -= Math.abs(lo) * 0.05 + 1e-9; }
    const yt = niceTicks(lo, hi, 4);
    lo = Math.floor(lo / yt.step + 1e-9) * yt.step; hi = Math.ceil(hi / yt.step - 1e-9) * yt.step;
    const ticks = { ticks: [], step: yt.step };  // the axis ends on ticks of that step
    for (let k = Math.round(lo / yt.step); k <= Math.round(hi / yt.step); k++) ticks.ticks.push(k * yt.step);
    const Y = (v) => H - pad.b - ((v - lo) / (hi - lo)) * (H - pad.t - pad.b);
    g.strokeStyle = def.color; g.lineWidth = 1.5; g.beginPath();
    pts.forEach(([x, y], k) => (k ? g.lineTo(X(x), Y(y * scale)) : g.moveTo(X(x), Y(y * scale))));
    g.stroke();
    g.fillStyle = def.color; g.textAlign = side === "l" ? "right" : "left";
    const ax = side === "l" ? pad.l - 4 : W - pad.r + 4;
    const labels = [];
    for (const v of ticks.ticks) {
      const label = tickText(v, ticks.step);
      labels.push(label);
      g.fillText(label, ax, Y(v) + 4);
    }
    canvas.dataset["ticks" + (side === "l" ? "Left" : "Right")] = JSON.stringify(labels);
    g.save();
    g.translate(side === "l" ? 10 : W - 6, (pad.t + H - pad.b) / 2);
    g.rotate(-Math.PI / 2); g.textAlign = "center";
    g.fillText(`${def.name} (${unit})`, 0, 0);
    g.restore();
    return true;
  }
  const left = $("plot-left").value, right = $("plot-right").value;
  const hasL = series(left, "l");
  const hasR = right !== left && series(right, "r");
  canvas.dataset.series = [hasL ? left : "", hasR ? right : ""].join(",");
  if (!hasL && !hasR) {
    g.fillStyle = "#889"; g.textAlign = "center";
    g.fillText("no current, voltage or tracked length for this video", (pad.l + W - pad.r) / 2, H / 2);
  }
  // automatic events: dashed lines with names at the top
  g.setLineDash([4, 3]);
  // (an event before the first frame or after the last sits on the edge)
  const clampT = (v) => Math.min(t1, Math.max(t0, v));
  const rowsEnd = [-Infinity, -Infinity, -Infinity];  // labels in up to 3 rows, never overlapping
  S.video.auto.events.forEach((ev) => {
    const x = X(clampT(ev.time_s));
    g.strokeStyle = EVENT_COLORS[ev.event] || "#000";
    g.beginPath(); g.moveTo(x, pad.t); g.lineTo(x, H - pad.b); g.stroke();
    const text = `${ev.event} ${ft(ev.time_s)} s`, w = g.measureText(text).width;
    const right = x > W / 2, x0 = right ? x - 2 - w : x + 2;
    let row = rowsEnd.findIndex((end) => end < x0 - 4);
    if (row < 0) row = rowsEnd.indexOf(Math.min(...rowsEnd));
    rowsEnd[row] = x0 + w;
    g.fillStyle = g.strokeStyle; g.textAlign = "left";
    g.fillText(text, x0, pad.t - 4 - 9 * row);
  });
  g.setLineDash([]);
  // human events: triangles on the time axis
  for (const ev of (S.label ? S.label.events : [])) {
    if (ev.time_s === null) continue;
    const x = X(clampT(ev.time_s)), y = H - pad.b;
    g.fillStyle = EVENT_COLORS[ev.event] || "#000";
    g.beginPath(); g.moveTo(x, y - 9); g.lineTo(x - 5, y); g.lineTo(x + 5, y); g.closePath(); g.fill();
  }
  return { X, top: pad.t, bottom: H - pad.b,
           toTime: (px) => t0 + ((px - pad.l) / (W - pad.l - pad.r)) * span };
}

function plotClick(e) {
  const canvas = $("plot");
  if (!canvas._toTime || !S.video) return;
  const r = canvas.getBoundingClientRect();
  const tt = canvas._toTime(e.clientX - r.left);
  const t = S.video.frames.time_s;
  let best = 0;
  t.forEach((v, i) => { if (v !== null && Math.abs(v - tt) < Math.abs((t[best] ?? Infinity) - tt)) best = i; });
  showFrame(best);
}

// ---------------------------------------------------------------- edits
function describe(label) {
  const lines = [`failure mode: ${label.failure_mode || "–"}`,
    `short circuit: ${fmt(label.short_circuit)}`,
    `growth modes: ${label.growth_modes ? label.growth_modes.join(", ") || "none" : "–"}`, `state: ${label.state}`,
    `note: ${label.note || "–"}`, `changed by ${label.updated_by} at ${label.updated_at} (v${label.version})`,
    "events:"];
  for (const ev of label.events) lines.push(`  ${ev.event} at frame ${ev.frame} (${ft(ev.time_s)} s)`);
  return lines.join("\n");
}

// Every change goes through here: sent with the version we saw; on 409 the
// user sees both versions and chooses. Changes are sent one after another, so
// quick key presses never conflict with each other.
function save(change) {
  S.queue = (S.queue || Promise.resolve()).then(() => send(change));
  return S.queue;
}

async function send(change) {
  if (!S.video || !S.label) return;
  const vid = S.video.video.id;
  try {
    const label = await change.send(vid, S.label.version);
    if (!S.video || S.video.video.id !== vid) return;
    S.label = label;
    $("conflict").hidden = true;
    S.pending = null;
    status(`saved: ${change.what} (v${label.version})`);
    renderLabel();
    loadHistory();
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      S.label = err.body.current;
      S.pending = change;
      renderLabel();
      $("conflict-message").textContent = err.message + ". Your change was not saved.";
      $("conflict-theirs").textContent = describe(err.body.current);
      $("conflict-yours").textContent = change.what;
      $("conflict").hidden = false;
      status("conflict: this video was changed elsewhere", "error");
    } else {
      status(`not saved: ${err.message}`, "error");
    }
  }
}

function patchLabel(fields, what) {
  return save({ what, send: (vid, version) => api("PATCH", `/api/videos/${vid}/label`, { version, ...fields }) });
}

function setMode(mode) { patchLabel({ failure_mode: mode }, `failure mode → ${mode}`); }

function confirmAuto() {
  const a = S.video.auto;
  patchLabel({ failure_mode: a.failure_mode, short_circuit: Boolean(a.short_circuit), growth_modes: a.growth_modes || [] },
    `confirm automatic (${a.failure_mode}, short circuit ${fmt(Boolean(a.short_circuit))}, growth modes ${(a.growth_modes || []).join(", ") || "none"})`);
}

function effectiveShortCircuit() {
  return Boolean(S.label.short_circuit === null ? S.video.auto.short_circuit : S.label.short_circuit);
}

function effectiveGrowthModes() {
  const h = S.label.growth_modes;
  return h === null || h === undefined ? (S.video.auto.growth_modes || []) : h;
}

function setShortCircuit(value) { patchLabel({ short_circuit: value }, `short circuit → ${fmt(value)}`); }

function setGrowthModes() {
  const modes = Array.from(document.querySelectorAll("#growth-modes input:checked")).map((i) => i.dataset.growth);
  patchLabel({ growth_modes: modes }, `growth modes → ${modes.join(", ") || "none"}`);
}

function toggleHelp(show) {
  const box = $("help-overlay");
  box.hidden = show === undefined ? !box.hidden : !show;
  if (!box.hidden) $("help-close").focus();
}

function toggleSource() {
  if (!S.video.media.original) {
    status("V: the original video is not available (only a video inside the results folder can be shown); showing the overlay", "warn");
    return;
  }
  S.source = S.source === "overlay" ? "original" : "overlay";
  $("source").value = S.source;
  status(`showing the ${S.source} video`);
  showFrame(S.frame);
}

function saveNote() {
  clearTimeout(S.noteTimer);
  const note = $("note").value;
  if (!S.label || note === S.label.note) return;
  patchLabel({ note }, `note → “${note}”`);
}

function addEvent(event) {
  const frame = S.frame;
  save({ what: `add ${event} at frame ${frame}`,
    send: (vid, version) => api("POST", `/api/videos/${vid}/events`, { version, event, frame }) });
}

function moveEvent(ev) {
  const frame = S.frame;
  save({ what: `move ${ev.event} (frame ${ev.frame}) to frame ${frame}`,
    send: (vid, version) => api("PATCH", `/api/videos/${vid}/events/${ev.id}`, { version, frame }) });
}

function deleteEvent(ev) {
  save({ what: `delete ${ev.event} at frame ${ev.frame}`,
    send: (vid, version) => api("DELETE", `/api/videos/${vid}/events/${ev.id}?version=${version}`) });
}

function jumpEvent(dir) {
  const frames = [...new Set(S.label.events.map((e) => e.frame))].sort((a, b) => a - b);
  const target = dir > 0 ? frames.find((f) => f > S.frame) : frames.reverse().find((f) => f < S.frame);
  if (target !== undefined) showFrame(target);
}

function gotoVideo(dir) {
  let ids = [];
  try { ids = JSON.parse(sessionStorage.getItem("semtrack-list") || "[]"); } catch (e) { ids = []; }
  const k = ids.indexOf(S.video.video.id);
  if (k >= 0 && ids[k + dir] !== undefined) location.hash = `#/video/${ids[k + dir]}`;
}

// ---------------------------------------------------------------- keyboard
function onKey(e) {
  if (e.key === "Escape" && !$("help-overlay").hidden) { toggleHelp(false); e.preventDefault(); return; }
  const tag0 = (e.target.tagName || "").toLowerCase();
  if (e.key === "?" && tag0 !== "textarea" && !(tag0 === "input" && e.target.type === "text")) {
    toggleHelp(); e.preventDefault(); return;
  }
  if (!$("help-overlay").hidden) return;
  if ($("video-view").hidden || !S.video) return;
  const tag = (e.target.tagName || "").toLowerCase();
  if (tag === "textarea" || (tag === "input" && e.target.type !== "range" && e.target.type !== "checkbox") || tag === "select") return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const key = e.key;
  let handled = true;
  if (key === "ArrowRight") { stopPlaying(); showFrame(e.shiftKey ? nextScan(S.frame, 1) : S.frame + 1); }
  else if (key === "ArrowLeft") { stopPlaying(); showFrame(e.shiftKey ? nextScan(S.frame, -1) : S.frame - 1); }
  else if (key === " ") togglePlay();
  else if (key === "Home") showFrame(0);
  else if (key === "End") showFrame(S.video.frames.time_s.length - 1);
  else if (MODE_KEYS[key]) setMode(MODE_KEYS[key]);
  else if (EVENT_KEYS[key.toLowerCase()]) addEvent(EVENT_KEYS[key.toLowerCase()]);
  else if (key.toLowerCase() === "c") confirmAuto();
  else if (key.toLowerCase() === "s") setShortCircuit(!effectiveShortCircuit());  // the opposite of what the box shows
  else if (key.toLowerCase() === "f") patchLabel({ state: "flagged" }, "state → flagged");
  else if (key === "[") jumpEvent(-1);
  else if (key === "]") jumpEvent(1);
  else if (key.toLowerCase() === "v") toggleSource();
  else handled = false;
  if (handled) { e.preventDefault(); if (tag === "input") e.target.blur(); }
}

// ---------------------------------------------------------------- report
async function showReport() {
  const r = await api("GET", "/api/report");
  const pct = r.failure_mode_agreement === null ? "–" : (100 * r.failure_mode_agreement).toFixed(1) + " %";
  $("report-summary").textContent = `${r.n_videos} video(s), ${r.n_labelled} with a human failure mode. ` +
    `Agreement ${pct}, Cohen's kappa ${fmt(r.cohen_kappa)}.`;
  const table = $("confusion");
  table.replaceChildren();
  table.appendChild(el("tr", {}, el("th", {}, "automatic ↓ / human →"), ...r.failure_modes.map((m) => el("th", {}, m))));
  r.confusion.forEach((row, i) => {
    table.appendChild(el("tr", {}, el("th", {}, r.failure_modes[i]),
      ...row.map((n, j) => el("td", { class: "num" + (i === j ? " diag" : "") }, n))));
  });
  const sc = r.short_circuit;
  $("report-sc").textContent = `automatic/human: yes/yes ${sc.auto_true_human_true}, yes/no ${sc.auto_true_human_false}, ` +
    `no/yes ${sc.auto_false_human_true}, no/no ${sc.auto_false_human_false}`;
  const ga = $("growth-agreement");
  ga.replaceChildren(el("tr", {}, ...["growth mode", "auto yes / human yes", "auto yes / human no", "auto no / human yes", "auto no / human no"]
    .map((h) => el("th", {}, h))));
  for (const [name, g] of Object.entries(r.growth_modes || {})) {
    ga.appendChild(el("tr", { dataset: { growth: name } }, el("td", {}, name), ...[g.auto_true_human_true, g.auto_true_human_false,
      g.auto_false_human_true, g.auto_false_human_false].map((v) => el("td", { class: "num" }, fmt(v)))));
  }
  const ev = $("event-diffs");
  ev.replaceChildren(el("tr", {}, ...["event", "pairs", "mean", "median", "mean |Δ|", "max |Δ|", "auto only", "human only"]
    .map((h) => el("th", {}, h))));
  for (const [name, s] of Object.entries(r.events)) {
    ev.appendChild(el("tr", {}, el("td", {}, name), el("td", { class: "num" }, fmt(s.n_pairs)),
      ...[s.mean_diff_s, s.median_diff_s, s.mean_abs_diff_s, s.max_abs_diff_s].map((v) => el("td", { class: "num" }, ft(v))),
      ...[s.auto_only, s.human_only].map((v) => el("td", { class: "num" }, fmt(v)))));
  }
}

// ---------------------------------------------------------------- start
async function start() {
  S.session = await api("GET", "/api/session");
  if (Number.isInteger(S.session.time_decimals)) TIME_DECIMALS = S.session.time_decimals;
  $("results-dir").textContent = `${S.session.results_dir} · ${S.session.n_videos} video(s)`;
  $("user").value = localStorage.getItem("semtrack-user") || S.session.user;
  $("user").addEventListener("change", () => localStorage.setItem("semtrack-user", $("user").value.trim()));
  fillSelect($("filter-state"), S.session.states);
  fillSelect($("filter-auto"), S.session.failure_modes);
  fillSelect($("filter-human"), S.session.failure_modes);
  for (const id of ["filter-state", "filter-auto", "filter-human"]) {
    const saved = localStorage.getItem("semtrack-" + id);
    if (saved !== null) $(id).value = saved;
    $(id).addEventListener("change", () => showList().catch((e) => status(e.message, "error")));
  }
  $("state").replaceChildren(...S.session.states.map((s) => el("option", { value: s }, s)));
  $("state").addEventListener("change", () => patchLabel({ state: $("state").value }, `state → ${$("state").value}`));
  const evb = $("event-buttons");
  const keyOf = Object.fromEntries(Object.entries(EVENT_KEYS).map(([k, v]) => [v, k.toUpperCase()]));
  for (const name of S.session.event_names) {
    evb.appendChild(el("button", { type: "button", dataset: { event: name }, title: `add ${name} at the current frame (${keyOf[name]})`,
      onclick: () => addEvent(name) }, `+ ${name} (${keyOf[name]})`));
  }
  $("slider").addEventListener("input", () => { stopPlaying(); showFrame(Number($("slider").value)); });
  $("play").addEventListener("click", togglePlay);
  $("source").addEventListener("change", () => { S.source = $("source").value; showFrame(S.frame); });
  $("short-circuit").addEventListener("change", () => setShortCircuit($("short-circuit").checked));
  $("help-button").addEventListener("click", () => toggleHelp());
  $("help-close").addEventListener("click", () => toggleHelp(false));
  $("help-overlay").addEventListener("click", (e) => { if (e.target === $("help-overlay")) toggleHelp(false); });
  for (const id of ["plot-left", "plot-right"]) {
    $(id).addEventListener("change", () => { localStorage.setItem("semtrack-" + id, $(id).value); S.plot = null; drawPlot(); });
  }
  $("confirm").addEventListener("click", confirmAuto);
  $("note").addEventListener("input", () => { clearTimeout(S.noteTimer); S.noteTimer = setTimeout(saveNote, 800); });
  $("note").addEventListener("change", saveNote);
  $("plot").addEventListener("click", plotClick);
  $("prev-video").addEventListener("click", () => gotoVideo(-1));
  $("next-video").addEventListener("click", () => gotoVideo(1));
  $("conflict-apply").addEventListener("click", () => { if (S.pending) save(S.pending); });
  $("conflict-keep").addEventListener("click", () => { S.pending = null; $("conflict").hidden = true; status("kept the saved version"); });
  document.addEventListener("keydown", onKey);
  window.addEventListener("hashchange", route);
  window.addEventListener("resize", drawPlot);
  await route();
  document.body.dataset.ready = "1";
}

start().catch((err) => status(`cannot start: ${err.message}`, "error"));
