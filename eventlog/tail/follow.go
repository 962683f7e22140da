package tail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// Options tune Follow; the zero value (or nil) gives the defaults.
type Options struct {
	// Timeout bounds connecting and the recorder's first answer; 0 means
	// 5s.
	Timeout time.Duration
	// MaxBytes bounds the events held (in the log's codec); 0 means 1 GiB.
	MaxBytes int64
}

// Follower is a call followed as it is recorded: the events that arrived
// so far, in memory, growing while the recorder commits more. It is a
// replay.Source (Meta, Count, Scan); its methods are safe for concurrent
// use.
type Follower struct {
	path string
	conn net.Conn
	max  int64

	closeOnce sync.Once

	mu      sync.Mutex
	meta    eventlog.CallMeta
	metas   int           // Meta frames taken
	data    []byte        // the events in the log's codec, back to back
	ends    []int         // the end of each event in data
	commits []stamp       // when the events of each live batch committed
	changed chan struct{} // closed and replaced when something arrives
	done    chan struct{} // closed when the stream ended
	err     error         // why it ended; nil: the call closed
	note    string        // the recorder's words when it ended
}

// stamp is the commit time of the events from seq on.
type stamp struct {
	seq uint64
	at  time.Time
}

// Follow connects to the recorder of the log at logPath and asks for the
// call id ("" for the call it records latest). It returns once the
// recorder has sent the call's metadata; the events follow in the
// background. Errors wrap ErrNoRecorder when nobody serves the log, and
// the other sentinels of errors.go.
func Follow(ctx context.Context, logPath, id string, opts *Options) (*Follower, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	o.Timeout = cmpOrDur(o.Timeout, 5*time.Second)
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 30
	}
	path, err := SocketPath(logPath)
	if err != nil {
		return nil, err
	}
	c, err := dial(ctx, path, o.Timeout)
	if err != nil {
		return nil, err
	}
	f := &Follower{path: path, conn: c, max: o.MaxBytes, changed: make(chan struct{}), done: make(chan struct{})}
	_ = c.SetDeadline(time.Now().Add(o.Timeout))
	if err := f.start(c, id); err != nil {
		c.Close()
		return nil, fmt.Errorf("tail: %s: %w", path, err)
	}
	_ = c.SetDeadline(time.Time{})
	go f.run(c)
	return f, nil
}

func cmpOrDur(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

// dial connects to the socket at path after checking that it is the
// local user's, and checks the process that accepted.
func dial(ctx context.Context, path string, timeout time.Duration) (net.Conn, error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w: no socket %s", ErrNoRecorder, path)
	case err != nil:
		return nil, fmt.Errorf("tail: %w", err)
	case fi.Mode()&fs.ModeSocket == 0:
		return nil, fmt.Errorf("%w: %s is not a socket", ErrUnsafe, path)
	case !ownerOK(fi):
		return nil, fmt.Errorf("%w: %s belongs to another user", ErrUnsafe, path)
	}
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v (left by a recorder that ended?)", ErrNoRecorder, path, err)
	}
	if uid, err := peerUID(c.(*net.UnixConn)); err != nil || uid != os.Getuid() {
		c.Close()
		return nil, fmt.Errorf("%w: %s is served by user id %d", ErrUnsafe, path, uid)
	}
	return c, nil
}

// start sends the Hello and reads the recorder's Hello and the call's
// metadata.
func (f *Follower) start(c io.ReadWriter, id string) error {
	if _, err := c.Write(appendHello(nil, hello{version: Version, call: id})); err != nil {
		return fmt.Errorf("%w: %v", ErrNoRecorder, err)
	}
	fr, err := readFrame(c, maxHello)
	if err != nil {
		return noAnswer(err)
	}
	h, err := parseHello(fr)
	switch {
	case err != nil:
		return err
	case h.version != Version:
		return fmt.Errorf("%w: the recorder speaks version %d, this build %d", ErrVersion, h.version, Version)
	}
	if fr, err = readFrame(c, MaxFrame); err != nil {
		return noAnswer(err)
	}
	switch fr.typ {
	case frameMeta:
		return f.setMeta(fr.body, id)
	case frameError:
		_, text, err := parseText(fr, "Error")
		return errors.Join(fmt.Errorf("%w: %q", ErrRefused, text), err)
	}
	return fmt.Errorf("%w: want the call's metadata after Hello, got frame type %q", ErrProtocol, fr.typ)
}

