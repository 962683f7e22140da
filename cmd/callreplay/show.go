package main

import (
	"cmp"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/export"
)

type showOptions struct {
	ios       *cmdutil.IOStreams
	Log       string
	Call      string
	Filter    string
	Endpoints []string
	Kinds     []string
	Types     []string
	From      uint64
	JSON      bool
	Ladder    bool
	Width     int
	Follow    bool
}

func newShowCmd(ios *cmdutil.IOStreams, runF func(*showOptions) error) *cobra.Command {
	opts := &showOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "show LOG",
		Short: "Print a call's timeline, one sentence per event",
		Long: "Print a call's timeline: sequence number, time since the call began, endpoint,\n" +
			"connection, kind and a sentence per event. --ladder draws the messages between\n" +
			"the endpoints as a call flow instead, each send paired with its receive by the\n" +
			"message itself, not by time ('-' backend, '=' direct, 'x' lost, '?' a device not\n" +
			"in the log; a legend follows); of the filter, it honours the ep= terms: the\n" +
			"messages with an end they keep.\n" +
			"--follow prints the events of the call a recorder on this machine is writing as\n" +
			"they are committed, until the recorder closes the call or Ctrl-C.\n" +
			filterHelp,
		Example: "  callreplay show call.log\n" +
			"  callreplay show call.log --filter 'type=SETUP ep=A'\n" +
			"  callreplay show call.log --endpoint B/1 --kind output --type StateChanged\n" +
			"  callreplay show call.log --from 120 --json | jq .text\n" +
			"  callreplay show call.log --ladder --width 80\n" +
			"  callreplay show calls.db --follow    # while callrec demo records into it",
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Log = args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Call, "call", "", "the call to show (default: the only call, else the latest)")
	f.StringVar(&opts.Filter, "filter", "", "only the events this `expression` keeps (see above)")
	f.StringSliceVar(&opts.Endpoints, "endpoint", nil, "add the term ep=`user[/client]` to --filter (repeatable)")
	f.StringSliceVar(&opts.Kinds, "kind", nil, "add the term kind=: input, output, note (repeatable)")
	f.StringSliceVar(&opts.Types, "type", nil, "add the term type=: Recv, StateChanged, SETUP, media.ice, ... (repeatable)")
	f.Uint64Var(&opts.From, "from", 1, "start at this sequence number")
	f.BoolVar(&opts.JSON, "json", false, "print JSON lines, one object per event")
	f.BoolVar(&opts.Ladder, "ladder", false, "draw the messages as an ASCII call flow")
	f.IntVar(&opts.Width, "width", 0, "ladder width in columns (default: the terminal's, else 100)")
	f.BoolVarP(&opts.Follow, "follow", "f", false, "print the events of a call being recorded as they come")
	_ = cmd.RegisterFlagCompletionFunc("call", callIDCompletion)
	_ = cmd.RegisterFlagCompletionFunc("endpoint", endpointCompletion)
	_ = cmd.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions(
		[]cobra.Completion{"input", "output", "note"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func showRun(opts *showOptions) error {
	f, err := parseFilter(opts.Filter, opts.Endpoints, opts.Kinds, opts.Types)
	if err != nil {
		return err
	}
	if opts.Width < 0 {
		return cmdutil.FlagErrorf("--width %d: want a positive number of columns", opts.Width)
	}
	xo := export.Options{Format: export.Text, Filter: f, From: opts.From}
	if opts.JSON {
		xo.Format = export.JSONL
	}
	if opts.Follow {
		if opts.Ladder {
			return cmdutil.FlagErrorf("--follow prints events as they come; --ladder needs the whole call")
		}
		ctx, cancel := interruptible()
		defer cancel()
		l, fl, err := openOrFollow(ctx, opts.Log, opts.Call, true)
		if err != nil {
			return err
		}
		if fl != nil {
			return showFollow(ctx, opts.ios.Out, fl, xo)
		}
		l.Close() // not being recorded: shown whole, as without --follow
	}
	return withCall(opts.ios, "showing", opts.Log, opts.Call, func(r *eventlog.CallReader) error {
		switch {
		case opts.Ladder:
			return describe.WriteLadder(opts.ios.Out, r, f.MatchEndpoint, opts.From, cmp.Or(opts.Width, opts.ios.OutWidth()))
		}
		return export.Write(opts.ios.Out, r, xo)
	})
}
