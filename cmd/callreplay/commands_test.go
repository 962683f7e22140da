package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

func TestLs(t *testing.T) {
	basic, glare := basicCall(t), generate(t, "glare", simtest.Glare)
	path := writeCalls(t, basic, glare)
	out := mustRun(t, "ls", path)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("ls:\n%s", out)
	}
	for _, want := range []string{"call-1", "A/1,B/1", "A/1#" + basic.sess(0) + " Terminating, closed: normal",
		"B/1#" + basic.sess(1) + " Terminating, closed: normal"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("ls line %q lacks %q", lines[1], want)
		}
	}
	if !strings.Contains(lines[2], "glare") || !strings.Contains(lines[2], strconv.Itoa(len(glare.events))) {
		t.Errorf("ls line %q", lines[2])
	}
	var calls []struct {
		ID            string `json:"id"`
		FormatVersion int    `json:"format_version"`
		Events        uint64 `json:"events"`
		Outcome       []struct {
			Endpoint, Conn, State, Reason string
			Closed                        bool
		} `json:"outcome"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "ls", path, "--json")), &calls); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[1].ID != "glare" || calls[1].Events != uint64(len(glare.events)) ||
		len(calls[0].Outcome) != 2 || calls[0].Outcome[1].State != "Terminating" || !calls[0].Outcome[1].Closed {
		t.Fatalf("ls --json: %+v", calls)
	}
	if calls[0].FormatVersion != eventlog.FormatVersion || calls[1].FormatVersion != eventlog.FormatVersion {
		t.Errorf("ls --json of calls this build wrote: format versions %d, %d, want %d",
			calls[0].FormatVersion, calls[1].FormatVersion, eventlog.FormatVersion)
	}
	// A log kept from format 1 says so.
	if err := json.Unmarshal([]byte(mustRun(t, "ls", "../../testdata/compat/v1/02-hangup.log", "--json")), &calls); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0].FormatVersion != 1 {
		t.Errorf("ls --json of a format-1 log: %+v", calls)
	}
}

var showLine = regexp.MustCompile(`^ +(\d+) +\+(\d+\.\d{3})s  (\S+) +(\S+) +(in|out|note) +(.+)$`)

// showRows parses show's timeline.
func showRows(t *testing.T, out string) [][]string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "call ") || !strings.Contains(lines[1], "EVENT") {
		t.Fatalf("show header:\n%s", out)
	}
	var rows [][]string
	for _, l := range lines[2:] {
		m := showLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("show line %q", l)
		}
		rows = append(rows, m[1:])
	}
	return rows
}

func TestShow(t *testing.T) {
	c := basicCall(t)
	path := writeCalls(t, c)
	rows := showRows(t, mustRun(t, "show", path))
	if len(rows) != len(c.events) {
		t.Fatalf("%d rows, %d events", len(rows), len(c.events))
	}
	joined := mustRun(t, "show", path)
	for _, want := range []string{
		"recv SETUP request from A/1 sess " + c.sess(0), "Pending-Outgoing → Answered",
		`ignored CANCEL: CANCEL for session "nope"`, "send HANGUP request via direct",
		"timer setup 60s armed (#1)", "answer the call from A/1",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("show lacks %q", want)
		}
	}
	for name, tc := range map[string]struct {
		args  []string
		check func(row []string) bool
	}{
		"endpoint": {[]string{"--endpoint", "B/1"}, func(r []string) bool { return r[2] == "B/1" }},
		"kind":     {[]string{"--kind", "note"}, func(r []string) bool { return r[4] == "note" }},
		"type":     {[]string{"--type", "StateChanged"}, func(r []string) bool { return strings.Contains(r[5], " → ") }},
		"from":     {[]string{"--from", "40"}, func(r []string) bool { n, _ := strconv.Atoi(r[0]); return n >= 40 }},
		"combined": {[]string{"--endpoint", "A/1", "--kind", "input,output"}, func(r []string) bool { return r[2] == "A/1" && r[4] != "note" }},
	} {
		t.Run(name, func(t *testing.T) {
			rows := showRows(t, mustRun(t, append([]string{"show", path}, tc.args...)...))
			if len(rows) == 0 || len(rows) == len(c.events) {
				t.Fatalf("%d rows of %d: filter did nothing", len(rows), len(c.events))
			}
			for _, r := range rows {
				if !tc.check(r) {
					t.Fatalf("row %v does not match %v", r, tc.args)
				}
			}
		})
	}
}

func TestShowJSON(t *testing.T) {
	c := basicCall(t)
	out := mustRun(t, "show", writeCalls(t, c), "--json", "--from", "5")
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	var n uint64
	for sc.Scan() {
		var rec struct {
			Seq  uint64 `json:"seq"`
			Kind string `json:"kind"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if rec.Seq != 5+n || rec.Text == "" || rec.Kind == "" {
			t.Fatalf("record %d: %+v", n, rec)
		}
		n++
	}
	if n != uint64(len(c.events))-4 {
		t.Fatalf("%d records", n)
	}
}

