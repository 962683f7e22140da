package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"

	"github.com/callrec/callrec/eventlog"
)

type redactOptions struct {
	ios     *cmdutil.IOStreams
	In, Out string
}

func newRedactCmd(ios *cmdutil.IOStreams, runF func(*redactOptions) error) *cobra.Command {
	opts := &redactOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "redact IN OUT",
		Short: "Copy a log with ids pseudonymized and SDPs scrubbed",
		Long: "Copy every call of IN into the new log OUT with user and client ids replaced by\n" +
			"pseudonyms (one per id throughout the log) that keep the ids' order (glare resolution compares ids, so the\n" +
			"redacted log verifies exactly like the original), and SDPs without ICE\n" +
			"credentials, candidate addresses and fingerprints. Ids are replaced in the\n" +
			"metadata, endpoints, configs, received message bytes (decoded and encoded\n" +
			"again), outputs, ignore reasons and notes. OUT must not exist.",
		Example: "  callreplay redact field.log field-redacted.log\n  callreplay verify field-redacted.log",
		Args:    cmdutil.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.In, opts.Out = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return redactRun(opts)
		},
	}
	return cmd
}

func redactRun(opts *redactOptions) (err error) {
	if _, err := os.Stat(opts.Out); err == nil {
		return cmdutil.InputErrorf("%s already exists; redact writes a new log", opts.Out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	in, err := openLog(opts.In)
	if err != nil {
		return err
	}
	defer in.Close()
	infos, err := in.Calls()
	if err != nil {
		return err
	}
	red, err := logRedactor(in, infos)
	if err != nil {
		return err
	}
	out, err := eventlog.Open(opts.Out, 0o600, &eventlog.Options{Timeout: lockTimeout})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(opts.Out) // a half-redacted log would mislead
		}
	}()
	var events uint64
	for _, info := range infos {
		n, err := redactCall(in, out, info.Meta.ID, red)
		if err != nil {
			return fmt.Errorf("call %s: %w", info.Meta.ID, err)
		}
		events += n
	}
	fmt.Fprintf(opts.ios.Out, "redacted %d calls (%d events) into %s\n", len(infos), events, opts.Out)
	return nil
}

// logRedactor collects the ids of every call, so that an id has one
// pseudonym throughout the log.
func logRedactor(l *eventlog.Log, infos []eventlog.CallInfo) (*redactor, error) {
	ids := newIDCollector()
	for _, info := range infos {
		r, err := l.Call(info.Meta.ID)
		if err != nil {
			return nil, err
		}
		err = collectIDs(ids, r)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("call %s: %w", info.Meta.ID, err)
		}
	}
	return ids.redactor()
}

func redactCall(in, out *eventlog.Log, id string, red *redactor) (uint64, error) {
	r, err := in.Call(id)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	v := openView(r, red)
	w, err := out.CreateCall(v.meta)
	if err != nil {
		return 0, err
	}
	var n uint64
	err = v.each(func(ev eventlog.Event) error {
		n++
		_, err := w.Append(ev)
		return err
	})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return n, err
}
