package econn

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// sampleMessages returns one message of every type with every member of
// that type set, so that a round trip exercises each of them.
func sampleMessages() []*Message {
	ids := func(m *Message) *Message {
		m.SessID, m.SrcUser, m.SrcClient = "s1", "alice", "a1"
		m.DestUser, m.DestClient = "bob", "b1"
		return m
	}
	ice := []ICEServer{
		{URLs: []string{"turn:1.2.3.4:3478", "turns:t.example:443?transport=tcp"}, Username: "u", Credential: "c"},
		{URLs: []string{"stun:s.example"}},
	}
	props := Props{"videosend": "true", "muted": "false"}
	return []*Message{
		ids(&Message{Type: MsgSetup, SDP: "v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\n", Props: props, URL: "https://x/y"}),
		ids(&Message{Type: MsgCancel}),
		ids(&Message{Type: MsgHangup, Resp: true}),
		ids(&Message{Type: MsgPropsync, Props: Props{"videosend": "paused"}}),
		ids(&Message{Type: MsgGroupStart, Props: props}),
		ids(&Message{Type: MsgGroupLeave}),
		ids(&Message{Type: MsgGroupCheck, Resp: true}),
		ids(&Message{Type: MsgGroupSetup, SDP: "v=0\r\n", Props: props}),
		ids(&Message{Type: MsgConfConn, ICEServers: ice, Update: true, Tool: "avs", ToolVer: "9.1",
			Status: -3, SelectiveAudio: true, SelectiveVideo: true, VStreams: 9}),
		ids(&Message{Type: MsgConfStart, SFTURL: "https://sft.example/", Secret: []byte{0, 1, 2, 250},
			Timestamp: 1<<63 + 5, Seqno: 1<<32 - 1, Props: props}),
		ids(&Message{Type: MsgConfEnd}),
		ids(&Message{Type: MsgConfPart, ShouldStart: true, Timestamp: 77, Seqno: 3, Entropy: []byte("entropy!"),
			Participants: []ConfParticipant{
				{UserID: "alice", ClientID: "a1", Authorized: true, SSRCAudio: 1<<32 - 1, SSRCVideo: 7},
				{UserID: "bob", ClientID: "b1"},
			}}),
		ids(&Message{Type: MsgConfKey, Keys: []ConfKey{{Idx: 0, Data: []byte("k0")}, {Idx: -1, Data: []byte{0xff}}}}),
		ids(&Message{Type: MsgConfCheck, SFTURL: "https://sft.example/", Secret: []byte("s"), Timestamp: 1, Seqno: 2}),
		ids(&Message{Type: MsgUpdate, SDP: "v=0\r\n", Props: props}),
		ids(&Message{Type: MsgReject}),
		ids(&Message{Type: MsgAlert, Level: 1<<32 - 1, Descr: "low battery \u00e9 \"quoted\" <tag>"}),
		ids(&Message{Type: MsgPing, Resp: true}),
		ids(&Message{Type: MsgDevpairPublish, ICEServers: ice, SDP: "v=0\r\n", Username: "carol"}),
		ids(&Message{Type: MsgDevpairAccept, SDP: "v=0\r\n"}),
	}
}

func mustEncode(t testing.TB, m *Message) []byte {
	t.Helper()
	b, err := m.Encode()
	if err != nil {
		t.Fatalf("Encode(%v): %v", m.Type, err)
	}
	return b
}

