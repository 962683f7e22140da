package relay

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestReplayWindow(t *testing.T) {
	steps := []struct {
		seq  uint64
		fail bool
	}{
		{100, false}, {101, false}, {101, true}, {100, true}, // duplicates
		{105, false}, {103, false}, {103, true}, {102, false}, // reordered within the window
		{105 + 63, false}, {105, true}, {106, false}, // 105 is the window's oldest slot
		{104, true},                              // older than the window
		{1000, false}, {937, false}, {936, true}, // window edge after a jump
		{1 << 62, false}, {1000, true},
	}
	var w replayWindow
	for i, s := range steps {
		err := w.accept(s.seq)
		if (err != nil) != s.fail {
			t.Fatalf("step %d: accept(%d) = %v, want failure %v", i, s.seq, err, s.fail)
		}
		if err != nil && !errors.Is(err, ErrReplayed) {
			t.Fatalf("step %d: %v does not wrap ErrReplayed", i, err)
		}
	}
}

func sharedPair(t testing.TB) (ab, ba *[32]byte) {
	a, err := NewIdentity("A", "1", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewIdentity("B", "1", nil)
	if err != nil {
		t.Fatal(err)
	}
	return mustShared(t, a.Private, b.Public), mustShared(t, b.Private, a.Public)
}

func mustShared(t testing.TB, priv, pub *[32]byte) *[32]byte {
	t.Helper()
	k, err := newKeyCache(priv).shared(*pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestLowOrderKeys(t *testing.T) {
	a, err := NewIdentity("A", "1", nil)
	if err != nil {
		t.Fatal(err)
	}
	kc := newKeyCache(a.Private)
	for _, u := range []byte{0, 1} { // u=0 has order 2, u=1 order 4
		if _, err := kc.shared([32]byte{u}); !errors.Is(err, ErrBadKey) {
			t.Errorf("u=%d: got %v, want ErrBadKey", u, err)
		}
	}
	if _, err := kc.shared([32]byte{9}); err != nil { // the base point
		t.Errorf("base point refused: %v", err)
	}
}

func TestSealOpen(t *testing.T) {
	ab, ba := sharedPair(t)
	sealed, err := sealBox(ab, cryptoRand, "conv", 42, setupMsg)
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed) != len(setupMsg)+boxOverhead+innerHeaderLen+len("conv") {
		t.Errorf("box of %d bytes", len(sealed))
	}
	seq, data, err := openBox(ba, "conv", sealed)
	if err != nil || seq != 42 || !bytes.Equal(data, setupMsg) {
		t.Fatalf("open: %d %q %v", seq, data, err)
	}
	again, _ := sealBox(ab, cryptoRand, "conv", 42, setupMsg)
	if bytes.Equal(again[:nonceLen], sealed[:nonceLen]) {
		t.Error("two boxes share a nonce")
	}
	if _, _, err := openBox(ba, "other", sealed); !errors.Is(err, ErrMisrouted) {
		t.Errorf("other conversation: got %v, want ErrMisrouted", err)
	}
	if _, _, err := openBox(ba, "conv", sealed[:boxOverhead-1]); !errors.Is(err, ErrTampered) {
		t.Errorf("short box: got %v, want ErrTampered", err)
	}
	_, stranger := sharedPair(t)
	if _, _, err := openBox(stranger, "conv", sealed); !errors.Is(err, ErrTampered) {
		t.Errorf("wrong key: got %v, want ErrTampered", err)
	}
}

// fakeRelay serves one connection as a malicious relay would: it answers
// the join with the given roster and then writes the given frames.
func fakeRelay(t *testing.T, roster []wireMember, frames ...[]byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ctx, cancel := context.WithTimeout(context.Background(), waitTime)
		defer cancel()
		nonce := make([]byte, challengeLen)
		if err := ws.Write(ctx, websocket.MessageText, encodeFrame(&frame{Type: frameChallenge, Nonce: nonce})); err != nil {
			return
		}
		if _, _, err := ws.Read(ctx); err != nil {
			return
		}
		ws.Write(ctx, websocket.MessageText, encodeFrame(&frame{Type: frameJoined, Conv: "conv",
			Members: roster, MaxSize: DefaultMaxMessageSize}))
		for _, f := range frames {
			ws.Write(ctx, websocket.MessageText, f)
		}
		for { // until the client closes; reading answers its close frame
			if _, _, err := ws.Read(context.Background()); err != nil {
				return
			}
		}
	})}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return "ws://" + ln.Addr().String() + "/ws"
}

