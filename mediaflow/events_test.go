package mediaflow

import (
	"errors"
	"strings"
	"testing"

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
