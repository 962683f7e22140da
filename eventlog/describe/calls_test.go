package describe_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
)

// callsLog records a glare and a call nobody answers (with its caller's
// timeout) into one log.
func callsLog(t *testing.T) *eventlog.Log {
	t.Helper()
	path := filepath.Join(t.TempDir(), "calls.log")
	unanswered := "clients A/1 B/1\nstart A/1\nrun\nadvance 2m\n"
	if err := simtest.WriteLog(path, simtest.Call{ID: "glare", Scenario: simtest.Glare},
		simtest.Call{ID: "unanswered", Scenario: unanswered}); err != nil {
		t.Fatal(err)
	}
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// TestListCalls: a line per call with how each connection ended, and the
// same as JSON, with snake_case keys and the close reason by stable name.
func TestListCalls(t *testing.T) {
	calls, err := describe.ListCalls(callsLog(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || len(calls[1].Outcome) != 2 {
		t.Fatalf("%+v", calls)
	}
	a, b := calls[1].Outcome[0].Conn, calls[1].Outcome[1].Conn
	var out bytes.Buffer
	if err := describe.WriteCallTable(&out, calls); err != nil {
		t.Fatal(err)
	}
	want := "ID          START                 DURATION  ENDPOINTS  EVENTS  OUTCOME\n" +
		"glare       2026-01-01T00:00:00Z  1s        A/1,B/1    64      A/1#" + a + " Terminating, closed: normal; B/1#" + b + " Terminating, closed: normal\n" +
		"unanswered  2026-01-01T00:00:00Z  1m0s      A/1,B/1    23      A/1#" + a + " Terminating, closed: timed-out; B/1#" + b + " Terminating, closed: timed-out\n"
	if out.String() != want {
		t.Fatalf("table:\n%s\nwant:\n%s", out.String(), want)
	}

	out.Reset()
	if err := describe.WriteCallsJSON(&out, calls); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1]["id"] != "unanswered" || got[1]["duration"] != "1m0s" || got[1]["seed"] != 1.0 ||
		got[1]["source"] != "sim" || got[1]["scenario"] != "unanswered" || got[1]["events"] != 23.0 {
		t.Fatalf("JSON:\n%s", out.String())
	}
	conn := got[1]["outcome"].([]any)[1].(map[string]any)
	wantConn := map[string]any{"endpoint": "B/1", "conn": b, "closed": true, "reason": "timed-out", "state": "Terminating"}
	if !reflect.DeepEqual(conn, wantConn) {
		t.Errorf("outcome %v, want %v", conn, wantConn)
	}
	if strings.Contains(out.String(), "\"reason\": \"\"") {
		t.Errorf("a normal close has no reason key:\n%s", out.String())
	}
}

// TestListCallsOfAnEmptyLog: no calls is an empty list, not null.
func TestListCallsOfAnEmptyLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.log")
	l, err := eventlog.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	calls, err := describe.ListCalls(l)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := describe.WriteCallsJSON(&out, calls); err != nil || out.String() != "[]\n" {
		t.Fatalf("%q, %v", out.String(), err)
	}
}
