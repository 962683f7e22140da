package viewer

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/clocks"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/pair"
	"github.com/callrec/callrec/eventlog/replay"
)

// LogCatalog is the Catalog of an open event log.
type LogCatalog struct {
	log     *eventlog.Log
	opts    *replay.IndexOptions
	mu      sync.Mutex
	sources []*CallSource // opened so far, closed by Close
}

// DefaultCheckpointEvery is the distance between the replay index's
// checkpoints the viewer asks for: every key press may replay this many
// events to show the states, so it is kept well under what a 20 ms answer
// allows.
const DefaultCheckpointEvery = 256

// MaxCheckpoints bounds the checkpoints of a call's index: a call of more
// than MaxCheckpoints × DefaultCheckpointEvery events (524,288) gets them
// further apart, so that the index's memory stops growing with the call.
// A checkpoint takes about 5 KB (the states it keeps and the decoded
// strings they hold on to): 36 MB for a call of 1.8M events at every
// 256, 10 MB at most now, for a key that replays at most 880 events there.
const MaxCheckpoints = 2048

// CheckpointsFor returns the index options the viewer uses for a call of
// n events: a checkpoint every DefaultCheckpointEvery events, at most
// MaxCheckpoints of them.
func CheckpointsFor(n uint64) *replay.IndexOptions {
	return &replay.IndexOptions{CheckpointEvery: max(DefaultCheckpointEvery, (n+MaxCheckpoints-1)/MaxCheckpoints)}
}

// NewLogCatalog returns a Catalog over l; opts tune each call's replay
// index (nil: CheckpointsFor the call's length). Close it before closing
// l.
func NewLogCatalog(l *eventlog.Log, opts *replay.IndexOptions) *LogCatalog {
	return &LogCatalog{log: l, opts: opts}
}

// Calls lists the log's calls with how each ended. The outcome reads only
// the events that say it (New, StateChanged, Closed), which the log
// selects without decoding the others.
func (c *LogCatalog) Calls() ([]CallEntry, error) {
	infos, err := c.log.Calls()
	if err != nil {
		return nil, err
	}
	entries := make([]CallEntry, len(infos))
	for i, info := range infos {
		entries[i].Info = info
		if len(infos) > 1 { // one call opens at once: its outcome is not shown
			if entries[i].Outcome, err = c.outcome(info.Meta.ID); err != nil {
				return nil, err
			}
		}
	}
	return entries, nil
}

func (c *LogCatalog) outcome(id string) (string, error) {
	r, err := c.log.Call(id)
	if err != nil {
		return "", err
	}
	defer r.Close()
	out := describe.NewOutcome()
	cur := r.Cursor(&eventlog.Filter{Types: []string{eventlog.TypeNew, "StateChanged", "Closed"}})
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		out.Add(ev)
	}
	if err := cur.Err(); err != nil {
		return "", fmt.Errorf("call %s: %w", id, err)
	}
	return out.String(), nil
}

// Open opens a call and starts warming its replay index.
func (c *LogCatalog) Open(id string) (Source, error) {
	r, err := c.log.Call(id)
	if err != nil {
		return nil, err
	}
	opts := c.opts
	if opts == nil {
		opts = CheckpointsFor(r.Count())
	}
	s := NewCallSource(r, opts)
	// A second reader names the timers: r is the replay index's, and
	// a reader is for one goroutine (the warming's and the viewer's).
	if tr, err := c.log.Call(id); err == nil {
		s.timers = newTimerNames(tr)
	}
	s.Warm()
	c.mu.Lock()
	c.sources = append(c.sources, s)
	c.mu.Unlock()
	return s, nil
}

// Close stops the warming and closes the calls opened.
func (c *LogCatalog) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, s := range c.sources {
		errs = append(errs, s.Close())
	}
	c.sources = nil
	return errors.Join(errs...)
}

// CallSource is a Source over one recorded call. Events come from the log
// a window at a time; states come from the replay engine's Index, which
// replays from its nearest checkpoint; sentences and arrows come from
// package describe.
type CallSource struct {
	r    *eventlog.CallReader
	ix   *replay.Index
	meta eventlog.CallMeta
	n    int

	mu      sync.Mutex
	remotes map[replay.ConnID]eventlog.Endpoint // the peer of each connection, for the arrows of sends
	timers  *timerNames                         // names the timers rows give by number
	clocks  *clocks.Estimate                    // the devices' clocks aligned; nil: one clock

	warmed atomic.Uint64 // the index has checkpoints up to this event
	stop   chan struct{}
	done   chan struct{}
}

// NewCallSource returns a Source over the call r reads. The source owns r
// and closes it in Close.
func NewCallSource(r *eventlog.CallReader, opts *replay.IndexOptions) *CallSource {
	s := newCallSource(replay.Reader(r), r.Meta(), int(r.Count()), opts)
	s.r = r
	// A call whose devices recorded on different clocks (clocks.Wanted)
	// is read once more here, its messages only. An error is the events'
	// own, which the rows meet and show.
	s.clocks, _ = clocks.OfCall(r)
	return s
}

