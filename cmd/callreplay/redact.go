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
		Short: "Copy a log with its personal data pseudonymised or scrubbed",
		Long: "Copy every call of IN into the new log OUT with every field that can hold personal\n" +
			"data redacted by its policy (README, \"Redaction\"): user, client and session ids,\n" +
			"prop values and label values become pseudonyms, one per value throughout the log\n" +
			"(ids keep their order: glare resolves alike, so the redacted log verifies exactly\n" +
			"like the original); SDPs lose ICE credentials, addresses, ports and fingerprints;\n" +
			"free text (notes, alerts, errors) keeps only the program's own words and numbers;\n" +
			"credentials and key material are replaced. OUT must not exist; it is written\n" +
			"afresh, so none of IN's bytes remain in it.",
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
