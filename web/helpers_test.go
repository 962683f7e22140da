package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// golden is the glare golden log: A/1 and B/2 call each other; two
// SETUPs cross, B/2 ignores A/1's.
const golden = "../testdata/golden/04-glare.log"

// hostile is a call whose peer writes markup into every text it
// controls: a prop of the caller, and a forged SETUP's session id, SDP
// and props. Each would set window.__pwned if it ran.
const hostile = `clients A/1 B/1
props A/1 nick=<img/src=x/onerror=window.__pwned=1>
start A/1
run
answer B/1
run
inject from=A/1 to=B/1 {"version":"3.0","type":"SETUP","sessid":"<img src=x onerror=window.__pwned=2>","resp":false,"sdp":"v=0\r\no=- 1 1 IN IP4 <script>window.__pwned=3</script>\r\n","props":{"<b onmouseover=window.__pwned=4>k":"<svg onload=window.__pwned=5>"}}
run
end A/1
run
advance 10s
`

// hostileSessID is the forged SETUP's session id.
const hostileSessID = "<img src=x onerror=window.__pwned=2>"

// writeLog records the scenarios as calls call-1, call-2... of a new log.
func writeLog(t testing.TB, scenarios ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "calls.log")
	var calls []simtest.Call
	for i, sc := range scenarios {
		calls = append(calls, simtest.Call{ID: "call-" + string(rune('1'+i)), Scenario: sc})
	}
	if err := simtest.WriteLog(path, calls...); err != nil {
		t.Fatal(err)
	}
	return path
}

// divergedLog writes a basic call whose first SETUP response was altered
// after the fact, so that verify finds the step that sent it diverging.
func divergedLog(t testing.TB) string {
	t.Helper()
	meta, evs, err := simtest.Events(simtest.Call{ID: "altered", Scenario: simtest.BasicCall(2)})
	if err != nil {
		t.Fatal(err)
	}
	altered := false
	for i, ev := range evs {
		if s, ok := ev.Output.(econn.Send); ok && s.Msg.Type == econn.MsgSetup && s.Msg.Resp && !altered {
			m := *s.Msg
			m.SessID = "tampered"
			evs[i].Output = econn.Send{Msg: &m, Via: s.Via}
			altered = true
		}
	}
	if !altered {
		t.Fatal("no SETUP response to alter")
	}
	path := filepath.Join(t.TempDir(), "altered.log")
	l, err := eventlog.Open(path, 0o600, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	w, err := l.CreateCall(meta)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if _, err := w.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// serve starts a Server over the logs at paths on an httptest server.
func serve(t testing.TB, paths ...string) *httptest.Server {
	t.Helper()
	var logs []Log
	for _, p := range paths {
		l, err := eventlog.Open(p, 0, &eventlog.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		logs = append(logs, Log{Name: filepath.Base(p), Log: l})
	}
	srv, err := New(logs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return ts
}

// getJSON asks the API and decodes the answer into v; it returns the
// status and the raw body.
func getJSON(t testing.TB, ts *httptest.Server, path string, q url.Values, v any) (int, string) {
	t.Helper()
	res, err := http.Get(ts.URL + path + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil && res.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, body)
		}
	}
	return res.StatusCode, string(body)
}

func callQuery(log, call string, kv ...string) url.Values {
	q := url.Values{"log": {log}, "call": {call}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}
