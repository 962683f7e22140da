package describe_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
)

// TestListCallsInParts: thousands of calls are summarized in parts side
// by side; the listing is the one of a single goroutine, in the log's
// order.
func TestListCallsInParts(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	path := filepath.Join(t.TempDir(), "many.log")
	var calls []simtest.Call
	for i := range 2100 { // two parts of more than 1,024
		sc := simtest.Glare
		if i%3 == 0 {
			sc = "clients A/1 B/1\nstart A/1\nrun\nadvance 2m\n"
		}
		calls = append(calls, simtest.Call{ID: fmt.Sprintf("c%04d", i), Scenario: sc})
	}
	if err := simtest.WriteLog(path, calls...); err != nil {
		t.Fatal(err)
	}
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var listings [][]describe.CallSummary
	for _, procs := range []int{1, 4} {
		runtime.GOMAXPROCS(procs)
		got, err := describe.ListCalls(l)
		if err != nil || len(got) != len(calls) {
			t.Fatalf("GOMAXPROCS %d: %d calls, %v", procs, len(got), err)
		}
		for i, c := range got {
			if c.ID != calls[i].ID {
				t.Fatalf("GOMAXPROCS %d: call %d is %s", procs, i, c.ID)
			}
		}
		listings = append(listings, got)
	}
	if !reflect.DeepEqual(listings[0], listings[1]) {
		t.Fatal("the listing in parts differs from the listing on one goroutine")
	}
}
