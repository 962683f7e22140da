package econn

// The Calling 3.0 JSON wire codec.
//
// Decoding runs in two passes. The first walks the top-level object once,
// checks the syntax (and rejects duplicate member names and invalid
// UTF-8), and remembers where the value of every member the codec knows
// starts and ends: a fast scan of its own (fastscan.go) for the messages
// peers send, a jsontext.Decoder for anything out of the ordinary and to
// name what is wrong. The second pass, once the type is
// known, decodes only the members that type carries; members of other types
// and unknown members are ignored, as the reference does. The fast scan
// unescapes the string members as it validates them; strings the library
// scanned are unescaped without being validated again (unquoteScanned:
// for a SETUP, the SDP's escapes made that second validation cost as much
// as the scan); props are read member by member, not through reflection
// (scanProps).
// Encoding appends the members in the order docs/protocol.md prescribes ("Wire format",
// "Encoding"), so that the bytes are deterministic (props keys are sorted).
//
// Which members each type carries, and which of them are required, is the
// table typeMembers below. Required members beyond those the reference
// names (docs/protocol.md, "Members of each type"): CONFSTART and CONFCHECK
// need sft_url, secret, timestamp and seqno (a receiver cannot join the
// conference without them); CONFPART needs timestamp, seqno and
// participants; CONFKEY needs keys; DEVPAIR_PUBLISH needs sdp and username;
// DEVPAIR_ACCEPT needs sdp. All CONFCONN members are optional. Inside
// arrays, an ICE server needs urls, a participant userid and clientid, a
// key idx and data.
//
// Normalisation, so that Decode(Encode(m)) is Equal to m:
//   - A member whose value is JSON null counts as absent.
//   - Props present on the wire decode to a non-nil map, {} to an empty one;
//     absent optional props stay nil. Encode writes required props always
//     ({} for nil) and optional props whenever they are non-nil.
//   - Optional members are omitted when zero ("", false, 0, nil).
//   - VStreams is clamped to 0..32 both ways.
//   - Base64 is the standard alphabet; Decode also accepts it unpadded.
//   - Type names are matched ignoring ASCII case, as the reference does
//     ("setup" is a SETUP); Encode always writes the upper-case name.
//
// Where Decode deliberately differs from the reference decoder:
//   - It accepts an UPDATE without "props" (Props stays nil). The message
//     table makes props optional for UPDATE, but the reference's decoder
//     logs "no props" and still fails; a peer may well leave them out.
//
// Decode is stricter than the reference, by choice, and rejects with
// ErrBadMessage:
//   - duplicate member names, at any depth;
//   - bytes other than white space after the object;
//   - ids (sessid, src_userid, src_clientid, dest_userid, dest_clientid)
//     and prop values that are not JSON strings;
//   - an ALERT level that is not an integer in 0..2^32-1 (negative,
//     fractional or too large);
//   - a missing sessid (the reference decodes a message of no type that its
//     ECONN then drops, so the effect is the same).
//
// The protocol reference, with these notes, is docs/protocol.md ("Wire
// format", "Conformance notes").

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// MaxMessageSize is the largest message, in bytes, that Decode accepts.
const MaxMessageSize = 1 << 20

// ProtocolVersion is the value Encode writes in "version" and Decode
// requires (case-insensitively).
const ProtocolVersion = "3.0"

// maxVStreams is the upper bound CONFCONN's vstreams is clamped to.
const maxVStreams = 32

// field is a member of the wire object.
type field uint8

const (
	fVersion field = iota
	fType
	fSessID
	fSrcUser
	fSrcClient
	fDestUser
	fDestClient
	fResp
	fSDP
	fProps
	fURL
	fLevel
	fDescr
	fSFTURL
	fSecret
	fTimestamp
	fSeqno
	fICEServers
	fUpdate
	fTool
	fToolVer
	fStatus
	fSelectiveAudio
	fSelectiveVideo
	fVStreams
	fShouldStart
	fEntropy
	fParticipants
	fKeys
	fUsername
	numFields
)

// member is one field of a message type and whether it must be present.
type member struct {
	f        field
	required bool
}

func req(f field) member { return member{f, true} }
func opt(f field) member { return member{f, false} }

// commonMembers follow version and type in every message, in wire order.
var commonMembers = []member{
	req(fSessID), opt(fSrcUser), opt(fSrcClient), opt(fDestUser), opt(fDestClient), req(fResp),
}

