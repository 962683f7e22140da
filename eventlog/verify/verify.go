package verify

import (
	"errors"
	"sync"

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
// calls go on.
func Log(path string, open OpenFunc) LogResult {
	res := LogResult{Path: path}
	l, err := open(path)
	if err != nil {
		res.Err = err
		return res
	}
	defer l.Close()
	if err := l.CheckFile(); err != nil {
		res.Err = err
		return res
	}
	infos, err := l.Calls()
	if err != nil {
		res.Err = err
		return res
	}
	for _, info := range infos {
		id := info.Meta.ID
		err := l.CheckCall(id)
		var rep replay.Report
		if err == nil {
			rep, err = verifyCall(l, id)
		}
		if err != nil {
			res.Unverified = append(res.Unverified, CallError{CallID: id, Err: err})
			continue
		}
		res.Calls = append(res.Calls, rep)
	}
	return res
}

func verifyCall(l *eventlog.Log, id string) (replay.Report, error) {
	r, err := l.Call(id)
	if err != nil {
		return replay.Report{CallID: id}, err
	}
	defer r.Close()
	return replay.Verify(replay.Reader(r))
}

// Logs verifies the logs at paths, jobs of them at a time, and calls each
// with every log's result in the order of paths. It stops at, and returns,
// the first error of each.
func Logs(paths []string, jobs int, open OpenFunc, each func(LogResult) error) error {
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
				results[i] = Log(paths[i], open)
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
