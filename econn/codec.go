package econn

import (
	"encoding/json"
	"fmt"
	"strings"
)

// MaxMessageSize is the largest message, in bytes, that Decode accepts.
const MaxMessageSize = 1 << 20

type wireMsg struct {
	Version    string            `json:"version"`
	Type       string            `json:"type"`
	SessID     string            `json:"sessid"`
	SrcUser    string            `json:"src_userid,omitempty"`
	SrcClient  string            `json:"src_clientid,omitempty"`
	DestUser   string            `json:"dest_userid,omitempty"`
	DestClient string            `json:"dest_clientid,omitempty"`
	Resp       bool              `json:"resp"`
	SDP        string            `json:"sdp,omitempty"`
	Props      map[string]string `json:"props,omitempty"`
	URL        string            `json:"url,omitempty"`
}

// Decode parses one message received at currTime that was sent at msgTime.
func Decode(data []byte, currTime, msgTime uint32) (*Message, error) {
	if len(data) > MaxMessageSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(data))
	}
	var w wireMsg
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("%w: not JSON: %v", ErrBadMessage, err)
	}
	if !strings.EqualFold(w.Version, "3.0") {
		return nil, fmt.Errorf("%w: %q", ErrVersion, w.Version)
	}
	t, err := ParseMsgType(w.Type)
	if err != nil {
		return nil, err
	}
	m := &Message{Type: t, SessID: w.SessID, Resp: w.Resp,
		SrcUser: w.SrcUser, SrcClient: w.SrcClient, DestUser: w.DestUser, DestClient: w.DestClient,
		SDP: w.SDP, Props: w.Props, URL: w.URL, Time: msgTime}
	if currTime > msgTime {
		m.Age = currTime - msgTime
	}
	return m, nil
}

// Encode returns the message's JSON wire form.
func (m *Message) Encode() ([]byte, error) {
	if !m.Type.Valid() {
		return nil, fmt.Errorf("%w: %v", ErrUnsupported, m.Type)
	}
	return json.Marshal(wireMsg{Version: "3.0", Type: m.Type.String(), SessID: m.SessID,
		SrcUser: m.SrcUser, SrcClient: m.SrcClient, DestUser: m.DestUser, DestClient: m.DestClient,
		Resp: m.Resp, SDP: m.SDP, Props: m.Props, URL: m.URL})
}
