package eventlog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callrec/callrec/econn"
	bolt "go.etcd.io/bbolt"
)

func tempLog(t *testing.T, opts *Options) *Log {
	t.Helper()
	l, err := Open(filepath.Join(t.TempDir(), "test.log"), 0o600, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// noteEvent is an event whose content follows from seq, so that a reader
// can check every event it gets.
func noteEvent(seq uint64) Event {
	return Event{At: time.Duration(seq) * time.Millisecond, Endpoint: Endpoint{"u", "c"}, Kind: KindNote,
		Type: "tick", Note: &Note{Text: fmt.Sprintf("event %d %s", seq, strings.Repeat("x", int(seq%13)*40))}}
}

func checkNoteEvent(t testing.TB, ev Event, seq uint64) {
	t.Helper()
	want := noteEvent(seq)
	want.Seq = seq
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("event %d: got %+v, want %+v", seq, ev, want)
	}
}

func appendN(t testing.TB, w *CallWriter, from, to uint64) {
	t.Helper()
	for seq := from; seq <= to; seq++ {
		got, err := w.Append(noteEvent(seq))
		if err != nil {
			t.Fatal(err)
		}
		if got != seq {
			t.Fatalf("Append assigned seq %d, want %d", got, seq)
		}
	}
}

func TestWriteReadAllSamples(t *testing.T) {
	l := tempLog(t, &Options{NoSync: true})
	start := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	w, err := l.CreateCall(CallMeta{ToolVersion: "test", Source: "sim", Start: start, Seed: 42, HasSeed: true,
		Labels: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	evs := sampleEvents()
	for _, ev := range evs {
		if _, err := w.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := l.Call("call-0001")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m := r.Meta()
	if m.ID != "call-0001" || m.FormatVersion != FormatVersion || m.Seed != 42 || !m.Start.Equal(start) || m.Labels["k"] != "v" {
		t.Errorf("meta = %+v", m)
	}
	if r.Count() != uint64(len(evs)) || r.Duration() != evs[len(evs)-1].At {
		t.Errorf("Count, Duration = %d, %v", r.Count(), r.Duration())
	}
	c := r.Cursor(nil)
	i := 0
	for ev, ok := c.First(); ok; ev, ok = c.Next() {
		want := evs[i]
		want.Seq = uint64(i + 1)
		if want.Type == "" {
			want.Type = typeOf(want)
		}
		if !reflect.DeepEqual(ev, want) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i+1, ev, want)
		}
		i++
	}
	if c.Err() != nil || i != len(evs) {
		t.Errorf("read %d events, err %v", i, c.Err())
	}
}

func typeOf(ev Event) string {
	if ev.Input != nil {
		return ev.Input.InputName()
	}
	return ev.Output.OutputName()
}

func TestCursorMoves(t *testing.T) {
	l := tempLog(t, &Options{NoSync: true})
	w, _ := l.CreateCall(CallMeta{})
	appendN(t, w, 1, 50)
	w.Close()
	r, err := l.Call(w.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := r.Cursor(nil)
	if _, ok := c.Prev(); ok {
		t.Error("Prev on a fresh cursor found an event")
	}
	ev, ok := c.Next() // from unpositioned: the first
	checkNoteEvent(t, ev, 1)
	if _, ok = c.Prev(); ok {
		t.Error("Prev before the first event found one")
	}
	ev, _ = c.Next() // back from before the first
	checkNoteEvent(t, ev, 1)
	ev, _ = c.Last()
	checkNoteEvent(t, ev, 50)
	if _, ok = c.Next(); ok {
		t.Error("Next after the last found an event")
	}
	ev, _ = c.Prev() // back from after the last
	checkNoteEvent(t, ev, 50)
	ev, _ = c.Seek(17)
	checkNoteEvent(t, ev, 17)
	ev, _ = c.Prev()
	checkNoteEvent(t, ev, 16)
	ev, _ = c.Seek(0)
	checkNoteEvent(t, ev, 1)
	if _, ok = c.Seek(51); ok {
		t.Error("Seek past the end found an event")
	}
	ev, _ = c.Prev()
	checkNoteEvent(t, ev, 50)
	for seq := uint64(49); seq >= 1; seq-- {
		ev, ok = c.Prev()
		if !ok {
			t.Fatalf("Prev stopped before %d", seq)
		}
		checkNoteEvent(t, ev, seq)
	}
	if c.Err() != nil {
		t.Fatal(c.Err())
	}
	got, err := r.Get(33)
	if err != nil {
		t.Fatal(err)
	}
	checkNoteEvent(t, got, 33)
	if _, err := r.Get(51); !errors.Is(err, ErrNoEvent) {
		t.Errorf("Get(51): %v", err)
	}
}

func TestFilter(t *testing.T) {
	l := tempLog(t, &Options{NoSync: true})
	w, _ := l.CreateCall(CallMeta{})
	evs := sampleEvents()
	for _, ev := range evs {
		w.Append(ev)
	}
	w.Close()
	r, _ := l.Call(w.ID())
	defer r.Close()
	bob := Endpoint{"bob", "laptop"}
	for _, tc := range []struct {
		f    *Filter
		want []uint64
	}{
		{nil, []uint64{1, 2, 3, 4, 5, 6, 7, 8}},
		{&Filter{}, []uint64{1, 2, 3, 4, 5, 6, 7, 8}},
		{&Filter{Kinds: []Kind{KindOutput}}, []uint64{3, 4, 5, 8}},
		{&Filter{Kinds: []Kind{KindInput, KindNote}}, []uint64{1, 2, 6, 7}},
		{&Filter{Endpoints: []Endpoint{bob}}, []uint64{6, 7, 8}},
		{&Filter{Conn: "sA"}, []uint64{1, 2, 3, 4, 5}},
		{&Filter{Types: []string{"Recv", "media"}}, []uint64{6, 7}},
		{&Filter{Types: []string{"Send", "New"}}, []uint64{1, 3}},
		{&Filter{Types: []string{"Send"}, Endpoints: []Endpoint{bob}}, nil},
		{&Filter{Kinds: []Kind{KindOutput}, Endpoints: []Endpoint{bob, {"alice", "phone"}}, Conn: "sB"}, []uint64{8}},
	} {
		var fwd, back []uint64
		c := r.Cursor(tc.f)
		for ev, ok := c.First(); ok; ev, ok = c.Next() {
			fwd = append(fwd, ev.Seq)
		}
		for ev, ok := c.Last(); ok; ev, ok = c.Prev() {
			back = append([]uint64{ev.Seq}, back...)
		}
		if !reflect.DeepEqual(fwd, tc.want) || !reflect.DeepEqual(back, tc.want) {
			t.Errorf("filter %+v: forward %v, backward %v, want %v", tc.f, fwd, back, tc.want)
		}
		if len(tc.want) > 1 {
			if ev, ok := c.Seek(tc.want[0] + 1); !ok || ev.Seq != tc.want[1] {
				t.Errorf("filter %+v: Seek(%d) = %d %t, want %d", tc.f, tc.want[0]+1, ev.Seq, ok, tc.want[1])
			}
		}
	}
}

func TestCallsIDsAndOnlyCall(t *testing.T) {
	l := tempLog(t, &Options{NoSync: true})
	if _, err := l.OnlyCall(); !errors.Is(err, ErrNoCall) {
		t.Errorf("OnlyCall on an empty log: %v", err)
	}
	ids := []string{}
	for _, id := range []string{"zeta", "", "alpha", ""} {
		w, err := l.CreateCall(CallMeta{ID: id})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, w.ID())
		appendN(t, w, 1, uint64(len(ids)))
		if len(ids) == 1 {
			if r, err := l.OnlyCall(); err != nil || r.Meta().ID != "zeta" {
				t.Errorf("OnlyCall with one call: %v", err)
			} else {
				r.Close()
			}
		}
		w.Close()
	}
	if want := []string{"zeta", "call-0002", "alpha", "call-0004"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
	infos, err := l.Calls()
	if err != nil {
		t.Fatal(err)
	}
	for i, info := range infos {
		if info.Meta.ID != ids[i] || info.Events != uint64(i+1) || info.Duration != time.Duration(i+1)*time.Millisecond {
			t.Errorf("Calls()[%d] = %+v", i, info)
		}
	}
	if _, err := l.CreateCall(CallMeta{ID: "alpha"}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate id: %v", err)
	}
	for _, bad := range []string{"_callrec", "_x", strings.Repeat("x", 300)} {
		if _, err := l.CreateCall(CallMeta{ID: bad}); err == nil {
			t.Errorf("CreateCall(%.10q) succeeded", bad)
		}
	}
	if _, err := l.OnlyCall(); err == nil || !strings.Contains(err.Error(), "zeta, call-0002, alpha, call-0004") {
		t.Errorf("OnlyCall with several calls: %v", err)
	}
	if _, err := l.Call("nope"); !errors.Is(err, ErrNoCall) || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Call(nope): %v", err)
	}
	if _, err := l.Call("_callrec"); !errors.Is(err, ErrNoCall) {
		t.Errorf("Call(_callrec): %v", err)
	}
}

func TestResumeAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.log")
	l, err := Open(path, 0o600, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := l.CreateCall(CallMeta{ID: "c"})
	appendN(t, w, 1, 10)
	if _, err := l.ResumeCall("c"); err == nil {
		t.Error("ResumeCall of a call open for writing succeeded")
	}
	if err := l.Close(); err != nil { // closes w too
		t.Fatal(err)
	}
	if _, err := w.Append(noteEvent(11)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Log.Close: %v", err)
	}
	l, err = Open(path, 0o600, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	w, err = l.ResumeCall("c")
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, w, 11, 20)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r, _ := l.Call("c")
	defer r.Close()
	c := r.Cursor(nil)
	n := uint64(0)
	for ev, ok := c.First(); ok; ev, ok = c.Next() {
		n++
		checkNoteEvent(t, ev, n)
	}
	if n != 20 {
		t.Errorf("read %d events, want 20", n)
	}
	if _, err := l.ResumeCall("nope"); !errors.Is(err, ErrNoCall) {
		t.Errorf("ResumeCall(nope): %v", err)
	}
}

func TestUpdateMeta(t *testing.T) {
	l := tempLog(t, &Options{NoSync: true, BatchDelay: time.Hour})
	w, _ := l.CreateCall(CallMeta{ID: "m"})
	conn := ConnMeta{Endpoint: Endpoint{"a", "1"}, Remote: Endpoint{"b", "2"},
		Config: econn.Config{UserID: "a", ClientID: "1", SessID: "s", TermTimeout: time.Second}}
	err := w.UpdateMeta(func(m *CallMeta) {
		m.Conns = append(m.Conns, conn)
		m.Endpoints = append(m.Endpoints, conn.Endpoint)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.UpdateMeta(func(m *CallMeta) { m.ID = "other" }); err == nil {
		t.Error("UpdateMeta changed the ID")
	}
	if infos, _ := l.Calls(); len(infos[0].Meta.Conns) != 0 {
		t.Error("meta committed before Flush despite an hour's BatchDelay")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	infos, _ := l.Calls()
	if got := infos[0].Meta; len(got.Conns) != 1 || !reflect.DeepEqual(got.Conns[0], conn) {
		t.Errorf("meta after Flush: %+v", got)
	}
}

// A batch commits when it reaches BatchSize, without a Flush.
func TestBatchCommitsBySize(t *testing.T) {
	l := tempLog(t, &Options{NoSync: true, BatchSize: 10, BatchDelay: time.Hour})
	w, _ := l.CreateCall(CallMeta{})
	appendN(t, w, 1, 25)
	waitForCount(t, l, 20)
	if n := committed(t, l); n != 20 {
		t.Errorf("%d events committed, want the two full batches (20)", n)
	}
	w.Flush()
	if n := committed(t, l); n != 25 {
		t.Errorf("%d events committed after Flush, want 25", n)
	}
}

// A batch commits BatchDelay after its first event, without a Flush.
func TestBatchCommitsByDelay(t *testing.T) {
	l := tempLog(t, &Options{NoSync: true, BatchSize: 1000, BatchDelay: 20 * time.Millisecond})
	w, _ := l.CreateCall(CallMeta{})
	start := time.Now()
	appendN(t, w, 1, 3)
	waitForCount(t, l, 3)
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("batch committed after %v, before its delay", d)
	}
}

// Notes wait NoteDelay; an input joining them makes their batch due
// BatchDelay after the input; a metadata change too.
func TestNotesWaitNoteDelay(t *testing.T) {
	l := tempLog(t, &Options{NoSync: true, BatchDelay: 20 * time.Millisecond, NoteDelay: time.Hour})
	w, _ := l.CreateCall(CallMeta{})
	appendN(t, w, 1, 3)
	time.Sleep(100 * time.Millisecond) // five BatchDelays
	if n := committed(t, l); n != 0 {
		t.Fatalf("%d notes committed before their NoteDelay", n)
	}
	in := sampleEvents()[0] // an input
	if in.Kind != KindInput {
		t.Fatalf("sample event 0 is a %v, want an input", in.Kind)
	}
	if _, err := w.Append(in); err != nil {
		t.Fatal(err)
	}
	waitForCount(t, l, 4) // the notes go with the input

	appendNote := func(seq uint64) {
		ev := noteEvent(seq)
		if _, err := w.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	appendNote(5)
	time.Sleep(60 * time.Millisecond)
	if n := committed(t, l); n != 4 {
		t.Fatalf("%d events committed, want 4 (the new note waits)", n)
	}
	if err := w.UpdateMeta(func(m *CallMeta) { m.Source = "changed" }); err != nil {
		t.Fatal(err)
	}
	waitForCount(t, l, 5)

	// Without NoteDelay, notes wait BatchDelay like everything else.
	l2 := tempLog(t, &Options{NoSync: true, BatchDelay: 20 * time.Millisecond})
	w2, _ := l2.CreateCall(CallMeta{})
	appendN(t, w2, 1, 2)
	waitForCount(t, l2, 2)
}

func committed(t *testing.T, l *Log) uint64 {
	t.Helper()
	infos, err := l.Calls()
	if err != nil {
		t.Fatal(err)
	}
	return infos[0].Events
}

func waitForCount(t *testing.T, l *Log, n uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for committed(t, l) < n {
		if time.Now().After(deadline) {
			t.Fatalf("events not committed: %d of %d", committed(t, l), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Appends from several goroutines get distinct gapless seqs; a reader
// running alongside sees consistent snapshots.
func TestConcurrentAppends(t *testing.T) {
	l := tempLog(t, &Options{NoSync: true, BatchSize: 16, BatchDelay: time.Millisecond})
	w, _ := l.CreateCall(CallMeta{})
	var wg sync.WaitGroup
	seen := make([]bool, 4*300+1)
	var mu sync.Mutex
	for g := range 4 {
		wg.Go(func() {
			for i := range 300 {
				seq, err := w.Append(Event{Kind: KindNote, Type: "g", Note: &Note{Text: fmt.Sprint(g, i)}})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[seq] = true
				mu.Unlock()
				if i%100 == 0 {
					w.Flush()
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			r, err := l.Call(w.ID())
			if err != nil {
				t.Error(err)
				return
			}
			c, n := r.Cursor(nil), uint64(0)
			for ev, ok := c.First(); ok; ev, ok = c.Next() {
				if n++; ev.Seq != n {
					t.Errorf("reader saw seq %d at position %d", ev.Seq, n)
				}
			}
			if n != r.Count() || c.Err() != nil {
				t.Errorf("reader: %d events, Count %d, err %v", n, r.Count(), c.Err())
			}
			r.Close()
		}
	})
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for seq := 1; seq < len(seen); seq++ {
		if !seen[seq] {
			t.Fatalf("seq %d never assigned", seq)
		}
	}
	if n := committed(t, l); n != 1200 {
		t.Errorf("%d committed, want 1200", n)
	}
}

func TestClosedAndReadOnlyErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.log")
	l, _ := Open(path, 0o600, &Options{NoSync: true})
	w, _ := l.CreateCall(CallMeta{})
	appendN(t, w, 1, 3)
	if _, err := w.Append(Event{Kind: KindInput}); err == nil {
		t.Error("Append of an invalid event succeeded")
	}
	appendN(t, w, 4, 4) // the failed Append used no seq
	w.Close()
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for name, err := range map[string]error{
		"Append":     func() error { _, err := w.Append(noteEvent(5)); return err }(),
		"Flush":      w.Flush(),
		"UpdateMeta": w.UpdateMeta(func(*CallMeta) {}),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
	r, _ := l.Call(w.ID())
	c := r.Cursor(nil)
	r.Close()
	if _, ok := c.First(); ok || !errors.Is(c.Err(), ErrClosed) {
		t.Errorf("cursor of a closed reader: %v", c.Err())
	}
	if _, err := r.Get(1); !errors.Is(err, ErrClosed) {
		t.Errorf("Get on a closed reader: %v", err)
	}
	r2, _ := l.Call(w.ID())
	l.Close()
	if _, ok := r2.Cursor(nil).First(); ok {
		t.Error("reader still reads after Log.Close")
	}
	if _, err := l.Calls(); !errors.Is(err, ErrClosed) {
		t.Errorf("Calls after Close: %v", err)
	}
	if _, err := l.CreateCall(CallMeta{}); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateCall after Close: %v", err)
	}

	ro, err := Open(path, 0, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.CreateCall(CallMeta{}); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("CreateCall on a read-only log: %v", err)
	}
	if _, err := ro.ResumeCall(w.ID()); err == nil {
		t.Error("ResumeCall on a read-only log succeeded")
	}
	if n := committed(t, ro); n != 4 {
		t.Errorf("read-only log shows %d events, want 4", n)
	}
}

// A failed commit is returned by the next Flush and every later call, and
// the writer stops rather than leave a gap.
func TestCommitFailureIsSticky(t *testing.T) {
	for name, sabotage := range map[string]func(tx *bolt.Tx) error{
		"call deleted":  func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketCalls3) },
		"foreign event": func(tx *bolt.Tx) error { return eventsOf(tx, "s").put(4, []byte("x")) },
	} {
		l := tempLog(t, &Options{NoSync: true, BatchDelay: time.Hour})
		w, _ := l.CreateCall(CallMeta{ID: "s"})
		appendN(t, w, 1, 3)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		appendN(t, w, 4, 6)
		if err := l.db.Update(sabotage); err != nil {
			t.Fatal(err)
		}
		err := w.Flush()
		if err == nil || !strings.Contains(err.Error(), "commit of events 4..6") {
			t.Errorf("%s: Flush: %v", name, err)
		}
		if _, err2 := w.Append(noteEvent(7)); err2 == nil || err2.Error() != err.Error() {
			t.Errorf("%s: Append after the failure: %v", name, err2)
		}
		if err2 := w.Close(); err2 == nil {
			t.Errorf("%s: Close after the failure returned nil", name)
		}
	}
}

// Events a cursor returned stay intact while it moves on: their strings
// share blocks that later events are appended to.
func TestCursorEventsStayValid(t *testing.T) {
	l := tempLog(t, &Options{NoSync: true})
	w, _ := l.CreateCall(CallMeta{})
	appendN(t, w, 1, 3000)
	w.Close()
	r, _ := l.Call(w.ID())
	defer r.Close()
	var evs []Event
	c := r.Cursor(nil)
	for ev, ok := c.First(); ok; ev, ok = c.Next() {
		evs = append(evs, ev)
	}
	for ev, ok := c.Last(); ok; ev, ok = c.Prev() {
		evs = append(evs, ev)
	}
	if len(evs) != 6000 {
		t.Fatalf("read %d events", len(evs))
	}
	for i, ev := range evs {
		seq := uint64(i + 1)
		if i >= 3000 {
			seq = uint64(6000 - i)
		}
		checkNoteEvent(t, ev, seq)
	}
}

// The same operations give a byte-identical file, so that a simulation's
// log is reproducible from its seed.
func TestSameOperationsSameFile(t *testing.T) {
	write := func() []byte {
		path := filepath.Join(t.TempDir(), "d.log")
		l, err := Open(path, 0o600, &Options{NoSync: true, BatchDelay: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"b", "a", ""} {
			w, err := l.CreateCall(CallMeta{ID: id, Labels: map[string]string{"x": "1", "y": "2"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range sampleEvents() {
				w.UpdateMeta(func(m *CallMeta) { m.Endpoints = append(m.Endpoints, ev.Endpoint) })
				w.Append(ev)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		}
		l.Close()
		data, _ := os.ReadFile(path)
		return data
	}
	first := write()
	for i := range 10 {
		if !bytes.Equal(write(), first) {
			t.Fatalf("run %d wrote a different file", i+1)
		}
	}
}

// A call whose index entry a crash prevented is listed after the others.
func TestCallMissingFromIndex(t *testing.T) {
	path := makeLog(t, 2)
	rewrite(t, path, func(tx *bolt.Tx) error {
		_, err := createCall3(tx, &CallMeta{ID: "orphan", FormatVersion: FormatVersion})
		return err
	})
	l, err := Open(path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	infos, err := l.Calls()
	if err != nil || len(infos) != 2 || infos[0].Meta.ID != "c" || infos[1].Meta.ID != "orphan" {
		t.Fatalf("Calls = %+v, %v", infos, err)
	}
	w, err := l.CreateCall(CallMeta{})
	if err != nil || w.ID() != "call-0002" {
		t.Fatalf("CreateCall: %v, %v", w, err)
	}
}
