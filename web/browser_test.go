package web

import (
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's chromium, headless, with chromedp
// against an httptest server. Each writes a screenshot of its view into
// -screenshots (default: the test's temporary directory, which the test
// names in its log).
var screenshots = flag.String("screenshots", "", "write the browser tests' screenshots into this `directory`")

// chromium finds the browser, or skips the test saying how to get one.
func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on PATH: the browser tests are skipped (apt-get install chromium; .ci/run installs it)")
	return ""
}

// page is one browser tab on the test's server, recording what the page
// wrote to its console as an error.
type page struct {
	t    testing.TB
	ctx  context.Context
	base string

	mu     sync.Mutex
	errors []string
}

// newPage starts a headless chromium of width×height (CSS pixels) for
// the test; it ends with the test.
func newPage(t testing.TB, ts *httptest.Server, width, height int) *page {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(width, height))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	p := &page{t: t, ctx: ctx, base: ts.URL}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatal(err)
	}
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				p.mu.Lock()
				p.errors = append(p.errors, m.String())
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// open loads the page at path and waits until it shows its first call.
func (p *page) open(path string) {
	p.t.Helper()
	p.do(chromedp.Navigate(p.base+path), chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)))
}

func (p *page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatal(err)
	}
}

// eval runs a JavaScript expression in the page.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitStep waits until the cursor is on event seq, everything drawn.
func (p *page) waitStep(seq int) {
	p.t.Helper()
	p.do(chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`body[data-step="%d"]`, seq))))
}

// checkState fails unless the cursor shows seq everywhere: the position,
// the ladder's and the timeline's highlight, the inspector and the URL.
func (p *page) checkState(seq, of int) {
	p.t.Helper()
	p.waitStep(seq)
	got := eval[[]string](p, `[document.getElementById("position").textContent,
		document.querySelector("#timeline li.cursor")?.dataset.seq ?? "",
		document.querySelector("#inspector h2")?.textContent ?? "",
		new URLSearchParams(location.search).get("step"),
		String(document.querySelector("#ladder .cursor")?.getAttribute("y") === document.querySelector('#ladder .row[data-seq="`+fmt.Sprint(seq)+`"] .band')?.getAttribute("y"))]`)
	want := []string{fmt.Sprintf("%d / %d", seq, of), fmt.Sprint(seq), "", fmt.Sprint(seq), "true"}
	if got[0] != want[0] || got[1] != want[1] || !strings.HasPrefix(got[2], fmt.Sprintf("#%d ", seq)) || got[3] != want[3] || got[4] != want[4] {
		p.t.Errorf("cursor at %d: position, timeline, inspector, URL, ladder = %q", seq, got)
	}
}

// poll waits until a JavaScript expression is true.
func (p *page) poll(expr string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](expr)); err != nil {
		p.t.Fatalf("waiting for %s: %v", expr, err)
	}
}

// screenshot writes the view as NAME.png.
func (p *page) screenshot(name string) {
	p.t.Helper()
	dir := *screenshots
	if dir == "" {
		dir = p.t.TempDir()
	}
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s", path)
}

// noErrors fails if the page wrote an error to its console (an
// exception, a failed request, a refused script).
func (p *page) noErrors() {
	p.t.Helper()
	time.Sleep(100 * time.Millisecond) // the console's events come asynchronously
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.errors {
		p.t.Errorf("console: %s", e)
	}
}

// TestBrowserGlare: the page opens on the log's call without console
// errors; the ladder has the glare's two crossing SETUPs, each from its
// send's row to its receive's row, and B/2's ignoring of A/1's SETUP.
func TestBrowserGlare(t *testing.T) {
	p := newPage(t, serve(t, golden), 1280, 800)
	p.open("/")
	p.checkState(1, 19)
	msgs := eval[[]string](p, `[...document.querySelectorAll("#ladder .msg")].map(g =>
		g.querySelector(".label").textContent + " " + g.dataset.sent + "->" + g.dataset.received + " " + g.getAttribute("class"))`)
	want := []string{"SETUP 6->15 msg backend paired", "SETUP 13->17 msg backend paired"}
	if !slices.Equal(msgs, want) {
		t.Errorf("ladder messages %q, want %q", msgs, want)
	}
	devices := eval[[]string](p, `[...document.querySelectorAll("#ladder .device")].map(e => e.textContent)`)
	if !slices.Equal(devices, []string{"A/1", "B/2"}) {
		t.Errorf("devices %q", devices)
	}
	ignored := eval[[]string](p, `[...document.querySelectorAll("#ladder .row.ignored")].map(e => e.dataset.seq)`)
	if !slices.Equal(ignored, []string{"16"}) {
		t.Errorf("ignored rows %q, want [16]", ignored)
	}
	p.do(chromedp.WaitReady(chromedp.CSS("#verify-badge.ok")))
	if badge := eval[string](p, `document.getElementById("verify-badge").textContent`); badge != "verify ok" {
		t.Errorf("verify badge %q", badge)
	}
	exports := eval[[]string](p, `[...document.querySelectorAll("#exports a")].map(a => a.dataset.format + " " + new URL(a.href).search)`)
	if len(exports) != 3 || !strings.HasPrefix(exports[2], "chrome-trace ?log=0&call=04-glare&format=chrome-trace") {
		t.Errorf("export links %q", exports)
	}
	p.screenshot("glare")
	p.noErrors()
}

