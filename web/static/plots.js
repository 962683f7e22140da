// The media plots: packets/s, loss, jitter and RTT of the call's media
// streams, one plot each on one shared time axis (seconds of the call),
// a series per device, media kind and direction, drawn with the vendored
// uPlot (vendor/uplot, README there) into <section id="plots"> from
// /api/plots.
//
// The call's signalling events (sends, receives, state changes, closes)
// are vertical markers across every plot and ticks on a lane above them:
// hovering shows the values at the cursor (each plot's legend) and the
// marker under it; clicking a marker moves the page's step cursor
// (ctx.goTo). The step under the cursor is a bold line over each plot,
// an element of its own: a step moves it, and no plot is drawn again.
//
// Hooks (app.js): initPlots(section, { api, goTo }) returns
// { call(info), step(seq, row) }.
//
// Text from the log reaches the page only as text: our elements through
// dom.js, the series names through uPlot, which sets them as textContent.

import uPlot from "./vendor/uplot/uPlot.esm.js";
import { el, svg, clear } from "./dom.js";

const METRICS = [
  { key: "pps", title: "packets/s", unit: "pkt/s", digits: 1 },
  { key: "loss", title: "loss", unit: "%", digits: 1 },
  { key: "jitter", title: "jitter", unit: "ms", digits: 2 },
  { key: "rtt", title: "RTT", unit: "ms", digits: 2 },
];

const MARKER_COLORS = { send: "#1f5fbf", recv: "#7a3fb3", state: "#1b7a3a", closed: "#1d1d1f" };
const CURSOR_COLOR = "#d08c00";
const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
const PLOT_HEIGHT = 170; // canvas: plotting area and axes
const HIT = 4; // px: how near the pointer must be to a marker

let cssLoaded = false;

// loadCSS adds uPlot's style sheet and the plots' own once (the page's
// Content-Security-Policy allows the server's own sheets).
function loadCSS() {
  if (cssLoaded) return;
  cssLoaded = true;
  for (const href of ["/static/vendor/uplot/uPlot.min.css", "/static/plots.css"]) {
    document.head.append(el("link", { rel: "stylesheet", href }));
  }
}

export function initPlots(section, ctx) {
  let view = null;
  let token = 0;
  const cursor = { seq: 0, t: null };
  const resize = new ResizeObserver(() => view && view.resize());
  resize.observe(section);
  return {
    call(info) {
      const mine = ++token;
      if (view) view.destroy();
      view = null;
      clear(section);
      delete section.dataset.ready;
      ctx.api.plots(info.log, info.id).then((data) => {
        if (mine !== token) return;
        view = drawPlots(section, data, ctx, cursor);
        section.dataset.ready = "true";
      }).catch((err) => {
        if (mine !== token) return;
        section.append(el("p", { class: "error" }, "media plots: " + String(err.message || err)));
        section.dataset.ready = "true";
      });
    },
    step(seq, row) {
      cursor.seq = seq;
      cursor.t = row && Number.isFinite(row.at_ns) ? row.at_ns / 1e9 : null;
      if (view) view.step();
    },
  };
}

// drawPlots builds the plots of one call; it returns { redraw, resize,
// destroy }, or null when the call recorded no media statistics (the
// section stays empty and hidden).
function drawPlots(section, data, ctx, cursor) {
  if (data.tracks.length === 0) return null;
  loadCSS();
  const colors = trackColors(data.tracks);
  section.append(el("h2", {}, "Media"), legendOfMarkers(data));
  const lane = el("div", { class: "marker-lane", role: "group", "aria-label": "signalling events" });
  lane.mark = () => {};
  const readout = el("p", { class: "readout", "aria-live": "polite" }, "\u00a0");
  section.append(lane, readout);

  // The whole call, and a little room on the right for its last events.
  const lo = Math.min(0, ...data.markers.map((m) => m.t)), hi = Math.max(data.end, lo + 0.001);
  const span = [lo, hi + (hi - lo) * 0.02];
  const plots = [];
  let syncing = false;
  const shared = {
    markers: data.markers,
    cursor,
    onScale(u) {
      if (syncing) return;
      syncing = true;
      const { min, max } = u.scales.x;
      for (const p of plots) if (p !== u) p.setScale("x", { min, max });
      syncing = false;
      drawLane(lane, plots[0], data.markers, ctx, cursor);
    },
    onHover(u) { showHover(readout, u, data.markers); },
  };
  for (const m of METRICS) {
    const tracks = data.tracks.filter((t) => t[m.key].some((v) => v !== null));
    if (tracks.length === 0) {
      section.append(el("p", { class: "plot-none", "data-metric": m.key }, `${m.title}: not recorded in this call`));
      continue;
    }
    const box = el("div", { class: "plot", "data-metric": m.key });
    section.append(box);
    plots.push(makePlot(box, m, tracks, colors, span, width(section), shared));
  }
  drawLane(lane, plots[0], data.markers, ctx, cursor);
  for (const p of plots) onClick(p.over, () => clickMarker(p, data.markers, ctx));
  return {
    step() {
      for (const p of plots) placeCursor(p, cursor);
      lane.mark(cursor.seq);
    },
    resize() {
      for (const p of plots) p.setSize({ width: width(section), height: PLOT_HEIGHT });
      drawLane(lane, plots[0], data.markers, ctx, cursor);
    },
    destroy() { for (const p of plots) p.destroy(); },
  };
}

