package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/clocks"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/filter"
	"github.com/callrec/callrec/eventlog/replay"
	"github.com/callrec/callrec/internal/safetext"
)

// esc escapes control and bidi characters and bytes that are not UTF-8 in
// text from a log, as everywhere text from a log is shown to people.
func esc(s string) string { return safetext.Escape(s) }

// callEntry is one call of the call list.
type callEntry struct {
	Log       int      `json:"log"`
	LogName   string   `json:"log_name"`
	ID        string   `json:"id"`   // as recorded, to ask for the call: the page never shows it
	Name      string   `json:"name"` // the id escaped, to show
	Start     string   `json:"start"`
	Duration  string   `json:"duration"`
	Endpoints []string `json:"endpoints"`
	Events    uint64   `json:"events"`
	Outcome   string   `json:"outcome"`
	Damaged   bool     `json:"damaged,omitempty"`
	Scenario  string   `json:"scenario,omitempty"`

	endpoints []eventlog.Endpoint // as recorded, for the filter
}

// callsAnswer is /api/calls: the calls the filter keeps, every log's in
// the log's order.
type callsAnswer struct {
	Filter string      `json:"filter"` // the filter as understood
	Calls  []callEntry `json:"calls"`
}

func (s *Server) handleCalls(w http.ResponseWriter, r *http.Request) {
	f, err := filter.Parse(r.URL.Query().Get("filter"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	ans := callsAnswer{Filter: f.String(), Calls: []callEntry{}}
	for li := range s.logs {
		entries, err := s.list(li)
		if err != nil {
			writeError(w, http.StatusInternalServerError, fmt.Errorf("%s: %w", s.logs[li].Name, err))
			return
		}
		for _, e := range entries {
			keep, err := s.keeps(li, e, f)
			if err != nil {
				writeError(w, http.StatusInternalServerError, err)
				return
			}
			if keep {
				ans.Calls = append(ans.Calls, e)
			}
		}
	}
	ans.Filter = esc(ans.Filter)
	writeJSON(w, ans)
}

// list returns the calls of log li, summarized once (describe.ListCalls,
// as `callreplay ls` lists them).
func (s *Server) list(li int) ([]callEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lists[li] != nil {
		return s.lists[li], nil
	}
	l := s.logs[li]
	infos, err := l.Log.Calls()
	if err != nil {
		return nil, err
	}
	sums, err := describe.ListCalls(l.Log)
	if err != nil {
		return nil, err
	}
	out := make([]callEntry, 0, len(sums))
	for i, c := range sums {
		e := callEntry{Log: li, LogName: esc(l.Name), ID: c.ID, Name: esc(c.ID), Start: c.Start.Format("2006-01-02 15:04:05Z"),
			Duration: c.Duration, Events: c.Events, Damaged: c.Damage != nil, Scenario: esc(c.Scenario), Endpoints: []string{}}
		for _, ep := range c.Endpoints {
			e.Endpoints = append(e.Endpoints, esc(ep))
		}
		var outcome []string
		for _, o := range c.Outcome {
			outcome = append(outcome, esc(o.Endpoint+" "+o.State))
		}
		if c.Damage != nil {
			outcome = append([]string{"DAMAGED: " + esc(c.Damage.Problem)}, outcome...)
		}
		e.Outcome = strings.Join(outcome, "; ")
		if i < len(infos) && infos[i].Meta.ID == c.ID {
			e.endpoints = infos[i].Meta.Endpoints
		}
		out = append(out, e)
	}
	s.lists[li] = out
	return out, nil
}

// keeps reports whether the call has an event f keeps. The ep= terms are
// decided from the call's endpoints first, so a filter on a device skips
// the other calls without reading them; otherwise the call is read until
// its first match, with the filter's header part deciding most events
// undecoded (filter.Compile).
func (s *Server) keeps(li int, e callEntry, f filter.Filter) (bool, error) {
	if f.Empty() {
		return true, nil
	}
	if len(e.endpoints) > 0 && !slices.ContainsFunc(e.endpoints, f.MatchEndpoint) {
		return false, nil
	}
	r, err := s.logs[li].Log.Call(e.ID)
	if err != nil {
		return false, err
	}
	defer r.Close()
	cur := r.Cursor(f.Compile())
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		if f.Match(ev) {
			return true, nil
		}
	}
	// A damaged call keeps what it matched before the damage; the list
	// says it is damaged.
	var d *eventlog.DamageError
	if err := cur.Err(); err != nil && !errors.As(err, &d) {
		return false, err
	}
	return false, nil
}

// callView is one call the page opened: its reader, behind the replay
// index (which serializes its use), and the devices' clocks.
type callView struct {
	log    int
	l      *eventlog.Log
	meta   eventlog.CallMeta
	n      uint64
	ix     *replay.Index
	r      *eventlog.CallReader
	clocks *clocks.Estimate // nil: one clock

	verifyOnce sync.Once
	verified   *verifyAnswer

	stop chan struct{}
	done chan struct{}
}

func openCall(l *eventlog.Log, id string, opts *replay.IndexOptions) (*callView, error) {
	r, err := l.Call(id)
	if err != nil {
		return nil, err
	}
	c := &callView{l: l, meta: r.Meta(), n: r.Count(), r: r, ix: replay.NewIndex(replay.Reader(r), opts),
		stop: make(chan struct{}), done: make(chan struct{})}
	// The clocks of a merged call are read once, its messages only; an
	// error is the events' own, which the windows meet and show.
	c.clocks, _ = clocks.OfCall(r)
	go c.warm()
	return c, nil
}

// warmStride is how many events each warming step replays: small, so a
// request waiting for the index is not held up for long.
const warmStride = 2048

// warm builds the index's checkpoints in the background, so that a step
// far into a long call (a deep link, G) replays at most one checkpoint's
// distance. It stops at the end of the call, at an error (which the
// request for that step meets again) or at close.
func (c *callView) warm() {
	defer close(c.done)
	for seq := uint64(warmStride); ; seq += warmStride {
		select {
		case <-c.stop:
			return
		default:
		}
		seq = min(seq, c.n)
		if _, err := c.ix.At(seq); err != nil || seq == c.n {
			return
		}
	}
}

func (c *callView) close() error {
	close(c.stop)
	<-c.done
	return c.r.Close()
}

// at is an event's call time on the aligned clock.
func (c *callView) at(ev *eventlog.Event) int64 { return int64(c.clocks.At(ev)) }
