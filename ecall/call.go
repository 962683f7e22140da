package ecall

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Call is one ECONN of a client with its media leg, its timers and what the
// application was told. Read it with the accessor methods.
type Call struct {
	cl     *Client
	conn   *econn.Conn
	sess   string
	remote eventlog.Endpoint
	leg    Leg

	timer      Stopper // the ECONN's timer
	mediaTimer Stopper // connection, media-start or data-channel timer

	remoteSDP   string // the offer to answer (incoming, glare)
	remoteProps econn.Props
	connected   bool // media connected
	started     bool // first media arrived
	dcOpen      bool

	incoming, answered, closedN int
	closed                      bool
	reason                      error
}

// Sess returns the local session id.
func (c *Call) Sess() string { return c.sess }

// Remote returns the remote client (zero until known).
func (c *Call) Remote() eventlog.Endpoint { return c.remote }

// State returns the ECONN's state.
func (c *Call) State() econn.State { return c.conn.State() }

// Snapshot returns the ECONN's snapshot.
func (c *Call) Snapshot() econn.Snapshot { return c.conn.Snapshot() }

// Incoming, Answered and Closed count the notifications the application
// was given; Reason is the close reason.
func (c *Call) Incoming() int { return c.incoming }

// Answered counts answered notifications.
func (c *Call) Answered() int { return c.answered }

// Closed counts closed notifications (at most one).
func (c *Call) Closed() int { return c.closedN }

// Reason returns the close reason (nil: normal or not closed).
func (c *Call) Reason() error { return c.reason }

// RemoteProps returns the remote props last received.
func (c *Call) RemoteProps() econn.Props { return c.remoteProps.Clone() }

// DataChanOpen reports whether the data channel is open.
func (c *Call) DataChanOpen() bool { return c.dcOpen }

// step records an input (write-ahead), steps the ECONN, records and
// carries out its outputs. A refused command is returned and recorded as
// a note; it changed nothing. A send that failed is returned too, after
// the ECONN was told (SendFailed), as the reference's commands return it.
func (c *Call) step(in econn.Input) error {
	c.cl.record(c, eventlog.KindInput, in.InputName(), eventlog.StepInput{In: in}, nil)
	return c.stepRecorded(in)
}

// stepRecorded steps an input that is already in the log.
func (c *Call) stepRecorded(in econn.Input) error {
	outs, err := c.conn.Step(in)
	if err != nil {
		c.cl.note(c, "ecall.refused", fmt.Sprintf("%s refused: %v", in.InputName(), err), nil)
		c.cl.settled(c)
		return fmt.Errorf("%s %s: %w", c.cl.cfg.Self, in.InputName(), err)
	}
	// The slice is reused by the next Step, and carrying out an output may
	// step again (a send failure): work on a copy.
	if err := c.handle(slices.Clone(outs)); err != nil {
		return fmt.Errorf("%s %s: %w", c.cl.cfg.Self, in.InputName(), err)
	}
	return nil
}

// handle records the outputs of one step, then carries them out: first
// sends and timers, in order; then the failed sends are fed back, before
// any other input; last the notifications, which may step again (answer
// a glare, answer an UPDATE).
func (c *Call) handle(outs []econn.Output) error {
	for _, o := range outs {
		c.cl.record(c, eventlog.KindOutput, o.OutputName(), nil, o)
	}
	c.cl.settled(c)
	var failed []econn.SendFailed
	for _, o := range outs {
		if f, ok := c.effect(o); ok {
			failed = append(failed, f)
		}
	}
	// After the step's own timers, so that a timer the failure arms
	// replaces theirs.
	var sendErrs []error
	for _, f := range failed {
		sendErrs = append(sendErrs, fmt.Errorf("send %s: %w", f.Type, f.Err))
		_ = c.step(f)
	}
	for _, o := range outs {
		c.notify(o)
	}
	return errors.Join(sendErrs...)
}

