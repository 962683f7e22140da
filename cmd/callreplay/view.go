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
	NoColor bool // from the NO_COLOR environment variable
}

func newViewCmd(ios *cmdutil.IOStreams, runF func(*viewOptions) error) *cobra.Command {
	opts := &viewOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "view LOG",
		Short: "Step through a recorded call in the terminal",
		Long: "view opens a log in a terminal debugger: the timeline of events, the messages\n" +
			"as a call-flow ladder, every connection's state before and after each step, and\n" +
			"the event in full. Step forwards and backwards, search, filter, set breakpoints\n" +
			"on states and messages and continue to them. h shows every key.\n\n" +
			"A log with several calls opens on the call list unless --call names one.\n" +
			"NO_COLOR set in the environment draws without colours.",
		Example: "  callrec sim testdata/scenarios/04-glare.txt --out glare.db\n" +
			"  callreplay view glare.db\n" +
			"  callreplay view field.db --call call-0002 --at 120\n" +
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
	_ = cmd.RegisterFlagCompletionFunc("call", callIDCompletion)
	return cmd
}

func viewRun(opts *viewOptions) error {
	l, err := openCallLog(opts.Log)
	if err != nil {
		return err
	}
	defer l.Close()
	// The viewer jumps around the call: the kernel reads the file into
	// its page cache in the background, so that no jump waits for the
	// disk, while only the pages read stay resident (Preload kept the
	// whole file, 157 MB for a call of 1.8M events).
	_ = l.Prefetch()
	// main raises GOGC to 400 for replays that keep little alive. The
	// viewer keeps its replay index (about 20 bytes an event), and at 400
	// the heap reached five times it: 238 MB after one search of a call
	// of 1.8M events, 96 MB at Go's default.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(100)
	}
	cat := viewer.NewLogCatalog(l, nil)
	defer cat.Close()
	m, err := viewer.New(cat, viewer.Options{Call: opts.Call, At: opts.At, NoColor: opts.NoColor})
	if err != nil {
		return cmdutil.InputErrorf("%s: %v", opts.Log, err)
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
