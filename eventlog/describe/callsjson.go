package describe

import (
	"bufio"
	"encoding/json"
	"io"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"
)

// WriteCallsJSON writes the calls as an indented JSON array: the bytes
// encoding/json's Encoder writes with SetIndent("", "  "), HTML-safe
// escaping included, written field by field rather than reflected and
// then re-indented, so that `ls --json` of 10,000 calls takes
// milliseconds. A start time outside years 0–9999 is an error, as in
// encoding/json.
func WriteCallsJSON(w io.Writer, calls []CallSummary) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var b []byte
	switch {
	case calls == nil:
		b = append(b, "null"...)
	case len(calls) == 0:
		b = append(b, "[]"...)
	default:
		b = append(b, '[')
		for i := range calls {
			var err error
			if b, err = appendCallJSON(append(b, sep(i)...), &calls[i]); err != nil {
				return err
			}
			if len(b) > 32<<10 {
				bw.Write(b)
				b = b[:0]
			}
		}
		b = append(b, "\n]"...)
	}
	bw.Write(append(b, '\n'))
	return bw.Flush()
}

// sep is what precedes element i of a top-level array.
func sep(i int) string {
	if i == 0 {
		return "\n  "
	}
	return ",\n  "
}

// appendCallJSON appends one call, indented as an element of the array.
func appendCallJSON(b []byte, c *CallSummary) ([]byte, error) {
	const in = "\n    "
	start, err := c.Start.MarshalJSON()
	if err != nil {
		// encoding/json's words for it.
		return b, &json.MarshalerError{Type: typeOfTime, Err: err}
	}
	b = appendString(append(b, "{"+in+`"id": `...), c.ID)
	b = strconv.AppendInt(append(b, ","+in+`"format_version": `...), int64(c.FormatVersion), 10)
	b = append(append(b, ","+in+`"start": `...), start...)
	b = appendString(append(b, ","+in+`"duration": `...), c.Duration)
	b = appendStrings(append(b, ","+in+`"endpoints": `...), c.Endpoints)
	b = strconv.AppendUint(append(b, ","+in+`"events": `...), c.Events, 10)
	if c.Source != "" {
		b = appendString(append(b, ","+in+`"source": `...), c.Source)
	}
	if c.Scenario != "" {
		b = appendString(append(b, ","+in+`"scenario": `...), c.Scenario)
	}
	if c.Seed != nil {
		b = strconv.AppendInt(append(b, ","+in+`"seed": `...), *c.Seed, 10)
	}
	b = appendConns(append(b, ","+in+`"outcome": `...), c.Outcome)
	if d := c.Damage; d != nil {
		b = append(b, ","+in+`"damage": {`...)
		if d.Seq != nil {
			b = append(strconv.AppendUint(append(b, in+`  "seq": `...), *d.Seq, 10), ',')
		}
		b = append(appendString(append(b, in+`  "problem": `...), d.Problem), in+"}"...)
	}
	return append(b, "\n  }"...), nil
}

// appendStrings appends a field's array of strings.
func appendStrings(b []byte, ss []string) []byte {
	switch {
	case ss == nil:
		return append(b, "null"...)
	case len(ss) == 0:
		return append(b, "[]"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(append(b, "\n      "...), s)
	}
	return append(b, "\n    ]"...)
}

// appendConns appends the outcome field's array of connections.
func appendConns(b []byte, conns []ConnSummary) []byte {
	switch {
	case conns == nil:
		return append(b, "null"...)
	case len(conns) == 0:
		return append(b, "[]"...)
	}
	const in = "\n        "
	b = append(b, '[')
	for i := range conns {
		c := &conns[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(append(b, "\n      {"+in+`"endpoint": `...), c.Endpoint)
		b = appendString(append(b, ","+in+`"conn": `...), c.Conn)
		b = strconv.AppendBool(append(b, ","+in+`"closed": `...), c.Closed)
		if c.Reason != "" {
			b = appendString(append(b, ","+in+`"reason": `...), c.Reason)
		}
		b = append(appendString(append(b, ","+in+`"state": `...), c.State), "\n      }"...)
	}
	return append(b, "\n    ]"...)
}

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it by default: quote, backslash and the C0 controls (\b, \f,
// \n, \r, \t by name), <, > and & as \u00XX, U+2028 and U+2029, and
// every byte that is not UTF-8 as \ufffd.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, `\b`...)
			case '\f':
				b = append(b, `\f`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(b, s[start:]...), '"')
}

var typeOfTime = reflect.TypeFor[time.Time]()
