package viewer

// A call followed while it is recorded (a Live source) grows between
// keys: Tick takes in what arrived. The person keeps their place — the
// cursor and the first row shown stay on the same events — and the title
// says that the call is live, or how its recording ended.

// liveArrived reports whether the open call is live and something
// arrived that Tick should take in.
func (m *Model) liveArrived() bool {
	l, ok := m.src.(Live)
	return ok && !m.inList && l.Arrived()
}

// takeLive takes in the events, metadata and end that arrived for a live
// call, and reads the window again.
func (m *Model) takeLive() {
	l, ok := m.src.(Live)
	if !ok || m.inList || !l.Grow() {
		return
	}
	m.fail(m.timeline.grow(l))
	m.Resize(m.width, m.height) // new endpoints, wider numbers: the layout
}

// Live reports whether the open call is being recorded as it shows, and
// once that ended, how.
func (m *Model) Live() (followed, live bool, ended string) {
	l, ok := m.src.(Live)
	if !ok || m.inList {
		return false, false, ""
	}
	live, ended = l.LiveState()
	return true, live, ended
}

// liveTag is what the title says of a followed call.
func (m *Model) liveTag() string {
	followed, live, ended := m.Live()
	switch {
	case !followed:
		return ""
	case live:
		return " │ ● live"
	}
	return " │ recording ended: " + ended
}

// grow takes in a grown call: its length, metadata and last event's time.
// cursor and top stay.
func (t *timeline) grow(src Source) error {
	old := t.n
	t.meta, t.n = src.Meta(), src.Len()
	t.labels = newEndpointLabels(callEndpoints(t.meta))
	t.invalidate()
	if t.n == old {
		return nil
	}
	if old == 0 {
		rows, err := src.Rows(0, 1)
		if err != nil {
			return err
		}
		if len(rows) > 0 {
			t.firstSeq = rows[0].Event.Seq
		}
	}
	rows, err := src.Rows(t.n-1, 1)
	if err == nil && len(rows) > 0 {
		t.lastAt = rows[0].Event.At
	}
	return err
}
