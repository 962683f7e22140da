package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/internal/cmdtest"
)

// The process tests run the callreplay binary as a user does: exit
// status, what reaches stderr, --version from the build information.

// callreplay is the binary the process tests build once.
var callreplay = &cmdtest.Command{Name: "callreplay"}

// plainCallreplay is the command built without the race detector, for
// figures of memory, which its shadow memory would multiply.
var plainCallreplay = &cmdtest.Command{Name: "callreplay", NoRace: true}

func TestMain(m *testing.M) {
	code := m.Run()
	callreplay.Cleanup()
	plainCallreplay.Cleanup()
	callrec.Cleanup()
	os.Exit(code)
}

func TestProcessExitCodes(t *testing.T) {
	good := basicLog(t)
	missing := filepath.Join(t.TempDir(), "missing.db")
	t.Run("unknown command", func(t *testing.T) {
		callreplay.CheckOneLine(t, callreplay.Run(t, "frobnicate"), cmdutil.ExitUsage, `unknown command "frobnicate"`)
	})
	t.Run("bad flag", func(t *testing.T) {
		callreplay.CheckOneLine(t, callreplay.Run(t, "verify", good, "--frobnicate"), cmdutil.ExitUsage, "unknown flag: --frobnicate")
	})
	t.Run("bad value", func(t *testing.T) {
		callreplay.CheckOneLine(t, callreplay.Run(t, "verify", good, "--jobs", "-5"), cmdutil.ExitUsage, `invalid argument "-5" for "-j, --jobs" flag: want at least 1`)
		callreplay.CheckOneLine(t, callreplay.Run(t, "show", good, "--width", "-1"), cmdutil.ExitUsage, "--width -1")
	})
	t.Run("missing file", func(t *testing.T) {
		callreplay.CheckOneLine(t, callreplay.Run(t, "verify", missing), cmdutil.ExitInput, "no such log file")
		callreplay.CheckOneLine(t, callreplay.Run(t, "show", missing), cmdutil.ExitInput, "no such log file")
	})
	t.Run("output path", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "no-such-dir", "x")
		callreplay.CheckOneLine(t, callreplay.Run(t, "export", good, "-f", "text", "-o", out), cmdutil.ExitError, out+": no such file")
	})
	t.Run("divergence", func(t *testing.T) {
		bad, _ := alterOutput(t, basicCall(t), simtest.B1)
		r := callreplay.Run(t, "verify", writeCalls(t, bad))
		if r.Code != cmdutil.ExitFailed || r.Stderr != "" || !strings.Contains(r.Stdout, "DIVERGED") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.Code, r.Stdout, r.Stderr)
		}
	})
}

func TestProcessVersion(t *testing.T) { callreplay.CheckVersion(t) }

// dataKeys: under "props" and "attrs", and in the data of an event's
// "data", the keys are data and not checked.
func dataKeys(path, key string) bool {
	return key == "props" || key == "attrs" || key == "data" && strings.HasSuffix(path, ".data")
}

func TestProcessVerifyJSON(t *testing.T) {
	c := basicCall(t)
	bad, step := alterOutput(t, c, simtest.B1)
	good, diverged := basicLog(t), writeCalls(t, bad)
	r := callreplay.Run(t, "verify", "--json", good, diverged)
	if r.Code != cmdutil.ExitFailed {
		t.Fatalf("exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	var v any
	if err := json.Unmarshal([]byte(r.Stdout), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.Stdout)
	}
	cmdtest.CheckSnakeKeys(t, v, dataKeys)
	var got struct {
		Logs []struct {
			Path  string `json:"path"`
			Calls []struct {
				CallID          string `json:"call_id"`
				FormatVersion   int    `json:"format_version"`
				OK              bool   `json:"ok"`
				FirstDivergence *struct {
					Seq      uint64 `json:"seq"`
					Endpoint string `json:"endpoint"`
					Conn     string `json:"conn"`
					Reason   string `json:"reason"`
					Fields   []struct {
						Field              string
						Recorded, Replayed string
					} `json:"fields"`
				} `json:"first_divergence"`
			} `json:"calls"`
		} `json:"logs"`
		Summary struct {
			Calls, OK, Diverged int
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Logs) != 2 || got.Logs[0].Path != good || !got.Logs[0].Calls[0].OK || got.Logs[0].Calls[0].FormatVersion != eventlog.FormatVersion ||
		got.Summary.Calls != 2 || got.Summary.OK != 1 || got.Summary.Diverged != 1 {
		t.Fatalf("verify --json: %+v", got)
	}
	d := got.Logs[1].Calls[0].FirstDivergence
	if d == nil || d.Seq != step || d.Endpoint != "B/1" || d.Conn != c.sess(1) || !strings.Contains(d.Reason, "Send differ") ||
		len(d.Fields) != 1 || d.Fields[0].Field != "msg.sess_id" || d.Fields[0].Recorded != "tampered" || d.Fields[0].Replayed != c.sess(1) {
		t.Fatalf("first divergence: %+v", d)
	}
}

func TestProcessShowJSONKeys(t *testing.T) {
	r := callreplay.Run(t, "show", basicLog(t), "--json")
	if r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		var v any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		cmdtest.CheckSnakeKeys(t, v, dataKeys)
	}
}
