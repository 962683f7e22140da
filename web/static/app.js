// The page: the call list, then the selected call's ladder, timeline,
// inspector and verify result, all following one step cursor. The URL
// holds the log, the call and the step (?log=0&call=ID&step=N), so a link
// opens the same view.

import { api } from "./api.js";
import { el, clear } from "./dom.js";
import { drawLadder } from "./ladder.js";
import { drawTimeline } from "./timeline.js";
import { drawInspector } from "./inspector.js";
import { drawVerify } from "./verify.js";
import { initPlots } from "./plots.js";

const WINDOW = 200; // events fetched around the cursor
const MARGIN = 20;  // the window is moved when the cursor comes this close to its edge
const ROW = 22;     // the height of an event's row, in the ladder and the timeline (style.css)
const AHEAD = 10;   // a window is fetched ahead when a step or key presses this many would move to it
const LEAD = 4;     // steps asked for ahead in the direction the cursor steps (one the other way)
const KEPT = 256;   // step answers kept (a call's log does not change)

const $ = (id) => document.getElementById(id);

const state = {
  calls: [],
  call: null,    // /api/call's answer
  seq: 0,        // the step cursor: an event's sequence number
  win: null,     // { from, end, events, arrows, columns }
  ladderAt: null,
  timelineAt: null,
  stepToken: 0,
  dir: 1,             // the cursor's last move: 1 down (j), -1 up (k)
  steps: new Map(),   // seq -> promise of /api/step's answer, of the current call
  windows: new Map(), // from -> promise of /api/events' answer, of the current call
};

const plots = initPlots($("plots"), { api, goTo: (seq) => goTo(seq) });

function showError(err) {
  $("error").textContent = err ? String(err.message || err) : "";
}

// --- the call list ----------------------------------------------------------

async function loadCalls(filter) {
  const ans = await api.calls(filter);
  state.calls = ans.calls;
  drawCalls();
  return ans;
}

function drawCalls() {
  const list = clear($("call-list"));
  if (state.calls.length === 0) {
    list.append(el("li", { class: "none" }, "no call matches"));
  }
  for (const c of state.calls) {
    const current = state.call && state.call.log === c.log && state.call.id === c.id;
    list.append(el("li", { class: current ? "current" : "", "aria-current": current ? "true" : null },
      el("button", { type: "button", onclick: () => openCall(c.log, c.id, 1, true).catch(showError) },
        el("span", { class: "id" }, c.name),
        el("span", { class: "meta" }, `${c.log_name} \u00b7 ${c.start} \u00b7 ${c.duration} \u00b7 ${c.events} events`),
        el("span", { class: "endpoints" }, c.endpoints.join(" ")),
        el("span", { class: "outcome" + (c.damaged ? " error" : "") }, c.outcome))));
  }
}

$("filter-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  $("filter-error").textContent = "";
  loadCalls($("filter").value).catch((err) => { $("filter-error").textContent = err.message; });
});

// --- one call ---------------------------------------------------------------

async function openCall(log, id, seq, push) {
  const call = await api.call(log, id);
  state.call = call;
  state.win = null;
  state.steps = new Map();
  state.windows = new Map();
  state.seq = 0;
  document.title = `${call.name} \u2014 callrec`;
  $("title").textContent = `${call.name} (${call.log_name})`;
  drawCalls();
  drawExports(call);
  clear($("verify"));
  clear($("verify-badge"));
  plots.call(call);
  api.verify(log, id).then((v) => {
    if (state.call === call) drawVerify($("verify"), $("verify-badge"), v, goTo);
  }).catch(showError);
  if (call.events === 0) {
    clear($("ladder")); clear($("timeline")); clear($("inspector"));
    $("position").textContent = "no events";
    return;
  }
  await goTo(Math.min(Math.max(seq, 1), call.events), push);
}

function drawExports(call) {
  const nav = clear($("exports"));
  for (const [format, name] of [["jsonl", "JSONL"], ["mermaid", "Mermaid"], ["chrome-trace", "Chrome trace"]]) {
    nav.append(el("a", { href: api.exportURL(call.log, call.id, format), download: "" , class: "export", "data-format": format }, name));
  }
}

