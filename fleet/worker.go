package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
	"github.com/callrec/callrec/eventlog/verify"
)

// RecordingResult is what verifying one recording of a call found.
type RecordingResult struct {
	Rec     string   `json:"rec"`
	Call    string   `json:"call"` // its id in its local log
	Devices []string `json:"devices"`
	Status  Status   `json:"status"`
	// Report is the recording's report as `callreplay verify --json`
	// gives a call's; absent when it could not be verified.
	Report *verify.CallJSON `json:"report,omitempty"`
	Damage string           `json:"damage,omitempty"` // why it could not be verified
	// Text is a divergence as `callreplay verify` prints it.
	Text string `json:"text,omitempty"`
}

// WorkerOptions configure Work.
type WorkerOptions struct {
	// Name names the worker in its results; "" means host:pid.
	Name string
	// Queue is the queue's settings, used only when no run has created it.
	Queue QueueOptions
	// Idle stops the worker after this long without a job; 0 runs until
	// the context ends.
	Idle time.Duration
	// OnResult, when set, hears every result the worker publishes.
	OnResult func(Result)

	// abandon, set by tests, makes the worker drop a job as a dying
	// worker would: no acknowledgement, no result. With stop, the worker
	// then returns.
	abandon func(Job) (drop, stop bool)
}

// poll is how long one pull waits for a job before the worker looks at
// its context and idle time again.
const poll = time.Second

// retryDelay is how long a job that failed waits before it is handed out
// again.
const retryDelay = time.Second

// Work pulls jobs from the fleet's work queue and verifies each until ctx
// ends (nil then), or it has been idle for opts.Idle (nil), or the
// connection fails. Each job is acknowledged once its result is in the
// results stream; a job that fails is handed out again after a pause,
// and on its last delivery reported as failed.
func (c *Client) Work(ctx context.Context, opts WorkerOptions) error {
	cons, err := workQueue(ctx, c.js, opts.Queue)
	if err != nil {
		return err
	}
	w := &worker{c: c, opts: opts, name: opts.Name}
	if w.name == "" {
		host, _ := os.Hostname()
		w.name = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	info := cons.CachedInfo()
	w.ackWait, w.maxDeliver = info.Config.AckWait, uint64(info.Config.MaxDeliver)
	last := time.Now()
	for ctx.Err() == nil {
		if opts.Idle > 0 && time.Since(last) > opts.Idle {
			return nil
		}
		msg, err := next(ctx, cons)
		switch {
		case ctx.Err() != nil:
			if msg != nil {
				msg.Nak() // stopping: another worker may have it now
			}
			return nil
		case errors.Is(err, nats.ErrTimeout), errors.Is(err, jetstream.ErrNoMessages), errors.Is(err, context.DeadlineExceeded):
			continue
		case err != nil:
			return fmt.Errorf("fleet: worker: %w", err)
		}
		last = time.Now()
		if stop := w.handle(ctx, msg); stop {
			return nil
		}
	}
	return nil
}

// next pulls one job, waiting at most poll, or until ctx ends.
func next(ctx context.Context, cons jetstream.Consumer) (jetstream.Msg, error) {
	pctx, cancel := context.WithTimeout(ctx, poll)
	defer cancel()
	return cons.Next(jetstream.FetchContext(pctx))
}

// worker is one Work loop's state.
type worker struct {
	c          *Client
	opts       WorkerOptions
	name       string
	ackWait    time.Duration
	maxDeliver uint64
}

// handle verifies one job and acknowledges it, or hands it back. stop
// says a test's abandon asked the worker to die.
func (w *worker) handle(ctx context.Context, msg jetstream.Msg) (stop bool) {
	md, err := msg.Metadata()
	if err != nil {
		msg.Term()
		return false
	}
	var job Job
	if err := json.Unmarshal(msg.Data(), &job); err != nil || job.Run == "" || job.Call == "" {
		// Not one of ours: no run waits for it.
		msg.TermWithReason("not a callrec job")
		return false
	}
	if w.opts.abandon != nil {
		if drop, stop := w.opts.abandon(job); drop {
			return stop
		}
	}
	if ctx.Err() != nil {
		msg.Nak() // stopping: let another worker have it now
		return false
	}
	done := w.keepAlive(msg)
	res, err := w.verifyJob(ctx, job)
	done()
	switch {
	case err != nil && ctx.Err() != nil:
		msg.Nak()
		return false
	case err != nil && md.NumDelivered < w.maxDeliver:
		msg.NakWithDelay(retryDelay)
		return false
	case err != nil:
		res = Result{Run: job.Run, Call: job.Call, Status: StatusFailed, Recordings: []RecordingResult{},
			Error: fmt.Sprintf("failed on each of its %d deliveries; the last: %v", md.NumDelivered, err)}
	}
	res.Deliveries, res.Worker = md.NumDelivered, w.name
	if err := w.publish(ctx, res); err != nil {
		msg.NakWithDelay(retryDelay)
		return false
	}
	if res.Status == StatusFailed {
		msg.Term()
	} else {
		// A lost acknowledgement only has the job verified again: its
		// result is reported once all the same.
		msg.Ack()
	}
	if w.opts.OnResult != nil {
		w.opts.OnResult(res)
	}
	return false
}

// keepAlive tells the server, every third of AckWait, that the job is
// still being worked on, until done is called: a long call is not handed
// to a second worker while the first is busy with it.
func (w *worker) keepAlive(msg jetstream.Msg) (done func()) {
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(max(w.ackWait/3, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				msg.InProgress()
			}
		}
	}()
	return func() { close(stop) }
}

