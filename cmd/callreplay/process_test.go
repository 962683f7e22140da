package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/callrec/callrec/eventlog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/sim/simtest"
)

// The process tests run the callreplay binary as a user does: exit
// status, what reaches stderr, --version from the build information.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds callreplay once per test run.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "callreplay-test-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "callreplay")
		// -buildvcs=true: record the revision where the tree is a git
		// checkout (the environment may turn it off).
		if out, err := exec.Command("go", "build", "-buildvcs=true", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// exec runs the binary with args.
func execCmd(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(binary(t), args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// checkOneLine checks the exit status and that stderr is exactly one line,
// "callreplay: ...", holding want, which appears nowhere else.
func checkOneLine(t *testing.T, r result, code int, want string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstderr: %s", r.code, code, r.stderr)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "callreplay: ") || !strings.Contains(r.stderr, want) {
		t.Fatalf("stderr %q: want one line \"callreplay: ...%s...\"", r.stderr, want)
	}
	if n := strings.Count(r.stdout+r.stderr, want); n != 1 {
		t.Fatalf("%q printed %d times:\nstdout: %s\nstderr: %s", want, n, r.stdout, r.stderr)
	}
}

func TestProcessExitCodes(t *testing.T) {
	good := basicLog(t)
	missing := filepath.Join(t.TempDir(), "missing.db")
	t.Run("unknown command", func(t *testing.T) {
		checkOneLine(t, execCmd(t, "frobnicate"), cmdutil.ExitUsage, `unknown command "frobnicate"`)
	})
	t.Run("bad flag", func(t *testing.T) {
		checkOneLine(t, execCmd(t, "verify", good, "--frobnicate"), cmdutil.ExitUsage, "unknown flag: --frobnicate")
	})
	t.Run("bad value", func(t *testing.T) {
		checkOneLine(t, execCmd(t, "verify", good, "--jobs", "-5"), cmdutil.ExitUsage, `invalid argument "-5" for "-j, --jobs" flag: want at least 1`)
		checkOneLine(t, execCmd(t, "show", good, "--width", "-1"), cmdutil.ExitUsage, "--width -1")
	})
	t.Run("missing file", func(t *testing.T) {
		checkOneLine(t, execCmd(t, "verify", missing), cmdutil.ExitInput, "no such log file")
		checkOneLine(t, execCmd(t, "show", missing), cmdutil.ExitInput, "no such log file")
	})
	t.Run("divergence", func(t *testing.T) {
		bad, _ := alterOutput(t, basicCall(t), simtest.B1)
		r := execCmd(t, "verify", writeCalls(t, bad))
		if r.code != cmdutil.ExitFailed || r.stderr != "" || !strings.Contains(r.stdout, "DIVERGED") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
		}
	})
}

// versionLine is what --version prints: the program, the module version
// ("devel" for a build from a work tree) and, when the build recorded it,
// the VCS revision and whether the tree was modified.
var versionLine = regexp.MustCompile(`^callreplay (devel|v\S+)( \(revision ([0-9a-f]{12})(, modified)?\))?\n$`)

func TestProcessVersion(t *testing.T) {
	r := execCmd(t, "--version")
	m := versionLine.FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("--version: exit %d, %q", r.code, r.stdout)
	}
	// It says what the binary's build information says.
	info, err := exec.Command("go", "version", "-m", binary(t)).Output()
	if err != nil {
		t.Fatal(err)
	}
	mod := regexp.MustCompile(`(?m)^\tmod\t\S+\t(\S+)`).FindSubmatch(info)
	rev := regexp.MustCompile(`(?m)^\tbuild\tvcs\.revision=([0-9a-f]+)`).FindSubmatch(info)
	if mod == nil || string(mod[1]) != "(devel)" && string(mod[1]) != m[1] || mod != nil && string(mod[1]) == "(devel)" && m[1] != "devel" {
		t.Fatalf("--version %q, build information:\n%s", r.stdout, info)
	}
	if rev != nil && !strings.HasPrefix(string(rev[1]), m[3]) || rev == nil && m[3] != "" {
		t.Fatalf("--version %q, build information:\n%s", r.stdout, info)
	}
}

// checkSnakeKeys fails when a key of v, at any depth, is not snake_case;
// under "props" and "attrs" the keys are data and not checked.
func checkSnakeKeys(t *testing.T, v any, path string) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if !regexp.MustCompile(`^[a-z][a-z0-9_]*$`).MatchString(k) {
				t.Errorf("key %q at %s is not snake_case", k, path)
			}
			if k != "props" && k != "attrs" && !(k == "data" && strings.HasSuffix(path, ".data")) {
				checkSnakeKeys(t, e, path+"."+k)
			}
		}
	case []any:
		for _, e := range x {
			checkSnakeKeys(t, e, path+"[]")
		}
	}
}

func TestProcessVerifyJSON(t *testing.T) {
	c := basicCall(t)
	bad, step := alterOutput(t, c, simtest.B1)
	good, diverged := basicLog(t), writeCalls(t, bad)
	r := execCmd(t, "verify", "--json", good, diverged)
	if r.code != cmdutil.ExitFailed {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var v any
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	checkSnakeKeys(t, v, "")
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
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
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
	r := execCmd(t, "show", basicLog(t), "--json")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var v any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		checkSnakeKeys(t, v, "")
	}
}