// TestBrowserStepping: clicking a message moves the cursor to its send
// and the inspector to that event; j, k, g, G and the buttons move it.
func TestBrowserStepping(t *testing.T) {
	p := newPage(t, serve(t, golden), 1280, 800)
	p.open("/")
	p.do(chromedp.Click(chromedp.CSS(`#ladder .msg[data-sent="13"] .label`)))
	p.checkState(13, 19)
	if text := eval[string](p, `document.getElementById("inspector").textContent`); !strings.Contains(text, "send SETUP request") ||
		!strings.Contains(text, "B/2 cph5") {
		t.Errorf("inspector after the click:\n%s", text)
	}
	p.do(chromedp.Click(chromedp.CSS(`#timeline li[data-seq="17"]`)))
	p.checkState(17, 19)
	for _, k := range []struct {
		key string
		to  int
	}{{"j", 18}, {"k", 17}, {"G", 19}, {"j", 19}, {"g", 1}, {"k", 1}} {
		p.do(chromedp.KeyEvent(k.key))
		p.checkState(k.to, 19)
	}
	p.do(chromedp.Click(chromedp.CSS("#next")))
	p.checkState(2, 19)
	p.do(chromedp.Click(chromedp.CSS("#last")))
	p.checkState(19, 19)
	p.screenshot("stepping")
	p.noErrors()
}

// TestBrowserDeepLink: a URL with a call and a step opens that step; the
// state shown is the replayed state at it.
func TestBrowserDeepLink(t *testing.T) {
	p := newPage(t, serve(t, "../testdata/golden/02-hangup.log", golden), 1280, 800)
	p.open("/?log=1&call=04-glare&step=18")
	p.checkState(18, 19)
	states := eval[string](p, `document.querySelector("#inspector .states").textContent`)
	if !strings.Contains(states, "Conflict-Resolution") || !strings.Contains(states, "A/1 9GMi") {
		t.Errorf("states at 18:\n%s", states)
	}
	if cur := eval[string](p, `document.querySelector("#call-list li.current .id").textContent`); cur != "04-glare" {
		t.Errorf("call list marks %q", cur)
	}
	p.screenshot("deeplink")
	p.noErrors()
}

// TestBrowserFilterAndVerify: the filter narrows the call list; a bad
// filter says why; a diverged call shows its step side by side.
func TestBrowserFilterAndVerify(t *testing.T) {
	p := newPage(t, serve(t, golden, "../testdata/golden/02-hangup.log", divergedLog(t)), 1280, 800)
	p.open("/?log=2&call=altered&step=1")
	p.do(chromedp.WaitReady(chromedp.CSS("#verify-badge.bad")))
	badge := eval[string](p, `document.getElementById("verify-badge").textContent`)
	rows := eval[int](p, `document.querySelectorAll("#verify table.sidebyside tr.differs").length`)
	if !strings.HasPrefix(badge, "diverged at step ") || rows != 1 {
		t.Errorf("badge %q, %d differing rows", badge, rows)
	}
	var seq int
	if _, err := fmt.Sscanf(eval[string](p, `document.querySelector("#verify button").textContent`), "go to #%d", &seq); err != nil {
		t.Fatal(err)
	}
	p.do(chromedp.Click(chromedp.CSS("#verify button")))
	p.waitStep(seq)
	p.screenshot("diverged")

	ids := func() []string {
		return eval[[]string](p, `[...document.querySelectorAll("#call-list .id")].map(e => e.textContent)`)
	}
	p.do(chromedp.SetValue(chromedp.CSS("#filter"), "type=HANGUP ep=A"), chromedp.SendKeys(chromedp.CSS("#filter"), "\r"))
	p.poll(`document.querySelectorAll("#call-list .id").length === 2`)
	if got := ids(); !slices.Equal(got, []string{"02-hangup", "altered"}) {
		t.Errorf("filter type=HANGUP ep=A: %q", got)
	}
	// The answer to a bad filter is a 400, which the browser logs as
	// an error of its own: the console is checked before it.
	p.noErrors()
	p.do(chromedp.SetValue(chromedp.CSS("#filter"), "colour=red"), chromedp.SendKeys(chromedp.CSS("#filter"), "\r"))
	p.poll(`document.getElementById("filter-error").textContent !== ""`)
	if msg := eval[string](p, `document.getElementById("filter-error").textContent`); !strings.Contains(msg, "colour=red") {
		t.Errorf("bad filter: %q", msg)
	}
}

