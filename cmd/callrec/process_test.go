package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/internal/cmdtest"
)

// The process tests run the callrec binary as a user does: exit status,
// what reaches stderr, --version from the build information, --json.

// checkOneLine runs args and checks the exit status and that stderr is
// exactly one line, "callrec: ...", holding want, which appears nowhere
// else.
func checkOneLine(t *testing.T, code int, want string, args ...string) {
	t.Helper()
	callrec.CheckOneLine(t, callrec.Run(t, args...), code, want)
}

func TestProcessExitCodes(t *testing.T) {
	dir := t.TempDir()
	t.Run("unknown command", func(t *testing.T) {
		checkOneLine(t, cmdutil.ExitUsage, `unknown command "frobnicate"`, "frobnicate")
	})
	t.Run("bad flag", func(t *testing.T) {
		checkOneLine(t, cmdutil.ExitUsage, "unknown flag: --frobnicate", "sim", "--explore", "--frobnicate")
	})
	t.Run("bad value", func(t *testing.T) {
		checkOneLine(t, cmdutil.ExitUsage, `invalid argument "-5" for "--runs" flag: want at least 1`, "sim", "--explore", "--runs", "-5")
		checkOneLine(t, cmdutil.ExitUsage, `invalid argument "0" for "--runs" flag`, "sim", "--explore", "--runs", "0")
		checkOneLine(t, cmdutil.ExitUsage, "--duration -1s: want a positive duration", "demo", "--duration", "-1s")
		checkOneLine(t, cmdutil.ExitUsage, "--burst 0", "serve", "--burst", "0")
	})
	t.Run("missing file", func(t *testing.T) {
		checkOneLine(t, cmdutil.ExitInput, "no such file", "sim", filepath.Join(dir, "missing.txt"))
	})
	t.Run("output path", func(t *testing.T) {
		out := filepath.Join(dir, "no-such-dir", "x.db")
		checkOneLine(t, cmdutil.ExitError, out+": no such file", "sim", "--out", out, "../../testdata/scenarios/04-glare.txt")
	})
}

func TestProcessVersion(t *testing.T) { callrec.CheckVersion(t) }

// backendKeys: the keys of "backend" are message types.
func backendKeys(_, key string) bool { return key == "backend" }

func TestProcessSimJSON(t *testing.T) {
	dir := t.TempDir()
	wrong := filepath.Join(dir, "wrong.txt")
	writeFile(t, wrong, "clients A/1 B/1\nstart A/1\nrun\nexpect B/1 state=Answered\n")
	r := callrec.Run(t, "sim", "--json", "--out", filepath.Join(dir, "x.db"), "../../testdata/scenarios/04-glare.txt", wrong)
	callrec.CheckOneLine(t, r, cmdutil.ExitFailed, "1 expectation failed in 1 of 2 scenarios")
	stdout := r.Stdout
	var v any
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	cmdtest.CheckSnakeKeys(t, v, backendKeys)
	var got struct {
		Scenarios []struct {
			Name    string         `json:"name"`
			OK      bool           `json:"ok"`
			Error   string         `json:"error"`
			CallID  string         `json:"call_id"`
			Backend map[string]int `json:"backend"`
		} `json:"scenarios"`
		OK     int `json:"ok"`
		Failed int `json:"failed"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Scenarios) != 2 || !got.Scenarios[0].OK || got.Scenarios[0].CallID == "" || got.Scenarios[0].Backend["SETUP"] == 0 ||
		got.Scenarios[1].OK || !strings.Contains(got.Scenarios[1].Error, "want Answered") || got.OK != 1 || got.Failed != 1 {
		t.Fatalf("sim --json: %+v", got)
	}

	r = callrec.Run(t, "sim", "--explore", "--runs", "20", "--seed", "5", "--json", "--fail-dir", dir)
	if r.Code != 0 {
		t.Fatalf("explore: exit %d: %s", r.Code, r.Stderr)
	}
	stdout = r.Stdout
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	cmdtest.CheckSnakeKeys(t, v, backendKeys)
	var ex struct {
		Explore struct {
			Runs      int   `json:"runs"`
			FirstSeed int64 `json:"first_seed"`
			LastSeed  int64 `json:"last_seed"`
			Violation *struct{}
		} `json:"explore"`
	}
	if err := json.Unmarshal([]byte(stdout), &ex); err != nil || ex.Explore.Runs != 20 || ex.Explore.FirstSeed != 5 ||
		ex.Explore.LastSeed != 24 || ex.Explore.Violation != nil {
		t.Fatalf("explore --json: %+v, %v\n%s", ex, err, stdout)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
