package relay

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// A MaxMessageSize near the int64 limit once overflowed the hard read
// limit (4×): 2^62 refused every join, MaxInt64 dropped every frame. It is
// clamped to MaxMaxMessageSize.
func TestHugeMaxMessageSize(t *testing.T) {
	for _, size := range []int64{1 << 62, math.MaxInt64} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			checkLeaks(t)
			ts := startServer(t, ServerOptions{MaxMessageSize: size})
			a := dial(t, ts.url, "conv", "A", "1")
			b := dial(t, ts.url, "conv", "B", "1")
			a.waitMembers(t, 2)
			if a.maxSize != MaxMaxMessageSize {
				t.Errorf("the server announced max_size %d, want %d", a.maxSize, MaxMaxMessageSize)
			}
			if err := a.Send([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			if got := b.next(t); string(got.Data) != "hello" {
				t.Errorf("got %q", got.Data)
			}
		})
	}
}

// The largest join frame a client can send: ids of maxIDLen control
// characters, each escaped in six bytes. The relay reads no more than
// joinReadLimit before a join is accepted, and this one still fits.
func TestLargestJoinFits(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	long := strings.Repeat("\x01", maxIDLen)
	id, err := NewIdentity(long, long, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rawDial(t, ts.url)
	join := r.joinFrame(t, id, long)
	if len(join) > joinReadLimit {
		t.Fatalf("largest join frame: %d bytes, over the %d read before joining", len(join), joinReadLimit)
	}
	r.write(t, join)
	if f := r.read(t); f.Type != frameJoined {
		t.Fatalf("join answered with %+v", f)
	}
	// Joined, the limit is the relay's: a frame over joinReadLimit is
	// read and handled (here: dropped as malformed, not a disconnect).
	r.write(t, []byte(`{"type":"x","detail":"`+strings.Repeat("a", 2*joinReadLimit)+`"}`))
	r.expectDrop(t, DropMalformed)
}

// Before the join is accepted, a frame over joinReadLimit closes the
// connection: an unauthenticated peer cannot make the relay buffer
// 4×MaxMessageSize.
func TestJoinReadLimit(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	r := rawDial(t, ts.url)
	if f := r.readAny(t); f.Type != frameChallenge {
		t.Fatalf("got %+v, want a challenge", f)
	}
	r.writeUntilCut([]byte(`{"type":"join","detail":"` + strings.Repeat("a", joinReadLimit) + `"}`))
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	_, data, err := r.ws.Read(ctx)
	if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
		t.Fatalf("read %q, %v: want the connection closed with status %v", data, err, websocket.StatusMessageTooBig)
	}
	ts.waitStats(t, "the refused handshake counted", func(st ServerStats) bool { return st.Dropped[DropHandshake] == 1 })
}

// At most MaxHandshakes connections may be between upgrade and join; more
// are refused before the upgrade, and a slot comes back when a handshake
// ends.
func TestMaxHandshakes(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{MaxHandshakes: 2})
	idle := []*rawPeer{rawDial(t, ts.url), rawDial(t, ts.url)}
	for _, r := range idle {
		r.readAny(t) // the challenge: the handshake is under way
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, ts.url, nil)
	if err == nil {
		ws.CloseNow()
		t.Fatal("a third handshake was accepted")
	}
	if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("third dial: %v (response %v), want 503", err, resp)
	}
	idle[0].ws.CloseNow()
	ts.waitStats(t, "the abandoned handshake", func(st ServerStats) bool { return st.Dropped[DropHandshake] >= 2 })
	eventually(t, "a slot freed", func() bool {
		_, err := tryDial(t, ts.url, "conv", "A", "1")
		return err == nil
	})
	// Joined clients hold no slot.
	dial(t, ts.url, "conv", "B", "1")
	if got := NewServer(ServerOptions{MaxHandshakes: -1}).opts.MaxHandshakes; got != DefaultMaxHandshakes {
		t.Errorf("MaxHandshakes -1 became %d, want the default %d", got, DefaultMaxHandshakes)
	}
	if got := NewServer(ServerOptions{MaxHandshakes: math.MaxInt}).opts.MaxHandshakes; got != MaxMaxHandshakes {
		t.Errorf("MaxHandshakes MaxInt became %d, want %d", got, MaxMaxHandshakes)
	}
}

// A device that keeps rejoining is refused (rate_limited) beyond its join
// bucket: each join makes the others resend to it. Other devices, and the
// same ids with another key elsewhere, are not affected.
func TestJoinRateLimit(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{JoinBurst: 2, JoinInterval: time.Hour})
	ids, _ := members(t, "conv", "A/1", "B/1")
	joinAs := func(id Identity, conv string) *frame {
		r := rawDial(t, ts.url)
		r.write(t, r.joinFrame(t, id, conv))
		return r.read(t)
	}
	for i := range 2 {
		if f := joinAs(ids["A/1"], "conv"); f.Type != frameJoined {
			t.Fatalf("join %d: %+v", i+1, f)
		}
	}
	if f := joinAs(ids["A/1"], "conv"); f.Type != frameError || DropReason(f.Reason) != DropRateLimited {
		t.Fatalf("third join: %+v, want refused as %s", f, DropRateLimited)
	}
	if f := joinAs(ids["B/1"], "conv"); f.Type != frameJoined {
		t.Fatalf("B's join: %+v", f)
	}
	if f := joinAs(ids["A/1"], "other"); f.Type != frameJoined {
		t.Fatalf("A's join to another conversation: %+v", f)
	}
	if st := ts.Stats(); st.Dropped[DropRateLimited] != 1 || st.Dropped[DropReplaced] != 1 {
		t.Errorf("stats %+v: want one rate-limited join and one replacement", st)
	}
	if got := NewServer(ServerOptions{}).opts; got.JoinBurst != DefaultJoinBurst || got.JoinInterval != DefaultJoinInterval {
		t.Errorf("defaults: burst %d, interval %v", got.JoinBurst, got.JoinInterval)
	}
}

// With the join limit off, a device may rejoin at will.
func TestJoinRateLimitOff(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{JoinBurst: 1, JoinInterval: -1})
	id, err := NewIdentity("A", "1", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		r := rawDial(t, ts.url)
		r.write(t, r.joinFrame(t, id, "conv"))
		if f := r.read(t); f.Type != frameJoined {
			t.Fatalf("join %d: %+v", i+1, f)
		}
	}
}
