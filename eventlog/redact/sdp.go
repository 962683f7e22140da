package redact

import (
	"fmt"
	"regexp"
	"strings"
)

// ScrubSDP removes what identifies a peer from an SDP, line by line, by
// a policy per line type (README, "Redaction"):
//
//   - ICE credentials (a=ice-ufrag, a=ice-pwd, and the ufrag of each
//     candidate) become fixed placeholders; fingerprints are zeroed;
//   - addresses in candidates, c=, o=, a=rtcp and a=remote-candidates
//     become the unspecified address of their family (an mDNS name
//     "redacted.local"), and their ports 9; a candidate's foundation, which
//     implementations derive from its address, becomes 1;
//   - o= keeps its numbers but not its user name; s= becomes "-";
//     i=, u=, e=, p= and k= (free text, a URI, an e-mail address, a phone
//     number, a key) are replaced;
//   - stream and track ids (a=msid, a=ssrc, a=msid-semantic) are
//     replaced, since applications name them;
//   - the attributes that describe codecs, directions and bundling are
//     kept, word by word as far as their words are numbers, known tokens
//     (codecs, parameters, directions) or registered header extension
//     URIs; any other word becomes "redacted"; media, bundle and
//     simulcast ids (a=mid, a=group, a=rid, a=simulcast) other than
//     short numbers and media names become id1, id2... in order of first
//     appearance, so that BUNDLE still names the same mids;
//   - any other attribute keeps its name and loses its value; a line that
//     is no SDP line at all is replaced.
//
// Line endings are kept. The result depends on sdp alone, so an SDP
// scrubs alike in a command, the message sent and the message received.
func ScrubSDP(sdp string) string {
	if sdp == "" {
		return ""
	}
	lines := strings.SplitAfter(sdp, "\n")
	ids := sdpIDs{}
	for i, line := range lines {
		body := strings.TrimRight(line, "\r\n")
		end := line[len(body):]
		if body != "" {
			body = ids.scrubLine(body)
		}
		lines[i] = body + end
	}
	return strings.Join(lines, "")
}

// keptAttrs are attributes whose values describe codecs, directions,
// bundling and transport parameters: the program's choices, no one's
// data.
var keptAttrs = map[string]bool{
	"rtpmap": true, "fmtp": true, "rtcp-fb": true, "extmap": true, "extmap-allow-mixed": true,
	"sendrecv": true, "sendonly": true, "recvonly": true, "inactive": true,
	"rtcp-mux": true, "rtcp-mux-only": true, "rtcp-rsize": true, "setup": true, "mid": true, "group": true,
	"ice-options": true, "ice-lite": true, "end-of-candidates": true, "sctp-port": true,
	"max-message-size": true, "sctpmap": true, "ptime": true, "maxptime": true, "bundle-only": true,
	"ssrc-group": true, "rid": true, "simulcast": true, "framerate": true,
}

var (
	sdpLine   = regexp.MustCompile(`^([a-z])=(.*)$`)
	sdpNumber = regexp.MustCompile(`^[0-9 ]*$`)
	sdpToken  = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
)

func (ids sdpIDs) scrubLine(l string) string {
	m := sdpLine.FindStringSubmatch(l)
	if m == nil {
		return "x=redacted"
	}
	typ, val := m[1], m[2]
	switch typ {
	case "a":
		return "a=" + ids.scrubAttr(val)
	case "o":
		return "o=" + scrubOrigin(val)
	case "c":
		return "c=" + scrubConn(val)
	case "m":
		return "m=" + scrubMedia(val)
	case "v", "t", "r", "z":
		if sdpNumber.MatchString(val) {
			return l
		}
	case "b":
		if k, v, ok := strings.Cut(val, ":"); ok && sdpToken.MatchString(strings.ToLower(k)) && sdpNumber.MatchString(v) {
			return l
		}
	case "s":
		return "s=-"
	}
	return typ + "=redacted"
}

