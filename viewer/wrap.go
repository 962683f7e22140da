package viewer

import (
	"strings"

	"github.com/rivo/uniseg"

	"github.com/callrec/callrec/internal/safetext"
)

// wrapLine breaks a line into lines at most w cells wide. It breaks where
// Unicode's line breaking rules allow (UAX #14, from uniseg: after spaces
// and hyphens, between ideographs), so words stay whole; only a word
// wider than a line is cut, between characters. The text is measured as
// put draws it: escaped (package safetext), each character as many cells
// as it takes. Continuation lines hang under the value of a labelled
// line, else one cell in from the line's indentation.
func wrapLine(l Line, w int) []Line {
	if w < 1 {
		return []Line{l}
	}
	wr := wrapper{w: w}
	var text strings.Builder
	for _, sp := range l {
		esc := safetext.Escape(sp.Text) // wrapped as put will draw it
		wr.spans = append(wr.spans, Span{Text: esc, Style: sp.Style})
		text.WriteString(esc)
	}
	wr.hang = hangIndent(wr.spans, w)
	wr.text = text.String()
	state := -1
	for pos := 0; pos < len(wr.text); {
		seg, _, _, st := uniseg.FirstLineSegmentInString(wr.text[pos:], state)
		state = st
		wr.word(pos, pos+len(seg))
		pos += len(seg)
	}
	return append(wr.out, wr.cur)
}

// wrapper is wrapLine's state: the escaped line and the lines made so far.
type wrapper struct {
	spans  []Span // the line, escaped
	text   string // the spans' text, joined
	w      int
	hang   int    // indentation of continuation lines
	out    []Line // the full lines
	cur    Line   // the line being filled
	curW   int    // its width in cells
	filled bool   // it holds more than its indentation
}

// word adds text[a:b], a piece between two break opportunities, starting
// a new line when it does not fit on this one.
func (wr *wrapper) word(a, b int) {
	body := cells(strings.TrimRight(wr.text[a:b], " ")) // trailing spaces may hang past the edge
	if wr.filled && wr.curW+body > wr.w {
		wr.newLine()
	}
	if wr.curW+body <= wr.w {
		wr.add(a, b, cells(wr.text[a:b]))
		return
	}
	// A word wider than a whole line: cut it between characters.
	for a < b {
		g, _, gw, _ := uniseg.FirstGraphemeClusterInString(wr.text[a:b], -1)
		gw = max(gw, 1)
		if wr.filled && g != " " && wr.curW+gw > wr.w {
			wr.newLine()
		}
		wr.add(a, a+len(g), gw)
		a += len(g)
	}
}

// add appends text[a:b], which is width cells wide, in the styles of the
// spans it comes from.
func (wr *wrapper) add(a, b, width int) {
	lo := 0
	for _, sp := range wr.spans {
		hi := lo + len(sp.Text)
		if s, e := max(a, lo), min(b, hi); s < e {
			wr.cur = appendText(wr.cur, wr.text[s:e], sp.Style)
		}
		lo = hi
	}
	wr.curW += width
	if strings.TrimSpace(wr.text[a:b]) != "" {
		wr.filled = true
	}
}

// newLine ends the current line, without its trailing spaces, and starts
// a continuation line.
func (wr *wrapper) newLine() {
	wr.out = append(wr.out, trimRight(wr.cur))
	wr.cur, wr.curW, wr.filled = Line{{Text: strings.Repeat(" ", wr.hang)}}, wr.hang, false
}

// appendText appends text in style st to l, into its last span when that
// has the same style.
func appendText(l Line, text string, st Style) Line {
	if n := len(l); n > 0 && l[n-1].Style == st {
		l[n-1].Text += text
		return l
	}
	return append(l, Span{Text: text, Style: st})
}

// trimRight drops the line's trailing spaces.
func trimRight(l Line) Line {
	for len(l) > 0 {
		n := len(l) - 1
		if t := strings.TrimRight(l[n].Text, " "); t != "" {
			l[n].Text = t
			return l
		}
		l = l[:n]
	}
	return l
}

// hangIndent is the indentation of a line's continuation lines: the width
// of its label (the first of several spans: a field name, "step #3: ")
// when that leaves room, else one more than the line's own indentation.
// spans are escaped.
func hangIndent(spans []Span, w int) int {
	if len(spans) > 1 && strings.TrimSpace(spans[0].Text) != "" {
		if lw := cells(spans[0].Text); lw <= w/2 {
			return lw
		}
	}
	lead := 0
	for _, sp := range spans {
		t := strings.TrimLeft(sp.Text, " ")
		lead += len(sp.Text) - len(t)
		if t != "" {
			break
		}
	}
	return min(lead+1, w/2)
}

// cells is the width of escaped text as put draws it: a character of no
// width (a lone combining mark) takes a cell.
func cells(s string) int {
	n := 0
	for s != "" {
		_, rest, w, _ := uniseg.FirstGraphemeClusterInString(s, -1)
		n += max(w, 1)
		s = rest
	}
	return n
}