// publish puts a result in the results stream, once per call and run.
func (w *worker) publish(ctx context.Context, res Result) error {
	data, err := json.Marshal(res)
	if err != nil {
		return err
	}
	_, err = w.c.js.Publish(ctx, resultSubject(res.Run), data, jetstream.WithMsgID(resultID(res.Run, res.Call)))
	return err
}

// verifyJob verifies every recording of a job's call. The error is a
// failure to do so (the fleet did not answer, a panic), not what the
// call holds: damage and divergences are results.
func (w *worker) verifyJob(ctx context.Context, job Job) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("verifying call %s panicked: %v", job.Call, p)
		}
	}()
	res = Result{Run: job.Run, Call: job.Call, Status: StatusOK, Recordings: []RecordingResult{}}
	for _, rec := range job.Recordings {
		rr, err := w.verifyRecording(ctx, job, rec)
		if err != nil {
			return res, err
		}
		if rr.Report != nil {
			res.Events += rr.Report.Events
			res.Steps += rr.Report.Steps
		}
		res.Status = worse(res.Status, rr.Status)
		res.Recordings = append(res.Recordings, rr)
	}
	return res, nil
}

// worse returns the status that reports a call with recordings of both.
func worse(a, b Status) Status {
	rank := map[Status]int{StatusOK: 0, StatusDiverged: 1, StatusDamaged: 2, StatusFailed: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// verifyRecording reads one recording from the stream and replays it
// with replay.Verify, as `callreplay verify` replays a call of a log.
func (w *worker) verifyRecording(ctx context.Context, job Job, rec string) (RecordingResult, error) {
	rr := RecordingResult{Rec: rec, Devices: []string{}}
	m, err := w.c.Recording(ctx, rec)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrDamaged) {
		rr.Status, rr.Damage = StatusDamaged, err.Error()
		return rr, nil
	}
	if err != nil {
		return rr, err
	}
	rr.Call, rr.Devices = m.Call, m.Devices
	events, err := w.c.closedEvents(ctx, m)
	if errors.Is(err, ErrDamaged) {
		rr.Status, rr.Damage = StatusDamaged, err.Error()
		return rr, nil
	}
	if err != nil {
		return rr, err
	}
	return verifyEvents(rr, m, events, job)
}

// verifyEvents replays a recording's events.
func verifyEvents(rr RecordingResult, m RecordingMeta, events []eventlog.Event, job Job) (RecordingResult, error) {
	src, err := replay.NewSlice(m.Meta, events)
	if err != nil {
		rr.Status, rr.Damage = StatusDamaged, err.Error()
		return rr, nil
	}
	rep, err := replay.Verify(src)
	lr := verify.LogResult{Path: job.Call}
	if err != nil {
		// A bad event found by replay: as verify, damage, not a divergence.
		rr.Status, rr.Damage = StatusDamaged, err.Error()
		return rr, nil
	}
	lr.Calls = []replay.Report{rep}
	cj := verify.JSONOf(lr).Calls[0]
	rr.Report, rr.Status = &cj, StatusOK
	if !rep.OK() {
		rr.Status = StatusDiverged
		var b bytes.Buffer
		if err := verify.WriteText(&b, lr, true, max(job.Width, 60)); err != nil {
			return rr, err
		}
		rr.Text = b.String()
	}
	return rr, nil
}
