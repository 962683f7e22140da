package ecall

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Default media timeouts of the reference.
const (
	DefaultConnTimeout       = 5 * time.Second  // answered → media connected
	DefaultMediaStartTimeout = 10 * time.Second // connected → first media
	DefaultDataChanTimeout   = 10 * time.Second // connected → data channel open
)

// Config is a client's identity and settings.
type Config struct {
	Self eventlog.Endpoint
	// SetupTimeout and TermTimeout go into every ECONN's Config (0: the
	// econn defaults).
	SetupTimeout, TermTimeout time.Duration
	// Media timers (0: the defaults above; negative: off).
	ConnTimeout, MediaStartTimeout, DataChanTimeout time.Duration
	// NewSessID draws a local session id for each new ECONN. Required: the
	// caller decides (random in live mode, seeded in a simulation).
	NewSessID func() string
	// Props are the local call properties ("videosend", "muted", ...).
	Props econn.Props
	// ManualGlare leaves the answer after a lost glare to the application
	// (AnswerGlare); by default the client answers the peer's offer at once,
	// as the reference does.
	ManualGlare bool
	// ManualUpdate leaves the answer to a received UPDATE to the
	// application (AnswerUpdate); by default the client answers at once.
	ManualUpdate bool
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.ConnTimeout, DefaultConnTimeout)
	def(&c.MediaStartTimeout, DefaultMediaStartTimeout)
	def(&c.DataChanTimeout, DefaultDataChanTimeout)
	return c
}

// Client is one device (user id + client id) in one conversation: it owns
// one ECONN per remote client and routes messages, timers and media events
// to them. It is not safe for concurrent use: live mode serialises every
// call into it through one goroutine (see live.Loop), a simulation calls it
// from its single thread.
type Client struct {
	cfg   Config
	env   Env
	props econn.Props
	calls []*Call // in creation order; never removed, so a log reads whole
	// states is env.Recorder when it snapshots the connections' state.
	states StateRecorder
}

// NewClient creates a client.
func NewClient(cfg Config, env Env) (*Client, error) {
	if cfg.Self.User == "" || cfg.Self.Client == "" {
		return nil, fmt.Errorf("ecall: client needs a user id and a client id")
	}
	if cfg.NewSessID == nil {
		return nil, fmt.Errorf("ecall: client %s needs a session id source (NewSessID)", cfg.Self)
	}
	if env.Clock == nil || env.Backend == nil || env.Media == nil {
		return nil, fmt.Errorf("ecall: client %s needs a clock, a backend and media", cfg.Self)
	}
	cl := &Client{cfg: cfg.withDefaults(), env: env, props: cfg.Props.Clone()}
	cl.states, _ = env.Recorder.(StateRecorder)
	return cl, nil
}

// Self returns the client's endpoint.
func (cl *Client) Self() eventlog.Endpoint { return cl.cfg.Self }

// Props returns a copy of the local props.
func (cl *Client) Props() econn.Props { return cl.props.Clone() }

// Calls returns the client's connections in creation order.
func (cl *Client) Calls() []*Call { return slices.Clone(cl.calls) }

// --- local commands --------------------------------------------------------

// Start calls the conversation: a new ECONN sends a SETUP request that the
// backend fans out to every other client. A device has one call at a time
// in a conversation, as the reference's ecall does: Start is refused while
// a connection is in progress (not closed and not ending).
func (cl *Client) Start() error {
	if c := cl.find(func(c *Call) bool { return !c.closed && !c.ending() }); c != nil {
		return fmt.Errorf("%s: already in a call (connection %s, %s)", cl.cfg.Self, c.sess, c.State())
	}
	c, err := cl.newCall(eventlog.Endpoint{})
	if err != nil {
		return err
	}
	cl.note(c, "app.start", "start a call", nil)
	sdp, err := c.leg.Offer()
	if err != nil {
		return cl.mediaFailure(c, fmt.Errorf("create offer: %w", err))
	}
	return c.step(econn.Start{SDP: sdp, Props: cl.props.Clone()})
}