func noAnswer(err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: it hung up without an answer", ErrGone)
	}
	return err
}

// setMeta takes a Meta frame's body: the metadata of the call asked for.
func (f *Follower) setMeta(data []byte, want string) error {
	var m eventlog.CallMeta
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("%w: Meta frame: %v", ErrProtocol, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	have := f.meta.ID
	if have == "" {
		have = want
	}
	switch {
	case m.ID == "":
		return fmt.Errorf("%w: Meta frame: the call has no id", ErrProtocol)
	case have != "" && m.ID != have:
		return fmt.Errorf("%w: Meta frame: call %q, following %q", ErrProtocol, m.ID, have)
	case m.FormatVersion > eventlog.FormatVersion:
		return fmt.Errorf("%w: call %s has format version %d, this build reads up to %d",
			eventlog.ErrNewerVersion, m.ID, m.FormatVersion, eventlog.FormatVersion)
	}
	f.meta = m
	f.metas++
	f.signalLocked()
	return nil
}

// run reads frames until the stream ends.
func (f *Follower) run(c net.Conn) {
	err := f.consume(c)
	c.Close()
	f.mu.Lock()
	f.err = err
	f.signalLocked()
	close(f.done)
	f.mu.Unlock()
}

// consume reads frames from r into f until Done, an error or the end;
// nil means the call closed.
func (f *Follower) consume(r io.Reader) error {
	for {
		fr, err := readFrame(r, MaxFrame)
		switch {
		case errors.Is(err, io.EOF):
			return fmt.Errorf("%w (after %d events)", ErrGone, f.Count())
		case errors.Is(err, net.ErrClosed):
			return fmt.Errorf("%w: closed by the follower", ErrGone)
		case err != nil:
			return err
		}
		if done, err := f.frame(fr); done || err != nil {
			return err
		}
	}
}

// frame takes one frame; done is true at the end of the stream.
func (f *Follower) frame(fr frame) (done bool, err error) {
	switch fr.typ {
	case frameMeta:
		return false, f.setMeta(fr.body, "")
	case frameEvents:
		e, err := parseEvents(fr)
		if err != nil {
			return true, err
		}
		return false, f.add(e)
	case frameDone:
		reason, text, err := parseText(fr, "Done")
		f.mu.Lock()
		f.note = text
		f.mu.Unlock()
		switch {
		case err != nil:
			return true, err
		case reason == doneClosed:
			return true, nil
		case reason == doneStopped:
			return true, ErrStopped
		}
		return true, fmt.Errorf("%w: Done frame: unknown reason %q", ErrProtocol, reason)
	case frameError:
		_, text, err := parseText(fr, "Error")
		return true, errors.Join(fmt.Errorf("%w: %q", ErrRefused, text), err)
	}
	return true, fmt.Errorf("%w: unknown frame type %q", ErrProtocol, fr.typ)
}

// add checks a run of events and appends it.
func (f *Follower) add(e events) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if want := uint64(len(f.ends)) + 1; e.first != want {
		return fmt.Errorf("%w: Events frame starts at event %d, want %d", ErrProtocol, e.first, want)
	}
	size := int64(len(f.data))
	for _, ev := range e.events {
		size += int64(len(ev))
	}
	if size > f.max {
		return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, f.max)
	}
	for i, ev := range e.events {
		if _, err := eventlog.DecodeEvent(e.first+uint64(i), ev); err != nil {
			return fmt.Errorf("%w: event %d: %v", ErrProtocol, e.first+uint64(i), err)
		}
	}
	if !e.committed.IsZero() {
		f.commits = append(f.commits, stamp{seq: e.first, at: e.committed})
	}
	for _, ev := range e.events {
		f.data = append(f.data, ev...)
		f.ends = append(f.ends, len(f.data))
	}
	f.signalLocked()
	return nil
}

