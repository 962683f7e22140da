package econn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand"
	"slices"
	"testing"
)

// stateBytes is c's state, failing the test when it cannot be written.
func stateBytes(t testing.TB, c *Conn) []byte {
	t.Helper()
	b, err := c.AppendState(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// scriptInputs steps a fresh Conn with the inputs FuzzStep draws from
// data and returns them, so that they can be fed again to another Conn.
// The TimerFired inputs depend on the connection they were drawn for.
func scriptInputs(t *testing.T, data []byte) (*Conn, []Input) {
	c, _, err := New(Config{UserID: "B", ClientID: "1", SessID: "sB"})
	if err != nil {
		t.Fatal(err)
	}
	fz := &fuzzRun{t: t, data: data, c: c}
	var ins []Input
	for len(fz.data) > 0 && len(ins) < 200 {
		in := fz.input()
		ins = append(ins, in)
		if _, err := c.Step(in); err != nil {
			continue
		}
		for _, o := range c.out {
			if st, ok := o.(SetTimer); ok && st.Gen > fz.maxGen {
				fz.maxGen = st.Gen
			}
		}
	}
	return c, ins
}

// TestRestoreContinuesLikeTheOriginal is the snapshot property over the
// random scripts FuzzStep draws: a snapshot after any step, restored into
// a fresh Conn, continues exactly like the connection that was never
// interrupted — the same outputs, refusals and states, step by step.
func TestRestoreContinuesLikeTheOriginal(t *testing.T) {
	rng := rand.New(rand.NewSource(15))
	scripts := 100
	if testing.Short() {
		scripts = 30
	}
	for s := 0; s < scripts; s++ {
		data := make([]byte, 100+rng.Intn(300))
		rng.Read(data)
		_, ins := scriptInputs(t, data)
		ref, _, _ := New(Config{UserID: "B", ClientID: "1", SessID: "sB"})
		for k := range ins {
			restored, err := RestoreConn(stateBytes(t, ref))
			if err != nil {
				t.Fatalf("script %d, after %d steps: %v", s, k, err)
			}
			if !restored.Snapshot().Equal(ref.Snapshot()) {
				t.Fatalf("script %d, after %d steps: restored %s, original %s", s, k, restored.Snapshot(), ref.Snapshot())
			}
			// Continue a copy of the original and the restored one side by side.
			orig := cloneForTest(t, ref)
			for j, in := range ins[k:] {
				want, werr := orig.Step(in)
				got, gerr := restored.Step(in)
				if !SameError(werr, gerr) || !slices.Equal(fmtOuts(want), fmtOuts(got)) {
					t.Fatalf("script %d, restored after %d steps, step %d (%#v):\n got %q, %v\nwant %q, %v",
						s, k, k+j, in, fmtOuts(got), gerr, fmtOuts(want), werr)
				}
				if !bytes.Equal(stateBytes(t, orig), stateBytes(t, restored)) {
					t.Fatalf("script %d, restored after %d steps, step %d: states differ:\n%s\n%s",
						s, k, k+j, restored.Snapshot(), orig.Snapshot())
				}
			}
			_, _ = ref.Step(ins[k])
		}
	}
}

// cloneForTest copies c by its state bytes.
func cloneForTest(t *testing.T, c *Conn) *Conn {
	t.Helper()
	cp, err := RestoreConn(stateBytes(t, c))
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func TestStateCoversEveryField(t *testing.T) {
	c, _, _ := New(Config{UserID: "B", ClientID: "1", SessID: "sB", SetupTimeout: 7e9, TermTimeout: 3e9})
	c.state, c.dir, c.conflict = StateUpdateRecv, DirIncoming, ConflictLoser
	c.sessRemote, c.userRemote, c.clientRemote = "sA", "A", "2"
	c.setupErr, c.err = ErrIO, errors.New("transport down")
	c.timer = Timer{Armed: true, Action: TimerTerm, After: 5e6, Gen: 4}
	c.gen, c.closed = 9, true
	r, err := RestoreConn(stateBytes(t, c))
	if err != nil {
		t.Fatal(err)
	}
	if r.cfg != c.cfg || r.gen != c.gen || !r.Snapshot().Equal(c.Snapshot()) {
		t.Fatalf("restored %s %+v gen %d\n    want %s %+v gen %d", r.Snapshot(), r.cfg, r.gen, c.Snapshot(), c.cfg, c.gen)
	}
	if ErrorName(r.err) != "error:transport down" || r.setupErr != ErrIO {
		t.Fatalf("errors %v / %v", r.err, r.setupErr)
	}
}

func TestRestoreRefusesBadState(t *testing.T) {
	c, _, _ := New(Config{UserID: "B", ClientID: "1", SessID: "sB"})
	good := stateBytes(t, c)
	mutate := func(f func(c *Conn)) []byte {
		cp := cloneForTest(t, c)
		f(cp)
		return stateBytes(t, cp)
	}
	cases := map[string][]byte{
		"empty":          nil,
		"version":        append([]byte{StateVersion + 1}, good[1:]...),
		"truncated":      good[:len(good)-1],
		"trailing":       append(slices.Clone(good), 0),
		"no user":        mutate(func(c *Conn) { c.cfg.UserID = "" }),
		"zero timeout":   mutate(func(c *Conn) { c.cfg.TermTimeout = 0 }),
		"state":          mutate(func(c *Conn) { c.state = numStates }),
		"dir":            mutate(func(c *Conn) { c.dir = 3 }),
		"conflict":       mutate(func(c *Conn) { c.conflict = 2 }),
		"timer action":   mutate(func(c *Conn) { c.timer.Action = 3 }),
		"timer gen":      mutate(func(c *Conn) { c.timer.Gen = c.gen + 1 }),
		"unarmed timer":  mutate(func(c *Conn) { c.timer.Armed = false }),
		"no generation":  mutate(func(c *Conn) { c.gen, c.timer = 0, Timer{} }),
		"negative after": mutate(func(c *Conn) { c.timer.After = -1 }),
		"string length":  {StateVersion, 0xff, 0xff, 0x03, 'a'},
		"too large":      make([]byte, MaxStateSize+1),
	}
	flags := slices.Clone(good)
	tail := binary.AppendVarint(nil, int64(c.timer.After))
	tail = binary.AppendUvarint(tail, c.timer.Gen)
	tail = binary.AppendUvarint(tail, c.gen)
	flags[len(flags)-len(tail)-2] |= 0x80 // the flags byte, before the timer action and tail
	cases["flags"] = flags
	for name, data := range cases {
		if _, err := RestoreConn(data); !errors.Is(err, ErrBadState) {
			t.Errorf("%s: RestoreConn = %v, want ErrBadState", name, err)
		}
	}
	if _, err := RestoreConn(good); err != nil {
		t.Fatal(err)
	}
}

func TestAppendStateRefusesHugeState(t *testing.T) {
	c, _, _ := New(Config{UserID: "B", ClientID: "1", SessID: "sB"})
	c.err = errors.New(string(make([]byte, MaxStateSize)))
	b, err := c.AppendState([]byte("keep"))
	if !errors.Is(err, ErrTooLarge) || string(b) != "keep" {
		t.Fatalf("AppendState = %q, %v; want the prefix back and ErrTooLarge", b[:min(len(b), 8)], err)
	}
}

// FuzzRestoreConn checks that RestoreConn never panics on untrusted bytes,
// fails only with ErrBadState, and that a Conn it accepts writes the same
// state back and steps without breaking FuzzStep's invariants.
//
// Run longer with go test ./econn -run '^$' -fuzz FuzzRestoreConn.
func FuzzRestoreConn(f *testing.F) {
	for seed := int64(0); seed < 8; seed++ {
		rng := rand.New(rand.NewSource(seed))
		data := make([]byte, 60)
		rng.Read(data)
		c, _ := scriptInputs(&testing.T{}, data)
		f.Add(stateBytes(f, c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := RestoreConn(data)
		if err != nil {
			if !errors.Is(err, ErrBadState) {
				t.Fatalf("RestoreConn error wraps no ErrBadState: %v", err)
			}
			return
		}
		again, err := RestoreConn(stateBytes(t, c))
		if err != nil || !bytes.Equal(stateBytes(t, again), stateBytes(t, c)) {
			t.Fatalf("state does not survive a round trip: %v", err)
		}
		fz := &fuzzRun{t: t, data: data, c: c, maxGen: c.gen}
		if c.timer.Armed {
			fz.timerArmed, fz.timerGen = true, c.timer.Gen
			fz.timerLast = SetTimer{Action: c.timer.Action, After: c.timer.After, Gen: c.timer.Gen}
		}
		if c.closed {
			fz.closes = 1
		}
		for steps := 0; len(fz.data) > 0 && steps < 100; steps++ {
			in := fz.input()
			before := c.Snapshot()
			outs, err := c.Step(in)
			fz.trace = append(fz.trace, in.InputName())
			fz.check(in, before, outs, err)
		}
	})
}
