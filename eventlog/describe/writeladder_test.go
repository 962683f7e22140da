package describe_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
)

// TestWriteLadder: the ladder of a call read from its log is the ladder of
// its events from the given one on, keeping the arrows with an end kept.
func TestWriteLadder(t *testing.T) {
	const scenario = "clients A/1 B/1 B/2\nstart A/1\nrun\nanswer B/2\nrun\nadvance 1s\nend A/1\nrun\nadvance 10s\n"
	path := filepath.Join(t.TempDir(), "fan.log")
	if err := simtest.WriteLog(path, simtest.Call{ID: "fan", Scenario: scenario}); err != nil {
		t.Fatal(err)
	}
	meta, evs, err := simtest.Events(simtest.Call{ID: "fan", Scenario: scenario})
	if err != nil {
		t.Fatal(err)
	}
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	b1 := simtest.B1
	onlyB1 := func(ep eventlog.Endpoint) bool { return ep == b1 }
	// want draws the ladder of the events from seq from on by hand.
	want := func(from uint64, keep func(eventlog.Endpoint) bool, width int) string {
		ld := describe.NewLadder(meta.Endpoints)
		for _, ev := range evs {
			if ev.Seq >= from {
				ld.Add(ev)
			}
		}
		var arrows []describe.Arrow
		for _, a := range ld.Arrows() {
			if keep == nil || keep(a.From) || keep(a.To) {
				arrows = append(arrows, a)
			}
		}
		var b bytes.Buffer
		if err := describe.DrawLadder(&b, ld.Endpoints(), arrows, width); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	var full string
	for _, c := range []struct {
		name  string
		from  uint64
		keep  func(eventlog.Endpoint) bool
		width int
	}{
		{"all", 0, nil, 100},
		{"B/1 only", 1, onlyB1, 100},
		{"from the middle", uint64(len(evs) / 2), nil, 60},
	} {
		r, err := l.OnlyCall()
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		err = describe.WriteLadder(&got, r, c.keep, c.from, c.width)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if w := want(c.from, c.keep, c.width); got.String() != w {
			t.Errorf("%s:\n%s\nwant:\n%s", c.name, got.String(), w)
		}
		n := strings.Count(got.String(), "\n")
		switch {
		case c.name == "all":
			full = got.String()
			if n < 6 || !strings.Contains(full, "SETUP") || !strings.Contains(full, "HANGUP") {
				t.Fatalf("a fan-out call's ladder:\n%s", full)
			}
		case n < 2 || n >= strings.Count(full, "\n"):
			t.Errorf("%s: %d lines of %d:\n%s", c.name, n, strings.Count(full, "\n"), got.String())
		}
	}
}
