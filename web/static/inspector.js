// The inspector: the event under the cursor with its decoded fields (an
// SDP folded away), and every connection's state at that step.

import { el, clear } from "./dom.js";

export function drawInspector(box, step) {
  clear(box);
  const r = step.row;
  box.append(
    el("h2", {}, `#${r.seq} ${r.at} ${r.endpoint} ${r.kind} ${r.type}`),
    el("p", { class: "sentence" }, r.text),
    el("h3", {}, "fields"),
    value(step.fields, ""),
    el("h3", {}, "connections at this step"),
    states(step.states));
}

// value renders decoded fields: objects as definition lists, arrays as
// lists, an SDP (a text starting "v=0") folded in a <details>.
function value(v, key) {
  if (v === null || v === undefined) return el("span", { class: "none" }, "\u2014");
  if (Array.isArray(v)) {
    if (v.length === 0) return el("span", { class: "none" }, "[]");
    return el("ol", { class: "array" }, ...v.map((x) => el("li", {}, value(x, key))));
  }
  if (typeof v === "object") {
    const keys = Object.keys(v).sort();
    if (keys.length === 0) return el("span", { class: "none" }, "{}");
    return el("dl", { class: "fields" }, ...keys.flatMap((k) => [el("dt", {}, k), el("dd", {}, value(v[k], k))]));
  }
  const s = String(v);
  if (typeof v === "string" && (/sdp/i.test(key) || s.startsWith("v=0"))) {
    const lines = s.split(/\r?\n/).filter((l) => l !== "");
    return el("details", { class: "sdp" }, el("summary", {}, `SDP, ${lines.length} lines`), el("pre", {}, lines.join("\n")));
  }
  return el("span", { class: typeof v }, s);
}

const ORDER = ["state", "dir", "local", "remote", "conflict", "timer", "closed", "setup_error", "error"];

function states(conns) {
  if (conns.length === 0) return el("p", { class: "none" }, "no connection yet");
  return el("div", { class: "states" }, ...conns.map((c) => {
    const before = c.before || {};
    const rows = ORDER.map((k) => {
      const changed = c.created || before[k] !== c.after[k];
      return el("tr", { class: changed && (c.created ? "" : "changed") },
        el("th", {}, k.replace("_", " ")),
        el("td", { class: "before" }, c.created ? "" : before[k]),
        el("td", { class: "after" }, c.after[k]));
    });
    rows.push(props("local props", c.local_props), props("remote props", c.remote_props));
    if (c.deadline) rows.push(el("tr", {}, el("th", {}, "fires at"), el("td", {}), el("td", {}, c.deadline)));
    const title = `${c.endpoint} ${c.conn}` + (c.remote ? ` \u2194 ${c.remote}` : "");
    return el("table", { class: "conn" + (c.changed ? " changed" : "") },
      el("caption", {}, title, c.created ? " (created)" : c.changed ? " (changed)" : ""),
      el("thead", {}, el("tr", {}, el("th", {}), el("th", {}, "before"), el("th", {}, "after"))),
      el("tbody", {}, ...rows));
  }));
}

function props(name, p) {
  const text = Object.keys(p).sort().map((k) => `${k}=${p[k]}`).join(" ");
  return el("tr", {}, el("th", {}, name), el("td", {}), el("td", {}, text || "\u2014"));
}
