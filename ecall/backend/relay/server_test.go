package relay

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestListenAndServe(t *testing.T) {
	checkLeaks(t)
	s := NewServer(ServerOptions{})
	served := make(chan error, 1)
	go func() { served <- s.ListenAndServe("127.0.0.1:0") }()
	deadline := time.Now().Add(waitTime)
	for s.URL() == "" {
		if time.Now().After(deadline) {
			t.Fatal("ListenAndServe did not listen")
		}
		time.Sleep(5 * time.Millisecond)
	}
	a := dial(t, s.URL(), "conv", "A", "1")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("ListenAndServe returned %v", err)
	}
	if err := a.nextErr(t); !errors.Is(err, ErrInterrupted) {
		t.Errorf("client got %v, want ErrInterrupted", err)
	}
	if err := s.Start("127.0.0.1:0"); !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Start after Close: %v", err)
	}
}

func TestOnlyWSPath(t *testing.T) {
	s := NewServer(ServerOptions{})
	defer s.Close()
	for path, want := range map[string]int{"/": http.StatusNotFound, "/ws": http.StatusUpgradeRequired} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
}

func TestSlowConsumerDisconnected(t *testing.T) {
	checkLeaks(t)
	// The tap stalls the writer of S's connection, as a full socket would.
	stall := make(chan struct{})
	defer close(stall)
	// 3,000-byte messages make deliver frames of about 4.1 KB: each
	// sender's share holds one; S's queue holds two, and overflows with
	// the third sender's. The others hold at most two deliveries plus the
	// roster frames (signed entries, about a kilobyte each), well inside
	// the limit even when their writers lag on a loaded machine.
	ts := startServer(t, ServerOptions{QueueBytes: 11000, SenderQueueBytes: 5000, RatePerSecond: -1, Tap: func(f TapFrame) {
		if !f.Inbound && f.User == "S" && bytes.Contains(f.Data, []byte(`"deliver"`)) {
			<-stall
		}
	}})
	a := dial(t, ts.url, "conv", "A", "1")
	b := dial(t, ts.url, "conv", "B", "1")
	c := dial(t, ts.url, "conv", "C", "1")
	rawJoin(t, ts.url, "conv", "S", "1")
	for _, p := range []*peer{a, b, c} {
		p.waitMembers(t, 4)
	}
	peers := []*peer{a, b, c}
	for i, from := range peers {
		msg := bytes.Repeat([]byte{byte(i)}, 3000)
		if err := from.Send(msg); err != nil {
			t.Fatal(err)
		}
		for _, to := range peers {
			if to != from {
				if r := to.next(t); !bytes.Equal(r.Data, msg) { // the others keep up
					t.Fatalf("%s got %v", to.id.User, r.Data)
				}
			}
		}
	}
	ts.waitStats(t, "slow consumer drop", func(st ServerStats) bool { return st.Dropped[DropSlowConsumer] == 1 })
	a.waitMembers(t, 3)
	if err := a.Send([]byte("on")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*peer{b, c} {
		if r := p.next(t); string(r.Data) != "on" {
			t.Errorf("got %q", r.Data)
		}
	}
	if st := ts.Stats(); st.Dropped[DropSlowConsumer] != 1 || st.Dropped[DropBacklog] != 0 {
		t.Errorf("stats %+v: want S alone disconnected, nothing refused", st)
	}
	if !strings.Contains(ts.logs.String(), "reason=slow_consumer") {
		t.Error("slow consumer not logged")
	}
}
