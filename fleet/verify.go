package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/callrec/callrec/eventlog/filter"
)

// VerifyOptions configure Client.Verify.
type VerifyOptions struct {
	Filter filter.CallFilter // the calls to verify; the zero value takes all
	// Workers is how many workers run in this process; with 0 only
	// worker processes (`callreplay fleet worker`) verify.
	Workers int
	Queue   QueueOptions
	Width   int // of the text of a divergence; 0 means 100
	// Queued, when set, hears how many jobs were queued, once; Progress
	// every result as it comes. Both are called from Verify's goroutine.
	Queued   func(total int)
	Progress func(Result)
}

// VerifyReport is what a fleet verify run found: each call's result
// exactly once, in the order of the calls' start.
type VerifyReport struct {
	Run     string
	Results []Result
	// Recording is the number of calls left out because a recording of
	// theirs is still being recorded: verifying half a call would blame
	// the code for what has not arrived yet.
	Recording int
	Workers   int // in this process
	Elapsed   time.Duration
}

// Count returns the number of calls with status s.
func (r *VerifyReport) Count(s Status) int {
	n := 0
	for i := range r.Results {
		if r.Results[i].Status == s {
			n++
		}
	}
	return n
}

// Verify checks the current build against every call the filter keeps:
// one job per call on the work queue, verified by opts.Workers workers in
// this process and by any worker processes pulling from the queue, each
// result collected from the results stream. A job the server gives up on
// (MaxDeliver deliveries without an acknowledgement: its workers died on
// it) is reported as failed. When ctx ends, the run's jobs still queued
// are withdrawn and ctx's error returned.
func (c *Client) Verify(ctx context.Context, opts VerifyOptions) (*VerifyReport, error) {
	start := time.Now()
	calls, err := c.Calls(ctx, QueryOptions{Filter: opts.Filter, Streams: opts.Queue.Streams})
	if err != nil && calls == nil {
		return nil, err
	}
	rep := &VerifyReport{Run: newRunID(), Workers: opts.Workers}
	var jobs []Job
	for i := range calls {
		if calls[i].Open() {
			rep.Recording++
			continue
		}
		jobs = append(jobs, jobOf(rep.Run, &calls[i], opts.Width))
	}
	if _, err := EnsureQueue(ctx, c.js, opts.Queue); err != nil {
		return nil, err
	}
	r, err := c.startRun(ctx, rep.Run)
	if err != nil {
		return nil, err
	}
	defer r.stop()
	if err := c.enqueue(ctx, jobs); err != nil {
		c.withdraw(rep.Run)
		return nil, err
	}
	if opts.Queued != nil {
		opts.Queued(len(jobs))
	}
	stopWorkers := c.startWorkers(ctx, opts)
	defer stopWorkers()
	results, err := c.collect(ctx, r, jobs, opts.Progress)
	if err != nil {
		c.withdraw(rep.Run)
		return nil, err
	}
	rep.Results, rep.Elapsed = results, time.Since(start)
	return rep, nil
}

// newRunID names a run: a subject token no other run uses.
func newRunID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// jobOf is the job of verifying call c in run.
func jobOf(run string, c *Call, width int) Job {
	if width <= 0 {
		width = 100
	}
	j := Job{Run: run, Call: c.ID, Width: width}
	for _, r := range c.Recordings {
		j.Recordings = append(j.Recordings, r.Rec)
	}
	return j
}

