// The ladder: one lifeline per device, one row per event of the window,
// every message an arrow from its send's row to its receive's row (the
// server pairs them across devices). Built from SVG elements, text as text
// nodes.

import { svg, clear } from "./dom.js";

const ROW = 22;     // height of an event's row
const COL = 150;    // distance between lifelines
const LEFT = 74;    // the time column
const TOP = 34;     // the devices' names

// drawLadder draws the window into box and returns the function that moves
// the cursor's highlight to an event. onSelect(seq) is called when an
// event's row or a message is clicked.
export function drawLadder(box, { columns, events, arrows }, onSelect) {
  clear(box);
  const col = new Map(columns.map((c, i) => [c.name, i]));
  const row = new Map(events.map((e, i) => [e.seq, i]));
  const width = LEFT + Math.max(columns.length, 1) * COL;
  const height = TOP + events.length * ROW + 8;
  const x = (name) => LEFT + COL / 2 + col.get(name) * COL;
  const y = (seq) => TOP + row.get(seq) * ROW + ROW / 2;
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "message ladder" });
  root.append(defs());

  const cursor = svg("rect", { class: "cursor", x: 0, y: -ROW, width, height: ROW });
  root.append(cursor);
  columns.forEach((c, i) => {
    const cx = LEFT + COL / 2 + i * COL;
    root.append(svg("text", { class: "device", x: cx, y: 18, "text-anchor": "middle" }, c.name),
      svg("line", { class: c.recorded ? "lifeline" : "lifeline absent", x1: cx, x2: cx, y1: TOP - 8, y2: height }));
  });
  events.forEach((e, i) => root.append(eventRow(e, TOP + i * ROW, width, col.has(e.endpoint) ? x(e.endpoint) : null, onSelect)));
  const bottom = height - 4;
  for (const a of arrows) {
    const g = message(a, { x, y, row, col, bottom, top: TOP - 4 });
    if (g) {
      g.addEventListener("click", (ev) => { ev.stopPropagation(); onSelect(a.sent || a.received); });
      root.append(g);
    }
  }
  box.append(root);
  return (seq) => {
    if (!row.has(seq)) return null;
    cursor.setAttribute("y", TOP + row.get(seq) * ROW);
    return TOP + row.get(seq) * ROW;
  };
}

function defs() {
  return svg("defs", {},
    svg("marker", { id: "head", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: "auto-start-reverse" },
      svg("path", { d: "M0,0 L10,5 L0,10 z", class: "head" })));
}

// eventRow is an event's band: its time, a dot on its device's lifeline
// and what the ladder marks there (ignored, closed, a new state).
function eventRow(e, top, width, cx, onSelect) {
  const mid = top + ROW / 2;
  const g = svg("g", { class: "row" + (e.mark ? " " + e.mark : ""), "data-seq": e.seq, onclick: () => onSelect(e.seq) },
    svg("rect", { class: "band", x: 0, y: top, width, height: ROW }),
    svg("text", { class: "time", x: 4, y: mid + 4 }, e.at));
  if (cx === null) return g;
  g.append(svg("circle", { class: "dot " + e.kind, cx, cy: mid, r: 3 }));
  switch (e.mark) {
    case "ignored":
      g.append(svg("text", { class: "mark ignored", x: cx + 6, y: mid + 4 }, "\u2298 ignored"));
      break;
    case "closed":
      g.append(svg("line", { class: "mark closed", x1: cx - 14, x2: cx + 14, y1: mid, y2: mid }),
        svg("text", { class: "mark closed", x: cx + 18, y: mid + 4 }, "closed"));
      break;
    case "state":
      g.append(svg("text", { class: "mark state", x: cx + 6, y: mid + 4 }, e.state));
      break;
    case "error":
      g.append(svg("text", { class: "mark error", x: cx + 6, y: mid + 4 }, "not decoded"));
      break;
  }
  return g;
}

// message is one arrow. An end outside the window is drawn at the
// window's edge; a message nobody in the log received ends in a cross
// (lost) or a question mark (its receiver is not recorded).
function message(a, { x, y, row, col, bottom, top }) {
  if (!col.has(a.from)) return null;
  const x1 = x(a.from);
  const y1 = row.has(a.sent) ? y(a.sent) : a.sent ? top : y(a.received);
  const x2 = a.to && col.has(a.to) ? x(a.to) : x1 + (x1 > 200 ? -60 : 60);
  const y2 = row.has(a.received) ? y(a.received) : a.received ? bottom : y1;
  const cls = ["msg", a.direct ? "direct" : "backend", a.status.replaceAll(" ", "-")];
  const g = svg("g", { class: cls.join(" "), "data-sent": a.sent, "data-received": a.received });
  const line = svg("line", { x1, y1, x2, y2, "marker-end": a.received ? "url(#head)" : null });
  const hit = svg("line", { class: "hit", x1, y1, x2, y2 });
  const lx = (x1 + x2) / 2, ly = Math.min(y1, y2) + (Math.abs(y2 - y1) / 2) - 4;
  g.append(hit, line, svg("text", { class: "label", x: lx, y: ly, "text-anchor": "middle" }, a.label));
  if (!a.received) {
    g.append(svg("text", { class: "end", x: x2 + (x2 > x1 ? 4 : -12), y: y2 + 4 }, a.status === "lost" ? "\u00d7" : "?"));
  }
  if (!a.sent) {
    g.append(svg("text", { class: "end", x: x1 + (x2 > x1 ? -12 : 4), y: y1 + 4 }, a.status === "unmatched" ? "!" : "?"));
  }
  return g;
}
