package cmdtest

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestOneLine(t *testing.T) {
	for _, c := range []struct {
		r    Result
		ok   bool
		what string
	}{
		{Result{Code: 3, Stderr: "prog: open x: no such file\n"}, true, "one line"},
		{Result{Code: 4, Stderr: "prog: open x: no such file\n"}, false, "wrong exit"},
		{Result{Code: 3, Stderr: "prog: open x: no such file\nprog: again\n"}, false, "two lines"},
		{Result{Code: 3, Stderr: "open x: no such file\n"}, false, "no prefix"},
		{Result{Code: 3, Stderr: "prog: something else\n"}, false, "lacks want"},
		{Result{Code: 3, Stdout: "no such file\n", Stderr: "prog: open x: no such file\n"}, false, "printed twice"},
	} {
		if err := OneLine("prog", c.r, 3, "no such file"); (err == nil) != c.ok {
			t.Errorf("%s: OneLine = %v", c.what, err)
		}
	}
}

func TestVersion(t *testing.T) {
	const devel = "path\tx\n\tmod\tgithub.com/x\t(devel)\t\n"
	const tagged = "path\tx\n\tmod\tgithub.com/x\tv1.2.3\th1:abc\n"
	const rev = "\tbuild\tvcs.revision=0438770a1b2c3d4e5f60718293a4b5c6d7e8f901\n"
	for _, c := range []struct {
		printed, info string
		ok            bool
	}{
		{"prog devel\n", devel, true},
		{"prog devel (revision 0438770a1b2c, modified)\n", devel + rev, true},
		{"prog devel (revision 0438770a1b2c)\n", devel + rev, true},
		{"prog v1.2.3\n", tagged, true},
		{"prog devel\n", tagged, false},                              // not the module's version
		{"prog devel\n", devel + rev, false},                         // the revision left out
		{"prog devel (revision 111111111111)\n", devel + rev, false}, // another revision
		{"prog devel (revision 0438770a1b2c)\n", devel, false},       // a revision the build lacks
		{"other devel\n", devel, false},                              // another program
		{"prog version prog 0.1.0\n", devel, false},                  // the old text
	} {
		if err := Version("prog", c.printed, c.info); (err == nil) != c.ok {
			t.Errorf("Version(%q, %q) = %v", c.printed, c.info, err)
		}
	}
}

func TestNotSnake(t *testing.T) {
	var v any
	doc := `{"ok": 1, "callID": 2, "calls": [{"first_divergence": {"Seq": 3}}],
		"backend": {"SETUP": 1}, "data": {"Props": {"X": 1}}}`
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	data := func(path, key string) bool { return key == "backend" }
	got := NotSnake(v, data)
	want := []string{`"Props" at .data`, `"Seq" at .calls[].first_divergence`, `"X" at .data.Props`, `"callID" at `}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("NotSnake = %q, want %q", got, want)
	}
	if got := NotSnake(v, nil); len(got) != 5 || !strings.Contains(strings.Join(got, " "), `"SETUP" at .backend`) {
		t.Errorf("NotSnake without data keys = %q", got)
	}
}

// fatalT records a test's failure and stops the goroutine, as t.Fatal.
type fatalT struct {
	testing.TB
	msg string
}

func (f *fatalT) Helper() {}

func (f *fatalT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestFirstLine(t *testing.T) {
	re := regexp.MustCompile(`^listening on (\S+)$`)
	cmd := exec.Command("sh", "-c", "echo starting; echo oops >&2; echo listening on x:1; echo more; exec sleep 30")
	got, stderr := FirstLine(t, cmd, re)
	if got != "x:1" {
		t.Errorf("FirstLine = %q, want x:1", got)
	}
	if cmd.ProcessState != nil {
		t.Error("FirstLine did not leave the server running")
	}
	cmd.Process.Kill()
	cmd.Wait() // stderr is complete only once the process ended
	if stderr.String() != "oops\n" {
		t.Errorf("stderr %q, want the process's", stderr.String())
	}

	// A process that ends without the line fails the test at once.
	ft := &fatalT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		FirstLine(ft, exec.Command("sh", "-c", "echo nothing here; echo why >&2"), re)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("FirstLine waited for a line after stdout ended")
	}
	if !strings.Contains(ft.msg, "printed no line matching") || !strings.HasSuffix(ft.msg, "stderr why\n") {
		t.Errorf("FirstLine failed with %q", ft.msg)
	}
}
