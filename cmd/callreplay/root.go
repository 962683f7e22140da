package main

import (
	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
)

// newRootCmd builds the command tree. Every subcommand is one line here.
func newRootCmd(ios *cmdutil.IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "callreplay",
		Short: "List, show, verify, export and redact recorded calls",
		Long: "callreplay reads callrec event logs. Every call in a log is rebuilt step by step\n" +
			"from its recorded inputs by the current ECONN code; verify compares what the\n" +
			"code does now with what it did when the call was recorded.\n\n" +
			"Exit status: 0 success, 1 verify found a divergence, 2 bad flags or arguments,\n" +
			"3 a log that cannot be used (missing, not a log, locked, newer format, corrupt,\n" +
			"unknown call), 4 anything else.",
		Example: "  callrec sim testdata/scenarios/04-glare.txt --out glare.db\n" +
			"  callreplay ls glare.db\n" +
			"  callreplay show glare.db --ladder\n" +
			"  callreplay verify glare.db",
	}
	cmdutil.Setup(root, ios)
	root.AddCommand(newLsCmd(ios, nil))
	root.AddCommand(newShowCmd(ios, nil))
	root.AddCommand(newVerifyCmd(ios, nil))
	root.AddCommand(newExportCmd(ios, nil))
	root.AddCommand(newRedactCmd(ios, nil))
	root.AddCommand(newMergeCmd(ios, nil))
	root.AddCommand(newViewCmd(ios, nil))
	root.AddCommand(newWebCmd(ios, nil))
	root.AddCommand(newFleetCmd(ios))
	return root
}
