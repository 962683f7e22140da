package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/ecall/backend/relay"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/tail"
	"github.com/callrec/callrec/mediaflow"
)

// DemoConfig is a demo call: see RunDemo.
type DemoConfig struct {
	Log         string        // the log file to record into (a call is added if it exists)
	Duration    time.Duration // how long the call lasts once connected
	AnswerAfter time.Duration // how long the last B device rings before it answers
	Video       bool          // send VP8 video too (videosend=true)
	Devices     int           // number of B's devices
	HangupB     bool          // the callee hangs up, not the caller
	ToolVersion string        // recorded in the call's metadata
	Logger      *slog.Logger  // the relay's warnings
	Out         io.Writer     // what happens, a line each, and the summary
	Progress    Progress      // the media flowing
	// Watch, when set, is told of the recorded call (the fleet's
	// publisher); nil records into the log alone.
	Watch ecall.Watch
}

// demo is one run: the relay, the log and the devices.
type demo struct {
	opts    *DemoConfig
	stdout  io.Writer
	relay   *Relay
	log     *eventlog.Log
	tail    *tail.Server // serves the call to followers; nil when it could not
	unwatch func()       // the Watch's stop; nil without one
	w       *eventlog.CallWriter
	caller  *Device
	callee  []*Device  // B/1..B/N; the last one answers
	errs    chan error // failures the devices reported
	before  int        // the calls the log held before this one
}

// RunDemo records a real call between cfg.Devices+1 devices in this
// process, as "callrec demo" does: A/1 calls user B, whose devices ring;
// the last one answers after cfg.AnswerAfter; audio (and video) flows over
// WebRTC on the loopback interface for cfg.Duration, then A (or, with
// HangupB, the answering device) hangs up. The signalling goes through an
// end-to-end encrypted relay on a loopback port. Every device records into
// one new call of the log at cfg.Out, whose id RunDemo returns; the log is
// closed when it returns. When ctx ends first (the user's Ctrl-C), the
// caller hangs up at once and the call closes as cleanly as a short one:
// RunDemo returns its id and no error, and ctx.Err() tells.
func RunDemo(ctx context.Context, cfg DemoConfig) (callID string, err error) {
	d := &demo{opts: &cfg, stdout: cfg.Out, errs: make(chan error, 16)}
	defer func() {
		if d.unwatch != nil {
			_ = d.w.Close() // a no-op when closed: its error is the log's too
			d.unwatch()
		}
		if d.tail != nil {
			_ = d.tail.Close() // after the writer's: followers get the close first
		}
		if d.log != nil {
			if cerr := d.log.Close(); err == nil {
				err = cerr
			}
		}
	}()
	if err := d.setUp(ctx); err != nil {
		d.tearDown()
		return "", err
	}
	callErr := d.call(ctx)
	if callErr != nil {
		fmt.Fprintln(d.stdout, "call failed:", callErr)
	}
	summary := d.summary()
	if err := d.tearDown(); err != nil {
		return "", err
	}
	fmt.Fprint(d.stdout, summary)
	if callErr != nil {
		return "", callErr
	}
	select {
	case err := <-d.errs:
		return "", err
	default:
	}
	return d.w.ID(), nil
}

