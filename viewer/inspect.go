package viewer

import (
	"fmt"

	"github.com/callrec/callrec/econn"
)

// field is one value the inspector shows, with its value before the step.
type field struct {
	name          string
	before, after string
	show          string // what the inspector prints; after when empty
}

func (f field) changed() bool { return f.before != f.after }

// connFields lists a connection's data as the inspector shows it.
func connFields(c ConnState) []field {
	b, a := c.Before, c.After
	if c.Created {
		b = econn.Snapshot{}
	}
	timer := field{name: "timer", before: timerText(b.Timer), after: timerText(a.Timer)}
	if a.Timer.Armed {
		timer.show = timer.after + ", fires " + fmtAt(c.Deadline)
	}
	return []field{
		{"state", b.State.String(), a.State.String(), ""},
		{"direction", b.Dir.String(), a.Dir.String(), ""},
		{"conflict", b.Conflict.String(), a.Conflict.String(), ""},
		{"local", ids(b.UserID, b.ClientID, b.SessIDLocal), ids(a.UserID, a.ClientID, a.SessIDLocal), ""},
		{"remote", ids(b.UserRemote, b.ClientRemote, b.SessIDRemote), ids(a.UserRemote, a.ClientRemote, a.SessIDRemote), ""},
		timer,
		{"setup err", errText(b.SetupErr), errText(a.SetupErr), ""},
		{"error", errText(b.Err), errText(a.Err), ""},
		{"closed", yesNo(b.Closed), yesNo(a.Closed), ""},
		{"local props", attrsText(c.LocalProps), attrsText(c.LocalProps), ""},
		{"remote props", attrsText(c.RemoteProps), attrsText(c.RemoteProps), ""},
	}
}

func ids(user, client, sess string) string {
	if user == "" && client == "" && sess == "" {
		return ""
	}
	return fmt.Sprintf("%s/%s sess %s", user, client, orDash(sess))
}

// timerText describes the timer; its generation is part of it, so that
// re-arming shows as a change.
func timerText(t econn.Timer) string {
	if !t.Armed {
		return "off"
	}
	return fmt.Sprintf("%s %s #%d", t.Action, t.After, t.Gen)
}

func errText(err error) string { return econn.ErrorName(err) }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// inspectorLines renders one connection, the fields this step changed in
// the changed style.
func inspectorLines(c ConnState) []Line {
	var lines []Line
	for _, f := range connFields(c) {
		st := StyleNormal
		if f.changed() {
			st = StyleChanged
		}
		text := f.after
		if f.show != "" {
			text = f.show
		}
		if text == "" {
			if st == StyleNormal {
				st = StyleDim
			}
			text = "—"
		}
		lines = append(lines, Line{{Text: fmt.Sprintf("%-12s ", f.name), Style: StyleDim}, {Text: text, Style: st}})
	}
	return lines
}

// diffLines lists, for every connection the step changed, each changed
// field as "before → after".
func diffLines(states []ConnState, labels endpointLabels) []Line {
	lines := []Line{styled("state diff: previous step → this step", StyleHeader)}
	any := false
	for _, c := range states {
		if !c.Changed() {
			continue
		}
		any = true
		lbl, st := labels.label(c.Endpoint)
		head := Line{{Text: lbl, Style: st}, {Text: " conn " + c.Conn, Style: StyleDim}}
		if c.Created {
			head = append(head, Span{Text: " (created)", Style: StyleChanged})
		}
		lines = append(lines, head)
		for _, f := range connFields(c) {
			if f.changed() {
				lines = append(lines, Line{{Text: fmt.Sprintf("  %-12s ", f.name), Style: StyleDim},
					{Text: orDash(f.before)}, {Text: " → "}, {Text: orDash(f.after), Style: StyleChanged}})
			}
		}
	}
	if !any {
		lines = append(lines, styled("this step changed no connection", StyleDim))
	}
	return lines
}
