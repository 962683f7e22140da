package describe_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
)

func TestSentences(t *testing.T) {
	setup, _ := (&econn.Message{Type: econn.MsgSetup, SessID: "4x12", SDP: "v=0"}).Encode()
	for _, tc := range []struct {
		ev   eventlog.Event
		want string
	}{
		{eventlog.Event{Kind: eventlog.KindInput, Input: eventlog.RecvInput{FromUser: "B", FromClient: "2", Data: setup}},
			"recv SETUP request from B/2 sess 4x12"},
		{eventlog.Event{Kind: eventlog.KindInput, Input: eventlog.RecvInput{FromUser: "B", FromClient: "2", Data: []byte("{"), DecodeErr: "bad-message"}},
			"recv 1 bytes from B/2 that do not decode: bad-message"},
		{eventlog.Event{Kind: eventlog.KindOutput, Output: econn.StateChanged{From: econn.StatePendingOutgoing, To: econn.StateAnswered}},
			"Pending-Outgoing → Answered"},
		{eventlog.Event{Kind: eventlog.KindOutput, Output: econn.Ignored{Type: econn.MsgCancel, Reason: econn.IgnoreWrongClient,
			Args: econn.IgnoreArgs{Client: "666", RemoteClient: "1"}}},
			"ignored CANCEL: CANCEL from client 666, remote client is 1"},
		{eventlog.Event{Kind: eventlog.KindOutput, Output: econn.Send{Msg: &econn.Message{Type: econn.MsgHangup}, Via: econn.TransportDirect}},
			"send HANGUP request via direct"},
		{eventlog.Event{Kind: eventlog.KindOutput, Output: econn.SetTimer{Action: econn.TimerSetup, After: time.Minute, Gen: 2}},
			"timer setup 60s armed (#2)"},
		{eventlog.Event{Kind: eventlog.KindOutput, Output: econn.SetTimer{Action: econn.TimerCancelClose, After: time.Millisecond, Gen: 3}},
			"timer cancel-close 1ms armed (#3)"},
		{eventlog.Event{Kind: eventlog.KindOutput, Output: econn.Closed{Reason: econn.ErrCanceled}}, "closed: canceled"},
		{eventlog.Event{Kind: eventlog.KindOutput, Output: econn.Closed{}}, "closed: normal"},
		{eventlog.Event{Kind: eventlog.KindInput, Input: eventlog.StepInput{In: econn.Start{Props: econn.Props{"videosend": "true", "muted": "false"}}}},
			"start a call {muted=false videosend=true}"},
		{eventlog.Event{Kind: eventlog.KindInput, Input: eventlog.NewConn{Config: econn.Config{SessID: "a1", SetupTimeout: time.Minute, TermTimeout: 5 * time.Second}, Remote: simtest.B1}},
			"new connection a1 to B/1 (setup 60s, term 5s)"},
		{eventlog.Event{Kind: eventlog.KindInput, Input: eventlog.StepInput{In: econn.SendFailed{Type: econn.MsgSetup, Err: econn.ErrIO}}},
			"sending SETUP request failed: io"},
		{eventlog.Event{Kind: eventlog.KindNote, Type: "app.answer", Note: &eventlog.Note{Text: "answer the call"}}, "answer the call"},
		{eventlog.Event{Kind: eventlog.KindNote, Type: "media.ice"}, "media.ice"},
	} {
		if got := describe.Sentence(tc.ev); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

// TestEverySentenceOfACall checks that whole recorded calls read without
// falling back to bare type names.
func TestEverySentenceOfACall(t *testing.T) {
	for _, scenario := range []string{simtest.BasicCall(50), simtest.Glare} {
		_, evs, err := simtest.Events(simtest.Call{ID: "call", Scenario: scenario})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			s := describe.Sentence(ev)
			if s == "" || s == ev.Type && ev.Kind != eventlog.KindNote {
				t.Errorf("event %d %s: sentence %q", ev.Seq, ev.Type, s)
			}
		}
	}
}

func TestRecordJSON(t *testing.T) {
	ev := eventlog.Event{Seq: 7, At: 1500 * time.Millisecond, Endpoint: simtest.A1, Conn: "a1",
		Kind: eventlog.KindOutput, Type: "Closed", Output: econn.Closed{Reason: econn.ErrTimedOut, MsgTime: 3}}
	b, err := json.Marshal(describe.RecordOf(ev))
	if err != nil {
		t.Fatal(err)
	}
	// Zero fields are left out, nil props too; enums stay.
	b2, _ := json.Marshal(describe.RecordOf(eventlog.Event{Kind: eventlog.KindOutput, Type: "Answered",
		Output: econn.Answered{SDP: "v=0"}}).Data)
	if string(b2) != `{"SDP":"v=0"}` {
		t.Fatalf("Answered data %s", b2)
	}
	b3, _ := json.Marshal(describe.RecordOf(eventlog.Event{Kind: eventlog.KindOutput, Type: "SetTimer",
		Output: econn.SetTimer{Gen: 1}}).Data)
	if string(b3) != `{"Action":"setup","After":"0s","Gen":1}` {
		t.Fatalf("SetTimer data %s", b3)
	}
	want := `{"seq":7,"at":"1.5s","at_ns":1500000000,"endpoint":"A/1","conn":"a1","kind":"output","type":"Closed","text":"closed: timed-out","data":{"msg_time":3,"reason":"timed-out"}}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	raw := []byte(`{"version":"3.0","type":"PING","sessid":"x","resp":false}`)
	in := eventlog.Event{Kind: eventlog.KindInput, Type: "Recv", Input: eventlog.RecvInput{FromUser: "A", FromClient: "1", Data: raw}}
	b, _ = json.Marshal(describe.RecordOf(in).Data)
	if !strings.Contains(string(b), `"Data":{"version":"3.0"`) {
		t.Fatalf("raw message not embedded as JSON: %s", b)
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{"SessID": "sess_id", "SDP": "sdp", "FromUser": "from_user",
		"SDPOffer": "sdp_offer", "Gen": "gen", "MsgTime": "msg_time", "ID": "id", "attrs": "attrs", "AudioSent2": "audio_sent2"} {
		if got := describe.SnakeCase(in); got != want {
			t.Errorf("SnakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

// The JSON of a record names every field of its data in snake_case, at
// every depth, and keeps the keys that are data: props and the received
// message's own JSON.
func TestRecordJSONKeysAreSnakeCase(t *testing.T) {
	msg := &econn.Message{Type: econn.MsgSetup, SessID: "s1", Props: econn.Props{"videoSend": "true"}}
	ev := eventlog.Event{Kind: eventlog.KindOutput, Type: "Send", Output: econn.Send{Msg: msg}}
	b, err := json.Marshal(describe.RecordOf(ev))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"msg":{`, `"sess_id":"s1"`, `"props":{"videoSend":"true"}`} {
		if !strings.Contains(s, want) {
			t.Errorf("record JSON lacks %s: %s", want, s)
		}
	}
	if strings.Contains(s, "SessID") || strings.Contains(s, `"Msg"`) {
		t.Errorf("Go field names in the JSON: %s", s)
	}
	raw := []byte(`{"version":"3.0","type":"PING","sessid":"x","resp":false}`)
	in := eventlog.Event{Kind: eventlog.KindInput, Type: "Recv", Input: eventlog.RecvInput{FromUser: "A", Data: raw}}
	b, _ = json.Marshal(describe.RecordOf(in))
	if !strings.Contains(string(b), `"from_user":"A"`) || !strings.Contains(string(b), `"data":{"version":"3.0","type":"PING","sessid":"x"`) {
		t.Errorf("recv record JSON: %s", b)
	}
}
