package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/callrec/callrec/ecall/sim/simtest"
)

// asked lists the page's requests to an API route so far, each by its
// query arguments args (joined by spaces), in the order the page made
// them (resource timing lists them as they end).
func (p *page) asked(route string, args ...string) []string {
	p.t.Helper()
	return eval[[]string](p, fmt.Sprintf(`performance.getEntriesByType("resource").toSorted((a, b) => a.startTime - b.startTime)
		.map(e => new URL(e.name)).filter(u => u.pathname === %q).map(u => %s.map(a => u.searchParams.get(a)).join(" "))`,
		route, "["+strings.Join(quoted(args), ",")+"]"))
}

func quoted(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// askedN is asked once n such requests have ended.
func (p *page) askedN(n int, route string, args ...string) []string {
	p.t.Helper()
	p.poll(fmt.Sprintf(`performance.getEntriesByType("resource").filter(e => new URL(e.name).pathname === %q).length >= %d`, route, n))
	return p.asked(route, args...)
}

// TestBrowserAsksAhead: while the page shows a step it asks for the next
// ones in the direction the cursor steps (and one back) in one request,
// after a jump for the neighbours only, and for the window the cursor is
// about to reach; a step asks for nothing it has asked for before. A
// jump asks for its step and its window together.
func TestBrowserAsksAhead(t *testing.T) {
	p := newPage(t, serve(t, writeLog(t, simtest.LongCall(1000))), 1280, 800)
	p.open("/")
	n := eval[int](p, `Number(document.getElementById("position").textContent.split(" / ")[1])`)
	p.checkState(1, n)
	if got, want := p.askedN(1, "/api/steps", "from", "n"), []string{"2 4"}; !slices.Equal(got, want) {
		t.Fatalf("steps asked ahead at step 1: %q, want %q", got, want)
	}
	p.do(chromedp.KeyEvent("j"))
	p.checkState(2, n)
	if got, want := p.askedN(2, "/api/steps", "from", "n"), []string{"2 4", "6 1"}; !slices.Equal(got, want) {
		t.Fatalf("steps asked ahead at step 2: %q, want %q", got, want)
	}
	// A jump to 100 asks for its neighbours; a step up from there for
	// those above: ahead is upwards now, 100 the one back.
	eval[bool](p, `window.callrecGoTo(100).then(() => true)`)
	if got, want := p.askedN(3, "/api/steps", "from", "n"), []string{"2 4", "6 1", "99 3"}; !slices.Equal(got, want) {
		t.Errorf("steps asked ahead at 100: %q, want %q", got, want)
	}
	eval[bool](p, `window.callrecGoTo(99).then(() => true)`)
	p.checkState(99, n)
	if got, want := p.askedN(4, "/api/steps", "from", "n"), []string{"2 4", "6 1", "99 3", "95 4"}; !slices.Equal(got, want) {
		t.Errorf("steps asked ahead up from 100 to 99: %q, want %q", got, want)
	}
	if got, want := p.asked("/api/step", "seq"), []string{"1", "100"}; !slices.Equal(got, want) {
		t.Errorf("steps asked one by one: %q, want %q (the others were asked ahead)", got, want)
	}

	// The first window is 1-200; stepping down to 181 leaves it (MARGIN
	// from its end). At 171 the page asks for the window it will draw at
	// 181 (from 81).
	if got := p.asked("/api/events", "from"); !slices.Equal(got, []string{"1"}) {
		t.Fatalf("windows asked: %q", got)
	}
	eval[bool](p, `window.callrecGoTo(171).then(() => true)`)
	p.askedN(2, "/api/events", "from")
	for seq := 172; seq <= 182; seq++ {
		p.do(chromedp.KeyEvent("j"))
		p.checkState(seq, n)
	}
	if got := p.asked("/api/events", "from"); !slices.Equal(got, []string{"1", "81"}) {
		t.Errorf("windows asked stepping from 171 to 182: %q, want [1 81]", got)
	}
	if first := eval[string](p, `document.querySelector("#timeline li").dataset.seq`); first != "81" {
		t.Errorf("the window at 182 starts at %s, want 81", first)
	}

	// A jump asks for its step before its window's answer came.
	eval[bool](p, `window.callrecGoTo(700).then(() => true)`)
	p.checkState(700, n)
	order := eval[[]float64](p, `(() => {
		const e = performance.getEntriesByType("resource");
		const step = e.find(x => x.name.includes("/api/step?") && x.name.endsWith("seq=700"));
		const win = e.find(x => x.name.includes("/api/events?") && x.name.includes("from=600&"));
		return [step.startTime, win.startTime, win.responseEnd];
	})()`)
	if order[0] > order[1] || order[0] >= order[2] {
		t.Errorf("the jump asked for its step at %.1f ms, its window at %.1f ms (answered at %.1f ms)", order[0], order[1], order[2])
	}
	p.noErrors()
}
