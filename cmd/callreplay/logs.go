package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog"
)

// lockTimeout is how long a command waits for a log another process holds.
const lockTimeout = 500 * time.Millisecond

// openLog opens a log read-only. Whatever stops it is bad input. The
// commands read whole calls, so the file is mapped in at once (Preload)
// rather than a page fault at a time.
func openLog(path string) (*eventlog.Log, error) {
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true, Timeout: lockTimeout, Preload: true})
	if err != nil {
		return nil, cmdutil.InputError(err)
	}
	return l, nil
}

// withCall runs fn on the call id of the log at path, or on its only call
// when id is empty.
func withCall(path, id string, fn func(*eventlog.CallReader) error) error {
	l, err := openLog(path)
	if err != nil {
		return err
	}
	defer l.Close()
	var r *eventlog.CallReader
	if id != "" {
		r, err = l.Call(id)
	} else if r, err = l.OnlyCall(); err != nil {
		// Several calls: say how to pick one, as a bad-input error.
		if infos, lerr := l.Calls(); lerr == nil && len(infos) > 1 {
			err = cmdutil.InputErrorf("%v (use --call)", err)
		}
	}
	if err != nil {
		return err
	}
	defer r.Close()
	return fn(r)
}

// callIDCompletion completes --call with the ids of the log named first.
func callIDCompletion(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var ids []cobra.Completion
	eachCall(args, func(m eventlog.CallMeta) { ids = append(ids, m.ID) })
	return ids, cobra.ShellCompDirectiveNoFileComp
}

// endpointCompletion completes --endpoint with the endpoints of the calls
// in the log named first.
func endpointCompletion(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var eps []cobra.Completion
	seen := map[eventlog.Endpoint]bool{}
	eachCall(args, func(m eventlog.CallMeta) {
		for _, ep := range m.Endpoints {
			if !seen[ep] {
				seen[ep] = true
				eps = append(eps, ep.String())
			}
		}
	})
	return eps, cobra.ShellCompDirectiveNoFileComp
}

// eachCall calls fn with the metadata of every call of the log named
// first in args, if it opens.
func eachCall(args []string, fn func(eventlog.CallMeta)) {
	if len(args) == 0 {
		return
	}
	l, err := openLog(args[0])
	if err != nil {
		return
	}
	defer l.Close()
	infos, _ := l.Calls()
	for _, c := range infos {
		fn(c.Meta)
	}
}