function width(section) { return Math.max(280, section.clientWidth - 8); }

// trackColors gives each device and media kind a colour; its two
// directions share it, the received one dashed.
function trackColors(tracks) {
  const byKey = new Map();
  const colors = new Map();
  for (const t of tracks) {
    const k = t.endpoint + " " + t.kind;
    if (!byKey.has(k)) byKey.set(k, PALETTE[byKey.size % PALETTE.length]);
    colors.set(t, byKey.get(k));
  }
  return colors;
}

function legendOfMarkers(data) {
  const p = el("p", { class: "marker-legend" }, "markers: ");
  for (const [kind, color] of Object.entries(MARKER_COLORS)) {
    const swatch = el("span", { class: "swatch", "data-kind": kind }, "\u258e");
    swatch.style.color = color;
    p.append(swatch, kind, " ");
  }
  if (data.marker_every > 1) p.append(`(one signalling event in ${data.marker_every} shown)`);
  if (data.skipped > 0) p.append(el("span", { class: "error" }, ` ${data.skipped} stats notes unreadable: ${data.first_skip}`));
  return p;
}

// makePlot draws one metric: a series per track, on the x range of the
// whole call, the markers and the step cursor drawn over it.
function makePlot(box, metric, tracks, colors, span, w, shared) {
  const aligned = withSpan(uPlot.join(tracks.map((t) => [t.t, t[metric.key]])), span);
  const series = [{ label: "time", value: (u, v) => (v == null ? "--" : v.toFixed(3) + " s") }];
  tracks.forEach((t) => {
    series.push({
      label: t.name,
      stroke: colors.get(t),
      width: 1.5,
      dash: t.dir === "recv" ? [5, 3] : undefined,
      points: { show: true, size: 4 },
      value: (u, v) => (v == null ? "--" : v.toFixed(metric.digits) + " " + metric.unit),
    });
  });
  const opts = {
    title: `${metric.title} (${metric.unit})`,
    width: w,
    height: PLOT_HEIGHT,
    scales: { x: { time: false } },
    axes: [{ values: (u, vals) => vals.map((v) => v + " s") }, { size: 56 }],
    series,
    cursor: { sync: { key: "callrec-media" }, drag: { x: true, y: false }, dataIdx: nearValue },
    legend: { live: true },
    hooks: {
      draw: [(u) => { drawMarkers(u, shared.markers); placeCursor(u, shared.cursor); }],
      setScale: [(u, key) => key === "x" && shared.onScale(u)],
      setCursor: [(u) => shared.onHover(u)],
    },
  };
  const u = new uPlot(opts, aligned, box);
  placeCursor(u, shared.cursor);
  return u;
}

// placeCursor puts plot u's step cursor line at the cursor's time, as a
// 3 px line drawn on the canvas would be: centred on the device pixel
// the time falls on, the pixels at its edges half covered, cut at the
// plotting area's edges.
function placeCursor(u, cursor) {
  let line = u.over.querySelector(":scope > .step-cursor > div");
  if (!line) {
    line = el("div");
    line.style.backgroundColor = CURSOR_COLOR;
    line.style.borderColor = CURSOR_COLOR + "80"; // half covered
    // Under uPlot's own hover cursor, as the canvas was.
    u.over.prepend(el("div", { class: "step-cursor", "aria-hidden": "true" }, line));
  }
  const x = cursor.t === null ? NaN : (Math.round(u.valToPos(cursor.t, "x", true)) - u.bbox.left) / uPlot.pxRatio;
  if (!Number.isFinite(x)) {
    line.style.display = "none";
    return;
  }
  line.style.display = "";
  line.style.left = x - 2 + "px";
}

// nearValue picks the point a series' legend shows at the cursor: the
// nearest one that series has, as uPlot does, but none ("--") when that
// is more than NEAR seconds away: the streams of different devices report
// at different instants, and a stream that ended has no value later.
const NEAR = 1.5;

