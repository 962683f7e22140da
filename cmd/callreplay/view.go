package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/gdamore/tcell/v2"
	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"

	"github.com/callrec/callrec/viewer"
)

type viewOptions struct {
	ios     *cmdutil.IOStreams
	Log     string
	Call    string
	At      uint64
	Follow  bool
	Fleet   string // the fleet's URL: Log is a fleet call's id
	NoColor bool   // from the NO_COLOR environment variable
}

func newViewCmd(ios *cmdutil.IOStreams, runF func(*viewOptions) error) *cobra.Command {
	opts := &viewOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "view LOG | view --fleet URL CALL",
		Short: "Step through a recorded call in the terminal",
		Long: "view opens a log in a terminal debugger: the timeline of events, the messages\n" +
			"as a call-flow ladder, every connection's state before and after each step, and\n" +
			"the event in full. Step forwards and backwards, search, filter, set breakpoints\n" +
			"on states and messages and continue to them. h shows every key.\n\n" +
			"A log with several calls opens on the call list unless --call names one.\n" +
			"A log that a recorder on this machine is writing opens live: the call's events\n" +
			"appear as the recorder commits them (--follow asks for that at once).\n" +
			"With --fleet, the argument is a fleet call (its id from callreplay fleet ls, or a\n" +
			"unique prefix): all its devices, pulled from the fleet; with --follow as well, a\n" +
			"call still in progress, its devices' events appearing as they are published.\n" +
			"NO_COLOR set in the environment draws without colours.",
		Example: "  callrec sim testdata/scenarios/04-glare.txt --out glare.db\n" +
			"  callreplay view glare.db\n" +
			"  callreplay view field.db --call call-0002 --at 120\n" +
			"  callreplay view calls.db --follow    # while callrec demo records into it\n" +
			"  callreplay view --fleet nats://127.0.0.1:4222 conv-1.9f3a --follow\n" +
			"  # in the viewer: b state=Conflict-Resolution Enter, then c",
		Args:              cmdutil.ExactArgs(1),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Log = args[0]
			opts.NoColor = os.Getenv("NO_COLOR") != ""
			if runF != nil {
				return runF(opts)
			}
			return viewRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Call, "call", "", "open this call instead of the call list")
	cmd.Flags().Uint64Var(&opts.At, "at", 0, "put the cursor on the event with this sequence number")
	cmd.Flags().BoolVarP(&opts.Follow, "follow", "f", false, "follow the call a recorder is writing into the log, live")
	cmd.Flags().StringVar(&opts.Fleet, "fleet", "", "open call CALL of the fleet at this URL, nats://HOST:PORT")
	_ = cmd.RegisterFlagCompletionFunc("call", callIDCompletion)
	return cmd
}

func viewRun(opts *viewOptions) error {
	// main raises GOGC to 400 for replays that keep little alive. The
	// viewer keeps its replay index (about 20 bytes an event), and at 400
	// the heap reached five times it: 238 MB after one search of a call
	// of 1.8M events, 96 MB at Go's default.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(100)
	}
	cat, note, closeCat, err := viewCatalog(opts)
	if err != nil {
		return err
	}
	defer closeCat()
	m, err := viewer.New(cat, viewer.Options{Call: opts.Call, At: opts.At, NoColor: opts.NoColor})
	if err != nil {
		return cmdutil.InputErrorf("%s: %v", opts.Log, err)
	}
	if note != "" {
		m.Notify(note, nil)
	}
	scr, err := tcell.NewScreen()
	if err != nil {
		return fmt.Errorf("view needs a terminal: %w", err)
	}
	if err := scr.Init(); err != nil {
		return fmt.Errorf("view needs a terminal: %w", err)
	}
	defer scr.Fini()
	return viewer.Run(scr, m)
}
