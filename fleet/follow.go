package fleet

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/merge"
	"github.com/callrec/callrec/eventlog/replay"
)

// Follower follows a fleet call while it is recorded: the events of each
// of its recordings as the recorders publish them, on one timeline (the
// call's earliest start), numbered in the order they arrive; every
// device's events keep their own order, which is what its connections
// replay. A recording of the same conversation that starts later joins
// once its sessions meet the call's, as merge would join it. Its methods
// are safe for concurrent use; it is a replay.Source of the events that
// arrived so far.
type Follower struct {
	c    *Client
	conv string

	mu      sync.Mutex
	meta    eventlog.CallMeta
	metas   int // metadata updates: a recording joined
	events  []eventlog.Event
	recs    map[string]*followed // the call's recordings
	pending map[string]*followed // of the conversation, not linked to the call yet
	synced  bool                 // the bucket's recordings as they were at the start have come
	ended   bool
	err     error
	changed chan struct{} // closed and replaced when something arrives

	cancel  context.CancelFunc
	consume jetstream.ConsumeContext
	watch   jetstream.KeyWatcher
}

// followed is one recording a Follower reads.
type followed struct {
	meta   RecordingMeta
	known  bool // meta came from the bucket
	link   merge.Link
	taken  uint64           // its events taken, Seq 1..taken
	early  []eventlog.Event // pending: its events until it joins
	offset time.Duration    // its start after the call's
}

// Follow starts following call.
func (c *Client) Follow(ctx context.Context, call Call) (*Follower, error) {
	ctx, cancel := context.WithCancel(ctx)
	f := &Follower{c: c, conv: call.Conv, recs: map[string]*followed{}, pending: map[string]*followed{},
		changed: make(chan struct{}), cancel: cancel}
	f.meta = eventlog.CallMeta{ID: call.ID, Source: "fleet", Start: call.Start(), Labels: map[string]string{}}
	if call.Conv != "" {
		f.meta.Labels[merge.LabelConv] = call.Conv
	}
	for _, r := range call.Recordings {
		fr := &followed{meta: r, known: true, link: merge.NewLink(r.Meta, "")}
		f.recs[r.Rec] = fr
		f.joinLocked(fr)
	}
	if err := f.start(ctx, call); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// start watches the bucket for the recordings' metadata and consumes
// their events.
func (f *Follower) start(ctx context.Context, call Call) error {
	_, kv, err := f.c.streams(ctx)
	if err != nil {
		return err
	}
	if f.watch, err = kv.WatchAll(ctx, jetstream.IgnoreDeletes()); err != nil {
		return fmt.Errorf("fleet: bucket %s: %w", BucketCalls, err)
	}
	go f.watchMeta()
	subjects := []string{SubjectPrefix + "." + Token(f.conv) + ".>"}
	if f.conv == "" { // no conversation: only these recordings
		subjects = subjects[:0]
		for _, r := range call.Recordings {
			subjects = append(subjects, RecordingSubjects(r.Rec))
		}
	}
	cons, err := f.c.js.OrderedConsumer(ctx, StreamEvents, jetstream.OrderedConsumerConfig{FilterSubjects: subjects})
	if err == nil {
		f.consume, err = cons.Consume(f.take)
	}
	if err != nil {
		return fmt.Errorf("fleet: following %s: %w", call.ID, err)
	}
	return nil
}

// watchMeta takes in the recordings' metadata, those in the bucket at the
// start then each update: a recording closed, or a new one of the
// conversation started.
func (f *Follower) watchMeta() {
	for e := range f.watch.Updates() {
		if e == nil { // every recording there was has come
			f.mu.Lock()
			f.synced = true
			f.checkEndLocked()
			f.signalLocked()
			f.mu.Unlock()
			continue
		}
		m, err := decodeRecordingMeta(e.Key(), e.Value())
		if err != nil {
			continue
		}
		f.mu.Lock()
		switch fr := f.recordingLocked(m.Rec); {
		case fr != nil:
			f.knowLocked(fr, m)
		case f.conv != "" && m.Conv == f.conv:
			f.pending[m.Rec] = &followed{meta: m, known: true, link: merge.NewLink(m.Meta, "")}
		}
		f.checkEndLocked()
		f.signalLocked()
		f.mu.Unlock()
	}
}

// knowLocked takes in a recording's metadata; a pending one may join the
// call now.
func (f *Follower) knowLocked(fr *followed, m RecordingMeta) {
	fr.meta, fr.known = m, true
	for s := range merge.NewLink(m.Meta, "").Own {
		fr.link.Own[s] = true
	}
	if _, pending := f.pending[m.Rec]; pending && f.meetsLocked(fr) {
		delete(f.pending, m.Rec)
		f.recs[m.Rec] = fr
		f.joinLocked(fr)
	}
}

func (f *Follower) recordingLocked(rec string) *followed {
	if fr, ok := f.recs[rec]; ok {
		return fr
	}
	return f.pending[rec]
}

// take handles one event message.
func (f *Follower) take(msg jetstream.Msg) {
	tokens := strings.Split(msg.Subject(), ".")
	seq, err := strconv.ParseUint(msg.Headers().Get(HeaderSeq), 10, 64)
	if len(tokens) != 5 || err != nil {
		return
	}
	rec := tokens[3]
	f.mu.Lock()
	defer f.mu.Unlock()
	fr := f.recordingLocked(rec)
	if fr == nil { // its metadata has not come yet: it is of the conversation
		fr = &followed{link: merge.Link{Own: map[string]bool{}, Heard: map[string]bool{}}}
		fr.meta.Rec = rec
		f.pending[rec] = fr
	}
	if seq != fr.taken+1 {
		return // a repeat; a gap the recorder's backlog fills in order
	}
	ev, err := eventlog.DecodeEvent(seq, msg.Data())
	if err != nil {
		f.err = fmt.Errorf("%w: recording %s: event %d: %v", ErrDamaged, rec, seq, err)
		f.ended = true
		f.signalLocked()
		return
	}
	fr.taken++
	fr.link.Note(&ev)
	if _, in := f.recs[rec]; in {
		f.appendLocked(fr, ev)
	} else {
		fr.early = append(fr.early, ev)
		if f.meetsLocked(fr) {
			delete(f.pending, rec)
			f.recs[rec] = fr
			f.joinLocked(fr)
		}
	}
	f.checkEndLocked()
	f.signalLocked()
}

// meetsLocked reports whether a pending recording's sessions meet the
// call's.
func (f *Follower) meetsLocked(p *followed) bool {
	if !p.known {
		return false
	}
	for _, r := range f.recs {
		for s := range r.link.Own {
			if p.link.Own[s] || p.link.Heard[s] {
				return true
			}
		}
		for s := range p.link.Own {
			if r.link.Heard[s] {
				return true
			}
		}
	}
	return false
}

// joinLocked adds a recording's devices to the call and its early events
// to the timeline.
func (f *Follower) joinLocked(fr *followed) {
	m := &fr.meta.Meta
	fr.offset = fr.meta.Start.Sub(f.meta.Start)
	for _, ep := range m.Endpoints {
		if !slices.Contains(f.meta.Endpoints, ep) {
			f.meta.Endpoints = append(f.meta.Endpoints, ep)
		}
	}
	f.meta.Conns = append(f.meta.Conns, m.Conns...)
	if f.meta.ToolVersion == "" {
		f.meta.ToolVersion, f.meta.FormatVersion = m.ToolVersion, m.FormatVersion
	}
	f.metas++
	for _, ev := range fr.early {
		f.appendLocked(fr, ev)
	}
	fr.early = nil
}

func (f *Follower) appendLocked(fr *followed, ev eventlog.Event) {
	ev.At += fr.offset
	ev.Seq = uint64(len(f.events) + 1)
	f.events = append(f.events, ev)
}

// checkEndLocked ends the stream once every recording of the call is
// closed and all its events have arrived, and no other recording of the
// conversation could still join it: none is still open, and all their
// events have arrived too. (A later call of the conversation, recording
// meanwhile, keeps the stream going until it closes: recordings' clocks
// differ too much to tell by times.)
func (f *Follower) checkEndLocked() {
	if !f.synced {
		return
	}
	for _, m := range []map[string]*followed{f.recs, f.pending} {
		for _, fr := range m {
			if !fr.known || !fr.meta.Closed || fr.taken < fr.meta.Events {
				return
			}
		}
	}
	f.ended = true
}

func (f *Follower) signalLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// Meta is the call's metadata: every device that joined so far.
func (f *Follower) Meta() eventlog.CallMeta {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.meta
	m.Endpoints = slices.Clone(m.Endpoints)
	m.Conns = slices.Clone(m.Conns)
	return m
}

// Count is the number of events arrived.
func (f *Follower) Count() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return uint64(len(f.events))
}

