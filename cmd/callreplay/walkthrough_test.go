package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/callrec/callrec/internal/cmdtest"
)

// callrec is the other binary, which the README's walkthrough records with.
var callrec = &cmdtest.Command{Name: "callrec", Pkg: "../callrec"}

// walkthrough reads the commands of the README's block "Record a simulated
// call and replay it", comments cut off. It leaves out the build (the test
// built the binaries) and the viewer, which needs a terminal (its tests
// run it on a simulated screen and in tmux).
func walkthrough(t *testing.T) [][]string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "## Record a simulated call and replay it\n\n```sh\n")
	if !ok {
		t.Fatal("README: no walkthrough block")
	}
	block, _, _ = strings.Cut(block, "```")
	var cmds [][]string
	for _, line := range strings.Split(block, "\n") {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		if len(f) < 2 || f[0] == "go" || f[1] == "view" {
			continue
		}
		cmds = append(cmds, f)
	}
	if len(cmds) < 6 {
		t.Fatalf("README walkthrough: only %d commands: %q", len(cmds), cmds)
	}
	return cmds
}

var (
	callIDs = regexp.MustCompile(`call-\d+`)
	elapsed = regexp.MustCompile(` in [0-9.]+(ns|µs|ms|s)\b`)
)

// normalize makes two runs' outputs comparable: call ids and elapsed
// times masked, and the line a call's run adds to the previous one (ls
// and verify list every call) dropped.
func normalize(s string) []string {
	s = elapsed.ReplaceAllString(callIDs.ReplaceAllString(s, "call-N"), " in T")
	return slices.Compact(strings.Split(s, "\n"))
}

// TestREADMEWalkthroughTwice runs the README's walkthrough twice in a row
// in one directory, as a user repeating it would: the second run adds a
// second call to glare.db and says so, and every command after it shows
// the same as the first time, the commands that read one call the latest
// with a note on stderr.
func TestREADMEWalkthroughTwice(t *testing.T) {
	dir := t.TempDir()
	testdata, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(testdata, filepath.Join(dir, "testdata")); err != nil {
		t.Fatal(err)
	}
	cmds := walkthrough(t)
	var runs [2][]cmdtest.Result
	for i := range runs {
		for _, c := range cmds {
			bin := map[string]*cmdtest.Command{"bin/callrec": callrec, "bin/callreplay": callreplay}[c[0]]
			if bin == nil {
				t.Fatalf("README walkthrough: unknown command %q", c[0])
			}
			r := bin.RunIn(t, dir, c[1:]...)
			if r.Code != 0 {
				t.Fatalf("run %d: %s: exit %d\nstdout: %s\nstderr: %s", i+1, strings.Join(c, " "), r.Code, r.Stdout, r.Stderr)
			}
			runs[i] = append(runs[i], r)
		}
	}
	for k, c := range cmds {
		first, second := runs[0][k], runs[1][k]
		name := strings.Join(c, " ")
		switch c[1] {
		case "sim":
			mustHave(t, name, first.Stdout, "recorded call-0001 in glare.db\n")
			mustHave(t, name, second.Stdout, "added call-0002 to glare.db (2 calls)\n")
			first.Stdout = strings.Replace(first.Stdout, "recorded call-0001 in glare.db\n", "", 1)
			second.Stdout = strings.Replace(second.Stdout, "added call-0002 to glare.db (2 calls)\n", "", 1)
		case "verify":
			mustHave(t, name, first.Stdout, ": 1 ok, 0 diverged\n")
			mustHave(t, name, second.Stdout, ": 2 ok, 0 diverged\n")
			first.Stdout, second.Stdout = dropLast(first.Stdout), dropLast(second.Stdout)
		case "show", "export":
			if first.Stderr != "" {
				t.Errorf("%s, first run: stderr %q", name, first.Stderr)
			}
			want := "callreplay: glare.db holds 2 calls; " + map[string]string{"show": "showing", "export": "exporting"}[c[1]] +
				" the latest, call-0002 (use --call to pick one)\n"
			if second.Stderr != want {
				t.Errorf("%s, second run: stderr %q, want %q", name, second.Stderr, want)
			}
			second.Stderr = ""
		}
		if !slices.Equal(normalize(first.Stdout), normalize(second.Stdout)) {
			t.Errorf("%s: the second run printed\n%s\nthe first\n%s", name, second.Stdout, first.Stdout)
		}
		if first.Stderr != second.Stderr {
			t.Errorf("%s: stderr %q, then %q", name, first.Stderr, second.Stderr)
		}
	}
}

func mustHave(t *testing.T, what, s, want string) {
	t.Helper()
	if !strings.Contains(s, want) {
		t.Errorf("%s printed\n%s\nwithout %q", what, s, want)
	}
}

// dropLast drops the last line (a summary with counts).
func dropLast(s string) string {
	s = strings.TrimSuffix(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[:i+1]
	}
	return ""
}
