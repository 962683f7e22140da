package web

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/live"
	"github.com/chromedp/chromedp"
)

// liveDemo is `callrec demo` at format version 2: A/1 calls B; B/2
// answers, 5 s of audio each way with a stats report a second; B/1 stops
// ringing before any media. It predates the RTT counter.
const liveDemo = "../testdata/compat/v2/live-demo.db"

// demoTracks are the demo's streams, in the order the page shows them.
var demoTracks = []string{"A/1 audio sent to B/2", "A/1 audio recv from B/2", "B/2 audio sent to A/1", "B/2 audio recv from A/1"}

// TestPlotsAPI: the live demo's series, four points each at about 50
// packets/s, no loss, jitter on what was received, RTT null; its 29
// signalling markers; JSON numbers only (NaN is null).
func TestPlotsAPI(t *testing.T) {
	ts := serve(t, liveDemo)
	var ans plotsAnswer
	code, body := getJSON(t, ts, "/api/plots", callQuery("0", "call-0001"), &ans)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var names []string
	for _, tr := range ans.Tracks {
		names = append(names, tr.Name)
		if len(tr.T) != 4 || len(tr.PPS) != 4 || len(tr.Seq) != 4 {
			t.Errorf("%s: %d times, %d rates, want 4", tr.Name, len(tr.T), len(tr.PPS))
			continue
		}
		for i := range tr.T {
			if tr.PPS[i] < 45 || tr.PPS[i] > 55 || tr.Loss[i] != 0 || tr.T[i] < 1 || tr.T[i] > 6 {
				t.Errorf("%s point %d: t %v, %v pkt/s, loss %v", tr.Name, i, tr.T[i], tr.PPS[i], tr.Loss[i])
			}
		}
	}
	if !slices.Equal(names, demoTracks) {
		t.Errorf("tracks %q, want %q", names, demoTracks)
	}
	if !strings.Contains(body, `"rtt":[null,null,null,null]`) || strings.Contains(body, "NaN") {
		t.Errorf("RTT of a v2 log should be null: %.400s", body)
	}
	if len(ans.Markers) != 29 || ans.MarkerEvery != 1 || ans.End < 5.5 || ans.End > 5.52 {
		t.Errorf("%d markers (every %d), end %v; want 29, 1, 5.515", len(ans.Markers), ans.MarkerEvery, ans.End)
	}
	if m := ans.Markers[0]; m.Seq != 5 || m.Kind != "state" || m.Endpoint != "A/1" {
		t.Errorf("first marker %+v", m)
	}
}

// TestPlotsEscapeTheLog: a log's markup reaches the plots' answer only
// escaped (the markers' labels carry the forged session id).
func TestPlotsEscapeTheLog(t *testing.T) {
	ts := serve(t, writeLog(t, hostile))
	var ans plotsAnswer
	_, body := getJSON(t, ts, "/api/plots", callQuery("0", "call-1"), &ans)
	found := false
	for _, m := range ans.Markers {
		found = found || strings.Contains(m.Label, hostileSessID)
	}
	if !found || strings.ContainsAny(body, "<>") {
		t.Errorf("forged session id in a label: %v; the answer: %.300s", found, body)
	}
}