function nearValue(u, sidx, closest, x) {
  const xs = u.data[0], ys = u.data[sidx];
  for (let d = 0; d < xs.length; d++) {
    for (const i of [closest - d, closest + d]) {
      if (i < 0 || i >= xs.length || ys[i] == null) continue;
      return Math.abs(xs[i] - x) <= NEAR ? i : closest;
    }
    if (closest - d < 0 && closest + d >= xs.length) break;
  }
  return closest;
}

// withSpan adds the call's first and last instants to the x values (with
// no value in any series), so that every plot spans the whole call, its
// signalling included, and a double click's reset of a zoom returns there.
function withSpan(aligned, [lo, hi]) {
  const xs = aligned[0];
  if (xs.length === 0 || xs[0] > lo) {
    xs.unshift(lo);
    for (let i = 1; i < aligned.length; i++) aligned[i].unshift(undefined);
  }
  if (xs[xs.length - 1] < hi) {
    xs.push(hi);
    for (let i = 1; i < aligned.length; i++) aligned[i].push(undefined);
  }
  return aligned;
}

// drawMarkers draws a vertical line per signalling event.
function drawMarkers(u, markers) {
  const c = u.ctx;
  const { top, height } = u.bbox;
  c.save();
  c.beginPath();
  c.rect(u.bbox.left, top, u.bbox.width, height);
  c.clip();
  c.globalAlpha = 0.45;
  c.lineWidth = uPlot.pxRatio;
  for (const m of markers) {
    const x = Math.round(u.valToPos(m.t, "x", true)) + 0.5;
    c.strokeStyle = MARKER_COLORS[m.kind] || "#888";
    c.beginPath();
    c.moveTo(x, top);
    c.lineTo(x, top + height);
    c.stroke();
  }
  c.restore();
}

// drawLane puts a tick per marker above the plots, aligned with their
// plotting area: a button-like SVG rect with its label as a tooltip.
function drawLane(lane, u, markers, ctx, cursor) {
  clear(lane);
  lane.mark = () => {};
  if (!u) return;
  const ticks = new Map();
  const left = u.bbox.left / uPlot.pxRatio;
  const w = u.bbox.width / uPlot.pxRatio;
  const s = svg("svg", { width: w, height: 16, viewBox: `0 0 ${w} 16` });
  s.style.marginLeft = left + "px";
  for (const m of markers) {
    const x = u.valToPos(m.t, "x");
    if (x < -1 || x > w + 1) continue;
    const r = svg("rect", { class: "marker " + m.kind, x: x - 1.5, y: 1, width: 3, height: 14, "data-seq": m.seq,
      tabindex: 0, role: "button", "aria-label": `#${m.seq} ${m.endpoint} ${m.label}`,
      onclick: () => ctx.goTo(m.seq),
      onkeydown: (ev) => { if (ev.key === "Enter") ctx.goTo(m.seq); } },
      svg("title", {}, `#${m.seq} ${m.t.toFixed(3)} s ${m.endpoint}: ${m.label}`));
    r.style.fill = MARKER_COLORS[m.kind] || "#888";
    s.append(r);
    ticks.set(m.seq, r);
  }
  lane.append(s);
  // lane.mark shows which tick is the step under the cursor, changing
  // only the tick that was and the one that is.
  let current = null;
  lane.mark = (seq) => {
    const r = ticks.get(seq) || null;
    if (r === current) return;
    current?.classList.remove("current");
    r?.classList.add("current");
    current = r;
  };
  lane.mark(cursor.seq);
}

// nearestMarker is the marker within HIT px of the pointer on plot u.
function nearestMarker(u, markers) {
  const left = u.cursor.left;
  if (left == null || left < 0) return null;
  let best = null, bestD = HIT + 1;
  for (const m of markers) {
    const d = Math.abs(u.valToPos(m.t, "x") - left);
    if (d < bestD) { best = m; bestD = d; }
  }
  return best;
}

function clickMarker(u, markers, ctx) {
  const m = nearestMarker(u, markers);
  if (m) ctx.goTo(m.seq);
}

// onClick calls fn on a click that was not the end of a drag (a drag
// zooms).
function onClick(node, fn) {
  let downX = null;
  node.addEventListener("mousedown", (ev) => { downX = ev.clientX; });
  node.addEventListener("click", (ev) => {
    if (downX === null || Math.abs(ev.clientX - downX) < 3) fn();
    downX = null;
  });
}

// showHover says which marker is under the pointer, if any.
function showHover(readout, u, markers) {
  const m = nearestMarker(u, markers);
  readout.textContent = m ? `#${m.seq} at ${m.t.toFixed(3)} s, ${m.endpoint}: ${m.label} (click to step there)` : "\u00a0";
  readout.classList.toggle("on-marker", !!m);
  u.over.style.cursor = m ? "pointer" : "";
}
