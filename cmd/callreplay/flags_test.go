package main

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
)

// The flag layer: each command parses its flags into its options and
// hands them to the run function, here a stand-in that keeps them.

func TestFlags(t *testing.T) {
	ios := &cmdutil.IOStreams{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}
	var show *showOptions
	cmd := newShowCmd(ios, func(o *showOptions) error { show = o; return nil })
	cmd.SetArgs([]string{"x.log", "--call", "c1", "--endpoint", "A/1,B/2", "--kind", "input", "--kind", "note",
		"--type", "Recv", "--filter", "conn=x", "--from", "7", "--json", "--ladder", "--width", "80"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := showOptions{ios: ios, Log: "x.log", Call: "c1", Endpoints: []string{"A/1", "B/2"},
		Kinds: []string{"input", "note"}, Types: []string{"Recv"}, Filter: "conn=x", From: 7, JSON: true, Ladder: true, Width: 80}
	if !reflect.DeepEqual(*show, want) {
		t.Fatalf("show options %+v\nwant %+v", *show, want)
	}

	var verify *verifyOptions
	cmd = newVerifyCmd(ios, func(o *verifyOptions) error { verify = o; return nil })
	cmd.SetArgs([]string{"a.log", "b.log", "-j", "3", "-q"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(verify.Logs, []string{"a.log", "b.log"}) || verify.Jobs != 3 || !verify.Quiet {
		t.Fatalf("verify options %+v", verify)
	}

	var export *exportOptions
	cmd = newExportCmd(ios, func(o *exportOptions) error { export = o; return nil })
	cmd.SetArgs([]string{"a.log", "-f", "mermaid", "--redact", "-o", "out.mmd", "--call", "c",
		"--filter", "conn=x", "--endpoint", "A", "--kind", "note", "--type", "SETUP,media.ice"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*export, exportOptions{ios: ios, Log: "a.log", Call: "c", Format: "mermaid", Redact: true, Out: "out.mmd",
		Filter: "conn=x", Endpoints: []string{"A"}, Kinds: []string{"note"}, Types: []string{"SETUP", "media.ice"}}) {
		t.Fatalf("export options %+v", export)
	}

	var ls *lsOptions
	cmd = newLsCmd(ios, func(o *lsOptions) error { ls = o; return nil })
	cmd.SetArgs([]string{"a.log", "--json"})
	if err := cmd.Execute(); err != nil || ls.Log != "a.log" || !ls.JSON {
		t.Fatalf("ls options %+v, %v", ls, err)
	}

	var red *redactOptions
	cmd = newRedactCmd(ios, func(o *redactOptions) error { red = o; return nil })
	cmd.SetArgs([]string{"in.log", "out.log"})
	if err := cmd.Execute(); err != nil || red.In != "in.log" || red.Out != "out.log" {
		t.Fatalf("redact options %+v, %v", red, err)
	}
}
