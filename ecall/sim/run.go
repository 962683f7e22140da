package sim

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Options configure a run.
type Options struct {
	Seed        int64
	Log         *eventlog.Log // nil: the run is not recorded
	CallID      string        // the recorded call's id; "" lets the log choose
	ToolVersion string
	// AfterStep, when set, is called after every command and every
	// scheduled event the simulator runs (invariant checks).
	AfterStep func(w *World) error
	// Observe sees every recorded event.
	Observe func(eventlog.Event)
	// KeepGoing runs past failed commands (exploration): they are
	// collected in Result.CommandErrors instead of ending the run.
	KeepGoing bool
	// SnapshotEvery is the recorder's distance between call snapshots
	// (ecall.LogRecorder.SnapshotEvery: 0 the default, negative none).
	SnapshotEvery int
	// Watch, when set, is told of the recorded call (the fleet's
	// publisher).
	Watch ecall.Watch
}

// Result is what a run produced.
type Result struct {
	CallID        string
	World         *World
	CommandErrors []error
}

// ExpectError is a failed expectation.
type ExpectError struct {
	Line             int
	Target, Key      string
	Want, Got        string
	Text             string // the expect line
	ScenarioFileName string
}

func (e *ExpectError) Error() string {
	return fmt.Sprintf("%s:%d: expect %s %s: want %s, got %s", e.ScenarioFileName, e.Line, e.Target, e.Key, e.Want, e.Got)
}

// Run runs a scenario: every command in order, on a fresh world. It
// returns an error for a command that fails and, after the whole run, for
// the expectations that failed (all of them, joined).
func Run(sc *Scenario, opts Options) (res *Result, err error) {
	r := &runner{sc: sc, opts: opts}
	var w *eventlog.CallWriter
	var rec ecall.Recorder
	if opts.Log != nil {
		w, rec, err = newRecorder(opts, sc)
		if err != nil {
			return nil, err
		}
		var stop func()
		if opts.Watch != nil {
			stop = opts.Watch(opts.Log, w)
		}
		defer func() {
			if cerr := w.Close(); cerr != nil && err == nil {
				err = cerr
			}
			if stop != nil {
				stop()
			}
		}()
	}
	r.w = newWorld(sc.Clients, opts.Seed, rec)
	r.w.observe = opts.Observe
	res = &Result{World: r.w}
	if w != nil {
		res.CallID = w.ID()
	}
	for _, c := range sc.Cmds {
		if err := mustFail(c, r.exec(c)); err != nil {
			err = fmt.Errorf("%s:%d: %s: %w", sc.Name, c.Line, c.Text, err)
			if !opts.KeepGoing {
				return res, err
			}
			res.CommandErrors = append(res.CommandErrors, err)
		}
		if r.fatal != nil {
			return res, r.fatal
		}
	}
	if len(r.failed) > 0 {
		return res, errors.Join(r.failed...)
	}
	if len(r.w.errs) > 0 && !opts.KeepGoing {
		return res, errors.Join(r.w.errs...)
	}
	return res, nil
}

// mustFail turns the outcome of a "!" command around: its error is
// expected, its success is the failure.
func mustFail(c Cmd, err error) error {
	if !c.MustFail {
		return err
	}
	if err == nil {
		return errors.New("the command succeeded, the scenario says it must fail")
	}
	return nil
}

type runner struct {
	sc      *Scenario
	opts    Options
	w       *World
	started bool
	failed  []error
	fatal   error
}

// after runs the invariant hook.
func (r *runner) after() {
	if r.opts.AfterStep != nil && r.fatal == nil {
		r.fatal = r.opts.AfterStep(r.w)
	}
}

