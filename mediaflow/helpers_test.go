package mediaflow

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder collects the events of one Flow for a test.
type recorder struct {
	mu     sync.Mutex
	events []Event
	signal chan struct{}
}

func newRecorder() *recorder {
	return &recorder{signal: make(chan struct{}, 1)}
}

func (r *recorder) onEvent(e Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

func (r *recorder) snapshot() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// count returns how many recorded events satisfy match.
func (r *recorder) count(match func(Event) bool) int {
	n := 0
	for _, e := range r.snapshot() {
		if match(e) {
			n++
		}
	}
	return n
}

// waitFor waits until match has been satisfied by n events, or fails.
func (r *recorder) waitFor(t *testing.T, what string, n int, match func(Event) bool) {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for r.count(match) < n {
		select {
		case <-r.signal:
		case <-time.After(20 * time.Millisecond):
		case <-deadline.C:
			t.Fatalf("timed out waiting for %d× %s; events: %s", n, what, names(r.snapshot()))
		}
	}
}

func names(events []Event) string {
	s := make([]string, len(events))
	for i, e := range events {
		s[i] = e.EventName()
	}
	return strings.Join(s, " ")
}

func is[T Event](e Event) bool { _, ok := e.(T); return ok }

// peer is one side of a test pair.
type peer struct {
	*Flow
	rec *recorder
}

// newPair creates two Flows with their recorders; both close at the end
// of the test.
func newPair(t *testing.T, a, b Options) (*peer, *peer) {
	t.Helper()
	pa, pb := &peer{rec: newRecorder()}, &peer{rec: newRecorder()}
	var err error
	if pa.Flow, err = New(a, pa.rec.onEvent); err != nil {
		t.Fatalf("New(offerer): %v", err)
	}
	if pb.Flow, err = New(b, pb.rec.onEvent); err != nil {
		_ = pa.Close()
		t.Fatalf("New(answerer): %v", err)
	}
	t.Cleanup(func() {
		_ = pa.Close()
		_ = pb.Close()
	})
	return pa, pb
}

// signalPair runs one offer/answer exchange from offerer to answerer.
func signalPair(t *testing.T, offerer, answerer *peer, reoffer bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	create := offerer.CreateOffer
	if reoffer {
		create = offerer.Reoffer
	}
	offer, err := create(ctx)
	if err != nil {
		t.Fatalf("offer: %v", err)
	}
	answer, err := answerer.Accept(ctx, offer)
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	if err := offerer.SetAnswer(answer); err != nil {
		t.Fatalf("SetAnswer: %v", err)
	}
}

// connectedPair returns a pair whose data channel is open on both sides.
func connectedPair(t *testing.T, a, b Options) (*peer, *peer) {
	t.Helper()
	pa, pb := newPair(t, a, b)
	signalPair(t, pa, pb, false)
	pa.rec.waitFor(t, "data-channel-open", 1, is[DataChannelOpen])
	pb.rec.waitFor(t, "data-channel-open", 1, is[DataChannelOpen])
	return pa, pb
}

// checkGoroutines fails the test if goroutines started during it are still
// running after its cleanups (registered later, so run earlier) and a grace
// period. Call it first in a test.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// testOptions are DefaultOptions with a short statistics period.
func testOptions() Options {
	o := DefaultOptions()
	o.StatsInterval = 200 * time.Millisecond
	return o
}
