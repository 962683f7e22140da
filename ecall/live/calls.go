package live

import (
	"github.com/callrec/callrec/ecall"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/mediaflow"
)

// CallInfo is a snapshot of one connection of a Device: its ECONN, what the
// application was told, the moments that matter (on the device's clock,
// zero when they have not happened) and the media statistics.
type CallInfo struct {
	Sess   string
	Remote eventlog.Endpoint
	Dir    econn.Dir
	State  econn.State

	// Incoming, Answered and Closed count the notifications the client
	// gave; Reason is the close reason (nil: a normal close).
	Incoming, Answered, Closed int
	Reason                     error

	SetupSent    time.Duration // the SETUP request went out (caller)
	Rang         time.Duration // the incoming notification (callee)
	AnswerSent   time.Duration // the SETUP response went out (callee)
	DataChanOpen time.Duration // the data channel first opened
	ClosedAt     time.Duration // the closed notification

	Stats mediaflow.Stats // last report; final counters once closed
}

// Established reports whether the data channel has opened on this
// connection at some point.
func (c CallInfo) Established() bool { return c.DataChanOpen != 0 }

// Calls returns a snapshot of the device's connections in creation order.
func (d *Device) Calls() []CallInfo {
	calls, _ := d.calls()
	return calls
}

func (d *Device) calls() ([]CallInfo, error) {
	var out []CallInfo
	err := d.Do(func(*ecall.Client) { out = d.callsOnLoop() })
	return out, err
}

// callsOnLoop is calls, run on the loop.
func (d *Device) callsOnLoop() []CallInfo {
	var out []CallInfo
	for _, c := range d.client.Calls() {
		info := CallInfo{
			Sess: c.Sess(), Remote: c.Remote(), Dir: c.Snapshot().Dir, State: c.State(),
			Incoming: c.Incoming(), Answered: c.Answered(), Closed: c.Closed(), Reason: c.Reason(),
		}
		if t := d.conns[c.Sess()]; t != nil {
			info.SetupSent, info.Rang, info.AnswerSent, info.ClosedAt = t.setupSent, t.rang, t.answerSent, t.closedAt
		}
		if l := d.media.Leg(c.Sess()); l != nil {
			info.DataChanOpen, _ = l.OpenedAt()
			info.Stats = l.Stats()
		}
		out = append(out, info)
	}
	return out
}