func (d *demo) setUp(ctx context.Context) error {
	names := []string{"A/1"}
	for i := 1; i <= d.opts.Devices; i++ {
		names = append(names, fmt.Sprintf("B/%d", i))
	}
	meta := eventlog.CallMeta{
		ToolVersion: d.opts.ToolVersion, Source: "live-demo", Start: time.Now().UTC(),
	}
	for _, n := range names {
		ep, _ := eventlog.ParseEndpoint(n)
		meta.Endpoints = append(meta.Endpoints, ep)
	}
	// The relay is configured as `callrec serve --members` would be, and
	// every device pins the others' keys: the demo runs with
	// authentication on and no setup.
	ids, members, err := demoIdentities(meta.Endpoints)
	if err != nil {
		return err
	}
	d.relay, err = StartRelay(relay.ServerOptions{Logger: d.opts.Logger, Members: members})
	if err != nil {
		return err
	}
	meta.Labels = map[string]string{"conv": "demo", "relay": d.relay.URL()}
	d.log, err = eventlog.Open(d.opts.Log, 0o644, LogOptions())
	if err != nil {
		return err
	}
	calls, err := d.log.Calls()
	if err != nil {
		return err
	}
	d.before = len(calls)
	if d.w, err = d.log.CreateCall(meta); err != nil {
		return err
	}
	d.tail = serveTail(d.log, d.w, d.opts.Logger, d.stdout)
	if d.opts.Watch != nil {
		d.unwatch = d.opts.Watch(d.log, d.w)
	}
	media := mediaflow.DefaultOptions()
	media.Video = d.opts.Video
	var props econn.Props
	if d.opts.Video {
		props = econn.Props{"videosend": "true"}
	}
	// One recorder for every device: its snapshots hold the whole call.
	rec := &ecall.LogRecorder{W: d.w}
	for i, ep := range meta.Endpoints {
		dev, err := NewDevice(ctx, DeviceConfig{
			Self: ep, RelayURL: d.relay.URL(), Conv: "demo", Media: &media,
			Identity: &ids[i], Pins: members,
			Client:   ecall.Config{Props: props},
			Recorder: rec, Start: meta.Start,
			OnError: func(err error) {
				select {
				case d.errs <- err:
				default:
				}
			},
		})
		if err != nil {
			return err
		}
		if d.caller == nil {
			d.caller = dev
		} else {
			d.callee = append(d.callee, dev)
		}
	}
	return d.caller.WaitMembers(ctx, len(names))
}

// demoIdentities draws every device's keys and the membership listing them.
func demoIdentities(eps []eventlog.Endpoint) ([]relay.Identity, *relay.Members, error) {
	members := relay.NewMembers()
	ids := make([]relay.Identity, len(eps))
	for i, ep := range eps {
		id, err := relay.NewIdentity(ep.User, ep.Client, nil)
		if err != nil {
			return nil, nil, err
		}
		if err := members.Add(ep.User, ep.Client, id.IdentityKey(), "demo"); err != nil {
			return nil, nil, err
		}
		ids[i] = id
	}
	return ids, members, nil
}

// call runs the call: ring, answer, talk, hang up, wait for every close.
func (d *demo) call(ctx context.Context) error {
	a, answerer := d.caller, d.callee[len(d.callee)-1]
	fmt.Fprintf(d.stdout, "%s calls B (devices %s) through the relay at %s\n", a.Self(), d.calleeNames(), d.relay.URL())
	if err := a.Start(); err != nil {
		return err
	}
	for _, b := range d.callee {
		if err := waitFor(ctx, b, 10*time.Second, "ring", ringing); err != nil {
			return d.stop(ctx, err)
		}
	}
	select {
	case <-time.After(d.opts.AnswerAfter):
	case <-ctx.Done():
		return d.stop(ctx, nil)
	}
	fmt.Fprintf(d.stdout, "%s answers\n", answerer.Self())
	if err := answerer.Answer(); err != nil {
		return err
	}
	for _, dev := range []*Device{a, answerer} {
		if err := waitFor(ctx, dev, 15*time.Second, "data channel", established); err != nil {
			return d.stop(ctx, err)
		}
	}
	fmt.Fprintf(d.stdout, "connected; the call lasts %v\n", d.opts.Duration)
	runCall(ctx, d.opts.Duration, d.opts.Progress, func(el time.Duration) string {
		c, _ := active(a.Calls())
		return fmt.Sprintf("%4.1fs/%v  %s", el.Seconds(), d.opts.Duration, audioLine(a.Self(), c))
	})
	if ctx.Err() != nil {
		return d.stop(ctx, nil)
	}
	who := a
	if d.opts.HangupB {
		who = answerer
	}
	fmt.Fprintf(d.stdout, "%s hangs up\n", who.Self())
	return d.hangUp(who, nil)
}

// hangUp ends who's connections and waits until every device's
// connections closed; cause, when set, is why the call ends early.
func (d *demo) hangUp(who *Device, cause error) error {
	if err := who.End(); err != nil && cause == nil {
		cause = err
	}
	// The close waits on the peers, not on the user: a second ^C must not
	// leave the call half closed.
	ctx := context.Background()
	for _, dev := range d.all() {
		if err := waitFor(ctx, dev, 15*time.Second, "close", allClosed); err != nil && cause == nil {
			cause = err
		}
	}
	return cause
}

