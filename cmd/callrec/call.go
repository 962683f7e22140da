package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/backend/relay"
	"github.com/callrec/callrec/ecall/live"
)

// callOptions are the flags of call: the device's part, and --answer.
type callOptions struct {
	live.CallConfig
	answer    bool
	key, pins string
	fleet     string
}

func newCallCmd(ios *cmdutil.IOStreams) *cobra.Command {
	opts := &callOptions{}
	cmd := &cobra.Command{
		Use:   "call --relay URL (--key FILE | --user U --client C) --conv ID (--dial|--answer) [--pins FILE] [--out LOG] [--duration D]",
		Short: "Take part in a live call as one device, through a relay",
		Long: `call joins a conversation on a relay (callrec serve) as one device and
either calls it (--dial) or waits for a call and answers it (--answer).
Devices of the same user ring together: the one that answers first takes the
call and the others stop ringing. The dialling side hangs up after
--duration; an answering side waits for the hangup. Media goes directly
between the devices over WebRTC: on the loopback interface only, unless
--network (every interface, with --ice-server STUN/TURN servers if given).

The device proves to the relay that it holds the identity key of --key (made
by callrec keygen; its user and client ids come with it). It prints its own
key's fingerprint and each peer's: with --pins (a members file) it refuses a
peer announced with another key than the file's, and records the refusal as
a note; without, it trusts the first key it sees for each peer, and users
compare the fingerprints. Without --key it draws a throwaway key, which only
an open relay (serve --open) admits.

Each device records its own events into --out; callreplay verifies it.`,
		Example: `  callrec call --relay 127.0.0.1:8080 --key b1.key --pins members.txt --conv c1 --answer --answer-after 5s --out b1.db
  callrec call --relay 127.0.0.1:8080 --key b2.key --pins members.txt --conv c1 --answer --out b2.db
  callrec call --relay 127.0.0.1:8080 --key a1.key --pins members.txt --conv c1 --dial --members 3 --out a1.db`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.check(); err != nil {
				return cmdutil.FlagError(err)
			}
			if err := opts.loadKeys(); err != nil {
				return err
			}
			watch, closeFleet, err := fleetWatch(ios, fleetURL(opts.fleet))
			if err != nil {
				return err
			}
			defer closeFleet()
			opts.Watch = watch
			ctx, cancel := interruptible()
			defer cancel()
			return console(ios).Call(ctx, opts.CallConfig)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.RelayURL, "relay", "", "relay address: host:port or ws://host:port/ws")
	f.StringVar(&opts.Self.User, "user", "", "user id of this device")
	f.StringVar(&opts.Self.Client, "client", "", "client id of this device")
	f.StringVar(&opts.Conv, "conv", "", "conversation id")
	f.StringVar(&opts.key, "key", "", "this device's key file (callrec keygen); sets --user and --client")
	f.StringVar(&opts.pins, "pins", "", "members file of the peers' identity keys to insist on")
	f.BoolVar(&opts.Dial, "dial", false, "call the conversation")
	f.BoolVar(&opts.answer, "answer", false, "wait for a call and answer it")
	f.StringVarP(&opts.Log, "out", "o", "", "log file to record into (default: none)")
	f.DurationVar(&opts.Duration, "duration", 5*time.Second, "dial: how long the call lasts once connected")
	f.DurationVar(&opts.AnswerAfter, "answer-after", 500*time.Millisecond, "answer: how long to ring before answering")
	f.DurationVar(&opts.Timeout, "timeout", time.Minute, "give up when no call is set up or ended within this time")
	f.IntVar(&opts.Members, "members", 2, "dial: wait until the conversation has this many clients (this one included)")
	f.BoolVar(&opts.Video, "video", false, "send VP8 video too (videosend=true)")
	f.BoolVar(&opts.Network, "network", false, "gather ICE candidates on every interface, not just loopback")
	f.StringArrayVar(&opts.ICEServers, "ice-server", nil, "with --network: a STUN or TURN server URL (stun:host:port), repeatable")
	fleetFlag(f, &opts.fleet)
	return cmd
}

func (o *callOptions) check() error {
	var missing []string
	for _, f := range []struct{ name, v string }{{"--relay", o.RelayURL}, {"--user", o.Self.User}, {"--client", o.Self.Client}, {"--conv", o.Conv}} {
		if f.v == "" && !(o.key != "" && (f.name == "--user" || f.name == "--client")) {
			missing = append(missing, f.name)
		}
	}
	switch {
	case len(missing) > 0:
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	case o.Dial == o.answer:
		return errors.New("give exactly one of --dial and --answer")
	case strings.Contains(o.Self.User, "/") || strings.Contains(o.Self.Client, "/"):
		return errors.New("--user and --client cannot contain '/'")
	case o.Duration <= 0:
		return fmt.Errorf("--duration %v: want a positive duration", o.Duration)
	case o.AnswerAfter < 0:
		return fmt.Errorf("--answer-after %v: want zero or more", o.AnswerAfter)
	case o.Timeout <= 0:
		return fmt.Errorf("--timeout %v: want a positive duration", o.Timeout)
	case len(o.ICEServers) > 0 && !o.Network:
		return errors.New("--ice-server needs --network (loopback ICE gathers host candidates only)")
	case o.Members < 2 || o.Members > maxClientsLimit:
		return fmt.Errorf("--members %d: want 2 (this device and one other) to %d", o.Members, maxClientsLimit)
	case fleetURL(o.fleet) != "" && o.Log == "":
		return errors.New("--fleet needs --out: the local log is the record the fleet copies")
	}
	url, err := live.RelayURL(o.RelayURL)
	if err != nil {
		return fmt.Errorf("--relay: %w", err)
	}
	o.RelayURL = url
	return nil
}

// loadKeys reads the device's key file and the pins.
func (o *callOptions) loadKeys() error {
	if o.key != "" {
		id, err := relay.LoadKeyFile(o.key)
		if err != nil {
			return cmdutil.InputErrorf("--key: %w", err)
		}
		if (o.Self.User != "" && o.Self.User != id.User) || (o.Self.Client != "" && o.Self.Client != id.Client) {
			return cmdutil.FlagErrorf("--key %s is the key of %s/%s, not of --user %s --client %s", o.key, id.User, id.Client, o.Self.User, o.Self.Client)
		}
		o.Self.User, o.Self.Client, o.Identity = id.User, id.Client, &id
	}
	if o.pins != "" {
		ms, err := relay.LoadMembers(o.pins)
		if err != nil {
			return cmdutil.InputErrorf("--pins: %w", err)
		}
		o.Pins = ms
	}
	return nil
}
