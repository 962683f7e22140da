package web

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"sync"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

//go:embed static
var staticFiles embed.FS

// Log is one event log the server shows, under the name the page gives it
// (the path it was opened from).
type Log struct {
	Name string
	Log  *eventlog.Log
}

// Options tune a Server.
type Options struct {
	// CheckpointEvery is the distance between the replay index's
	// checkpoints: a step replays at most this many events to show the
	// states. DefaultCheckpointEvery when zero.
	CheckpointEvery uint64
}

// DefaultCheckpointEvery keeps one step's replay well under what a 50 ms
// answer allows, as the terminal viewer does.
const DefaultCheckpointEvery = 256

// Server is the page and its API over a set of open logs. It only reads
// them; the caller closes them after Close.
type Server struct {
	logs []Log
	opts replay.IndexOptions
	mux  *http.ServeMux

	mu    sync.Mutex
	calls map[callKey]*callView // opened so far, closed by Close
	lists [][]callEntry         // each log's calls, read once (nil: not yet)
}

// callKey names a call among the server's logs.
type callKey struct {
	log int
	id  string
}

// New returns a Server over logs, which must be open (read-only is
// enough) and stay open until Close.
func New(logs []Log, opts Options) (*Server, error) {
	if len(logs) == 0 {
		return nil, errors.New("web: no log to show")
	}
	s := &Server{logs: logs, calls: map[callKey]*callView{}, lists: make([][]callEntry, len(logs)),
		opts: replay.IndexOptions{CheckpointEvery: cmpOr(opts.CheckpointEvery, DefaultCheckpointEvery)}}
	s.mux = http.NewServeMux()
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	files := http.FileServerFS(static)
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", files))
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		// The query (call, step) is the page's to read: the server always
		// sends the same page.
		http.ServeFileFS(w, r, static, "index.html")
	})
	s.mux.HandleFunc("GET /api/calls", s.handleCalls)
	s.mux.HandleFunc("GET /api/call", s.withCall(s.handleCall))
	s.mux.HandleFunc("GET /api/events", s.withCall(s.handleEvents))
	s.mux.HandleFunc("GET /api/step", s.withCall(s.handleStep))
	s.mux.HandleFunc("GET /api/steps", s.withCall(s.handleSteps))
	s.mux.HandleFunc("GET /api/verify", s.withCall(s.handleVerify))
	s.mux.HandleFunc("GET /api/export", s.withCall(s.handleExport))
	s.mux.HandleFunc("GET /api/plots", s.withCall(s.handlePlots))
	return s, nil
}

func cmpOr(v, def uint64) uint64 {
	if v == 0 {
		return def
	}
	return v
}

// ServeHTTP answers the page's requests. Every answer forbids framing and
// scripts from anywhere but the server itself, so that even a mistake in
// the page could not run what a log holds.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

// Close closes the calls the page opened (not the logs).
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for k, c := range s.calls {
		errs = append(errs, c.close())
		delete(s.calls, k)
	}
	return errors.Join(errs...)
}

// withCall finds the call the request names (log=, call=) and hands it
// to h; a request naming no known call is answered 404.
func (s *Server) withCall(h func(http.ResponseWriter, *http.Request, *callView)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, status, err := s.open(r.URL.Query().Get("log"), r.URL.Query().Get("call"))
		if err != nil {
			writeError(w, status, err)
			return
		}
		h(w, r, c)
	}
}

// open returns the call named, opening it on first use.
func (s *Server) open(logArg, id string) (*callView, int, error) {
	li, err := strconv.Atoi(logArg)
	if err != nil || li < 0 || li >= len(s.logs) {
		return nil, http.StatusNotFound, fmt.Errorf("log %q: want a number from 0 to %d", logArg, len(s.logs)-1)
	}
	key := callKey{li, id}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.calls[key]; c != nil {
		return c, 0, nil
	}
	c, err := openCall(s.logs[li].Log, id, &s.opts)
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, eventlog.ErrNoCall) {
			status = http.StatusNotFound
		}
		return nil, status, err
	}
	c.log = li
	s.calls[key] = c
	return c, 0, nil
}

// writeJSON answers v as JSON. encoding/json escapes <, > and & in
// strings, so no answer holds markup even when read as HTML.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	_, _ = w.Write(b)
}

// apiError is every error answer's body.
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	b, _ := json.Marshal(apiError{Error: esc(err.Error())})
	_, _ = w.Write(b)
}

// intArg reads a non-negative integer query argument; def when absent.
func intArg(r *http.Request, name string, def uint64) (uint64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: want a non-negative integer", name, v)
	}
	return n, nil
}
