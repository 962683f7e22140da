package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/internal/safetext"
)

// TestCallList: the calls of every log in order, and the filter keeps
// the calls with an event it keeps; a bad filter is a 400 naming the term.
func TestCallList(t *testing.T) {
	ts := serve(t, golden, "../testdata/golden/02-hangup.log")
	ids := func(filter string) []string {
		var ans callsAnswer
		if code, body := getJSON(t, ts, "/api/calls", url.Values{"filter": {filter}}, &ans); code != http.StatusOK {
			t.Fatalf("filter %q: %d %s", filter, code, body)
		}
		var out []string
		for _, c := range ans.Calls {
			out = append(out, c.LogName+":"+c.ID)
		}
		return out
	}
	for _, c := range []struct {
		filter string
		want   []string
	}{
		{"", []string{"04-glare.log:04-glare", "02-hangup.log:02-hangup"}},
		{"type=HANGUP", []string{"02-hangup.log:02-hangup"}},
		{"type=Ignored", []string{"04-glare.log:04-glare"}},
		{"ep=B/2", []string{"04-glare.log:04-glare"}},
		{"ep=nobody", nil},
	} {
		if got := ids(c.filter); !slices.Equal(got, c.want) {
			t.Errorf("filter %q: %v, want %v", c.filter, got, c.want)
		}
	}
	code, body := getJSON(t, ts, "/api/calls", url.Values{"filter": {"colour=red"}}, nil)
	if code != http.StatusBadRequest || !strings.Contains(body, "colour=red") {
		t.Errorf("bad filter: %d %s", code, body)
	}
}

// TestLadderWindow: the glare's two SETUPs cross, each paired with its
// receive on the other device; B/2's ignoring of A/1's is marked.
func TestLadderWindow(t *testing.T) {
	ts := serve(t, golden)
	var ans eventsAnswer
	if code, body := getJSON(t, ts, "/api/events", callQuery("0", "04-glare", "from", "1", "n", "100"), &ans); code != 200 {
		t.Fatal(code, body)
	}
	if len(ans.Events) != 19 || ans.Events[0].Seq != 1 {
		t.Fatalf("%d events from %d", len(ans.Events), ans.Events[0].Seq)
	}
	want := []arrow{
		{From: "A/1", To: "B/2", Label: "SETUP", Sent: 6, Received: 15, Status: "paired"},
		{From: "B/2", To: "A/1", Label: "SETUP", Sent: 13, Received: 17, Status: "paired"},
	}
	if !slices.Equal(ans.Arrows, want) {
		t.Errorf("arrows %+v\nwant %+v", ans.Arrows, want)
	}
	marks := map[uint64]string{}
	for _, e := range ans.Events {
		if e.Mark != "" && e.Mark != "state" {
			marks[e.Seq] = e.Mark
		}
	}
	if len(marks) != 1 || marks[16] != "ignored" {
		t.Errorf("marks %v, want event 16 ignored", marks)
	}
	// A window in the middle still pairs a message whose send is before it.
	if _, body := getJSON(t, ts, "/api/events", callQuery("0", "04-glare", "from", "15", "n", "2"), &ans); len(ans.Events) != 2 ||
		len(ans.Arrows) != 1 || ans.Arrows[0].Sent != 6 {
		t.Errorf("window 15+2: %s", body)
	}
}

// TestWindowsAreBounded: no answer holds more than MaxWindow events, and
// the arguments are checked.
func TestWindowsAreBounded(t *testing.T) {
	ts := serve(t, writeLog(t, simtest.LongCall(1500)))
	var ans eventsAnswer
	getJSON(t, ts, "/api/events", callQuery("0", "call-1", "from", "1", "n", "1000000"), &ans)
	if len(ans.Events) != MaxWindow {
		t.Errorf("asked for a million: got %d events, want %d", len(ans.Events), MaxWindow)
	}
	for _, q := range []url.Values{
		callQuery("0", "call-1", "from", "0"), callQuery("0", "call-1", "n", "-1"), callQuery("0", "call-1", "from", "x"),
	} {
		if code, _ := getJSON(t, ts, "/api/events", q, nil); code != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", q, code)
		}
	}
	for _, q := range []url.Values{callQuery("1", "call-1"), callQuery("0", "nope"), callQuery("x", "call-1")} {
		if code, body := getJSON(t, ts, "/api/call", q, nil); code != http.StatusNotFound || !strings.Contains(body, `"error"`) {
			t.Errorf("%v: %d %s, want 404", q, code, body)
		}
	}
	if code, _ := getJSON(t, ts, "/api/step", callQuery("0", "call-1", "seq", "999999"), nil); code != http.StatusBadRequest {
		t.Errorf("step past the end: %d, want 400", code)
	}
}

