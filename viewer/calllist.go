package viewer

import "strings"

// callList is the list of the log's calls, shown when the log holds more
// than one: the calls, the one selected and the first one shown.
type callList struct {
	calls          []CallEntry
	listCur        int  // the call selected
	listTop        int  // the first call shown
	openedFromList bool // the open call was opened here: Esc goes back
}

// has reports whether the log holds call id.
func (l *callList) has(id string) bool {
	for _, c := range l.calls {
		if c.Info.Meta.ID == id {
			return true
		}
	}
	return false
}

// ids lists the calls' ids, for an error message.
func (l *callList) ids() string {
	ids := make([]string, len(l.calls))
	for i, c := range l.calls {
		ids[i] = c.Info.Meta.ID
	}
	return strings.Join(ids, ", ")
}

// selected returns the call selected.
func (l *callList) selected() CallEntry { return l.calls[l.listCur] }

// move selects the call d lines down (negative: up), stopping at either
// end.
func (l *callList) move(d int) { l.listCur = min(max(l.listCur+d, 0), len(l.calls)-1) }

// moveTo selects call i, or the nearest end.
func (l *callList) moveTo(i int) { l.listCur = min(max(i, 0), len(l.calls)-1) }

// scroll keeps the selected call among the rows shown.
func (l *callList) scroll(rows int) { l.listTop = scrollTo(l.listTop, l.listCur, rows) }

// at returns the call on screen line y when the list shows rows calls
// from line 2 on.
func (l *callList) at(y, rows int) (int, bool) {
	i := l.listTop + y - 2
	if y < 2 || y-2 >= rows || i >= len(l.calls) {
		return 0, false
	}
	return i, true
}

// scrollTo returns the new first line of a list of page lines so that cur
// stays visible.
func scrollTo(top, cur, page int) int {
	if cur < top {
		return cur
	}
	if cur >= top+page {
		return cur - page + 1
	}
	return top
}

// callInfoLines is the height of the call list's pane that describes the
// selected call, on terminals tall enough for it.
const callInfoLines = 6

// listRows is how many calls the call list shows at once: the screen less
// the title, the column header, the status line and the selected call's
// pane.
func (m *Model) listRows() int {
	rows := m.height - 3
	if m.height >= minSplitHeight {
		rows -= callInfoLines
	}
	return max(rows, 1)
}

// openSelected opens the call selected in the list.
func (m *Model) openSelected() Cmd {
	if err := m.openCall(m.callList.selected().Info.Meta.ID); err != nil {
		m.fail(err)
		return nil
	}
	m.openedFromList = true
	m.refresh()
	return nil
}

// backOrQuit goes back to the call list when the call was opened from
// it, and quits otherwise.
func (m *Model) backOrQuit() Cmd {
	if m.openedFromList && len(m.calls) > 1 {
		m.closeCall()
		return nil
	}
	return Quit{}
}
