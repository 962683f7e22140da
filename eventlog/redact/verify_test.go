package redact_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/redact"
	"github.com/callrec/callrec/eventlog/replay"
)

// personalScenario is a call whose props, alerts and injected messages
// hold a nickname, a phone number and addresses, on top of the ids.
const personalScenario = `clients {A} {B}
props {A} videosend=true nick=AliceLiddell phone=+4915112345678
props {B} videosend=false nick=BobBrown
start {A}
run
advance 2s
answer {B}
run
advance 300ms
propsync {A} muted=true nick=AliceLiddell
run
alert {B} level=2 descr=BobBrown@198.51.100.23
inject from={A} to={B} {"version":"3.0","type":"CANCEL","sessid":"AliceSess","resp":false,"nick":"AliceLiddell"}
inject from={A} to={B} via=direct {"version":"3.0","type":"SETUP","sessid":"AliceSess","resp":"AliceLiddell 198.51.100.23"}
run
advance 1s
end {A}
run
advance 10s
`

// verifyAll verifies every call of the log at path, failing on any
// divergence.
func verifyAll(t *testing.T, path string) int {
	t.Helper()
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	infos, err := l.Calls()
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		r, err := l.Call(info.Meta.ID)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := replay.Verify(replay.Reader(r))
		r.Close()
		if err != nil {
			t.Fatalf("%s call %s: %v", path, info.Meta.ID, err)
		}
		if rep.First != nil {
			t.Errorf("%s call %s diverges at step %d: %+v", path, info.Meta.ID, rep.First.Number, rep.First.Step.Divergence)
		}
	}
	return len(infos)
}

// TestRedactedCallsVerify redacts simulated calls full of personal data
// and every log of testdata/compat (simulated, live, cross-process, of
// every format version): each still verifies, and the personal data is
// gone.
func TestRedactedCallsVerify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "personal.log")
	l, err := eventlog.Open(path, 0o600, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	sc := strings.NewReplacer("{A}", alice.String(), "{B}", bob.String()).Replace(personalScenario)
	for _, c := range []simtest.Call{{ID: "personal", Scenario: sc}, {ID: "glare", Scenario: simtest.GlareBetween(alice, bob)}} {
		if err := simtest.Record(l, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	personal := []string{"AliceLiddell", "4915112345678", "BobBrown", "198.51.100.23", "AliceSess", alice.User, bob.Client}
	raw, _ := os.ReadFile(path)
	for _, s := range personal {
		if !strings.Contains(string(raw), s) {
			t.Fatalf("the original lacks %q: the test proves nothing", s)
		}
	}
	logs := []string{path}
	compat, err := filepath.Glob(filepath.Join("..", "..", "testdata", "compat", "v*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range compat {
		if !strings.HasSuffix(c, ".md") {
			logs = append(logs, c)
		}
	}
	for i, in := range logs {
		n := verifyAll(t, in)
		out := filepath.Join(t.TempDir(), filepath.Base(in))
		st, err := redact.File(in, out, redact.Options{})
		if err != nil {
			t.Fatalf("redact %s: %v", in, err)
		}
		if st.Calls != n || verifyAll(t, out) != n {
			t.Errorf("%s: %d calls, %d redacted", in, n, st.Calls)
		}
		if i == 0 {
			raw, _ := os.ReadFile(out)
			for _, s := range personal {
				if strings.Contains(string(raw), s) {
					t.Errorf("the redacted log still holds %q", s)
				}
			}
		}
	}
}
