package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/internal/safetext"
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

// withCall runs fn on the call id of the log at path or, when id is
// empty, on the log's only call. Of several calls it takes the latest
// recorded, the one a repeated recording just added, and says so on
// stderr, naming what it does ("showing"), so that the note reads as the
// command's own.
func withCall(ios *cmdutil.IOStreams, doing, path, id string, fn func(*eventlog.CallReader) error) error {
	l, err := openLog(path)
	if err != nil {
		return err
	}
	defer l.Close()
	if id == "" {
		if id, err = latestCall(ios, doing, path, l); err != nil {
			return err
		}
	}
	var r *eventlog.CallReader
	if id != "" {
		r, err = l.Call(id)
	} else {
		r, err = l.OnlyCall()
	}
	if err != nil {
		return err
	}
	defer r.Close()
	return fn(r)
}

// latestCall returns the id of the latest of several calls, after a note
// on stderr; "" when the log holds one call or none (OnlyCall's case).
func latestCall(ios *cmdutil.IOStreams, doing, path string, l *eventlog.Log) (string, error) {
	infos, err := l.Calls()
	if err != nil || len(infos) < 2 {
		return "", err
	}
	// Calls come in the order they were created.
	id := infos[len(infos)-1].Meta.ID
	fmt.Fprintf(ios.Err, "callreplay: %s holds %d calls; %s the latest, %s (use --call to pick one)\n",
		safetext.Escape(path), len(infos), doing, safetext.Escape(id))
	return id, nil
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
