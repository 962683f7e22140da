package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
)

// PublishOptions tune a Publisher. The zero value is ready to use.
type PublishOptions struct {
	// CloseWait bounds how long Close waits for the fleet to take what the
	// recording committed; 0 means 10s. What is left stays in the local
	// log, and `callrec upload` ships it later.
	CloseWait time.Duration
	// MaxQueue bounds the committed events held in memory for publication,
	// in bytes; 0 means 16 MiB. Beyond it the publisher reads them back
	// from the log when the fleet takes them.
	MaxQueue int
}

// Publisher publishes one recording as it is written: each batch the
// CallWriter commits is queued and published in the background, after the
// commit (the local log stays the write-ahead record). While the fleet is
// unreachable the recording goes on; once it answers, the publisher asks
// the stream for the last event it holds and sends the rest, from memory
// or, past MaxQueue, read back from the log.
type Publisher struct {
	c    *Client
	log  *eventlog.Log
	id   string // the call's id in log
	opts PublishOptions

	mu        sync.Mutex
	meta      eventlog.CallMeta // as last committed
	committed uint64            // the last Seq committed
	queue     [][]byte          // events qFirst.. as committed
	qFirst    uint64
	qBytes    int
	closed    bool // the writer closed
	stop      bool // Close gave up waiting
	err       error
	published uint64 // acked, for Published

	wake chan struct{}
	done chan struct{}

	// owned by run
	rec     string
	subject string
	acked   uint64
	started bool
}