// typeMembers lists each type's own members in wire order.
var typeMembers = map[MsgType][]member{
	MsgSetup:      {req(fSDP), req(fProps), opt(fURL)},
	MsgCancel:     nil,
	MsgHangup:     nil,
	MsgPropsync:   {req(fProps)},
	MsgGroupStart: {opt(fProps)},
	MsgGroupLeave: nil,
	MsgGroupCheck: nil,
	MsgGroupSetup: {req(fSDP), req(fProps)},
	MsgConfConn: {opt(fICEServers), opt(fUpdate), opt(fTool), opt(fToolVer), opt(fStatus),
		opt(fSelectiveAudio), opt(fSelectiveVideo), opt(fVStreams)},
	MsgConfStart: {req(fSFTURL), req(fSecret), req(fTimestamp), req(fSeqno), opt(fProps)},
	MsgConfEnd:   nil,
	MsgConfPart: {opt(fShouldStart), req(fTimestamp), req(fSeqno), opt(fEntropy),
		req(fParticipants)},
	MsgConfKey:        {req(fKeys)},
	MsgConfCheck:      {req(fSFTURL), req(fSecret), req(fTimestamp), req(fSeqno)},
	MsgUpdate:         {req(fSDP), opt(fProps)},
	MsgReject:         nil,
	MsgAlert:          {req(fLevel), req(fDescr)},
	MsgPing:           nil,
	MsgDevpairPublish: {opt(fICEServers), req(fSDP), req(fUsername)},
	MsgDevpairAccept:  {req(fSDP)},
}

// typeByName maps each upper-case wire type name to its type.
var typeByName = func() map[string]MsgType {
	m := make(map[string]MsgType, len(msgTypes))
	for _, t := range msgTypes {
		m[t.String()] = t
	}
	return m
}()

// maxTypeName bounds the length of a name lookupType folds; every known
// name is shorter.
const maxTypeName = 32

// lookupType returns the type of a wire type name, ignoring ASCII case as
// the reference's strcasecmp does. Only ASCII letters fold: "ſetup" (with
// U+017F) is not a SETUP, although Unicode case folding would make it one.
func lookupType(name []byte) (MsgType, bool) {
	if t, ok := typeByName[string(name)]; ok {
		return t, true
	}
	if len(name) > maxTypeName {
		return 0, false
	}
	var buf [maxTypeName]byte
	upper := buf[:len(name)]
	for i, b := range name {
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		upper[i] = b
	}
	t, ok := typeByName[string(upper)]
	return t, ok
}

// fieldByName maps a member name to its field.
var fieldByName = func() map[string]field {
	m := make(map[string]field, numFields)
	for f := range numFields {
		m[fields[f].name] = f
	}
	return m
}()

// Decode parses one message. currTime is the receiver's current time and
// msgTime the message's time, both in seconds: the message gets Time =
// msgTime and Age = currTime - msgTime (0 when msgTime is in the future).
//
// Errors wrap ErrTooLarge (over MaxMessageSize), ErrBadMessage (not a JSON
// object; a required member missing or a member of the wrong JSON type),
// ErrVersion (version is not "3.0") or ErrUnsupported (unknown type name,
// compared ignoring ASCII case), and say which member was wrong.
func Decode(data []byte, currTime, msgTime uint32) (*Message, error) {
	if len(data) > MaxMessageSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), MaxMessageSize)
	}
	var unq unquotedMembers
	raw, err := scanMembers(data, &unq)
	if err != nil {
		return nil, err
	}
	t, err := decodeHeader(&raw)
	if err != nil {
		return nil, err
	}
	m := &Message{Type: t, Time: msgTime}
	if currTime > msgTime {
		m.Age = currTime - msgTime
	}
	if err := decodeMembers(m, &raw, &unq, commonMembers); err != nil {
		return nil, err
	}
	if err := decodeMembers(m, &raw, &unq, typeMembers[t]); err != nil {
		return nil, err
	}
	return m, nil
}

// scanner is a reusable jsontext.Decoder reading from a bytes.Buffer,
// which it parses in place. Pooling it saves most of Decode's allocations.
type scanner struct {
	dec jsontext.Decoder
	buf bytes.Buffer
}

var scanners = sync.Pool{New: func() any { return new(scanner) }}

// release drops the reference to the caller's data and returns s to the pool.
func (s *scanner) release() {
	s.buf = bytes.Buffer{}
	s.dec.Reset(&s.buf)
	scanners.Put(s)
}

// rawMembers holds the raw JSON value of each known member; nil when the
// member is absent or null.
type rawMembers [numFields][]byte

