package main

import (
	"io"
	"os"
	"testing"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
)

func TestZZProf(t *testing.T) {
	path := os.Getenv("ZZLOG")
	args := []string{"ls", path}
	if os.Getenv("ZZJSON") != "" {
		args = append(args, "--json")
	}
	for i := 0; i < 20; i++ {
		run(args, &cmdutil.IOStreams{Out: io.Discard, Err: io.Discard})
	}
}
