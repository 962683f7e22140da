package mediastats_test

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/mediastats"
)

// longCall writes a call of n events on two devices: a state change on
// every event but every tenth, which is a stats report of one device
// (a report a second per device, as a live call writes).
func longCall(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "long.db")
	l, err := eventlog.Open(path, 0o600, &eventlog.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	eps := []eventlog.Endpoint{{User: "A", Client: "1"}, {User: "B", Client: "1"}}
	w, err := l.CreateCall(eventlog.CallMeta{Endpoints: eps, Start: time.Unix(0, 0).UTC()})
	if err != nil {
		b.Fatal(err)
	}
	packets := [2]uint64{}
	for i := 0; i < n; i++ {
		ep := eps[i/10%2]
		ev := eventlog.Event{At: time.Duration(i) * 50 * time.Millisecond, Endpoint: ep, Conn: "c" + ep.User}
		if i%10 == 9 {
			packets[i/10%2] += 50
			p := strconv.FormatUint(packets[i/10%2], 10)
			ev.Kind, ev.Type = eventlog.KindNote, mediastats.NoteType
			ev.Note = &eventlog.Note{Text: "stats", Attrs: map[string]string{
				"audio.sent.packets": p, "audio.sent.lost": "0", "audio.sent.jitter_us": "400", "audio.sent.rtt_us": "900",
				"audio.recv.packets": p, "audio.recv.lost": "1", "audio.recv.jitter_us": "500"}}
		} else {
			ev.Kind, ev.Output = eventlog.KindOutput, econn.StateChanged{From: econn.StateIdle, To: econn.StatePendingOutgoing}
		}
		if _, err := w.Append(ev); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkRead reads the series of a 100k-event call (10k stats notes,
// 90k markers thinned to the cap), as /api/plots does once per call shown:
//
//	go test ./eventlog/mediastats -run '^$' -bench Read -benchmem
func BenchmarkRead(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			path := longCall(b, n)
			l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			r, err := l.OnlyCall()
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			b.ResetTimer()
			for b.Loop() {
				s, err := mediastats.Read(r, mediastats.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if len(s.Tracks) != 4 || len(s.Markers) > mediastats.DefaultMaxMarkers {
					b.Fatalf("%d tracks, %d markers", len(s.Tracks), len(s.Markers))
				}
			}
		})
	}
}