func (r *runner) startAll() error {
	if r.started {
		return nil
	}
	r.started = true
	for _, c := range r.w.clients {
		if err := r.w.start(c); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) exec(c Cmd) error {
	defer r.after()
	switch c.Verb {
	case "clients":
		return nil
	case "config":
		return r.config(c)
	case "fault":
		rl, err := parseRule(c)
		if err == nil {
			r.w.rules = append(r.w.rules, rl)
		}
		return err
	}
	if c.Verb == "props" && !r.started {
		sc := r.w.byEP[mustEP(c.Target)]
		if sc.cfg.Props == nil {
			sc.cfg.Props = econn.Props{}
		}
		for _, kv := range c.KV {
			sc.cfg.Props[kv.Key] = kv.Value
		}
		return nil
	}
	if err := r.startAll(); err != nil {
		return err
	}
	return r.command(c)
}

func (r *runner) command(c Cmd) error {
	w := r.w
	var cl *ecall.Client
	if c.Target != "" && c.Verb != "expect" {
		cl = w.byEP[mustEP(c.Target)].client
	}
	switch c.Verb {
	case "run":
		w.runUntil(w.clock.now, r.after)
	case "step":
		w.step(r.after)
	case "advance":
		d, _ := parseDuration(c.Args[0])
		w.runUntil(w.clock.now+d, r.after)
	case "start":
		return cl.Start()
	case "answer":
		if v, ok := c.Get("from"); ok {
			return cl.AnswerFrom(mustEP(v))
		}
		return cl.Answer()
	case "answer-glare":
		return cl.AnswerGlare()
	case "answer-update":
		return cl.AnswerUpdate()
	case "update":
		return cl.Update()
	case "end":
		return cl.End()
	case "reject":
		return cl.Reject()
	case "ping":
		return cl.SendPing()
	case "props", "propsync":
		return r.props(c, cl)
	case "alert":
		level, _ := strconv.ParseUint(getOr(c, "level", "0"), 10, 32)
		return cl.SendAlert(uint32(level), getOr(c, "descr", ""))
	case "close":
		cl.CloseAll(econn.ErrorFromName(getOr(c, "reason", "")))
	case "media":
		return r.media(c)
	case "inject":
		return r.inject(c)
	case "expect":
		r.expect(c)
	}
	return nil
}

func (r *runner) props(c Cmd, cl *ecall.Client) error {
	p := econn.Props{}
	for _, kv := range c.KV {
		p[kv.Key] = kv.Value
	}
	if c.Verb == "propsync" {
		ok := false
		for _, call := range cl.Calls() {
			ok = ok || call.State() == econn.StateDataChanEstablished
		}
		if !ok {
			return fmt.Errorf("%s has no connection with an open data channel", c.Target)
		}
	}
	return cl.SetProps(p)
}

func (r *runner) config(c Cmd) error {
	sc := r.w.byEP[mustEP(c.Target)]
	if sc.client != nil {
		return fmt.Errorf("config %s after the simulation started: put config lines first", c.Target)
	}
	for _, kv := range c.KV {
		switch kv.Key {
		case "manual-glare":
			sc.cfg.ManualGlare, _ = strconv.ParseBool(kv.Value)
			continue
		case "manual-update":
			sc.cfg.ManualUpdate, _ = strconv.ParseBool(kv.Value)
			continue
		case "clock-offset":
			sc.clockOffset, _ = parseOffset(kv.Value)
			continue
		}
		d, _ := parseDuration(kv.Value)
		switch kv.Key {
		case "setup-timeout":
			sc.cfg.SetupTimeout = d
		case "term-timeout":
			sc.cfg.TermTimeout = d
		case "media-delay":
			sc.mediaDelay = d
		case "conn-timeout":
			sc.cfg.ConnTimeout = d
		case "media-start-timeout":
			sc.cfg.MediaStartTimeout = d
		case "datachan-timeout":
			sc.cfg.DataChanTimeout = d
		}
	}
	return nil
}

func (r *runner) media(c Cmd) error {
	sc := r.w.byEP[mustEP(c.Target)]
	action := c.Args[0]
	switch action {
	case "fail":
		sc.mediaMode = "fail"
		for _, l := range r.w.legs {
			if l.owner == sc && !l.closed && l.linking {
				l.fail()
			}
		}
	case "dc-close":
		for _, l := range r.w.legs {
			if l.owner == sc && l.dcOpen {
				l.closeDataChan()
			}
		}
	default:
		sc.mediaMode = action
	}
	return nil
}

// inject sends raw bytes as if from a client: over the backend to every
// other client (or to=), or over the data channel to to=.
func (r *runner) inject(c Cmd) error {
	w := r.w
	from := mustEP(getOr(c, "from", ""))
	data := []byte(r.expand(c.Args[0]))
	to, hasTo := c.Get("to")
	if getOr(c, "via", "backend") == "direct" {
		if !hasTo {
			return errors.New("inject via=direct needs to=")
		}
		for _, l := range w.legs {
			if l.owner.ep == mustEP(to) && l.dcOpen && l.peer != nil && l.peer.owner.ep == from {
				l := l
				w.clock.AfterFunc(0, func() {
					l.owner.client.MediaEvent(l.conn, ecall.MediaEvent{Type: ecall.MediaDataChanMessage, Data: data})
				})
				return nil
			}
		}
		return fmt.Errorf("%s has no open data channel with %s", to, from)
	}
	now := w.clock.Unix()
	for _, sc := range w.clients {
		if sc.ep == from || (hasTo && sc.ep != mustEP(to)) {
			continue
		}
		sc := sc
		w.clock.AfterFunc(0, func() { sc.client.RecvBackend(from, now, data) })
	}
	return nil
}

var sessRef = regexp.MustCompile(`\$sess\(([^)]*)\)`)

// expand replaces $sess(U/C) with the session id of that client's most
// recent connection, so that scenarios can forge messages for a call.
func (r *runner) expand(data string) string {
	return sessRef.ReplaceAllStringFunc(data, func(ref string) string {
		ep, err := eventlog.ParseEndpoint(sessRef.FindStringSubmatch(ref)[1])
		sc, ok := r.w.byEP[ep]
		if err != nil || !ok || sc.client == nil {
			return ref
		}
		calls := sc.client.Calls()
		if len(calls) == 0 {
			return ref
		}
		return calls[len(calls)-1].Sess()
	})
}

// --- running the clock -----------------------------------------------------

// runUntil runs everything due up to limit, then sets the clock to limit.
func (w *World) runUntil(limit time.Duration, each func()) {
	for {
		w.clock.runDue(limit, each)
		if len(w.held) == 0 {
			break
		}
		w.releaseHeld() // nothing overtook them: deliver now
	}
	if limit > w.clock.now {
		w.clock.now = limit
	}
}

// step runs the next scheduled event that is due now, if any.
func (w *World) step(each func()) {
	w.clock.runOne(w.clock.now, each)
}

func getOr(c Cmd, key, def string) string {
	if v, ok := c.Get(key); ok {
		return v
	}
	return def
}

func mustEP(s string) eventlog.Endpoint {
	ep, err := eventlog.ParseEndpoint(s)
	if err != nil {
		panic("sim: unchecked endpoint " + s) // Parse checked every endpoint
	}
	return ep
}
