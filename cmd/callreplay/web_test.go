package main

import (
	"strings"
	"testing"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
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
