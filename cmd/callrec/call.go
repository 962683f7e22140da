package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/live"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/verify"
)

type callOptions struct {
	relay, user, client, conv string
	answer, dial              bool
	out                       string
	duration, answerAfter     time.Duration
	timeout                   time.Duration
	members                   int
	video                     bool
	network                   bool
	iceServers                []string
}

func newCallCmd(ios *cmdutil.IOStreams) *cobra.Command {
	opts := &callOptions{}
	cmd := &cobra.Command{
		Use:   "call --relay URL --user U --client C --conv ID (--dial|--answer) [--out LOG] [--duration D]",
		Short: "Take part in a live call as one device, through a relay",
		Long: `call joins a conversation on a relay (callrec serve) as one device and
either calls it (--dial) or waits for a call and answers it (--answer).
Devices of the same user ring together: the one that answers first takes the
call and the others stop ringing. The dialling side hangs up after
--duration; an answering side waits for the hangup. Media goes directly
between the devices over WebRTC: on the loopback interface only, unless
--network (every interface, with --ice-server STUN/TURN servers if given).

Each device records its own events into --out; callreplay verifies it.`,
		Example: `  callrec call --relay 127.0.0.1:8080 --user B --client 1 --conv c1 --answer --answer-after 5s --out b1.db
  callrec call --relay 127.0.0.1:8080 --user B --client 2 --conv c1 --answer --out b2.db
  callrec call --relay 127.0.0.1:8080 --user A --client 1 --conv c1 --dial --members 3 --out a1.db`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.check(); err != nil {
				return cmdutil.FlagError(err)
			}
			live.TuneGC()
			ctx, cancel := interruptible()
			defer cancel()
			return callRun(ctx, opts, ios)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.relay, "relay", "", "relay address: host:port or ws://host:port/ws")
	f.StringVar(&opts.user, "user", "", "user id of this device")
	f.StringVar(&opts.client, "client", "", "client id of this device")
	f.StringVar(&opts.conv, "conv", "", "conversation id")
	f.BoolVar(&opts.dial, "dial", false, "call the conversation")
	f.BoolVar(&opts.answer, "answer", false, "wait for a call and answer it")
	f.StringVarP(&opts.out, "out", "o", "", "log file to record into (default: none)")
	f.DurationVar(&opts.duration, "duration", 5*time.Second, "dial: how long the call lasts once connected")
	f.DurationVar(&opts.answerAfter, "answer-after", 500*time.Millisecond, "answer: how long to ring before answering")
	f.DurationVar(&opts.timeout, "timeout", time.Minute, "give up when no call is set up or ended within this time")
	f.IntVar(&opts.members, "members", 2, "dial: wait until the conversation has this many clients (this one included)")
	f.BoolVar(&opts.video, "video", false, "send VP8 video too (videosend=true)")
	f.BoolVar(&opts.network, "network", false, "gather ICE candidates on every interface, not just loopback")
	f.StringArrayVar(&opts.iceServers, "ice-server", nil, "with --network: a STUN or TURN server URL (stun:host:port), repeatable")
	return cmd
}

func (o *callOptions) check() error {
	var missing []string
	for _, f := range []struct{ name, v string }{{"--relay", o.relay}, {"--user", o.user}, {"--client", o.client}, {"--conv", o.conv}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	switch {
	case len(missing) > 0:
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	case o.dial == o.answer:
		return errors.New("give exactly one of --dial and --answer")
	case strings.Contains(o.user, "/") || strings.Contains(o.client, "/"):
		return errors.New("--user and --client cannot contain '/'")
	case o.duration <= 0:
		return fmt.Errorf("--duration %v: want a positive duration", o.duration)
	case o.answerAfter < 0:
		return fmt.Errorf("--answer-after %v: want zero or more", o.answerAfter)
	case o.timeout <= 0:
		return fmt.Errorf("--timeout %v: want a positive duration", o.timeout)
	case len(o.iceServers) > 0 && !o.network:
		return errors.New("--ice-server needs --network (loopback ICE gathers host candidates only)")
	case o.members < 2:
		return fmt.Errorf("--members %d: want at least 2 (this device and one other)", o.members)
	}
	url, err := live.RelayURL(o.relay)
	if err != nil {
		return fmt.Errorf("--relay: %w", err)
	}
	o.relay = url
	return nil
}

// callRun takes part in the call, then replays what it recorded.
func callRun(ctx context.Context, opts *callOptions, ios *cmdutil.IOStreams) error {
	id, err := live.RunCall(ctx, live.CallConfig{
		Script: live.Script{Conv: opts.conv, Members: opts.members, Duration: opts.duration,
			AnswerAfter: opts.answerAfter, Timeout: opts.timeout, Out: ios.Out, Progress: newProgress(ios)},
		Dial: opts.dial, Self: eventlog.Endpoint{User: opts.user, Client: opts.client}, RelayURL: opts.relay,
		Log: opts.out, Video: opts.video, Network: opts.network, ICEServers: opts.iceServers,
		ToolVersion: toolVersion, Logger: warnings(ios),
	})
	if err != nil || id == "" {
		return err
	}
	steps, err := verify.Recorded(opts.out, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(ios.Out, "recorded call %s in %s: %d steps replay to the recorded outputs\n", id, opts.out, steps)
	return nil
}
