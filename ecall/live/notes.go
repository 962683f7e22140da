package live

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/callrec/callrec/mediaflow"
)

// statsNote renders a Flow's statistics as a note: one readable line and
// one attribute per counter ("audio.recv.packets", ..., and
// "audio.sent.rtt_us" once the round-trip time is known). Video appears
// only once a video stream has counted something.
func statsNote(s mediaflow.Stats) (string, map[string]string) {
	attrs := map[string]string{
		"data.sent": strconv.FormatUint(s.DataSent, 10),
		"data.recv": strconv.FormatUint(s.DataRecv, 10),
	}
	parts := []string{streamPair("audio", s.AudioSent, s.AudioRecv, attrs)}
	if s.VideoSent.Packets > 0 || s.VideoRecv.Packets > 0 {
		parts = append(parts, streamPair("video", s.VideoSent, s.VideoRecv, attrs))
	}
	parts = append(parts, fmt.Sprintf("data %d sent, %d received", s.DataSent, s.DataRecv))
	return strings.Join(parts, "; "), attrs
}

func streamPair(kind string, sent, recv mediaflow.StreamStats, attrs map[string]string) string {
	streamAttrs(kind+".sent", sent, attrs)
	streamAttrs(kind+".recv", recv, attrs)
	return fmt.Sprintf("%s sent %d pkts (peer reports %d lost), received %d pkts (%d lost, jitter %s)",
		kind, sent.Packets, sent.Lost, recv.Packets, recv.Lost, recv.Jitter.Round(10*time.Microsecond))
}

func streamAttrs(prefix string, s mediaflow.StreamStats, attrs map[string]string) {
	attrs[prefix+".packets"] = strconv.FormatUint(s.Packets, 10)
	attrs[prefix+".bytes"] = strconv.FormatUint(s.Bytes, 10)
	attrs[prefix+".lost"] = strconv.FormatUint(s.Lost, 10)
	attrs[prefix+".jitter_us"] = strconv.FormatInt(s.Jitter.Microseconds(), 10)
	if s.RTTKnown {
		attrs[prefix+".rtt_us"] = strconv.FormatInt(s.RTT.Microseconds(), 10)
	}
}

// pairNote renders the candidate pair ICE selected: its type ("host",
// "srflx" when a NAT's mapping carries it, "relay" through TURN: the
// farthest type of its two ends) and each end.
func pairNote(p mediaflow.CandidatePairSelected) (string, map[string]string) {
	typ := PairType(p.Local.Type, p.Remote.Type)
	attrs := map[string]string{
		"type":        typ,
		"local.type":  p.Local.Type,
		"remote.type": p.Remote.Type,
		"local":       p.Local.String(),
		"remote":      p.Remote.String(),
	}
	return fmt.Sprintf("ICE pair %s: local %s, remote %s", typ, p.Local, p.Remote), attrs
}

// PairType names a candidate pair by its ends' types: "relay" when
// either end is a TURN relay, else "srflx" when either is reflexive
// (server- or peer-reflexive: a NAT's mapping), else "host".
func PairType(local, remote string) string {
	switch {
	case local == "relay" || remote == "relay":
		return "relay"
	case local == "srflx" || remote == "srflx" || local == "prflx" || remote == "prflx":
		return "srflx"
	}
	return "host"
}
