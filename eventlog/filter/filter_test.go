package filter_test

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/filter"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		expr, want string // want: the canonical form
	}{
		{"", ""},
		{"   ", ""},
		{"type=SETUP", "type=SETUP"},
		{"TYPE=setup", "type=SETUP"},
		{"type=setup ep=A", "ep=A type=SETUP"},
		{"endpoint=A/1 ep=B", "ep=A/1,B"},
		{"ep=A/1,a/1,A", "ep=A/1,A"}, // ids ignore case: a/1 repeats A/1
		{"kind=INPUT,note kind=input", "kind=input,note"},
		{"type=statechanged,closed", "type=StateChanged,Closed"},
		{"type=Start type=app.start", "type=Start,app.start"},
		{"type=Media.ICE type=media.ice", "type=Media.ICE"},
		{"type=SETUP type=HANGUP", "type=SETUP,HANGUP"},
		{"type=devpair_accept", "type=DEVPAIR_ACCEPT"},
		{"conn=9GMi,- conn=9gmi", "conn=9GMi,-"},
		{"type=Recv kind=input conn=x ep=B/2", "ep=B/2 conn=x kind=input type=Recv"},
		{"type=a=b", "type=a=b"},
		{"ep=A/1/2", "ep=A/1/2"}, // the client is everything after the first slash
	} {
		f, err := filter.Parse(tc.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.expr, err)
			continue
		}
		if got := f.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.expr, got, tc.want)
		}
		if f.Empty() != (tc.want == "") {
			t.Errorf("Parse(%q).Empty() = %v", tc.expr, f.Empty())
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"ep", `filter term "ep": want key=value, key one of ep, conn, kind or type`},
		{"type=SETUP SETUP", `filter term "SETUP": want key=value, key one of ep, conn, kind or type`},
		{"color=red", `filter term "color=red": unknown key "color": want ep, conn, kind or type`},
		{"=x", `filter term "=x": unknown key "": want ep, conn, kind or type`},
		{"kind=sideways", `filter term "kind=sideways": kind "sideways": want input, output or note`},
		{"type=", `filter term "type=": empty value`},
		{"ep=A,,B", `filter term "ep=A,,B": empty value`},
		{"ep=/1", `filter term "ep=/1": endpoint "/1": want user or user/client`},
		{"ep=A/", `filter term "ep=A/": endpoint "A/": want user or user/client`},
		{"type=a\x00b", `filter term "type=a\x00b": value "a\x00b" has a control character`},
		{"conn=\xff", `filter term "conn=\xff": value "\xff" is not valid UTF-8`},
		{"kind=input kind=output ep=A ep", `filter term "ep": want key=value, key one of ep, conn, kind or type`},
	} {
		f, err := filter.Parse(tc.expr)
		if err == nil {
			t.Errorf("Parse(%q) = %q, want error %s", tc.expr, f, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Parse(%q):\n got %s\nwant %s", tc.expr, err, tc.want)
		}
		var te *filter.TermError
		if !errors.As(err, &te) {
			t.Errorf("Parse(%q): %T is not a *TermError", tc.expr, err)
		}
		if !f.Empty() {
			t.Errorf("Parse(%q) failed but returned %q", tc.expr, f)
		}
	}
}

func TestWith(t *testing.T) {
	base, err := filter.Parse("kind=input")
	if err != nil {
		t.Fatal(err)
	}
	f, err := base.With("type", "SETUP", "hangup")
	if err != nil {
		t.Fatal(err)
	}
	f, err = f.With("ep", "A")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.String(), "ep=A kind=input type=SETUP,HANGUP"; got != want {
		t.Errorf("With: %q, want %q", got, want)
	}
	if base.String() != "kind=input" {
		t.Errorf("With changed its receiver: %q", base)
	}
	for _, tc := range []struct {
		key    string
		values []string
		want   string
	}{
		{"type", []string{"SETUP", "a b"}, `filter term "type=SETUP,a b": value "a b" has a space or a comma`},
		{"ep", []string{"A,B"}, `filter term "ep=A,B": value "A,B" has a space or a comma`},
		{"ep", []string{""}, `filter term "ep=": empty value`},
		{"kind", []string{"in"}, `filter term "kind=in": kind "in": want input, output or note`},
		{"colour", []string{"red"}, `filter term "colour=red": unknown key "colour": want ep, conn, kind or type`},
	} {
		if _, err := base.With(tc.key, tc.values...); err == nil || err.Error() != tc.want {
			t.Errorf("With(%q, %q): %v, want %s", tc.key, tc.values, err, tc.want)
		}
	}
}

