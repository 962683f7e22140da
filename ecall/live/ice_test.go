package live

import (
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/internal/turntest"
	"github.com/callrec/callrec/mediaflow"
)

func TestParseICE(t *testing.T) {
	good := []struct {
		specs []string
		want  ICE
		text  string
	}{
		{nil, ICE{}, "loopback"},
		{[]string{"host"}, ICE{Host: true}, "host candidates on every interface"},
		{[]string{"host=eth0", "host=wlan0"}, ICE{Host: true, Interfaces: []string{"eth0", "wlan0"}},
			"host candidates on eth0, wlan0"},
		{[]string{"stun=stun:10.0.0.1:3478"}, ICE{Host: true, STUN: []string{"stun:10.0.0.1:3478"}},
			"host candidates on every interface; STUN stun:10.0.0.1:3478"},
		{[]string{"turn=turn:10.0.0.1:3478", "turn-user=u", "turn-pass=p", "relay-only"},
			ICE{Host: true, TURN: []string{"turn:10.0.0.1:3478"}, TURNUser: "u", TURNPass: "p", RelayOnly: true},
			"host candidates on every interface; TURN turn:10.0.0.1:3478 as u; relay only"},
		{[]string{"failed-after=3s", "restart-within=8s"}, ICE{FailedTimeout: 3 * time.Second, RestartTimeout: 8 * time.Second},
			"loopback"},
		{[]string{"host", "failed-after=3s", "restart-within=8s"},
			ICE{Host: true, FailedTimeout: 3 * time.Second, RestartTimeout: 8 * time.Second},
			"host candidates on every interface; fails after 3s; restarts within 8s"},
	}
	for _, c := range good {
		got, err := ParseICE(c.specs)
		if err != nil || !reflect.DeepEqual(got, c.want) || got.String() != c.text {
			t.Errorf("ParseICE(%q) = %+v %q, %v; want %+v %q", c.specs, got, got, err, c.want, c.text)
		}
		if strings.Contains(got.String(), "p;") {
			t.Errorf("String() shows the TURN password: %q", got)
		}
	}
	bad := map[string][]string{
		`"host=": host= needs an interface name`:          {"host="},
		`"relay-only=x": relay-only takes no value`:       {"relay-only=x"},
		`"stun=http://x": want a stun: or stuns: URL`:     {"stun=http://x"},
		`"turn=stun:x:1": want a turn: or turns: URL`:     {"turn=stun:x:1"},
		`"stun": stun needs a value`:                      {"stun"},
		`"mdns=on": unknown setting`:                      {"mdns=on"},
		`"failed-after=0s": want a positive duration`:     {"failed-after=0s"},
		`"restart-within=soon": want a positive duration`: {"restart-within=soon"},
		"relay-only needs a TURN server":                  {"relay-only"},
		"a TURN server needs turn-user and turn-pass":     {"turn=turn:x:1", "turn-user=u"},
		"turn-user and turn-pass need a TURN server":      {"turn-user=u"},
	}
	for want, specs := range bad {
		if _, err := ParseICE(specs); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("ParseICE(%q) = %v, want an error starting %q", specs, err, want)
		}
	}
}

func TestICEApply(t *testing.T) {
	o := mediaflow.DefaultOptions()
	ICE{}.Apply(&o)
	if !o.Loopback || o.ICEServers != nil {
		t.Errorf("zero ICE changed the options: %+v", o)
	}
	ICE{FailedTimeout: time.Second}.Apply(&o)
	if !o.Loopback || o.ICEFailedTimeout != time.Second {
		t.Errorf("loopback ICE with a timeout: %+v", o)
	}
	o.ICEFailedTimeout = 0
	ice := ICE{Host: true, Interfaces: []string{"eth0"}, STUN: []string{"stun:s:1"},
		TURN: []string{"turn:t:1"}, TURNUser: "u", TURNPass: "p", RelayOnly: true}
	ice.Apply(&o)
	if o.Loopback || !o.RelayOnly || !reflect.DeepEqual(o.Interfaces, []string{"eth0"}) || len(o.ICEServers) != 2 ||
		o.ICEServers[1].Username != "u" || o.ICEServers[1].Credential != "p" || o.ICEServers[0].URLs[0] != "stun:s:1" {
		t.Errorf("Apply: %+v", o)
	}
}

// A call whose devices send media through a TURN server only: both
// record the selected pair as a relay pair, and the log replays.
func TestCallThroughTURN(t *testing.T) {
	srv, err := turntest.Start("127.0.0.1:0", "127.0.0.1", "dev", "secret")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ice, err := ParseICE([]string{"turn=" + srv.URL(), "turn-user=dev", "turn-pass=secret", "relay-only"})
	if err != nil {
		t.Fatal(err)
	}
	wd := newWorld(t)
	var mu sync.Mutex
	pairs := map[string]map[string]string{} // endpoint → the last pair note's attributes
	relayOnly := func(cfg *DeviceConfig) {
		media := mediaflow.DefaultOptions()
		ice.Apply(&media)
		cfg.Media = &media
		observe := cfg.Observe
		cfg.Observe = func(ev eventlog.Event) {
			observe(ev)
			if ev.Kind == eventlog.KindNote && ev.Type == "media.ice-pair" {
				mu.Lock()
				pairs[ev.Endpoint.String()] = ev.Note.Attrs
				mu.Unlock()
			}
		}
	}
	a, b := wd.add("A/1", relayOnly), wd.add("B/1", relayOnly)
	establish(t, a, b)
	wait(t, b, "audio", func(c []CallInfo) bool { return c[0].Stats.AudioRecv.Packets >= 10 })
	if err := a.End(); err != nil {
		t.Fatal(err)
	}
	wait(t, a, "closed", allClosed)
	wait(t, b, "closed", allClosed)
	mu.Lock()
	for _, ep := range []string{"A/1", "B/1"} {
		p := pairs[ep]
		if p["type"] != "relay" || p["local.type"] != "relay" || !strings.HasPrefix(p["local"], "relay udp 127.0.0.1:") {
			t.Errorf("%s recorded pair %v, want relay to relay", ep, p)
		}
	}
	mu.Unlock()
	if srv.Allocations() < 2 {
		t.Errorf("TURN server allocated %d relays, want one per device", srv.Allocations())
	}
	wd.verify()
}

func TestPairType(t *testing.T) {
	for _, c := range [][3]string{
		{"host", "host", "host"}, {"host", "prflx", "srflx"}, {"srflx", "host", "srflx"},
		{"relay", "host", "relay"}, {"srflx", "relay", "relay"},
	} {
		if got := PairType(c[0], c[1]); got != c[2] {
			t.Errorf("PairType(%s, %s) = %s, want %s", c[0], c[1], got, c[2])
		}
	}
}
