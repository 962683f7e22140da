package verify

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// LogResult is what verifying one log found.
type LogResult struct {
	Path  string
	Calls []replay.Report // one per call verified in full, in the log's order
	// Unverified are the calls that could not be verified, in the log's
	// order: damaged (found by the integrity check, or a bad event found
	// by replay) or unreadable (a newer format).
	Unverified []CallError
	Err        error // the log could not be read, or its pages or calls index are damaged
}

// CallError is a call that could not be verified, and why.
type CallError struct {
	CallID string
	Err    error
}

// Damage returns the damage that stopped the call, or nil if it was
// unreadable for another reason.
func (c CallError) Damage() *eventlog.DamageError {
	var d *eventlog.DamageError
	if errors.As(c.Err, &d) {
		return d
	}
	return nil
}

// OpenFunc opens a log for reading.
type OpenFunc func(path string) (*eventlog.Log, error)

// Log verifies every call of the log at path. It checks the log's
// integrity first: a damaged file (bbolt's page check, the calls index)
// stops it; a damaged call is not replayed — replaying what the log no
// longer holds would report damage as a code regression — and the other
// calls go on. The calls are verified in parallel, on every core
// (GOMAXPROCS); the result lists them in the log's order.
func Log(path string, open OpenFunc) LogResult {
	return LogWith(path, LogOptions{Open: open})
}

// LogOptions configure LogWith.
type LogOptions struct {
	Open OpenFunc
	// Workers is how many calls are verified at a time; 0 means
	// GOMAXPROCS.
	Workers int
	// OnCalls, when set, hears how many calls the log holds once it
	// knows; OnCall of every call verified, in the log's order. Both are
	// called from the goroutine that called LogWith.
	OnCalls func(total int)
	OnCall  func(CallDone)
}

// CallDone is one call verified, for a progress report.
type CallDone struct {
	Index    int  // in the log's order, from 0
	Diverged bool // it replayed differently
	Failed   bool // it could not be verified: damaged or unreadable
}

// LogWith is Log with options.
func LogWith(path string, opts LogOptions) LogResult {
	res := LogResult{Path: path}
	l, err := opts.Open(path)
	if err != nil {
		res.Err = err
		return res
	}
	defer l.Close()
	// The file's check (bbolt's, of every page) runs beside the calls:
	// on one core it is a tenth of the work, and waiting for it would
	// leave the other cores idle. A damaged file stops the workers and
	// its damage is the result: what the calls showed is dropped.
	var damaged atomic.Bool
	checked := make(chan error, 1)
	go func() {
		err := l.CheckFile()
		if err != nil {
			damaged.Store(true)
		}
		checked <- err
	}()
	ids, err := l.CallIDs()
	if err == nil {
		if opts.OnCalls != nil {
			opts.OnCalls(len(ids))
		}
		workers := opts.Workers
		if workers <= 0 {
			workers = runtime.GOMAXPROCS(0)
		}
		eachCall(l, ids, workers, &damaged, func(i int, c callResult) {
			if c.err != nil {
				res.Unverified = append(res.Unverified, CallError{CallID: ids[i], Err: c.err})
			} else {
				res.Calls = append(res.Calls, c.rep)
			}
			if opts.OnCall != nil {
				opts.OnCall(CallDone{Index: i, Diverged: c.err == nil && !c.rep.OK(), Failed: c.err != nil})
			}
		})
	}
	if cerr := <-checked; cerr != nil {
		return LogResult{Path: path, Err: cerr}
	}
	if err != nil {
		return LogResult{Path: path, Err: err}
	}
	return res
}

// callResult is what verifying one call found.
type callResult struct {
	rep replay.Report
	err error // damaged or unreadable: not verified
}

// checkAndVerify checks a call's integrity and, if it is whole, replays
// it, both in one read transaction.
func checkAndVerify(l *eventlog.Log, id string) callResult {
	r, err := l.Call(id)
	if err != nil {
		return callResult{rep: replay.Report{CallID: id}, err: err}
	}
	defer r.Close()
	if err := r.Check(); err != nil {
		return callResult{err: err}
	}
	rep, err := replay.Verify(replay.Reader(r))
	return callResult{rep: rep, err: err}
}

