package verify

import (
	"sync"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// LogResult is what verifying one log found.
type LogResult struct {
	Path  string
	Calls []replay.Report // one per call verified in full, in the log's order
	Err   error           // the log, or a call in it, could not be read
}

// OpenFunc opens a log for reading.
type OpenFunc func(path string) (*eventlog.Log, error)

// Log verifies every call of the log at path, stopping at the first that
// cannot be read.
func Log(path string, open OpenFunc) LogResult {
	res := LogResult{Path: path}
	l, err := open(path)
	if err != nil {
		res.Err = err
		return res
	}
	defer l.Close()
	infos, err := l.Calls()
	if err != nil {
		res.Err = err
		return res
	}
	for _, info := range infos {
		rep, err := verifyCall(l, info.Meta.ID)
		if err != nil {
			res.Err = err
			return res
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

// Summary adds up the results of several logs.
type Summary struct {
	Logs, Calls, Diverged, Unreadable int
	Events, Steps                     uint64
}

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
}