// Watch publishes the call w writes into l as a recording of the fleet,
// until w closes and everything it committed is published, or until
// Close. It adds a commit hook to w (CallWriter.AddOnCommit): call it
// after any SetOnCommit.
func (c *Client) Watch(l *eventlog.Log, w *eventlog.CallWriter, opts PublishOptions) *Publisher {
	if opts.CloseWait == 0 {
		opts.CloseWait = 10 * time.Second
	}
	if opts.MaxQueue == 0 {
		opts.MaxQueue = 16 << 20
	}
	p := &Publisher{c: c, log: l, id: w.ID(), opts: opts, meta: w.Meta(), qFirst: 1,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	c.mu.Lock()
	c.pubs = append(c.pubs, p)
	c.mu.Unlock()
	w.AddOnCommit(p.committedBatch)
	go p.run()
	return p
}

// committedBatch takes one commit; it runs on the writer's goroutine, so
// it copies and never waits.
func (p *Publisher) committedBatch(c eventlog.Commit) {
	var meta *eventlog.CallMeta
	if c.Meta != nil {
		var m eventlog.CallMeta
		if json.Unmarshal(c.Meta, &m) == nil {
			meta = &m
		}
	}
	p.mu.Lock()
	if meta != nil {
		p.meta = *meta
	}
	if len(c.Ends) > 0 {
		p.enqueue(c)
	}
	p.closed = p.closed || c.Closed
	p.mu.Unlock()
	p.poke()
}

// enqueue copies the events of c into the queue, or forgets the queue
// when it would grow past MaxQueue: the log has them.
func (p *Publisher) enqueue(c eventlog.Commit) {
	last := c.First + uint64(len(c.Ends)) - 1
	p.committed = last
	if p.qBytes+len(c.Data) > p.opts.MaxQueue || p.qFirst+uint64(len(p.queue)) != c.First {
		p.queue, p.qBytes, p.qFirst = nil, 0, last+1
		return
	}
	data := append([]byte(nil), c.Data...)
	start := 0
	for _, end := range c.Ends {
		p.queue = append(p.queue, data[start:end:end])
		start = end
	}
	p.qBytes += len(data)
}

func (p *Publisher) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Close waits until the recording is published, for at most CloseWait
// after the writer closed, and stops the publisher. The error says what
// is left unpublished, if anything.
func (p *Publisher) Close() error {
	t := time.NewTimer(p.opts.CloseWait)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.mu.Lock()
		p.stop = true
		p.mu.Unlock()
		p.poke()
		<-p.done
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Recording is the recording id, "" until the call's first connection
// (or its close) fixes it.
func (p *Publisher) Recording() string {
	<-p.done
	return p.rec
}

// retryEvery is how often a publisher that is behind tries again.
const retryEvery = 250 * time.Millisecond

// run publishes until the recording is whole in the fleet or Close gives
// up.
func (p *Publisher) run() {
	defer close(p.done)
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()
	for {
		finished, err := p.step()
		p.mu.Lock()
		stop := p.stop
		if stop && !finished {
			p.err = p.leftErr(err)
		}
		p.mu.Unlock()
		if finished || stop {
			return
		}
		if err != nil {
			retry.Reset(retryEvery)
			select {
			case <-retry.C:
			case <-p.wake:
			}
			continue
		}
		<-p.wake
	}
}

// leftErr says what a publisher that stopped early left unpublished.
func (p *Publisher) leftErr(err error) error {
	msg := fmt.Sprintf("fleet: call %s: events %d..%d not published (they are in %s; `callrec upload` ships them)",
		p.id, p.acked+1, p.committed, p.log.Path())
	if p.acked >= p.committed {
		msg = fmt.Sprintf("fleet: call %s: its closing metadata not published (`callrec upload %s` sends it)", p.id, p.log.Path())
	}
	if err != nil {
		return fmt.Errorf("%s: %w", msg, err)
	}
	return errors.New(msg)
}

// step publishes what is committed and not yet acknowledged, and the
// final metadata once the writer closed; finished when that is done.
func (p *Publisher) step() (finished bool, err error) {
	p.mu.Lock()
	meta, committed, closed := p.meta, p.committed, p.closed
	p.mu.Unlock()
	if p.rec == "" {
		// The id needs the first connection's session id.
		if len(meta.Conns) == 0 && !closed {
			return false, nil
		}
		p.rec, p.subject = RecordingID(&meta), Subject(&meta, RecordingID(&meta))
	}
	if p.c.nc.Status() != nats.CONNECTED {
		return false, nats.ErrConnectionClosed
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.start(ctx, meta, committed); err != nil {
		return false, err
	}
	for p.acked < committed {
		if err := p.publishUpTo(ctx, committed); err != nil {
			return false, err
		}
	}
	if !closed {
		return false, nil
	}
	return true, p.finish(ctx, meta, committed)
}

// start asks the fleet, once, for the last event it holds of the
// recording, and stores the recording's metadata.
func (p *Publisher) start(ctx context.Context, meta eventlog.CallMeta, committed uint64) error {
	if p.started {
		return nil
	}
	events, calls, err := p.c.streams(ctx)
	if err != nil {
		return err
	}
	if p.acked, err = lastPublished(ctx, events, p.subject); err != nil {
		return err
	}
	rm := newRecordingMeta(meta, false)
	rm.Events = committed
	if err := putMeta(ctx, calls, &rm); err != nil {
		return err
	}
	p.started = true
	return nil
}

// maxChunk bounds the events published before waiting for their acks.
const maxChunk = 1024

// publishUpTo publishes the events after the last acknowledged one, at
// most maxChunk, and waits for their acknowledgements. On a failure it
// goes back to the first event not acknowledged: events after it the
// server may have stored are dropped as duplicates by their message ids.
func (p *Publisher) publishUpTo(ctx context.Context, committed uint64) error {
	from, to := p.acked+1, min(committed, p.acked+maxChunk)
	data, err := p.events(from, to)
	if err != nil {
		return err
	}
	futures := make([]jetstream.PubAckFuture, 0, len(data))
	for i, d := range data {
		f, err := p.c.js.PublishMsgAsync(eventMsg(p.rec, p.subject, from+uint64(i), d))
		if err != nil {
			break
		}
		futures = append(futures, f)
	}
	for i, f := range futures {
		select {
		case <-f.Ok():
			p.acked = from + uint64(i)
		case err := <-f.Err():
			return fmt.Errorf("fleet: publish event %d: %w", from+uint64(i), err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if len(futures) < len(data) {
		return fmt.Errorf("fleet: publish event %d: %w", from+uint64(len(futures)), nats.ErrConnectionClosed)
	}
	p.dropQueue(p.acked)
	return nil
}

// events returns the stored form of events from..to: from the queue when
// it holds them, else read back from the log.
func (p *Publisher) events(from, to uint64) ([][]byte, error) {
	p.mu.Lock()
	if from >= p.qFirst && to < p.qFirst+uint64(len(p.queue)) {
		evs := p.queue[from-p.qFirst : to-p.qFirst+1]
		p.mu.Unlock()
		return evs, nil
	}
	if from < p.qFirst && to >= p.qFirst {
		to = p.qFirst - 1 // read the part before the queue now
	}
	p.mu.Unlock()
	return readBack(p.log, p.id, from, to)
}

// dropQueue forgets the queued events up to acked.
func (p *Publisher) dropQueue(acked uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.published = acked
	for len(p.queue) > 0 && p.qFirst <= acked {
		p.qBytes -= len(p.queue[0])
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.qFirst++
	}
	if p.qFirst <= acked {
		p.qFirst = acked + 1
	}
}

// readBack reads events from..to of call id from l, in the codec.
// The read transaction is held only for this chunk: a long one would
// hold up the writer's growth of the file.
func readBack(l *eventlog.Log, id string, from, to uint64) ([][]byte, error) {
	r, err := l.Call(id)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := make([][]byte, 0, to-from+1)
	cur := r.Cursor(nil)
	for ev, ok := cur.Seek(from); ok && ev.Seq <= to; ev, ok = cur.Next() {
		data, err := eventlog.EncodeEvent(ev)
		if err != nil {
			return nil, err
		}
		out = append(out, data)
	}
	if err := cur.Err(); err != nil {
		return nil, err
	}
	if uint64(len(out)) != to-from+1 {
		return nil, fmt.Errorf("fleet: call %s: events %d..%d are not all in %s", id, from, to, l.Path())
	}
	return out, nil
}

// finish stores the closed recording's metadata, with its outcome read
// from the log.
func (p *Publisher) finish(ctx context.Context, meta eventlog.CallMeta, committed uint64) error {
	_, calls, err := p.c.streams(ctx)
	if err != nil {
		return err
	}
	out, dur, err := outcomeOf(p.log, p.id)
	if err != nil {
		return err
	}
	rm := newRecordingMeta(meta, false)
	rm.close(committed, meta.Start.Add(dur), out)
	return putMeta(ctx, calls, &rm)
}

// outcomeFilter selects the events describe.Outcome looks at.
var outcomeFilter = &eventlog.Filter{Kinds: []eventlog.Kind{eventlog.KindInput, eventlog.KindOutput}}

// outcomeOf reads how call id of l ended, and its duration.
func outcomeOf(l *eventlog.Log, id string) (*describe.Outcome, time.Duration, error) {
	r, err := l.Call(id)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	o := describe.NewOutcome()
	cur := r.Cursor(outcomeFilter)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		o.Add(ev)
	}
	return o, r.Duration(), cur.Err()
}

// Published is the number of events the fleet has acknowledged so far.
func (p *Publisher) Published() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.published
}