// memberNames returns the top-level member names of a JSON object in order.
func memberNames(t *testing.T, b []byte) []string {
	t.Helper()
	dec := jsontext.NewDecoder(bytes.NewReader(b))
	if _, err := dec.ReadToken(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tok.String())
		if err := dec.SkipValue(); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

// editMember returns the JSON object b with member name set to value, or
// removed when value is nil.
func editMember(t *testing.T, b []byte, name string, value jsontext.Value) []byte {
	t.Helper()
	var obj map[string]jsontext.Value
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatal(err)
	}
	if value == nil {
		delete(obj, name)
	} else {
		obj[name] = value
	}
	out, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCodecCoversEveryType(t *testing.T) {
	seen := map[MsgType]bool{}
	for _, m := range sampleMessages() {
		seen[m.Type] = true
	}
	for _, typ := range msgTypes {
		if !seen[typ] {
			t.Errorf("no sample message of type %v", typ)
		}
		if _, ok := typeMembers[typ]; !ok {
			t.Errorf("type %v has no entry in typeMembers", typ)
		}
	}
	if len(typeMembers) != len(msgTypes) {
		t.Errorf("typeMembers has %d types, want %d", len(typeMembers), len(msgTypes))
	}
}

func TestRoundTrip(t *testing.T) {
	for _, m := range sampleMessages() {
		t.Run(m.Type.String(), func(t *testing.T) {
			b := mustEncode(t, m)
			got, err := Decode(b, 1000, 990)
			if err != nil {
				t.Fatalf("Decode(%s): %v", b, err)
			}
			if !got.Equal(m) {
				t.Fatalf("round trip changed the message:\n got %+v\nwant %+v\nwire %s", got, m, b)
			}
			if got.Time != 990 || got.Age != 10 || got.Transient {
				t.Errorf("Time, Age, Transient = %d, %d, %v; want 990, 10, false", got.Time, got.Age, got.Transient)
			}
			if again := mustEncode(t, got); !bytes.Equal(again, b) {
				t.Errorf("re-encoding differs:\n%s\n%s", again, b)
			}
		})
	}
}

func TestEncodeMemberOrder(t *testing.T) {
	for _, m := range sampleMessages() {
		want := []string{"version", "type", "sessid", "src_userid", "src_clientid",
			"dest_userid", "dest_clientid", "resp"}
		for _, mem := range typeMembers[m.Type] {
			want = append(want, fields[mem.f].name)
		}
		got := memberNames(t, mustEncode(t, m))
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%v: members %v, want %v", m.Type, got, want)
		}
	}
	// Ids that are not set are left out; resp is always written.
	b := mustEncode(t, &Message{Type: MsgCancel, SessID: "x", DestClient: "d"})
	if want := `{"version":"3.0","type":"CANCEL","sessid":"x","dest_clientid":"d","resp":false}`; string(b) != want {
		t.Errorf("Encode = %s, want %s", b, want)
	}
}