func TestShowLadder(t *testing.T) {
	path := basicLog(t)
	for _, width := range []int{60, 100} {
		out := mustRun(t, "show", path, "--ladder", "--width", strconv.Itoa(width))
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if !strings.Contains(lines[0], "A/1") || !strings.Contains(lines[0], "B/1") {
			t.Fatalf("ladder header %q", lines[0])
		}
		for _, l := range lines {
			if len([]rune(l)) > width {
				t.Fatalf("line wider than %d: %q", width, l)
			}
		}
		// The injected CANCEL: its sender is in the log, its send is not.
		for _, want := range []string{"-SETUP-", "-SETUP resp", "=PROPSYNC=", "=HANGUP=", "|!", "legend:\n",
			"  !   its send is not in the log, though its sender is\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("width %d: ladder lacks %q:\n%s", width, want, out)
			}
		}
	}
	// --endpoint keeps the arrows touching it: A/666 only forged a CANCEL.
	out := mustRun(t, "show", goldenLog("08-cancel-wrong-client"), "--ladder", "--endpoint", "A/666")
	rows, _, _ := strings.Cut(out, "legend:\n")
	if n := strings.Count(rows, "\n"); n != 2 || !strings.Contains(rows, "CANCEL") {
		t.Fatalf("ladder of A/666:\n%s", out)
	}
}

