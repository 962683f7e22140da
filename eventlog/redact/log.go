package redact

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/callrec/callrec/eventlog"
)

// Options tune Log and File. The zero value is ready to use.
type Options struct {
	// Mode is the permission of the new log; 0 means 0600 (a redacted log
	// is still a record of who called when).
	Mode fs.FileMode
	// Timeout is how long File waits for a source log another process
	// holds; 0 waits for eventlog's default.
	Timeout time.Duration
}

// Stats counts what Log copied.
type Stats struct {
	Calls  int
	Events uint64
}

// File redacts the log at path src into a new log at dst, as Log does. It
// opens src read-only.
func File(src, dst string, opts Options) (Stats, error) {
	in, err := eventlog.Open(src, 0, &eventlog.Options{ReadOnly: true, Timeout: opts.Timeout, Preload: true})
	if err != nil {
		return Stats{}, err
	}
	defer in.Close()
	return Log(in, dst, opts)
}

// Log copies every call of src, redacted, into a new log at dst: it reads
// src once to give every id one pseudonym throughout the log, then copies
// each call event by event. dst must not exist (ErrExists); on failure
// nothing is left at dst, since a half-redacted log would mislead.
func Log(src *eventlog.Log, dst string, opts Options) (st Stats, err error) {
	if _, err := os.Stat(dst); err == nil {
		return st, fmt.Errorf("%s %w", dst, ErrExists)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return st, err
	}
	infos, err := src.Calls()
	if err != nil {
		return st, err
	}
	red, err := logRedactor(src, infos)
	if err != nil {
		return st, err
	}
	mode := opts.Mode
	if mode == 0 {
		mode = 0o600
	}
	out, err := eventlog.Open(dst, mode, &eventlog.Options{Timeout: opts.Timeout})
	if err != nil {
		return st, err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(dst)
		}
	}()
	for _, info := range infos {
		n, err := copyCall(src, out, info.Meta.ID, red)
		if err != nil {
			return st, fmt.Errorf("call %s: %w", info.Meta.ID, err)
		}
		st.Calls++
		st.Events += n
	}
	return st, nil
}

// logRedactor collects the ids of every call, so that an id has one
// pseudonym throughout the log.
func logRedactor(l *eventlog.Log, infos []eventlog.CallInfo) (*Redactor, error) {
	ids := newCollector()
	for _, info := range infos {
		r, err := l.Call(info.Meta.ID)
		if err != nil {
			return nil, err
		}
		err = ids.call(r)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("call %s: %w", info.Meta.ID, err)
		}
	}
	return ids.redactor()
}

// copyCall appends the call id of in, redacted, to out as a new call.
func copyCall(in, out *eventlog.Log, id string, red *Redactor) (uint64, error) {
	r, err := in.Call(id)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	w, err := out.CreateCall(red.Meta(r.Meta()))
	if err != nil {
		return 0, err
	}
	var n uint64
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok && err == nil; ev, ok = cur.Next() {
		if ev, err = red.Event(ev); err == nil {
			_, err = w.Append(ev)
			n++
		}
	}
	if err == nil {
		err = cur.Err()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return n, err
}
