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
	// 300-byte messages make deliver frames of about 550 bytes: one stalls
	// in the writer, the next waits, the third does not fit.
	ts := startServer(t, ServerOptions{QueueBytes: 1200, RatePerSecond: -1, Tap: func(f TapFrame) {
		if !f.Inbound && f.User == "S" && bytes.Contains(f.Data, []byte(`"deliver"`)) {
			<-stall
		}
	}})
	a := dial(t, ts.url, "conv", "A", "1")
	b := dial(t, ts.url, "conv", "B", "1")
	rawJoin(t, ts.url, "conv", "S", "1")
	a.waitMembers(t, 3)
	for i := 0; i < 4; i++ {
		msg := bytes.Repeat([]byte{byte(i)}, 300)
		if err := a.Send(msg); err != nil {
			t.Fatal(err)
		}
		if r := b.next(t); !bytes.Equal(r.Data, msg) { // B keeps up
			t.Fatalf("B got %v", r.Data)
		}
	}
	ts.waitStats(t, "slow consumer drop", func(st ServerStats) bool { return st.Dropped[DropSlowConsumer] == 1 })
	a.waitMembers(t, 2)
	if err := a.Send([]byte("on")); err != nil {
		t.Fatal(err)
	}
	if r := b.next(t); string(r.Data) != "on" {
		t.Errorf("got %q", r.Data)
	}
	if !strings.Contains(ts.logs.String(), "reason=slow_consumer") {
		t.Error("slow consumer not logged")
	}
}