// unquotedMembers holds the text of the string members the fast scan
// unescaped as it validated them (fastscan.go); the others are unescaped
// from their raw value.
type unquotedMembers struct {
	text [numFields]string
	has  [numFields]bool
}

// scanMembers checks that data is exactly one JSON object and collects the
// values of the members the codec knows: with the fast scan (fastscan.go)
// when it can tell, which also unescapes the string members into unq,
// with the library's otherwise.
func scanMembers(data []byte, unq *unquotedMembers) (rawMembers, error) {
	if raw, ok := fastScan(data, unq); ok {
		return raw, nil
	}
	*unq = unquotedMembers{}
	return scanMembersLibrary(data)
}

// scanMembersLibrary is scanMembers with the JSON library's scan, which
// decides every input and names what is wrong.
func scanMembersLibrary(data []byte) (rawMembers, error) {
	var raw rawMembers
	s := scanners.Get().(*scanner)
	defer s.release()
	s.buf = *bytes.NewBuffer(data)
	dec := &s.dec
	dec.Reset(&s.buf)
	tok, err := dec.ReadToken()
	if err != nil {
		return raw, notJSON(err)
	}
	if tok.Kind() != '{' {
		return raw, fmt.Errorf("%w: not a JSON object but %s", ErrBadMessage, kindName(tok.Kind()))
	}
	for dec.PeekKind() == '"' {
		name, err := dec.ReadValue()
		if err != nil {
			return raw, notJSON(err)
		}
		f, known := lookupField(name)
		val, err := dec.ReadValue()
		if err != nil {
			return raw, notJSON(err)
		}
		if known && val.Kind() != 'n' {
			end := int(dec.InputOffset())
			raw[f] = data[end-len(val) : end]
		}
	}
	if _, err := dec.ReadToken(); err != nil { // the closing '}'
		return raw, notJSON(err)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return raw, fmt.Errorf("%w: not JSON: data after the object", ErrBadMessage)
	}
	return raw, nil
}

// lookupField finds the field of a raw member name (a valid JSON string).
func lookupField(name []byte) (field, bool) {
	inner := name[1 : len(name)-1]
	if bytes.IndexByte(inner, '\\') >= 0 {
		unq, err := jsontext.AppendUnquote(nil, name)
		if err != nil {
			return 0, false
		}
		inner = unq
	}
	f, ok := fieldByName[string(inner)]
	return f, ok
}

func notJSON(err error) error {
	return fmt.Errorf("%w: not JSON: %v", ErrBadMessage, err)
}

// decodeHeader checks version and type and returns the type.
func decodeHeader(raw *rawMembers) (MsgType, error) {
	version, err := headerString(raw, fVersion)
	if err != nil {
		return 0, err
	}
	if !bytes.EqualFold(version, []byte(ProtocolVersion)) {
		return 0, fmt.Errorf("%w: version %q, want %q", ErrVersion, version, ProtocolVersion)
	}
	name, err := headerString(raw, fType)
	if err != nil {
		return 0, err
	}
	t, ok := lookupType(name)
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrUnsupported, name)
	}
	return t, nil
}

// headerString returns the unquoted value of version or type. It does not
// copy the value when it has no escapes: these two are only compared.
func headerString(raw *rawMembers, f field) ([]byte, error) {
	r := raw[f]
	if r == nil {
		return nil, fmt.Errorf("%w: missing %q", ErrBadMessage, fields[f].name)
	}
	s, err := unquote(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrBadMessage, fields[f].name, err)
	}
	return s, nil
}

// decodeMembers decodes the listed members of raw into m, the string
// members the fast scan unescaped from unq.
func decodeMembers(m *Message, raw *rawMembers, unq *unquotedMembers, members []member) error {
	for _, mem := range members {
		c := &fields[mem.f]
		r := raw[mem.f]
		if r == nil {
			if mem.required {
				return fmt.Errorf("%w: %v: missing %q", ErrBadMessage, m.Type, c.name)
			}
			continue
		}
		if unq.has[mem.f] {
			*c.str(m) = unq.text[mem.f]
			continue
		}
		if err := c.decode(m, r); err != nil {
			return fmt.Errorf("%w: %v: %q: %v", ErrBadMessage, m.Type, c.name, err)
		}
	}
	return nil
}

