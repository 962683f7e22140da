package fleet

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/merge"
)

// Names of the stream, bucket and subjects the fleet uses.
const (
	StreamEvents  = "CALLREC_EVENTS"
	BucketCalls   = "CALLREC_CALLS"
	SubjectPrefix = "callrec.ev"
	// DeviceAll is the device token of a recording that holds several
	// endpoints (a simulation's call).
	DeviceAll = "all"
)

// Message headers of an event.
const (
	HeaderMsgID  = "Nats-Msg-Id"
	HeaderSeq    = "Callrec-Seq"
	HeaderFormat = "Callrec-Format"
)

// Token encodes s as one NATS subject token: letters, digits, '_' and '-'
// stay, every other byte becomes %XX (so '%' itself is escaped and the
// encoding is reversible); "" becomes "_".
func Token(s string) string {
	if s == "" {
		return "_"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			b.WriteByte(c)
			continue
		}
		const hexDigits = "0123456789ABCDEF"
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// RecordingID is the id of the recording of the call meta describes:
// the first 16 bytes, in hex, of the SHA-256 of its start, local id,
// endpoints and first connection's session id. It depends on nothing the
// call gains later but its first connection, so a live publisher and a
// later upload of the same log agree.
func RecordingID(meta *eventlog.CallMeta) string {
	h := sha256.New()
	h.Write([]byte(meta.Start.UTC().Format(time.RFC3339Nano)))
	h.Write([]byte{0})
	h.Write([]byte(meta.ID))
	h.Write([]byte{0})
	for i, ep := range meta.Endpoints {
		if i > 0 {
			h.Write([]byte{','})
		}
		h.Write([]byte(ep.String()))
	}
	h.Write([]byte{0})
	if len(meta.Conns) > 0 {
		h.Write([]byte(meta.Conns[0].Config.SessID))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// ConvOf is the conversation a call belongs to: its "conv" label (set by
// live recorders), "" for a call without one (a simulation).
func ConvOf(meta *eventlog.CallMeta) string { return meta.Labels[merge.LabelConv] }

// DeviceToken is the device part of a recording's subject: "USER-CLIENT"
// token-encoded for a one-endpoint call, DeviceAll for several.
func DeviceToken(meta *eventlog.CallMeta) string {
	if len(meta.Endpoints) != 1 {
		return DeviceAll
	}
	ep := meta.Endpoints[0]
	return Token(ep.User + "-" + ep.Client)
}

// Subject is the subject of the events of recording rec of meta.
func Subject(meta *eventlog.CallMeta, rec string) string {
	return SubjectPrefix + "." + Token(ConvOf(meta)) + "." + rec + "." + DeviceToken(meta)
}

// RecordingSubjects is the filter that selects every event of recording
// rec, whatever its conversation and device.
func RecordingSubjects(rec string) string {
	return SubjectPrefix + ".*." + rec + ".*"
}

// msgID is an event's Nats-Msg-Id.
func msgID(rec string, seq uint64) string {
	return rec + ":" + uintString(seq)
}
