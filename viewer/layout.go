package viewer

// rect is a screen area in cells.
type rect struct{ X, Y, W, H int }

func (r rect) contains(x, y int) bool {
	return x >= r.X && x < r.X+r.W && y >= r.Y && y < r.Y+r.H
}

// layout places the panes. The timeline and the ladder share the upper
// rows, one line per event, so an arrow sits on the same line as its event;
// the state inspector and the detail pane share the lower rows. A terminal
// too small for the lower panes gets the timeline alone.
type layout struct {
	Title, Timeline, Ladder, Inspector, Detail, Status rect
	Lane                                               int // the ladder's cells per endpoint
}

// Below these sizes the lower panes (and the ladder) are left out.
const (
	minSplitWidth  = 60
	minSplitHeight = 16
)

// The ladder's cells per endpoint (lane). An arrow between neighbours has
// three cells less for its label.
const (
	minLane  = 8  // "SETUP" fits
	fairLane = 12 // "SETUP rsp" fits
	maxLane  = 20 // "PROPSYNC resp" fits; wider only spreads the arrows
)

// minSummary is the summary column the layout plans for before longer
// summaries show: most fit in it, and the ladder does not move on
// narrower screens when the first long one scrolls into view.
const minSummary = 48

// maxInspectorWidth bounds the inspector: its lines are short, and the
// detail pane's long ones (SDP, sentences) use the cells.
const maxInspectorWidth = 56

// layoutNeeds is what the panes' contents ask of the layout.
type layoutNeeds struct {
	endpoints int // the ladder's lanes
	fixed     int // the timeline's columns before the summary
	summary   int // the widest summary the timeline has shown
	lower     int // rows the inspector fills, its title included
}

func computeLayout(w, h int, n layoutNeeds) layout {
	if w < 1 || h < 1 {
		return layout{}
	}
	l := layout{Title: rect{0, 0, w, 1}}
	if h >= 2 {
		l.Status = rect{0, h - 1, w, 1}
	}
	body := max(h-2, 0)
	top := body
	if h >= minSplitHeight && w >= minSplitWidth {
		top = body - lowerRows(body, n.lower)
	}
	timeW := w
	if w >= minSplitWidth {
		timeW, l.Lane = splitWidth(w, n)
	}
	l.Timeline = rect{0, 1, timeW, top}
	l.Ladder = rect{timeW, 1, w - timeW, top}
	if bottom := body - top; bottom > 0 {
		inspW := min(w*9/20, maxInspectorWidth)
		l.Inspector = rect{0, 1 + top, inspW, bottom}
		l.Detail = rect{inspW, 1 + top, w - inspW, bottom}
	}
	return l
}

// lowerRows is the height of the lower panes: what the inspector fills,
// a quarter of the rows on a tall screen (for the detail pane), never
// more than half: the rest is the timeline's.
func lowerRows(body, need int) int {
	return min(max(need, body/4), body/2)
}

// splitWidth divides the upper rows' width between the timeline and the
// ladder. The summary column asks for the widest summary (minSummary at
// least), the lanes as
// much as is left up to maxLane. When both do not fit, the lanes give way
// down to fairLane and, while the summary has less than four sevenths of
// the room (a little over half; 32 of 56 cells at 80 columns), down to
// minLane. The ladder follows the summary column, so
// the spare cells of a wide screen are left at its right.
func splitWidth(w int, n layoutNeeds) (timeW, lane int) {
	eps := max(n.endpoints, 1)
	room := w - n.fixed - 2 // the summary and the lanes; the ladder has a cell of margin each side
	want := max(n.summary, minSummary) + 1
	lane = min(max((room-want)/eps, fairLane), maxLane)
	if fair := room * 4 / 7; room-eps*lane < fair {
		lane = min(max((room-min(want, fair))/eps, minLane), lane)
	}
	lane = max(min(lane, (w*2/5-2)/eps), 1) // many endpoints on a narrow screen
	return n.fixed + max(min(want, room-eps*lane), 0), lane
}

// timelineRows is how many events the timeline shows: its height less
// the column header.
func (l layout) timelineRows() int { return max(l.Timeline.H-1, 1) }
