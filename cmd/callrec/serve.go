package main

import (
	"errors"
	"fmt"
	"log/slog"
	"math"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/backend/relay"
	"github.com/callrec/callrec/ecall/live"
)

type serveOptions struct {
	listen  string
	members string
	open    bool
	limits  relay.ServerOptions
}

func newServeCmd(ios *cmdutil.IOStreams) *cobra.Command {
	opts := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve (--members FILE | --open) [--listen ADDR] [--max-message-size N] [--max-clients N] [--rate R] [--burst N]",
		Short: "Run the signalling relay for calls across processes or machines",
		Long: `serve runs the signalling relay: a WebSocket server at ws://ADDR/ws that
fans each client's end-to-end encrypted messages out to the other clients of
its conversation, stamped with the sender's ids and the server time. It
never holds a key: it forwards boxes it cannot open. Dropped frames (too
large, malformed, over the rate, impersonating) are logged with their reason
on stderr. It runs until interrupted, then prints its counters.

Only members join: a device proves that it holds its identity key (callrec
keygen) and must be listed with that key for the conversation in the
--members file (lines "USER/CLIENT KEY CONV..." as keygen prints them;
CONV * for every conversation). Others are refused and disconnected.
--open admits any device to any conversation instead: for demos on the
loopback interface only.`,
		Example: `  callrec keygen --user A --client 1 --out a1.key >> members.txt
  callrec keygen --user B --client 2 --out b2.key >> members.txt
  callrec serve --listen 127.0.0.1:8080 --members members.txt
  callrec call --relay 127.0.0.1:8080 --key b2.key --pins members.txt --conv c1 --answer
  callrec call --relay 127.0.0.1:8080 --key a1.key --pins members.txt --conv c1 --dial`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.check(); err != nil {
				return cmdutil.FlagError(err)
			}
			if err := opts.loadMembers(ios); err != nil {
				return err
			}
			ctx, cancel := interruptible()
			defer cancel()
			opts.limits.Logger = slog.New(slog.NewTextHandler(ios.Err, nil))
			return live.Serve(ctx, opts.listen, opts.limits, ios.Out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.listen, "listen", "127.0.0.1:8080", "TCP address to listen on (port 0 picks a free one)")
	f.StringVar(&opts.members, "members", "", "members file: who may join which conversation, with which identity key")
	f.BoolVar(&opts.open, "open", false, "admit any device to any conversation (loopback demos only)")
	f.Int64Var(&opts.limits.MaxMessageSize, "max-message-size", relay.DefaultMaxMessageSize, "largest frame a client may send, in bytes")
	f.IntVar(&opts.limits.MaxClientsPerConv, "max-clients", relay.DefaultMaxClientsPerConv, "clients per conversation")
	f.Float64Var(&opts.limits.RatePerSecond, "rate", relay.DefaultRatePerSecond, "frames per second per client (negative: no limit)")
	f.IntVar(&opts.limits.Burst, "burst", relay.DefaultBurst, "frames a client may send at once above the rate")
	return cmd
}

// Ranges of serve's numeric flags: past them a limit overflows or makes
// the relay useless (every join refused, every frame dropped).
const (
	maxClientsLimit = 1024
	rateLimit       = 1e6
	burstLimit      = 1_000_000
)

func (o *serveOptions) check() error {
	l := o.limits
	switch {
	case o.listen == "":
		return fmt.Errorf("--listen: an address is required")
	case l.MaxMessageSize < relay.MinMaxMessageSize || l.MaxMessageSize > relay.MaxMaxMessageSize:
		return fmt.Errorf("--max-message-size %d: want %d to %d bytes (a SETUP is a few KB)", l.MaxMessageSize, relay.MinMaxMessageSize, relay.MaxMaxMessageSize)
	case l.MaxClientsPerConv < 2 || l.MaxClientsPerConv > maxClientsLimit:
		return fmt.Errorf("--max-clients %d: want 2 to %d", l.MaxClientsPerConv, maxClientsLimit)
	case l.RatePerSecond == 0 || math.IsNaN(l.RatePerSecond) || l.RatePerSecond > rateLimit:
		return fmt.Errorf("--rate %v: want a positive rate up to %g, or a negative one for no limit", l.RatePerSecond, float64(rateLimit))
	case l.Burst < 1 || l.Burst > burstLimit:
		return fmt.Errorf("--burst %d: want 1 to %d", l.Burst, burstLimit)
	case o.members == "" && !o.open:
		return errors.New("no membership: give --members FILE (see callrec keygen), or --open for a loopback demo")
	case o.members != "" && o.open:
		return errors.New("give one of --members and --open")
	}
	return nil
}

// loadMembers reads the members file, or says that the relay is open (on
// stderr: stdout's first line is the URL, for scripts).
func (o *serveOptions) loadMembers(ios *cmdutil.IOStreams) error {
	if o.open {
		fmt.Fprintln(ios.Err, "relay is OPEN (--open): any device may join any conversation; for loopback demos only")
		return nil
	}
	ms, err := relay.LoadMembers(o.members)
	if err != nil {
		return cmdutil.InputErrorf("--members: %w", err)
	}
	if ms.Len() == 0 {
		return cmdutil.InputErrorf("--members %s: lists no device", o.members)
	}
	o.limits.Members = ms
	fmt.Fprintf(ios.Err, "relay admits the %d devices of %s\n", ms.Len(), o.members)
	return nil
}
