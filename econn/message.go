package econn

import (
	"bytes"
	"maps"
	"slices"
)

// Message is one Calling 3.0 signalling message. Which fields a type uses
// is listed in docs/protocol.md ("Wire format"); the codec (Encode, Decode)
// writes and checks exactly those.
type Message struct {
	Type      MsgType
	SessID    string
	Resp      bool
	Transient bool // not on the wire: a hint to the transport (ALERT)

	SrcUser, SrcClient   string
	DestUser, DestClient string

	// Time is the message time and Age the current time minus it, both in
	// seconds; Decode sets them from its arguments.
	Time, Age uint32

	SDP   string // SETUP, GROUPSETUP, UPDATE, DEVPAIR_PUBLISH, DEVPAIR_ACCEPT
	Props Props  // SETUP, GROUPSETUP, UPDATE, PROPSYNC, GROUPSTART, CONFSTART
	URL   string // SETUP (optional)

	// ALERT
	Level uint32
	Descr string

	// CONFSTART, CONFCHECK, CONFPART
	SFTURL    string // CONFSTART, CONFCHECK
	Secret    []byte // CONFSTART, CONFCHECK (base64 on the wire)
	Timestamp uint64 // decimal string on the wire
	Seqno     uint32 // decimal string on the wire

	// CONFCONN
	ICEServers     []ICEServer // CONFCONN, DEVPAIR_PUBLISH
	Update         bool
	Tool, ToolVer  string
	Status         int
	SelectiveAudio bool
	SelectiveVideo bool
	VStreams       int // clamped to 0..32 when decoded

	// CONFPART
	ShouldStart  bool
	Entropy      []byte // base64 on the wire
	Participants []ConfParticipant

	// CONFKEY
	Keys []ConfKey

	// DEVPAIR_PUBLISH
	Username string
}

// ICEServer is one STUN/TURN server as CONFCONN and DEVPAIR_PUBLISH carry it.
type ICEServer struct {
	URLs       []string
	Username   string
	Credential string
}

// ConfParticipant is one entry of a CONFPART participant list.
type ConfParticipant struct {
	UserID, ClientID string
	Authorized       bool
	SSRCAudio        uint32 // decimal string on the wire
	SSRCVideo        uint32 // decimal string on the wire
}

// ConfKey is one media key of a CONFKEY message.
type ConfKey struct {
	Idx  int
	Data []byte // base64 on the wire
}

// Equal reports whether m and o carry the same wire content: every field
// but Time, Age and Transient. Nil and empty Props, byte slices and slices
// count as equal. Two nil messages are equal.
func (m *Message) Equal(o *Message) bool {
	if m == nil || o == nil {
		return m == o
	}
	return m.Type == o.Type && m.SessID == o.SessID && m.Resp == o.Resp &&
		m.SrcUser == o.SrcUser && m.SrcClient == o.SrcClient &&
		m.DestUser == o.DestUser && m.DestClient == o.DestClient &&
		m.SDP == o.SDP && maps.Equal(m.Props, o.Props) && m.URL == o.URL &&
		m.Level == o.Level && m.Descr == o.Descr &&
		m.SFTURL == o.SFTURL && bytes.Equal(m.Secret, o.Secret) &&
		m.Timestamp == o.Timestamp && m.Seqno == o.Seqno &&
		slices.EqualFunc(m.ICEServers, o.ICEServers, iceServerEqual) &&
		m.Update == o.Update && m.Tool == o.Tool && m.ToolVer == o.ToolVer &&
		m.Status == o.Status && m.SelectiveAudio == o.SelectiveAudio &&
		m.SelectiveVideo == o.SelectiveVideo && m.VStreams == o.VStreams &&
		m.ShouldStart == o.ShouldStart && bytes.Equal(m.Entropy, o.Entropy) &&
		slices.Equal(m.Participants, o.Participants) &&
		slices.EqualFunc(m.Keys, o.Keys, func(a, b ConfKey) bool {
			return a.Idx == b.Idx && bytes.Equal(a.Data, b.Data)
		}) &&
		m.Username == o.Username
}

func iceServerEqual(a, b ICEServer) bool {
	return slices.Equal(a.URLs, b.URLs) && a.Username == b.Username && a.Credential == b.Credential
}
