// Package clocks aligns the clocks of a call's devices. Each device
// records its events on its own clock; a call merged from several
// devices' recordings (package merge), or simulated with skewed clocks,
// puts them side by side, where a message can seem received before it was
// sent. As the clock-skew adjustment of a distributed tracer does, the
// messages paired by identity (package pair) bound each device's offset
// from both directions — a message is not received before it is sent — and
// a device whose recorded times break that rule is shifted to the middle
// of what its messages allow; the uncertainty is half that interval, or,
// for messages in one direction only, the one-way delay bound the call's
// round trips show.
//
// Calls recorded on one clock (one process: a simulation, a demo) are not
// estimated at all: only a call labelled Label is.
package clocks

import (
	"fmt"
	"time"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/pair"
)

// Label is the call label that says its devices' events were recorded on
// different clocks: merge sets it on a merged call, the simulator when a
// device's clock is offset. Its key is made of plain words, so that a
// redacted log keeps it.
const Label = "device-clock"

// Device is the estimate for one device of a call.
type Device struct {
	Endpoint eventlog.Endpoint
	// Shift is added to every time the device recorded.
	Shift time.Duration
	// Low and High bound the device's offset from the reference as its
	// messages allow it (Shift is 0 when they include 0). A bound that
	// the messages do not give is open: LowOpen, HighOpen.
	Low, High         time.Duration
	LowOpen, HighOpen bool
	// Messages counts the paired messages on the path to the reference.
	Messages int
	// Reference is the device the others are aligned to; Aligned is false
	// for a device no paired message links to the reference.
	Reference, Aligned bool
}

// Shifted reports whether the device's times are moved.
func (d *Device) Shifted() bool { return d.Shift != 0 }

// Uncertainty is how far the true offset may lie from Shift: half the
// interval the messages allow; ok is false when it is open.
func (d *Device) Uncertainty() (u time.Duration, ok bool) {
	if d.LowOpen || d.HighOpen {
		return 0, false
	}
	return max(d.High-d.Shift, d.Shift-d.Low), true
}

// Estimate is the clocks of one call.
type Estimate struct {
	Reference eventlog.Endpoint
	Devices   []Device // in the call's endpoint order
	shift     map[eventlog.Endpoint]time.Duration
}

// Shifted reports whether any device's times are moved.
func (e *Estimate) Shifted() bool {
	return e != nil && len(e.shift) > 0
}

// Of returns the shift of ep's times (0 on a nil Estimate).
func (e *Estimate) Of(ep eventlog.Endpoint) time.Duration {
	if e == nil {
		return 0
	}
	return e.shift[ep]
}

// At returns ev's time on the aligned timeline.
func (e *Estimate) At(ev *eventlog.Event) time.Duration { return ev.At + e.Of(ev.Endpoint) }

// Wanted reports whether a call's clocks are to be estimated: whether its
// devices recorded on different clocks, as its label says.
func Wanted(meta eventlog.CallMeta) bool {
	_, ok := meta.Labels[Label]
	return ok && len(meta.Endpoints) > 1
}

// pairFilter selects the events pairing reads: connections' creations,
// receives, sends and the PROPSYNCs the call layer handled.
var pairFilter = &eventlog.Filter{Types: []string{eventlog.TypeNew, eventlog.TypeRecv, "Send", eventlog.NotePropsync}}

// OfCall estimates the clocks of the call r reads when Wanted; nil
// otherwise. It reads the call once, decoding only the events that send or
// receive a message.
func OfCall(r *eventlog.CallReader) (*Estimate, error) {
	meta := r.Meta()
	if !Wanted(meta) {
		return nil, nil
	}
	est := NewEstimator(meta.Endpoints)
	p := pair.New(meta.Endpoints, pair.Options{Result: est.Add})
	cur := r.Cursor(pairFilter)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		p.Add(ev)
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("clocks: %w", err)
	}
	p.Flush()
	e := est.Estimate()
	return &e, nil
}
