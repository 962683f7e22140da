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