// Encode returns the message's wire form: compact JSON with version, type,
// sessid, the ids that are set, resp, then the type's own members. It fails
// with ErrUnsupported for an unknown type, with ErrInvalid for a string that
// is not valid UTF-8 and with ErrTooLarge for a result over MaxMessageSize,
// so that what it returns Decode accepts. Time, Age and Transient are not
// written.
func (m *Message) Encode() ([]byte, error) {
	members, ok := typeMembers[m.Type]
	if !ok {
		return nil, fmt.Errorf("%w: cannot encode %v", ErrUnsupported, m.Type)
	}
	e := encoder{buf: make([]byte, 0, 256+len(m.SDP)+len(m.SDP)/8)}
	e.buf = append(e.buf, `{"version":"`+ProtocolVersion+`","type":"`...)
	e.buf = append(e.buf, m.Type.String()...)
	e.buf = append(e.buf, '"')
	e.members(m, commonMembers)
	e.members(m, members)
	e.buf = append(e.buf, '}')
	if e.err != nil {
		return nil, fmt.Errorf("%w: %v: %q: %v", ErrInvalid, m.Type, fields[e.errField].name, e.err)
	}
	if len(e.buf) > MaxMessageSize {
		return nil, fmt.Errorf("%w: %v encodes to %d bytes, limit %d", ErrTooLarge, m.Type, len(e.buf), MaxMessageSize)
	}
	return e.buf, nil
}

// encoder appends JSON to buf and keeps the first error with its field.
type encoder struct {
	buf      []byte
	field    field
	err      error
	errField field
}

func (e *encoder) members(m *Message, members []member) {
	for _, mem := range members {
		c := &fields[mem.f]
		if !mem.required && c.isZero(m) {
			continue
		}
		e.field = mem.f
		e.buf = append(e.buf, ',', '"')
		e.buf = append(e.buf, c.name...)
		e.buf = append(e.buf, '"', ':')
		c.encode(e, m)
	}
}

func (e *encoder) fail(err error) {
	if e.err == nil {
		e.err, e.errField = err, e.field
	}
}

// key appends an object key (a constant ASCII name) and, unless first, the
// comma before it.
func (e *encoder) key(name string, first bool) {
	if !first {
		e.buf = append(e.buf, ',')
	}
	e.buf = append(e.buf, '"')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '"', ':')
}

func (e *encoder) string(s string) {
	b, err := jsontext.AppendQuote(e.buf, s)
	if err != nil {
		e.fail(errors.New("not valid UTF-8"))
	}
	e.buf = b
}

func (e *encoder) bool(v bool) { e.buf = strconv.AppendBool(e.buf, v) }

func (e *encoder) decimal(v uint64) {
	e.buf = append(e.buf, '"')
	e.buf = strconv.AppendUint(e.buf, v, 10)
	e.buf = append(e.buf, '"')
}

func (e *encoder) base64(b []byte) {
	e.buf = append(e.buf, '"')
	e.buf = base64.StdEncoding.AppendEncode(e.buf, b)
	e.buf = append(e.buf, '"')
}

// props appends p as an object with sorted keys, {} when nil.
func (e *encoder) props(p Props) {
	e.buf = append(e.buf, '{')
	for i, k := range slices.Sorted(maps.Keys(p)) {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.string(k)
		e.buf = append(e.buf, ':')
		e.string(p[k])
	}
	e.buf = append(e.buf, '}')
}

func (e *encoder) iceServers(servers []ICEServer) {
	e.buf = append(e.buf, '[')
	for i, s := range servers {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, '{')
		e.key("urls", true)
		e.buf = append(e.buf, '[')
		for j, u := range s.URLs {
			if j > 0 {
				e.buf = append(e.buf, ',')
			}
			e.string(u)
		}
		e.buf = append(e.buf, ']')
		if s.Username != "" {
			e.key("username", false)
			e.string(s.Username)
		}
		if s.Credential != "" {
			e.key("credential", false)
			e.string(s.Credential)
		}
		e.buf = append(e.buf, '}')
	}
	e.buf = append(e.buf, ']')
}

func (e *encoder) participants(ps []ConfParticipant) {
	e.buf = append(e.buf, '[')
	for i, p := range ps {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, '{')
		e.key("userid", true)
		e.string(p.UserID)
		e.key("clientid", false)
		e.string(p.ClientID)
		e.key("authorized", false)
		e.bool(p.Authorized)
		e.key("ssrc_audio", false)
		e.decimal(uint64(p.SSRCAudio))
		e.key("ssrc_video", false)
		e.decimal(uint64(p.SSRCVideo))
		e.buf = append(e.buf, '}')
	}
	e.buf = append(e.buf, ']')
}

