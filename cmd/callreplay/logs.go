package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/tail"
)

// lockTimeout is how long a command waits for a log another process holds.
const lockTimeout = 500 * time.Millisecond

// openLog opens a log read-only, for a command that reads every call of
// it: the whole file is mapped in at once (Preload) rather than a page
// fault at a time. Whatever stops it is bad input.
func openLog(path string) (*eventlog.Log, error) {
	return open(path, true)
}

// openCallLog opens a log read-only, for a command that reads one call of
// it: only that call's pages are read, and the cursor releases them as
// it goes (eventlog.ReleasePages), so that memory does not grow with the
// file or the call. Preloading the whole file made `show --call` of one
// call in a 171 MB log take 174 MB.
func openCallLog(path string) (*eventlog.Log, error) {
	return open(path, false)
}

func open(path string, preload bool) (*eventlog.Log, error) {
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true, Timeout: lockTimeout, Preload: preload})
	if errors.Is(err, eventlog.ErrLocked) && beingRecorded(path) {
		err = fmt.Errorf("%w; a recorder serves it live: callreplay show %s --follow", err, path)
	}
	if err != nil {
		return nil, cmdutil.InputError(err)
	}
	return l, nil
}

// beingRecorded reports whether a recorder's socket is next to the log.
func beingRecorded(path string) bool {
	sock, err := tail.SocketPath(path)
	if err != nil {
		return false
	}
	_, err = os.Lstat(sock)
	return err == nil
}

// withCall runs fn on the call id of the log at path or, when id is
// empty, on the log's only call, else its latest (describe.OpenCall),
// saying what it does ("showing").
func withCall(ios *cmdutil.IOStreams, doing, path, id string, fn func(*eventlog.CallReader) error) error {
	l, err := openCallLog(path)
	if err != nil {
		return err
	}
	defer l.Close()
	r, err := describe.OpenCall(l, id, ios.Err, "callreplay", doing, path)
	if err != nil {
		return err
	}
	defer r.Close()
	return fn(r)
}

// logCompletion completes a flag with what list finds in the log named
// first: callIDCompletion with its call ids, endpointCompletion with its
// endpoints.
func logCompletion(list func(*eventlog.Log) []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		l, err := openCallLog(args[0])
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer l.Close()
		return list(l), cobra.ShellCompDirectiveNoFileComp
	}
}

var (
	callIDCompletion   = logCompletion(describe.CallIDs)
	endpointCompletion = logCompletion(describe.Endpoints)
)
