package viewer

import (
	"fmt"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/uniseg"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/pair"
	"github.com/callrec/callrec/internal/safetext"
)

// theme maps Styles to terminal styles.
type theme struct {
	styles [StyleEndpoint + numEndpointStyles]tcell.Style
	bar    tcell.Style // title and status bars
}

func newTheme(noColor bool) *theme {
	t := &theme{}
	def := tcell.StyleDefault
	if noColor {
		// Attributes only: bold for headings and errors, underline for
		// what changed, so NO_COLOR loses no information.
		t.styles[StyleHeader] = def.Bold(true)
		t.styles[StyleChanged] = def.Bold(true).Underline(true)
		t.styles[StyleError] = def.Bold(true)
		t.styles[StyleMatch] = def.Underline(true)
		t.styles[StyleKey] = def.Bold(true)
		t.bar = def.Reverse(true)
		return t
	}
	t.styles[StyleDim] = def.Foreground(tcell.ColorGray)
	t.styles[StyleHeader] = def.Bold(true)
	t.styles[StyleChanged] = def.Foreground(tcell.ColorBlack).Background(tcell.ColorYellow)
	t.styles[StyleError] = def.Foreground(tcell.ColorRed)
	t.styles[StyleMatch] = def.Foreground(tcell.ColorFuchsia).Bold(true)
	t.styles[StyleKey] = def.Foreground(tcell.ColorAqua).Bold(true)
	for i, c := range []tcell.Color{tcell.ColorAqua, tcell.ColorLime, tcell.ColorYellow,
		tcell.ColorFuchsia, tcell.ColorCornflowerBlue, tcell.ColorOrange} {
		t.styles[StyleEndpoint+Style(i)] = def.Foreground(c)
	}
	t.bar = def.Reverse(true)
	return t
}

func (t *theme) get(s Style) tcell.Style {
	if int(s) < len(t.styles) {
		return t.styles[s]
	}
	return tcell.StyleDefault
}

// textWidth is the number of cells s takes, as put draws it.
func textWidth(s string) int { return uniseg.StringWidth(safetext.Escape(s)) }

// put writes s at (x, y) without passing column end and returns the
// column after it. Every text the viewer draws passes here: a control or
// bidi character from the log is drawn as its escape (package safetext),
// never handed to the terminal.
func put(scr tcell.Screen, x, y, end int, s string, st tcell.Style) int {
	s = safetext.Escape(s)
	for s != "" && x < end {
		g, rest, w, _ := uniseg.FirstGraphemeClusterInString(s, -1)
		if w == 0 {
			w = 1
		}
		if x+w > end {
			break
		}
		scr.Put(x, y, g, st)
		x, s = x+w, rest
	}
	return x
}

// fill paints cells [x, end) of line y with spaces.
func fill(scr tcell.Screen, x, y, end int, st tcell.Style) {
	for ; x < end; x++ {
		scr.Put(x, y, " ", st)
	}
}

// putLine writes a Line clipped to [x, end); mod adjusts every style (the
// cursor row's reverse video).
func putLine(scr tcell.Screen, t *theme, x, y, end int, l Line, mod func(tcell.Style) tcell.Style) int {
	for _, sp := range l {
		st := t.get(sp.Style)
		if mod != nil {
			st = mod(st)
		}
		x = put(scr, x, y, end, sp.Text, st)
	}
	return x
}

func reverse(s tcell.Style) tcell.Style { return s.Reverse(true) }

// draw paints the model on the screen. It is a function of the model
// alone: the same model gives the same screen.
func draw(scr tcell.Screen, m *Model) {
	t := newTheme(m.opts.NoColor)
	scr.Clear()
	scr.HideCursor()
	w, h := m.width, m.height
	if w < 20 || h < 5 {
		put(scr, 0, 0, w, "terminal too small", tcell.StyleDefault)
		return
	}
	switch {
	case m.help:
		drawHelp(scr, t, m)
	case m.inList:
		drawCallList(scr, t, m)
	case m.zoom:
		drawZoom(scr, t, m)
	default:
		drawCall(scr, t, m)
	}
	drawStatus(scr, t, m)
}

func drawBar(scr tcell.Screen, t *theme, y, w int, text string) {
	fill(scr, 0, y, w, t.bar)
	put(scr, 1, y, w, text, t.bar)
}

func drawHelp(scr tcell.Screen, t *theme, m *Model) {
	drawLines(scr, t, rect{1, 0, m.width - 1, m.height - 1}, helpLines(m.keys, m.width-1, m.helpFrom()), &m.helpOff)
}