// eachCall verifies the calls ids of l, workers at a time, and hands each
// result to done in the order of ids, from the calling goroutine, until
// stop is set. The workers take the calls a batch at a time: a call of a
// few dozen events takes tens of microseconds, and a hand-over per call
// (a worker woken, a result waited for) cost as much as a fifth of it.
// At most a few batches per worker wait to be handed over (a call
// verified early waits for the ones before it), so memory does not grow
// with the log.
func eachCall(l *eventlog.Log, ids []string, workers int, stop *atomic.Bool, done func(int, callResult)) {
	workers = min(workers, len(ids))
	if workers <= 1 {
		for i, id := range ids {
			if stop.Load() {
				return
			}
			done(i, checkAndVerify(l, id))
		}
		return
	}
	batch := batchSize(len(ids), workers)
	batches := (len(ids) + batch - 1) / batch
	window := 8 * workers
	type slot struct {
		res   []callResult
		ready chan struct{}
	}
	slots := make([]slot, window)
	for i := range slots {
		slots[i] = slot{res: make([]callResult, batch), ready: make(chan struct{}, 1)}
	}
	free := make(chan struct{}, window) // a token per slot not yet handed over
	for range window {
		free <- struct{}{}
	}
	next := make(chan int)
	go func() {
		defer close(next)
		for b := range batches {
			<-free
			next <- b
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				s := &slots[b%window]
				for j, i := range batchRange(b, batch, len(ids)) {
					if !stop.Load() {
						s.res[j] = checkAndVerify(l, ids[i])
					}
				}
				s.ready <- struct{}{}
			}
		}()
	}
	for b := range batches {
		s := &slots[b%window]
		<-s.ready
		for j, i := range batchRange(b, batch, len(ids)) {
			res := s.res[j]
			s.res[j] = callResult{}
			if !stop.Load() {
				done(i, res)
			}
		}
		free <- struct{}{}
	}
	wg.Wait()
}

// batchSize is how many calls a worker takes at a time: up to 16, and
// fewer on a short log, so that every worker gets several batches.
func batchSize(calls, workers int) int {
	return min(max(calls/(workers*8), 1), 16)
}

// batchRange yields the index in the batch and the index in the log of
// every call of batch b.
func batchRange(b, batch, calls int) func(yield func(int, int) bool) {
	return func(yield func(int, int) bool) {
		for i := b * batch; i < min((b+1)*batch, calls); i++ {
			if !yield(i-b*batch, i) {
				return
			}
		}
	}
}

// Logs verifies the logs at paths, jobs of them at a time, and calls each
// with every log's result in the order of paths. It stops at, and returns,
// the first error of each.
func Logs(paths []string, jobs int, open OpenFunc, each func(LogResult) error) error {
	return LogsWith(paths, jobs, LogOptions{Open: open}, each)
}

// LogsWith is Logs verifying each log with LogWith and opts: with jobs
// above 1, its OnCalls and OnCall are called from several goroutines.
func LogsWith(paths []string, jobs int, opts LogOptions, each func(LogResult) error) error {
	results := make([]LogResult, len(paths))
	done := make([]chan struct{}, len(paths))
	for i := range done {
		done[i] = make(chan struct{})
	}
	next := make(chan int)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range min(max(jobs, 1), len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = LogWith(paths[i], opts)
				close(done[i])
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range paths {
			select {
			case next <- i:
			case <-stop:
				return
			}
		}
	}()
	defer wg.Wait()
	defer close(stop)
	for i := range paths {
		<-done[i]
		if err := each(results[i]); err != nil {
			return err
		}
		results[i] = LogResult{} // the caller has it; let it go
	}
	return nil
}

// Summary adds up the results of several logs. Calls counts every call
// listed, the unverified too: a call that could not be verified never
// counts as ok.
type Summary struct {
	Logs, Calls, Diverged, Unreadable int
	Damaged, UnreadableCalls          int // calls not verified: damaged, or unreadable otherwise
	Events, Steps                     uint64
}

// OK returns the number of calls that replay exactly.
func (s *Summary) OK() int { return s.Calls - s.Diverged - s.Damaged - s.UnreadableCalls }

// Add counts r.
func (s *Summary) Add(r LogResult) {
	s.Logs++
	if r.Err != nil {
		s.Unreadable++
	}
	for i := range r.Calls {
		s.Calls++
		s.Events += r.Calls[i].Events
		s.Steps += r.Calls[i].Steps
		if !r.Calls[i].OK() {
			s.Diverged++
		}
	}
	for _, c := range r.Unverified {
		s.Calls++
		if c.Damage() != nil {
			s.Damaged++
		} else {
			s.UnreadableCalls++
		}
	}
}
