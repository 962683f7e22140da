package clocks

import (
	"fmt"
	"strings"
	"time"

	"github.com/callrec/callrec/eventlog"
)

// Lines states, for people, by how much each device was shifted and with
// what uncertainty: a line naming the reference, then one per other
// device. name renders an endpoint (a redacting export renders it
// redacted); the caller escapes the lines.
//
//	clocks aligned to A/1 by the messages the devices exchanged:
//	  B/1 shifted -3.24s ± 40ms (10 messages)
//	  B/2 not shifted: its offset is within -15ms … +25ms (4 messages)
func (e *Estimate) Lines(name func(eventlog.Endpoint) string) []string {
	lines := []string{"clocks aligned to " + name(e.Reference) + " by the messages the devices exchanged:"}
	for i := range e.Devices {
		if d := &e.Devices[i]; !d.Reference {
			lines = append(lines, "  "+name(d.Endpoint)+" "+d.describe())
		}
	}
	return lines
}

// describe says what became of one device's clock.
func (d *Device) describe() string {
	switch {
	case !d.Aligned:
		return "not aligned: no message pairs it with the others"
	case d.Shifted():
		u, ok := d.Uncertainty()
		if !ok {
			return fmt.Sprintf("shifted %s at least (messages one way only: the delay is unknown; %s)", signed(d.Shift), count(d.Messages))
		}
		return fmt.Sprintf("shifted %s ± %s (%s)", signed(d.Shift), dur(u), count(d.Messages))
	}
	switch {
	case d.LowOpen && d.HighOpen:
		return "not shifted: its messages bound its offset neither way (" + count(d.Messages) + ")"
	case d.HighOpen:
		return fmt.Sprintf("not shifted: its offset is at least %s (messages one way only; %s)", signed(d.Low), count(d.Messages))
	case d.LowOpen:
		return fmt.Sprintf("not shifted: its offset is at most %s (messages one way only; %s)", signed(d.High), count(d.Messages))
	}
	return fmt.Sprintf("not shifted: its offset is within %s … %s (%s)", signed(d.Low), signed(d.High), count(d.Messages))
}

// Short is the estimate in a few words, for a title bar: the shifted
// devices with their shifts and uncertainties, or that none was shifted.
func (e *Estimate) Short(name func(eventlog.Endpoint) string) string {
	var parts []string
	for i := range e.Devices {
		d := &e.Devices[i]
		if !d.Shifted() {
			continue
		}
		s := name(d.Endpoint) + " " + signed(d.Shift)
		if u, ok := d.Uncertainty(); ok {
			s += "±" + dur(u)
		} else {
			s += " at least"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "clocks agree with " + name(e.Reference)
	}
	return "clocks shifted to " + name(e.Reference) + ": " + strings.Join(parts, ", ")
}

func count(n int) string {
	if n == 1 {
		return "1 message"
	}
	return fmt.Sprintf("%d messages", n)
}

// dur renders a duration to the microsecond.
func dur(d time.Duration) string { return d.Round(time.Microsecond).String() }

func signed(d time.Duration) string {
	if d > 0 {
		return "+" + dur(d)
	}
	return dur(d)
}
