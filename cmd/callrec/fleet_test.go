package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/fleet"
	"github.com/callrec/callrec/internal/cmdtest"
)

// startFleet runs `callrec fleet serve` on a free port and returns its
// URL and the process, which the test stops with SIGINT.
func startFleet(t *testing.T) (string, *exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(callrec.Path(t), "fleet", "serve", "--listen", "127.0.0.1:0", "--store", t.TempDir(), "--max-store", "104857600")
	url, stderr := cmdtest.FirstLine(t, cmd, regexp.MustCompile(`^(.*)$`))
	if !strings.HasPrefix(url, "nats://127.0.0.1:") {
		cmd.Process.Kill()
		cmd.Wait() // stderr is whole once the process ended
		t.Fatalf("fleet serve's first line %q, stderr %s", url, stderr.String())
	}
	return url, cmd, stderr
}

// TestProcessFleet: fleet serve, sim --fleet, upload (again, with
// CALLREC_FLEET), and a clean stop on SIGINT.
func TestProcessFleet(t *testing.T) {
	url, serve, stderr := startFleet(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "s.db")
	r := callrec.Run(t, "sim", "../../testdata/scenarios/02-hangup.txt", "--out", log, "--fleet", url)
	if r.Code != 0 || !strings.Contains(r.Stderr, "published as recording") {
		t.Fatalf("sim --fleet: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := fleet.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	recs, err := c.Recordings(ctx)
	if err != nil || len(recs) != 1 || !recs[0].Closed || recs[0].Events == 0 {
		t.Fatalf("the fleet holds %+v, %v; want one closed recording", recs, err)
	}
	// Upload, through the environment: everything is there already.
	up := exec.Command(callrec.Path(t), "upload", log)
	up.Env = append(os.Environ(), fleet.EnvURL+"="+url)
	out, err := up.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "1 recordings, 0 events published") || !strings.Contains(string(out), recs[0].Rec) {
		t.Fatalf("upload: %v\n%s", err, out)
	}
	r = callrec.Run(t, "upload", "../../testdata/compat/v1/02-hangup.log", "--fleet", url, "--redact")
	if r.Code != 0 || !strings.Contains(r.Stdout, "1 recordings, 60 events published") {
		t.Fatalf("upload --redact: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	r = callrec.Run(t, "fleet", "init", "--fleet", url, "--max-age", "2160h", "--dupe-window", "5m")
	if r.Code != 0 || !strings.Contains(r.Stdout, "ready, 1 replicas") {
		t.Fatalf("fleet init: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	info, err := c.JetStream().Stream(ctx, fleet.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	if cfg := info.CachedInfo().Config; cfg.MaxAge != 2160*time.Hour || cfg.Duplicates != 5*time.Minute {
		t.Errorf("after fleet init: max age %v, duplicate window %v", cfg.MaxAge, cfg.Duplicates)
	}
	if err := serve.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := serve.Wait(); err != nil {
		t.Fatalf("fleet serve after SIGINT: %v; stderr %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "fleet: stopped") {
		t.Errorf("fleet serve's stderr: %s", stderr.String())
	}
}

func TestProcessFleetErrors(t *testing.T) {
	t.Setenv(fleet.EnvURL, "")
	checkOneLine(t, cmdutil.ExitUsage, "no fleet: give --fleet", "upload", "x.db")
	checkOneLine(t, cmdutil.ExitUsage, "is not nats://HOST:PORT", "upload", "x.db", "--fleet", "http://x")
	checkOneLine(t, cmdutil.ExitUsage, "--fleet needs --out", "sim", "../../testdata/scenarios/02-hangup.txt", "--fleet", "nats://127.0.0.1:1")
	checkOneLine(t, cmdutil.ExitUsage, "--max-store 5: want at least 1 MiB", "fleet", "serve", "--max-store", "5")
	checkOneLine(t, cmdutil.ExitUsage, "--replicas 7: want 1 to 5", "fleet", "init", "--fleet", "nats://127.0.0.1:1", "--replicas", "7")
}