// Answer answers the ringing connection (the first one, when several ring;
// name the caller with AnswerFrom to choose).
func (cl *Client) Answer() error {
	return cl.AnswerFrom(eventlog.Endpoint{})
}

// AnswerFrom answers the ringing connection whose remote is from; a zero
// endpoint means the first one that rings.
func (cl *Client) AnswerFrom(from eventlog.Endpoint) error {
	c := cl.find(func(c *Call) bool {
		return c.State() == econn.StatePendingIncoming && (from == (eventlog.Endpoint{}) || c.remote == from)
	})
	if c == nil {
		return fmt.Errorf("%s: no incoming call to answer", cl.cfg.Self)
	}
	cl.note(c, "app.answer", "answer the call from "+c.remote.String(), nil)
	return c.answer(c.remoteSDP)
}

// AnswerGlare answers the peer's offer after a lost glare (ManualGlare).
func (cl *Client) AnswerGlare() error {
	c := cl.find(func(c *Call) bool { return c.State() == econn.StateConflictResolution })
	if c == nil {
		return fmt.Errorf("%s: no connection in Conflict-Resolution", cl.cfg.Self)
	}
	return c.answer(c.remoteSDP)
}

// AnswerUpdate answers a received UPDATE (ManualUpdate).
func (cl *Client) AnswerUpdate() error {
	c := cl.find(func(c *Call) bool { return c.State() == econn.StateUpdateRecv })
	if c == nil {
		return fmt.Errorf("%s: no connection in UpdateRecv", cl.cfg.Self)
	}
	return c.answerUpdate(c.remoteSDP)
}

// Update renegotiates media on every established connection.
func (cl *Client) Update() error {
	return cl.each("update", func(c *Call) bool {
		s := c.State()
		return s == econn.StateAnswered || s == econn.StateDataChanEstablished
	}, func(c *Call) error {
		sdp, err := c.leg.Reoffer()
		if err != nil {
			return cl.mediaFailure(c, fmt.Errorf("re-offer: %w", err))
		}
		return c.step(econn.UpdateReq{SDP: sdp, Props: cl.props.Clone()})
	})
}

// End hangs up, cancels or rejects every connection that is not closed.
func (cl *Client) End() error {
	return cl.each("end", func(c *Call) bool { return !c.closed }, func(c *Call) error {
		cl.note(c, "app.end", "end the call", nil)
		return c.step(econn.End{})
	})
}

// Reject declines the ringing connections.
func (cl *Client) Reject() error {
	return cl.each("reject", func(c *Call) bool { return c.State() == econn.StatePendingIncoming },
		func(c *Call) error {
			cl.note(c, "app.reject", "reject the call from "+c.remote.String(), nil)
			return c.step(econn.End{})
		})
}

// SetProps merges props into the local props and, on every connection
// whose data channel is up, sends them in a PROPSYNC request.
func (cl *Client) SetProps(props econn.Props) error {
	if cl.props == nil {
		cl.props = econn.Props{}
	}
	for k, v := range props {
		cl.props[k] = v
	}
	return cl.each("", func(c *Call) bool { return c.State() == econn.StateDataChanEstablished },
		func(c *Call) error {
			if v, ok := props["videosend"]; ok {
				if err := c.leg.SetVideo(v == "true"); err != nil {
					cl.note(c, "media.video", "could not switch video: "+err.Error(), nil)
				}
			}
			return c.step(econn.SendPropsync{Props: cl.props.Clone()})
		})
}

// SendPing sends a PING request on every established connection.
func (cl *Client) SendPing() error {
	return cl.each("ping", func(c *Call) bool { return c.State() == econn.StateDataChanEstablished },
		func(c *Call) error { return c.step(econn.SendPing{}) })
}

// SendAlert sends an ALERT on every connection that is not closed.
func (cl *Client) SendAlert(level uint32, descr string) error {
	return cl.each("alert", func(c *Call) bool { return !c.closed },
		func(c *Call) error { return c.step(econn.SendAlert{Level: level, Descr: descr}) })
}