func TestDecodeSeedSetup(t *testing.T) {
	data, err := os.ReadFile("testdata/seed_setup.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(data, 50, 20)
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != MsgSetup || m.SessID != "4x12" || m.Resp || m.Age != 30 || m.Time != 20 {
		t.Errorf("header: %v sessid=%q resp=%v age=%d time=%d", m.Type, m.SessID, m.Resp, m.Age, m.Time)
	}
	if !strings.HasPrefix(m.SDP, "v=0\r\no=- 2291589356 ") || !strings.Contains(m.SDP, "(x86_64/darwin)") ||
		!strings.HasSuffix(m.SDP, "webrtc-datachannel 1024\r\n") {
		t.Errorf("SDP not unescaped as expected: %q...", m.SDP[:80])
	}
	if len(m.Props) != 1 || m.Props["videosend"] != "yes,please" {
		t.Errorf("props = %v", m.Props)
	}
	again, err := Decode(mustEncode(t, m), 50, 20)
	if err != nil || !again.Equal(m) {
		t.Errorf("seed SETUP does not round-trip: %v", err)
	}
}

func TestDecodeMissingRequired(t *testing.T) {
	for _, m := range sampleMessages() {
		b := mustEncode(t, m)
		required := []string{"version", "type", "sessid", "resp"}
		for _, mem := range typeMembers[m.Type] {
			if mem.required {
				required = append(required, fields[mem.f].name)
			}
		}
		for _, name := range required {
			for _, how := range []string{"absent", "null"} {
				var value jsontext.Value
				if how == "null" {
					value = jsontext.Value("null")
				}
				_, err := Decode(editMember(t, b, name, value), 0, 0)
				if !errors.Is(err, ErrBadMessage) || !strings.Contains(err.Error(), `missing "`+name+`"`) {
					t.Errorf("%v without %s (%s): err = %v, want bad message naming it", m.Type, name, how, err)
				}
			}
		}
	}
	_, err := Decode([]byte(`{"version":"3.0","type":"SETUP","sessid":"s","resp":false,"props":{}}`), 0, 0)
	if err == nil || err.Error() != `bad message: SETUP: missing "sdp"` {
		t.Errorf("err = %v", err)
	}
}

func TestDecodeOptionalAbsent(t *testing.T) {
	for _, m := range sampleMessages() {
		b := mustEncode(t, m)
		optional := []string{"src_userid", "src_clientid", "dest_userid", "dest_clientid"}
		for _, mem := range typeMembers[m.Type] {
			if !mem.required {
				optional = append(optional, fields[mem.f].name)
			}
		}
		for _, name := range optional {
			got, err := Decode(editMember(t, b, name, nil), 0, 0)
			if err != nil {
				t.Errorf("%v without optional %s: %v", m.Type, name, err)
				continue
			}
			f := fieldByName[name]
			if !fields[f].isZero(got) {
				t.Errorf("%v without %s: member is not zero after decoding", m.Type, name)
			}
		}
	}
}

// wrongValue returns a JSON value of another type than member f expects.
func wrongValue(f field) jsontext.Value {
	switch f {
	case fResp, fUpdate, fSelectiveAudio, fSelectiveVideo, fShouldStart:
		return jsontext.Value(`"true"`)
	case fProps:
		return jsontext.Value(`["a"]`)
	}
	return jsontext.Value(`{"a":"b"}`)
}

func TestDecodeMistypedMember(t *testing.T) {
	for _, m := range sampleMessages() {
		b := mustEncode(t, m)
		members := append(append([]member{}, commonMembers...), typeMembers[m.Type]...)
		for _, mem := range members {
			name := fields[mem.f].name
			_, err := Decode(editMember(t, b, name, wrongValue(mem.f)), 0, 0)
			if !errors.Is(err, ErrBadMessage) || !strings.Contains(err.Error(), `"`+name+`"`) {
				t.Errorf("%v with mistyped %s: err = %v, want bad message naming it", m.Type, name, err)
			}
		}
	}
}

func TestDecodeBadValues(t *testing.T) {
	const head = `{"version":"3.0","sessid":"s","resp":false,`
	tests := []struct {
		name, json, field string
	}{
		{"props value not a string", `"type":"SETUP","sdp":"","props":{"a":1}}`, "props"},
		{"props not an object", `"type":"PROPSYNC","props":"a"}`, "props"},
		{"level negative", `"type":"ALERT","level":-1,"descr":""}`, "level"},
		{"level fraction", `"type":"ALERT","level":1.5,"descr":""}`, "level"},
		{"level over uint32", `"type":"ALERT","level":4294967296,"descr":""}`, "level"},
		{"level as string", `"type":"ALERT","level":"1","descr":""}`, "level"},
		{"timestamp not decimal", `"type":"CONFCHECK","sft_url":"","secret":"","timestamp":"1x","seqno":"1"}`, "timestamp"},
		{"timestamp a number", `"type":"CONFCHECK","sft_url":"","secret":"","timestamp":1,"seqno":"1"}`, "timestamp"},
		{"seqno over uint32", `"type":"CONFCHECK","sft_url":"","secret":"","timestamp":"1","seqno":"4294967296"}`, "seqno"},
		{"secret not base64", `"type":"CONFSTART","sft_url":"","secret":"!!","timestamp":"1","seqno":"1"}`, "secret"},
		{"status fraction", `"type":"CONFCONN","status":0.5}`, "status"},
		{"vstreams fraction", `"type":"CONFCONN","vstreams":2.5}`, "vstreams"},
		{"ice server without urls", `"type":"CONFCONN","ice_servers":[{"username":"u"}]}`, "ice_servers"},
		{"ice urls not strings", `"type":"CONFCONN","ice_servers":[{"urls":[1]}]}`, "ice_servers"},
		{"participant without userid", `"type":"CONFPART","timestamp":"1","seqno":"1","participants":[{"clientid":"c"}]}`, "participants"},
		{"participant without clientid", `"type":"CONFPART","timestamp":"1","seqno":"1","participants":[{"userid":"u"}]}`, "participants"},
		{"participant bad ssrc", `"type":"CONFPART","timestamp":"1","seqno":"1","participants":[{"userid":"u","clientid":"c","ssrc_audio":"-1"}]}`, "participants"},
		{"participant authorized mistyped", `"type":"CONFPART","timestamp":"1","seqno":"1","participants":[{"userid":"u","clientid":"c","authorized":"yes"}]}`, "participants"},
		{"key without data", `"type":"CONFKEY","keys":[{"idx":1}]}`, "keys"},
		{"key without idx", `"type":"CONFKEY","keys":[{"data":"AA=="}]}`, "keys"},
		{"key data not base64", `"type":"CONFKEY","keys":[{"idx":1,"data":"*"}]}`, "keys"},
		{"key idx fraction", `"type":"CONFKEY","keys":[{"idx":1.5,"data":"AA=="}]}`, "keys"},
		{"src_userid mistyped", `"type":"PING","src_userid":7}`, "src_userid"},
		{"sessid a number", `"type":"PING","sessid":7}`, "sessid"},
		{"src_clientid a number", `"type":"PING","src_clientid":1234}`, "src_clientid"},
		{"dest_userid a boolean", `"type":"PING","dest_userid":true}`, "dest_userid"},
		{"dest_clientid an array", `"type":"PING","dest_clientid":["c"]}`, "dest_clientid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(head+tt.json), 0, 0)
			if !errors.Is(err, ErrBadMessage) || !strings.Contains(err.Error(), `"`+tt.field+`"`) {
				t.Errorf("err = %v, want bad message naming %q", err, tt.field)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want error
		text string
	}{
		{"empty", ``, ErrBadMessage, "not JSON"},
		{"garbage", `hello`, ErrBadMessage, "not JSON"},
		{"truncated", `{"version":"3.0"`, ErrBadMessage, "not JSON"},
		{"array", `[1,2]`, ErrBadMessage, "not a JSON object"},
		{"string", `"SETUP"`, ErrBadMessage, "not a JSON object"},
		{"trailing object", `{"version":"3.0","type":"PING","sessid":"s","resp":false} {}`, ErrBadMessage, "after the object"},
		{"duplicate member", `{"version":"3.0","type":"PING","type":"PING","sessid":"s","resp":false}`, ErrBadMessage, "not JSON"},
		{"invalid utf-8", "{\"version\":\"3.0\",\"type\":\"PING\",\"sessid\":\"\xff\",\"resp\":false}", ErrBadMessage, "not JSON"},
		{"version mismatch", `{"version":"2.0","type":"PING","sessid":"s","resp":false}`, ErrVersion, `"2.0"`},
		{"version padded", `{"version":" 3.0","type":"PING","sessid":"s","resp":false}`, ErrVersion, `" 3.0"`},
		{"version number", `{"version":3.0,"type":"PING","sessid":"s","resp":false}`, ErrBadMessage, `"version"`},
		{"unknown type", `{"version":"3.0","type":"FOO","sessid":"s","resp":false}`, ErrUnsupported, `"FOO"`},
		{"unicode-folded type", `{"version":"3.0","type":"\u017fetup","sessid":"s","resp":false}`, ErrUnsupported, `"ſetup"`},
		{"type with a space", `{"version":"3.0","type":"SETUP ","sessid":"s","resp":false}`, ErrUnsupported, `"SETUP "`},
		{"trailing garbage", `{"version":"3.0","type":"PING","sessid":"s","resp":false}x`, ErrBadMessage, "not JSON"},
		{"duplicate in an unknown member", `{"version":"3.0","type":"PING","sessid":"s","resp":false,"extra":{"a":1,"a":2}}`, ErrBadMessage, "duplicate"},
		{"duplicate prop", `{"version":"3.0","type":"PROPSYNC","sessid":"s","resp":false,"props":{"a":"1","a":"2"}}`, ErrBadMessage, "not JSON"},
		{"type number", `{"version":"3.0","type":1,"sessid":"s","resp":false}`, ErrBadMessage, `"type"`},
		{"resp string", `{"version":"3.0","type":"PING","sessid":"s","resp":"false"}`, ErrBadMessage, `"resp"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode([]byte(tt.data), 0, 0)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Decode = %+v, %v; want %v containing %s", m, err, tt.want, tt.text)
			}
			if m != nil {
				t.Errorf("Decode returned a message with an error")
			}
		})
	}
}

// TestDecodeTypeNameCase: type names match ignoring ASCII case, as in the
// reference, and Encode writes them upper-case again.
func TestDecodeTypeNameCase(t *testing.T) {
	for _, m := range sampleMessages() {
		upper := mustEncode(t, m)
		name := m.Type.String()
		mixed := []byte(strings.ToUpper(name[:1]) + strings.ToLower(name[1:]))
		for _, spelling := range [][]byte{bytes.ToLower([]byte(name)), mixed} {
			data := bytes.Replace(upper, []byte(`"type":"`+name+`"`), []byte(`"type":"`+string(spelling)+`"`), 1)
			got, err := Decode(data, 0, 0)
			if err != nil {
				t.Errorf("type %q: %v", spelling, err)
				continue
			}
			if !got.Equal(m) {
				t.Errorf("type %q decoded to %+v, want %+v", spelling, got, m)
			}
			if again := mustEncode(t, got); !bytes.Equal(again, upper) {
				t.Errorf("type %q re-encoded to %s, want %s", spelling, again, upper)
			}
		}
	}
	// A lower-case SETUP request starts a call, as in the reference.
	data := `{"version":"3.0","type":"setup","sessid":"s","resp":false,"sdp":"v=0","props":{}}`
	got, err := Decode([]byte(data), 0, 0)
	if err != nil || got.Type != MsgSetup || got.Resp {
		t.Fatalf("Decode(%s) = %+v, %v; want a SETUP request", data, got, err)
	}
	c, _, err := New(Config{UserID: "B", ClientID: "1", SessID: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Step(Recv{FromUser: "A", FromClient: "1", Msg: got}); err != nil {
		t.Fatal(err)
	}
	if c.State() != StatePendingIncoming {
		t.Errorf("state after a lower-case SETUP: %s, want %s", c.State(), StatePendingIncoming)
	}
	// Escapes are undone before the comparison.
	if m, err := Decode([]byte(`{"version":"3.0","type":"p\u0069nG","sessid":"s","resp":false}`), 0, 0); err != nil || m.Type != MsgPing {
		t.Errorf("escaped mixed-case PING: %+v, %v", m, err)
	}
}

func TestDecodeVersion(t *testing.T) {
	// The comparison is case-insensitive (bytes.EqualFold), as in the
	// reference; "3.0" has no letters, so only exact "3.0" passes.
	data := `{"version":"3.0","type":"PING","sessid":"s","resp":false}`
	if _, err := Decode([]byte(data), 0, 0); err != nil {
		t.Errorf("version 3.0: %v", err)
	}
	for _, v := range []string{"3", "3.00", "v3.0", "3,0", ""} {
		data := `{"version":"` + v + `","type":"PING","sessid":"s","resp":false}`
		if _, err := Decode([]byte(data), 0, 0); !errors.Is(err, ErrVersion) {
			t.Errorf("version %q: err = %v, want ErrVersion", v, err)
		}
	}
}

func TestDecodeSizeLimit(t *testing.T) {
	build := func(size int) []byte {
		head := `{"version":"3.0","type":"SETUP","sessid":"s","resp":false,"props":{},"sdp":"`
		return []byte(head + strings.Repeat("a", size-len(head)-2) + `"}`)
	}
	atLimit := build(MaxMessageSize)
	if len(atLimit) != MaxMessageSize {
		t.Fatalf("built %d bytes", len(atLimit))
	}
	if _, err := Decode(atLimit, 0, 0); err != nil {
		t.Errorf("message of exactly MaxMessageSize: %v", err)
	}
	if _, err := Decode(build(MaxMessageSize+1), 0, 0); !errors.Is(err, ErrTooLarge) {
		t.Errorf("message over the limit: err = %v, want ErrTooLarge", err)
	}
	// The size is checked before parsing: oversized garbage is too large, not bad.
	if _, err := Decode(bytes.Repeat([]byte{'x'}, MaxMessageSize+1), 0, 0); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized garbage: err = %v, want ErrTooLarge", err)
	}
}

func TestDecodeAge(t *testing.T) {
	tests := []struct{ curr, msg, age uint32 }{
		{100, 40, 60},
		{40, 100, 0}, // message from the future
		{7, 7, 0},
		{1<<32 - 1, 0, 1<<32 - 1},
	}
	data := mustEncode(t, &Message{Type: MsgPing, SessID: "s"})
	for _, tt := range tests {
		m, err := Decode(data, tt.curr, tt.msg)
		if err != nil {
			t.Fatal(err)
		}
		if m.Age != tt.age || m.Time != tt.msg {
			t.Errorf("Decode(curr=%d, msg=%d): Age=%d Time=%d, want %d %d", tt.curr, tt.msg, m.Age, m.Time, tt.age, tt.msg)
		}
	}
}

func TestVStreamsClamped(t *testing.T) {
	tests := []struct {
		wire string
		want int
	}{
		{"0", 0}, {"7", 7}, {"32", 32}, {"33", 32}, {"-1", 0},
		{"99999999999999999999999", 32}, {"-99999999999999999999999", 0},
	}
	for _, tt := range tests {
		data := `{"version":"3.0","type":"CONFCONN","sessid":"s","resp":false,"vstreams":` + tt.wire + `}`
		m, err := Decode([]byte(data), 0, 0)
		if err != nil {
			t.Errorf("vstreams %s: %v", tt.wire, err)
			continue
		}
		if m.VStreams != tt.want {
			t.Errorf("vstreams %s decoded to %d, want %d", tt.wire, m.VStreams, tt.want)
		}
	}
	b := mustEncode(t, &Message{Type: MsgConfConn, VStreams: 100})
	if !bytes.Contains(b, []byte(`"vstreams":32`)) {
		t.Errorf("Encode did not clamp vstreams: %s", b)
	}
}

func TestPropsNormalisation(t *testing.T) {
	const head = `{"version":"3.0","sessid":"s","resp":false,`
	decode := func(rest string) *Message {
		t.Helper()
		m, err := Decode([]byte(head+rest), 0, 0)
		if err != nil {
			t.Fatalf("%s: %v", rest, err)
		}
		return m
	}
	if m := decode(`"type":"SETUP","sdp":"","props":{}}`); m.Props == nil || len(m.Props) != 0 {
		t.Errorf("SETUP props {} decoded to %#v, want an empty map", m.Props)
	}
	// UPDATE without props is accepted, a deliberate difference from the
	// reference decoder (see the codec's doc comment).
	if m := decode(`"type":"UPDATE","sdp":""}`); m.Props != nil {
		t.Errorf("UPDATE without props decoded to %#v, want nil", m.Props)
	}
	if m := decode(`"type":"UPDATE","sdp":"","props":{}}`); m.Props == nil {
		t.Errorf("UPDATE with props {} decoded to nil, want an empty map")
	}
	b := mustEncode(t, &Message{Type: MsgSetup})
	if !bytes.Contains(b, []byte(`"props":{}`)) {
		t.Errorf("SETUP with nil props: %s, want props {}", b)
	}
	b = mustEncode(t, &Message{Type: MsgUpdate})
	if bytes.Contains(b, []byte(`"props"`)) {
		t.Errorf("UPDATE with nil props: %s, want no props", b)
	}
	b = mustEncode(t, &Message{Type: MsgPropsync, Props: Props{"z": "1", "a": "2", "m": "3"}})
	if !bytes.Contains(b, []byte(`"props":{"a":"2","m":"3","z":"1"}`)) {
		t.Errorf("props keys not sorted: %s", b)
	}
}

func TestDecodeIgnoresOtherMembers(t *testing.T) {
	// Members of other types, even mistyped, and unknown members are ignored.
	data := `{"version":"3.0","type":"CANCEL","sessid":"s","resp":true,"sdp":5,"props":[],"level":"x","extra":{"a":[1]}}`
	m, err := Decode([]byte(data), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := (&Message{Type: MsgCancel, SessID: "s", Resp: true}); !m.Equal(want) {
		t.Errorf("got %+v", m)
	}
}

func TestDecodeLenientForms(t *testing.T) {
	// Escaped member names, whitespace, unpadded base64, null optional members.
	data := " {\"v\\u0065rsion\" : \"3.0\", \"type\":\"CONFSTART\",\n\"sessid\":\"s\",\"resp\":false," +
		"\"sft_url\":\"u\",\"secret\":\"AAE\",\"timestamp\":\"0012\",\"seqno\":\"3\",\"props\":null}\n"
	m, err := Decode([]byte(data), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Secret, []byte{0, 1}) || m.Timestamp != 12 || m.Seqno != 3 || m.Props != nil {
		t.Errorf("got %+v", m)
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, typ := range []MsgType{0, 0x0F, 0x20, 0xFF} {
		if _, err := (&Message{Type: typ}).Encode(); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Encode of type 0x%02x: err = %v, want ErrUnsupported", uint8(typ), err)
		}
	}
	_, err := (&Message{Type: MsgSetup, SDP: "v=0\xff"}).Encode()
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `"sdp"`) {
		t.Errorf("Encode with invalid UTF-8 SDP: err = %v, want ErrInvalid naming sdp", err)
	}
	_, err = (&Message{Type: MsgSetup, SDP: strings.Repeat("a", MaxMessageSize)}).Encode()
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("Encode of an oversized SDP: err = %v, want ErrTooLarge", err)
	}
	_, err = (&Message{Type: MsgPropsync, Props: Props{"k": "\xc3"}}).Encode()
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `"props"`) {
		t.Errorf("Encode with invalid UTF-8 prop: err = %v, want ErrInvalid naming props", err)
	}
}

func ExampleDecode() {
	data := []byte(`{"version":"3.0","type":"SETUP","sessid":"4x12","resp":false,
		"sdp":"v=0\r\n","props":{"videosend":"true"}}`)
	m, err := Decode(data, 1700000010, 1700000000)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Type, m.SessID, m.Resp, m.Props["videosend"], m.Age)

	_, err = Decode([]byte(`{"version":"3.0","type":"SETUP","sessid":"4x12","resp":false}`), 0, 0)
	fmt.Println(err, errors.Is(err, ErrBadMessage))
	// Output:
	// SETUP 4x12 false true 10
	// bad message: SETUP: missing "sdp" true
}

func ExampleMessage_Encode() {
	m := &Message{Type: MsgPropsync, SessID: "Ui6E", Props: Props{"videosend": "paused", "muted": "true"}}
	b, err := m.Encode()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))
	// Output:
	// {"version":"3.0","type":"PROPSYNC","sessid":"Ui6E","resp":false,"props":{"muted":"true","videosend":"paused"}}
}

