package sim

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/clocks"
)

func TestParseClockOffset(t *testing.T) {
	for s, want := range map[string]time.Duration{"+3.2s": 3200 * time.Millisecond, "-500ms": -500 * time.Millisecond,
		"250": 250 * time.Millisecond, "-24h": -24 * time.Hour, "0": 0} {
		if got, err := parseOffset(s); err != nil || got != want {
			t.Errorf("parseOffset(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	pe := parseErrors(t, "clients A/1 B/1\nconfig B/1 clock-offset=soon\nconfig B/1 clock-offset=+-1s\nconfig A/1 clock-offset=25h\n")
	want := []string{
		`f.txt:2: config clock-offset: bad offset "soon" (e.g. +3.2s, -500ms)`,
		`f.txt:3: config clock-offset: bad offset "+-1s" (e.g. +3.2s, -500ms)`,
		`f.txt:4: config clock-offset: offset "25h": at most 24h0m0s either way`,
	}
	if got := pe.Messages(); !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A device with an offset clock records its events on it; the others do
// not, and the call says its devices recorded on different clocks.
func TestClockOffsetRecorded(t *testing.T) {
	sc, err := ParseString("skew.txt", "clients A/1 B/1\nconfig B/1 clock-offset=+3.2s\nstart A/1\nrun\nadvance 1s\nanswer B/1\nrun\n")
	if err != nil {
		t.Fatal(err)
	}
	var firstA, firstB time.Duration = -1, -1
	l, err := eventlog.Open(filepath.Join(t.TempDir(), "skew.log"), 0o644, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = Run(sc, Options{Seed: 1, Log: l, CallID: "skew", Observe: func(ev eventlog.Event) {
		switch {
		case ev.Endpoint.User == "A" && firstA < 0:
			firstA = ev.At
		case ev.Endpoint.User == "B" && firstB < 0:
			firstB = ev.At
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	// Both devices' first events happen at the world's time 0.
	if firstA != 0 || firstB != 3200*time.Millisecond {
		t.Errorf("first events at %v (A/1) and %v (B/1), want 0 and 3.2s", firstA, firstB)
	}
	infos, err := l.Calls()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := infos[0].Meta.Labels[clocks.Label]; !ok || !clocks.Wanted(infos[0].Meta) {
		t.Errorf("a call with a clock offset is not labelled: %v", infos[0].Meta.Labels)
	}
}
