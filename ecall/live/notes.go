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