// TestSteps: /api/steps answers consecutive steps as /api/step answers
// each, up to the call's end and MaxSteps; a bad range is a 400.
func TestSteps(t *testing.T) {
	ts := serve(t, golden)
	var ans stepsAnswer
	if code, body := getJSON(t, ts, "/api/steps", callQuery("0", "04-glare", "from", "16", "n", "3"), &ans); code != 200 {
		t.Fatal(code, body)
	}
	if len(ans.Steps) != 3 {
		t.Fatalf("%d steps, want 3", len(ans.Steps))
	}
	for i, st := range ans.Steps {
		var one stepAnswer
		getJSON(t, ts, "/api/step", callQuery("0", "04-glare", "seq", strconv.Itoa(16+i)), &one)
		got, _ := json.Marshal(st)
		want, _ := json.Marshal(one)
		if string(got) != string(want) {
			t.Errorf("step %d of /api/steps:\n%s\nwant, as /api/step:\n%s", 16+i, got, want)
		}
	}
	getJSON(t, ts, "/api/steps", callQuery("0", "04-glare", "from", "18", "n", "100"), &ans)
	if len(ans.Steps) != 2 || ans.Steps[1].Seq != 19 {
		t.Errorf("from 18 to the end: %d steps", len(ans.Steps))
	}
	getJSON(t, ts, "/api/steps", callQuery("0", "04-glare", "from", "1", "n", "100"), &ans)
	if len(ans.Steps) != MaxSteps {
		t.Errorf("100 steps asked: %d answered, want MaxSteps", len(ans.Steps))
	}
	for _, q := range [][]string{{"from", "0"}, {"from", "20"}, {"from", "1", "n", "0"}, {"from", "1", "n", "x"}} {
		if code, _ := getJSON(t, ts, "/api/steps", callQuery("0", "04-glare", q...), nil); code != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", q, code)
		}
	}
}

// TestStepStates: at the step where A/1 receives B/2's SETUP, A/1's
// connection goes to Conflict-Resolution and B/2's stays as it was.
func TestStepStates(t *testing.T) {
	ts := serve(t, golden)
	var ans stepAnswer
	if code, body := getJSON(t, ts, "/api/step", callQuery("0", "04-glare", "seq", "18"), &ans); code != 200 {
		t.Fatal(code, body)
	}
	if ans.Row.Seq != 18 || ans.Row.Type != "StateChanged" || len(ans.States) != 2 {
		t.Fatalf("%+v", ans)
	}
	a, b := ans.States[0], ans.States[1]
	if a.Endpoint != "A/1" || a.Before["state"] != "Pending-Outgoing" || a.After["state"] != "Conflict-Resolution" || !a.Changed {
		t.Errorf("A/1: %+v", a)
	}
	if b.Endpoint != "B/2" || b.Changed || b.After["state"] != "Pending-Outgoing" {
		t.Errorf("B/2: %+v", b)
	}
	fields, _ := ans.Fields.(map[string]any)
	if fields["type"] != "StateChanged" || fields["seq"] != float64(18) {
		t.Errorf("fields %v", ans.Fields)
	}
}

