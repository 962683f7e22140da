package mediaflow

import (
	"net"
	"strconv"
)

// Event is something that happened to a Flow, delivered to the onEvent
// function given to New. EventName is a stable kebab-case name, suitable as
// a note type in the event log.
type Event interface {
	EventName() string
}

// DataChannelOpen: the data channel for direct messages can be used.
type DataChannelOpen struct{}

// DataChannelMessage: a direct message arrived on the data channel. Data is
// owned by the receiver of the event.
type DataChannelMessage struct {
	Data []byte
}

// DataChannelClosed: the data channel closed (the peer closed or the
// connection ended).
type DataChannelClosed struct{}

// ICEStateChanged: the ICE connection state changed. State is the W3C
// spelling ("checking", "connected", "failed", ...).
type ICEStateChanged struct {
	State string
}

// DTLSStateChanged: the DTLS transport state changed ("connecting",
// "connected", "failed", "closed", ...).
type DTLSStateChanged struct {
	State string
}

// ConnectionStateChanged: the peer connection state changed ("connecting",
// "connected", "disconnected", "failed", "closed", ...).
type ConnectionStateChanged struct {
	State string
}

// CandidatePairSelected: ICE chose the candidate pair that carries the
// media (again after a restart or a network change).
type CandidatePairSelected struct {
	Local, Remote Candidate
}

// Candidate is one end of a candidate pair.
type Candidate struct {
	Type     string // "host", "srflx", "prflx" or "relay"
	Protocol string // "udp" or "tcp"
	Address  string
	Port     uint16
	// RelatedAddress is the address a reflexive or relay candidate was
	// derived from (the host's, or the mapped one); empty for a host.
	RelatedAddress string
}

// String renders the candidate as "relay udp 10.0.0.1:50000".
func (c Candidate) String() string {
	return c.Type + " " + c.Protocol + " " + net.JoinHostPort(c.Address, strconv.Itoa(int(c.Port)))
}

// FirstRTP: the first RTP packet of a kind ("audio" or "video") arrived.
// It is reported once per kind for the life of the Flow.
type FirstRTP struct {
	Kind string
}

// MediaFailed: media can no longer flow (the connection failed, or a track
// could not be written or read). Err says why.
type MediaFailed struct {
	Err error
}

// StatsReport: the statistics of the Flow, sent every Options.StatsInterval
// once the connection has been established.
type StatsReport struct {
	Stats Stats
}

// EventName implements Event.
func (DataChannelOpen) EventName() string { return "data-channel-open" }

// EventName implements Event.
func (DataChannelMessage) EventName() string { return "data-channel-message" }

// EventName implements Event.
func (DataChannelClosed) EventName() string { return "data-channel-closed" }

// EventName implements Event.
func (ICEStateChanged) EventName() string { return "ice-state" }

// EventName implements Event.
func (DTLSStateChanged) EventName() string { return "dtls-state" }

// EventName implements Event.
func (ConnectionStateChanged) EventName() string { return "connection-state" }

// EventName implements Event.
func (CandidatePairSelected) EventName() string { return "candidate-pair" }

// EventName implements Event.
func (FirstRTP) EventName() string { return "first-rtp" }

// EventName implements Event.
func (MediaFailed) EventName() string { return "media-failed" }

// EventName implements Event.
func (StatsReport) EventName() string { return "stats" }