// effect carries out a send or a timer; it reports a failed send with the
// SendFailed to feed.
func (c *Call) effect(o econn.Output) (econn.SendFailed, bool) {
	switch o := o.(type) {
	case econn.Send:
		if err := c.send(o); err != nil {
			return econn.SendFailed{Type: o.Msg.Type, Resp: o.Msg.Resp, Err: err}, true
		}
	case econn.SetTimer:
		c.armTimer(o)
	case econn.CancelTimer:
		c.stopTimer()
	}
	return econn.SendFailed{}, false
}

// notify acts on what the ECONN told the application.
func (c *Call) notify(o econn.Output) {
	switch o := o.(type) {
	case econn.Incoming:
		c.incoming++
		c.remoteSDP, c.remoteProps = o.SDP, o.Props.Clone()
	case econn.Answered:
		c.answered++
		c.onAnswered(o)
	case econn.UpdateRequested:
		c.onUpdateRequested(o)
	case econn.UpdateAnswered:
		if err := c.leg.SetAnswer(o.SDP); err != nil {
			_ = c.cl.mediaFailure(c, fmt.Errorf("update answer: %w", err))
		}
	case econn.Closed:
		c.onClosed(o)
	}
}

func (c *Call) send(o econn.Send) error {
	data, err := o.Msg.Encode()
	if err != nil {
		return fmt.Errorf("encode %s: %w", o.Msg.Type, err)
	}
	if o.Via == econn.TransportDirect {
		return c.leg.SendDirect(data)
	}
	return c.cl.env.Backend.SendBackend(data)
}

func (c *Call) armTimer(t econn.SetTimer) {
	c.stopTimer()
	gen := t.Gen
	c.timer = c.cl.env.Clock.AfterFunc(t.After, func() {
		c.timer = nil
		_ = c.step(econn.TimerFired{Gen: gen})
	})
}

func (c *Call) stopTimer() {
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
}

// answer creates the media answer to the remote offer and answers.
func (c *Call) answer(offer string) error {
	sdp, err := c.leg.Accept(offer)
	if err != nil {
		return c.cl.mediaFailure(c, fmt.Errorf("accept offer: %w", err))
	}
	if err := c.step(econn.Answer{SDP: sdp, Props: c.cl.props.Clone()}); err != nil {
		return err
	}
	c.armMediaTimer("connection", c.cl.cfg.ConnTimeout)
	return nil
}

func (c *Call) onAnswered(o econn.Answered) {
	c.remoteProps = o.Props.Clone()
	if o.Reset {
		// Lost glare: the peer's offer wins; answer it.
		c.remoteSDP = o.SDP
		if !c.cl.cfg.ManualGlare {
			_ = c.answer(o.SDP)
		}
		return
	}
	if err := c.leg.SetAnswer(o.SDP); err != nil {
		_ = c.cl.mediaFailure(c, fmt.Errorf("set answer: %w", err))
		return
	}
	c.armMediaTimer("connection", c.cl.cfg.ConnTimeout)
}

// onUpdateRequested answers a renegotiation at once, as the reference does.
func (c *Call) onUpdateRequested(o econn.UpdateRequested) {
	if o.Props != nil {
		c.remoteProps = o.Props.Clone()
	}
	c.remoteSDP = o.SDP
	if !c.cl.cfg.ManualUpdate {
		_ = c.answerUpdate(o.SDP)
	}
}

func (c *Call) answerUpdate(offer string) error {
	sdp, err := c.leg.Accept(offer)
	if err != nil {
		return c.cl.mediaFailure(c, fmt.Errorf("accept update: %w", err))
	}
	return c.step(econn.UpdateResp{SDP: sdp, Props: c.cl.props.Clone()})
}

func (c *Call) onClosed(o econn.Closed) {
	c.closedN++
	c.closed = true
	c.reason = o.Reason
	c.stopMediaTimer()
	c.leg.Close()
	c.dcOpen = false
}

// --- media -----------------------------------------------------------------