func (e *encoder) keys(keys []ConfKey) {
	e.buf = append(e.buf, '[')
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, '{')
		e.key("idx", true)
		e.buf = strconv.AppendInt(e.buf, int64(k.Idx), 10)
		e.key("data", false)
		e.base64(k.Data)
		e.buf = append(e.buf, '}')
	}
	e.buf = append(e.buf, ']')
}

// fieldCodec decodes, encodes and tests for zero one member of Message.
type fieldCodec struct {
	name string
	// decode parses raw, a valid JSON value other than null, into m and
	// says what is wrong with it when it cannot.
	decode func(m *Message, raw []byte) error
	// encode appends the member's value (the name is already written).
	encode func(e *encoder, m *Message)
	// isZero reports whether the member is unset, so that an optional
	// member is left out.
	isZero func(m *Message) bool
	// str, of a string member, points at its field: the fast scan
	// unescapes string members itself.
	str func(m *Message) *string
}

// fields describes every member. version and type carry only their name:
// Decode and Encode handle them before the others.
var fields = [numFields]fieldCodec{
	fVersion:   {name: "version"},
	fType:      {name: "type"},
	fSessID:    stringField("sessid", func(m *Message) *string { return &m.SessID }),
	fSrcUser:   stringField("src_userid", func(m *Message) *string { return &m.SrcUser }),
	fSrcClient: stringField("src_clientid", func(m *Message) *string { return &m.SrcClient }),
	fDestUser:  stringField("dest_userid", func(m *Message) *string { return &m.DestUser }),
	fDestClient: stringField("dest_clientid",
		func(m *Message) *string { return &m.DestClient }),
	fResp: boolField("resp", func(m *Message) *bool { return &m.Resp }),
	fSDP:  stringField("sdp", func(m *Message) *string { return &m.SDP }),
	fProps: {
		name:   "props",
		decode: func(m *Message, raw []byte) error { return decodeProps(&m.Props, raw) },
		encode: func(e *encoder, m *Message) { e.props(m.Props) },
		isZero: func(m *Message) bool { return m.Props == nil },
	},
	fURL: stringField("url", func(m *Message) *string { return &m.URL }),
	fLevel: {
		name: "level",
		decode: func(m *Message, raw []byte) error {
			v, err := decodeUint(raw, 32)
			m.Level = uint32(v)
			return err
		},
		encode: func(e *encoder, m *Message) { e.buf = strconv.AppendUint(e.buf, uint64(m.Level), 10) },
		isZero: func(m *Message) bool { return m.Level == 0 },
	},
	fDescr:  stringField("descr", func(m *Message) *string { return &m.Descr }),
	fSFTURL: stringField("sft_url", func(m *Message) *string { return &m.SFTURL }),
	fSecret: base64Field("secret", func(m *Message) *[]byte { return &m.Secret }),
	fTimestamp: {
		name: "timestamp",
		decode: func(m *Message, raw []byte) (err error) {
			m.Timestamp, err = decodeDecimal(raw, 64)
			return err
		},
		encode: func(e *encoder, m *Message) { e.decimal(m.Timestamp) },
		isZero: func(m *Message) bool { return m.Timestamp == 0 },
	},
	fSeqno: {
		name: "seqno",
		decode: func(m *Message, raw []byte) error {
			v, err := decodeDecimal(raw, 32)
			m.Seqno = uint32(v)
			return err
		},
		encode: func(e *encoder, m *Message) { e.decimal(uint64(m.Seqno)) },
		isZero: func(m *Message) bool { return m.Seqno == 0 },
	},
	fICEServers: {
		name:   "ice_servers",
		decode: func(m *Message, raw []byte) error { return decodeICEServers(&m.ICEServers, raw) },
		encode: func(e *encoder, m *Message) { e.iceServers(m.ICEServers) },
		isZero: func(m *Message) bool { return len(m.ICEServers) == 0 },
	},
	fUpdate:  boolField("update", func(m *Message) *bool { return &m.Update }),
	fTool:    stringField("tool", func(m *Message) *string { return &m.Tool }),
	fToolVer: stringField("toolver", func(m *Message) *string { return &m.ToolVer }),
	fStatus: {
		name: "status",
		decode: func(m *Message, raw []byte) (err error) {
			m.Status, err = decodeInt(raw)
			return err
		},
		encode: func(e *encoder, m *Message) { e.buf = strconv.AppendInt(e.buf, int64(m.Status), 10) },
		isZero: func(m *Message) bool { return m.Status == 0 },
	},
	fSelectiveAudio: boolField("selective_audio", func(m *Message) *bool { return &m.SelectiveAudio }),
	fSelectiveVideo: boolField("selective_video", func(m *Message) *bool { return &m.SelectiveVideo }),
	fVStreams: {
		name:   "vstreams",
		decode: func(m *Message, raw []byte) (err error) { m.VStreams, err = decodeVStreams(raw); return err },
		encode: func(e *encoder, m *Message) {
			e.buf = strconv.AppendInt(e.buf, int64(clampVStreams(m.VStreams)), 10)
		},
		isZero: func(m *Message) bool { return clampVStreams(m.VStreams) == 0 },
	},
	fShouldStart: boolField("should_start", func(m *Message) *bool { return &m.ShouldStart }),
	fEntropy:     base64Field("entropy", func(m *Message) *[]byte { return &m.Entropy }),
	fParticipants: {
		name: "participants",
		decode: func(m *Message, raw []byte) error {
			return decodeParticipants(&m.Participants, raw)
		},
		encode: func(e *encoder, m *Message) { e.participants(m.Participants) },
		isZero: func(m *Message) bool { return len(m.Participants) == 0 },
	},
	fKeys: {
		name:   "keys",
		decode: func(m *Message, raw []byte) error { return decodeKeys(&m.Keys, raw) },
		encode: func(e *encoder, m *Message) { e.keys(m.Keys) },
		isZero: func(m *Message) bool { return len(m.Keys) == 0 },
	},
	fUsername: stringField("username", func(m *Message) *string { return &m.Username }),
}

