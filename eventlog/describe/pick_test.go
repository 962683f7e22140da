package describe_test

import (
	"bytes"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
)

// TestOpenCall: a named call opens without a note; with none named, the
// only call opens silently and of several the latest opens after a note
// that names the log (escaped), the count and what the command does.
func TestOpenCall(t *testing.T) {
	l := callsLog(t)
	var note bytes.Buffer
	r, err := describe.OpenCall(l, "glare", &note, "prog", "showing", "x.log")
	if err != nil || r.Meta().ID != "glare" || note.Len() != 0 {
		t.Fatalf("named call: %v, note %q", err, note.String())
	}
	r.Close()
	r, err = describe.OpenCall(l, "", &note, "prog", "showing", "x\x1b.log")
	if err != nil || r.Meta().ID != "unanswered" {
		t.Fatalf("latest call: %v", err)
	}
	r.Close()
	want := "prog: x\\x1b.log holds 2 calls; showing the latest, unanswered (use --call to pick one)\n"
	if note.String() != want {
		t.Errorf("note %q, want %q", note.String(), want)
	}
	if _, err := describe.OpenCall(l, "nope", &note, "prog", "showing", "x.log"); err == nil {
		t.Error("a call the log does not hold opened")
	}

	path := filepath.Join(t.TempDir(), "one.log")
	if err := simtest.WriteLog(path, simtest.Call{ID: "only", Scenario: simtest.Glare}); err != nil {
		t.Fatal(err)
	}
	one, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	note.Reset()
	r, err = describe.OpenCall(one, "", &note, "prog", "showing", path)
	if err != nil || r.Meta().ID != "only" || note.Len() != 0 {
		t.Fatalf("only call: %v, note %q", err, note.String())
	}
	r.Close()
}

// TestCallIDsAndEndpoints: the ids in the order recorded, each endpoint once.
func TestCallIDsAndEndpoints(t *testing.T) {
	l := callsLog(t)
	if got, want := describe.CallIDs(l), []string{"glare", "unanswered"}; !reflect.DeepEqual(got, want) {
		t.Errorf("CallIDs = %q, want %q", got, want)
	}
	eps := describe.Endpoints(l)
	seen := map[string]bool{}
	for _, ep := range eps {
		if seen[ep] {
			t.Errorf("endpoint %s listed twice in %q", ep, eps)
		}
		seen[ep] = true
	}
	if !seen["A/1"] || !seen["B/1"] {
		t.Errorf("Endpoints = %q, want A/1 and B/1 among them", eps)
	}
}