func drawCallList(scr tcell.Screen, t *theme, m *Model) {
	drawBar(scr, t, 0, m.width, fmt.Sprintf("callreplay view — %d calls in the log: Enter opens one", len(m.calls)))
	const format = "  %-12s %-14s %9s %8s  %-16s %s"
	putLine(scr, t, 0, 1, m.width, styled(fmt.Sprintf(format,
		"call", "scenario", "duration", "events", "endpoints", "outcome"), StyleHeader), nil)
	rows := m.listRows()
	for i := m.listTop; i < len(m.calls) && i-m.listTop < rows; i++ {
		c := m.calls[i]
		text := fmt.Sprintf(format, prefix(c.Info.Meta.ID, 12), prefix(callTitle(c.Info.Meta), 14),
			fmtDuration(c.Info.Duration), fmt.Sprint(c.Info.Events), prefix(endpointList(c.Info.Meta), 16), c.Outcome)
		var mod func(tcell.Style) tcell.Style
		y := 2 + i - m.listTop
		if i == m.listCur {
			mod = reverse
			fill(scr, 0, y, m.width, reverse(tcell.StyleDefault))
		}
		putLine(scr, t, 0, y, m.width, plain(text), mod)
	}
	if m.height >= minSplitHeight {
		r := rect{0, m.height - 1 - callInfoLines, m.width, callInfoLines}
		paneTitle(scr, t, rect{r.X, r.Y, r.W, 1}, "Selected call")
		off := 0
		drawLines(scr, t, rect{1, r.Y + 1, r.W - 1, r.H - 1}, callInfo(m.calls[m.listCur]), &off)
	}
}

// callTitle names a call by its scenario, else by where it was recorded.
func callTitle(meta eventlog.CallMeta) string {
	if meta.Scenario != "" {
		return meta.Scenario
	}
	return meta.Source
}

func endpointList(meta eventlog.CallMeta) string {
	eps := make([]string, len(meta.Endpoints))
	for i, e := range meta.Endpoints {
		eps[i] = e.String()
	}
	return strings.Join(eps, " ")
}

