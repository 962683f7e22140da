package main

import (
	"encoding/json"
	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// glareLog is the golden glare call: A/1 (conn 9GMi) and B/2 (conn cph5)
// both send a SETUP and each receives the other's.
var glareLog = filepath.Join("..", "..", "testdata", "golden", "04-glare.log")

// glareSETUP is what `show 04-glare.log --type SETUP` prints.
const glareSETUP = `call 04-glare · sim · scenario 04-glare · seed 1 · endpoints A/1 B/2 · 19 events
    SEQ        TIME  ENDPOINT  CONN  KIND  EVENT
      6     +0.000s  A/1       9GMi  out   send SETUP request via backend
     13     +0.000s  B/2       cph5  out   send SETUP request via backend
     15     +0.000s  B/2       cph5  in    recv SETUP request from A/1 sess 9GMi
     17     +0.000s  A/1       9GMi  in    recv SETUP request from B/2 sess cph5
`

func TestShowTypeIsAMessageType(t *testing.T) {
	if out := mustRun(t, "show", glareLog, "--type", "SETUP"); out != glareSETUP {
		t.Fatalf("show --type SETUP:\n%s\nwant:\n%s", out, glareSETUP)
	}
	if out := mustRun(t, "show", glareLog, "--filter", "type=setup"); out != glareSETUP {
		t.Fatalf("show --filter type=setup:\n%s", out)
	}
}

// seqsOf returns the SEQ column of show's output.
func seqsOf(t *testing.T, out string) []int {
	t.Helper()
	var seqs []int
	for _, r := range showRows(t, out) {
		n, err := strconv.Atoi(r[0])
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, n)
	}
	return seqs
}

func TestShowFilter(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []int
	}{
		{[]string{"--filter", "type=SETUP ep=A"}, []int{6, 17}},
		{[]string{"--type", "SETUP", "--endpoint", "a"}, []int{6, 17}},
		{[]string{"--endpoint", "A"}, []int{1, 2, 3, 4, 5, 6, 7, 17, 18, 19}},
		{[]string{"--endpoint", "B/2", "--kind", "input"}, []int{8, 11, 15}},
		{[]string{"--filter", "conn=cph5 kind=output", "--type", "StateChanged,Ignored"}, []int{12, 16}},
		{[]string{"--filter", "type=app.start", "--from", "5"}, []int{10}},
		{[]string{"--filter", "type=SETUP", "--type", "Answered"}, []int{6, 13, 15, 17, 19}}, // one key: the values OR
		{[]string{"--filter", "ep=Z"}, nil},
	} {
		out := mustRun(t, append([]string{"show", glareLog}, tc.args...)...)
		if got := seqsOf(t, out); !slices.Equal(got, tc.want) {
			t.Errorf("show %q: events %v, want %v", tc.args, got, tc.want)
		}
	}
	// The ladder keeps the messages with an end --endpoint keeps: a user
	// alone stands for every client of it.
	out := mustRun(t, "show", glareLog, "--ladder", "--endpoint", "b")
	if strings.Count(out, "SETUP") != 2 {
		t.Fatalf("ladder of b:\n%s", out)
	}
}

func TestExportFilter(t *testing.T) {
	out := mustRun(t, "export", glareLog, "--format", "text", "--filter", "type=SETUP")
	if out != glareSETUP {
		t.Fatalf("export --format text --filter type=SETUP:\n%s", out)
	}
	out = mustRun(t, "export", glareLog, "--format", "jsonl", "--type", "SETUP", "--endpoint", "A/1", "--kind", "input")
	var seqs []int
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec struct {
			Seq int `json:"seq"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		seqs = append(seqs, rec.Seq)
	}
	if !slices.Equal(seqs, []int{17}) {
		t.Fatalf("export --format jsonl --type SETUP --endpoint A/1 --kind input: %v", seqs)
	}
	// The filter reads the ids as logged; the output is redacted.
	out = mustRun(t, "export", glareLog, "--format", "jsonl", "--redact", "--filter", "ep=A/1 type=Recv")
	if strings.Count(out, "\n") != 1 || strings.Contains(out, `"A/1"`) {
		t.Fatalf("export --redact --filter 'ep=A/1 type=Recv':\n%s", out)
	}
}

func TestFilterFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"show", glareLog, "--filter", "colour=red"},
			`--filter: filter term "colour=red": unknown key "colour": want ep, conn, kind or type`},
		{[]string{"show", glareLog, "--endpoint", "A/"}, `--endpoint: filter term "ep=A/": endpoint "A/": want user or user/client`},
		{[]string{"show", glareLog, "--type", "a b"}, `--type: filter term "type=a b": value "a b" has a space or a comma`},
		{[]string{"show", glareLog, "--kind", "in"}, `--kind: filter term "kind=in": kind "in": want input, output or note`},
		{[]string{"export", glareLog, "-f", "text", "--filter", "ep"}, `--filter: filter term "ep": want key=value, key one of ep, conn, kind or type`},
		{[]string{"export", glareLog, "-f", "text", "--kind", "all"}, `--kind: filter term "kind=all": kind "all": want input, output or note`},
	} {
		r := runCmd(t, tc.args...)
		if r.code != cmdutil.ExitUsage || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, tc.want) != 1 {
			t.Errorf("%q: exit %d, stderr %q; want %d and %s", tc.args, r.code, r.stderr, cmdutil.ExitUsage, tc.want)
		}
	}
}
