package econn_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// Wording is not part of the regression contract: verify compares an
// Ignored output by reason code and arguments. Every sentence is reworded
// here, and every log we have (the golden logs, the logs of every older
// format under testdata/compat, and the scenarios recorded now) verifies
// exactly as it did before.
func TestRewordingChangesNoVerifyResult(t *testing.T) {
	logs := append(globLogs(t, "../testdata/golden/*.log"), globLogs(t, "../testdata/compat/v*/*")...)
	logs = append(logs, recordAllScenarios(t))

	before, sentencesBefore := verifyAll(t, logs)
	restore := econn.RewordIgnoreForTest(func(r econn.IgnoreReason, s string) string {
		return fmt.Sprintf("[%s, reworded] %s", r, strings.ToUpper(s[:1])+s[1:])
	})
	defer restore()
	after, sentencesAfter := verifyAll(t, logs)

	t.Logf("%d calls in %d logs, %d Ignored outputs reworded", len(before), len(logs), len(sentencesBefore))
	if len(sentencesBefore) < 20 {
		t.Fatalf("only %d Ignored outputs in the logs: the test proves little", len(sentencesBefore))
	}
	for i := range sentencesBefore {
		if sentencesBefore[i] == sentencesAfter[i] {
			t.Fatalf("rewording left %q as it was", sentencesBefore[i])
		}
	}
	if !slices.Equal(before, after) {
		for i := range before {
			if before[i] != after[i] {
				t.Errorf("verify result changed with the wording:\n before %s\n  after %s", before[i], after[i])
			}
		}
	}
}

// A verify that compared sentences would fail here: the same check on a
// comparison by wording must report a change.
func TestRewordingIsVisibleToAWordingCompare(t *testing.T) {
	o := econn.Ignored{Type: econn.MsgCancel, Reason: econn.IgnoreCancelInState,
		Args: econn.IgnoreArgs{State: econn.StateIdle}}
	recorded := o.Sentence()
	restore := econn.RewordIgnoreForTest(func(_ econn.IgnoreReason, s string) string { return "now: " + s })
	defer restore()
	if o.Sentence() == recorded {
		t.Fatal("rewording did not change the sentence")
	}
	if !o.Equal(econn.Ignored{Type: econn.MsgCancel, Reason: econn.IgnoreCancelInState,
		Args: econn.IgnoreArgs{State: econn.StateIdle}}) {
		t.Fatal("equal codes and arguments compare unequal")
	}
}

func globLogs(t *testing.T, pattern string) []string {
	t.Helper()
	var out []string
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".log") || strings.HasSuffix(f, ".db") {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no logs match %s", pattern)
	}
	return out
}

// recordAllScenarios records every scenario file into one log, in the
// current format, with today's wording.
func recordAllScenarios(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scenarios.db")
	l, err := eventlog.Open(path, 0o644, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	files, _ := filepath.Glob("../testdata/scenarios/*.txt")
	for _, f := range files {
		sc, err := sim.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		if _, err := sim.Run(sc, sim.Options{Seed: 1, Log: l, CallID: name}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return path
}

// verifyAll replays every call of every log; it returns one line per call
// (steps, divergences, the first divergence) and the sentence of every
// recorded Ignored output, as a person would read it now.
func verifyAll(t *testing.T, logs []string) (results, sentences []string) {
	t.Helper()
	for _, path := range logs {
		if _, err := os.Stat(path); err != nil {
			t.Fatal(err)
		}
		l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		infos, err := l.Calls()
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range infos {
			res, said := verifyCall(t, l, info.Meta.ID)
			results = append(results, path+" "+info.Meta.ID+": "+res)
			sentences = append(sentences, said...)
		}
		l.Close()
	}
	return results, sentences
}

func verifyCall(t *testing.T, l *eventlog.Log, id string) (string, []string) {
	cr, err := l.Call(id)
	if err != nil {
		t.Fatal(err)
	}
	defer cr.Close()
	rp := replay.NewReplayer(replay.Reader(cr))
	first := "none"
	var said []string
	for rp.Next() {
		st := rp.Step()
		if st.Divergence != nil && first == "none" {
			first = fmt.Sprintf("event %d: %s", st.Input.Seq, st.Divergence.Reason)
		}
		for _, ev := range st.Recorded {
			if ig, ok := ev.Output.(econn.Ignored); ok {
				said = append(said, ig.Sentence())
			}
		}
	}
	if rp.Err() != nil {
		t.Fatalf("%s: %v", id, rp.Err())
	}
	return fmt.Sprintf("%d steps, %d diverge, first %s", rp.Steps(), rp.Divergences(), first), said
}