// TestBrowserMarkupIsText: a SETUP with markup in its session id, props
// and SDP, and a prop of the caller, show as text: nothing runs, no
// element or handler is made from them.
func TestBrowserMarkupIsText(t *testing.T) {
	ts := serve(t, writeLog(t, hostile))
	var win eventsAnswer
	getJSON(t, ts, "/api/events", callQuery("0", "call-1", "n", "1000"), &win)
	recv := 0
	for _, e := range win.Events {
		if e.Type == "Recv" && strings.Contains(e.Text, hostileSessID) {
			recv = int(e.Seq)
			break
		}
	}
	if recv == 0 {
		t.Fatal("no receive of the forged SETUP")
	}
	p := newPage(t, ts, 1280, 800)
	p.open(fmt.Sprintf("/?log=0&call=call-1&step=%d", recv))
	p.waitStep(recv)
	p.do(chromedp.Click(chromedp.CSS("#inspector details.sdp summary")))
	// Visit every event, so that every text of the call has been shown.
	for seq := 1; seq <= len(win.Events); seq++ {
		if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[any](fmt.Sprintf("window.callrecGoTo(%d)", seq), chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
	}
	p.open(fmt.Sprintf("/?log=0&call=call-1&step=%d", recv))
	p.do(chromedp.Click(chromedp.CSS("#inspector details.sdp summary")))
	pwned := eval[bool](p, `window.__pwned !== undefined`)
	made := eval[int](p, `document.querySelectorAll("img, svg svg, b, script:not([src])").length`)
	handlers := eval[int](p, `[...document.querySelectorAll("*")].filter(e => [...e.attributes].some(a => a.name.startsWith("on"))).length`)
	text := eval[string](p, `document.getElementById("inspector").textContent`)
	if pwned || made != 0 || handlers != 0 {
		t.Errorf("markup from the log acted: __pwned %v, %d elements, %d handlers", pwned, made, handlers)
	}
	for _, want := range []string{hostileSessID, "<script>window.__pwned=3</script>", "<b onmouseover=window.__pwned=4>k"} {
		if !strings.Contains(text, want) {
			t.Errorf("the inspector does not show %q as text", want)
		}
	}
	p.screenshot("markup")
	p.noErrors()
}

// TestBrowserSizes: the page fits a 1280×800 window and a 390×844 phone
// without scrolling sideways, and the step buttons are on screen.
func TestBrowserSizes(t *testing.T) {
	ts := serve(t, golden)
	for _, size := range [][2]int{{1280, 800}, {390, 844}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			p := newPage(t, ts, size[0], size[1])
			p.open("/?log=0&call=04-glare&step=6")
			width := eval[int](p, `document.documentElement.scrollWidth`)
			if width > size[0] {
				t.Errorf("the page is %d px wide in a %d px window", width, size[0])
			}
			onScreen := eval[bool](p, `["first","prev","next","last"].every(id => {
				const r = document.getElementById(id).getBoundingClientRect();
				return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth && r.top >= 0 && r.bottom <= window.innerHeight; })`)
			if !onScreen {
				t.Error("a step button is off screen")
			}
			p.do(chromedp.Click(chromedp.CSS("#next")))
			p.checkState(7, 19)
			p.screenshot(fmt.Sprintf("glare-%dx%d", size[0], size[1]))
			p.noErrors()
		})
	}
}
