package relay

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// stallFirstDeliver returns a Tap that holds the first deliver frame
// written to user's connection until release is called, as a full socket
// would: everything queued behind it waits.
func stallFirstDeliver(user string) (tap func(TapFrame), release func()) {
	gate := make(chan struct{})
	var once, rel sync.Once
	tap = func(f TapFrame) {
		if !f.Inbound && f.User == user && bytes.Contains(f.Data, []byte(`"deliver"`)) {
			once.Do(func() { <-gate })
		}
	}
	return tap, func() { rel.Do(func() { close(gate) }) }
}

// manyBoxes is one send frame from r holding n small boxes for to, with
// rising sequence numbers, the i-th holding "m<i>".
func (r *rawPeer) manyBoxes(t *testing.T, to Identity, conv string, n int) []byte {
	t.Helper()
	shared := mustShared(t, r.id.Private, to.Public)
	seq := uint64(time.Now().UnixNano())
	boxes := make([]addressed, n)
	for i := range boxes {
		b, err := sealBox(shared, cryptoRand, conv, seq+uint64(i), []byte(fmt.Sprintf("m%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		boxes[i] = addressed{User: to.User, Client: to.Client, Box: b}
	}
	return encodeFrame(&frame{Type: frameSend, Conv: conv, Boxes: boxes})
}

// The attack of issue 11: one frame of about 40 KB holding 400 small boxes
// for B/1. Counted in frames, it overflowed B/1's queue and the relay
// disconnected B/1; counted in bytes, it is 60 KB of deliveries, well
// within the sender's share, and B/1 gets all of it and stays.
func TestManySmallBoxesKeepRecipient(t *testing.T) {
	checkLeaks(t)
	tap, release := stallFirstDeliver("B")
	defer release()
	ts := startServer(t, ServerOptions{Tap: tap})
	a := dial(t, ts.url, "conv", "A", "1")
	b := dial(t, ts.url, "conv", "B", "1")
	m := rawJoin(t, ts.url, "conv", "M", "1")
	b.waitMembers(t, 3)

	const n = 400
	fr := m.manyBoxes(t, b.id, "conv", n)
	if len(fr) > 64<<10 {
		t.Fatalf("frame of %d bytes, want a small one", len(fr))
	}
	m.write(t, fr)
	// B's writer is held until the whole frame is fanned out, so that the
	// queue holds all of it at once however fast B reads.
	ts.waitStats(t, "the frame fanned out", func(st ServerStats) bool { return st.Forwarded+st.Dropped[DropBacklog] >= n })
	release()
	for i := 0; i < n; i++ {
		if r := b.next(t); string(r.Data) != fmt.Sprintf("m%d", i) || r.FromUser != "M" {
			t.Fatalf("delivery %d: %q from %s", i, r.Data, r.FromUser)
		}
	}
	if err := a.Send([]byte("still there")); err != nil {
		t.Fatal(err)
	}
	if r := b.next(t); string(r.Data) != "still there" {
		t.Errorf("B got %q", r.Data)
	}
	if st := ts.Stats(); st.Dropped[DropSlowConsumer] != 0 || st.Dropped[DropBacklog] != 0 || st.Clients != 3 {
		t.Errorf("stats %+v: want nobody disconnected, nothing refused", st)
	}
}

// A sender that floods one recipient beyond its share has its own boxes
// refused, with a named reason reported to it once; the recipient stays,
// and another sender's messages to it get through, in their turn.
func TestFloodingSenderRefused(t *testing.T) {
	checkLeaks(t)
	tap, release := stallFirstDeliver("B")
	defer release()
	const share = 2048
	ts := startServer(t, ServerOptions{SenderQueueBytes: share, RatePerSecond: -1, Tap: tap})
	a := dial(t, ts.url, "conv", "A", "1")
	b := dial(t, ts.url, "conv", "B", "1")
	m := rawJoin(t, ts.url, "conv", "M", "1")
	b.waitMembers(t, 3)

	const n = 400
	m.write(t, m.manyBoxes(t, b.id, "conv", n))
	m.expectDrop(t, DropBacklog)
	st := ts.waitStats(t, "the flood handled", func(st ServerStats) bool { return st.Forwarded+st.Dropped[DropBacklog] == n })
	passed := int(st.Forwarded)
	// Deliveries of ~130 bytes: the share holds about 15 of them.
	if passed < 5 || passed > share/100 {
		t.Fatalf("%d of %d boxes passed a %d-byte share", passed, n, share)
	}
	m.write(t, m.manyBoxes(t, b.id, "conv", 10)) // still backlogged: refused, not reported again
	ts.waitStats(t, "the second flood refused", func(st ServerStats) bool { return st.Dropped[DropBacklog] == uint64(n-passed+10) })

	if err := a.Send([]byte("from A")); err != nil { // A's share is untouched
		t.Fatal(err)
	}
	release()
	for i := 0; i < passed; i++ {
		if r := b.next(t); string(r.Data) != fmt.Sprintf("m%d", i) {
			t.Fatalf("delivery %d: %q", i, r.Data)
		}
	}
	if r := b.next(t); string(r.Data) != "from A" || r.FromUser != "A" {
		t.Errorf("B got %q from %s, want A's message", r.Data, r.FromUser)
	}
	b.none(t)
	if st := ts.Stats(); st.Dropped[DropSlowConsumer] != 0 || st.Clients != 3 {
		t.Errorf("stats %+v: want nobody disconnected", st)
	}
	if n := strings.Count(ts.logs.String(), "reason=backlog"); n != 1 {
		t.Errorf("backlog logged %d times, want once per run of refusals", n)
	}
	// Once B has caught up, M's boxes pass again.
	m.write(t, encodeFrame(&frame{Type: frameSend, Conv: "conv", Boxes: []addressed{m.sealFor(t, b.id, "conv", []byte("later"))}}))
	if r := b.next(t); string(r.Data) != "later" {
		t.Errorf("B got %q", r.Data)
	}
}

// The sentinel a client sees for a backlog refusal.
func TestBacklogServerError(t *testing.T) {
	err := serverError(&frame{Type: frameError, Reason: string(DropBacklog), Detail: "x"})
	var se *ServerError
	if !errors.Is(err, ErrBacklog) || !errors.As(err, &se) || se.Reason != DropBacklog {
		t.Errorf("got %v, want a ServerError backlog wrapping ErrBacklog", err)
	}
}