func stringField(name string, p func(*Message) *string) fieldCodec {
	return fieldCodec{
		name:   name,
		decode: func(m *Message, raw []byte) error { return decodeString(p(m), raw) },
		encode: func(e *encoder, m *Message) { e.string(*p(m)) },
		isZero: func(m *Message) bool { return *p(m) == "" },
		str:    p,
	}
}

func boolField(name string, p func(*Message) *bool) fieldCodec {
	return fieldCodec{
		name:   name,
		decode: func(m *Message, raw []byte) error { return decodeBool(p(m), raw) },
		encode: func(e *encoder, m *Message) { e.bool(*p(m)) },
		isZero: func(m *Message) bool { return !*p(m) },
	}
}

func base64Field(name string, p func(*Message) *[]byte) fieldCodec {
	return fieldCodec{
		name: name,
		decode: func(m *Message, raw []byte) (err error) {
			*p(m), err = decodeBase64(raw)
			return err
		},
		encode: func(e *encoder, m *Message) { e.base64(*p(m)) },
		isZero: func(m *Message) bool { return len(*p(m)) == 0 },
	}
}

// kindName names a JSON kind for error messages.
func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "nothing"
}

func wantGot(want string, raw []byte) error {
	return fmt.Errorf("want %s, got %s", want, kindName(jsontext.Value(raw).Kind()))
}

func decodeString(dst *string, raw []byte) error {
	if raw[0] != '"' {
		return wantGot("a string", raw)
	}
	s, err := unquoteScanned(raw)
	if err != nil {
		return err
	}
	*dst = s
	return nil
}

// unquoteScanned returns the contents of raw, a JSON string that the
// scanner has already validated (syntax, escapes, UTF-8). An SDP has an
// escape every 20 bytes or so (\r\n, \/), and the library's unescaping
// walks it byte by byte, validating it all over again: that cost as much
// as the scan. Since raw is valid, what lies between escapes is copied as
// it is, and only the two-byte escapes are translated; a \u escape, or
// anything unexpected, goes to the library instead (FuzzUnquoteScanned
// compares the two). The library offers no call that unescapes a string it
// has validated without validating it again.
func unquoteScanned(raw []byte) (string, error) {
	inner := raw[1 : len(raw)-1]
	i := bytes.IndexByte(inner, '\\')
	if i < 0 {
		return string(inner), nil
	}
	// Exactly the room the result needs when no escape is \\ (true of an
	// SDP), so that the string is allocated once and no larger; a \\
	// makes the builder grow once more.
	var b strings.Builder
	b.Grow(len(inner) - bytes.Count(inner, []byte{'\\'}))
	for i >= 0 {
		b.Write(inner[:i])
		inner = inner[i:]
		// A run of escapes, such as \r\n, without searching between them.
		for len(inner) > 0 && inner[0] == '\\' {
			if len(inner) < 2 || unescaped[inner[1]] == 0 {
				return unquoteLibrary(raw)
			}
			b.WriteByte(unescaped[inner[1]])
			inner = inner[2:]
		}
		i = bytes.IndexByte(inner, '\\')
	}
	b.Write(inner)
	return b.String(), nil
}

