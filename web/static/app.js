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

const $ = (id) => document.getElementById(id);

const state = {
  calls: [],
  call: null,    // /api/call's answer
  seq: 0,        // the step cursor: an event's sequence number
  win: null,     // { from, end, events, arrows, columns }
  ladderAt: null,
  timelineAt: null,
  stepToken: 0,
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

// window makes sure the events around seq are loaded and drawn.
async function ensureWindow(seq) {
  const w = state.win;
  const n = state.call.events;
  if (w && seq >= w.from && seq < w.end &&
      (seq - w.from >= MARGIN || w.from === 1) && (w.end - seq > MARGIN || w.end > n)) {
    return;
  }
  const from = Math.max(1, Math.min(seq - WINDOW / 2, n - WINDOW + 1));
  const call = state.call;
  const ans = await api.events(call.log, call.id, from, WINDOW);
  if (state.call !== call) return;
  const columns = [...call.columns];
  for (const c of ans.columns) {
    if (!columns.some((k) => k.name === c.name)) columns.push(c);
  }
  state.win = { from: ans.from, end: ans.from + ans.events.length, events: ans.events, arrows: ans.arrows, columns };
  state.ladderAt = drawLadder($("ladder"), state.win, goTo);
  state.timelineAt = drawTimeline($("timeline"), ans.events, goTo);
}

// goTo moves the step cursor: the window, the highlights, the URL, the
// inspector and the plots follow.
async function goTo(seq, push) {
  const call = state.call;
  if (!call || call.events === 0) return;
  seq = Math.min(Math.max(seq, 1), call.events);
  const token = ++state.stepToken;
  state.seq = seq;
  $("position").textContent = `${seq} / ${call.events}`;
  await ensureWindow(seq);
  if (token !== state.stepToken) return;
  const y = state.ladderAt(seq);
  if (y !== null) scrollInto($("ladder-pane"), y, 22);
  const li = state.timelineAt(seq);
  if (li) scrollInto($("timeline-pane"), li.offsetTop, li.offsetHeight);
  const url = new URL(location.href);
  url.search = new URLSearchParams({ log: call.log, call: call.id, step: seq }).toString();
  (push ? history.pushState : history.replaceState).call(history, null, "", url);
  const step = await api.step(call.log, call.id, seq);
  if (token !== state.stepToken) return;
  drawInspector($("inspector"), step);
  plots.step(seq, step.row);
  document.body.dataset.step = String(seq);
}

// scrollInto scrolls a pane so that the band at y (height h) shows.
function scrollInto(pane, y, h) {
  if (y < pane.scrollTop + h || y + 2 * h > pane.scrollTop + pane.clientHeight) {
    pane.scrollTop = Math.max(0, y - pane.clientHeight / 3);
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
