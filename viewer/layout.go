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
}

// Below these sizes the lower panes (and the ladder) are left out.
const (
	minSplitWidth  = 60
	minSplitHeight = 16
)

func computeLayout(w, h, endpoints int) layout {
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
		top = body * 11 / 20
	}
	ladW := 0
	if w >= minSplitWidth {
		ladW = min(max(endpoints*12+2, 20), w*2/5)
	}
	l.Timeline = rect{0, 1, w - ladW, top}
	l.Ladder = rect{w - ladW, 1, ladW, top}
	if bottom := body - top; bottom > 0 {
		inspW := w * 9 / 20
		l.Inspector = rect{0, 1 + top, inspW, bottom}
		l.Detail = rect{inspW, 1 + top, w - inspW, bottom}
	}
	return l
}

// timelineRows is how many events the timeline shows: its height less
// the column header.
func (l layout) timelineRows() int { return max(l.Timeline.H-1, 1) }