// newCallSource returns a Source over the first n events of src.
func newCallSource(src replay.Source, meta eventlog.CallMeta, n int, opts *replay.IndexOptions) *CallSource {
	s := &CallSource{ix: replay.NewIndex(src, opts), n: n,
		remotes: map[replay.ConnID]eventlog.Endpoint{}, timers: newTimerNames(nil)}
	s.setMeta(meta)
	return s
}

// setMeta takes in the call's metadata: the peers of its connections.
func (s *CallSource) setMeta(meta eventlog.CallMeta) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.meta = meta
	for _, c := range s.meta.Conns {
		if c.Remote != (eventlog.Endpoint{}) {
			s.remotes[replay.ConnID{Endpoint: c.Endpoint, Sess: c.Config.SessID}] = c.Remote
		}
	}
}

// ClockNote says how the devices' clocks were aligned, for the title bar;
// "" for a call recorded on one clock.
func (s *CallSource) ClockNote() string {
	if s.clocks == nil {
		return ""
	}
	return s.clocks.Short(eventlog.Endpoint.String)
}

// warmStride is how many events each warming step replays: small enough
// that a key press waiting for the index lock is not noticed.
const warmStride = 2048

// Warm builds the index's checkpoints in the background, a stride at a
// time, so that a jump far into a long call later replays at most one
// checkpoint's distance; StatesReady says how far it got. It stops at the
// end of the call, on an error (which the next question will meet again)
// or at Close. Without Warm, StatesReady is true only near the start.
func (s *CallSource) Warm() {
	if s.stop != nil {
		return
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.done)
		for seq := uint64(warmStride); ; seq += warmStride {
			select {
			case <-s.stop:
				return
			default:
			}
			seq = min(seq, uint64(s.n))
			if _, err := s.ix.At(seq); err != nil {
				// Let States meet the error: it is what a person must see.
				s.warmed.Store(uint64(s.n))
				return
			}
			s.warmed.Store(seq)
			if seq == uint64(s.n) {
				return
			}
		}
	}()
}

