package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// setupMsg is a Calling 3.0 SETUP as the wire carries it, with a
// recognisable SDP.
const setupSDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
	"a=fingerprint:sha-256 9C:1B:7E:0F:3A:55:81:D2\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"

var setupMsg = []byte(`{"version":"3.0","type":"SETUP","sessid":"e6cb","resp":false,"sdp":` +
	mustJSON(setupSDP) + `,"props":{"videosend":"false"}}`)

func mustJSON(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestFanOutThreeClients(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	a := dial(t, ts.url, "conv", "A", "1")
	b1 := dial(t, ts.url, "conv", "B", "1")
	b2 := dial(t, ts.url, "conv", "B", "2")
	for _, p := range []*peer{a, b1, b2} {
		ms := p.waitMembers(t, 3)
		want := []Identity{a.id, b1.id, b2.id}
		for i, m := range ms {
			if m.User != want[i].User || m.Client != want[i].Client || m.Public != *want[i].Public {
				t.Errorf("%s/%s roster[%d] = %s/%s, want %s/%s with its key",
					p.id.User, p.id.Client, i, m.User, m.Client, want[i].User, want[i].Client)
			}
		}
	}

	before := uint32(time.Now().Unix())
	if err := a.Send(setupMsg); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*peer{b1, b2} {
		r := p.next(t)
		after := uint32(time.Now().Unix())
		if r.FromUser != "A" || r.FromClient != "1" || !bytes.Equal(r.Data, setupMsg) {
			t.Errorf("%s/%s got %+v", p.id.User, p.id.Client, r)
		}
		if r.ServerTime < before || r.ServerTime > after {
			t.Errorf("server time %d outside [%d, %d]", r.ServerTime, before, after)
		}
		if time.Since(r.SentAt) < 0 || time.Since(r.SentAt) > waitTime {
			t.Errorf("SentAt %v is not the send time", r.SentAt)
		}
	}
	a.none(t) // the sender does not hear itself

	if err := b2.Send([]byte("answer")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*peer{a, b1} {
		if r := p.next(t); r.FromUser != "B" || r.FromClient != "2" || string(r.Data) != "answer" {
			t.Errorf("%s/%s got %+v", p.id.User, p.id.Client, r)
		}
	}
	st := ts.Stats()
	if st.Conversations != 1 || st.Clients != 3 || st.Forwarded != 4 || len(st.Dropped) != 0 {
		t.Errorf("stats %+v, want 1 conversation, 3 clients, 4 forwarded, no drops", st)
	}
}

func TestSendAlone(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	a := dial(t, ts.url, "conv", "A", "1")
	if err := a.Send(setupMsg); err != nil {
		t.Fatalf("Send with nobody else in the conversation: %v", err)
	}
	if st := ts.Stats(); st.Forwarded != 0 {
		t.Errorf("forwarded %d, want 0", st.Forwarded)
	}
}

// plaintextIn reports whether a frame the relay handled shows any of the
// secrets, in the raw frame or in any box it carries.
func plaintextIn(data []byte, secrets ...[]byte) bool {
	blobs := [][]byte{data}
	if f, err := decodeFrame(data); err == nil {
		blobs = append(blobs, f.Box)
		for _, b := range f.Boxes {
			blobs = append(blobs, b.Box)
		}
	}
	for _, blob := range blobs {
		for _, s := range secrets {
			if bytes.Contains(blob, s) {
				return true
			}
		}
	}
	return false
}

func TestRelaySeesNoPlaintext(t *testing.T) {
	checkLeaks(t)
	var mu sync.Mutex
	var frames []TapFrame
	ts := startServer(t, ServerOptions{Tap: func(f TapFrame) {
		mu.Lock()
		frames = append(frames, TapFrame{Inbound: f.Inbound, Data: bytes.Clone(f.Data)})
		mu.Unlock()
	}})
	a := dial(t, ts.url, "conv", "A", "1")
	b := dial(t, ts.url, "conv", "B", "1")
	a.waitMembers(t, 2)
	if err := a.Send(setupMsg); err != nil {
		t.Fatal(err)
	}
	if r := b.next(t); !bytes.Equal(r.Data, setupMsg) {
		t.Fatalf("B got %q", r.Data)
	}

	secrets := [][]byte{[]byte("SETUP"), []byte("a=fingerprint"), []byte("4611731400430051336")}
	// The check can fail: an unsealed box is caught.
	leaky := encodeFrame(&frame{Type: frameSend, Conv: "conv",
		Boxes: []addressed{{User: "B", Client: "1", Box: setupMsg}}})
	if !plaintextIn(leaky, secrets...) {
		t.Fatal("plaintextIn misses an unsealed box")
	}

	mu.Lock()
	defer mu.Unlock()
	var in, out int
	for _, f := range frames {
		if f.Inbound {
			in++
		} else {
			out++
		}
		if plaintextIn(f.Data, secrets...) {
			t.Errorf("relay saw plaintext in %s", f.Data)
		}
	}
	if in == 0 || out == 0 {
		t.Fatalf("tap saw %d inbound and %d outbound frames, want both", in, out)
	}
}

// captureSends returns a Tap that keeps every send frame read from user,
// and a function waiting for the next one.
func captureSends(user string) (func(TapFrame), func(t *testing.T) []byte) {
	ch := make(chan []byte, 16)
	tap := func(f TapFrame) {
		if f.Inbound && f.User == user {
			ch <- bytes.Clone(f.Data)
		}
	}
	next := func(t *testing.T) []byte {
		t.Helper()
		select {
		case d := <-ch:
			return d
		case <-time.After(waitTime):
			t.Fatal("no send frame captured")
		}
		return nil
	}
	return tap, next
}

// inject writes a frame on a Client's own connection, as if its owner had
// sent it: the relay stamps it with that client's ids.
func inject(t *testing.T, c *Client, data []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, data); err != nil {
		t.Fatal(err)
	}
}

func TestTamperedRejected(t *testing.T) {
	checkLeaks(t)
	tap, captured := captureSends("A")
	ts := startServer(t, ServerOptions{Tap: tap})
	a := dial(t, ts.url, "conv", "A", "1")
	b := dial(t, ts.url, "conv", "B", "1")
	a.waitMembers(t, 2)
	if err := a.Send(setupMsg); err != nil {
		t.Fatal(err)
	}
	b.next(t)

	f, err := decodeFrame(captured(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, pos := range []int{3, nonceLen + 5, len(f.Boxes[0].Box) - 1} { // nonce, ciphertext, tag
		g := *f
		g.Boxes = []addressed{f.Boxes[0]}
		g.Boxes[0].Box = bytes.Clone(f.Boxes[0].Box)
		g.Boxes[0].Box[pos] ^= 0x20
		inject(t, a.Client, encodeFrame(&g))
		err := b.nextErr(t)
		var oe *OpenError
		if !errors.Is(err, ErrTampered) || !errors.As(err, &oe) || oe.FromUser != "A" || oe.FromClient != "1" {
			t.Errorf("byte %d flipped: got %v, want an *OpenError from A/1 wrapping ErrTampered", pos, err)
		}
	}
	b.none(t)
	// B still takes authentic messages.
	if err := a.Send([]byte("after")); err != nil {
		t.Fatal(err)
	}
	if r := b.next(t); string(r.Data) != "after" {
		t.Errorf("B got %q", r.Data)
	}
}

func TestUnauthenticatedRejected(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	b := dial(t, ts.url, "conv", "B", "1")
	m := rawJoin(t, ts.url, "conv", "M", "1")
	b.waitMembers(t, 2)
	// M seals with a key that is not its roster key.
	other, err := NewIdentity("M", "1", nil)
	if err != nil {
		t.Fatal(err)
	}
	forged := (&rawPeer{id: other}).sealFor(t, b.id, "conv", []byte("SETUP from nobody"))
	m.write(t, encodeFrame(&frame{Type: frameSend, Conv: "conv", Boxes: []addressed{forged}}))
	if err := b.nextErr(t); !errors.Is(err, ErrTampered) {
		t.Errorf("got %v, want ErrTampered", err)
	}
	b.none(t)
}

func TestReplayRejected(t *testing.T) {
	checkLeaks(t)
	tap, captured := captureSends("A")
	ts := startServer(t, ServerOptions{Tap: tap})
	a := dial(t, ts.url, "conv", "A", "1")
	b := dial(t, ts.url, "conv", "B", "1")
	a.waitMembers(t, 2)
	if err := a.Send([]byte("first")); err != nil {
		t.Fatal(err)
	}
	b.next(t)
	first := captured(t)
	if err := a.Send([]byte("second")); err != nil {
		t.Fatal(err)
	}
	b.next(t)
	second := captured(t)
	for _, frame := range [][]byte{second, first} { // the latest, then an older one
		inject(t, a.Client, frame)
		if err := b.nextErr(t); !errors.Is(err, ErrReplayed) {
			t.Errorf("replay: got %v, want ErrReplayed", err)
		}
	}
	b.none(t)
}

func TestReplayHorizon(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	a := dial(t, ts.url, "conv", "A", "1")
	b := dial(t, ts.url, "conv", "B", "1")
	a.waitMembers(t, 2)
	old := uint64(time.Now().Add(-DefaultReplayHorizon - time.Minute).UnixNano())
	box, err := sealBox(mustShared(t, a.id.Private, b.id.Public), cryptoRand, "conv", old, []byte("stale"))
	if err != nil {
		t.Fatal(err)
	}
	inject(t, a.Client, encodeFrame(&frame{Type: frameSend, Conv: "conv",
		Boxes: []addressed{{User: "B", Client: "1", Box: box}}}))
	if err := b.nextErr(t); !errors.Is(err, ErrReplayed) || !strings.Contains(err.Error(), "horizon") {
		t.Errorf("got %v, want ErrReplayed beyond the horizon", err)
	}
}

func TestImpersonationDropped(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	a := dial(t, ts.url, "conv", "A", "1")
	b := dial(t, ts.url, "conv", "B", "1")
	m := rawJoin(t, ts.url, "conv", "M", "1")
	b.waitMembers(t, 3)

	// A frame claiming to come from A is dropped, whatever it carries.
	claim := &frame{Type: frameSend, Conv: "conv", User: "A", Client: "1",
		Boxes: []addressed{m.sealFor(t, b.id, "conv", []byte("I am A"))}}
	m.write(t, encodeFrame(claim))
	m.expectDrop(t, DropImpersonation)
	b.none(t)
	if !strings.Contains(ts.logs.String(), "reason=impersonation") {
		t.Errorf("no logged reason; log:\n%s", ts.logs)
	}

	// Without the claim, the relay stamps M's own ids.
	m.write(t, encodeFrame(&frame{Type: frameSend, Conv: "conv",
		Boxes: []addressed{m.sealFor(t, b.id, "conv", []byte("I am M"))}}))
	if r := b.next(t); r.FromUser != "M" || r.FromClient != "1" || string(r.Data) != "I am M" {
		t.Errorf("got %+v", r)
	}

	// Joining as a client already present is refused.
	_, err := tryDial(t, ts.url, "conv", "A", "1")
	var se *ServerError
	if !errors.As(err, &se) || se.Reason != DropDuplicateClient || !errors.Is(err, ErrRejected) {
		t.Errorf("duplicate join: got %v, want ServerError duplicate_client", err)
	}
	if err := a.Send([]byte("still A")); err != nil {
		t.Fatal(err)
	}
	if r := b.next(t); r.FromUser != "A" || string(r.Data) != "still A" {
		t.Errorf("got %+v", r)
	}
	st := ts.Stats()
	if st.Dropped[DropImpersonation] != 1 || st.Dropped[DropDuplicateClient] != 1 {
		t.Errorf("dropped %v", st.Dropped)
	}
}

func TestBadFramesDropped(t *testing.T) {
	checkLeaks(t)
	const max = 4 << 10
	ts := startServer(t, ServerOptions{MaxMessageSize: max})
	a := dial(t, ts.url, "conv", "A", "1")
	b := dial(t, ts.url, "conv", "B", "1")
	m := rawJoin(t, ts.url, "conv", "M", "1")
	b.waitMembers(t, 3)

	cases := []struct {
		name   string
		data   []byte
		reason DropReason
	}{
		{"oversized", bytes.Repeat([]byte("x"), 3*max), DropTooLarge},
		{"not JSON", []byte("{not json"), DropMalformed},
		{"no type", []byte(`{"conv":"conv"}`), DropMalformed},
		{"unknown type", []byte(`{"type":"shout"}`), DropMalformed},
		{"second join", encodeFrame(&frame{Type: frameJoin, Conv: "conv", User: "M", Client: "1", Key: m.id.Public[:]}), DropMalformed},
		{"short box", encodeFrame(&frame{Type: frameSend, Conv: "conv", Boxes: []addressed{{User: "B", Client: "1", Box: []byte("tiny")}}}), DropMalformed},
		{"no boxes", []byte(`{"type":"send","conv":"conv"}`), DropMalformed},
		{"other conversation", encodeFrame(&frame{Type: frameSend, Conv: "elsewhere",
			Boxes: []addressed{m.sealFor(t, b.id, "elsewhere", []byte("x"))}}), DropUnknownConversation},
	}
	for _, c := range cases {
		m.write(t, c.data)
		m.expectDrop(t, c.reason)
		if !strings.Contains(ts.logs.String(), "reason="+string(c.reason)) {
			t.Errorf("%s: reason %s not logged", c.name, c.reason)
		}
	}
	b.none(t)

	// The bad peer's connection still works, and so does everyone else's.
	m.write(t, encodeFrame(&frame{Type: frameSend, Conv: "conv",
		Boxes: []addressed{m.sealFor(t, b.id, "conv", []byte("ok now"))}}))
	if r := b.next(t); r.FromUser != "M" || string(r.Data) != "ok now" {
		t.Errorf("got %+v", r)
	}
	if err := a.Send([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if r := b.next(t); string(r.Data) != "hello" {
		t.Errorf("got %q", r.Data)
	}
	st := ts.Stats()
	if st.Dropped[DropTooLarge] != 1 || st.Dropped[DropMalformed] != 6 || st.Dropped[DropUnknownConversation] != 1 {
		t.Errorf("dropped %v", st.Dropped)
	}

	// Send refuses what the server would drop.
	if err := a.Send(make([]byte, max+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Send oversized: got %v, want ErrTooLarge", err)
	}

	// Beyond the hard limit the connection goes; the others only see a
	// roster change.
	m.writeUntilCut(bytes.Repeat([]byte("y"), 5*max))
	a.waitMembers(t, 2)
	b.waitMembers(t, 2)
	if err := b.Send([]byte("after")); err != nil {
		t.Fatal(err)
	}
	if r := a.next(t); string(r.Data) != "after" {
		t.Errorf("got %q", r.Data)
	}
}

func TestOversizedReportedToClient(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{MaxMessageSize: 4 << 10})
	a := dial(t, ts.url, "conv", "A", "1")
	dial(t, ts.url, "conv", "B", "1")
	a.waitMembers(t, 2)
	inject(t, a.Client, bytes.Repeat([]byte("z"), 8<<10))
	err := a.nextErr(t)
	var se *ServerError
	if !errors.Is(err, ErrTooLarge) || !errors.As(err, &se) || se.Reason != DropTooLarge {
		t.Errorf("got %v, want ServerError too_large", err)
	}
}

func TestDisconnectLeavesOthersWorking(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	a := dial(t, ts.url, "conv", "A", "1")
	b := dial(t, ts.url, "conv", "B", "1")
	c := dial(t, ts.url, "conv", "C", "1")
	m := rawJoin(t, ts.url, "conv", "M", "1")
	a.waitMembers(t, 4)

	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Send([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close: got %v, want ErrClosed", err)
	}
	m.ws.CloseNow() // abrupt: no close handshake
	for _, p := range []*peer{a, b} {
		ms := p.waitMembers(t, 2)
		if ms[0].User != "A" || ms[1].User != "B" {
			t.Errorf("roster %+v", ms)
		}
	}
	if err := a.Send([]byte("still here")); err != nil {
		t.Fatal(err)
	}
	if r := b.next(t); string(r.Data) != "still here" {
		t.Errorf("got %q", r.Data)
	}
	select {
	case err := <-c.errs:
		t.Errorf("closed client reported %v", err)
	default:
	}
	ts.waitStats(t, "2 clients", func(st ServerStats) bool { return st.Clients == 2 })
}

func TestCloseFromCallback(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	a := dial(t, ts.url, "conv", "A", "1")
	id, err := NewIdentity("B", "1", nil)
	if err != nil {
		t.Fatal(err)
	}
	var b *Client
	closed := make(chan error, 1)
	ready := make(chan struct{})
	b, err = Dial(context.Background(), ClientOptions{URL: ts.url, Conv: "conv", Identity: id},
		func(Received) { <-ready; closed <- b.Close() }, nil)
	if err != nil {
		t.Fatal(err)
	}
	close(ready)
	a.waitMembers(t, 2)
	if err := a.Send([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close from onMsg: %v", err)
		}
	case <-time.After(waitTime):
		t.Fatal("Close from onMsg did not return")
	}
	if err := b.Close(); err != nil { // waits for the reader this time
		t.Errorf("second Close: %v", err)
	}
	if err := b.Send([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
	a.waitMembers(t, 1)
}

func TestRateLimit(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{RatePerSecond: 0.1, Burst: 3})
	a := dial(t, ts.url, "conv", "A", "1")
	b := dial(t, ts.url, "conv", "B", "1")
	a.waitMembers(t, 2)
	for i := 0; i < 10; i++ {
		if err := a.Send([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	st := ts.waitStats(t, "10 frames handled", func(st ServerStats) bool {
		return st.Forwarded+st.Dropped[DropRateLimited] == 10
	})
	// The burst, plus at most one token refilled (one per 10 s) while sending.
	if st.Forwarded < 3 || st.Forwarded > 4 {
		t.Errorf("forwarded %d of 10 at burst 3", st.Forwarded)
	}
	for i := uint64(0); i < st.Forwarded; i++ {
		if r := b.next(t); r.Data[0] != byte(i) {
			t.Errorf("message %d: got %d", i, r.Data[0])
		}
	}
	b.none(t)
	if err := a.nextErr(t); !errors.Is(err, ErrRateLimited) {
		t.Errorf("sender got %v, want ErrRateLimited", err)
	}
	select { // one report per run of drops
	case err := <-a.errs:
		t.Errorf("second report: %v", err)
	default:
	}
	if n := strings.Count(ts.logs.String(), "reason=rate_limited"); n != 1 {
		t.Errorf("rate limit logged %d times, want once per run of drops", n)
	}
}

func TestConversationsIsolated(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	a := dial(t, ts.url, "x", "A", "1")
	b := dial(t, ts.url, "x", "B", "1")
	c := dial(t, ts.url, "y", "C", "1")
	d := dial(t, ts.url, "y", "D", "1")
	m := rawJoin(t, ts.url, "y", "M", "1")
	a.waitMembers(t, 2)
	c.waitMembers(t, 3)
	if err := a.Send([]byte("for x")); err != nil {
		t.Fatal(err)
	}
	if r := b.next(t); string(r.Data) != "for x" {
		t.Errorf("got %q", r.Data)
	}
	// A box addressed across conversations goes nowhere.
	m.write(t, encodeFrame(&frame{Type: frameSend, Conv: "y",
		Boxes: []addressed{m.sealFor(t, b.id, "y", []byte("cross"))}}))
	ts.waitStats(t, "unknown recipient", func(st ServerStats) bool { return st.Dropped[DropUnknownRecipient] == 1 })
	for _, p := range []*peer{b, c, d} {
		p.none(t)
	}
	for _, ms := range [][]Member{a.Roster(), c.Roster()} {
		for _, mb := range ms {
			if (mb.User == "A" || mb.User == "B") != (ms[0].User == "A") {
				t.Errorf("roster mixes conversations: %+v", ms)
			}
		}
	}
	if st := ts.Stats(); st.Conversations != 2 || st.Clients != 5 {
		t.Errorf("stats %+v", st)
	}
}

func TestJoinRefused(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{MaxClientsPerConv: 2,
		AllowConv: func(c string) bool { return c != "secret" }})
	dial(t, ts.url, "conv", "A", "1")
	dial(t, ts.url, "conv", "B", "1")
	for _, c := range []struct {
		conv   string
		reason DropReason
	}{{"conv", DropConversationFull}, {"secret", DropUnknownConversation}} {
		_, err := tryDial(t, ts.url, c.conv, "C", "1")
		var se *ServerError
		if !errors.As(err, &se) || se.Reason != c.reason || !errors.Is(err, ErrRejected) {
			t.Errorf("join %s: got %v, want ServerError %s", c.conv, err, c.reason)
		}
	}
}

func TestLowOrderKeyJoinRefused(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	r := rawDial(t, ts.url)
	l, err := NewIdentity("L", "1", nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Public = new([32]byte) // a low-order point, properly signed
	r.write(t, r.joinFrame(t, l, "conv"))
	r.expectDrop(t, DropMalformed)
	if st := ts.Stats(); st.Clients != 0 {
		t.Errorf("%d clients joined", st.Clients)
	}
}

func TestHandshakeTimeout(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{HandshakeTimeout: 100 * time.Millisecond})
	r := rawDial(t, ts.url)
	if f := r.readAny(t); f.Type != frameChallenge {
		t.Fatalf("first frame %+v, want the challenge", f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	if _, _, err := r.ws.Read(ctx); err == nil || ctx.Err() != nil {
		t.Fatalf("silent peer: read returned %v (ctx %v), want the server to close", err, ctx.Err())
	}
	ts.waitStats(t, "handshake drop", func(st ServerStats) bool { return st.Dropped[DropHandshake] == 1 })
}

func TestServerCloseDisconnectsClients(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	a := dialTweak(t, ts.url, "conv", "A", "1", func(o *ClientOptions) { o.ReconnectFor = -1 })
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.nextErr(t); !errors.Is(err, ErrClosed) {
		t.Errorf("got %v, want ErrClosed", err)
	}
	if err := a.Send([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send: got %v, want ErrClosed", err)
	}
	if _, err := tryDial(t, ts.url, "conv", "B", "1"); err == nil {
		t.Error("Dial to a closed server succeeded")
	}
}

func TestDialErrors(t *testing.T) {
	id, err := NewIdentity("A", "1", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, o := range map[string]ClientOptions{
		"no URL":      {Conv: "c", Identity: id},
		"no conv":     {URL: "ws://127.0.0.1:1/ws", Identity: id},
		"no identity": {URL: "ws://127.0.0.1:1/ws", Conv: "c"},
	} {
		if _, err := Dial(ctx, o, nil, nil); err == nil {
			t.Errorf("%s: Dial succeeded", name)
		}
	}
	if _, err := NewIdentity("", "1", nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("empty user: got %v", err)
	}
}
