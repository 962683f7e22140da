package redact

import "strings"

// ScrubSDP removes what identifies a peer from an SDP: ICE credentials,
// certificate fingerprints, and addresses in candidates, c=, o= and
// a=rtcp lines. Line endings and everything else are kept.
func ScrubSDP(sdp string) string {
	if sdp == "" {
		return ""
	}
	lines := strings.SplitAfter(sdp, "\n")
	for i, line := range lines {
		body := strings.TrimRight(line, "\r\n")
		end := line[len(body):]
		lines[i] = scrubSDPLine(body) + end
	}
	return strings.Join(lines, "")
}

func scrubSDPLine(l string) string {
	switch {
	case strings.HasPrefix(l, "a=ice-ufrag:"):
		return "a=ice-ufrag:redacted"
	case strings.HasPrefix(l, "a=ice-pwd:"):
		return "a=ice-pwd:redactedredactedredacted"
	case strings.HasPrefix(l, "a=fingerprint:"):
		alg, fp, _ := strings.Cut(strings.TrimPrefix(l, "a=fingerprint:"), " ")
		return "a=fingerprint:" + alg + " " + zeroHex(fp)
	case strings.HasPrefix(l, "a=candidate:"):
		f := strings.Fields(l)
		if len(f) > 4 {
			f[4] = anyAddr(f[4])
		}
		for j := 5; j+1 < len(f); j++ {
			if f[j] == "raddr" {
				f[j+1] = anyAddr(f[j+1])
			}
		}
		return strings.Join(f, " ")
	case strings.HasPrefix(l, "c=IN "), strings.HasPrefix(l, "o="), strings.HasPrefix(l, "a=rtcp:"):
		f := strings.Fields(l)
		for j := 1; j < len(f); j++ {
			if f[j-1] == "IP4" || f[j-1] == "IP6" {
				f[j] = anyAddr(f[j])
			}
		}
		return strings.Join(f, " ")
	}
	return l
}

// anyAddr replaces an address by the unspecified one of its family, and
// an mDNS name by a fixed one.
func anyAddr(a string) string {
	switch {
	case strings.HasSuffix(a, ".local"):
		return "redacted.local"
	case strings.Contains(a, ":"):
		return "::"
	}
	return "0.0.0.0"
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