// TestShowLadderDeviceLog: the ladder of one device's recording of a
// cross-process call (issue 12) shows nothing as lost: the peer's
// device is not in the log, and the legend says so.
func TestShowLadderDeviceLog(t *testing.T) {
	out := mustRun(t, "show", "../../testdata/compat/v2/live-call-a1.db", "--ladder", "--width", "80")
	rows, legend, ok := strings.Cut(out, "legend:\n")
	if !ok {
		t.Fatalf("no legend:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(rows), "\n")
	if len(lines) != 9 || !strings.Contains(lines[0], "A/1") || !strings.Contains(lines[0], "B/2") {
		t.Fatalf("want a header and 8 messages:\n%s", out)
	}
	for _, l := range lines[1:] {
		if strings.Contains(l[11:], "x") || !strings.Contains(l, "?") {
			t.Errorf("message not drawn as not recorded: %q", l)
		}
		if !strings.HasSuffix(l, ":") {
			t.Errorf("B/2's lifeline is not ':': %q", l)
		}
	}
	for _, want := range []string{"?   not recorded: the device at this end is not in the log\n",
		":   the lifeline of a device that is not in the log\n"} {
		if !strings.Contains(legend, want) {
			t.Errorf("legend lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(legend, "lost") {
		t.Errorf("legend explains a mark not used:\n%s", out)
	}
}

func TestVerify(t *testing.T) {
	good := basicLog(t)
	r := runCmd(t, "verify", good)
	if r.code != 0 || !strings.Contains(r.stdout, "ok        "+good+"  call call-1  format v"+strconv.Itoa(eventlog.FormatVersion)+"  ") ||
		!strings.Contains(r.stdout, "1 ok, 0 diverged") {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Several logs in parallel; the report keeps their order.
	other := writeCalls(t, generate(t, "glare", simtest.Glare))
	r = runCmd(t, "verify", "--jobs", "2", good, other, good)
	if r.code != 0 || strings.Count(r.stdout, "ok ") != 3 || strings.Index(r.stdout, other) < strings.Index(r.stdout, good) {
		t.Fatalf("verify 3 logs: exit %d\n%s", r.code, r.stdout)
	}
	r = runCmd(t, "verify", "-q", good)
	if r.code != 0 || strings.Contains(r.stdout, "ok ") {
		t.Fatalf("verify -q:\n%s", r.stdout)
	}
}

// alterOutput changes the first SETUP response a callee sent and returns
// the altered call and the seq of the input whose step now diverges.
func alterOutput(t *testing.T, c call, callee eventlog.Endpoint) (call, uint64) {
	t.Helper()
	evs := append([]eventlog.Event(nil), c.events...)
	var input uint64
	for i, ev := range evs {
		if ev.Kind == eventlog.KindInput {
			if ev.Endpoint == callee {
				input = ev.Seq
			}
			continue
		}
		if s, ok := ev.Output.(econn.Send); ok && s.Msg.Type == econn.MsgSetup && s.Msg.Resp {
			m := *s.Msg
			m.SessID = "tampered"
			evs[i].Output = econn.Send{Msg: &m, Via: s.Via}
			return call{c.meta, evs}, input
		}
	}
	t.Fatal("no SETUP response")
	return call{}, 0
}

func TestVerifyReportsTheAlteredStep(t *testing.T) {
	c := basicCall(t)
	bad, step := alterOutput(t, c, simtest.B1)
	path := writeCalls(t, bad)
	r := runCmd(t, "verify", path)
	if r.code != cmdutil.ExitFailed {
		t.Fatalf("exit %d, want %d\n%s", r.code, cmdutil.ExitFailed, r.stdout)
	}
	for _, want := range []string{
		"DIVERGED  " + path + "  call call-1  format v" + strconv.Itoa(eventlog.FormatVersion) + "  step at event " + strconv.FormatUint(step, 10) + " (B/1#" + c.sess(1) + ")",
		"input:   #" + strconv.FormatUint(step, 10), "answer {videosend=true}",
		"before:  Pending-Incoming", "why:     output 2: the recorded and the replayed Send differ",
		"output 2 differs in:\n    Msg.SessID       recorded \"tampered\"\n                     replayed \"" + c.sess(1) + "\"\n",
		"0 ok, 1 diverged",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Count(r.stdout, "DIVERGED") != 1 {
		t.Fatalf("more than one divergence reported:\n%s", r.stdout)
	}
	if !regexp.MustCompile(`(?m)^  ! 2 send SETUP response via backend +\| send SETUP response via backend$`).MatchString(r.stdout) {
		t.Errorf("side by side row missing:\n%s", r.stdout)
	}
}

func TestExportFormats(t *testing.T) {
	c := basicCall(t)
	path := writeCalls(t, c)
	t.Run("jsonl", func(t *testing.T) {
		out := mustRun(t, "export", path, "--format", "jsonl")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != len(c.events) {
			t.Fatalf("%d lines, %d events", len(lines), len(c.events))
		}
		for _, l := range lines {
			if !json.Valid([]byte(l)) {
				t.Fatalf("not JSON: %s", l)
			}
		}
	})
	t.Run("text", func(t *testing.T) {
		if got, want := mustRun(t, "export", path, "--format", "text"), mustRun(t, "show", path); got != want {
			t.Fatalf("text export differs from show")
		}
	})
	t.Run("mermaid", func(t *testing.T) {
		out := mustRun(t, "export", path, "--format", "mermaid")
		for _, want := range []string{"sequenceDiagram\n", "participant P0 as A/1\n", "P0->>P1: SETUP\n",
			"P1->>P0: SETUP resp\n", "P0-->>P1: HANGUP\n", "Note over P0: " + c.sess(0) + " Idle → Pending-Outgoing\n",
			"Note over P1: " + c.sess(1) + " closed: normal\n", "CANCEL (send not in the log)"} {
			if !strings.Contains(out, want) {
				t.Errorf("mermaid lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("chrome-trace", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "trace.json")
		mustRun(t, "export", path, "--format", "chrome-trace", "--out", file)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		checkChromeTrace(t, data)
	})
}

// checkChromeTrace checks what Perfetto's JSON importer relies on: known
// phases, named tracks, slices that never overlap on a track, and flows
// whose both ends sit inside a slice of their track.
func checkChromeTrace(t *testing.T, data []byte) {
	t.Helper()
	var tr struct {
		TraceEvents []struct {
			Name, Ph, Bp, S, Cat string
			ID                   int
			Ts                   float64
			Dur                  *float64
			Pid, Tid             int
		} `json:"traceEvents"`
	}
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatal(err)
	}
	type track struct{ pid, tid int }
	type span struct {
		start, end float64
		cat        string
	}
	slices := map[track][]span{}
	named := map[track]bool{}
	flows := map[int]int{}
	var states, flowEnds int
	for _, e := range tr.TraceEvents {
		k := track{e.Pid, e.Tid}
		switch e.Ph {
		case "M":
			named[k] = true
		case "X":
			if e.Dur == nil || *e.Dur < 0 {
				t.Fatalf("slice %q without a duration", e.Name)
			}
			for _, s := range slices[k] {
				if e.Ts < s.end && s.start < e.Ts+*e.Dur {
					t.Fatalf("slice %q at %v overlaps [%v,%v) on %v", e.Name, e.Ts, s.start, s.end, k)
				}
			}
			slices[k] = append(slices[k], span{e.Ts, e.Ts + *e.Dur, e.Cat})
			if _, err := econn.ParseState(e.Name); err == nil {
				states++
			}
		case "s", "f":
			flows[e.ID]++
			if e.Ph == "f" {
				flowEnds++
				if e.Bp != "e" {
					t.Fatalf("flow end %d without bp=e", e.ID)
				}
			}
		case "i":
			if e.S != "t" {
				t.Fatalf("instant %q without thread scope", e.Name)
			}
		default:
			t.Fatalf("unexpected phase %q", e.Ph)
		}
	}
	for _, e := range tr.TraceEvents {
		k := track{e.Pid, e.Tid}
		if e.Ph != "M" && !named[k] {
			t.Fatalf("event %q on unnamed track %v", e.Name, k)
		}
		if e.Ph == "s" || e.Ph == "f" {
			bound := false
			for _, s := range slices[k] {
				bound = bound || (s.start == e.Ts && s.cat == e.Cat && e.Ts < s.end)
			}
			if !bound {
				t.Fatalf("flow %d end at %v starts no slice of its category on %v", e.ID, e.Ts, k)
			}
		}
	}
	for id, n := range flows {
		if n != 2 {
			t.Fatalf("flow %d has %d ends", id, n)
		}
	}
	if states < 4 || flowEnds < 6 {
		t.Fatalf("%d state spans, %d flows", states, flowEnds)
	}
}

func TestCompletionAndHelp(t *testing.T) {
	if out := mustRun(t, "completion", "bash"); !strings.Contains(out, "callreplay") {
		t.Fatal("no bash completion")
	}
	for _, cmd := range []string{"ls", "show", "verify", "export", "redact"} {
		out := mustRun(t, cmd, "--help")
		if !strings.Contains(out, "Examples:\n  callreplay "+cmd) {
			t.Errorf("%s --help has no example:\n%s", cmd, out)
		}
	}
	// --call completes with the log's call ids.
	path := writeCalls(t, basicCall(t), generate(t, "glare", simtest.Glare))
	out := mustRun(t, "__complete", "show", path, "--call", "")
	if !strings.Contains(out, "call-1\nglare\n") {
		t.Fatalf("completion of --call:\n%s", out)
	}
	if out := mustRun(t, "__complete", "show", path, "--endpoint", ""); !strings.Contains(out, "A/1\nB/1\n") {
		t.Fatalf("completion of --endpoint:\n%s", out)
	}
	if out := mustRun(t, "__complete", "export", path, "--format", ""); !strings.Contains(out, "jsonl\nmermaid\nchrome-trace\ntext\n") {
		t.Fatalf("completion of --format:\n%s", out)
	}
}

// TestVerifyProgressOnATerminal: a progress line on a terminal once the
// run is long (here: at once), of the logs or of one log's calls; none
// off a terminal, or in a short run.
func TestVerifyProgressOnATerminal(t *testing.T) {
	path := basicLog(t)
	verifyOn := func(tty bool, args ...string) string {
		var out, errb strings.Builder
		ios := &cmdutil.IOStreams{Out: &out, Err: &errb, ErrTerminal: tty}
		if code := run(append([]string{"verify", "-q"}, args...), ios); code != 0 {
			t.Fatalf("exit %d: %s", code, out.String())
		}
		return errb.String()
	}
	if e := verifyOn(true, path, path); e != "" {
		t.Fatalf("progress of a short run: %q", e)
	}
	defer func(d time.Duration) { progressAfter = d }(progressAfter)
	progressAfter = 0
	e := verifyOn(true, path, path, path)
	if !strings.Contains(e, "\rverify [") || !strings.Contains(e, "/3 logs, ") || !strings.HasSuffix(e, "\r") {
		t.Fatalf("progress on stderr: %q", e)
	}
	if e := verifyOn(true, path); !strings.Contains(e, "\rverify [##############################] 1/1 calls, 0 diverged") {
		t.Fatalf("progress of one log: %q", e)
	}
	if e := verifyOn(false, path, path); e != "" {
		t.Fatalf("progress without a terminal: %q", e)
	}
}

// TestExportProgressOnATerminal: a long export shows its progress on a
// terminal's stderr, and not when the export goes to that terminal, nor
// off a terminal.
func TestExportProgressOnATerminal(t *testing.T) {
	path := writeCalls(t, generate(t, "long", simtest.BasicCall(40)))
	exportOn := func(errTTY, outTTY bool) (string, string) {
		var out, errb strings.Builder
		ios := &cmdutil.IOStreams{Out: &out, Err: &errb, ErrTerminal: errTTY, OutTerminal: outTTY}
		if code := run([]string{"export", path, "--format", "jsonl"}, ios); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		return out.String(), errb.String()
	}
	plain, _ := exportOn(false, false)
	if _, e := exportOn(true, false); e != "" {
		t.Fatalf("progress of a short export: %q", e)
	}
	defer func(d time.Duration) { progressAfter = d }(progressAfter)
	progressAfter = 0
	out, e := exportOn(true, false)
	if out != plain || !strings.HasPrefix(e, "\rexport [") || !strings.Contains(e, " events") || !strings.HasSuffix(e, "\r") {
		t.Fatalf("progress on stderr: %q", e)
	}
	for _, tty := range [][2]bool{{true, true}, {false, false}} {
		if _, e := exportOn(tty[0], tty[1]); e != "" {
			t.Fatalf("progress with stderr a terminal %v, stdout %v: %q", tty[0], tty[1], e)
		}
	}
}

func TestShowLadderDefaultWidth(t *testing.T) {
	path := basicLog(t)
	if got, want := mustRun(t, "show", path, "--ladder"), mustRun(t, "show", path, "--ladder", "--width", "100"); got != want {
		t.Fatalf("default ladder width is not 100 off a terminal:\n%s", got)
	}
	var out strings.Builder
	if code := run([]string{"show", path, "--ladder"}, &cmdutil.IOStreams{Out: &out, Err: &out, OutTerminal: true, Width: 70}); code != 0 {
		t.Fatal(out.String())
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if len([]rune(l)) > 70 {
			t.Fatalf("wider than the 70-column terminal: %q", l)
		}
	}
}
