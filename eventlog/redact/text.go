package redact

import (
	_ "embed"
	"net/netip"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Free text (notes, labels, alert descriptions, error texts, URLs) is
// redacted word by word against a vocabulary: the words of the program's
// own wording (vocabulary.txt, the words of every string literal in econn,
// ecall and mediaflow, kept in step by a test) and of the network errors
// that reach notes. A word outside it is a name, an id, a key, a nickname
// or anything else a person or a peer chose, and is replaced by "*"
// (known ids by their pseudonyms). Short numbers, with or without a unit,
// stay: they are counts, durations and timer generations; long ones take
// pseudonyms (numbers.go). Addresses go first, whole: "0.0.0.0", "::",
// "redacted.local", a port after one becomes 9.

//go:embed vocabulary.txt
var vocabularyText string

// networkWords are the words of the Go and pion errors that notes carry
// ("connection reset by peer", "i/o timeout"), which no literal of ours
// spells, and the placeholders redaction itself writes.
const networkWords = `eof use of closed network connection reset by peer broken pipe
timeout deadline exceeded context canceled dial connect tcp udp read write refused no
route to host unreachable websocket close sent received going away abnormal
closure normal redacted jsontext within offset invalid character looking for
beginning value string object literal syntax error unexpected end input`

var vocabulary = func() map[string]bool {
	v := map[string]bool{}
	for _, w := range strings.Fields(vocabularyText + " " + networkWords) {
		v[w] = true
	}
	return v
}()

var (
	// token is a run of text between separators; a token may be an
	// id pair ("A/1"), a dotted name, a URL.
	token = regexp.MustCompile(`[^\s,;()\[\]{}"'<>=|]+`)
	// part splits a token into words and the punctuation between them.
	part = regexp.MustCompile(`[^./:_@#+\-\\]+|[./:_@#+\-\\]+`)
	// number is a number, maybe with a unit or as a Go duration.
	number    = regexp.MustCompile(`^(\d+(\.\d+)?(ns|µs|us|ms|s|m|h))+$|^\d+(\.\d+)?(b|kb|mb|gb|bps|kbps|mbps|k|x|%|th|st|nd|rd)?$`)
	pseudonym = regexp.MustCompile(`^(u|c|s|v|k|n|label|call-r)\d+$`)

	// ipv4port matches an address with its port; a longer dotted run of
	// small numbers goes whole, so no octet is left behind.
	ipv4port = regexp.MustCompile(`\b\d{1,3}(?:\.\d{1,3}){3,}(:\d+)?\b`)
	ipv6port = regexp.MustCompile(`\[[0-9A-Fa-f:.%\w]*\](:\d+)?`)
	// ipv6cand is a run that may be an IPv6 address: hex digits, dots and
	// at least two colons, maybe with a zone; ipv6 keeps those that parse
	// (compressed, trailing "::", IPv4-mapped, with a zone).
	ipv6cand = regexp.MustCompile(`(?i)[0-9a-f.]*:[0-9a-f.]*:[0-9a-f:.]*(%[\w.-]+)?`)
	mdnsport = regexp.MustCompile(`\b[0-9A-Za-z-]+\.local\b(:\d+)?`)
)

// plainWord reports whether w, one word of a token, is kept as it is.
func plainWord(w string) bool {
	l := strings.ToLower(w)
	return vocabulary[l] || number.MatchString(l) && (!longDigits(l) || duration.MatchString(l)) || pseudonym.MatchString(w) && !longDigits(w) ||
		utf8.RuneCountInString(w) == 1 && w[0] < utf8.RuneSelf
}

// isPlain reports whether s is made of vocabulary words, numbers and
// punctuation only: a key, a call id or a note type that names no one,
// kept as it is; any other is pseudonymised, a pseudonym-shaped one too.
func isPlain(s string) bool {
	if s == "" {
		return true
	}
	for _, t := range token.FindAllString(s, -1) {
		for _, p := range part.FindAllString(t, -1) {
			// A pseudonym-shaped word ("k1") is no plain word here: kept,
			// it could meet the pseudonym of another key and one entry of
			// a map would overwrite the other.
			if !isPunct(p) && (!plainWord(p) || pseudonym.MatchString(p)) {
				return false
			}
		}
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f })
}

