package viewer

import (
	"slices"
	"strings"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/internal/safetext"
)

// Style names what a piece of text is; draw maps it to colours or, with
// NO_COLOR, to attributes.
type Style uint8

// Styles.
const (
	StyleNormal   Style = iota
	StyleDim            // secondary text: times, lifelines, empty values
	StyleHeader         // pane titles and column headers
	StyleChanged        // a field this step changed
	StyleError          // errors, Ignored reasons, closes
	StyleMatch          // a breakpoint hit
	StyleKey            // a key name in hints and help
	StyleEndpoint       // the first endpoint colour; endpoint i is StyleEndpoint+i%numEndpointStyles
)

const numEndpointStyles = 6

func endpointStyle(i int) Style {
	if i < 0 {
		return StyleNormal
	}
	return StyleEndpoint + Style(i%numEndpointStyles)
}

// Span is text in one style.
type Span struct {
	Text  string
	Style Style
}

// Line is one line of a pane.
type Line []Span

func plain(s string) Line { return Line{{Text: s}} }

func styled(s string, st Style) Line { return Line{{Text: s, Style: st}} }

// String returns the line's text without styles.
func (l Line) String() string {
	var b strings.Builder
	for _, s := range l {
		b.WriteString(s.Text)
	}
	return b.String()
}

// endpointLabels gives each endpoint of a call a short, unique label and
// a colour. Real ids are UUIDs; "A/1" style ids stay as they are.
type endpointLabels struct {
	index  map[eventlog.Endpoint]int
	eps    []eventlog.Endpoint // in column order
	labels []string
	absent map[eventlog.Endpoint]bool // peers whose device is not in the log
}

// markAbsent marks the endpoints that are not among recorded, the
// devices the log holds. A log that names none marks nothing.
func (l *endpointLabels) markAbsent(recorded []eventlog.Endpoint) {
	l.absent = map[eventlog.Endpoint]bool{}
	if len(recorded) == 0 {
		return
	}
	for _, e := range l.eps {
		if !slices.Contains(recorded, e) {
			l.absent[e] = true
		}
	}
}

// maxLabel is the widest label the timeline has room for.
const maxLabel = 8

func newEndpointLabels(eps []eventlog.Endpoint) endpointLabels {
	l := endpointLabels{index: map[eventlog.Endpoint]int{}}
	for _, e := range eps {
		if _, dup := l.index[e]; !dup {
			l.index[e] = len(l.labels)
			l.eps = append(l.eps, e)
			l.labels = append(l.labels, "")
		}
	}
	// Lengthen the kept prefixes until the labels are unique.
	for n := 2; n <= 64; n++ {
		seen := map[string]bool{}
		unique := true
		for e, i := range l.index {
			s := shorten(e, n)
			unique = unique && !seen[s]
			seen[s] = true
			l.labels[i] = s
		}
		if unique {
			break
		}
	}
	return l
}

// shorten keeps n characters of the user and of the client id, whole ids
// when the pair fits a label.
func shorten(e eventlog.Endpoint, n int) string {
	if len(e.String()) <= maxLabel {
		return e.String()
	}
	return prefix(e.User, n+2) + "/" + prefix(e.Client, n)
}

// prefix keeps the first n characters of s as put draws it: escaped.
func prefix(s string, n int) string {
	s = safetext.Escape(s)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// label returns the endpoint's short label and its colour.
func (l endpointLabels) label(e eventlog.Endpoint) (string, Style) {
	if i, ok := l.index[e]; ok {
		return l.labels[i], endpointStyle(i)
	}
	return prefix(e.String(), maxLabel), StyleNormal
}

// column returns the endpoint's ladder column, or -1.
func (l endpointLabels) column(e eventlog.Endpoint) int {
	if i, ok := l.index[e]; ok {
		return i
	}
	return -1
}