// unescaped maps the letter of a two-byte JSON escape to the byte it
// stands for; 0 for the others (\u and invalid ones).
var unescaped = [256]byte{
	'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t',
}

// unquoteLibrary unescapes raw with the JSON library.
func unquoteLibrary(raw []byte) (string, error) {
	b, err := jsontext.AppendUnquote(nil, raw)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// unquote returns the contents of the JSON string raw, a sub-slice of raw
// when it has no escapes.
func unquote(raw []byte) ([]byte, error) {
	if raw[0] != '"' {
		return nil, wantGot("a string", raw)
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner, nil
	}
	return jsontext.AppendUnquote(nil, raw)
}

func decodeBool(dst *bool, raw []byte) error {
	switch string(raw) {
	case "true":
		*dst = true
	case "false":
		*dst = false
	default:
		return wantGot("a boolean", raw)
	}
	return nil
}

// decodeUint accepts a JSON integer literal in 0..2^bits-1.
func decodeUint(raw []byte, bits int) (uint64, error) {
	if jsontext.Value(raw).Kind() != '0' {
		return 0, wantGot("an unsigned integer", raw)
	}
	v, err := strconv.ParseUint(string(raw), 10, bits)
	if err != nil {
		return 0, fmt.Errorf("want an unsigned %d-bit integer, got %s", bits, raw)
	}
	return v, nil
}

// decodeInt accepts a JSON integer literal that fits an int.
func decodeInt(raw []byte) (int, error) {
	if jsontext.Value(raw).Kind() != '0' {
		return 0, wantGot("an integer", raw)
	}
	v, err := strconv.ParseInt(string(raw), 10, 0)
	if err != nil {
		return 0, fmt.Errorf("want an integer, got %s", raw)
	}
	return int(v), nil
}

// decodeVStreams accepts any JSON integer and clamps it to 0..maxVStreams.
func decodeVStreams(raw []byte) (int, error) {
	if jsontext.Value(raw).Kind() != '0' {
		return 0, wantGot("an integer", raw)
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("want an integer, got %s", raw)
	}
	// On ErrRange, v is the bound of the sign the literal had.
	return clampVStreams64(v), nil
}

func clampVStreams(v int) int { return clampVStreams64(int64(v)) }

func clampVStreams64(v int64) int {
	return int(min(max(v, 0), maxVStreams))
}

// decodeDecimal accepts a JSON string holding a decimal in 0..2^bits-1.
func decodeDecimal(raw []byte, bits int) (uint64, error) {
	var s string
	if err := decodeString(&s, raw); err != nil {
		return 0, err
	}
	return parseDecimal(s, bits)
}

func parseDecimal(s string, bits int) (uint64, error) {
	v, err := strconv.ParseUint(s, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("want a decimal string of an unsigned %d-bit integer, got %q", bits, s)
	}
	return v, nil
}

// decodeBase64 accepts a JSON string in standard base64, padded or not.
func decodeBase64(raw []byte) ([]byte, error) {
	var s string
	if err := decodeString(&s, raw); err != nil {
		return nil, err
	}
	return parseBase64(s)
}

func parseBase64(s string) ([]byte, error) {
	enc := base64.StdEncoding
	if !strings.HasSuffix(s, "=") && len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("want base64: %v", err)
	}
	return b, nil
}

func decodeProps(dst *Props, raw []byte) error {
	if raw[0] != '{' {
		return wantGot("an object of strings", raw)
	}
	p, ok := scanProps(raw)
	if !ok {
		// A value that is not a string: the library's error says which.
		p = Props{}
		if err := json.Unmarshal(raw, &p); err != nil {
			return err
		}
	}
	*dst = p
	return nil
}

