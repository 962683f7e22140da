package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
)

// The process tests run the callrec binary as a user does: exit status,
// what reaches stderr, --version from the build information, --json.

// execCallrec runs the binary with args.
func execCallrec(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(callrecBinary(t), args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// checkOneLine runs args and checks the exit status and that stderr is
// exactly one line, "callrec: ...", holding want, which appears nowhere
// else.
func checkOneLine(t *testing.T, code int, want string, args ...string) {
	t.Helper()
	got, stdout, stderr := execCallrec(t, args...)
	if got != code {
		t.Fatalf("%v: exit %d, want %d\nstderr: %s", args, got, code, stderr)
	}
	if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "callrec: ") || !strings.Contains(stderr, want) {
		t.Fatalf("%v: stderr %q: want one line \"callrec: ...%s...\"", args, stderr, want)
	}
	if n := strings.Count(stdout+stderr, want); n != 1 {
		t.Fatalf("%v: %q printed %d times:\nstdout: %s\nstderr: %s", args, want, n, stdout, stderr)
	}
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
}

var versionLine = regexp.MustCompile(`^callrec (devel|v\S+)( \(revision ([0-9a-f]{12})(, modified)?\))?\n$`)

func TestProcessVersion(t *testing.T) {
	code, stdout, _ := execCallrec(t, "--version")
	m := versionLine.FindStringSubmatch(stdout)
	if code != 0 || m == nil {
		t.Fatalf("--version: exit %d, %q", code, stdout)
	}
	// It says what the binary's build information says.
	info, err := exec.Command("go", "version", "-m", callrecBinary(t)).Output()
	if err != nil {
		t.Fatal(err)
	}
	mod := regexp.MustCompile(`(?m)^\tmod\t\S+\t(\S+)`).FindSubmatch(info)
	rev := regexp.MustCompile(`(?m)^\tbuild\tvcs\.revision=([0-9a-f]+)`).FindSubmatch(info)
	want := "devel"
	if mod != nil && string(mod[1]) != "(devel)" {
		want = string(mod[1])
	}
	if m[1] != want || rev != nil && !strings.HasPrefix(string(rev[1]), m[3]) || rev == nil && m[3] != "" {
		t.Fatalf("--version %q, build information:\n%s", stdout, info)
	}
}

// snakeKeys fails when a key of v, at any depth, is not snake_case; the
// keys of "backend" are message types.
func snakeKeys(t *testing.T, v any, path string) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if !regexp.MustCompile(`^[a-z][a-z0-9_]*$`).MatchString(k) {
				t.Errorf("key %q at %s is not snake_case", k, path)
			}
			if k != "backend" {
				snakeKeys(t, e, path+"."+k)
			}
		}
	case []any:
		for _, e := range x {
			snakeKeys(t, e, path+"[]")
		}
	}
}

func TestProcessSimJSON(t *testing.T) {
	dir := t.TempDir()
	wrong := filepath.Join(dir, "wrong.txt")
	writeFile(t, wrong, "clients A/1 B/1\nstart A/1\nrun\nexpect B/1 state=Answered\n")
	code, stdout, stderr := execCallrec(t, "sim", "--json", "--out", filepath.Join(dir, "x.db"),
		"../../testdata/scenarios/04-glare.txt", wrong)
	if code != cmdutil.ExitFailed || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	var v any
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	snakeKeys(t, v, "")
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

	code, stdout, stderr = execCallrec(t, "sim", "--explore", "--runs", "20", "--seed", "5", "--json", "--fail-dir", dir)
	if code != 0 {
		t.Fatalf("explore: exit %d: %s", code, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	snakeKeys(t, v, "")
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