// stop ends the call early: the caller hangs up. When ctx ended (the
// user interrupted) that is no failure and it says so; else err is why.
func (d *demo) stop(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		fmt.Fprintf(d.stdout, "interrupted: %s hangs up\n", d.caller.Self())
		err = nil
	}
	return d.hangUp(d.caller, err)
}

func (d *demo) all() []*Device {
	if d.caller == nil {
		return d.callee
	}
	return append([]*Device{d.caller}, d.callee...)
}

func (d *demo) calleeNames() string {
	var s []string
	for _, b := range d.callee {
		s = append(s, b.Self().String())
	}
	return strings.Join(s, ", ")
}

// tearDown closes the devices, the relay and the log.
func (d *demo) tearDown() error {
	var errs []error
	for _, dev := range d.all() {
		errs = append(errs, dev.Close())
	}
	if d.relay != nil {
		errs = append(errs, d.relay.Close())
	}
	if d.w != nil {
		errs = append(errs, d.w.Close())
	}
	return errors.Join(errs...)
}

// summary describes the call: who rang and answered, setup times, media
// each way, final states.
func (d *demo) summary() string {
	var b strings.Builder
	a := d.caller.Calls()
	meta := d.w.Meta()
	b.WriteString("\n" + ecall.RecordedLine(d.opts.Log, d.before, []string{meta.ID}) + "\n")
	var ac CallInfo
	if len(a) > 0 {
		ac = a[0]
	}
	var rang []string
	var answered CallInfo
	var answerer eventlog.Endpoint
	for _, dev := range d.callee {
		for _, c := range dev.Calls() {
			if c.Incoming > 0 {
				rang = append(rang, fmt.Sprintf("%s (after %s)", dev.Self(), ms(c.Rang-ac.SetupSent)))
			}
			if c.AnswerSent != 0 {
				answered, answerer = c, dev.Self()
			}
		}
	}
	fmt.Fprintf(&b, "  %s rang %s\n", d.caller.Self(), strings.Join(rang, ", "))
	if answerer.User == "" {
		fmt.Fprintf(&b, "  nobody answered\n")
	} else {
		fmt.Fprintf(&b, "  %s answered %s after it rang\n", answerer, ms(answered.AnswerSent-answered.Rang))
	}
	if ac.Established() && answered.Established() {
		both := max(ac.DataChanOpen, answered.DataChanOpen)
		fmt.Fprintf(&b, "  setup: SETUP sent → data channel open on both sides %s; answer sent → open %s\n",
			ms(both-ac.SetupSent), ms(both-answered.AnswerSent))
		fmt.Fprintf(&b, "  media %s → %s: %s\n", d.caller.Self(), answerer, direction(ac.Stats, answered.Stats))
		fmt.Fprintf(&b, "  media %s → %s: %s\n", answerer, d.caller.Self(), direction(answered.Stats, ac.Stats))
	}
	var final []string
	for _, dev := range d.all() {
		for _, c := range dev.Calls() {
			final = append(final, fmt.Sprintf("%s %s, closed %s", dev.Self(), c.State, CloseReason(c)))
		}
	}
	fmt.Fprintf(&b, "  final: %s\n", strings.Join(final, "; "))
	return b.String()
}

// direction describes one direction of media: what one side sent and the
// other received.
func direction(from, to mediaflow.Stats) string {
	s := fmt.Sprintf("audio %d packets sent, %d received, %d lost, jitter %s",
		from.AudioSent.Packets, to.AudioRecv.Packets, to.AudioRecv.Lost, to.AudioRecv.Jitter.Round(time.Microsecond))
	if from.VideoSent.Packets > 0 || to.VideoRecv.Packets > 0 {
		s += fmt.Sprintf("; video %d sent, %d received, %d lost", from.VideoSent.Packets, to.VideoRecv.Packets, to.VideoRecv.Lost)
	}
	return s
}