// Close stops the warming and closes the call reader.
func (s *CallSource) Close() error {
	if s.stop != nil {
		close(s.stop)
		<-s.done
		s.stop = nil
	}
	err := s.timers.close()
	if s.r != nil {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Meta describes the call.
func (s *CallSource) Meta() eventlog.CallMeta { return s.meta }

// Len is the number of events.
func (s *CallSource) Len() int { return s.n }

// Rows reads the events [from, from+n) and describes them.
func (s *CallSource) Rows(from, n int) ([]Row, error) {
	if from < 0 || n < 0 {
		return nil, fmt.Errorf("rows %d+%d: out of range", from, n)
	}
	if from >= s.n || n == 0 {
		return nil, nil
	}
	n = min(n, s.n-from)
	evs, err := s.ix.Events(uint64(from)+1, n)
	if err != nil {
		return nil, err
	}
	lad := s.ladder(evs)
	rows := make([]Row, len(evs))
	for i, ev := range evs {
		rows[i] = Row{Index: int(ev.Seq) - 1, Event: ev, Summary: describe.Sentence(ev)}
		rows[i].Event.At = s.clocks.At(&ev)
		if a, ok := lad.Add(ev); ok {
			rows[i].Msg = &LadderMsg{From: a.From, To: a.To, Type: a.Type, Resp: a.Resp, Via: a.Via,
				Received: a.Received == ev.Seq, Status: a.Status}
			if rows[i].Msg.Received && a.Status != pair.NoSend {
				// Whether its send is in the log, before the window, is
				// not looked for: the arrow only says who sent it.
				rows[i].Msg.Status = 0
			}
		}
	}
	s.timers.name(rows)
	return rows, s.findReceivers(rows, lad)
}

// receiverLookahead is how far past a window Rows looks for the receives
// of the window's sends: to find the receiver of a message the sender
// did not address (a SETUP request the backend fans out), and to tell a
// message its receiver got from one it lost.
const receiverLookahead = 256

// findReceivers completes the arrows of the window's sends from the
// events after it: the receiver of a message to an unknown peer, and
// whether a message was received, lost (its receiver is in the log and
// did not receive it within the lookahead, or before the call ended) or
// sent to a device not in the log.
func (s *CallSource) findReceivers(rows []Row, lad *describe.Ladder) error {
	open := map[uint64]*LadderMsg{}
	for i := range rows {
		if m := rows[i].Msg; m != nil && !m.Received && (m.Status == 0 || m.To == (eventlog.Endpoint{})) {
			open[rows[i].Event.Seq] = m
		}
	}
	if len(open) == 0 {
		return nil
	}
	next := rows[len(rows)-1].Event.Seq + 1
	if n := min(receiverLookahead, s.n-int(next)+1); n > 0 {
		more, err := s.ix.Events(next, n)
		if err != nil {
			return err
		}
		for _, ev := range more {
			lad.Add(ev)
		}
	}
	lad.Flush()
	for _, a := range lad.Arrows() {
		m, ok := open[a.Sent]
		if !ok {
			continue
		}
		if m.To == (eventlog.Endpoint{}) && a.Received != 0 {
			m.To = a.To
		}
		if m.Status == 0 || m.Status == pair.Lost && a.Status == pair.Paired {
			m.Status = a.Status // a fan-out: received by one receiver is enough
		}
	}
	return nil
}

// Peers returns the devices the call's endpoints received messages from
// that are not in the log, as far as the first peerScan events show (a
// call's peers appear as it is set up), and learns the connections' peers
// from them too. Reading no further keeps opening a long call quick.
func (s *CallSource) Peers() []eventlog.Endpoint {
	recorded := map[eventlog.Endpoint]bool{}
	for _, e := range s.meta.Endpoints {
		recorded[e] = true
	}
	var peers []eventlog.Endpoint
	add := func(e eventlog.Endpoint) {
		if e != (eventlog.Endpoint{}) && !recorded[e] {
			recorded[e] = true
			peers = append(peers, e)
		}
	}
	for _, c := range s.meta.Conns {
		add(c.Remote)
	}
	for seq := 1; seq <= min(peerScan, s.n); seq += peerChunk {
		evs, err := s.ix.Events(uint64(seq), min(peerChunk, s.n-seq+1))
		if err != nil {
			return peers // the timeline meets the error when it reads these events
		}
		s.learnRemotes(evs)
		for _, ev := range evs {
			if rv, ok := ev.Input.(eventlog.RecvInput); ok {
				add(eventlog.Endpoint{User: rv.FromUser, Client: rv.FromClient})
			}
		}
	}
	return peers
}

// learnRemotes takes the peer of each connection from the first message
// it received among evs, unless known: so that a window's sends have
// their receiver when the window starts after the call was set up.
func (s *CallSource) learnRemotes(evs []eventlog.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ev := range evs {
		if rv, ok := ev.Input.(eventlog.RecvInput); ok {
			id := replay.ConnOf(ev)
			if _, known := s.remotes[id]; !known {
				s.remotes[id] = eventlog.Endpoint{User: rv.FromUser, Client: rv.FromClient}
			}
		}
	}
}

// peerChunk is how many events Peers holds at a time.
const peerChunk = 256

// peerScan is how many events Peers reads.
const peerScan = 4096

// ladder returns a describe.Ladder that knows the peer of every connection
// whose peer is known so far: from the call's metadata, or learned from
// the messages the connection received in the windows read before. The
// replay engine is not asked: that could replay the whole call.
func (s *CallSource) ladder(evs []eventlog.Event) *describe.Ladder {
	s.learnRemotes(evs)
	s.mu.Lock()
	defer s.mu.Unlock()
	lad := describe.NewLadder(s.meta.Endpoints)
	for id, remote := range s.remotes {
		lad.Add(eventlog.Event{Endpoint: id.Endpoint, Conn: id.Sess, Kind: eventlog.KindInput, Type: eventlog.TypeNew,
			Input: eventlog.NewConn{Remote: remote}})
	}
	return lad
}

// StatesReady reports whether States(i) answers quickly: whether the
// index's checkpoints reach close enough to event i. It also returns how
// far the warming got, as a fraction of the call.
func (s *CallSource) StatesReady(i int) (bool, float64) {
	w := s.warmed.Load()
	if s.n == 0 || s.stop == nil && w == 0 { // not warming: every question replays what it needs
		return true, 1
	}
	return uint64(i)+1 <= w+warmStride, float64(w) / float64(s.n)
}

// States returns every connection at event i, with the props before the
// step where the step changed them, as the replay engine reports them.
func (s *CallSource) States(i int) ([]ConnState, error) {
	if i < 0 || i >= s.n {
		return nil, fmt.Errorf("states at event %d: the call has %d events", i+1, s.n)
	}
	st, err := s.ix.At(uint64(i) + 1)
	if err != nil {
		return nil, err
	}
	out := make([]ConnState, len(st.Conns))
	for j, c := range st.Conns {
		out[j] = ConnState{Endpoint: c.ID.Endpoint, Conn: c.ID.Sess, Before: c.Before, After: c.After,
			Deadline: c.Deadline + s.clocks.Of(c.ID.Endpoint), LocalProps: c.LocalProps, RemoteProps: c.RemoteProps, Created: c.Created}
		if !c.Created && c.PropsChanged() {
			out[j].PropsBefore = &[2]econn.Props{c.LocalPropsBefore, c.RemotePropsBefore}
		}
	}
	return out, nil
}