// TestTypeMembers pins the members of each type, and which are required
// (marked *), to docs/protocol.md "Wire format" and the choices documented
// in codec.go, so that a change to the table is a deliberate one.
func TestTypeMembers(t *testing.T) {
	want := map[MsgType]string{
		MsgSetup:          "sdp* props* url",
		MsgCancel:         "",
		MsgHangup:         "",
		MsgPropsync:       "props*",
		MsgGroupStart:     "props",
		MsgGroupLeave:     "",
		MsgGroupCheck:     "",
		MsgGroupSetup:     "sdp* props*",
		MsgConfConn:       "ice_servers update tool toolver status selective_audio selective_video vstreams",
		MsgConfStart:      "sft_url* secret* timestamp* seqno* props",
		MsgConfEnd:        "",
		MsgConfPart:       "should_start timestamp* seqno* entropy participants*",
		MsgConfKey:        "keys*",
		MsgConfCheck:      "sft_url* secret* timestamp* seqno*",
		MsgUpdate:         "sdp* props",
		MsgReject:         "",
		MsgAlert:          "level* descr*",
		MsgPing:           "",
		MsgDevpairPublish: "ice_servers sdp* username*",
		MsgDevpairAccept:  "sdp*",
	}
	for _, typ := range msgTypes {
		var names []string
		for _, mem := range typeMembers[typ] {
			n := fields[mem.f].name
			if mem.required {
				n += "*"
			}
			names = append(names, n)
		}
		if got := strings.Join(names, " "); got != want[typ] {
			t.Errorf("%v members %q, want %q", typ, got, want[typ])
		}
	}
	var common []string
	for _, mem := range commonMembers {
		common = append(common, fields[mem.f].name+map[bool]string{true: "*"}[mem.required])
	}
	if got := strings.Join(common, " "); got != "sessid* src_userid src_clientid dest_userid dest_clientid resp*" {
		t.Errorf("common members %q", got)
	}
}
