package fleet

import (
	"net/url"
	"testing"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

func TestToken(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "_"},
		{"abc-XYZ_09", "abc-XYZ_09"},
		{"a.b", "a%2Eb"},
		{"a b*>", "a%20b%2A%3E"},
		{"100%", "100%25"},
		{"é", "%C3%A9"},
	} {
		got := Token(tc.in)
		if got != tc.want {
			t.Errorf("Token(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// Reversible: %XX is URL escaping.
		if back, err := url.PathUnescape(got); tc.in != "" && (err != nil || back != tc.in) {
			t.Errorf("Token(%q) = %q does not unescape back (%q, %v)", tc.in, got, back, err)
		}
	}
}

func TestRecordingID(t *testing.T) {
	meta := eventlog.CallMeta{ID: "call-0001", Start: time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC),
		Endpoints: []eventlog.Endpoint{{User: "A", Client: "1"}},
		Labels:    map[string]string{"conv": "c.1"}}
	noConn := RecordingID(&meta)
	meta.Conns = []eventlog.ConnMeta{{Config: econn.Config{SessID: "s1"}}}
	id := RecordingID(&meta)
	if len(id) != 32 || id == noConn {
		t.Fatalf("id %q (without a connection %q)", id, noConn)
	}
	// What a call gains later does not change it.
	meta.Conns = append(meta.Conns, eventlog.ConnMeta{Config: econn.Config{SessID: "s2"}})
	meta.ToolVersion = "other"
	if RecordingID(&meta) != id {
		t.Errorf("a second connection changed the id")
	}
	for name, change := range map[string]func(*eventlog.CallMeta){
		"start":    func(m *eventlog.CallMeta) { m.Start = m.Start.Add(1) },
		"id":       func(m *eventlog.CallMeta) { m.ID = "call-0002" },
		"endpoint": func(m *eventlog.CallMeta) { m.Endpoints = []eventlog.Endpoint{{User: "A", Client: "2"}} },
		"session":  func(m *eventlog.CallMeta) { m.Conns = []eventlog.ConnMeta{{Config: econn.Config{SessID: "s3"}}} },
	} {
		m := meta
		change(&m)
		if RecordingID(&m) == id {
			t.Errorf("a different %s gives the same id", name)
		}
	}
	if got, want := Subject(&meta, id), "callrec.ev.c%2E1."+id+".A-1"; got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	meta.Endpoints = append(meta.Endpoints, eventlog.Endpoint{User: "B", Client: "1"})
	if got := DeviceToken(&meta); got != DeviceAll {
		t.Errorf("device of two endpoints %q, want %q", got, DeviceAll)
	}
}