// scanProps reads raw, an object the scanner has already validated, member
// by member with a pooled decoder: for a handful of props this costs less
// than json.Unmarshal's reflection. It reports false when a value is not a
// string, leaving the error to the library.
func scanProps(raw []byte) (Props, bool) {
	s := scanners.Get().(*scanner)
	defer s.release()
	s.buf = *bytes.NewBuffer(raw)
	dec := &s.dec
	dec.Reset(&s.buf)
	if _, err := dec.ReadToken(); err != nil { // the opening '{'
		return nil, false
	}
	p := Props{}
	for dec.PeekKind() == '"' {
		name, err := dec.ReadValue()
		if err != nil {
			return nil, false
		}
		k, err := propString(name)
		if err != nil || dec.PeekKind() != '"' {
			return nil, false
		}
		value, err := dec.ReadValue()
		if err != nil {
			return nil, false
		}
		v, err := propString(value)
		if err != nil {
			return nil, false
		}
		p[k] = v
	}
	return p, true
}

// propString unquotes a prop name or value, sharing the strings of the
// props the reference understands instead of allocating them again.
func propString(raw []byte) (string, error) {
	if s, ok := propWords[string(raw)]; ok {
		return s, nil
	}
	return unquoteScanned(raw)
}

// propWords maps the quoted names and values of the props the reference
// understands (docs/protocol.md) to their text.
var propWords = func() map[string]string {
	m := make(map[string]string)
	for _, w := range []string{"videosend", "screensend", "muted", "audiocbr", "true", "false", "paused"} {
		m[`"`+w+`"`] = w
	}
	return m
}()

// The shapes of array elements on the wire; pointers tell a required
// member that is absent from one that is empty.
type (
	iceServerWire struct {
		URLs       *[]string `json:"urls"`
		Username   string    `json:"username"`
		Credential string    `json:"credential"`
	}
	participantWire struct {
		UserID     *string `json:"userid"`
		ClientID   *string `json:"clientid"`
		Authorized bool    `json:"authorized"`
		SSRCAudio  string  `json:"ssrc_audio"`
		SSRCVideo  string  `json:"ssrc_video"`
	}
	keyWire struct {
		Idx  *int    `json:"idx"`
		Data *string `json:"data"`
	}
)

// unmarshalArray decodes raw, which must be a JSON array, into dst.
func unmarshalArray[T any](raw []byte, dst *[]T) error {
	if raw[0] != '[' {
		return wantGot("an array", raw)
	}
	return json.Unmarshal(raw, dst)
}

func decodeICEServers(dst *[]ICEServer, raw []byte) error {
	var ws []iceServerWire
	if err := unmarshalArray(raw, &ws); err != nil {
		return err
	}
	out := make([]ICEServer, len(ws))
	for i, w := range ws {
		if w.URLs == nil {
			return fmt.Errorf("[%d]: missing \"urls\"", i)
		}
		out[i] = ICEServer{URLs: *w.URLs, Username: w.Username, Credential: w.Credential}
	}
	*dst = out
	return nil
}

func decodeParticipants(dst *[]ConfParticipant, raw []byte) error {
	var ws []participantWire
	if err := unmarshalArray(raw, &ws); err != nil {
		return err
	}
	out := make([]ConfParticipant, len(ws))
	for i, w := range ws {
		if w.UserID == nil {
			return fmt.Errorf("[%d]: missing \"userid\"", i)
		}
		if w.ClientID == nil {
			return fmt.Errorf("[%d]: missing \"clientid\"", i)
		}
		p := ConfParticipant{UserID: *w.UserID, ClientID: *w.ClientID, Authorized: w.Authorized}
		for _, s := range []struct {
			name string
			text string
			dst  *uint32
		}{{"ssrc_audio", w.SSRCAudio, &p.SSRCAudio}, {"ssrc_video", w.SSRCVideo, &p.SSRCVideo}} {
			if s.text == "" {
				continue
			}
			v, err := parseDecimal(s.text, 32)
			if err != nil {
				return fmt.Errorf("[%d].%s: %v", i, s.name, err)
			}
			*s.dst = uint32(v)
		}
		out[i] = p
	}
	*dst = out
	return nil
}

func decodeKeys(dst *[]ConfKey, raw []byte) error {
	var ws []keyWire
	if err := unmarshalArray(raw, &ws); err != nil {
		return err
	}
	out := make([]ConfKey, len(ws))
	for i, w := range ws {
		if w.Idx == nil {
			return fmt.Errorf("[%d]: missing \"idx\"", i)
		}
		if w.Data == nil {
			return fmt.Errorf("[%d]: missing \"data\"", i)
		}
		data, err := parseBase64(*w.Data)
		if err != nil {
			return fmt.Errorf("[%d].data: %v", i, err)
		}
		out[i] = ConfKey{Idx: *w.Idx, Data: data}
	}
	*dst = out
	return nil
}
