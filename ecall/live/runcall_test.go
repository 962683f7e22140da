package live

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/backend/relay"
	"github.com/callrec/callrec/eventlog"
)

// lockedBuffer is an Out two devices of a test may write at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type noProgress struct{}

func (noProgress) Show(string) {}
func (noProgress) Clear()      {}

// TestRunCall: two devices, each with its own log, take part in a call
// through a relay as `callrec call --dial` and `--answer` do; each says
// what happened and returns the call it recorded, which replays.
func TestRunCall(t *testing.T) {
	checkLeaks(t)
	rl, err := StartRelay(relay.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	run := func(user string, dial bool, out *lockedBuffer) (string, error) {
		return RunCall(ctx, CallConfig{
			Script: Script{Conv: "c1", Members: 2, Duration: 300 * time.Millisecond, Timeout: 20 * time.Second,
				Out: out, Progress: noProgress{}},
			Dial: dial, Self: eventlog.Endpoint{User: user, Client: "1"}, RelayURL: rl.URL(),
			Log: filepath.Join(dir, user+".db"), ToolVersion: "test",
		})
	}
	var outB lockedBuffer
	type result struct {
		id  string
		err error
	}
	answered := make(chan result, 1)
	go func() {
		id, err := run("B", false, &outB)
		answered <- result{id, err}
	}()
	var outA lockedBuffer
	idA, err := run("A", true, &outA)
	if err != nil {
		t.Fatalf("A: %v\n%s", err, outA.String())
	}
	b := <-answered
	if b.err != nil {
		t.Fatalf("B: %v\n%s", b.err, outB.String())
	}
	for _, c := range []struct {
		out   string
		wants []string
	}{
		{outA.String(), []string{"follow the call live: callreplay view " + filepath.Join(dir, "A.db") + " --follow\n",
			"A/1 joined c1 at " + rl.URL() + "\n", "A/1 key fingerprint ",
			"peer B/1 key fingerprint ", "(not pinned: compare it with the fingerprint B/1 prints)\n", "A/1 calls c1\n", "connected to B/1", "A/1 hangs up\n",
			"A/1: Outgoing call with B/1: final state Terminating, closed normal\n", "setup: SETUP sent → data channel open"}},
		{outB.String(), []string{"B/1 joined c1", "B/1 rings\n", "B/1 answers\n", "connected to A/1; waiting for the hangup\n",
			"B/1: Incoming call with A/1: final state Terminating, closed normal\n", "answer sent → data channel open"}},
	} {
		for _, w := range c.wants {
			if !strings.Contains(c.out, w) {
				t.Errorf("output lacks %q:\n%s", w, c.out)
			}
		}
	}
	for user, id := range map[string]string{"A": idA, "B": b.id} {
		l, err := eventlog.Open(filepath.Join(dir, user+".db"), 0, &eventlog.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		r, err := l.Call(id)
		if err != nil {
			t.Fatalf("%s: call %q: %v", user, id, err)
		}
		m := r.Meta()
		if m.Source != "live" || m.ToolVersion != "test" || m.Labels["conv"] != "c1" || m.Labels["relay"] != rl.URL() ||
			len(m.Endpoints) != 1 || m.Endpoints[0].User != user {
			t.Errorf("%s: metadata %+v", user, m)
		}
		if steps := verifyReader(t, r); steps == 0 {
			t.Errorf("%s: no steps", user)
		}
		r.Close()
		l.Close()
	}
}

// TestRunCallNoRelay: a relay that is not there fails the call at once,
// naming where it tried; with no log, no call is returned.
func TestRunCallNoRelay(t *testing.T) {
	var out lockedBuffer
	id, err := RunCall(context.Background(), CallConfig{
		Script: Script{Conv: "c", Members: 2, Duration: time.Second, Timeout: time.Second, Out: &out, Progress: noProgress{}},
		Dial:   true, Self: eventlog.Endpoint{User: "A", Client: "1"}, RelayURL: "ws://127.0.0.1:1/ws",
	})
	if err == nil || id != "" || !strings.Contains(err.Error(), "ws://127.0.0.1:1/ws") || out.String() != "" {
		t.Fatalf("id %q, err %v, printed %q", id, err, out.String())
	}
}
