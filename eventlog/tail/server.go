package tail

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/callrec/callrec/eventlog"
)

// ServerOptions tune a Server; the zero value (or nil) gives the defaults.
type ServerOptions struct {
	// Logger gets the followers refused and the failures a follower's
	// connection met; nil discards them.
	Logger *slog.Logger
	// MaxFollowers bounds the followers served at once; 0 means 16.
	MaxFollowers int
	// MaxQueue bounds the bytes of events waiting for one follower; a
	// follower that falls further behind is dropped with an Error frame.
	// 0 means 64 MiB.
	MaxQueue int
}

// Timeouts of a follower's connection: for its Hello, and for each write
// (a follower that does not read is dropped).
const (
	helloTimeout = 5 * time.Second
	writeTimeout = 10 * time.Second
)

// Server serves a log's calls to followers on its socket. Its methods are
// safe for concurrent use.
type Server struct {
	log  *eventlog.Log
	path string
	ln   *net.UnixListener
	fi   fs.FileInfo // the socket as created, to remove only our own
	opts ServerOptions

	mu     sync.Mutex
	calls  map[string]*watched // the calls Watch was given
	latest string              // the call Watch was given last
	conns  map[*follower]struct{}
	closed bool
	wg     sync.WaitGroup
}

// watched is a call being recorded and its followers.
type watched struct {
	closed bool // the writer closed
	subs   map[*follower]struct{}
}

// Serve listens on the log's socket (SocketPath) and serves followers
// until Close. The caller must hold the log open for writing: that it
// does is what makes a socket already there one left by a crash, which
// Serve replaces.
func Serve(l *eventlog.Log, opts *ServerOptions) (*Server, error) {
	s := &Server{log: l, calls: map[string]*watched{}, conns: map[*follower]struct{}{}}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Logger == nil {
		s.opts.Logger = slog.New(slog.DiscardHandler)
	}
	s.opts.MaxFollowers = cmpOr(s.opts.MaxFollowers, 16)
	s.opts.MaxQueue = cmpOr(s.opts.MaxQueue, 64<<20)
	var err error
	if s.path, err = SocketPath(l.Path()); err != nil {
		return nil, err
	}
	if s.ln, s.fi, err = listen(s.path); err != nil {
		return nil, err
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

func cmpOr(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// listen creates the socket at path with mode 0600: bound in a private
// directory (0700) beside it, so that nobody can connect before the mode
// is set, then renamed into place over a stale one.
func listen(path string) (*net.UnixListener, fs.FileInfo, error) {
	dir := filepath.Dir(path)
	if dir == privateDir() {
		if err := ensurePrivateDir(dir); err != nil {
			return nil, nil, err
		}
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSocket == 0 {
		return nil, nil, fmt.Errorf("tail: %s exists and is not a socket: not replacing it", path)
	}
	tmp, err := os.MkdirTemp(dir, ".callrec-tail-")
	if err != nil {
		return nil, nil, fmt.Errorf("tail: %w", err)
	}
	defer os.RemoveAll(tmp)
	bound := filepath.Join(tmp, "s")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: bound, Net: "unix"})
	if err != nil {
		return nil, nil, fmt.Errorf("tail: listen: %w", err)
	}
	ln.SetUnlinkOnClose(false) // Close removes the socket at path, if still ours
	if err = os.Chmod(bound, 0o600); err == nil {
		err = os.Rename(bound, path)
	}
	var fi fs.FileInfo
	if err == nil {
		fi, err = os.Lstat(path)
	}
	if err != nil {
		ln.Close()
		return nil, nil, fmt.Errorf("tail: %w", err)
	}
	return ln, fi, nil
}

// Path returns the socket's path.
func (s *Server) Path() string { return s.path }

// Watch passes the batches w commits to the call's followers from now on,
// and tells them when w closes. It replaces w's on-commit hook.
func (s *Server) Watch(w *eventlog.CallWriter) {
	id := w.ID()
	s.mu.Lock()
	s.calls[id] = &watched{subs: map[*follower]struct{}{}}
	s.latest = id
	s.mu.Unlock()
	w.SetOnCommit(func(c eventlog.Commit) { s.committed(id, c) })
}

// committed hands a commit to the call's followers; it runs on the
// writer's goroutine, so it copies and never waits.
func (s *Server) committed(id string, c eventlog.Commit) {
	it := item{at: time.Now(), first: c.First, closed: c.Closed}
	if c.Meta != nil {
		it.meta = append([]byte(nil), c.Meta...)
	}
	if len(c.Ends) > 0 {
		data := append([]byte(nil), c.Data...)
		start := 0
		for _, end := range c.Ends {
			it.events = append(it.events, data[start:end:end])
			start = end
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.calls[id]
	if w == nil {
		return
	}
	w.closed = w.closed || c.Closed
	for f := range w.subs {
		f.push(it, s.opts.MaxQueue)
	}
}

// Close stops serving: each follower gets the events queued for it, then
// Done (stopped); the socket is removed. It waits for the connections to
// end, at most writeTimeout each.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for f := range s.conns {
		f.push(item{stop: true}, 0)
	}
	s.mu.Unlock()
	err := s.ln.Close()
	if fi, serr := os.Lstat(s.path); serr == nil && os.SameFile(fi, s.fi) {
		err = errors.Join(err, os.Remove(s.path))
	}
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			return // closed
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.serveConn(c)
		}()
	}
}

