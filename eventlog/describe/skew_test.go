package describe_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/export"
	"github.com/callrec/callrec/eventlog/pair"
)

// skewedEvents is a merged call whose devices' clocks differ: B/1's
// receive of A/1's SETUP comes before the SETUP's send in the log.
func skewedEvents() []eventlog.Event {
	a1, b1 := eventlog.Endpoint{User: "A", Client: "1"}, eventlog.Endpoint{User: "B", Client: "1"}
	setup := &econn.Message{Type: econn.MsgSetup, SessID: "sa", SDP: "v=0"}
	raw, _ := setup.Encode()
	return []eventlog.Event{
		{Seq: 1, At: 10 * time.Millisecond, Endpoint: b1, Conn: "sb", Kind: eventlog.KindInput, Type: eventlog.TypeRecv,
			Input: eventlog.RecvInput{FromUser: "A", FromClient: "1", Data: raw}},
		{Seq: 2, At: 20 * time.Millisecond, Endpoint: a1, Conn: "sa", Kind: eventlog.KindOutput, Type: "Send",
			Output: econn.Send{Msg: setup, Via: econn.TransportBackend}},
	}
}

// TestLadderReceiveBeforeSend: the receive waits for its send; when the
// send comes the message is one arrow, paired, done once.
func TestLadderReceiveBeforeSend(t *testing.T) {
	a1, b1 := eventlog.Endpoint{User: "A", Client: "1"}, eventlog.Endpoint{User: "B", Client: "1"}
	var log []string
	l := describe.NewStreamLadder([]eventlog.Endpoint{a1, b1}, describe.Hooks{
		New:  func(a *describe.Arrow) { log = append(log, "new "+a.Label()+" "+a.Status.String()) },
		Done: func(a *describe.Arrow) { log = append(log, "done "+a.Label()+" "+a.Status.String()) },
	})
	evs := skewedEvents()
	r, _ := l.Add(evs[0])
	s, _ := l.Add(evs[1])
	l.Flush()
	if r.Received != 1 || r.Sent != 0 || s.Sent != 2 || s.Received != 1 || s.Status != pair.Paired || s.To != b1 {
		t.Errorf("receive %+v, then send %+v", r, s)
	}
	if got, want := strings.Join(log, ", "), "new SETUP Status(0), done SETUP paired"; got != want {
		t.Errorf("hooks %q, want %q", got, want)
	}
}

// TestStreamsReceiveBeforeSend: the streaming ladder and the Mermaid
// export draw such a message as one received arrow, not as a receive
// without its send.
func TestStreamsReceiveBeforeSend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "skew.log")
	l, err := eventlog.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := l.CreateCall(eventlog.CallMeta{ID: "skew", Endpoints: []eventlog.Endpoint{{User: "A", Client: "1"}, {User: "B", Client: "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range skewedEvents() {
		ev.Seq = 0
		if _, err := w.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := l.Call("skew")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	defer r.Close()
	var lad, mer bytes.Buffer
	if err := describe.WriteLadder(&lad, r, nil, 1, 60); err != nil {
		t.Fatal(err)
	}
	if err := export.Write(&mer, r, export.Options{Format: export.Mermaid}); err != nil {
		t.Fatal(err)
	}
	rows, _, _ := strings.Cut(lad.String(), "legend:")
	if strings.Count(rows, "SETUP") != 1 || !strings.Contains(rows, "-SETUP-") || !strings.Contains(rows, ">|") ||
		strings.ContainsAny(rows, "!?x") {
		t.Errorf("ladder:\n%s", lad.String())
	}
	if strings.Count(mer.String(), "SETUP") != 1 || !strings.Contains(mer.String(), "P0->>P1: SETUP\n") {
		t.Errorf("mermaid:\n%s", mer.String())
	}
}
