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
	inline        bool   // printed on the line before, to fit 80×24
}

func (f field) changed() bool { return f.before != f.after }

// connFields lists a connection's data as the inspector shows it.
func connFields(c ConnState) []field {
	b, a := c.Before, c.After
	if c.Created {
		b = econn.Snapshot{}
	}
	lp, rp := c.LocalProps, c.RemoteProps
	if c.PropsBefore != nil {
		lp, rp = c.PropsBefore[0], c.PropsBefore[1]
	}
	timer := field{name: "timer", before: timerText(b.Timer), after: timerText(a.Timer)}
	if a.Timer.Armed {
		timer.show = timer.after + " → " + fmtAt(c.Deadline)
	}
	return []field{
		{name: "state", before: b.State.String(), after: a.State.String()},
		{name: "direction", before: b.Dir.String(), after: a.Dir.String()},
		{name: "conflict", before: b.Conflict.String(), after: a.Conflict.String()},
		{name: "local", before: ids(b.UserID, b.ClientID, b.SessIDLocal), after: ids(a.UserID, a.ClientID, a.SessIDLocal)},
		{name: "remote", before: ids(b.UserRemote, b.ClientRemote, b.SessIDRemote), after: ids(a.UserRemote, a.ClientRemote, a.SessIDRemote)},
		timer,
		{name: "setup err", before: errText(b.SetupErr), after: errText(a.SetupErr)},
		{name: "error", before: errText(b.Err), after: errText(a.Err), inline: true},
		{name: "closed", before: yesNo(b.Closed), after: yesNo(a.Closed), inline: true},
		{name: "props", before: attrsText(lp), after: attrsText(c.LocalProps)},
		{name: "peer props", before: attrsText(rp), after: attrsText(c.RemoteProps)},
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
		if f.inline && len(lines) > 0 {
			lines[len(lines)-1] = append(lines[len(lines)-1], Span{Text: "  " + f.name + " ", Style: StyleDim}, Span{Text: text, Style: st})
			continue
		}
		lines = append(lines, Line{{Text: fmt.Sprintf("%-10s ", f.name), Style: StyleDim}, {Text: text, Style: st}})
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
				lines = append(lines, Line{{Text: fmt.Sprintf("  %-10s ", f.name), Style: StyleDim},
					{Text: orDash(f.before)}, {Text: " → "}, {Text: orDash(f.after), Style: StyleChanged}})
			}
		}
	}
	if !any {
		lines = append(lines, styled("this step changed no connection", StyleDim))
	}
	return lines
}
