package replay_test

import (
	"testing"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// A PROPSYNC the call layer received (recorded as a NotePropsync note, not
// an ECONN input) sets the connection's remote props from that event on,
// whatever checkpoint a question starts from.
func TestIndexRemotePropsFromPropsyncNote(t *testing.T) {
	log, err := eventlog.Open("../../testdata/golden/34-propsync.log", 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	r, err := log.OnlyCall()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, every := range []uint64{2, 7, 2048} {
		ix := replay.NewIndex(replay.Reader(r), &replay.IndexOptions{CheckpointEvery: every})
		var note eventlog.Event
		cur := r.Cursor(&eventlog.Filter{Types: []string{eventlog.NotePropsync}, Endpoints: []eventlog.Endpoint{{User: "B", Client: "1"}}})
		for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
			if eventlog.PropsOfNote(ev.Note)["muted"] == "true" {
				note = ev
				break
			}
		}
		if note.Seq == 0 {
			t.Fatal("the golden log has no PROPSYNC with muted=true at B/1")
		}
		before, err := ix.At(note.Seq - 1)
		if err != nil {
			t.Fatal(err)
		}
		after, err := ix.At(note.Seq)
		if err != nil {
			t.Fatal(err)
		}
		id := replay.ConnOf(note)
		if got := propsOf(before, id)["muted"]; got == "true" {
			t.Fatalf("every %d: muted=true before the PROPSYNC arrived", every)
		}
		if got := propsOf(after, id); got["muted"] != "true" || got["videosend"] != "true" {
			t.Fatalf("every %d: remote props after the PROPSYNC: %v", every, got)
		}
	}
}

func propsOf(st *replay.State, id replay.ConnID) map[string]string {
	for _, c := range st.Conns {
		if c.ID == id {
			return c.RemoteProps
		}
	}
	return nil
}

// At pairs a connection's props with those before the step of the event
// asked about, as it pairs After with Before: changed at the step that
// sent or received them and at its outputs, unchanged at a note and for
// the other connections.
func TestIndexPropsBeforeTheStep(t *testing.T) {
	log, err := eventlog.Open("../../testdata/golden/34-propsync.log", 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	r, err := log.OnlyCall()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	a := eventlog.Endpoint{User: "A", Client: "1"}
	cases := []struct {
		seq     uint64
		ep      eventlog.Endpoint
		changed bool
		why     string
	}{
		{20, a, true, "A/1 receives B's SETUP response with its props"},
		{23, a, true, "an output of that step"},
		{27, a, false, "data channel established carries no props"},
		{46, a, true, "A/1 sends a PROPSYNC with new props"},
		{47, a, true, "the Send of that step"},
		{48, a, false, "a note is no step"},
		{49, a, false, "B/1's step leaves A/1 alone"},
	}
	for _, every := range []uint64{2, 7, 2048} {
		ix := replay.NewIndex(replay.Reader(r), &replay.IndexOptions{CheckpointEvery: every})
		for _, c := range cases {
			st, err := ix.At(c.seq)
			if err != nil {
				t.Fatal(err)
			}
			cs, ok := connAt(st, c.ep)
			if !ok {
				t.Fatalf("event %d: no connection of %s", c.seq, c.ep)
			}
			if cs.PropsChanged() != c.changed {
				t.Errorf("every %d, event %d (%s): props changed %t; before %v/%v, now %v/%v", every, c.seq, c.why,
					cs.PropsChanged(), cs.LocalPropsBefore, cs.RemotePropsBefore, cs.LocalProps, cs.RemoteProps)
			}
		}
		st, err := ix.At(46)
		if err != nil {
			t.Fatal(err)
		}
		cs, _ := connAt(st, a)
		if cs.LocalPropsBefore["muted"] == "true" || cs.LocalProps["muted"] != "true" {
			t.Errorf("every %d: local props at 46: before %v, now %v", every, cs.LocalPropsBefore, cs.LocalProps)
		}
	}
}

func connAt(st *replay.State, ep eventlog.Endpoint) (replay.ConnState, bool) {
	for _, c := range st.Conns {
		if c.ID.Endpoint == ep {
			return c, true
		}
	}
	return replay.ConnState{}, false
}
