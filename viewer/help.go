package viewer

import "strings"

// helpKeys is the `h` screen: every key, grouped. `?` is reverse search,
// as in less and vim, so help lives on `h` and F1.
var helpKeys = []struct{ keys, what string }{
	{"", "Moving"},
	{"j / ↓, k / ↑", "next / previous event"},
	{"n, p", "next / previous input (the step that follows)"},
	{"g / Home, G / End", "first / last event"},
	{":N Enter", "go to the event with sequence number N"},
	{"PgDn / Space, PgUp", "a screen down / up"},
	{"mouse", "click selects an event, the wheel scrolls"},
	{"", "Finding"},
	{"/text Enter", "search forwards in summaries and payloads"},
	{"?text Enter", "search backwards"},
	{"N", "next match, in the last search's direction"},
	{"any key", "stops a search, c/C or n/p still reading a long call"},
	{"f", "filter: ep=A/1,B kind=input,note type=SETUP,Recv; empty clears"},
	{"", "Breakpoints"},
	{"b", "toggle a breakpoint: state=Conflict-Resolution, recv=SETUP, send=CANCEL, ignored, close; empty clears all"},
	{"c, C", "continue to the next hit / reverse-continue to the previous"},
	{"", "Looking"},
	{"Tab / →, Shift-Tab / ←", "inspect the next / previous connection; past the last, follow the cursor"},
	{"d", "state diff: what this step changed, before → after"},
	{"Enter / z", "detail full screen: j/k/PgDn/PgUp scroll, Enter/z/Esc go back"},
	{"], [", "scroll the detail pane"},
	{"y", "write the event as JSON to a file"},
	{"", "Leaving"},
	{"h / F1", "this help (any key closes it, j/k scroll)"},
	{"Esc", "back to the call list (when opened from it), else quit"},
	{"q, Ctrl-C", "quit"},
	{"", "Reading the ladder"},
	{"───▶", "a message over the backend (relay)"},
	{"┄┄┄▶", "a message over the data channel (direct)"},
	{"●", "the endpoint whose event the row is (sender or receiver)"},
	{"◆ ✕ !", "a state change, a close, an ignored input"},
}

// helpKeyWidth is the width of the help's key column, indent included.
const helpKeyWidth = 26

// helpLines renders the help for a screen w cells wide: descriptions
// wrap at word boundaries under their own column.
func helpLines(w int) []Line {
	lines := []Line{styled("callreplay view — keys (? is reverse search; help is h or F1)", StyleHeader), plain("")}
	for _, h := range helpKeys {
		if h.keys == "" {
			lines = append(lines, styled(h.what, StyleHeader))
			continue
		}
		for i, part := range wordWrap(h.what, max(w-helpKeyWidth, 10)) {
			key := ""
			if i == 0 {
				key = "  " + h.keys
			}
			lines = append(lines, Line{{Text: padRight(key, helpKeyWidth), Style: StyleKey}, {Text: part}})
		}
	}
	return lines
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
