package redact

import (
	"encoding/json"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Long numbers in free text and in raw JSON are personal data: a phone
// number, an account number, a key's fingerprint. A number of up to
// maxPlainDigits digits (a count, a code, a timer generation, a port) is
// kept; a longer one, or digit groups separated by spaces or dashes that
// together are longer ("+49 170 1234567"), or hex groups shaped like a
// fingerprint ("1a2b 3c4d 5e6f"), becomes the pseudonym n<i>, one per
// number throughout the log: the number's digits decide, so a phone
// number spelled "+49 170 1234567" and the JSON number 491701234567 are
// the same n<i>. In raw JSON, where a number must stay a number, the
// pseudonym is i itself.
const maxPlainDigits = 4

var (
	// digitRun is digits in groups joined by one space or dash, maybe
	// with a leading "+".
	digitRun = regexp.MustCompile(`\+?\d+(?:[ \-]\d+)*`)
	// hexGroups is three or more groups of four hex digits: a fingerprint.
	hexGroups = regexp.MustCompile(`(?i)\b[0-9a-f]{4}(?:[ :][0-9a-f]{4}){2,}\b`)
)

// longNumbers returns the spans of s that are long numbers, in order, and
// for each its canonical form: its digits (lower-case hex digits for a
// fingerprint). A number glued to a letter or a digit ("12345ms", an
// id's digits) is no span: the word filter decides on its token.
func longNumbers(s string) (spans [][2]int, canon []string) {
	taken := make([]bool, len(s))
	add := func(i, j int, c string) {
		spans, canon = append(spans, [2]int{i, j}), append(canon, c)
		for k := i; k < j; k++ {
			taken[k] = true
		}
	}
	for _, m := range hexGroups.FindAllStringIndex(s, -1) {
		if g := s[m[0]:m[1]]; strings.ContainsAny(g, "0123456789") {
			add(m[0], m[1], strings.ToLower(strings.NewReplacer(" ", "", ":", "").Replace(g)))
		}
	}
	for _, m := range digitRun.FindAllStringIndex(s, -1) {
		i, j := m[0], m[1]
		if taken[i] || glued(s, i, j) {
			continue
		}
		if d := digitsOf(s[i:j]); len(d) > maxPlainDigits {
			add(i, j, d)
		}
	}
	if len(spans) > 1 { // hex groups first, then digit runs: in order of s
		sortSpans(spans, canon)
	}
	return spans, canon
}

// glued reports whether s[i:j] continues a word or a decimal: a letter,
// digit or underscore right before or after it, or a "." joining it to
// more digits.
func glued(s string, i, j int) bool {
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:i])
		if r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	if j < len(s) {
		r, _ := utf8.DecodeRuneInString(s[j:])
		if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
		if r == '.' && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9' {
			return true
		}
	}
	return false
}

func sortSpans(spans [][2]int, canon []string) {
	for a := 1; a < len(spans); a++ {
		for b := a; b > 0 && spans[b][0] < spans[b-1][0]; b-- {
			spans[b], spans[b-1] = spans[b-1], spans[b]
			canon[b], canon[b-1] = canon[b-1], canon[b]
		}
	}
}

func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// longDigits reports whether the word w holds a run of more than
// maxPlainDigits digits.
func longDigits(w string) bool {
	n := 0
	for _, r := range w {
		if r >= '0' && r <= '9' {
			if n++; n > maxPlainDigits {
				return true
			}
		} else {
			n = 0
		}
	}
	return false
}

// duration matches a Go duration, which may be long ("1500000ns") and
// names no one.
var duration = regexp.MustCompile(`^(\d+(\.\d+)?(ns|µs|us|ms|s|m|h))+$`)

// collectNumbers notes the long numbers of a text, as text will see them.
func (c *collector) collectNumbers(s string) {
	if isSDP(s) {
		return
	}
	s = scrubAddrs(noControls(s))
	_, canon := longNumbers(s)
	for _, n := range canon {
		c.numbers[n] = true
	}
}

// number returns the pseudonym of a long number; n0 for one the collector
// never saw (none, when the Redactor comes from New or Log).
func (r *Redactor) number(canon string) string {
	if p, ok := r.numbers[canon]; ok {
		return p
	}
	return "n0"
}

// jsonNumber redacts a number of raw JSON: a long one becomes the number
// of its pseudonym.
func (r *Redactor) jsonNumber(n json.Number) json.Number {
	if !longJSONNumber(n) {
		return n
	}
	p := strings.TrimLeft(strings.TrimPrefix(r.number(digitsOf(mantissa(n))), "n"), "0")
	if p == "" {
		p = "0"
	}
	return json.Number(p)
}

func (c *collector) jsonNumber(n json.Number) json.Number {
	if longJSONNumber(n) {
		c.numbers[digitsOf(mantissa(n))] = true
	}
	return n
}

// mantissa is a JSON number without its exponent.
func mantissa(n json.Number) string {
	m, _, _ := strings.Cut(strings.ToLower(string(n)), "e")
	return m
}

func longJSONNumber(n json.Number) bool {
	return len(digitsOf(mantissa(n))) > maxPlainDigits
}