func (ids sdpIDs) scrubAttr(val string) string {
	name, v, hasValue := strings.Cut(val, ":")
	switch {
	case !sdpToken.MatchString(name):
		return "redacted"
	case !hasValue:
		return name
	case keptAttrs[name]:
		return name + ":" + ids.keptValue(name, v)
	}
	switch name {
	case "ice-ufrag":
		return "ice-ufrag:redacted"
	case "ice-pwd":
		return "ice-pwd:redactedredactedredacted"
	case "fingerprint":
		alg, fp, _ := strings.Cut(v, " ")
		if !sdpToken.MatchString(strings.ToLower(alg)) {
			alg = "redacted"
		}
		return "fingerprint:" + alg + " " + zeroHex(fp)
	case "candidate":
		return "candidate:" + scrubCandidate(v)
	case "remote-candidates":
		f := strings.Fields(v)
		for j := range f {
			switch j % 3 {
			case 0:
				f[j] = keepNumber(f[j])
			case 1:
				f[j] = anyAddr(f[j])
			case 2:
				f[j] = "9"
			}
		}
		return name + ":" + strings.Join(f, " ")
	case "rtcp":
		f := strings.Fields(v)
		if len(f) == 0 {
			return name + ":9"
		}
		return name + ":9" + scrubNetAddr(f[1:])
	case "ssrc":
		id, rest, _ := strings.Cut(v, " ")
		attr, _, _ := strings.Cut(rest, ":")
		if !sdpToken.MatchString(attr) {
			attr = "redacted"
		}
		return name + ":" + keepNumber(id) + " " + attr + ":redacted"
	case "msid-semantic":
		f := strings.Fields(v)
		for j := range f {
			if j > 0 || f[j] != "WMS" {
				f[j] = "redacted"
			}
		}
		return name + ":" + strings.Join(f, " ")
	}
	return name + ":redacted"
}

// scrubCandidate scrubs "foundation component transport priority address
// port typ type [raddr a] [rport p] [name value]...".
func scrubCandidate(v string) string {
	f := strings.Fields(v)
	if len(f) < 8 {
		return "redacted"
	}
	f[0] = "1"
	f[1], f[3] = keepNumber(f[1]), keepNumber(f[3])
	if !sdpToken.MatchString(strings.ToLower(f[2])) {
		f[2] = "redacted"
	}
	f[4], f[5] = anyAddr(f[4]), "9"
	for j := 6; j+1 < len(f); j += 2 {
		switch f[j] {
		case "typ", "tcptype":
			if !sdpToken.MatchString(f[j+1]) {
				f[j+1] = "redacted"
			}
		case "raddr":
			f[j+1] = anyAddr(f[j+1])
		case "rport":
			f[j+1] = "9"
		case "ufrag":
			f[j+1] = "redacted"
		case "generation", "network-id", "network-cost":
			f[j+1] = keepNumber(f[j+1])
		default:
			if !sdpToken.MatchString(f[j]) {
				f[j] = "redacted"
			}
			f[j+1] = "redacted"
		}
	}
	if len(f)%2 == 1 { // a name without a value
		f[len(f)-1] = "redacted"
	}
	return strings.Join(f, " ")
}

// scrubOrigin scrubs "username sess-id sess-version nettype addrtype
// address".
func scrubOrigin(v string) string {
	f := strings.Fields(v)
	if len(f) != 6 {
		return "- 0 0 IN IP4 0.0.0.0"
	}
	return "- " + keepNumber(f[1]) + " " + keepNumber(f[2]) + scrubNetAddr(f[3:])
}

// scrubConn scrubs "nettype addrtype address".
func scrubConn(v string) string {
	return strings.TrimPrefix(scrubNetAddr(strings.Fields(v)), " ")
}

// scrubNetAddr scrubs "IN IP4|IP6 address" (with a leading space), as in
// o=, c= and a=rtcp.
func scrubNetAddr(f []string) string {
	if len(f) == 0 {
		return ""
	}
	if len(f) != 3 || f[0] != "IN" || (f[1] != "IP4" && f[1] != "IP6") {
		return " IN IP4 0.0.0.0"
	}
	return " IN " + f[1] + " " + anyAddr(f[2])
}

// scrubMedia keeps "media port proto fmt..." but for the port, which
// becomes 9 unless it is 0 (a rejected stream), and any word that is no
// known token or number.
func scrubMedia(v string) string {
	f := strings.Fields(v)
	for j := range f {
		switch {
		case j == 1 && f[j] != "0":
			f[j] = "9"
		case j != 1:
			f[j] = sdpWords(f[j])
		}
	}
	return strings.Join(f, " ")
}

// sdpIDs gives the ids an SDP's peer chose for its media and simulcast
// layers (a=mid, a=group, a=rid, a=simulcast) pseudonyms in order of
// first appearance, within one SDP.
type sdpIDs map[string]string

func (ids sdpIDs) id(s string) string {
	if plainID(s) {
		return s
	}
	if p, ok := ids[s]; ok {
		return p
	}
	p := fmt.Sprintf("id%d", len(ids)+1)
	ids[s] = p
	return p
}

// plainID: a short number, one letter or a media name, as browsers
// choose them.
func plainID(s string) bool {
	return len(s) <= maxPlainDigits && sdpNumber.MatchString(s) && s != "" ||
		len(s) == 1 && sdpToken.MatchString(s) ||
		s == "audio" || s == "video" || s == "data"
}