// inWindow reports whether the window w shows seq far enough from its
// edges (or at the call's own) to stay.
function inWindow(w, seq, n) {
  return w && seq >= w.from && seq < w.end &&
    (seq - w.from >= MARGIN || w.from === 1) && (w.end - seq > MARGIN || w.end > n);
}

// ensureWindow makes sure the events around seq are loaded and drawn.
// A new window is drawn once the step's answer (stepAns) has come too,
// so that the page lays out and paints the window and the inspector
// once, together, not the window with the last step's inspector first.
async function ensureWindow(seq, stepAns) {
  if (inWindow(state.win, seq, state.call.events)) return;
  const call = state.call;
  const [ans] = await Promise.all([fetchWindow(windowFrom(seq)), stepAns]);
  if (state.call !== call) return;
  const columns = [...call.columns];
  for (const c of ans.columns) {
    if (!columns.some((k) => k.name === c.name)) columns.push(c);
  }
  state.win = { from: ans.from, end: ans.from + ans.events.length, events: ans.events, arrows: ans.arrows, columns };
  state.ladderAt = drawLadder($("ladder"), state.win, goTo);
  state.timelineAt = drawTimeline($("timeline"), ans.events, goTo);
}

// windowFrom is the first event of the window drawn around seq.
function windowFrom(seq) {
  return Math.max(1, Math.min(seq - WINDOW / 2, state.call.events - WINDOW + 1));
}

// fetchWindow asks for the window from event from, once: a window asked
// ahead is waiting when the cursor gets there. priority: see api.js.
function fetchWindow(from, priority) {
  return remember(state.windows, from, 4, () => api.events(state.call.log, state.call.id, from, WINDOW, priority));
}

// fetchStep asks for the step at seq, once.
function fetchStep(seq) {
  return remember(state.steps, seq, KEPT, () => api.step(state.call.log, state.call.id, seq));
}

// fetchSteps asks for the steps from to to (at most MaxSteps, step.go) in
// one request, at low priority (see api.js), and keeps each.
function fetchSteps(from, to) {
  const all = api.steps(state.call.log, state.call.id, from, to - from + 1, "low");
  for (let s = from; s <= to; s++) {
    if (!state.steps.has(s)) remember(state.steps, s, KEPT, () => all.then((a) => a.steps[s - from] ?? Promise.reject(new Error(`no step ${s} in the answer`))));
  }
}

// remember keeps the promise of an answer under key in cache, at most
// size of them (the oldest asked go first); a failed request is
// forgotten, so that the next asks again.
function remember(cache, key, size, ask) {
  let p = cache.get(key);
  if (p) {
    cache.delete(key); // to the end: the most recently used
  } else {
    p = ask();
    p.catch(() => { if (cache.get(key) === p) cache.delete(key); });
  }
  cache.set(key, p);
  while (cache.size > size) cache.delete(cache.keys().next().value);
  return p;
}

// askAhead asks for what the next steps need, while the page shows this
// one: lead steps on in the direction the cursor last moved and one
// back, those not asked for yet in one request, and the window the
// cursor is about to reach. Pressing j (or k) again then finds its
// answer arrived, and a key held down stays ahead of the requests: each
// step asks for one more. After a jump or a click (lead 1) it asks for
// the two neighbours only: a click elsewhere soon after waits for at
// most those (the server replays one step at a time). Errors are left
// to the step that uses the answer.
function askAhead(seq, lead) {
  const n = state.call.events, w = state.win, d = state.dir;
  const lo = Math.max(1, d > 0 ? seq - 1 : seq - lead), hi = Math.min(n, d > 0 ? seq + lead : seq + 1);
  let from = 0, to = 0;
  for (let s = lo; s <= hi; s++) {
    if (state.steps.has(s)) continue;
    from ||= s;
    to = s;
  }
  if (from) fetchSteps(from, to);
  // The first steps down and up that leave the window (ensureWindow's
  // rule), when they are at most AHEAD away: the window drawn there.
  const down = w.end - MARGIN, up = w.from + MARGIN - 1;
  if (w.end <= n && down > seq && down - seq <= AHEAD) fetchWindow(windowFrom(down), "low").catch(() => {});
  if (w.from > 1 && up < seq && seq - up <= AHEAD) fetchWindow(windowFrom(up), "low").catch(() => {});
}

