package viewer

import (
	"fmt"
	"strings"
	"testing"
)

// modelIn returns a model in mode md with the glare call open (or, for
// modeList, a log of two calls).
func modelIn(t *testing.T, md mode) *Model {
	t.Helper()
	if md == modeList {
		a, b := glareCall(t), glareCall(t)
		b.meta.ID = "second"
		m, err := New(memCatalog{a, b}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m, _ := openGlare(t, Options{At: 14})
	switch md {
	case modeZoom:
		press(m, "z")
	case modeHelp:
		press(m, "h")
	}
	if got := m.helpFrom(); m.help != (md == modeHelp) || m.zoom != (md == modeZoom) || got != modeCall {
		t.Fatalf("model for mode %d: help %t zoom %t", md, m.help, m.zoom)
	}
	return m
}

var modeNames = map[mode]string{0: "prompt", modeCall: "call", modeZoom: "zoom", modeList: "list", modeHelp: "help", modeAny: "any"}

// Every entry of the key table is a line of the help screen, shown where
// its keys work: help opened from the call list shows the list's keys,
// help opened from a call the call's.
func TestKeyTableOnHelpScreen(t *testing.T) {
	screens := map[mode]string{}
	for _, from := range []mode{modeCall, modeList} {
		m := modelIn(t, from)
		press(m, "h")
		screens[from] = dump(paint(t, m, 200, 80))
	}
	for _, e := range keyTable {
		name := e.keys + " " + e.what
		switch {
		case e.keys == "" && len(e.binds) > 0:
			t.Errorf("heading %q has key bindings", e.what)
		case e.info && len(e.binds) > 0:
			t.Errorf("info line %q has key bindings", name)
		case e.keys != "" && !e.info && len(e.binds) == 0:
			t.Errorf("help line %q binds no key", name)
		}
		want := strings.TrimRight(" "+padRight("  "+e.keys, helpKeyWidth)+e.what, " ")
		if e.keys == "" {
			want = " " + e.what
		}
		for _, from := range helpContexts(e) {
			if !strings.Contains(screens[from], "\n"+want+"\n") {
				t.Errorf("help opened from the %s lacks %q", modeNames[from], want)
			}
		}
	}
	if strings.Contains(screens[modeCall], "open the selected call") {
		t.Error("help opened from a call shows the call list's Enter")
	}
}

// helpContexts lists where the help must show entry e: where its
// bindings work; a heading or info line everywhere unless it says
// otherwise.
func helpContexts(e keyEntry) []mode {
	if len(e.binds) == 0 && e.only != 0 {
		return []mode{e.only}
	}
	if len(e.binds) == 0 {
		return []mode{modeCall, modeList}
	}
	var in mode
	for _, b := range e.binds {
		in |= b.modes
	}
	var out []mode
	if in&(modeCall|modeZoom|modeHelp|modeAny) != 0 {
		out = append(out, modeCall)
	}
	if in&(modeList|modeHelp|modeAny) != 0 {
		out = append(out, modeList)
	}
	return out
}

// Every binding of the key table is what its keys do in its modes: the
// model, in that mode, runs that binding's function and no other. Ctrl-C
// (modeAny) works in every mode, at a prompt too.
func TestKeyTableDispatches(t *testing.T) {
	type at struct{ entry, bind int }
	var got []at
	table := make([]keyEntry, len(keyTable))
	for i, e := range keyTable {
		table[i] = e
		table[i].binds = make([]binding, len(e.binds))
		for j, b := range e.binds {
			b.do = func(*Model) Cmd {
				got = append(got, at{i, j})
				return nil
			}
			table[i].binds[j] = b
		}
	}
	for i, e := range keyTable {
		for j, b := range e.binds {
			for _, md := range []mode{modeCall, modeZoom, modeList, modeHelp, modeAny} {
				if b.modes&md == 0 {
					continue
				}
				models := []mode{md}
				if md == modeAny {
					models = []mode{modeCall, modeZoom, modeList, modeHelp, 0}
				}
				for _, in := range models {
					for _, k := range b.keys {
						m := modelIn(t, max(in, modeCall))
						if in == 0 {
							m.ask(promptGoto, "12")
						}
						m.keys, got = table, nil
						m.Update(k)
						if len(got) != 1 || got[0] != (at{i, j}) {
							t.Errorf("%q: key %v in mode %s ran bindings %v, want [%v]", e.keys, k, modeNames[in], got, at{i, j})
						}
					}
				}
			}
		}
	}
}

// A key the table does not bind does nothing: no key works outside the
// table (but for the prompt's line editing), and in the help screen an
// unbound key only closes it, as its help line says.
func TestUnboundKeysDoNothing(t *testing.T) {
	var keys []Key
	for c := KeyUp; c <= KeyCtrlC; c++ {
		keys = append(keys, Key{Code: c})
	}
	for r := ' '; r <= '~'; r++ {
		keys = append(keys, Rune(r))
	}
	for _, md := range []mode{modeCall, modeZoom, modeList, modeHelp} {
		for _, k := range keys {
			m := modelIn(t, md)
			if m.lookup(modeAny, k) != nil || m.lookup(md, k) != nil || md == modeZoom && m.lookup(modeCall, k) != nil {
				continue
			}
			before := modelState(m)
			cmd := m.Update(k)
			if md == modeHelp {
				if m.help {
					t.Errorf("help: unbound key %v left the help open", k)
				}
				m.help = true
			}
			if after := modelState(m); after != before || cmd != nil {
				t.Errorf("%s: unbound key %v changed the model:\n%s\n%s (cmd %v)", modeNames[md], k, before, after, cmd)
			}
		}
	}
}

// modelState renders what a key may change.
func modelState(m *Model) string {
	return fmt.Sprintf("list %t/%d/%d help %t/%d prompt %v cursor %d top %d zoom %t diff %t off %d pin %q filter %q breaks %v search %q scan %t msg %q",
		m.inList, m.listCur, m.listTop, m.help, m.helpOff, m.prompt != nil, m.cursor, m.top, m.zoom, m.diff, m.detailOff,
		m.pin, m.filter, m.breaks, m.search, m.Scanning(), m.msg)
}
