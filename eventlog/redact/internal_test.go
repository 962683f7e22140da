package redact

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

func TestPseudonymsKeepOrder(t *testing.T) {
	ids := newCollector()
	for _, u := range []string{"zed", "Amy", "bob", "10", "9"} {
		ids.pair(u, "")
	}
	r, err := ids.redactor()
	if err != nil {
		t.Fatal(err)
	}
	order := []string{"10", "9", "Amy", "bob", "zed"} // byte order
	for i := 1; i < len(order); i++ {
		a, b := r.user(order[i-1]), r.user(order[i])
		if !(a < b) || econn.IsWinner(a, "", b, "") {
			t.Fatalf("%s<%s but pseudonyms %s, %s", order[i-1], order[i], a, b)
		}
	}
	ids.pair("AMY", "")
	if _, err := ids.redactor(); !errors.Is(err, ErrAmbiguousIDs) || !strings.Contains(err.Error(), "differ only in case") {
		t.Fatalf("case-only difference: %v", err)
	}
}

func TestScrubSDP(t *testing.T) {
	got := ScrubSDP(sampleSDP)
	want := "v=0\r\no=- 4611731400430051336 2 IN IP4 0.0.0.0\r\ns=-\r\ne=redacted\r\nt=0 0\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n" +
		"a=ice-ufrag:redacted\r\na=ice-pwd:redactedredactedredacted\r\n" +
		"a=fingerprint:sha-256 00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00\r\n" +
		"a=candidate:1 1 udp 2122260223 0.0.0.0 9 typ host generation 0 ufrag redacted network-cost 999\r\n" +
		"a=candidate:1 1 udp 1686052607 0.0.0.0 9 typ srflx raddr 0.0.0.0 rport 9\r\n" +
		"a=rtcp:9 IN IP4 0.0.0.0\r\na=ssrc:3735928559 cname:redacted\r\na=msid:redacted\r\n" +
		"a=msid-semantic:WMS redacted\r\na=rtpmap:111 opus/48000/2\r\na=mid:0\r\na=x-nick:redacted\r\nx=redacted\r\n"
	if got != want {
		t.Fatalf("got:\n%q\nwant:\n%q", got, want)
	}
	for in, want := range map[string]string{
		"a=candidate:1 1 udp 1 abcd.local 9 typ host": "a=candidate:1 1 udp 1 redacted.local 9 typ host",
		"a=candidate:short":                           "a=candidate:redacted",
		"a=rtcp:":                                     "a=rtcp:9",
		"a=Alice":                                     "a=redacted",
	} {
		if got := ScrubSDP(in); got != want {
			t.Errorf("ScrubSDP(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactText(t *testing.T) {
	ids := newCollector()
	ids.pair("A", "1")
	ids.pair("B", "2")
	r, err := ids.redactor()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"CANCEL from client 2, remote client is 1":               "CANCEL from client c2, remote client is c1",
		"SETUP from user B, remote user is A":                    "SETUP from user u2, remote user is u1",
		"SETUP glare: B/2 wins over A/1, dropping the offer":     "SETUP glare: u2/c2 wins over u1/c1, dropping the offer",
		"answer the call from A/1 (at 10.0.0.1)":                 "answer the call from u1/c1 (at 0.0.0.0)",
		"dial tcp 192.0.2.1:443: connect: connection refused":    "dial tcp 0.0.0.0:9: connect: connection refused",
		`UPDATE for session "A", remote session is "1"`:          `UPDATE for session "u1", remote session is "1"`,
		"nickname Alice Smith <alice@example.org> rings":         "* * * <*@*.*> rings",
		"timer #1 fired but #2 is the armed one":                 "timer #1 fired but #2 is the armed one",
		"pair 2001:db8:85a3::8a2e:370:7334 <-> fe80::1 at 12:30": "pair :: <-> :: at 12:30",
		"host 5f3c9a1e-0b6d-4c1e-9c2b-1d2e3f4a5b6c.local:50000":  "host redacted.local:9",
		// Addresses in every spelling go whole: a trailing "::", an
		// IPv4-mapped one, a zone, a dotted run longer than IPv4.
		"from 2001:db8:: and ::ffff:192.168.1.20": "from :: and ::",
		"from fe80::1c2b:3d4e%eth0 up":            "from :: up",
		"from 10.1.2.3.4 up":                      "from 0.0.0.0 up",
	} {
		if got := r.text(in); got != want {
			t.Errorf("text(%q) = %q, want %q", in, got, want)
		}
	}
}

// An input event without an input is refused, not passed through.
func TestEmptyInputFailsClosed(t *testing.T) {
	ids := newCollector()
	ids.pair("alice", "1")
	r, err := ids.redactor()
	if err != nil {
		t.Fatal(err)
	}
	ev := eventlog.Event{Seq: 7, Kind: eventlog.KindInput, Input: eventlog.StepInput{}}
	if got, err := r.Event(ev); !errors.Is(err, ErrUnredactable) || !strings.Contains(err.Error(), "event 7") {
		t.Fatalf("err %v, event %+v", err, got)
	}
	// A kind without personal data passes unchanged.
	ev = eventlog.Event{Kind: eventlog.KindOutput, Output: econn.CancelTimer{Gen: 3}}
	if got, err := r.Event(ev); err != nil || got.Output != ev.Output {
		t.Fatalf("CancelTimer: %+v, %v", got, err)
	}
}

// TestRecvInputRedacted checks an econn.Recv input (logged as is by older
// recorders) is redacted like a received message, not passed through.
func TestRecvInputRedacted(t *testing.T) {
	ids := newCollector()
	msg := &econn.Message{Type: econn.MsgSetup, SrcUser: "alice", SrcClient: "1", SDP: sampleSDP}
	ev := eventlog.Event{Kind: eventlog.KindInput, Input: eventlog.StepInput{In: econn.Recv{FromUser: "alice", FromClient: "1", Msg: msg}}}
	ids.event(ev)
	r, err := ids.redactor()
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Event(ev)
	if err != nil {
		t.Fatal(err)
	}
	in := got.Stepped().(econn.Recv)
	if in.FromUser != "u1" || in.FromClient != "c1" || in.Msg.SrcUser != "u1" || strings.Contains(in.Msg.SDP, "secretpassword") {
		t.Fatalf("redacted Recv: %+v %+v", in, in.Msg)
	}
}

// sampleSDP is an offer with everything scrubbing removes: addresses,
// ICE credentials, a fingerprint, host and reflexive candidates.
const sampleSDP = "v=0\r\no=alice 4611731400430051336 2 IN IP4 198.51.100.7\r\ns=Alice's call\r\ne=alice@example.org\r\nt=0 0\r\n" +
	"m=audio 50000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 198.51.100.7\r\n" +
	"a=ice-ufrag:ufx\r\na=ice-pwd:secretpasswordx0123456789\r\n" +
	"a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\n" +
	"a=candidate:842163049 1 udp 2122260223 198.51.100.7 50000 typ host generation 0 ufrag ufx network-cost 999\r\n" +
	"a=candidate:2 1 udp 1686052607 203.0.113.9 50001 typ srflx raddr 198.51.100.7 rport 50000\r\n" +
	"a=rtcp:50002 IN IP4 198.51.100.7\r\na=ssrc:3735928559 cname:alice-laptop\r\na=msid:alice-stream alice-track\r\n" +
	"a=msid-semantic: WMS alice-stream\r\na=rtpmap:111 opus/48000/2\r\na=mid:0\r\na=x-nick:Alice\r\nAlice was here\r\n"

// TestLongNumbers checks long numbers in text (a phone number, however
// spelled, a fingerprint's groups) and in an undecodable message's JSON
// take one pseudonym per number, and short ones stay.
func TestLongNumbers(t *testing.T) {
	c := newCollector()
	texts := map[string]string{
		"call me at +49 170 1234567":                     "call * at n3",
		"or at +491701234567, or 0049-170-1234567.":      "or at n3, or n1.",
		"iban DE89370400440532013000":                    "* *",
		"announced 1a2b 3c4d 5678 9012 ef01, not 5678":   "announced n2, not 5678",
		"timer #1 fired after 1500000ns, 2 of 1234 sent": "timer #1 fired after 1500000ns, 2 of 1234 sent",
		"sent 1234567.89 at 12:30 from port 8080":        "sent *.89 at 12:30 from port 8080",
		"key k12345678 and 12345ms":                      "key * and 12345ms",
	}
	for in := range texts {
		c.Text(in)
	}
	raw := []byte(`{"version":"3.0","type":"SETUP","phone":491701234567,"n":[7,2.5e3]}`)
	w, ok := rawJSON(raw)
	if !ok {
		t.Fatal("raw JSON not parsed")
	}
	walk(w, "", c, func(k string) string { c.key(k); return k }, c.jsonNumber)
	r, err := c.redactor()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range texts {
		if got := r.text(in); got != want {
			t.Errorf("text(%q) = %q, want %q", in, got, want)
		}
	}
	got, err := json.Marshal(walk(w, "", r, r.key, r.jsonNumber))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"k1":3,"n":[7,2.5e3],"type":"SETUP","version":"3.0"}`; string(got) != want {
		t.Errorf("raw JSON redacted to %s, want %s", got, want)
	}
}

// TestPseudonymShapedKeys checks a key shaped like a pseudonym ("k1") is
// pseudonymised too, so it cannot meet another key's pseudonym and
// overwrite its entry in props or labels.
func TestPseudonymShapedKeys(t *testing.T) {
	c := newCollector()
	p := econn.Props{"k1": "a", "nick-Qz": "b", "k2": "c", "videosend": "true"}
	c.Props(p)
	meta := eventlog.CallMeta{ID: "call-1", Labels: map[string]string{"k1": "x", "conv-Qz": "y"}}
	c.meta(meta)
	r, err := c.redactor()
	if err != nil {
		t.Fatal(err)
	}
	got := r.Props(p)
	if len(got) != len(p) || got["videosend"] != "true" {
		t.Errorf("props %v redacted to %v", p, got)
	}
	m := r.Meta(meta)
	if len(m.Labels) != len(meta.Labels) {
		t.Errorf("labels %v redacted to %v", meta.Labels, m.Labels)
	}
}

// TestScrubSDPKeptAttrs checks the attributes kept for codecs, bundling
// and simulcast pass only numbers, known tokens and registered URIs, and
// that peer-chosen ids take pseudonyms consistent within the SDP.
func TestScrubSDPKeptAttrs(t *testing.T) {
	in := "m=audio 5000 UDP/TLS/RTP/SAVPF 111 alice\r\n" +
		"a=mid:alice.smith\r\na=group:BUNDLE alice.smith 1 bob\r\na=mid:bob\r\n" +
		"a=fmtp:111 minptime=10;useinbandfec=1;name=alice.smith\r\n" +
		"a=rtpmap:111 opus/48000/2\r\na=rtpmap:96 alice/90000\r\na=rtcp-fb:96 nack pli\r\n" +
		"a=rid:alice send max-width=1280\r\na=rid:h send\r\na=simulcast:send ~alice;h\r\n" +
		"a=extmap:1 https://alice.example/me\r\na=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n" +
		"a=ssrc-group:FID 3735928559 1234567890\r\na=setup:actpass\r\na=mid:0\r\n"
	want := "m=audio 9 UDP/TLS/RTP/SAVPF 111 redacted\r\n" +
		"a=mid:id1\r\na=group:BUNDLE id1 1 id2\r\na=mid:id2\r\n" +
		"a=fmtp:111 minptime=10;useinbandfec=1;redacted=redacted\r\n" +
		"a=rtpmap:111 opus/48000/2\r\na=rtpmap:96 redacted/90000\r\na=rtcp-fb:96 nack pli\r\n" +
		"a=rid:id3 send max-width=1280\r\na=rid:h send\r\na=simulcast:send ~id3;h\r\n" +
		"a=extmap:1 redacted://redacted/redacted\r\na=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n" +
		"a=ssrc-group:FID 3735928559 1234567890\r\na=setup:actpass\r\na=mid:0\r\n"
	if got := ScrubSDP(in); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	for _, s := range []string{"alice", "smith", "bob"} {
		if strings.Contains(ScrubSDP(in), s) {
			t.Errorf("%q survives", s)
		}
	}
}