// TestBrowserPlots: the live demo's page draws three plots (packets/s,
// loss, jitter; RTT says it was not recorded), each with a series per
// device and direction; the marker lane has the 29 signalling events;
// hovering a plot shows values, and the marker under the pointer;
// clicking a marker moves the step cursor, whose time the plots mark.
func TestBrowserPlots(t *testing.T) {
	p := newPage(t, serve(t, liveDemo), 1280, 800)
	p.open("/")
	p.do(chromedp.WaitReady(chromedp.CSS(`#plots[data-ready="true"] .marker-lane rect`)))
	metrics := eval[[]string](p, `[...document.querySelectorAll("#plots .plot")].map(e => e.dataset.metric)`)
	if !slices.Equal(metrics, []string{"pps", "loss", "jitter"}) {
		t.Errorf("plots %q", metrics)
	}
	if none := eval[string](p, `document.querySelector('#plots .plot-none[data-metric="rtt"]')?.textContent ?? ""`); !strings.Contains(none, "not recorded") {
		t.Errorf("RTT note %q", none)
	}
	for _, m := range metrics {
		labels := eval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll('#plots .plot[data-metric="%s"] .u-legend .u-series .u-label')].map(e => e.textContent)`, m))
		if !slices.Equal(labels, append([]string{"time"}, demoTracks...)) {
			t.Errorf("%s: series %q", m, labels)
		}
	}
	if n := eval[int](p, `document.querySelectorAll("#plots .marker-lane rect.marker").length`); n != 29 {
		t.Errorf("%d markers in the lane, want 29", n)
	}

	// Hover the packets/s plot at 3 s: its legend shows the rates there.
	p.do(chromedp.ScrollIntoView(chromedp.CSS(`#plots .plot[data-metric="pps"]`)))
	values := eval[[]string](p, `(() => {
		const u = document.querySelector('#plots .plot[data-metric="pps"] .u-over');
		const plot = document.querySelector('#plots .plot[data-metric="pps"]');
		const r = u.getBoundingClientRect();
		const x = r.left + r.width * 3 / 5.515, y = r.top + r.height / 2;
		u.dispatchEvent(new MouseEvent("mousemove", { clientX: x, clientY: y, bubbles: true }));
		return [...plot.querySelectorAll(".u-legend .u-series .u-value")].map(e => e.textContent);
	})()`)
	if len(values) != 5 || !strings.HasSuffix(values[0], " s") || !strings.HasSuffix(values[1], " pkt/s") {
		t.Errorf("hover values %q", values)
	}

	// A click on the tick of B/2's close (seq 90) moves the cursor to the
	// marker on top there: the hangup's events (83-96) are a millisecond
	// apart, a pixel at this scale, and the last drawn is on top.
	top := eval[int](p, `(() => {
		const r = document.querySelector('#plots .marker-lane rect.marker[data-seq="90"]').getBoundingClientRect();
		return Number(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2).dataset.seq);
	})()`)
	if top < 83 || top > 96 {
		t.Fatalf("the tick on top of 90's is %d", top)
	}
	p.do(chromedp.Click(chromedp.CSS(`#plots .marker-lane rect.marker[data-seq="90"]`)))
	p.checkState(top, 97)
	p.poll(fmt.Sprintf(`document.querySelector('#plots .marker-lane rect.current')?.dataset.seq === "%d"`, top))
	// Each plot's step cursor is a line over the tick of that step.
	lines := eval[[]float64](p, fmt.Sprintf(`(() => {
		const c = (r) => r.left + r.width / 2;
		const tick = c(document.querySelector('#plots .marker-lane rect[data-seq="%d"]').getBoundingClientRect());
		return [...document.querySelectorAll("#plots .plot")].map(plot => {
			const line = plot.querySelector(".u-over .step-cursor div");
			const r = line && getComputedStyle(line).display !== "none" ? line.getBoundingClientRect() : null;
			return r && r.height > 100 ? c(r) - tick : 99;
		});
	})()`, top))
	if len(lines) != 3 {
		t.Errorf("step cursor lines %v, want 3", lines)
	}
	for _, d := range lines {
		if d < -1.5 || d > 1.5 {
			t.Errorf("step cursor lines %v px off the step's tick", lines)
			break
		}
	}
	// Hover a plot at B/1's close (seq 37, at 0.51 s among the answer's
	// events): the readout names the marker under the pointer; a click
	// there moves the cursor to it.
	readout := eval[string](p, `(() => {
		const u = document.querySelector('#plots .plot[data-metric="jitter"] .u-over');
		const tick = document.querySelector('#plots .marker-lane rect[data-seq="37"]').getBoundingClientRect();
		const at = { clientX: tick.left + tick.width / 2, clientY: u.getBoundingClientRect().top + 10, bubbles: true };
		u.dispatchEvent(new MouseEvent("mousemove", at));
		const text = document.querySelector("#plots .readout").textContent;
		for (const type of ["mousedown", "mouseup", "click"]) u.dispatchEvent(new MouseEvent(type, at));
		return text;
	})()`)
	var seq int
	if _, err := fmt.Sscanf(readout, "#%d at 0.5", &seq); err != nil || seq < 22 || seq > 38 || !strings.Contains(readout, "click to step there") {
		t.Fatalf("readout over B/1's close: %q (%v)", readout, err)
	}
	p.checkState(seq, 97)
	p.do(chromedp.ScrollIntoView(chromedp.CSS("#plots")))
	p.screenshot("plots")
	p.noErrors()
}