// TestVerify: the golden log verifies; an altered one diverges at the
// step that sent the altered SETUP response, side by side.
func TestVerify(t *testing.T) {
	ts := serve(t, golden, divergedLog(t))
	var ok, bad verifyAnswer
	getJSON(t, ts, "/api/verify", callQuery("0", "04-glare"), &ok)
	if !ok.OK || ok.Steps == 0 || ok.First != nil {
		t.Errorf("glare: %+v", ok)
	}
	getJSON(t, ts, "/api/verify", callQuery("1", "altered"), &bad)
	if bad.OK || bad.First == nil || bad.Divergences == 0 {
		t.Fatalf("altered: %+v", bad)
	}
	d := bad.First
	differs := 0
	for _, r := range d.Rows {
		if r.Differs {
			differs++
			if !strings.Contains(r.Recorded, "SETUP") || !strings.Contains(r.Replayed, "SETUP") {
				t.Errorf("differing row %+v", r)
			}
		}
	}
	if differs != 1 || d.Endpoint != "B/1" || len(d.Fields) == 0 {
		t.Errorf("divergence %+v", d)
	}
}

// TestExport: each format downloads with a file name; a bad one is a 400.
func TestExport(t *testing.T) {
	ts := serve(t, golden)
	for format, want := range map[string]string{"jsonl": `{"seq":1,`, "mermaid": "sequenceDiagram", "chrome-trace": `"traceEvents"`} {
		res, err := http.Get(ts.URL + "/api/export?" + callQuery("0", "04-glare", "format", format).Encode())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), `filename="04-glare.`) ||
			!strings.Contains(string(body), want) {
			t.Errorf("%s: %d %q %.200s", format, res.StatusCode, res.Header.Get("Content-Disposition"), body)
		}
	}
	if code, _ := getJSON(t, ts, "/api/export", callQuery("0", "04-glare", "format", "pdf"), nil); code != http.StatusBadRequest {
		t.Errorf("pdf: %d", code)
	}
}

// TestPage: the page and its modules come from the binary, with a
// content security policy that allows no script but the server's own.
func TestPage(t *testing.T) {
	ts := serve(t, golden)
	for path, want := range map[string]string{"/": `<section id="plots"`, "/static/app.js": `from "./plots.js"`,
		"/static/style.css": "#ladder", "/?log=0&call=04-glare&step=3": "<title>callrec</title>"} {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		csp := res.Header.Get("Content-Security-Policy")
		if res.StatusCode != 200 || !strings.Contains(string(body), want) || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: %d csp %q: %.100s", path, res.StatusCode, csp, body)
		}
	}
	if res, err := http.Get(ts.URL + "/nothing"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("/nothing: %v %v", res.StatusCode, err)
	}
	if res, err := http.Post(ts.URL+"/api/calls", "text/plain", nil); err != nil || res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %v %v (the page is read-only)", res.StatusCode, err)
	}
}

// TestAPIEscapesTheLog: the markup a peer wrote into its SETUP reaches the
// page only as JSON text with <, > and & escaped, and with no control
// character; decoded, it is the text as recorded.
func TestAPIEscapesTheLog(t *testing.T) {
	ts := serve(t, writeLog(t, hostile))
	var calls callsAnswer
	getJSON(t, ts, "/api/calls", nil, &calls)
	var win eventsAnswer
	_, body := getJSON(t, ts, "/api/events", callQuery("0", "call-1", "n", "1000"), &win)
	bodies := []string{body}
	found := false
	for _, e := range win.Events {
		if !safetext.Safe(e.Text) {
			t.Errorf("event %d: text not escaped: %q", e.Seq, e.Text)
		}
		if !strings.Contains(e.Text, hostileSessID) {
			continue
		}
		found = true
		var st stepAnswer
		_, b := getJSON(t, ts, "/api/step", callQuery("0", "call-1", "seq", strconv.FormatUint(e.Seq, 10)), &st)
		bodies = append(bodies, b)
	}
	if !found {
		t.Fatal("no event names the forged session id")
	}
	for _, b := range bodies {
		if strings.ContainsAny(b, "<>") {
			t.Errorf("an answer holds markup characters: %.300s", b)
		}
	}
}

// TestPlotsRoute: a simulated call has no media statistics: no track,
// but its signalling markers (plots_test.go tests a live call's).
func TestPlotsRoute(t *testing.T) {
	ts := serve(t, golden)
	var ans plotsAnswer
	if code, body := getJSON(t, ts, "/api/plots", callQuery("0", "04-glare"), &ans); code != 200 || ans.Tracks == nil ||
		len(ans.Tracks) != 0 || len(ans.Markers) == 0 {
		t.Errorf("%d %s", code, body)
	}
}
