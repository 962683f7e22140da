package eventlog_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Record a few events of a call, then read them back with a cursor.
func Example() {
	dir, err := os.MkdirTemp("", "eventlog-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// Open (or create) the log and start a call.
	l, err := eventlog.Open(filepath.Join(dir, "calls.log"), 0o600, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	alice := eventlog.Endpoint{User: "alice", Client: "phone"}
	w, err := l.CreateCall(eventlog.CallMeta{Source: "example", Endpoints: []eventlog.Endpoint{alice}})
	if err != nil {
		log.Fatal(err)
	}

	// Append: an input, an output it produced, and a note.
	for _, ev := range []eventlog.Event{
		{At: 0, Endpoint: alice, Conn: "s1", Kind: eventlog.KindInput,
			Input: eventlog.StepInput{In: econn.Start{SDP: "v=0", Props: econn.Props{"videosend": "false"}}}},
		{At: time.Millisecond, Endpoint: alice, Conn: "s1", Kind: eventlog.KindOutput,
			Output: econn.StateChanged{From: econn.StateIdle, To: econn.StatePendingOutgoing}},
		{At: 2 * time.Millisecond, Endpoint: alice, Kind: eventlog.KindNote, Type: "media",
			Note: &eventlog.Note{Text: "microphone opened"}},
	} {
		if _, err := w.Append(ev); err != nil {
			log.Fatal(err)
		}
	}
	// Flush makes them durable; Close flushes too.
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	// Read the call back: all events, then only the outputs.
	r, err := l.Call(w.ID())
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	fmt.Println(r.Meta().ID, r.Count(), "events,", r.Duration())
	c := r.Cursor(nil)
	for ev, ok := c.First(); ok; ev, ok = c.Next() {
		fmt.Println(ev.Seq, ev.At, ev.Endpoint, ev.Kind, ev.Type)
	}
	outputs := r.Cursor(&eventlog.Filter{Kinds: []eventlog.Kind{eventlog.KindOutput}})
	for ev, ok := outputs.First(); ok; ev, ok = outputs.Next() {
		sc := ev.Output.(econn.StateChanged)
		fmt.Println("output", ev.Seq, sc.From, "->", sc.To)
	}
	if err := c.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// call-0001 3 events, 2ms
	// 1 0s alice/phone input Start
	// 2 1ms alice/phone output StateChanged
	// 3 2ms alice/phone note media
	// output 2 Idle -> Pending-Outgoing
}