func (f *Follower) signalLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// Close hangs up; closing twice is a no-op. The events that arrived stay
// readable.
func (f *Follower) Close() error {
	var err error
	f.closeOnce.Do(func() {
		select {
		case <-f.done: // the stream ended: run closed the connection
		default:
			if err = f.conn.Close(); errors.Is(err, net.ErrClosed) {
				err = nil
			}
		}
		<-f.done
	})
	return err
}

// Path returns the socket followed.
func (f *Follower) Path() string { return f.path }

// Meta returns the call's metadata as last sent.
func (f *Follower) Meta() eventlog.CallMeta {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.meta
}

// Count returns the number of events that arrived.
func (f *Follower) Count() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return uint64(len(f.ends))
}

// Progress returns the number of events that arrived and of the
// metadata updates, which a viewer compares to tell what changed.
func (f *Follower) Progress() (events uint64, metas int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return uint64(len(f.ends)), f.metas
}

// Changed returns a channel that is closed when events or metadata arrive
// or the stream ends after this call.
func (f *Follower) Changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

// Done is closed when the stream ended; Err then says why.
func (f *Follower) Done() <-chan struct{} { return f.done }

// Err returns why the stream ended: nil while it goes on and when the
// recorder closed the call, else an error wrapping ErrGone, ErrStopped,
// ErrProtocol, ...
func (f *Follower) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// Ended reports whether the stream ended, and the recorder's last words.
func (f *Follower) Ended() (bool, string) {
	select {
	case <-f.done:
	default:
		return false, ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return true, f.note
}

// Wait returns once more than n events arrived, the stream ended or ctx
// is done (its error).
func (f *Follower) Wait(ctx context.Context, n uint64) error {
	for {
		ch := f.Changed()
		if f.Count() > n {
			return nil
		}
		select {
		case <-f.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// Committed returns when event seq committed in the recorder, or the
// zero time for an event that came with the history.
func (f *Follower) Committed(seq uint64) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	i, found := slices.BinarySearchFunc(f.commits, seq, func(s stamp, q uint64) int { return cmpU(s.seq, q) })
	if !found {
		i--
	}
	if i < 0 {
		return time.Time{}
	}
	return f.commits[i].at
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Event returns event seq (1-based).
func (f *Follower) Event(seq uint64) (eventlog.Event, error) {
	f.mu.Lock()
	data, ok := f.eventLocked(seq)
	f.mu.Unlock()
	if !ok {
		return eventlog.Event{}, fmt.Errorf("%w: %d", eventlog.ErrNoEvent, seq)
	}
	return eventlog.DecodeEvent(seq, data)
}

func (f *Follower) eventLocked(seq uint64) ([]byte, bool) {
	if seq == 0 || seq > uint64(len(f.ends)) {
		return nil, false
	}
	start := 0
	if seq > 1 {
		start = f.ends[seq-2]
	}
	return f.data[start:f.ends[seq-1]:f.ends[seq-1]], true
}

// Scan returns the events with Seq >= from; it goes on to the events
// that arrive while it is read (the replay engine keeps a scanner between
// questions, and the call only grows).
func (f *Follower) Scan(from uint64) replay.Scanner {
	return &scanner{f: f, next: max(from, 1)}
}

type scanner struct {
	f    *Follower
	next uint64
	err  error
}

func (s *scanner) Next() (eventlog.Event, bool) {
	if s.err != nil {
		return eventlog.Event{}, false
	}
	s.f.mu.Lock()
	data, ok := s.f.eventLocked(s.next)
	s.f.mu.Unlock()
	if !ok {
		return eventlog.Event{}, false
	}
	ev, err := eventlog.DecodeEvent(s.next, data)
	if err != nil {
		s.err = err
		return eventlog.Event{}, false
	}
	s.next++
	return ev, true
}

func (s *scanner) Err() error { return s.err }

var _ replay.Source = (*Follower)(nil)
