package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

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
		return nil, inputError{err}
	}
	return l, nil
}

// inputError marks an error as bad input (exit status 3) without changing
// its text.
type inputError struct{ error }

func (e inputError) Unwrap() error        { return e.error }
func (e inputError) Is(target error) bool { return target == errInput }

// openCall opens the call id of l, or its only call when id is empty.
func openCall(l *eventlog.Log, id string) (*eventlog.CallReader, error) {
	if id == "" {
		r, err := l.OnlyCall()
		if err != nil {
			// Several calls: say how to pick one, as a bad-input error.
			if infos, lerr := l.Calls(); lerr == nil && len(infos) > 1 {
				return nil, fmt.Errorf("%w: %v (use --call)", errInput, err)
			}
		}
		return r, err
	}
	return l.Call(id)
}

// exactArgs and minArgs are cobra's argument checks, marked as usage errors.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.MinimumNArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// callIDCompletion completes --call with the ids of the log named first.
func callIDCompletion(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	l, err := openLog(args[0])
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer l.Close()
	infos, err := l.Calls()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ids := make([]cobra.Completion, len(infos))
	for i, c := range infos {
		ids[i] = c.Meta.ID
	}
	return ids, cobra.ShellCompDirectiveNoFileComp
}

// endpointCompletion completes --endpoint with the endpoints of the calls
// in the log named first.
func endpointCompletion(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	l, err := openLog(args[0])
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer l.Close()
	infos, err := l.Calls()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var eps []cobra.Completion
	seen := map[eventlog.Endpoint]bool{}
	for _, c := range infos {
		for _, ep := range c.Meta.Endpoints {
			if !seen[ep] {
				seen[ep] = true
				eps = append(eps, ep.String())
			}
		}
	}
	return eps, cobra.ShellCompDirectiveNoFileComp
}
