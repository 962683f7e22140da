package replay_test

import (
	"runtime"
	"testing"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
	"github.com/callrec/callrec/eventlog/replay/replaytest"
)

// generated is a Source whose events are recorded on demand, as the
// scanner asks for them, so that nothing holds the whole call.
type generated struct{ n int }

func (g generated) Meta() eventlog.CallMeta { return eventlog.CallMeta{ID: "generated"} }
func (g generated) Count() uint64           { return 0 } // unknown until generated

func (g generated) Scan(from uint64) replay.Scanner {
	ch := make(chan eventlog.Event, 64)
	go func() {
		defer close(ch)
		replaytest.LongCall(replaytest.NewRecorder(chanAppender{ch, new(uint64)}), g.n)
	}()
	return &chanScanner{ch: ch}
}

type chanAppender struct {
	ch  chan<- eventlog.Event
	seq *uint64
}

func (a chanAppender) Append(ev eventlog.Event) (uint64, error) {
	*a.seq++
	ev.Seq = *a.seq
	a.ch <- ev
	return ev.Seq, nil
}

type chanScanner struct{ ch <-chan eventlog.Event }

func (s *chanScanner) Next() (eventlog.Event, bool) {
	ev, ok := <-s.ch
	return ev, ok
}
func (s *chanScanner) Err() error { return nil }

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestReplayerMemoryIsFlat replays a long call and checks that the heap
// does not grow with the events read: one pending step per connection.
func TestReplayerMemoryIsFlat(t *testing.T) {
	const events = 120_000
	r := replay.NewReplayer(generated{events})
	var early, late uint64
	for r.Next() {
		if r.Step().Divergence != nil {
			t.Fatalf("step %d diverges", r.Step().Input.Seq)
		}
		switch n := r.Events(); {
		case early == 0 && n >= 20_000:
			early = heap()
		case late == 0 && n >= 110_000:
			late = heap()
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if r.Events() < 110_000 || early == 0 || late == 0 {
		t.Fatalf("read %d events", r.Events())
	}
	// 90,000 more events read: keeping even 40 bytes of each would show.
	if grew := int64(late) - int64(early); grew > 3<<20 {
		t.Fatalf("the heap grew by %d bytes between event 20,000 and 110,000", grew)
	}
	t.Logf("heap at 20k events %d B, at 110k %d B", early, late)
}
