package mediaflow

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

func TestDispatcherOrderAndClose(t *testing.T) {
	checkGoroutines(t)
	var got []string
	d := newDispatcher(func(e Event) { got = append(got, e.(ICEStateChanged).State) })
	for _, s := range []string{"a", "b", "c"} {
		d.post(ICEStateChanged{State: s})
	}
	d.close() // delivers what was queued
	d.post(ICEStateChanged{State: "late"})
	d.close() // idempotent
	if want := "a b c"; strings.Join(got, " ") != want {
		t.Errorf("delivered %q, want %q", strings.Join(got, " "), want)
	}
}

// A failed connection is reported once as MediaFailed, after the state.
func TestConnectionFailedReportsMediaFailed(t *testing.T) {
	checkGoroutines(t)
	rec := newRecorder()
	f, err := New(testOptions(), rec.onEvent)
	if err != nil {
		t.Fatal(err)
	}
	f.onConnectionState(webrtc.PeerConnectionStateFailed)
	f.onConnectionState(webrtc.PeerConnectionStateFailed)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	var failed []error
	for _, e := range rec.snapshot() {
		if m, ok := e.(MediaFailed); ok {
			failed = append(failed, m.Err)
		}
	}
	if len(failed) != 1 || !errors.Is(failed[0], ErrConnectionFailed) {
		t.Errorf("MediaFailed errors %v, want one ErrConnectionFailed", failed)
	}
}

func TestEventNames(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range []Event{DataChannelOpen{}, DataChannelMessage{}, DataChannelClosed{},
		ICEStateChanged{}, DTLSStateChanged{}, ConnectionStateChanged{}, FirstRTP{},
		MediaFailed{}, StatsReport{}} {
		n := e.EventName()
		if n == "" || seen[n] {
			t.Errorf("%T: name %q empty or used twice", e, n)
		}
		seen[n] = true
	}
}

// The dispatcher's two queues take turns: events posted from several
// goroutines, in many small batches, are each delivered once and in the
// order of their poster.
func TestDispatcherQueuesTakeTurns(t *testing.T) {
	checkGoroutines(t)
	const posters, each = 4, 2000
	last := make([]int, posters)
	bad := 0
	d := newDispatcher(func(e Event) { // one goroutine: no lock needed
		var p, i int
		if _, err := fmt.Sscanf(e.(ICEStateChanged).State, "%d/%d", &p, &i); err != nil {
			t.Error(err)
			return
		}
		if i != last[p]+1 {
			bad++
		}
		last[p] = i
	})
	var wg sync.WaitGroup
	for p := range posters {
		wg.Go(func() {
			for i := 1; i <= each; i++ {
				d.post(ICEStateChanged{State: fmt.Sprintf("%d/%d", p, i)})
				if i%100 == 0 {
					time.Sleep(time.Millisecond) // let it drain: new batches
				}
			}
		})
	}
	wg.Wait()
	d.close()
	for p, n := range last {
		if n != each {
			t.Errorf("poster %d: %d of %d events delivered", p, n, each)
		}
	}
	if bad > 0 {
		t.Errorf("%d events delivered out of order or twice", bad)
	}
}
