package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog/redact"
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

func redactRun(opts *redactOptions) error {
	in, err := openLog(opts.In)
	if err != nil {
		return err
	}
	defer in.Close()
	// Copying renumbers the events: a damaged call would come out whole.
	if err := in.Check(); err != nil {
		return err
	}
	st, err := redact.Log(in, opts.Out, redact.Options{Timeout: lockTimeout})
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.ios.Out, "redacted %d calls (%d events) into %s\n", st.Calls, st.Events, opts.Out)
	return nil
}
