// The timeline: the window's events one a line, the cursor's highlighted.

import { el, clear } from "./dom.js";

// drawTimeline fills list with the events and returns the function that
// moves the cursor's highlight to an event (and scrolls it into view).
export function drawTimeline(list, events, onSelect) {
  clear(list);
  const items = new Map();
  for (const e of events) {
    const li = el("li", { class: "ev " + e.kind + (e.mark ? " " + e.mark : ""), "data-seq": e.seq, onclick: () => onSelect(e.seq) },
      el("span", { class: "seq" }, "#" + e.seq),
      el("span", { class: "time" }, e.at),
      el("span", { class: "ep" }, e.endpoint),
      el("span", { class: "text" }, e.text));
    items.set(e.seq, li);
    list.append(li);
  }
  let current = null;
  return (seq) => {
    if (current) current.classList.remove("cursor");
    current = items.get(seq) || null;
    if (current) {
      current.classList.add("cursor");
      current.setAttribute("aria-current", "step");
    }
    return current;
  };
}
