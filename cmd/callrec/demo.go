package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/ecall/backend/relay"
	"github.com/callrec/callrec/ecall/live"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/mediaflow"
)

type demoOptions struct {
	out         string
	duration    time.Duration
	answerAfter time.Duration
	video       bool
	devices     int
	hangup      string
}

func newDemoCmd(ios *cmdutil.IOStreams) *cobra.Command {
	opts := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo [--out LOG] [--duration D] [--video] [--devices N] [--hangup a|b] [--answer-after D]",
		Short: "Record a real call between three devices in this process",
		Long: `demo records a real call with no setup: A/1 calls user B, whose devices
B/1 and B/2 ring; B/2 answers after a moment, Opus audio (and VP8 video with
--video) flows over WebRTC on the loopback interface for a few seconds, then
A hangs up. The signalling goes through an end-to-end encrypted relay on a
loopback port. Every device records into one call of the log, which is
replayed at the end to check that it reproduces.`,
		Example: `  callrec demo
  callreplay view calls.db
  callrec demo --duration 10s --video --devices 3 --hangup b --out demo.db`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.check(); err != nil {
				return cmdutil.FlagError(err)
			}
			live.TuneGC()
			ctx, cancel := interruptible()
			defer cancel()
			return demoRun(ctx, opts, ios)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.out, "out", "o", "calls.db", "log file to record into (a call is added if it exists)")
	f.DurationVar(&opts.duration, "duration", 5*time.Second, "how long the call lasts once connected")
	f.DurationVar(&opts.answerAfter, "answer-after", 500*time.Millisecond, "how long the last B device rings before it answers")
	f.BoolVar(&opts.video, "video", false, "send VP8 video too (videosend=true)")
	f.IntVar(&opts.devices, "devices", 2, "number of B's devices (the last one answers)")
	f.StringVar(&opts.hangup, "hangup", "a", "who hangs up: a (the caller) or b (the callee)")
	_ = cmd.RegisterFlagCompletionFunc("hangup", cobra.FixedCompletions([]string{"a", "b"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (o *demoOptions) check() error {
	switch {
	case o.out == "":
		return errors.New("--out: a log file is required")
	case o.duration <= 0:
		return fmt.Errorf("--duration %v: want a positive duration", o.duration)
	case o.answerAfter < 0:
		return fmt.Errorf("--answer-after %v: want zero or more", o.answerAfter)
	case o.devices < 1 || o.devices > 16:
		return fmt.Errorf("--devices %d: want 1 to 16", o.devices)
	case o.hangup != "a" && o.hangup != "b":
		return fmt.Errorf("--hangup %q: want a or b", o.hangup)
	}
	return nil
}

// demo is one run: the relay, the log and the devices.
type demo struct {
	opts   *demoOptions
	ios    *cmdutil.IOStreams
	stdout io.Writer
	relay  *live.Relay
	log    *eventlog.Log
	w      *eventlog.CallWriter
	caller *live.Device
	callee []*live.Device // B/1..B/N; the last one answers
	errs   chan error     // failures the devices reported
}

func demoRun(ctx context.Context, opts *demoOptions, ios *cmdutil.IOStreams) (err error) {
	stdout := ios.Out
	d := &demo{opts: opts, ios: ios, stdout: stdout, errs: make(chan error, 16)}
	defer func() {
		if d.log != nil {
			if cerr := d.log.Close(); err == nil {
				err = cerr
			}
		}
	}()
	if err := d.setUp(ctx, ios.Err); err != nil {
		d.tearDown()
		return err
	}
	callErr := d.call(ctx)
	if callErr != nil {
		fmt.Fprintln(stdout, "call failed:", callErr)
	}
	summary := d.summary()
	if err := d.tearDown(); err != nil {
		return err
	}
	fmt.Fprint(stdout, summary)
	if callErr != nil {
		return callErr
	}
	select {
	case err := <-d.errs:
		return err
	default:
	}
	return d.verify()
}

func (d *demo) setUp(ctx context.Context, stderr io.Writer) error {
	var err error
	d.relay, err = live.StartRelay(relay.ServerOptions{
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	d.log, err = eventlog.Open(d.opts.out, 0o644, live.LogOptions())
	if err != nil {
		return err
	}
	names := []string{"A/1"}
	for i := 1; i <= d.opts.devices; i++ {
		names = append(names, fmt.Sprintf("B/%d", i))
	}
	meta := eventlog.CallMeta{
		ToolVersion: toolVersion, Source: "live-demo", Start: time.Now().UTC(),
		Labels: map[string]string{"conv": "demo", "relay": d.relay.URL()},
	}
	for _, n := range names {
		ep, _ := eventlog.ParseEndpoint(n)
		meta.Endpoints = append(meta.Endpoints, ep)
	}
	if d.w, err = d.log.CreateCall(meta); err != nil {
		return err
	}
	media := mediaflow.DefaultOptions()
	media.Video = d.opts.video
	var props econn.Props
	if d.opts.video {
		props = econn.Props{"videosend": "true"}
	}
	for _, ep := range meta.Endpoints {
		dev, err := live.NewDevice(ctx, live.DeviceConfig{
			Self: ep, RelayURL: d.relay.URL(), Conv: "demo", Media: &media,
			Client:   ecall.Config{Props: props},
			Recorder: ecall.LogRecorder{W: d.w}, Start: meta.Start,
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

// call runs the call: ring, answer, talk, hang up, wait for every close.
func (d *demo) call(ctx context.Context) error {
	a, answerer := d.caller, d.callee[len(d.callee)-1]
	fmt.Fprintf(d.stdout, "%s calls B (devices %s) through the relay at %s\n", a.Self(), d.calleeNames(), d.relay.URL())
	if err := a.Start(); err != nil {
		return err
	}
	for _, b := range d.callee {
		if err := waitFor(ctx, b, 10*time.Second, "ring", ringing); err != nil {
			return err
		}
	}
	select {
	case <-time.After(d.opts.answerAfter):
	case <-ctx.Done():
		return d.hangUp(a, ctx.Err())
	}
	fmt.Fprintf(d.stdout, "%s answers\n", answerer.Self())
	if err := answerer.Answer(); err != nil {
		return err
	}
	for _, dev := range []*live.Device{a, answerer} {
		if err := waitFor(ctx, dev, 15*time.Second, "data channel", established); err != nil {
			return d.hangUp(a, err)
		}
	}
	fmt.Fprintf(d.stdout, "connected; the call lasts %v\n", d.opts.duration)
	prog := newProgress(d.ios)
	runCall(ctx, d.opts.duration, prog, func(el time.Duration) string {
		c, _ := active(a.Calls())
		return fmt.Sprintf("%4.1fs/%v  %s", el.Seconds(), d.opts.duration, audioLine(a.Self(), c))
	})
	who := a
	if d.opts.hangup == "b" {
		who = answerer
	}
	fmt.Fprintf(d.stdout, "%s hangs up\n", who.Self())
	return d.hangUp(who, nil)
}

// hangUp ends who's connections and waits until every device's
// connections closed; cause, when set, is why the call ends early.
func (d *demo) hangUp(who *live.Device, cause error) error {
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

func (d *demo) all() []*live.Device {
	if d.caller == nil {
		return d.callee
	}
	return append([]*live.Device{d.caller}, d.callee...)
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

// verify replays the recorded call and says so.
func (d *demo) verify() error {
	steps, err := verifyRecorded(d.log, d.w.ID())
	if err != nil {
		return err
	}
	fmt.Fprintf(d.stdout, "replay: %d steps replay to the recorded outputs (callreplay verify %s)\n", steps, d.opts.out)
	return nil
}

// summary describes the call: who rang and answered, setup times, media
// each way, final states.
func (d *demo) summary() string {
	var b strings.Builder
	a := d.caller.Calls()
	meta := d.w.Meta()
	fmt.Fprintf(&b, "\ncall %s recorded in %s\n", meta.ID, d.opts.out)
	var ac live.CallInfo
	if len(a) > 0 {
		ac = a[0]
	}
	var rang []string
	var answered live.CallInfo
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
	b.WriteString("  final:")
	for _, dev := range d.all() {
		for _, c := range dev.Calls() {
			fmt.Fprintf(&b, " %s %s (%s);", dev.Self(), c.State, reason(c))
		}
	}
	b.WriteString("\n")
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