// armMediaTimer arms the single media timer; d < 0 turns it off.
func (c *Call) armMediaTimer(name string, d time.Duration) {
	c.stopMediaTimer()
	if d < 0 {
		return
	}
	c.mediaTimer = c.cl.env.Clock.AfterFunc(d, func() {
		c.mediaTimer = nil
		c.mediaTimeout(name)
	})
}

func (c *Call) stopMediaTimer() {
	if c.mediaTimer != nil {
		c.mediaTimer.Stop()
		c.mediaTimer = nil
	}
}

// mediaTimeout carries out the reference's media timers.
func (c *Call) mediaTimeout(name string) {
	if c.closed {
		return
	}
	c.cl.note(c, "ecall.timeout", name+" timer expired", nil)
	switch name {
	case "connection":
		_ = c.step(econn.Close{Reason: econn.ErrTimedOut})
	case "media-start":
		_ = c.step(econn.SetError{Err: econn.ErrIO})
		_ = c.step(econn.End{})
	case "datachannel":
		_ = c.step(econn.Close{Reason: econn.ErrDataChannel})
	}
}

// MediaEvent delivers an event of the media leg of connection sess.
func (cl *Client) MediaEvent(sess string, ev MediaEvent) {
	c := cl.find(func(c *Call) bool { return c.sess == sess })
	if c == nil {
		cl.note(nil, "ecall.drop", fmt.Sprintf("media event %d for unknown connection %s", ev.Type, sess), nil)
		return
	}
	switch ev.Type {
	case MediaConnected:
		c.onMediaConnected()
	case MediaStarted:
		c.onMediaStarted()
	case MediaDataChanOpen:
		c.onDataChanOpen()
	case MediaDataChanMessage:
		cl.recvDirect(c, ev.Data)
	case MediaDataChanClosed:
		c.onDataChanClosed()
	case MediaFailed:
		_ = cl.mediaFailure(c, ev.Err)
	case MediaNote:
		if ev.Note != nil {
			cl.note(c, ev.Note.Type, ev.Note.Text, ev.Note.Attrs)
		}
	}
}

func (c *Call) onMediaConnected() {
	c.cl.note(c, "media.connected", "media connected", nil)
	if c.connected || c.closed {
		return
	}
	c.connected = true
	switch {
	case !c.started:
		c.armMediaTimer("media-start", c.cl.cfg.MediaStartTimeout)
	case !c.dcOpen:
		c.armMediaTimer("datachannel", c.cl.cfg.DataChanTimeout)
	default:
		c.stopMediaTimer()
	}
}

func (c *Call) onMediaStarted() {
	c.cl.note(c, "media.started", "first media received", nil)
	if c.started || c.closed {
		return
	}
	c.started = true
	if c.dcOpen {
		c.stopMediaTimer()
	} else if c.connected {
		c.armMediaTimer("datachannel", c.cl.cfg.DataChanTimeout)
	}
}

// onDataChanOpen: tell the ECONN, then sync props.
func (c *Call) onDataChanOpen() {
	c.cl.note(c, "media.datachannel", "data channel open", nil)
	if c.closed {
		return
	}
	c.dcOpen = true
	if c.started || !c.connected {
		c.stopMediaTimer()
	}
	_ = c.step(econn.DataChanEstablished{})
	if c.State() == econn.StateDataChanEstablished {
		props := c.cl.props.Clone()
		if props == nil {
			props = econn.Props{}
		}
		_ = c.step(econn.SendPropsync{Props: props})
	}
}

func (c *Call) onDataChanClosed() {
	c.cl.note(c, "media.datachannel", "data channel closed", nil)
	wasOpen := c.dcOpen
	c.dcOpen = false
	// A connection that is already ending (its own CANCEL or HANGUP is
	// out) finishes on its own timer with its own reason.
	ending := c.State() == econn.StateTerminating || c.State() == econn.StateHangupSent
	if wasOpen && !c.closed && !ending {
		_ = c.step(econn.Close{Reason: econn.ErrDataChannel})
	}
}