// Progress returns the events arrived and the number of metadata
// updates (a recording joined).
func (f *Follower) Progress() (events uint64, metas int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return uint64(len(f.events)), f.metas
}

// Ended reports whether the call is over: every recording closed and
// arrived, or following failed (Err).
func (f *Follower) Ended() (bool, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ended && f.err == nil {
		return true, "every recording of the call closed"
	}
	return f.ended, ""
}

// Err is what stopped following, if anything did.
func (f *Follower) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// Wait returns once more than n events arrived or the call ended, or
// ctx's error.
func (f *Follower) Wait(ctx context.Context, n uint64) error {
	for {
		f.mu.Lock()
		ch, done := f.changed, uint64(len(f.events)) > n || f.ended
		f.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Scan returns the events arrived with Seq >= from.
func (f *Follower) Scan(from uint64) replay.Scanner {
	f.mu.Lock()
	defer f.mu.Unlock()
	// Events are only appended: the slice as it is now stays valid.
	evs := f.events
	return &sliceScanner{evs: evs, next: max(from, 1)}
}

type sliceScanner struct {
	evs  []eventlog.Event
	next uint64
}

func (s *sliceScanner) Next() (eventlog.Event, bool) {
	if s.next > uint64(len(s.evs)) {
		return eventlog.Event{}, false
	}
	s.next++
	return s.evs[s.next-2], true
}

func (s *sliceScanner) Err() error { return nil }

// Close stops following.
func (f *Follower) Close() error {
	f.cancel()
	if f.consume != nil {
		f.consume.Stop()
	}
	if f.watch != nil {
		f.watch.Stop()
	}
	return nil
}
