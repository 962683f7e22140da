// The media plots: packets/s, loss, jitter and RTT of the call on one
// time axis, drawn into <section id="plots"> from /api/plots.
//
// The hooks the page calls (app.js):
//   initPlots(section, { api, goTo }) once, returning
//   { call(info) when a call opens, step(seq, row) when the cursor moves }.
// goTo(seq) moves the page's step cursor.
//
// Until the plots are built this draws nothing.

export function initPlots(section, ctx) {
  return {
    call(info) {},
    step(seq, row) {},
  };
}
