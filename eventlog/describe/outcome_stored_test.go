package describe

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/callrec/callrec/eventlog"
)

// TestStoredOutcomeMatchesEvents: the outcome a writer stores when it
// closes is the one ls would work out from the call's events, on every
// scenario's golden log and every compat log. Each log of the current
// format must have stored outcomes, so that the test cannot pass by
// comparing nothing.
func TestStoredOutcomeMatchesEvents(t *testing.T) {
	golden, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "golden", "*.log"))
	compat, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "compat", "v*", "*"))
	if len(golden) == 0 {
		t.Fatal("no golden logs")
	}
	compared := 0
	for _, path := range append(golden, compat...) {
		if ext := filepath.Ext(path); ext != ".log" && ext != ".db" {
			continue
		}
		compared += checkStoredOutcomes(t, path)
	}
	if compared < len(golden) {
		t.Errorf("compared %d stored outcomes, want at least one per golden log (%d)", compared, len(golden))
	}
}

// checkStoredOutcomes compares every call's stored outcome with the
// events' and returns how many it compared.
func checkStoredOutcomes(t *testing.T, path string) int {
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
	n := 0
	for _, info := range infos {
		if info.Meta.FormatVersion == eventlog.FormatVersion && info.Outcome == nil {
			t.Errorf("%s: call %s: no stored outcome", path, info.Meta.ID)
		}
		if info.Outcome == nil {
			continue
		}
		read, err := readOutcome(l, info.Meta.ID)
		if err != nil {
			t.Fatal(err)
		}
		stored := &Outcome{}
		for _, co := range info.Outcome {
			stored.conns = append(stored.conns, storedConn(co))
		}
		if !reflect.DeepEqual(stored.Conns(), read.Conns()) || stored.String() != read.String() {
			t.Errorf("%s: call %s: stored outcome %s, the events say %s", path, info.Meta.ID, stored, read)
		}
		n++
	}
	return n
}