// keptValue checks the value of a kept attribute word by word.
func (ids sdpIDs) keptValue(name, v string) string {
	f := strings.Fields(v)
	switch name {
	case "mid":
		return ids.id(strings.TrimSpace(v))
	case "group":
		for j := range f {
			if j == 0 {
				f[j] = sdpWords(f[j])
			} else {
				f[j] = ids.id(f[j])
			}
		}
		return strings.Join(f, " ")
	case "rid":
		if len(f) > 0 {
			f[0] = ids.id(f[0])
		}
		for j := 1; j < len(f); j++ {
			f[j] = sdpWords(f[j])
		}
		return strings.Join(f, " ")
	case "simulcast":
		for j := range f {
			if j%2 == 0 {
				f[j] = sdpWords(f[j])
			} else {
				f[j] = ridList.ReplaceAllStringFunc(f[j], ids.id)
			}
		}
		return strings.Join(f, " ")
	case "extmap":
		for j := range f {
			if j == 1 && headerExtURI(f[j]) {
				continue
			}
			f[j] = sdpWords(f[j])
		}
		return strings.Join(f, " ")
	}
	for j := range f {
		f[j] = sdpWords(f[j])
	}
	return strings.Join(f, " ")
}

var (
	// sdpWord is a word of a kept attribute's value, between the
	// separators of its grammar.
	sdpWord = regexp.MustCompile(`[^ /;=,:]+`)
	// ridList: the ids of a simulcast list, "~" marking a paused one.
	ridList = regexp.MustCompile(`[^;,~]+`)
	// sdpValue is a number, maybe a decimal, or a short hex value
	// (profile-level-id=42e01f).
	sdpValue = regexp.MustCompile(`^(\d{1,10}(\.\d+)?|[0-9a-fA-F]{1,8})$`)
	// uriPath: what may follow a registered header extension URI prefix.
	uriPath = regexp.MustCompile(`^[A-Za-z0-9._/:-]*$`)
)

// sdpWords keeps a number, a short hex value or a known token of s,
// and replaces any other word by "redacted".
func sdpWords(s string) string {
	return sdpWord.ReplaceAllStringFunc(s, func(w string) string {
		if sdpValue.MatchString(w) || sdpTokens[strings.ToLower(w)] || w == "*" {
			return w
		}
		return "redacted"
	})
}

// headerExtPrefixes are where RTP header extensions are registered (RFC
// 8285) or specified by the browsers that use them.
var headerExtPrefixes = []string{"urn:ietf:params:rtp-hdrext:", "urn:3gpp:",
	"http://www.webrtc.org/experiments/rtp-hdrext/", "http://www.ietf.org/id/"}

func headerExtURI(u string) bool {
	for _, p := range headerExtPrefixes {
		if rest, ok := strings.CutPrefix(u, p); ok {
			return uriPath.MatchString(rest)
		}
	}
	return false
}

// sdpTokens are the words of kept attributes that name no one: media,
// transports, codecs, codec parameters, feedback types, directions,
// setup roles, ICE options, grouping semantics, rid parameters.
var sdpTokens = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`audio video application text message data
	udp tcp tls dtls rtp avp avpf savp savpf sctp webrtc-datachannel
	opus red ulpfec flexfec-03 rtx telephone-event cn g722 pcmu pcma isac ilbc vp8 vp9 av1 h264 h265
	minptime useinbandfec stereo sprop-stereo maxaveragebitrate maxplaybackrate cbr usedtx ptime
	apt rtx-time repair-window profile-level-id packetization-mode level-asymmetry-allowed profile-id
	profile level-idx tier x-google-min-bitrate x-google-max-bitrate x-google-start-bitrate
	nack pli ccm fir goog-remb transport-cc rrtr tmmbr tmmbn
	send recv sendrecv sendonly recvonly inactive actpass active passive holdconn
	trickle renomination ice2 bundle ls fid fec fec-fr sim dup
	pt max-width max-height max-fps max-fs max-br max-pps max-bpp depend`) {
		m[w] = true
	}
	return m
}()

func keepNumber(s string) string {
	if s != "" && sdpNumber.MatchString(s) {
		return s
	}
	return "0"
}

// anyAddr replaces an address by the unspecified one of its family, and
// an mDNS name (or anything else) by a fixed one.
func anyAddr(a string) string {
	switch {
	case strings.Count(a, ".") == 3 && strings.Trim(a, "0123456789.") == "":
		return "0.0.0.0"
	case strings.Contains(a, ":"):
		return "::"
	}
	return "redacted.local"
}

func zeroHex(fp string) string {
	b := []byte(fp)
	for i, c := range b {
		if c != ':' {
			b[i] = '0'
		}
	}
	return string(b)
}