// TestBrowserPlotsRecorded records a short demo call with today's code
// (real pion peers on loopback, video too) and opens it: all four plots,
// the RTT one with the sent streams only, audio and video of each device.
func TestBrowserPlotsRecorded(t *testing.T) {
	if testing.Short() {
		t.Skip("records a live call")
	}
	chromium(t)
	path := filepath.Join(t.TempDir(), "demo.db")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	con := live.Console{Out: io.Discard, Err: io.Discard, ToolVersion: "test"}
	if _, err := con.Demo(ctx, live.DemoConfig{Log: path, Duration: 3500 * time.Millisecond,
		AnswerAfter: 100 * time.Millisecond, Devices: 1, Video: true}); err != nil {
		t.Fatal(err)
	}
	p := newPage(t, serve(t, path), 1280, 800)
	p.open("/")
	p.do(chromedp.WaitReady(chromedp.CSS(`#plots[data-ready="true"] .marker-lane rect`)))
	metrics := eval[[]string](p, `[...document.querySelectorAll("#plots .plot")].map(e => e.dataset.metric)`)
	if !slices.Equal(metrics, []string{"pps", "loss", "jitter", "rtt"}) {
		t.Errorf("plots %q", metrics)
	}
	series := func(metric string) []string {
		return eval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll('#plots .plot[data-metric="%s"] .u-legend .u-series .u-label')].map(e => e.textContent).slice(1)`, metric))
	}
	// A device's series come together, in the order its streams first
	// reported: which device reported first is up to the live call.
	all, sent := map[string][]string{}, map[string][]string{}
	for _, dev := range [][2]string{{"A/1", "B/1"}, {"B/1", "A/1"}} {
		for _, kind := range []string{"audio", "video"} {
			s := dev[0] + " " + kind + " sent to " + dev[1]
			all[dev[0]] = append(all[dev[0]], s, dev[0]+" "+kind+" recv from "+dev[1])
			sent[dev[0]] = append(sent[dev[0]], s)
		}
	}
	either := func(got []string, of map[string][]string) bool {
		return slices.Equal(got, slices.Concat(of["A/1"], of["B/1"])) || slices.Equal(got, slices.Concat(of["B/1"], of["A/1"]))
	}
	if got := series("pps"); !either(got, all) {
		t.Errorf("packets/s series %q, want %q and %q in either order", got, all["A/1"], all["B/1"])
	}
	if got := series("rtt"); !either(got, sent) {
		t.Errorf("RTT series %q, want %q and %q in either order", got, sent["A/1"], sent["B/1"])
	}
	p.do(chromedp.ScrollIntoView(chromedp.CSS(`#plots .plot[data-metric="rtt"]`)))
	p.screenshot("plots-recorded")
	p.noErrors()
}

// TestBrowserPlotsPhone: on a 390×844 phone the plots fit the width.
func TestBrowserPlotsPhone(t *testing.T) {
	p := newPage(t, serve(t, liveDemo), 390, 844)
	p.open("/")
	p.do(chromedp.WaitReady(chromedp.CSS(`#plots[data-ready="true"] .marker-lane rect`)))
	if width := eval[int](p, `document.documentElement.scrollWidth`); width > 390 {
		t.Errorf("the page is %d px wide in a 390 px window", width)
	}
	if w := eval[int](p, `Math.round(document.querySelector('#plots .plot[data-metric="pps"] canvas').getBoundingClientRect().right)`); w > 390 || w < 200 {
		t.Errorf("the packets/s plot ends at %d px", w)
	}
	p.do(chromedp.ScrollIntoView(chromedp.CSS("#plots")))
	p.screenshot("plots-390x844")
	p.noErrors()
}