func TestMaliciousRelay(t *testing.T) {
	checkLeaks(t)
	a, _ := NewIdentity("A", "1", nil)
	b, _ := NewIdentity("B", "1", nil)
	l, _ := NewIdentity("L", "1", nil)
	l.Public = new([32]byte) // a low-order key, properly signed
	roster := []wireMember{signedMember(a, "conv"), signedMember(b, "conv"), signedMember(l, "conv")}
	ab := mustShared(t, a.Private, b.Public)
	now := uint64(time.Now().UnixNano())
	elsewhere, _ := sealBox(ab, cryptoRand, "elsewhere", now, []byte("x"))
	good, _ := sealBox(ab, cryptoRand, "conv", now+1, []byte("good"))
	deliver := func(user string, box []byte) []byte {
		return encodeFrame(&frame{Type: frameDeliver, User: user, Client: "1", Time: 7, Box: box})
	}
	url := fakeRelay(t, roster,
		deliver("Z", good),                   // stamped with ids not in the roster
		deliver("L", good),                   // from the member with the low-order key
		deliver("A", elsewhere),              // moved from another conversation
		[]byte(`{"type":"deliver"}`),         // malformed
		[]byte(`{"type":"join","conv":"c"}`), // wrong direction
		deliver("A", good),
	)
	msgs, errs := make(chan Received, 8), make(chan error, 8)
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	c, err := Dial(ctx, ClientOptions{URL: url, Conv: "conv", Identity: b},
		func(r Received) { msgs <- r }, func(err error) { errs <- err })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i, want := range []error{ErrUnknownSender, ErrBadKey, ErrMisrouted, ErrMalformed, ErrMalformed} {
		select {
		case err := <-errs:
			if !errors.Is(err, want) {
				t.Errorf("frame %d: got %v, want %v", i, err, want)
			}
		case <-time.After(waitTime):
			t.Fatalf("frame %d: no error", i)
		}
	}
	select {
	case r := <-msgs:
		if string(r.Data) != "good" || r.ServerTime != 7 {
			t.Errorf("got %+v", r)
		}
	case <-time.After(waitTime):
		t.Fatal("authentic message not delivered")
	}
}

// The shared key with every member is derived when the roster arrives,
// not by the first message.
func TestRosterWarmsSharedKeys(t *testing.T) {
	ts := startServer(t, ServerOptions{})
	a := dial(t, ts.url, "conv", "A", "1")
	b := dial(t, ts.url, "conv", "B", "1")
	a.waitMembers(t, 2)
	b.waitMembers(t, 2)
	for _, p := range []struct {
		self *peer
		peer Identity
	}{{a, b.id}, {b, a.id}} {
		p.self.keys.mu.Lock()
		_, ok := p.self.keys.keys[*p.peer.Public]
		_, own := p.self.keys.keys[*p.self.id.Public]
		p.self.keys.mu.Unlock()
		if !ok {
			t.Errorf("%s/%s: no shared key with %s/%s after the roster", p.self.id.User, p.self.id.Client, p.peer.User, p.peer.Client)
		}
		if own {
			t.Errorf("%s/%s derived a key with itself", p.self.id.User, p.self.id.Client)
		}
	}
}

// The key cache stays bounded however many peers it sees.
func TestKeyCacheBounded(t *testing.T) {
	id, err := NewIdentity("A", "1", nil)
	if err != nil {
		t.Fatal(err)
	}
	k := newKeyCache(id.Private)
	if k.max != maxCachedKeys {
		t.Fatalf("cache bound %d, want %d", k.max, maxCachedKeys)
	}
	k.max = 16 // a small bound, to keep the test fast
	for i := range k.max + 10 {
		var pub [32]byte
		pub[0], pub[1], pub[2] = byte(i), byte(i>>8), 9 // not low-order points
		k.shared(pub)
	}
	if n := len(k.keys); n > k.max || n == 0 {
		t.Errorf("%d keys cached, bound %d", n, k.max)
	}
}
