package replaytest

import (
	"testing"

	"github.com/callrec/callrec/econn"
)

func TestBasicCallEndsClosed(t *testing.T) {
	var m Memory
	rec := NewRecorder(&m)
	BasicCall(rec, 3)
	if err := Check(rec, &m); err != nil {
		t.Fatal(err)
	}
	for _, c := range rec.Conns() {
		s := c.Econn.Snapshot()
		if s.State != econn.StateTerminating || !s.Closed {
			t.Errorf("%s: %v, want Terminating and closed", c.Self, s)
		}
	}
}

func TestGlareResolves(t *testing.T) {
	var m Memory
	rec := NewRecorder(&m)
	Glare(rec)
	if err := Check(rec, &m); err != nil {
		t.Fatal(err)
	}
	a, b := rec.Conns()[0].Econn.Snapshot(), rec.Conns()[1].Econn.Snapshot()
	if a.Conflict != econn.ConflictLoser || b.Conflict != econn.ConflictWinner {
		t.Fatalf("conflict A %v, B %v; want loser, winner", a.Conflict, b.Conflict)
	}
	if !a.Closed || !b.Closed {
		t.Fatalf("A %v, B %v: want both closed", a, b)
	}
}