// callInfo describes the selected call in full.
func callInfo(c CallEntry) []Line {
	meta := c.Info.Meta
	head := []string{meta.ID}
	for _, s := range []string{meta.Source, meta.Scenario} {
		if s != "" {
			head = append(head, s)
		}
	}
	if meta.HasSeed {
		head = append(head, fmt.Sprintf("seed %d", meta.Seed))
	}
	start := "start unknown"
	if !meta.Start.IsZero() {
		start = "started " + meta.Start.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return []Line{
		plain(strings.Join(head, " · ")),
		plain(fmt.Sprintf("%s · lasted %s · %d events", start, fmtDuration(c.Info.Duration), c.Info.Events)),
		{{Text: "endpoints ", Style: StyleDim}, {Text: endpointList(meta)}},
		{{Text: "outcome ", Style: StyleDim}, {Text: orDash(c.Outcome)}},
	}
}

func fmtDuration(d time.Duration) string {
	return fmt.Sprintf("%.3fs", d.Seconds())
}

func drawZoom(scr tcell.Screen, t *theme, m *Model) {
	title := "detail"
	if m.diff {
		title = "state diff"
	}
	drawBar(scr, t, 0, m.width, fmt.Sprintf("%s of event %d — Enter, z or Esc goes back", title, m.CursorSeq()))
	drawLines(scr, t, rect{0, 1, m.width, m.height - 2}, m.detailPane(), &m.detailOff)
}

func (m *Model) replayingText() string {
	return fmt.Sprintf("replaying the call: %.0f%%…", 100*m.warming)
}

// detailPane is what the detail pane shows: the event, or the state diff.
func (m *Model) detailPane() []Line {
	if m.diff && m.Pending() {
		return []Line{styled(m.replayingText(), StyleDim)}
	}
	if m.diff {
		return diffLines(m.states, m.labels)
	}
	r := m.Current()
	if r == nil {
		return nil
	}
	// The whole step under the header: the input that caused this event
	// and everything the step did, this event marked.
	steps := m.Step()
	lines := detailLines(r, m.labels, len(steps) == 0)
	var step []Line
	for i, x := range steps {
		mark := "   "
		if x.Index == r.Index {
			mark = " ▸ "
		}
		if i == 0 {
			step = append(step, Line{{Text: fmt.Sprintf("step #%d: ", x.Event.Seq), Style: StyleHeader}, {Text: x.Summary}})
			continue
		}
		st := StyleNormal
		if x.Index == r.Index {
			st = StyleChanged
		}
		step = append(step, Line{{Text: fmt.Sprintf("%s#%d ", mark, x.Event.Seq), Style: StyleDim}, {Text: x.Summary, Style: st}})
	}
	return append(lines[:1], append(step, lines[1:]...)...)
}

// drawLines paints lines into r, wrapping long ones, from line *off on;
// *off is clamped so the last screenful stays full.
func drawLines(scr tcell.Screen, t *theme, r rect, lines []Line, off *int) {
	if r.W < 2 || r.H < 1 {
		return
	}
	var wrapped []Line
	for _, l := range lines {
		wrapped = append(wrapped, wrapLine(l, r.W)...)
	}
	*off = min(*off, max(len(wrapped)-r.H, 0))
	for y, l := range wrapped[*off:] {
		if y >= r.H {
			break
		}
		putLine(scr, t, r.X, r.Y+y, r.X+r.W, l, nil)
	}
}

func drawCall(scr tcell.Screen, t *theme, m *Model) {
	title := fmt.Sprintf("call %s │ %d events%s │ %s", m.meta.ID, m.n, m.liveTag(), m.endpointLegend())
	if m.clocks != "" {
		title += " │ " + m.clocks
	}
	drawBar(scr, t, 0, m.width, title)
	if m.n == 0 {
		put(scr, 1, 2, m.width, "this call has no events", tcell.StyleDefault)
		return
	}
	drawTimeline(scr, t, m)
	drawLadder(scr, t, m)
	drawInspector(scr, t, m)
	if r := m.lay.Detail; r.H > 0 {
		title := fmt.Sprintf("Event #%d", m.CursorSeq())
		if cur := m.Current(); cur != nil && cur.Event.Conn != "" {
			title += " conn " + cur.Event.Conn
		}
		if m.diff {
			title = "State diff (d)"
		}
		paneTitle(scr, t, r, title)
		drawLines(scr, t, rect{r.X + 1, r.Y + 1, r.W - 1, r.H - 1}, m.detailPane(), &m.detailOff)
		for y := r.Y; y < r.Y+r.H; y++ {
			scr.Put(r.X, y, "│", t.get(StyleDim))
		}
	}
}

// endpointLegend lists the endpoints' short labels with their full ids
// where they differ.
func (m *Model) endpointLegend() string {
	var parts []string
	for _, e := range m.labels.eps {
		lbl, _ := m.labels.label(e)
		if lbl != e.String() {
			lbl += "=" + e.String()
		}
		if m.labels.absent[e] {
			lbl += " (not recorded)"
		}
		parts = append(parts, lbl)
	}
	return strings.Join(parts, " ")
}

func paneTitle(scr tcell.Screen, t *theme, r rect, title string) {
	st := t.get(StyleHeader).Underline(true)
	fill(scr, r.X, r.Y, r.X+r.W, st)
	put(scr, r.X+1, r.Y, r.X+r.W, title, st)
}

func drawTimeline(scr tcell.Screen, t *theme, m *Model) {
	r := m.lay.Timeline
	if r.H < 1 {
		return
	}
	cols := m.timeline.columns()
	end := r.X + r.W
	head := fmt.Sprintf(" %*s %-*s %-*s %-4s %s", cols.seq, "seq", cols.at, "time", cols.ep, "ep", "kind", "summary")
	fill(scr, r.X, r.Y, end, t.get(StyleHeader).Underline(true))
	put(scr, r.X, r.Y, end, head, t.get(StyleHeader).Underline(true))
	cur := m.Current()
	for i := range m.window {
		y := r.Y + 1 + i
		if y >= r.Y+r.H {
			break
		}
		row := &m.window[i]
		var mod func(tcell.Style) tcell.Style
		if cur != nil && row.Index == cur.Index {
			mod = reverse
			fill(scr, r.X, y, end, reverse(tcell.StyleDefault))
		}
		putLine(scr, t, r.X, y, end, m.timelineLine(row, cols), mod)
	}
}

// timelineLine renders one event as a timeline row.
func (m *Model) timelineLine(row *Row, c timelineCols) Line {
	ev := &row.Event
	gutter := Span{Text: " "}
	if len(m.hits(row)) > 0 {
		gutter = Span{Text: "●", Style: StyleMatch}
	}
	lbl, st := m.labels.label(ev.Endpoint)
	kindSt := StyleNormal
	switch ev.Kind {
	case eventlog.KindOutput:
		kindSt = StyleDim
	case eventlog.KindNote:
		kindSt = StyleKey
	}
	sumSt := StyleNormal
	switch ev.Output.(type) {
	case econn.Ignored, econn.Closed:
		sumSt = StyleError
	case econn.StateChanged:
		sumSt = StyleHeader
	}
	summary := shownSummary(row)
	return Line{gutter,
		{Text: fmt.Sprintf("%*d ", c.seq, ev.Seq)},
		{Text: fmt.Sprintf("%-*s ", c.at, fmtAt(ev.At)), Style: StyleDim},
		{Text: padRight(lbl, c.ep) + " ", Style: st},
		{Text: fmt.Sprintf("%-4s ", kindWord(ev.Kind)), Style: kindSt},
		{Text: summary, Style: sumSt},
	}
}

func kindWord(k eventlog.Kind) string {
	switch k {
	case eventlog.KindInput:
		return "in"
	case eventlog.KindOutput:
		return "out"
	case eventlog.KindNote:
		return "note"
	}
	return "?"
}

// ladderColumns returns the x of each of n endpoints' lifeline in r,
// lane cells apart.
func ladderColumns(r rect, n, lane int) []int {
	if n == 0 {
		return nil
	}
	lane = max(lane, 1)
	xs := make([]int, n)
	for i := range xs {
		xs[i] = r.X + 1 + lane*i + lane/2
	}
	return xs
}

func drawLadder(scr tcell.Screen, t *theme, m *Model) {
	r := m.lay.Ladder
	if r.W < 4 || r.H < 1 {
		return
	}
	xs := ladderColumns(r, len(m.labels.eps), m.lay.Lane)
	end := r.X + r.W
	hs := t.get(StyleHeader).Underline(true)
	fill(scr, r.X, r.Y, end, hs)
	for i, e := range m.labels.eps {
		lbl, st := m.labels.label(e)
		if m.labels.absent[e] {
			st = StyleDim // not recorded: its lifeline is dotted
		}
		put(scr, max(xs[i]-textWidth(lbl)/2, r.X), r.Y, end, lbl, t.get(st).Bold(true).Underline(true))
	}
	cur := m.Current()
	for i := range m.window {
		y := r.Y + 1 + i
		if y >= r.Y+r.H {
			break
		}
		row := &m.window[i]
		mod := func(s tcell.Style) tcell.Style { return s }
		if cur != nil && row.Index == cur.Index {
			mod = reverse
			fill(scr, r.X, y, end, reverse(tcell.StyleDefault))
		}
		for i, x := range xs {
			life := "│"
			if m.labels.absent[m.labels.eps[i]] {
				life = "┆"
			}
			scr.Put(x, y, life, mod(t.get(StyleDim)))
		}
		m.drawLadderRow(scr, t, row, xs, y, end, mod)
	}
}

func (m *Model) drawLadderRow(scr tcell.Screen, t *theme, row *Row, xs []int, y, end int, mod func(tcell.Style) tcell.Style) {
	owner := m.labels.column(row.Event.Endpoint)
	if msg := row.Msg; msg != nil {
		from, to := m.labels.column(msg.From), m.labels.column(msg.To)
		if from >= 0 && to >= 0 && from != to {
			_, st := m.labels.label(msg.From)
			drawArrow(scr, xs[from], xs[to], y, end, msg, mod(t.get(st)))
		}
	}
	if owner < 0 {
		return
	}
	mark, st := "•", StyleDim
	switch row.Event.Output.(type) {
	case econn.StateChanged:
		mark, st = "◆", StyleChanged
	case econn.Closed:
		mark, st = "✕", StyleError
	case econn.Ignored:
		mark, st = "!", StyleError
	}
	if row.Msg != nil {
		_, st = m.labels.label(row.Event.Endpoint)
		mark = "●"
	}
	scr.Put(xs[owner], y, mark, mod(t.get(st)))
}

// drawArrow draws a message from column x0 to x1 with its type on it:
// a solid line for the backend, a dashed one for the data channel. Its
// head is '╳' when the message was lost, '?' when its receiver is not in
// the log; a '?' at its tail says its sender is not.
func drawArrow(scr tcell.Screen, x0, x1, y, end int, msg *LadderMsg, st tcell.Style) {
	line, head := "─", "▶"
	if msg.Via == econn.TransportDirect {
		line = "┄"
	}
	lo, hi, dir := x0, x1, 1
	if x1 < x0 {
		lo, hi, head, dir = x1, x0, "◀", -1
	}
	for x := lo + 1; x < hi && x < end; x++ {
		scr.Put(x, y, line, st)
	}
	switch msg.Status {
	case pair.Lost:
		head = "╳"
	case pair.NotRecorded:
		head = "?"
	case pair.NoSend:
		if tx := x0 + dir; tx > lo && tx < hi && tx < end {
			scr.Put(tx, y, "?", st)
		}
	}
	if hx := x1 - dir; hx > lo && hx < hi && hx < end {
		scr.Put(hx, y, head, st)
	}
	room := hi - lo - 3
	if room < 1 {
		return
	}
	label := msg.Type.String()
	if msg.Resp {
		// "SETUP resp" where it fits, else the short "SETUP rsp".
		if long := label + " resp"; textWidth(long) <= room {
			label = long
		} else {
			label += " rsp"
		}
	}
	label = prefix(label, room)
	x := lo + 1 + (hi-lo-1-textWidth(label))/2
	put(scr, x, y, min(hi, end), label, st)
}

func drawInspector(scr tcell.Screen, t *theme, m *Model) {
	r := m.lay.Inspector
	if r.H < 1 || r.W < 4 {
		return
	}
	if m.Pending() {
		paneTitle(scr, t, r, "State")
		put(scr, r.X+1, r.Y+1, r.X+r.W, m.replayingText(), t.get(StyleDim))
		return
	}
	c, pos, ok := m.Inspected()
	if !ok {
		paneTitle(scr, t, r, "State")
		put(scr, r.X+1, r.Y+1, r.X+r.W, "no connection yet", t.get(StyleDim))
		return
	}
	lbl, _ := m.labels.label(c.Endpoint)
	title := fmt.Sprintf("State %s %s, conn %d of %d", lbl, c.Conn, pos+1, len(m.states))
	if m.pin != "" {
		title += ", pinned"
	}
	paneTitle(scr, t, r, title)
	off := 0
	drawLines(scr, t, rect{r.X + 1, r.Y + 1, r.W - 1, r.H - 1}, inspectorLines(c), &off)
}

func drawStatus(scr tcell.Screen, t *theme, m *Model) {
	y := m.height - 1
	fill(scr, 0, y, m.width, t.bar)
	if p := m.prompt; p != nil {
		x := put(scr, 0, y, m.width, promptLabels[p.kind]+string(p.text), t.bar)
		scr.ShowCursor(min(x, m.width-1), y)
		return
	}
	if m.scan != nil {
		put(scr, 0, y, m.width, m.scanStatus(), t.bar)
		return
	}
	if m.msg != "" {
		st := t.bar
		if m.msgErr {
			st = t.bar.Bold(true)
			put(scr, 0, y, m.width, "error: "+m.msg, st)
			return
		}
		put(scr, 0, y, m.width, m.msg, st)
		return
	}
	left, hints := m.statusText()
	x := put(scr, 0, y, m.width, strings.Join(left, " │ "), t.bar)
	// As many hints as fit, the most needed first, flush right.
	shown := ""
	for _, h := range hints {
		next := h
		if shown != "" {
			next = shown + "  " + h
		}
		if textWidth(next) > m.width-x-3 {
			break
		}
		shown = next
	}
	put(scr, m.width-textWidth(shown), y, m.width, shown, t.bar)
}

// statusText is what the status line says when no prompt, scan or
// message takes it: where the person is on the left, and the hints of
// the most needed keys.
func (m *Model) statusText() (left, hints []string) {
	switch {
	case m.help:
		return nil, []string{"any key closes help", "j/k scroll"}
	case m.inList:
		return []string{fmt.Sprintf("call %d/%d", m.listCur+1, len(m.calls))}, []string{"h help", "Enter open", "j/k move", "q quit"}
	}
	if m.n > 0 {
		left = append(left, fmt.Sprintf("#%d of %d..%d", m.CursorSeq(), m.firstSeq, m.firstSeq+uint64(m.n)-1))
	}
	if m.fidx != nil {
		left = append(left, m.filterStatus())
	}
	if s := m.matchStatus(); s != "" {
		left = append(left, s)
	}
	if r := m.Current(); r != nil && len(m.hits(r)) > 0 {
		left = append(left, "● at breakpoint "+joinBreaks(m.hits(r)))
	} else if len(m.breaks) > 0 {
		left = append(left, "breaks "+joinBreaks(m.breaks))
	}
	return left, []string{"h help", "q quit", "j/k i/I step", "/ n/N search", "b break", "c/C cont", "f filter", "d diff", "Tab conn"}
}
