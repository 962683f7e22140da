package eventlog

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/econn"
)

// filledMeta is a CallMeta with every field set, Start with a zone.
func filledMeta(t *testing.T) CallMeta {
	var m CallMeta
	n := 0
	v := reflect.ValueOf(&m).Elem()
	for i := range v.NumField() {
		if v.Type().Field(i).Name != "Start" {
			fill(t, v.Field(i), &n)
		}
	}
	m.Start = time.Date(2026, 11, 27, 19, 30, 1, 234, time.FixedZone("", 5*3600+30*60))
	return m
}

// The binary meta keeps every field: one a new field the encoding forgets
// shows up here.
func TestMetaRoundTripEveryField(t *testing.T) {
	for _, m := range []CallMeta{filledMeta(t), {}, {Endpoints: []Endpoint{}, Conns: []ConnMeta{}, Labels: map[string]string{}}} {
		var got CallMeta
		if err := decodeMeta(appendMeta(nil, &m), &got); err != nil {
			t.Fatal(err)
		}
		if !got.Start.Equal(m.Start) {
			t.Errorf("Start %v, want %v", got.Start, m.Start)
		}
		_, wantOff := m.Start.Zone()
		if _, off := got.Start.Zone(); off != wantOff {
			t.Errorf("Start's zone offset %d, want %d", off, wantOff)
		}
		got.Start, m.Start = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("meta round trip:\n got %+v\nwant %+v", got, m)
		}
	}
}

func TestDecodeMetaRejects(t *testing.T) {
	m := filledMeta(t)
	data := appendMeta(nil, &m)
	for i := range data {
		var got CallMeta
		if err := decodeMeta(data[:i], &got); err == nil {
			t.Fatalf("meta truncated to %d of %d bytes decoded", i, len(data))
		}
	}
	var got CallMeta
	if err := decodeMeta(append(data, 0), &got); err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Errorf("trailing byte: %v", err)
	}
	data[0] = 9
	if err := decodeMeta(data, &got); err == nil || !strings.Contains(err.Error(), "meta encoding 9") {
		t.Errorf("unknown encoding: %v", err)
	}
}

// outcomeEvents is a call of two connections: one closed by a timeout
// after ringing, one still in a call.
func outcomeEvents() []Event {
	a, b := Endpoint{"A", "1"}, Endpoint{"B", "1"}
	return []Event{
		{Endpoint: a, Conn: "a", Kind: KindInput, Input: NewConn{Config: econn.Config{UserID: "A", ClientID: "1", SessID: "a"}}},
		{Endpoint: a, Conn: "a", Kind: KindOutput, Output: econn.StateChanged{From: econn.StateIdle, To: econn.StatePendingOutgoing}},
		{Endpoint: b, Conn: "b", Kind: KindInput, Input: NewConn{Config: econn.Config{UserID: "B", ClientID: "1", SessID: "b"}}},
		{Endpoint: b, Conn: "b", Kind: KindOutput, Output: econn.StateChanged{From: econn.StateIdle, To: econn.StateAnswered}},
		{Endpoint: a, Conn: "a", Kind: KindOutput, Output: econn.Closed{Reason: econn.ErrTimedOut}},
		{Endpoint: b, Conn: "zz", Kind: KindOutput, Output: econn.StateChanged{To: econn.StateTerminating}}, // no such conn
	}
}

// The outcome is stored when the writer closes, not before; ResumeCall
// drops it until the writer closes again, and the new one goes on from
// the old, whether it was stored or (after a crash) read from the events.
func TestOutcomeStoredAtClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.log")
	l, err := Open(path, 0o600, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { l.Close() }()
	w, _ := l.CreateCall(CallMeta{ID: "c"})
	evs := outcomeEvents()
	for _, ev := range evs[:4] {
		if _, err := w.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := []ConnOutcome{{Endpoint: Endpoint{"A", "1"}, Conn: "a", State: econn.StatePendingOutgoing},
		{Endpoint: Endpoint{"B", "1"}, Conn: "b", State: econn.StateAnswered}}
	checkOutcome(t, l, nil)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	checkOutcome(t, l, want)

	w, err = l.ResumeCall("c")
	if err != nil {
		t.Fatal(err)
	}
	checkOutcome(t, l, nil)
	w.Append(evs[4])
	w.Append(evs[5])
	w.Close()
	want[0].Closed, want[0].Reason = true, econn.ErrorName(econn.ErrTimedOut)
	checkOutcome(t, l, want)

	// A writer that never closed (a crash) stores nothing; the next one
	// reads the outcome so far from the events.
	w, _ = l.ResumeCall("c")
	w.Append(Event{Endpoint: Endpoint{"B", "1"}, Conn: "b", Kind: KindOutput,
		Output: econn.StateChanged{From: econn.StateAnswered, To: econn.StateTerminating}})
	w.Flush()
	l.mu.Lock()
	delete(l.writers, "c") // forgotten, as a crash would
	l.mu.Unlock()
	w, err = l.ResumeCall("c")
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	want[1].State = econn.StateTerminating
	checkOutcome(t, l, want)
}

func checkOutcome(t *testing.T, l *Log, want []ConnOutcome) {
	t.Helper()
	infos, err := l.Calls()
	if err != nil {
		t.Fatal(err)
	}
	if got := infos[0].Outcome; !reflect.DeepEqual(got, want) {
		t.Errorf("outcome %+v, want %+v", got, want)
	}
}

// A JSON meta (formats 1 and 2) that Calls decoded is not decoded again
// by Call while its bytes are the same, and a caller changing what it got
// does not change the cache.
func TestMetaCache(t *testing.T) {
	l, err := Open(filepath.Join("..", "testdata", "compat", "v2", "scenarios.db"), 0, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	infos, err := l.Calls()
	if err != nil {
		t.Fatal(err)
	}
	if len(l.metas.m) != len(infos) || len(infos) == 0 {
		t.Fatalf("%d metas cached for %d calls", len(l.metas.m), len(infos))
	}
	want := infos[0].Meta.clone()
	infos[0].Meta.Endpoints[0].User = "changed"
	// A cached entry is what Call uses: mark it, and see the mark.
	id := want.ID
	e := l.metas.m[id]
	e.meta.Scenario = "from the cache"
	l.metas.m[id] = e
	r, err := l.Call(id)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := r.Meta()
	if got.Scenario != "from the cache" || got.Endpoints[0].User != want.Endpoints[0].User {
		t.Errorf("Call's meta %+v: not the cached one, or changed by a caller", got)
	}
	// Other bytes: decoded again.
	e.raw = []byte("{}")
	l.metas.m[id] = e
	r2, _ := l.Call(id)
	defer r2.Close()
	if r2.Meta().Scenario != want.Scenario {
		t.Errorf("a meta whose bytes changed came from the cache: %+v", r2.Meta())
	}
}
