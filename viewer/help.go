package viewer

import "strings"

// helpKeyWidth is the width of the help's key column, indent included.
const helpKeyWidth = 26

// helpLines renders the help for a screen w cells wide from the key
// table, as opened from mode from (modeList or modeCall): descriptions
// wrap at word boundaries under their own column.
func helpLines(keys []keyEntry, w int, from mode) []Line {
	lines := []Line{styled("callreplay view — keys (? is reverse search; help is h or F1)", StyleHeader), plain("")}
	for _, h := range keys {
		switch {
		case h.only != 0 && h.only&from == 0:
		case h.keys == "":
			lines = append(lines, styled(h.what, StyleHeader))
		default:
			lines = append(lines, helpEntry(h, w)...)
		}
	}
	return lines
}

// helpEntry renders one entry: its keys, then its description wrapped.
func helpEntry(h keyEntry, w int) []Line {
	var lines []Line
	for i, part := range wordWrap(h.what, max(w-helpKeyWidth, 10)) {
		key := ""
		if i == 0 {
			key = "  " + h.keys
		}
		lines = append(lines, Line{{Text: padRight(key, helpKeyWidth), Style: StyleKey}, {Text: part}})
	}
	return lines
}

// helpFrom is the mode the help was opened from, which decides the
// entries it shows.
func (m *Model) helpFrom() mode {
	if m.inList {
		return modeList
	}
	return modeCall
}

// wordWrap breaks s into lines of at most w cells at spaces; a word
// longer than w gets a line of its own.
func wordWrap(s string, w int) []string {
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = word
		case textWidth(cur)+1+textWidth(word) <= w:
			cur += " " + word
		default:
			lines = append(lines, cur)
			cur = word
		}
	}
	return append(lines, cur)
}

// padRight pads s with spaces to n runes.
func padRight(s string, n int) string {
	for w := textWidth(s); w < n; w++ {
		s += " "
	}
	return s
}