const punct = `./:_@#+-\`

func isPunct(p string) bool { return strings.Trim(p, punct) == "" }

// scrubAddrs replaces IP addresses and mDNS names, with their ports.
func scrubAddrs(s string) string {
	withPort := func(repl string) func(string) string {
		return func(m string) string {
			if i := strings.LastIndex(m, ":"); i > 0 && !strings.HasSuffix(m, "]") && repl != "::" {
				if strings.Count(m[:i], ".") == 3 || strings.HasSuffix(m[:i], ".local") {
					return repl + ":9"
				}
			}
			return repl
		}
	}
	s = ipv6port.ReplaceAllStringFunc(s, func(m string) string {
		if strings.Contains(m, "]:") {
			return "[::]:9"
		}
		return "[::]"
	})
	s = ipv6cand.ReplaceAllStringFunc(s, func(m string) string {
		if a, err := netip.ParseAddr(m); err == nil && a.Is6() {
			return "::"
		}
		return m
	})
	s = ipv4port.ReplaceAllStringFunc(s, withPort("0.0.0.0"))
	return mdnsport.ReplaceAllStringFunc(s, withPort("redacted.local"))
}

// text redacts free text: SDPs are scrubbed, addresses replaced, ids
// pseudonymised where they are named ("user A", "client 1", "A/1", or an
// id that is no word), and every other word outside the vocabulary
// replaced by "*". Control characters go too. The result depends on s
// alone (and the ids the Redactor knows), so a text redacts alike
// wherever it appears: an alert's description in the input and in the
// message sent.
func (r *Redactor) text(s string) string {
	if isSDP(s) {
		return ScrubSDP(s)
	}
	s = scrubAddrs(noControls(s))
	var b strings.Builder
	prev := []string{"", ""} // the two words before this one
	last := 0
	spans, canon := longNumbers(s)
	for k, sp := range spans {
		if _, ok := r.values[s[sp[0]:sp[1]]]; ok {
			continue // a prop value takes its own pseudonym, as a word
		}
		r.words(&b, s[last:sp[0]], prev)
		b.WriteString(r.number(canon[k]))
		last = sp[1]
	}
	r.words(&b, s[last:], prev)
	return b.String()
}

// words redacts a stretch of text without long numbers word by word;
// prev holds the two tokens before it and is updated.
func (r *Redactor) words(b *strings.Builder, s string, prev []string) {
	last := 0
	for _, loc := range token.FindAllStringIndex(s, -1) {
		b.WriteString(s[last:loc[0]])
		t := s[loc[0]:loc[1]]
		b.WriteString(r.word(t, prev))
		prev[0], prev[1] = prev[1], strings.ToLower(t)
		last = loc[1]
	}
	b.WriteString(s[last:])
}

// isSDP reports whether free text is an SDP, scrubbed as one.
func isSDP(s string) bool { return strings.Contains(s, "a=") && strings.Contains(s, "\n") }

// noControls replaces control characters but for newlines and tabs.
func noControls(s string) string {
	return strings.Map(func(c rune) rune {
		if c < ' ' && c != '\n' && c != '\t' || c == 0x7f {
			return ' '
		}
		return c
	}, s)
}

// word redacts one token of a text; prev holds the two tokens before it.
func (r *Redactor) word(t string, prev []string) string {
	ctx := prev[1]
	if ctx == "is" {
		ctx = prev[0]
	}
	switch ctx {
	case "user":
		if p, ok := r.users[t]; ok {
			return p
		}
	case "client":
		if p, ok := r.clients[t]; ok {
			return p
		}
	}
	// Ids may hold the punctuation words are split at (UUIDs hold "-"):
	// look them up whole, without the punctuation around them, and as
	// the halves of a pair.
	if p, ok := r.known(t); ok {
		return p
	}
	core := strings.TrimRight(strings.TrimLeft(t, punct), punct)
	if core != "" && core != t {
		i := strings.Index(t, core)
		return t[:i] + r.word(core, prev) + t[i+len(core):]
	}
	if u, c, ok := strings.Cut(t, "/"); ok {
		if pu, okU := r.users[u]; okU {
			if pc, okC := r.clients[c]; okC {
				return pu + "/" + pc
			}
		}
	}
	if p, ok := r.known(t); ok {
		return p
	}
	var b strings.Builder
	for _, p := range part.FindAllString(t, -1) {
		switch ps, ok := r.known(p); {
		case ok:
			b.WriteString(ps)
		case isPunct(p), plainWord(p):
			b.WriteString(p)
		default:
			b.WriteString("*")
		}
	}
	return b.String()
}

// known returns the pseudonym of a word that is an id or a session id,
// unless it is a number (a number names an id only where the words
// around it say so: "client 1"), or a prop value. A session id that is also a word of the
// vocabulary stays a word.
func (r *Redactor) known(w string) (string, bool) {
	// A prop value (a nickname, a phone number) named in a note's text
	// takes its pseudonym, unless it is a short word or number.
	if p, ok := r.values[w]; ok && (!plainWord(w) || len(w) >= 6) {
		return p, true
	}
	if number.MatchString(w) {
		return "", false
	}
	if p, ok := r.users[w]; ok {
		return p, true
	}
	if p, ok := r.clients[w]; ok {
		return p, true
	}
	if p, ok := r.sessions[strings.ToLower(w)]; ok && !plainWord(w) {
		return p, true
	}
	return "", false
}