// enqueue publishes the jobs, asynchronously, and waits for the stream
// to have stored every one.
func (c *Client) enqueue(ctx context.Context, jobs []Job) error {
	futures := make([]jetstream.PubAckFuture, 0, len(jobs))
	for _, j := range jobs {
		data, err := json.Marshal(j)
		if err != nil {
			return err
		}
		f, err := c.js.PublishMsgAsync(&nats.Msg{Subject: jobSubject(j.Run), Data: data},
			jetstream.WithMsgID(resultID(j.Run, j.Call)))
		if err != nil {
			return fmt.Errorf("fleet: queueing call %s: %w", j.Call, err)
		}
		futures = append(futures, f)
	}
	for i, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("fleet: queueing call %s: %w", jobs[i].Call, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// withdraw removes a run's jobs still queued, so that no worker spends
// time on a run nobody waits for.
func (c *Client) withdraw(run string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s, err := c.js.Stream(ctx, StreamJobs); err == nil {
		s.Purge(ctx, jetstream.WithPurgeSubject(jobSubject(run)))
	}
}

// startWorkers starts opts.Workers workers in this process; the function
// returned stops them and waits until they have.
func (c *Client) startWorkers(ctx context.Context, opts VerifyOptions) func() {
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A connection of its own, as a worker process has: one
			// connection's messages are parsed on one goroutine, at the
			// client and at the server, which would serialize the workers.
			wc, err := c.another()
			if err != nil {
				wc = c
			} else {
				defer wc.Close()
			}
			wc.Work(wctx, WorkerOptions{Name: fmt.Sprintf("in-process-%d", i+1), Queue: opts.Queue})
		}()
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

// run is what a Verify listens to: its results, and the server's word
// that a job was given up on.
type run struct {
	id       string
	results  chan jetstream.Msg
	given    chan uint64 // stream sequences of jobs past MaxDeliver
	consume  jetstream.ConsumeContext
	advisory *nats.Subscription
}

func (r *run) stop() {
	r.consume.Stop()
	r.advisory.Unsubscribe()
}

// maxDeliveries is the advisory the server sends when it stops handing
// out a job.
type maxDeliveries struct {
	Stream    string `json:"stream"`
	StreamSeq uint64 `json:"stream_seq"`
}

// startRun listens to a run's results and to the server's advisories,
// before any job is queued, so that none is missed.
func (c *Client) startRun(ctx context.Context, id string) (*run, error) {
	r := &run{id: id, results: make(chan jetstream.Msg, 256), given: make(chan uint64, 64)}
	sub, err := c.nc.Subscribe("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES."+StreamJobs+"."+ConsumerWorkers, func(m *nats.Msg) {
		var a maxDeliveries
		if json.Unmarshal(m.Data, &a) == nil && a.Stream == StreamJobs {
			r.given <- a.StreamSeq
		}
	})
	if err != nil {
		return nil, fmt.Errorf("fleet: advisories: %w", err)
	}
	r.advisory = sub
	cons, err := c.js.OrderedConsumer(ctx, StreamResults, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{resultSubject(id)}})
	if err == nil {
		r.consume, err = cons.Consume(func(m jetstream.Msg) { r.results <- m })
	}
	if err != nil {
		sub.Unsubscribe()
		return nil, fmt.Errorf("fleet: stream %s: %w", StreamResults, err)
	}
	return r, nil
}

// collect waits for one result per job and returns them in the jobs'
// order. A result for a call already reported, or of another run, is
// dropped; a job given up on is reported failed.
func (c *Client) collect(ctx context.Context, r *run, jobs []Job, progress func(Result)) ([]Result, error) {
	index := make(map[string]int, len(jobs))
	for i, j := range jobs {
		index[j.Call] = i
	}
	results := make([]Result, len(jobs))
	got := make([]bool, len(jobs))
	for n := 0; n < len(jobs); {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case m := <-r.results:
			var res Result
			if json.Unmarshal(m.Data(), &res) != nil || res.Run != r.id {
				continue
			}
			i, ok := index[res.Call]
			if !ok || got[i] {
				continue
			}
			results[i], got[i] = res, true
			n++
			if progress != nil {
				progress(res)
			}
		case seq := <-r.given:
			c.giveUp(ctx, r.id, seq)
		}
	}
	return results, nil
}

// giveUp reports the job at seq of the jobs stream as failed, when it is
// of run, and removes it: the server hands it out no more.
func (c *Client) giveUp(ctx context.Context, run string, seq uint64) {
	s, err := c.js.Stream(ctx, StreamJobs)
	if err != nil {
		return
	}
	m, err := s.GetMsg(ctx, seq)
	if err != nil {
		return
	}
	var j Job
	if json.Unmarshal(m.Data, &j) != nil || j.Run != run {
		return
	}
	info, _ := c.js.Consumer(ctx, StreamJobs, ConsumerWorkers)
	n := DefaultMaxDeliver
	if info != nil {
		n = info.CachedInfo().Config.MaxDeliver
	}
	res := Result{Run: run, Call: j.Call, Status: StatusFailed, Recordings: []RecordingResult{}, Deliveries: uint64(n),
		Error: fmt.Sprintf("no worker finished it in %d deliveries (each died or hung on it)", n)}
	data, _ := json.Marshal(res)
	if _, err := c.js.Publish(ctx, resultSubject(run), data, jetstream.WithMsgID(resultID(run, j.Call))); err != nil {
		return
	}
	s.DeleteMsg(ctx, seq)
}

// another opens a second connection to c's fleet, with c's options.
func (c *Client) another() (*Client, error) {
	o := c.nc.Opts
	o.Servers = c.nc.Servers()
	nc, err := o.Connect()
	if err != nil {
		return nil, err
	}
	return newClient(nc)
}
