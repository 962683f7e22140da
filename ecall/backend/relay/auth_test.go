package relay

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// These tests replay, against a real relay on loopback, the attacks that
// succeeded on the relay before it had membership and authenticated keys.

// members returns identities for the given "USER/CLIENT" names and a
// membership listing them for conv.
func members(t *testing.T, conv string, names ...string) (map[string]Identity, *Members) {
	t.Helper()
	ids := make(map[string]Identity)
	ms := NewMembers()
	for _, n := range names {
		user, client, _ := strings.Cut(n, "/")
		id, err := NewIdentity(user, client, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := ms.Add(user, client, id.IdentityKey(), conv); err != nil {
			t.Fatal(err)
		}
		ids[n] = id
	}
	return ids, ms
}

func dialAs(t *testing.T, url, conv string, id Identity) *peer {
	t.Helper()
	p, err := dialOpts(t, ClientOptions{URL: url, Conv: conv, Identity: id})
	if err != nil {
		t.Fatalf("Dial %s/%s: %v", id.User, id.Client, err)
	}
	return p
}

// refused asserts that a raw connection's join was refused with reason:
// an error frame, then the connection closed with the reason named, and
// nothing else (no roster, no delivery) in between.
func (r *rawPeer) refused(t *testing.T, reason DropReason) {
	t.Helper()
	f := r.readAny(t)
	if f.Type != frameError || DropReason(f.Reason) != reason {
		t.Fatalf("join answered with %+v, want an error frame %s", f, reason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	_, data, err := r.ws.Read(ctx)
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Reason != string(reason) {
		t.Fatalf("after the refusal: frame %q, error %v; want the connection closed with reason %s", data, err, reason)
	}
}

// rawJoinAs sends a join for id on a new raw connection.
func rawJoinAs(t *testing.T, url, conv string, id Identity) *rawPeer {
	t.Helper()
	r := rawDial(t, url)
	r.id = id
	r.write(t, r.joinFrame(t, id, conv))
	return r
}

func newID(t *testing.T, user, client string) Identity {
	t.Helper()
	id, err := NewIdentity(user, client, nil)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// An intruder who knows the conversation id joined it and received every
// message the members sealed for it.
func TestAttackIntruderJoins(t *testing.T) {
	checkLeaks(t)
	ids, ms := members(t, "conv", "A/1", "B/1")
	ts := startServer(t, ServerOptions{Members: ms})
	a := dialAs(t, ts.url, "conv", ids["A/1"])
	b := dialAs(t, ts.url, "conv", ids["B/1"])
	a.waitMembers(t, 2)

	x := rawJoinAs(t, ts.url, "conv", newID(t, "X", "1"))
	x.refused(t, DropNotMember)
	// The intruder's own key under a member's ids, and a member's
	// identity key it cannot sign for.
	rawJoinAs(t, ts.url, "conv", newID(t, "B", "1")).refused(t, DropNotMember)
	forged := newID(t, "B", "1")
	r := rawDial(t, ts.url)
	var f frameFields
	f.decode(t, r.joinFrame(t, forged, "conv"))
	f.ID = ids["B/1"].IdentityKey()
	r.write(t, encodeFrame(&f.frame))
	r.refused(t, DropUnauthenticated)

	if err := a.Send([]byte("a=ice-pwd:secret")); err != nil {
		t.Fatal(err)
	}
	if got := b.next(t); string(got.Data) != "a=ice-pwd:secret" {
		t.Fatalf("B got %q", got.Data)
	}
	if n := len(a.Roster()); n != 2 {
		t.Errorf("A's roster has %d members, want 2: %+v", n, a.Roster())
	}
	st := ts.Stats()
	if st.Clients != 2 || st.Dropped[DropNotMember] != 2 || st.Dropped[DropUnauthenticated] != 1 {
		t.Errorf("stats %+v", st)
	}
}

// frameFields lets a test alter a frame before sending it.
type frameFields struct{ frame }

func (f *frameFields) decode(t *testing.T, data []byte) {
	t.Helper()
	g, err := decodeFrame(data)
	if err != nil {
		t.Fatal(err)
	}
	f.frame = *g
}

// After B/1 left, an intruder joined as B/1 with its own key, and A/1
// accepted a HANGUP from the fake B/1.
func TestAttackRejoinAsLeftMember(t *testing.T) {
	checkLeaks(t)
	ids, ms := members(t, "conv", "A/1", "B/1")
	ts := startServer(t, ServerOptions{Members: ms})
	a := dialAs(t, ts.url, "conv", ids["A/1"])
	b := dialAs(t, ts.url, "conv", ids["B/1"])
	a.waitMembers(t, 2)
	b.Close()
	a.waitMembers(t, 1)

	fake := rawJoinAs(t, ts.url, "conv", newID(t, "B", "1"))
	fake.refused(t, DropNotMember)
	a.none(t)
	if n := len(a.Roster()); n != 1 {
		t.Errorf("A's roster has %d members after the fake join, want 1", n)
	}
}

// The same attack on an open relay (or by a lying relay): A/1 refuses the
// fake B/1's key, pinned or first seen, and the HANGUP sealed with it.
func TestSubstitutedKeyRefusedByClient(t *testing.T) {
	for _, pinned := range []bool{true, false} {
		t.Run(fmt.Sprintf("pinned=%v", pinned), func(t *testing.T) {
			checkLeaks(t)
			ids, ms := members(t, "conv", "A/1", "B/1")
			ts := startServer(t, ServerOptions{}) // open: the relay does not check
			opts := ClientOptions{URL: ts.url, Conv: "conv", Identity: ids["A/1"]}
			if pinned {
				opts.Pins = ms
			}
			a, err := dialOpts(t, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !pinned { // first use: A sees the real B/1
				b := dialAs(t, ts.url, "conv", ids["B/1"])
				a.waitMembers(t, 2)
				b.Close()
				a.waitMembers(t, 1)
			}
			fake := rawJoin(t, ts.url, "conv", "B", "1")
			ts.waitStats(t, "the fake B/1 joined", func(st ServerStats) bool { return st.Clients == 2 })
			err = a.nextErr(t)
			var ke *KeyError
			if !errors.As(err, &ke) || !errors.Is(err, ErrKeyRefused) || ke.User != "B" || ke.Want != Fingerprint(ids["B/1"].IdentityKey()) {
				t.Fatalf("got %v, want a KeyError for B/1 expecting the real key", err)
			}
			if n := len(a.Roster()); n != 1 {
				t.Errorf("A's roster has %d members, want only A: %+v", n, a.Roster())
			}
			fake.write(t, encodeFrame(&frame{Type: frameSend, Conv: "conv",
				Boxes: []addressed{fake.sealFor(t, ids["A/1"], "conv", []byte(`{"type":"HANGUP"}`))}}))
			if err := a.nextErr(t); !errors.Is(err, ErrUnknownSender) {
				t.Errorf("fake HANGUP: got %v, want ErrUnknownSender", err)
			}
		})
	}
}

// Squatting an id locked its owner out (duplicate_client).
func TestAttackSquatter(t *testing.T) {
	checkLeaks(t)
	ids, ms := members(t, "conv", "A/1", "B/1")
	ts := startServer(t, ServerOptions{Members: ms})
	a := dialAs(t, ts.url, "conv", ids["A/1"])
	rawJoinAs(t, ts.url, "conv", newID(t, "B", "1")).refused(t, DropNotMember)
	rawDial(t, ts.url) // holds a connection without joining
	b := dialAs(t, ts.url, "conv", ids["B/1"])
	a.waitMembers(t, 2)

	// The owner's stale connection does not lock it out either: its new
	// connection replaces it.
	b2 := dialAs(t, ts.url, "conv", ids["B/1"])
	if err := b.nextErr(t); !errors.Is(err, ErrClosed) {
		t.Errorf("the replaced connection: got %v, want ErrClosed", err)
	}
	if err := a.Send([]byte("to the new one")); err != nil {
		t.Fatal(err)
	}
	if got := b2.next(t); string(got.Data) != "to the new one" {
		t.Errorf("got %q", got.Data)
	}
	st := ts.waitStats(t, "2 clients", func(st ServerStats) bool { return st.Clients == 2 })
	if st.Dropped[DropReplaced] != 1 || st.Dropped[DropDuplicateClient] != 0 {
		t.Errorf("stats %+v", st)
	}
}

// 30 filler clients made honest joins fail (conversation_full).
func TestAttackFillers(t *testing.T) {
	checkLeaks(t)
	const fillers = 30
	ids, ms := members(t, "conv", "A/1", "B/1")
	ts := startServer(t, ServerOptions{Members: ms, MaxClientsPerConv: fillers})
	for i := range fillers {
		rawJoinAs(t, ts.url, "conv", newID(t, fmt.Sprint("F", i), "1")).refused(t, DropNotMember)
	}
	a := dialAs(t, ts.url, "conv", ids["A/1"])
	dialAs(t, ts.url, "conv", ids["B/1"])
	a.waitMembers(t, 2)
	if st := ts.Stats(); st.Clients != 2 || st.Dropped[DropConversationFull] != 0 {
		t.Errorf("stats %+v", st)
	}
}

// A client with pins refuses a member the relay adds that is not pinned:
// a lying relay (here an open one) cannot slip in a member of its own.
func TestUnpinnedMemberRefused(t *testing.T) {
	checkLeaks(t)
	ids, ms := members(t, "conv", "A/1", "B/1")
	ts := startServer(t, ServerOptions{})
	a, err := dialOpts(t, ClientOptions{URL: ts.url, Conv: "conv", Identity: ids["A/1"], Pins: ms})
	if err != nil {
		t.Fatal(err)
	}
	dialAs(t, ts.url, "conv", ids["B/1"])
	rawJoin(t, ts.url, "conv", "X", "1")
	ts.waitStats(t, "3 clients", func(st ServerStats) bool { return st.Clients == 3 })
	var ke *KeyError
	if err := a.nextErr(t); !errors.As(err, &ke) || ke.User != "X" || ke.Why != "not in the pins" {
		t.Fatalf("got %v, want a KeyError for X/1 not in the pins", err)
	}
	a.waitMembers(t, 2)
	if err := a.Send([]byte("for B only")); err != nil {
		t.Fatal(err)
	}
	st := ts.waitStats(t, "the box to B", func(st ServerStats) bool { return st.Forwarded == 1 })
	if st.Dropped[DropUnknownRecipient] != 0 {
		t.Errorf("stats %+v", st)
	}
}

// A member listed for one conversation cannot join another.
func TestMemberOfOtherConversation(t *testing.T) {
	checkLeaks(t)
	ids, ms := members(t, "conv", "A/1")
	ts := startServer(t, ServerOptions{Members: ms})
	_, err := dialOpts(t, ClientOptions{URL: ts.url, Conv: "other", Identity: ids["A/1"]})
	var se *ServerError
	if !errors.As(err, &se) || se.Reason != DropNotMember {
		t.Fatalf("got %v, want ServerError not_member", err)
	}
}

// A client reports each member's key once, with whether it was pinned.
func TestOnKey(t *testing.T) {
	checkLeaks(t)
	ids, ms := members(t, "conv", "A/1", "B/1")
	ts := startServer(t, ServerOptions{Members: ms})
	keys := make(chan string, 8)
	_, err := dialOpts(t, ClientOptions{URL: ts.url, Conv: "conv", Identity: ids["A/1"], Pins: ms,
		OnKey: func(m Member, pinned bool) {
			keys <- fmt.Sprintf("%s/%s %v %s", m.User, m.Client, pinned, Fingerprint(m.IdentityKey[:]))
		}})
	if err != nil {
		t.Fatal(err)
	}
	dialAs(t, ts.url, "conv", ids["B/1"])
	for _, want := range []string{
		"A/1 true " + Fingerprint(ids["A/1"].IdentityKey()),
		"B/1 true " + Fingerprint(ids["B/1"].IdentityKey()),
	} {
		select {
		case got := <-keys:
			if got != want {
				t.Errorf("OnKey: got %q, want %q", got, want)
			}
		case <-time.After(waitTime):
			t.Fatalf("OnKey: nothing, want %q", want)
		}
	}
}

// The key callbacks run on the reader while a roster is applied; Dial
// documents that onErr may call Send and Close, and OnKey is a callback
// like it. Neither may deadlock the reader.
func TestSendFromKeyErrorCallback(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	ids, pins := members(t, "conv", "A/1")
	var c *Client
	ready := make(chan struct{})
	sent := make(chan error, 8)
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	c, err := Dial(ctx, ClientOptions{URL: ts.url, Conv: "conv", Identity: ids["A/1"], Pins: pins}, nil,
		func(err error) {
			if errors.Is(err, ErrKeyRefused) {
				<-ready
				sent <- c.Send([]byte("hello"))
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	close(ready)
	dial(t, ts.url, "conv", "M", "1") // not pinned: refused by A
	select {
	case err := <-sent:
		if err != nil {
			t.Errorf("Send from the error callback: %v", err)
		}
	case <-time.After(waitTime):
		t.Fatal("Send from the error callback did not return")
	}
}

func TestSendAndCloseFromOnKey(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	id, err := NewIdentity("A", "1", nil)
	if err != nil {
		t.Fatal(err)
	}
	var c *Client
	ready := make(chan struct{})
	done := make(chan error, 8)
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	c, err = Dial(ctx, ClientOptions{URL: ts.url, Conv: "conv", Identity: id,
		OnKey: func(m Member, _ bool) {
			if m.User != "B" {
				return // A's own key, during Dial
			}
			<-ready
			if err := c.Send([]byte("hi")); err != nil {
				done <- err
			}
			done <- c.Close()
		}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	close(ready)
	b := dial(t, ts.url, "conv", "B", "1")
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Send or Close from OnKey: %v", err)
		}
	case <-time.After(waitTime):
		t.Fatal("Send or Close from OnKey did not return")
	}
	b.expectMsgs(t, "hi")
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(waitTime):
		t.Fatal("Close after Close from OnKey did not return: the reader is stuck")
	}
}
