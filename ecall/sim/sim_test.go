package sim

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/eventlog"
)

const scenarioDir = "../../testdata/scenarios"

// TestScenarios runs every scenario file; each carries its own
// expectations.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(scenarioDir, "*.txt"))
	if err != nil || len(files) < 32 {
		t.Fatalf("want at least 32 scenarios, found %d (%v)", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			sc, err := ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Run(sc, Options{Seed: 1}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestFailedExpectationNamesLineKeyWantGot(t *testing.T) {
	sc, err := ParseString("x.txt", "clients A/1 B/1\nstart A/1\nrun\nexpect B/1 state=Answered incoming=1\n")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(sc, Options{})
	var ee *ExpectError
	if !errors.As(err, &ee) {
		t.Fatalf("want an ExpectError, got %v", err)
	}
	if ee.Line != 4 || ee.Key != "state" || ee.Want != "Answered" || ee.Got != "Pending-Incoming" {
		t.Fatalf("got %+v", ee)
	}
	if want := "x:4: expect B/1 state: want Answered, got Pending-Incoming"; err.Error() != want {
		t.Fatalf("message %q, want %q", err.Error(), want)
	}
}

func TestCommandErrorStopsTheRun(t *testing.T) {
	sc, err := ParseString("x.txt", "clients A/1 B/1\nanswer B/1\nexpect B/1 conns=5\n")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(sc, Options{})
	if err == nil || !strings.Contains(err.Error(), "x:2: answer B/1: B/1: no incoming call to answer") {
		t.Fatalf("got %v", err)
	}
}

func TestMustFail(t *testing.T) {
	sc, err := ParseString("m.txt", "clients A/1 B/1\n! start A/1\n")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(sc, Options{})
	if err == nil || !strings.Contains(err.Error(), "m:2: ! start A/1: the command succeeded, the scenario says it must fail") {
		t.Fatalf("a \"!\" command that succeeds must fail the run, got %v", err)
	}
	sc, _ = ParseString("m.txt", "clients A/1 B/1\n! answer B/1\nexpect B/1 conns=0\n")
	if _, err := Run(sc, Options{}); err != nil {
		t.Fatalf("a \"!\" command that fails is fine: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		"start A/1\n":                                  "f.txt:1: start before the clients line",
		"clients A/1\nfrobnicate A/1\n":                "f.txt:2: unknown command \"frobnicate\"",
		"clients A/1\nstart B/9\n":                     "f.txt:2: unknown client B/9",
		"clients A/1\nadvance soon\n":                  "f.txt:2: bad duration \"soon\"",
		"clients A/1\nconfig A/1 colour=red\n":         "f.txt:2: config: unknown key \"colour\"",
		"clients A/1\nfault explode\n":                 "f.txt:2: unknown fault \"explode\"",
		"clients A/1\nfault delay\n":                   "f.txt:2: fault delay needs by=DURATION",
		"clients A/1\nfault drop prob=2\n":             "f.txt:2: fault prob: want a probability",
		"clients A/1\nexpect A/1 state=Ringing\n":      "f.txt:2: expect state=Ringing: invalid argument: unknown state",
		"clients A/1\nexpect A/1 mood=good\n":          "f.txt:2: expect: unknown key \"mood\"",
		"clients A/1\nexpect backend SETUP=two\n":      "f.txt:2: expect backend SETUP=\"two\": want a count",
		"clients A/1\nexpect backend NOPE=1\n":         "f.txt:2: expect backend: unsupported message type",
		"clients A/1\nmedia A/1 explode\n":             "f.txt:2: media takes one action",
		"clients A/1\ninject to=A/1 hello\n":           "f.txt:2: inject needs from=user/client",
		"clients A/1 A/1\n":                            "f.txt:1: client A/1 listed twice",
		"clients A1\n":                                 "f.txt:1: endpoint \"A1\": want user/client",
		"# nothing\n":                                  "f.txt: no clients line",
		"clients A/1\nstart\n":                         "f.txt:2: start needs a client",
		"clients A/1\nprops A/1\n":                     "f.txt:2: props takes key=value props",
		"clients A/1\nalert A/1 level=-1\n":            "f.txt:2: alert level \"-1\": want an unsigned number",
		"clients A/1 B/1\nfault fail-send to=B/1\n":    "f.txt:2: fault fail-send: to= only applies to direct messages",
		"clients A/1\nconfig A/1 setup-timeout=-5ms\n": "f.txt:2: config setup-timeout: negative duration",
		"clients A/1 B/1\nfault reorder to=B/1\n":      "f.txt:2: fault reorder: to= only applies to direct messages",
		"clients A/1\n! run\n":                         "f.txt:2: \"!\" only goes before a client command",
		"clients A/1\n!\n":                             "f.txt:2: \"!\" needs a command after it",
	}
	for text, want := range cases {
		_, err := ParseString("f.txt", text)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", text, err, want)
		}
	}
}

// TestSameSeedSameLog: a scenario and a seed give a byte-identical log; the
// log opens with the eventlog reader and lists every ECONN.
func TestSameSeedSameLog(t *testing.T) {
	sc, err := ParseFile(filepath.Join(scenarioDir, "13-glare-resolved.txt"))
	if err != nil {
		t.Fatal(err)
	}
	record := func(seed int64) []byte {
		path := filepath.Join(t.TempDir(), "x.db")
		log, err := eventlog.Open(path, 0o644, &eventlog.Options{BatchDelay: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Run(sc, Options{Seed: seed, Log: log, ToolVersion: "test"}); err != nil {
			t.Fatal(err)
		}
		if err := log.Close(); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := record(7), record(7), record(8)
	if !bytes.Equal(a, b) {
		t.Fatal("same scenario and seed gave different logs")
	}
	if bytes.Equal(a, c) {
		t.Fatal("different seeds gave the same log (session ids come from the seed)")
	}

	path := filepath.Join(t.TempDir(), "y.db")
	if err := os.WriteFile(path, a, 0o644); err != nil {
		t.Fatal(err)
	}
	log, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	r, err := log.OnlyCall()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m := r.Meta()
	if m.Source != "sim" || !m.HasSeed || m.Seed != 7 || m.Scenario != "13-glare-resolved" || len(m.Endpoints) != 2 {
		t.Fatalf("meta %+v", m)
	}
	if len(m.Conns) != 2 || r.Count() < 20 {
		t.Fatalf("%d conns, %d events", len(m.Conns), r.Count())
	}
	cur := r.Cursor(&eventlog.Filter{Types: []string{"New"}})
	n := 0
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		if _, isNew := ev.Input.(eventlog.NewConn); !isNew {
			t.Fatalf("event %d: %T", ev.Seq, ev.Input)
		}
		n++
	}
	if n != 2 || cur.Err() != nil {
		t.Fatalf("%d New events, err %v", n, cur.Err())
	}
}

// TestWriteAheadOrder: every ECONN input is recorded before its outputs.
func TestWriteAheadOrder(t *testing.T) {
	sc, err := ParseFile(filepath.Join(scenarioDir, "02-hangup.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var evs []eventlog.Event
	if _, err := Run(sc, Options{Observe: func(ev eventlog.Event) { evs = append(evs, ev) }}); err != nil {
		t.Fatal(err)
	}
	lastInput := map[string]string{}
	for i, ev := range evs {
		key := ev.Endpoint.String() + "#" + ev.Conn
		switch ev.Kind {
		case eventlog.KindInput:
			lastInput[key] = ev.Type
		case eventlog.KindOutput:
			if lastInput[key] == "" {
				t.Fatalf("event %d: output %s of %s before any input", i, ev.Type, key)
			}
		}
	}
}

func TestUndecodableRecordedNotStepped(t *testing.T) {
	sc, err := ParseString("u.txt", "clients A/1 B/1\ninject from=A/1 {\"version\":\"9\"}\nrun\nexpect B/1 conns=0\n")
	if err != nil {
		t.Fatal(err)
	}
	var recv []eventlog.RecvInput
	_, err = Run(sc, Options{Observe: func(ev eventlog.Event) {
		if r, ok := ev.Input.(eventlog.RecvInput); ok {
			recv = append(recv, r)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(recv) != 1 || recv[0].DecodeErr != "version" || string(recv[0].Data) != `{"version":"9"}` {
		t.Fatalf("recorded %+v", recv)
	}
}

func TestExploreRunsClean(t *testing.T) {
	runs := 2000
	if testing.Short() {
		runs = 200
	}
	for seed := int64(1); seed <= int64(runs); seed++ {
		if v := Explore(seed); v != nil {
			t.Fatalf("%v\n%s", v, v.Scenario)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	if Generate(42) != Generate(42) || Generate(42) == Generate(43) {
		t.Fatal("Generate must depend on the seed only")
	}
	if _, err := ParseString("g.txt", Generate(42)); err != nil {
		t.Fatal(err)
	}
}

// TestInvariantsCatchViolations: the checks are not vacuous.
func TestInvariantsCatchViolations(t *testing.T) {
	sc, _ := ParseString("i.txt", "clients A/1 B/1 B/2\nmedia B/1 block\nstart A/1\nrun\nanswer B/1\nrun\nadvance 1s\n")
	inv := newInvariants()
	if _, err := Run(sc, Options{Observe: inv.observe, AfterStep: inv.check}); err != nil {
		t.Fatal(err)
	}
	if e := inv.final(); e == nil || e.name != "terminating" {
		t.Fatalf("a call left up must break the terminating invariant, got %v", e)
	}
	inv.closes["A/1#x"] = 2
	if err := inv.check(inv.w); err == nil || !strings.Contains(err.Error(), "close-once") {
		t.Fatalf("two closes must break close-once, got %v", err)
	}
}

func TestShrink(t *testing.T) {
	text := "clients A/1 B/1\nrun\nstart A/1\nadvance 1s\nupdate A/1\nend B/1\n"
	got := shrink(text, func(s string) bool {
		return strings.Contains(s, "start A/1") && strings.Contains(s, "end B/1")
	})
	if want := "clients A/1 B/1\nstart A/1\nend B/1\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
