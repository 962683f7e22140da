package redact_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/redact"
	"github.com/callrec/callrec/eventlog/replay"
)

// Ids shaped like real ones; the caller's user id sorts first, so the
// callee wins glare.
var (
	alice = eventlog.Endpoint{User: "193ac375-d7f0-4a0e-a237-e409297c7c9f", Client: "fcf510876f3349e4"}
	bob   = eventlog.Endpoint{User: "293ac375-d7f0-4a0e-a237-e409297c7c9f", Client: "0a1b2c3d4e5f6789"}
)

// secrets are what a redacted log must not contain: the ids, and what
// the simulated media legs put in their SDPs (host candidates, ICE
// credentials, the first leg's fingerprint).
var secrets = []string{alice.User, alice.Client, bob.User, bob.Client,
	"10.0.0.2", "10.0.0.3", "simpassword", "ice-ufrag:sim", "1F:26:2D", "9GMi"}

// personalLog writes a log of two calls between alice and bob.
func personalLog(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "personal.log")
	l, err := eventlog.Open(path, 0o600, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, c := range []simtest.Call{
		{ID: "call", Scenario: simtest.BasicCallBetween(alice, bob, 3)},
		{ID: "glare", Scenario: simtest.GlareBetween(alice, bob)},
	} {
		if err := simtest.Record(l, c); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// sentences replays a call of the log at path, failing on a divergence,
// and returns its events as sentences.
func sentences(t *testing.T, path, id string) []string {
	t.Helper()
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r, err := l.Call(id)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rp := replay.NewReplayer(replay.Reader(r))
	var out []string
	for rp.Next() {
		if d := rp.Step().Divergence; d != nil {
			t.Fatalf("%s call %s diverges at event %d", path, id, rp.Step().Input.Seq)
		}
	}
	if err := rp.Err(); err != nil {
		t.Fatal(err)
	}
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		out = append(out, describe.Sentence(ev))
	}
	return out
}

func TestFile(t *testing.T) {
	in := personalLog(t)
	raw, _ := os.ReadFile(in)
	for _, s := range secrets {
		if !strings.Contains(string(raw), s) {
			t.Fatalf("the original log lacks %q: the test proves nothing", s)
		}
	}
	out := filepath.Join(t.TempDir(), "redacted.log")
	st, err := redact.File(in, out, redact.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Calls != 2 || st.Events == 0 {
		t.Fatalf("stats %+v", st)
	}
	raw, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(raw), s) {
			t.Errorf("the redacted log still contains %q", s)
		}
	}
	orig, red := sentences(t, in, "call"), sentences(t, out, "call")
	if len(orig) != len(red) {
		t.Fatalf("redaction changed the number of events: %d -> %d", len(orig), len(red))
	}
	text := strings.Join(red, "\n")
	for _, want := range []string{
		// Ids keep their order: users 193... (alice) < 293... (bob),
		// clients 0a1b... (bob) < fcf5... (alice); session ids
		// become s<i> ("nope" is the injected CANCEL's).
		"recv SETUP request from u1/c2 sess s1",
		`ignored CANCEL: CANCEL for session "s3", remote session is "s1"`,
		"answer the call from u1/c2",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("redacted call lacks %q:\n%s", want, text)
		}
	}
	// Glare resolves the same way, and an id has one pseudonym throughout
	// the log: bob (u2) wins over alice (u1) in the other call too.
	if glare := strings.Join(sentences(t, out, "glare"), "\n"); !strings.Contains(glare, "SETUP glare: u2/c1 wins over u1/c2") {
		t.Errorf("glare resolved differently after redaction:\n%s", glare)
	}
}

func TestLogRefusesExistingOutput(t *testing.T) {
	in := personalLog(t)
	out := filepath.Join(t.TempDir(), "there.log")
	if err := os.WriteFile(out, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := redact.File(in, out, redact.Options{}); !errors.Is(err, redact.ErrExists) || !strings.Contains(err.Error(), out) {
		t.Fatalf("err %v", err)
	}
	if data, _ := os.ReadFile(out); string(data) != "keep me" {
		t.Fatal("the existing file was touched")
	}
}

// TestLogLeavesNothingOnFailure redacts a log whose ids differ only in
// case: it fails, and no output is left behind.
func TestLogLeavesNothingOnFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "case.log")
	l, err := eventlog.Open(path, 0o600, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	meta := eventlog.CallMeta{ID: "c", FormatVersion: eventlog.FormatVersion,
		Endpoints: []eventlog.Endpoint{{User: "Amy", Client: "1"}, {User: "AMY", Client: "2"}}}
	w, err := l.CreateCall(meta)
	if err == nil {
		err = w.Close()
	}
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.log")
	if _, err := redact.File(path, out, redact.Options{}); !errors.Is(err, redact.ErrAmbiguousIDs) {
		t.Fatalf("err %v", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("output left behind: %v", err)
	}
}

// TestNewRedactsOneCall redacts one call event by event, as export does.
func TestNewRedactsOneCall(t *testing.T) {
	l, err := eventlog.Open(personalLog(t), 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r, err := l.Call("glare")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	red, err := redact.New(r)
	if err != nil {
		t.Fatal(err)
	}
	meta := red.Meta(r.Meta())
	if got := meta.Endpoints[0].String() + " " + meta.Endpoints[1].String(); got != "u1/c2 u2/c1" {
		t.Fatalf("endpoints %s", got)
	}
	if r.Meta().Endpoints[0] != alice {
		t.Fatal("Meta changed the reader's metadata")
	}
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		got, err := red.Event(ev)
		if err != nil {
			t.Fatal(err)
		}
		if s := describe.Sentence(got); strings.Contains(s, alice.User) || strings.Contains(s, bob.Client) {
			t.Fatalf("event %d not redacted: %s", ev.Seq, s)
		}
	}
}
