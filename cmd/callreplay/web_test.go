package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/internal/cmdtest"
)

// TestWebArgs: web needs a log, a HOST:PORT to listen on and logs it can
// open; each mistake exits with its code and a line naming it.
func TestWebArgs(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"web"}, cmdutil.ExitUsage, "requires at least 1 arg"},
		{[]string{"web", "x.db", "--listen", "8080"}, cmdutil.ExitUsage, `--listen "8080": want HOST:PORT`},
		{[]string{"web", "../../testdata/golden/04-glare.log", "missing.db", "--listen", "127.0.0.1:0"}, cmdutil.ExitInput, "missing.db"},
	} {
		r := runCmd(t, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, r.code, r.stderr, c.code, c.want)
		}
	}
}

// TestWebInterrupted: Ctrl-C stops web as it stops every command the
// user interrupts, exit 130 with a line saying so, once it has served
// the page.
func TestWebInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	log, err := filepath.Abs("../../testdata/golden/04-glare.log")
	if err != nil {
		t.Fatal(err)
	}
	web := startProcess(t, t.TempDir(), callreplay, "web", log, "--listen", "127.0.0.1:0")
	serving := web.waitLine(t, "serving")
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).FindString(serving.text)
	if url == "" {
		t.Fatalf("no address in %q", serving.text)
	}
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(page), "<title>callrec</title>") {
		t.Fatalf("GET %s: %s\n%s", url, res.Status, page)
	}
	_ = web.cmd.Process.Signal(os.Interrupt)
	web.rest(t)
	r := cmdtest.Result{Args: web.cmd.Args, Code: web.code, Stderr: web.stderr.String()}
	if err := cmdtest.OneLine("callreplay", r, cmdutil.ExitInterrupted, "interrupted: the page is no longer served"); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(url); err == nil {
		t.Errorf("%s still answers after the interrupt", url)
	}
}
