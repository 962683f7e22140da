package tail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// recording is a log being recorded, served on its socket.
type recording struct {
	path string
	log  *eventlog.Log
	w    *eventlog.CallWriter
	srv  *Server
}

func newRecording(t *testing.T, opts *ServerOptions) *recording {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rec.db")
	l, err := eventlog.Open(path, 0o600, &eventlog.Options{NoSync: true, BatchDelay: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w, err := l.CreateCall(eventlog.CallMeta{Source: "test", Endpoints: []eventlog.Endpoint{{User: "A", Client: "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Serve(l, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Watch(w)
	r := &recording{path: path, log: l, w: w, srv: srv}
	t.Cleanup(func() { r.close(t) })
	return r
}

func (r *recording) close(t *testing.T) {
	if err := r.w.Close(); err != nil {
		t.Error(err)
	}
	if err := r.srv.Close(); err != nil {
		t.Error(err)
	}
	if err := r.log.Close(); err != nil {
		t.Error(err)
	}
}

func note(i int) eventlog.Event {
	return eventlog.Event{At: time.Duration(i) * time.Millisecond, Endpoint: eventlog.Endpoint{User: "A", Client: "1"},
		Kind: eventlog.KindNote, Type: "tick", Note: &eventlog.Note{Text: fmt.Sprintf("note %d", i)}}
}

func (r *recording) append(t *testing.T, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		if _, err := r.w.Append(note(i)); err != nil {
			t.Fatal(err)
		}
	}
}

func follow(t *testing.T, path, id string) *Follower {
	t.Helper()
	f, err := Follow(context.Background(), path, id, &Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func waitCount(t *testing.T, f *Follower, n uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for f.Count() < n {
		if err := f.Wait(ctx, f.Count()); err != nil {
			t.Fatalf("waiting for %d events, have %d: %v", n, f.Count(), err)
		}
		if ended, _ := f.Ended(); ended && f.Count() < n {
			t.Fatalf("stream ended at %d events (want %d): %v", f.Count(), n, f.Err())
		}
	}
}

func checkEvents(t *testing.T, f *Follower, n int) {
	t.Helper()
	sc := f.Scan(1)
	i := 0
	for ev, ok := sc.Next(); ok; ev, ok = sc.Next() {
		i++
		if ev.Seq != uint64(i) || ev.Note == nil || ev.Note.Text != fmt.Sprintf("note %d", i) {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
	if sc.Err() != nil || i != n {
		t.Fatalf("scanned %d events (want %d): %v", i, n, sc.Err())
	}
}

// A follower gets the history, then the commits, then the close.
func TestFollowHistoryThenLive(t *testing.T) {
	r := newRecording(t, nil)
	r.append(t, 1, 50)
	if err := r.w.Flush(); err != nil {
		t.Fatal(err)
	}
	f := follow(t, r.path, "")
	if f.Meta().ID != r.w.ID() {
		t.Fatalf("meta %+v", f.Meta())
	}
	waitCount(t, f, 50)
	r.append(t, 51, 120)
	waitCount(t, f, 120)
	if f.Committed(51).IsZero() || !f.Committed(1).IsZero() {
		t.Errorf("commit times: live %v, history %v", f.Committed(51), f.Committed(1))
	}
	if err := r.w.UpdateMeta(func(m *eventlog.CallMeta) { m.Scenario = "grown" }); err != nil {
		t.Fatal(err)
	}
	r.append(t, 121, 121)
	waitCount(t, f, 121)
	if err := r.w.Close(); err != nil {
		t.Fatal(err)
	}
	<-f.Done()
	if f.Err() != nil || f.Meta().Scenario != "grown" {
		t.Fatalf("after close: err %v, meta %+v", f.Err(), f.Meta())
	}
	checkEvents(t, f, 121)
	// The follower is a replay source: the engine reads it.
	if _, err := replay.NewIndex(f, nil).At(121); err != nil {
		t.Fatal(err)
	}
}

// Events committed while the history is read arrive once, without a gap:
// many followers attach while the recorder appends.
func TestFollowWhileAppending(t *testing.T) {
	r := newRecording(t, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i <= 3000; i++ {
			if _, err := r.w.Append(note(i)); err != nil {
				t.Error(err)
				return
			}
			if i%100 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	var fs []*Follower
	for range 8 {
		fs = append(fs, follow(t, r.path, r.w.ID()))
		time.Sleep(2 * time.Millisecond)
	}
	<-done
	if err := r.w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		<-f.Done()
		if f.Err() != nil {
			t.Fatal(f.Err())
		}
		checkEvents(t, f, 3000)
	}
}

// The recorder stopping before the call closed, and the recorder's
// connection vanishing, are errors the follower names.
func TestFollowRecorderEnds(t *testing.T) {
	r := newRecording(t, nil)
	r.append(t, 1, 3)
	f := follow(t, r.path, "")
	waitCount(t, f, 3)
	if err := r.srv.Close(); err != nil {
		t.Fatal(err)
	}
	<-f.Done()
	if !errors.Is(f.Err(), ErrStopped) {
		t.Fatalf("err %v, want ErrStopped", f.Err())
	}
	if _, err := os.Lstat(r.srv.Path()); !os.IsNotExist(err) {
		t.Fatalf("socket left behind: %v", err)
	}
	if _, err := Follow(context.Background(), r.path, "", nil); !errors.Is(err, ErrNoRecorder) {
		t.Fatalf("follow after close: %v, want ErrNoRecorder", err)
	}
}

// A call of the log that is not being recorded comes whole, then Done;
// a call not in the log is refused.
func TestFollowOtherCalls(t *testing.T) {
	r := newRecording(t, nil)
	w2, err := r.log.CreateCall(eventlog.CallMeta{ID: "other"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 4; i++ {
		if _, err := w2.Append(note(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w2.Close(); err != nil {
		t.Fatal(err)
	}
	f := follow(t, r.path, "other")
	<-f.Done()
	if f.Err() != nil || f.Count() != 4 {
		t.Fatalf("other call: %d events, %v", f.Count(), f.Err())
	}
	_, err = Follow(context.Background(), r.path, "nope", nil)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("unknown call: %v", err)
	}
}

// A socket left by a crashed recorder is replaced by the next one, and a
// follower finding it says that nobody serves.
func TestStaleSocket(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rec.db")
	sock, _ := SocketPath(path)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // the socket stays, with nobody listening: a crash
	if _, err := Follow(context.Background(), path, "", nil); !errors.Is(err, ErrNoRecorder) {
		t.Fatalf("stale socket: %v, want ErrNoRecorder", err)
	}
	l, err := eventlog.Open(path, 0o600, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.CreateCall(eventlog.CallMeta{}); err != nil {
		t.Fatal(err)
	}
	srv, err := Serve(l, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	fi, err := os.Lstat(sock)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %v mode %v", err, fi.Mode())
	}
	f := follow(t, path, "")
	<-f.Done() // the call is not watched: its history, then Done
	if f.Err() != nil {
		t.Fatal(f.Err())
	}
}

// Serve does not replace a file that is not a socket.
func TestServeKeepsOtherFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.db")
	sock, _ := SocketPath(path)
	if err := os.WriteFile(sock, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := eventlog.Open(path, 0o600, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := Serve(l, nil); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Serve over a file: %v", err)
	}
	if _, err := Follow(context.Background(), path, "", nil); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("follow a file: %v, want ErrUnsafe", err)
	}
}

// A long log path gets its socket in the user's private directory.
func TestSocketPathLong(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 120))
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rec.db")
	sock, err := SocketPath(path)
	if err != nil || filepath.Dir(sock) != privateDir() || len(sock) > maxSocketPath {
		t.Fatalf("socket path %q: %v", sock, err)
	}
	l, err := eventlog.Open(path, 0o600, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	w, err := l.CreateCall(eventlog.CallMeta{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Serve(l, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.Watch(w)
	f := follow(t, path, "")
	if _, err := w.Append(note(1)); err != nil {
		t.Fatal(err)
	}
	waitCount(t, f, 1)
}

// Too many followers, and a follower that does not read, are refused or
// dropped without holding up the recorder.
func TestServerLimits(t *testing.T) {
	r := newRecording(t, &ServerOptions{MaxFollowers: 1, MaxQueue: 4096})
	f := follow(t, r.path, "")
	if _, err := Follow(context.Background(), r.path, "", nil); !errors.Is(err, ErrRefused) {
		t.Fatalf("second follower: %v, want ErrRefused", err)
	}
	// A raw connection that says hello and never reads.
	c, err := net.Dial("unix", r.srv.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f.Close()
	time.Sleep(50 * time.Millisecond) // the first follower's slot frees
	if _, err := c.Write(appendHello(nil, hello{version: Version})); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := 1; i <= 2000; i++ { // far more than MaxQueue: it is dropped, the recorder goes on
		if _, err := r.w.Append(eventlog.Event{Kind: eventlog.KindNote, Type: "big",
			Note: &eventlog.Note{Text: strings.Repeat("x", 2000)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.w.Flush(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a follower that does not read held up the recorder for %v", d)
	}
}
