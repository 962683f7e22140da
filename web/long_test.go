package web

import (
	"fmt"
	"sort"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/callrec/callrec/ecall/sim/simtest"
)

// BenchmarkBrowserLongCall measures the page on a call of about 100,000
// events in headless chromium (the figures of BENCHMARKS.md, "web view"):
//
//	go test ./web -run '^$' -bench BrowserLongCall -benchtime 5x
//
// first-render-ms is from the start of a navigation to the page showing
// the call's first step (ladder, timeline, inspector; the verify result
// comes later and is not waited for); the first navigation, which also
// opens the call on the server, is reported as cold-render-ms. step-ms
// is the median time of one step (j), from the call of the page's goTo
// to the inspector drawn, over steps spread through the call, each a
// window move or a step within the window (20 in a row from a fresh
// page, then 5 window moves: the page asks for the next steps while it
// shows one, as it does for a user pressing j); window-step-ms the same for
// the window moves alone (the steps from 50,000 on, 211 apart: nothing
// asked ahead helps them); far-step-ms the same for jumps to a random
// place (a deep link's step, G); click-step-ms for steps 15 events on
// within the window (a click on the ladder or the timeline), which
// nothing asked ahead either (not counted in step-ms).
func BenchmarkBrowserLongCall(b *testing.B) {
	path := writeLog(b, simtest.LongCall(100_000))
	ts := serve(b, path)
	var win callAnswer
	getJSON(b, ts, "/api/call", callQuery("0", "call-1"), &win)
	if win.Events < 95_000 {
		b.Fatalf("the call has %d events", win.Events)
	}
	p := newPage(b, ts, 1280, 800)
	render := func() float64 {
		p.open("/")
		return eval[float64](p, `window.callrecFirstRender`)
	}
	cold := render()
	var renders, steps, moves, far, clicks []float64
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		renders = append(renders, render())
		for j := range 20 {
			steps = append(steps, stepTime(p, 1+j+i*7))
		}
		for j := range 5 {
			clicks = append(clicks, stepTime(p, 20+i*7+15*(j+1)))
		}
		for j := range 5 {
			move := stepTime(p, 50_000+j*211+i) // a window of its own
			steps, moves = append(steps, move), append(moves, move)
			far = append(far, stepTime(p, (i*37_813+j*19_391)%90_000+1)) // anywhere
		}
	}
	b.ReportMetric(cold, "cold-render-ms")
	b.ReportMetric(median(renders), "first-render-ms")
	b.ReportMetric(median(steps), "step-ms")
	b.ReportMetric(median(moves), "window-step-ms")
	b.ReportMetric(median(far), "far-step-ms")
	b.ReportMetric(median(clicks), "click-step-ms")
	b.ReportMetric(0, "ns/op")
}

// stepTime moves the cursor to seq and returns how long the page took, in
// milliseconds.
func stepTime(p *page, seq int) float64 {
	p.t.Helper()
	ms, err := chromedp.Run(p.ctx, chromedp.Evaluate[float64](fmt.Sprintf(
		`(async () => { const t = performance.now(); await window.callrecGoTo(%d); return performance.now() - t; })()`, seq),
		chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatal(err)
	}
	return ms
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