// goTo moves the step cursor: the window, the highlights, the URL, the
// inspector and the plots follow.
async function goTo(seq, push) {
  const call = state.call;
  if (!call || call.events === 0) return;
  seq = Math.min(Math.max(seq, 1), call.events);
  const token = ++state.stepToken;
  const stepping = Math.abs(seq - state.seq) === 1;
  if (seq !== state.seq) state.dir = seq > state.seq ? 1 : -1;
  state.seq = seq;
  $("position").textContent = `${seq} / ${call.events}`;
  // The step's answer and the window's are asked for together.
  const stepAns = fetchStep(seq);
  await ensureWindow(seq, stepAns);
  if (token !== state.stepToken) return;
  // Read the panes' geometry before changing anything: a read after a
  // change would lay the whole window out again, synchronously.
  const lp = $("ladder-pane"), tp = $("timeline-pane");
  const geo = [lp.scrollTop, lp.clientHeight, tp.scrollTop, tp.clientHeight];
  const y = state.ladderAt(seq);
  const i = state.timelineAt(seq);
  if (y !== null) scrollInto(lp, geo[0], geo[1], y, ROW);
  if (i !== null) scrollInto(tp, geo[2], geo[3], i * ROW, ROW);
  const url = new URL(location.href);
  url.search = new URLSearchParams({ log: call.log, call: call.id, step: seq }).toString();
  (push ? history.pushState : history.replaceState).call(history, null, "", url);
  const step = await stepAns;
  if (token !== state.stepToken) return;
  drawInspector($("inspector"), step);
  plots.step(seq, step.row);
  document.body.dataset.step = String(seq);
  askAhead(seq, stepping ? LEAD : 1);
}

// scrollInto scrolls a pane, scrolled to top and height tall, so that the
// band at y (h high) shows.
function scrollInto(pane, top, height, y, h) {
  if (y < top + h || y + 2 * h > top + height) {
    pane.scrollTop = Math.max(0, y - height / 3);
  }
}

// --- keys and buttons -------------------------------------------------------

function move(how) {
  if (!state.call) return;
  const to = { first: 1, prev: state.seq - 1, next: state.seq + 1, last: state.call.events }[how];
  goTo(to).catch(showError);
}

for (const id of ["first", "prev", "next", "last"]) {
  $(id).addEventListener("click", () => move(id));
}

document.addEventListener("keydown", (ev) => {
  if (ev.target instanceof HTMLInputElement || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const how = { j: "next", k: "prev", g: "first", G: "last" }[ev.key];
  if (how) {
    ev.preventDefault();
    move(how);
  }
});

window.addEventListener("popstate", () => start().catch(showError));

// --- start ------------------------------------------------------------------

// start opens what the URL names, else the most recent call of the first
// log (the last it recorded).
async function start() {
  const q = new URLSearchParams(location.search);
  if (state.calls.length === 0) await loadCalls("");
  let log = Number(q.get("log") ?? NaN), id = q.get("call");
  if (id === null || Number.isNaN(log)) {
    const first = state.calls.filter((c) => c.log === state.calls[0]?.log);
    if (first.length === 0) {
      $("position").textContent = "no calls";
      return;
    }
    ({ log, id } = first[first.length - 1]);
  }
  const step = Number(q.get("step") || 1);
  await openCall(log, id, Number.isFinite(step) ? step : 1, false);
  document.body.dataset.ready = "true";
  window.callrecFirstRender = performance.now();
}

// callrecGoTo is for tests and the console: move the cursor and resolve
// once everything shows it.
window.callrecGoTo = (seq) => goTo(seq);

start().catch(showError);
