package main

import (
	"io"

	"github.com/spf13/cobra"
)

// addLiveCommands adds the live-mode commands (demo, serve, call).
func addLiveCommands(root *cobra.Command, stdout, stderr io.Writer) {}