// glare reads the events of testdata/golden/04-glare.log: A/1 (conn 9GMi)
// and B/2 (conn cph5) both send a SETUP, each receives the other's.
func glare(t testing.TB) (*eventlog.CallReader, []eventlog.Event) {
	t.Helper()
	l, err := eventlog.Open(filepath.Join("..", "..", "testdata", "golden", "04-glare.log"), 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	calls, err := l.Calls()
	if err != nil || len(calls) != 1 {
		t.Fatalf("calls %v: %v", calls, err)
	}
	r, err := l.Call(calls[0].Meta.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	var evs []eventlog.Event
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		evs = append(evs, ev)
	}
	if err := cur.Err(); err != nil || len(evs) != 19 {
		t.Fatalf("%d events: %v", len(evs), err)
	}
	return r, evs
}

func seqRange(from, to uint64) []uint64 {
	var s []uint64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// TestMatchGlare checks Match on every event of a real log, and that a
// cursor with the compiled filter, then Match, keeps the same events.
func TestMatchGlare(t *testing.T) {
	r, evs := glare(t)
	for _, tc := range []struct {
		expr string
		want []uint64
	}{
		{"", seqRange(1, 19)},
		{"type=SETUP", []uint64{6, 13, 15, 17}},
		{"type=SETUP ep=A", []uint64{6, 17}},
		{"type=setup ep=b/2 kind=input", []uint64{15}},
		{"type=Send", []uint64{6, 13}},
		{"type=Recv", []uint64{15, 17}},
		{"type=HANGUP", nil},
		{"type=Start", []uint64{4, 11}},
		{"type=APP.START", []uint64{3, 10}},
		{"type=StateChanged,Answered", []uint64{5, 12, 18, 19}},
		{"type=StateChanged type=setup", []uint64{5, 6, 12, 13, 15, 17, 18}},
		{"ep=B", seqRange(8, 16)},
		{"ep=a/1 kind=input", []uint64{1, 4, 17}},
		{"ep=A/2", nil},
		{"ep=Z/9", nil},
		{"ep=A,B/2 kind=note", []uint64{3, 10}},
		{"conn=CPH5 kind=output", []uint64{9, 12, 13, 14, 16}},
		{"conn=-", nil},
		{"kind=output type=New", nil},
		{"kind=input type=New", []uint64{1, 8}},
	} {
		f, err := filter.Parse(tc.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.expr, err)
		}
		var got []uint64
		for _, ev := range evs {
			if f.Match(ev) {
				got = append(got, ev.Seq)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: Match keeps %v, want %v", tc.expr, got, tc.want)
		}
		var viaCursor []uint64
		cur := r.Cursor(f.Compile())
		for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
			if f.Match(ev) {
				viaCursor = append(viaCursor, ev.Seq)
			}
		}
		if err := cur.Err(); err != nil || !slices.Equal(viaCursor, tc.want) {
			t.Errorf("%q: cursor with %+v then Match keeps %v (%v), want %v", tc.expr, f.Compile(), viaCursor, err, tc.want)
		}
	}
}

// TestCompile checks what the header decides: it must never drop an event
// Match keeps (TestMatchGlare), and should narrow what it can.
func TestCompile(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want *eventlog.Filter
	}{
		{"", nil},
		{"ep=A/1 conn=x", nil}, // ids ignore case; the header compares them exactly
		{"kind=note,input", &eventlog.Filter{Kinds: []eventlog.Kind{eventlog.KindNote, eventlog.KindInput}}},
		{"type=SETUP", &eventlog.Filter{Types: []string{"Recv", "Send"}}},
		{"type=propsync,statechanged", &eventlog.Filter{Types: []string{"Recv", "Send", "StateChanged", eventlog.NotePropsync}}},
		{"type=SETUP,media.ice kind=note", &eventlog.Filter{Kinds: []eventlog.Kind{eventlog.KindNote}}}, // a note type ignores case
	} {
		f, err := filter.Parse(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		got := f.Compile()
		if (got == nil) != (tc.want == nil) || got != nil &&
			(!slices.Equal(got.Kinds, tc.want.Kinds) || !slices.Equal(got.Types, tc.want.Types) || got.Endpoints != nil || got.Conn != "") {
			t.Errorf("%q: Compile() = %+v, want %+v", tc.expr, got, tc.want)
		}
	}
}

func TestMsgTypeOf(t *testing.T) {
	_, evs := glare(t)
	setup := evs[14] // B/2 receives A's SETUP
	if mt, ok := filter.MsgTypeOf(setup); !ok || mt != econn.MsgSetup {
		t.Fatalf("event 15: %v %v", mt, ok)
	}
	rv := setup.Input.(eventlog.RecvInput)
	undecodable := setup
	rv.Data = []byte("{")
	undecodable.Input = rv
	decodeErr := setup
	rv = setup.Input.(eventlog.RecvInput)
	rv.DecodeErr = "ErrInvalid"
	decodeErr.Input = rv
	propsync := eventlog.Event{Kind: eventlog.KindNote, Type: eventlog.NotePropsync}
	for _, tc := range []struct {
		name string
		ev   eventlog.Event
		want econn.MsgType
		ok   bool
	}{
		{"send", evs[5], econn.MsgSetup, true},
		{"recv", evs[16], econn.MsgSetup, true},
		{"decoded recv", eventlog.Event{Kind: eventlog.KindInput, Type: "Recv", Input: eventlog.StepInput{In: econn.Recv{Msg: &econn.Message{Type: econn.MsgHangup}}}}, econn.MsgHangup, true},
		{"undecodable", undecodable, 0, false},
		{"decode error recorded", decodeErr, 0, false},
		{"propsync note", propsync, econn.MsgPropsync, true},
		{"other note", evs[2], 0, false},
		{"state change", evs[4], 0, false},
	} {
		mt, ok := filter.MsgTypeOf(tc.ev)
		if mt != tc.want || ok != tc.ok {
			t.Errorf("%s: %v %v, want %v %v", tc.name, mt, ok, tc.want, tc.ok)
		}
	}
	f, _ := filter.Parse("type=PROPSYNC")
	if !f.Match(propsync) || f.Match(evs[14]) {
		t.Error("type=PROPSYNC: wrong on the propsync note or on a SETUP")
	}
	// MatchMsg trusts the caller's message type.
	f, _ = filter.Parse("type=HANGUP")
	if !f.MatchMsg(setup, econn.MsgHangup, true) || f.MatchMsg(setup, econn.MsgSetup, true) || f.Match(setup) {
		t.Error("MatchMsg does not use the message type it is given")
	}
}

func TestConnNone(t *testing.T) {
	f, _ := filter.Parse("conn=-")
	note := eventlog.Event{Kind: eventlog.KindNote, Type: "media.ice", Endpoint: eventlog.Endpoint{User: "A", Client: "1"}}
	if !f.Match(note) {
		t.Error("conn=- drops an event of no connection")
	}
	note.Conn = "-x"
	if f.Match(note) {
		t.Error("conn=- keeps an event of a connection")
	}
}

func TestMatchEndpoint(t *testing.T) {
	f, _ := filter.Parse("ep=a,B/2")
	for _, tc := range []struct {
		ep   eventlog.Endpoint
		want bool
	}{
		{eventlog.Endpoint{User: "A", Client: "1"}, true},
		{eventlog.Endpoint{User: "A", Client: "7"}, true},
		{eventlog.Endpoint{User: "b", Client: "2"}, true},
		{eventlog.Endpoint{User: "B", Client: "1"}, false},
		{eventlog.Endpoint{User: "AA", Client: "1"}, false},
	} {
		if got := f.MatchEndpoint(tc.ep); got != tc.want {
			t.Errorf("MatchEndpoint(%v) = %v", tc.ep, got)
		}
	}
	if !(filter.Filter{}).MatchEndpoint(eventlog.Endpoint{User: "Z"}) {
		t.Error("a filter without ep= drops an endpoint")
	}
}

// FuzzParse checks that Parse never panics, that an accepted expression's
// canonical form parses to itself and keeps the same events, and that a
// rejected one names a term of it.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "type=SETUP ep=A", "ep=A/1,B kind=input,note", "conn=- type=media.ice",
		"kind=sideways", "ep=/", "type=a\x00", "TYPE=statechanged type=Start,setup", "x", "=,"} {
		f.Add(s)
	}
	r, evs := glare(f)
	f.Fuzz(func(t *testing.T, expr string) {
		flt, err := filter.Parse(expr)
		if err != nil {
			var te *filter.TermError
			if !errors.As(err, &te) || !utf8.ValidString(err.Error()) {
				t.Fatalf("Parse(%q): error %v is not a readable *TermError", expr, err)
			}
			return
		}
		canon := flt.String()
		again, err := filter.Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) ok, its String %q fails: %v", expr, canon, err)
		}
		if again.String() != canon {
			t.Fatalf("String not canonical: %q -> %q -> %q", expr, canon, again.String())
		}
		header := map[uint64]bool{}
		cur := r.Cursor(flt.Compile())
		for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
			header[ev.Seq] = true
		}
		for _, ev := range evs {
			if flt.Match(ev) != again.Match(ev) {
				t.Fatalf("%q and its String %q disagree on event %d", expr, canon, ev.Seq)
			}
			if flt.Match(ev) && !header[ev.Seq] {
				t.Fatalf("%q: Compile() = %+v drops event %d, which Match keeps", expr, flt.Compile(), ev.Seq)
			}
		}
	})
}

// BenchmarkMatch runs Match over the glare call's 19 events: kind= alone
// (no lookup), ep= with ids to fold, and a message type, which decodes the
// received bytes; MatchMsg is the last given the message type.
func BenchmarkMatch(b *testing.B) {
	_, evs := glare(b)
	for _, expr := range []string{"kind=input", "ep=a/1 conn=9gmi", "type=SETUP ep=A"} {
		f, err := filter.Parse(expr)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(expr, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, ev := range evs {
					f.Match(ev)
				}
			}
		})
	}
	f, _ := filter.Parse("type=SETUP ep=A")
	mts := make([]econn.MsgType, len(evs))
	oks := make([]bool, len(evs))
	for i, ev := range evs {
		mts[i], oks[i] = filter.MsgTypeOf(ev)
	}
	b.Run("MatchMsg/type=SETUP ep=A", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i, ev := range evs {
				f.MatchMsg(ev, mts[i], oks[i])
			}
		}
	})
}