// CloseAll closes every connection that is not closed with reason (the
// layer above's Close: shutdown, media failure).
func (cl *Client) CloseAll(reason error) {
	for _, c := range cl.calls {
		if !c.closed {
			_ = c.step(econn.Close{Reason: reason})
		}
	}
}

func (cl *Client) each(what string, match func(*Call) bool, do func(*Call) error) error {
	n := 0
	var errs []error
	for _, c := range cl.calls {
		if match(c) {
			n++
			errs = append(errs, do(c))
		}
	}
	if n == 0 && what != "" {
		return fmt.Errorf("%s: no connection to %s", cl.cfg.Self, what)
	}
	return errors.Join(errs...)
}

func (cl *Client) find(match func(*Call) bool) *Call {
	for _, c := range cl.calls {
		if match(c) {
			return c
		}
	}
	return nil
}

// newCall creates an ECONN (recorded as a NewConn input) and its media leg.
func (cl *Client) newCall(remote eventlog.Endpoint) (*Call, error) {
	cfg := econn.Config{
		UserID: cl.cfg.Self.User, ClientID: cl.cfg.Self.Client,
		SessID:       cl.cfg.NewSessID(),
		SetupTimeout: cl.cfg.SetupTimeout, TermTimeout: cl.cfg.TermTimeout,
	}
	conn, outs, err := econn.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: new connection: %w", cl.cfg.Self, err)
	}
	// The leg first: a connection whose media cannot be had is never
	// recorded as created.
	leg, err := cl.env.Media.NewLeg(cfg.SessID, remote)
	if err != nil {
		err = fmt.Errorf("%s: media for a new connection: %w", cl.cfg.Self, err)
		cl.note(nil, "media.failed", err.Error(), nil)
		return nil, err
	}
	c := &Call{cl: cl, conn: conn, sess: cfg.SessID, remote: remote, leg: leg}
	cl.record(c, eventlog.KindInput, eventlog.TypeNew, eventlog.NewConn{Config: conn.Config(), Remote: remote}, nil)
	cl.calls = append(cl.calls, c)
	return c, c.handle(slices.Clone(outs))
}

// mediaFailure closes c after its media failed; the error is returned too.
func (cl *Client) mediaFailure(c *Call, err error) error {
	cl.note(c, "media.failed", err.Error(), nil)
	if !c.closed {
		_ = c.step(econn.Close{Reason: econn.ErrIO})
	}
	return err
}

// --- recording -------------------------------------------------------------

func (cl *Client) record(c *Call, kind eventlog.Kind, typ string, in eventlog.Input, out econn.Output) {
	ev := eventlog.Event{
		At: cl.env.Clock.Since(), Endpoint: cl.cfg.Self, Kind: kind, Type: typ,
		Input: in, Output: out,
	}
	if c != nil {
		ev.Conn = c.sess
	}
	cl.emit(ev)
}

func (cl *Client) note(c *Call, typ, text string, attrs map[string]string) {
	ev := eventlog.Event{
		At: cl.env.Clock.Since(), Endpoint: cl.cfg.Self, Kind: eventlog.KindNote, Type: typ,
		Note: &eventlog.Note{Text: text, Attrs: attrs},
	}
	if c != nil {
		ev.Conn = c.sess
	}
	cl.emit(ev)
}

func (cl *Client) emit(ev eventlog.Event) {
	if cl.env.Recorder != nil {
		if _, err := cl.env.Recorder.Append(ev); err != nil {
			cl.fail(fmt.Errorf("%s: record %s %s: %w", cl.cfg.Self, ev.Kind, ev.Type, err))
		}
	}
	if cl.env.Observe != nil {
		cl.env.Observe(ev)
	}
}

// settled tells a recorder that snapshots the connections' state that c
// has stepped its latest recorded input and its outputs are recorded.
func (cl *Client) settled(c *Call) {
	if cl.states != nil {
		cl.states.Settled(cl.cfg.Self, c.sess, c.conn)
	}
}

func (cl *Client) fail(err error) {
	if cl.env.OnError != nil {
		cl.env.OnError(err)
	}
}

func sameUser(a, b string) bool { return strings.EqualFold(a, b) }
