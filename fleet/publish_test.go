package fleet

import (
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
)

const goldenLog = "../testdata/golden/01-answer-on-second-device.log"

// recording is a call copied, as a recorder would write it, from a
// recorded log into a new one.
type recording struct {
	l    *eventlog.Log
	w    *eventlog.CallWriter
	meta eventlog.CallMeta
	evs  []eventlog.Event
}

// newRecording opens a new log and creates the call of src in it, with
// no connection yet (a recorder learns them as the call goes), and the
// events still to write.
func newRecording(t testing.TB, src string) *recording {
	t.Helper()
	meta, evs := simtest.ReadCall(t, src, callIDs(t, src)[0])
	l, err := eventlog.Open(filepath.Join(t.TempDir(), "rec.log"), 0o600, &eventlog.Options{NoSync: true, BatchSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	start := meta
	start.ID, start.Conns = "", nil
	w, err := l.CreateCall(start)
	if err != nil {
		t.Fatal(err)
	}
	return &recording{l: l, w: w, meta: meta, evs: evs}
}

// write appends events from..to-1 as the recorder does, flushing each.
func (r *recording) write(t testing.TB, from, to int) {
	t.Helper()
	for _, ev := range r.evs[from:to] {
		if nc, ok := ev.Input.(eventlog.NewConn); ok {
			err := r.w.UpdateMeta(func(m *eventlog.CallMeta) {
				m.Conns = append(m.Conns, eventlog.ConnMeta{Endpoint: ev.Endpoint, Remote: nc.Remote, Config: nc.Config})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		ev.Seq = 0
		if _, err := r.w.Append(ev); err != nil {
			t.Fatal(err)
		}
		if err := r.w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
}

// check fetches the recording and compares it with the local call.
func (r *recording) check(t testing.TB, c *Client, rec string) {
	t.Helper()
	rm, err := c.Recording(testCtx(t), rec)
	if err != nil {
		t.Fatal(err)
	}
	if !rm.Closed || rm.Events != uint64(len(r.evs)) || rm.Outcome == "" || rm.Outcome == "no connections" {
		t.Errorf("metadata: closed %v, %d events of %d, outcome %q", rm.Closed, rm.Events, len(r.evs), rm.Outcome)
	}
	got, err := c.Events(testCtx(t), rm)
	if err != nil {
		t.Fatal(err)
	}
	wantMeta, want := simtest.CallOf(t, r.l, r.w.ID())
	sameCall(t, rec, wantMeta, rm.Meta, want, got)
	if n := subjectCount(t, c, rec); n != uint64(len(want)) {
		t.Errorf("the stream holds %d messages of %s, want %d (one per event)", n, rec, len(want))
	}
}

// subjectCount counts the messages the stream holds of recording rec.
func subjectCount(t testing.TB, c *Client, rec string) uint64 {
	t.Helper()
	s, err := c.js.Stream(testCtx(t), StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(testCtx(t), jetstream.WithSubjectFilter(RecordingSubjects(rec)))
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, k := range info.State.Subjects {
		n += k
	}
	return n
}

// TestPublishLive publishes a call as it is recorded.
func TestPublishLive(t *testing.T) {
	c := connect(t, serve(t).URL())
	r := newRecording(t, goldenLog)
	p := c.Watch(r.l, r.w, PublishOptions{})
	r.write(t, 0, len(r.evs))
	if err := r.w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if meta := r.w.Meta(); p.Recording() != RecordingID(&meta) {
		t.Fatalf("recording %s, want %s (the id an upload of the log gives)", p.Recording(), RecordingID(&meta))
	}
	r.check(t, c, p.Recording())
}

// TestDuplicatePublication: uploading twice, and a recorder that restarts
// and publishes its call again, leave one message per event.
func TestDuplicatePublication(t *testing.T) {
	c := connect(t, serve(t).URL())
	// The server forgets message ids at once: the publisher must ask.
	if err := Ensure(testCtx(t), c.js, StreamOptions{Duplicates: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	// A recorder publishes half of a call, then stops (its process ends).
	r := newRecording(t, goldenLog)
	p := c.Watch(r.l, r.w, PublishOptions{})
	half := len(r.evs) / 2
	r.write(t, 0, half)
	if err := r.w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	rec := p.Recording()
	// It restarts after the duplicate window: the call resumes and the
	// publisher starts again.
	time.Sleep(300 * time.Millisecond)
	w, err := r.l.ResumeCall(r.w.ID())
	if err != nil {
		t.Fatal(err)
	}
	r.w = w
	c2 := connect(t, c.nc.ConnectedUrl())
	p2 := c2.Watch(r.l, r.w, PublishOptions{})
	r.write(t, half, len(r.evs))
	if err := r.w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p2.Close(); err != nil {
		t.Fatal(err)
	}
	if p2.Recording() != rec {
		t.Fatalf("the resumed call publishes as %s, not %s", p2.Recording(), rec)
	}
	r.check(t, c, rec)
	// An upload of the same log: nothing new; twice: still nothing.
	if err := r.l.Close(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		rep, err := c.Upload(testCtx(t), r.l.Path(), UploadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Events != 0 || rep.Skipped != uint64(len(r.evs)) || len(rep.Recordings) != 1 || rep.Recordings[0] != rec {
			t.Fatalf("upload %d: %+v, want all %d events skipped of %s", i+1, rep, len(r.evs), rec)
		}
	}
	if r.l, err = eventlog.Open(r.l.Path(), 0, &eventlog.Options{ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	defer r.l.Close()
	r.check(t, c, rec)
	// Inside the window the server drops an event published twice.
	if err := Ensure(testCtx(t), c.js, StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	msg := eventMsg("other", SubjectPrefix+"._.other.all", 1, []byte("x"))
	for i, wantDup := range []bool{false, true} {
		ack, err := c.js.PublishMsg(testCtx(t), msg)
		if err != nil {
			t.Fatal(err)
		}
		if ack.Duplicate != wantDup {
			t.Errorf("publication %d: duplicate %v, want %v", i+1, ack.Duplicate, wantDup)
		}
	}
}

// freeAddr returns a loopback address no one listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestRecorderFleetDown: a recorder starts while the fleet is down, and
// the fleet comes up half-way, goes down and up again: the whole call
// arrives, once.
func TestRecorderFleetDown(t *testing.T) {
	addr := freeAddr(t)
	store := t.TempDir()
	c, err := ConnectLater("nats://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := newRecording(t, goldenLog)
	p := c.Watch(r.l, r.w, PublishOptions{CloseWait: 20 * time.Second, MaxQueue: 256})
	third := len(r.evs) / 3
	r.write(t, 0, third) // nobody listens
	s, err := Serve(ServerOptions{Listen: addr, StoreDir: store, MaxStore: 1 << 30, MaxMemory: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	r.write(t, third, 2*third)
	waitPublished(t, c, p, uint64(2*third))
	s.Shutdown()
	r.write(t, 2*third, len(r.evs)) // down again: past MaxQueue, read back from the log
	if err := r.w.Close(); err != nil {
		t.Fatal(err)
	}
	s = serveAt(t, addr, store)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	r.check(t, connect(t, s.URL()), p.Recording())
}

// waitPublished waits until the fleet acknowledged n events of p.
func waitPublished(t testing.TB, c *Client, p *Publisher, n uint64) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if p.Published() >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("after 15s the fleet has %d events, want %d", p.Published(), n)
}
