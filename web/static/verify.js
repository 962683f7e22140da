// The verify result: the call replayed by the current code and compared
// with its record, ok or the first diverging step side by side.

import { el, clear } from "./dom.js";

export function drawVerify(box, badge, v, onGo) {
  clear(box);
  clear(badge);
  badge.className = "badge";
  box.append(el("h2", {}, "verify"));
  if (v.ok) {
    badge.classList.add("ok");
    badge.append(`verify ok`);
    box.append(el("p", { class: "ok" }, `ok: ${v.steps} steps of ${v.events} events replay exactly`));
    return;
  }
  if (!v.first) {
    badge.classList.add("bad");
    badge.append("not verified");
    box.append(el("p", { class: "error" }, v.error || "not verified"));
    return;
  }
  const d = v.first;
  badge.classList.add("bad");
  badge.append(`diverged at step ${d.step}`);
  box.append(
    el("p", { class: "error" }, `diverged at step ${d.step} (event #${d.seq}, ${d.endpoint} ${d.conn}): ${d.reason}`,
      " ", el("button", { type: "button", onclick: () => onGo(d.seq) }, `go to #${d.seq}`)),
    el("p", {}, "input: ", d.input),
    el("p", {}, "before: ", d.before || "(the step created the connection)"),
    el("table", { class: "sidebyside" },
      el("thead", {}, el("tr", {}, el("th", {}), el("th", {}, "recorded"), el("th", {}, "replayed"))),
      el("tbody", {}, ...d.rows.map((r, i) => el("tr", { class: r.differs ? "differs" : "" },
        el("td", {}, (r.differs ? "! " : "") + (i + 1)), el("td", {}, r.recorded), el("td", {}, r.replayed))))));
  if (d.fields.length > 0) {
    box.append(el("table", { class: "fields" },
      el("thead", {}, el("tr", {}, el("th", {}, "field"), el("th", {}, "recorded"), el("th", {}, "replayed"))),
      el("tbody", {}, ...d.fields.map((f) => el("tr", {}, el("td", {}, f.field), el("td", {}, f.recorded), el("td", {}, f.replayed))))));
  }
  if (v.divergences > 1) box.append(el("p", {}, `(${v.divergences - 1} more diverging steps in this call)`));
}
