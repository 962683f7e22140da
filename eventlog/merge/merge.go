package merge

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/callrec/callrec/eventlog"
)

// Options tune Files. The zero value is ready to use.
type Options struct {
	// Timeout is how long to wait for an input another process holds; 0
	// waits for eventlog's default.
	Timeout time.Duration
	// Progress, when set, is called now and then while events are
	// written, with the events written so far and the total to write.
	Progress func(done, total uint64)
}

// Report says what Files wrote.
type Report struct {
	Out    string
	Calls  []Call
	Events uint64
}

// Call is one call of the merged log and where it came from.
type Call struct {
	ID         string // in the merged log
	Conv       string // its conversation, when recorded
	From       []Part // one recording (copied) or several (merged)
	Devices    []eventlog.Endpoint
	Events     uint64
	Duplicates []Duplicate // devices recorded identically twice, kept once
}

// Part is one recording a call was made of, and the devices it gave.
type Part struct {
	Source
	Devices []eventlog.Endpoint
}

// Merged says whether the call joins several recordings.
func (c *Call) Merged() bool { return len(c.From) > 1 }

// progressEvery is how many events pass between calls of Progress.
const progressEvery = 4096

// merger carries one run's state.
type merger struct {
	opts        Options
	done, total uint64
}

// tick counts one written event and reports progress now and then.
func (m *merger) tick() {
	m.done++
	if m.opts.Progress != nil && m.done%progressEvery == 0 {
		m.opts.Progress(m.done, m.total)
	}
}

// Files merges the calls of the logs at paths into a new log at out: the
// recordings of one call (see the package doc) become one call, a call
// with no partner is copied as it is. The inputs are opened read-only; out
// must not exist (ErrExists), and on failure nothing is left there. Its
// permissions are the inputs' intersected, since it holds what each holds.
func Files(paths []string, out string, opts Options) (rep Report, err error) {
	rep.Out = out
	if len(paths) == 0 {
		return rep, ErrNoInput
	}
	if _, err := os.Lstat(out); err == nil {
		return rep, fmt.Errorf("%s %w", out, ErrExists)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return rep, err
	}
	ins, mode, err := openInputs(paths, opts.Timeout)
	defer func() {
		for _, in := range ins {
			in.log.Close()
		}
	}()
	if err != nil {
		return rep, err
	}
	groups, err := plan(ins)
	if err != nil {
		return rep, err
	}
	return write(groups, out, mode, opts)
}

// openInputs opens every log read-only and checks it; mode is their
// permission bits intersected.
func openInputs(paths []string, timeout time.Duration) ([]*input, fs.FileMode, error) {
	var ins []*input
	mode := fs.FileMode(0o666)
	for _, p := range paths {
		l, err := eventlog.Open(p, 0, &eventlog.Options{ReadOnly: true, Timeout: timeout})
		if err != nil {
			return ins, 0, err
		}
		ins = append(ins, &input{n: len(ins), path: p, log: l})
		st, err := os.Stat(p)
		if err != nil {
			return ins, 0, err
		}
		mode &= st.Mode().Perm()
		// Merging renumbers the events: a damaged call would come out whole.
		if err := l.Check(); err != nil {
			return ins, 0, err
		}
	}
	return ins, mode | 0o600, nil
}

// plannedCall is one call to write: its recordings and the devices kept
// once.
type plannedCall struct {
	recs []*recording
	dups []Duplicate
}

// plan scans every call of ins and groups the recordings of one call.
func plan(ins []*input) ([]plannedCall, error) {
	var recs []*recording
	for _, in := range ins {
		infos, err := in.log.Calls()
		if err != nil {
			return nil, err
		}
		for _, info := range infos {
			rec, err := scan(in, info)
			if err != nil {
				return nil, fmt.Errorf("%s call %s: %w", in.path, info.Meta.ID, err)
			}
			recs = append(recs, rec)
		}
	}
	var calls []plannedCall
	for _, g := range group(recs) {
		dups, err := dedupe(g)
		if err != nil {
			return nil, err
		}
		calls = append(calls, plannedCall{g, dups})
	}
	return calls, nil
}

// write creates the log out and writes every planned call into it.
func write(calls []plannedCall, out string, mode fs.FileMode, opts Options) (rep Report, err error) {
	rep.Out = out
	m := &merger{opts: opts}
	for _, c := range calls {
		for _, rec := range c.recs {
			m.total += rec.info.Events
		}
	}
	l, err := eventlog.Open(out, mode, &eventlog.Options{Timeout: opts.Timeout, BatchSize: 4096})
	if err != nil {
		return rep, err
	}
	defer func() {
		if cerr := l.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(out)
		}
	}()
	used := map[string]bool{}
	for _, c := range calls {
		call, err := m.writeCall(l, c, used)
		if err != nil {
			return rep, err
		}
		rep.Calls = append(rep.Calls, call)
		rep.Events += call.Events
	}
	if opts.Progress != nil {
		opts.Progress(m.done, m.total)
	}
	return rep, nil
}

// writeCall writes one planned call under its first recording's id, unless
// an earlier call of the merged log took it.
func (m *merger) writeCall(l *eventlog.Log, c plannedCall, used map[string]bool) (Call, error) {
	id := c.recs[0].info.Meta.ID
	if used[id] {
		id = ""
	}
	meta, n, err := m.writeGroup(l, c.recs, id)
	if err != nil {
		src := c.recs[0].source()
		return Call{}, fmt.Errorf("%s call %s: %w", src.File, src.Call, err)
	}
	used[meta.ID] = true
	call := Call{ID: meta.ID, Conv: meta.Labels[LabelConv], Devices: meta.Endpoints, Events: n, Duplicates: c.dups}
	for _, rec := range c.recs {
		p := Part{Source: rec.source()}
		for _, ep := range rec.info.Meta.Endpoints {
			if !rec.drop[ep] {
				p.Devices = append(p.Devices, ep)
			}
		}
		call.From = append(call.From, p)
	}
	return call, nil
}