// serveConn checks the peer, reads its Hello and serves the call asked
// for.
func (s *Server) serveConn(c *net.UnixConn) {
	if uid, err := peerUID(c); err != nil || uid != os.Getuid() {
		s.opts.Logger.Warn("live tail: refused a connection from another user", "uid", uid, "err", err)
		return
	}
	_ = c.SetReadDeadline(time.Now().Add(helloTimeout))
	f, err := readFrame(c, maxHello)
	var h hello
	if err == nil {
		h, err = parseHello(f)
	}
	if err != nil {
		s.refuse(c, fmt.Sprintf("bad hello: %v", err))
		return
	}
	if h.version != Version {
		s.refuse(c, fmt.Sprintf("protocol version %d is not supported: this recorder speaks %d", h.version, Version))
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	fl := &follower{wake: make(chan struct{}, 1)}
	if err := s.serveCall(c, fl, h.call); err != nil && !errors.Is(err, net.ErrClosed) {
		s.opts.Logger.Warn("live tail: a follower's connection failed", "err", err)
	}
}

// refuse tells the peer why it is not served.
func (s *Server) refuse(c net.Conn, why string) {
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	b := appendHello(nil, hello{version: Version})
	_, _ = c.Write(appendText(b, frameError, 0, why))
}

// serveCall sends the call's history, then its commits until it closes.
func (s *Server) serveCall(c *net.UnixConn, fl *follower, id string) error {
	w, id, err := s.subscribe(fl, id)
	if err != nil {
		s.refuse(c, err.Error())
		return nil
	}
	defer s.unsubscribe(fl, id, w)
	out := &conn{c: c}
	out.buf = appendHello(out.buf, hello{version: Version})
	last, err := s.history(out, id)
	if err != nil {
		out.buf = appendText(out.buf, frameError, 0, err.Error())
		return out.flush()
	}
	if w == nil { // not being recorded here: the history is all
		out.buf = appendText(out.buf, frameDone, doneClosed, "the call is not being recorded")
		return out.flush()
	}
	return s.live(out, fl, last)
}

// subscribe registers fl for the call id ("" the latest watched, else the
// log's latest); w is nil for a call not being recorded.
func (s *Server) subscribe(fl *follower, id string) (*watched, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil, "", errors.New("the recorder is shutting down")
	case len(s.conns) >= s.opts.MaxFollowers:
		return nil, "", fmt.Errorf("too many followers (%d)", s.opts.MaxFollowers)
	}
	if id == "" {
		id = s.latest
	}
	if id == "" {
		infos, err := s.log.Calls()
		if err != nil || len(infos) == 0 {
			return nil, "", errors.Join(errors.New("the log holds no call yet"), err)
		}
		id = infos[len(infos)-1].Meta.ID
	}
	s.conns[fl] = struct{}{}
	w := s.calls[id]
	if w != nil {
		w.subs[fl] = struct{}{}
		if w.closed {
			fl.push(item{closed: true}, 0)
		}
	}
	return w, id, nil
}

func (s *Server) unsubscribe(fl *follower, id string, w *watched) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, fl)
	if w != nil {
		delete(w.subs, fl)
	}
}

// historyChunk is how many bytes of history go out per write.
const historyChunk = 256 << 10

// history sends the call's metadata and the events committed so far, and
// returns the last Seq sent.
func (s *Server) history(out *conn, id string) (uint64, error) {
	r, err := s.log.Call(id)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	meta, err := jsonMeta(r.Meta())
	if err != nil {
		return 0, err
	}
	out.buf = appendFrame(out.buf, frameMeta, func(b []byte) []byte { return append(b, meta...) })
	var evs [][]byte
	var size int
	first := uint64(1)
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		data, err := eventlog.EncodeEvent(ev)
		if err != nil {
			return 0, fmt.Errorf("event %d: %w", ev.Seq, err)
		}
		evs, size = append(evs, data), size+len(data)
		if size >= historyChunk {
			if err := out.events(time.Time{}, first, evs); err != nil {
				return 0, err
			}
			first += uint64(len(evs))
			evs, size = evs[:0], 0
		}
	}
	if err := cur.Err(); err != nil {
		return 0, err
	}
	if err := out.events(time.Time{}, first, evs); err != nil {
		return 0, err
	}
	return first + uint64(len(evs)) - 1, out.flush()
}

// live sends the commits queued for fl, skipping what the history held,
// until the call closes, the server stops or the follower falls behind.
func (s *Server) live(out *conn, fl *follower, last uint64) error {
	for {
		items, err := fl.take()
		if err != nil {
			out.buf = appendText(out.buf, frameError, 0, err.Error())
			return out.flush()
		}
		for _, it := range items {
			switch {
			case it.stop:
				out.buf = appendText(out.buf, frameDone, doneStopped, "the recorder stopped")
				return out.flush()
			case it.meta != nil:
				out.buf = appendFrame(out.buf, frameMeta, func(b []byte) []byte { return append(b, it.meta...) })
			}
			if len(it.events) > 0 && it.first > last+1 {
				return fmt.Errorf("tail: commit of events from %d after event %d", it.first, last)
			}
			if evs := it.after(last); len(evs) > 0 {
				if err := out.events(it.at, last+1, evs); err != nil {
					return err
				}
				last += uint64(len(evs))
			}
			if it.closed {
				out.buf = appendText(out.buf, frameDone, doneClosed, "the call closed")
				return out.flush()
			}
		}
		if err := out.flush(); err != nil {
			return err
		}
	}
}

// conn buffers a follower's frames.
type conn struct {
	c   net.Conn
	buf []byte
}

func (o *conn) events(at time.Time, first uint64, evs [][]byte) error {
	var err error
	o.buf, err = appendEvents(o.buf, at, first, evs)
	if err == nil && len(o.buf) >= historyChunk {
		err = o.flush()
	}
	return err
}

func (o *conn) flush() error {
	if len(o.buf) == 0 {
		return nil
	}
	_ = o.c.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := o.c.Write(o.buf)
	o.buf = o.buf[:0]
	return err
}
