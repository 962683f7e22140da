package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/export"
	"github.com/callrec/callrec/eventlog/redact"
	"github.com/callrec/callrec/internal/progress"
)

type exportOptions struct {
	ios       *cmdutil.IOStreams
	Log       string
	Call      string
	Format    string
	Redact    bool
	Out       string
	Filter    string
	Endpoints []string
	Kinds     []string
	Types     []string
}

func newExportCmd(ios *cmdutil.IOStreams, runF func(*exportOptions) error) *cobra.Command {
	opts := &exportOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "export LOG --format jsonl|mermaid|chrome-trace|text",
		Short: "Write a call as JSON lines, a Mermaid diagram, a Chrome trace or text",
		Long: "Write one call in another format:\n" +
			"  jsonl         one JSON object per event, for jq\n" +
			"  mermaid       a Mermaid sequence diagram of the messages and state changes\n" +
			"  chrome-trace  a Chrome/Perfetto trace: one process per endpoint, a track of\n" +
			"                state spans and a track of messages per connection, messages\n" +
			"                as flow arrows (open it in https://ui.perfetto.dev)\n" +
			"  text          the timeline `show` prints\n" +
			"--redact replaces user and client ids by pseudonyms and scrubs SDPs first; the\n" +
			"filter reads the ids as logged, before --redact.\n" + filterHelp,
		Example: "  callreplay export call.log --format chrome-trace --out call.trace.json\n" +
			"  callreplay export call.log --format jsonl --redact | jq 'select(.kind==\"output\")'\n" +
			"  callreplay export call.log --format mermaid > call.mmd\n" +
			"  callreplay export call.log --format text --filter 'type=SETUP,HANGUP ep=A'",
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Log = args[0]
			if _, err := export.ParseFormat(opts.Format); err != nil {
				return cmdutil.FlagError(fmt.Errorf("--format %q: want one of %s", opts.Format, strings.Join(export.Formats(), ", ")))
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Call, "call", "", "the call to export (default: the only call, else the latest)")
	f.StringVarP(&opts.Format, "format", "f", "", "jsonl, mermaid, chrome-trace or text (required)")
	f.BoolVar(&opts.Redact, "redact", false, "pseudonymize ids and scrub SDPs")
	f.StringVarP(&opts.Out, "out", "o", "", "write to this file instead of stdout")
	f.StringVar(&opts.Filter, "filter", "", "only the events this `expression` keeps (see above)")
	f.StringSliceVar(&opts.Endpoints, "endpoint", nil, "add the term ep=`user[/client]` to --filter (repeatable)")
	f.StringSliceVar(&opts.Kinds, "kind", nil, "add the term kind=: input, output, note (repeatable)")
	f.StringSliceVar(&opts.Types, "type", nil, "add the term type=: Recv, StateChanged, SETUP, media.ice, ... (repeatable)")
	_ = cmd.MarkFlagRequired("format")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(export.Formats(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("call", callIDCompletion)
	return cmd
}

func exportRun(opts *exportOptions) error {
	flt, err := parseFilter(opts.Filter, opts.Endpoints, opts.Kinds, opts.Types)
	if err != nil {
		return err
	}
	return withCall(opts.ios, "exporting", opts.Log, opts.Call, func(r *eventlog.CallReader) (err error) {
		xo := export.Options{Format: export.Format(opts.Format), Filter: flt}
		if opts.Redact {
			if xo.Redactor, err = redact.New(r); err != nil {
				return err
			}
		}
		prog := exportProgress(opts)
		if prog != nil {
			xo.Progress = func(done, total uint64) {
				prog.Show(fmt.Sprintf("export %s %d/%d events", progress.Bar(int(done), int(total), 30), done, total))
			}
			defer prog.Clear()
		}
		return export.WriteFile(opts.ios.Out, opts.Out, r, xo)
	})
}

// exportProgress is the progress line of a long export, on stderr when it
// is a terminal, unless the export itself goes to that terminal.
func exportProgress(opts *exportOptions) *progress.Task {
	return progress.NewTask(opts.ios.Err, opts.ios.ErrTerminal && (opts.Out != "" || !opts.ios.OutTerminal), progressAfter)
}
