// The JSON API (web/doc.go lists its routes). Every answer's text from a
// log is put into the page as text, never as markup: see dom.js.

// get asks for path?params; priority "low" is for what the page asks
// ahead, which must not hold up what it needs now.
async function get(path, params, priority = "auto") {
  const url = path + "?" + new URLSearchParams(params).toString();
  const res = await fetch(url, { headers: { Accept: "application/json" }, priority });
  const body = await res.json();
  if (!res.ok) {
    throw new Error(body.error || res.statusText);
  }
  return body;
}

export const api = {
  calls: (filter) => get("/api/calls", { filter }),
  call: (log, call) => get("/api/call", { log, call }),
  events: (log, call, from, n, priority) => get("/api/events", { log, call, from, n }, priority),
  step: (log, call, seq) => get("/api/step", { log, call, seq }),
  steps: (log, call, from, n, priority) => get("/api/steps", { log, call, from, n }, priority),
  verify: (log, call) => get("/api/verify", { log, call }),
  plots: (log, call) => get("/api/plots", { log, call }),
  exportURL: (log, call, format) => "/api/export?" + new URLSearchParams({ log, call, format }).toString(),
};
