package main

import (
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/backend/relay"
	"github.com/callrec/callrec/ecall/live"
)

type serveOptions struct {
	listen string
	limits relay.ServerOptions
}

func newServeCmd(ios *cmdutil.IOStreams) *cobra.Command {
	opts := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve [--listen ADDR] [--max-message-size N] [--max-clients N] [--rate R] [--burst N]",
		Short: "Run the signalling relay for calls across processes or machines",
		Long: `serve runs the signalling relay: a WebSocket server at ws://ADDR/ws that
fans each client's end-to-end encrypted messages out to the other clients of
its conversation, stamped with the sender's ids and the server time. It
never holds a key: it forwards boxes it cannot open. Dropped frames (too
large, malformed, over the rate, impersonating) are logged with their reason
on stderr. It runs until interrupted, then prints its counters.`,
		Example: `  callrec serve --listen 127.0.0.1:8080
  callrec call --relay 127.0.0.1:8080 --user B --client 2 --conv c1 --answer
  callrec call --relay 127.0.0.1:8080 --user A --client 1 --conv c1 --dial`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.check(); err != nil {
				return cmdutil.FlagError(err)
			}
			ctx, cancel := interruptible()
			defer cancel()
			opts.limits.Logger = slog.New(slog.NewTextHandler(ios.Err, nil))
			return live.Serve(ctx, opts.listen, opts.limits, ios.Out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.listen, "listen", "127.0.0.1:8080", "TCP address to listen on (port 0 picks a free one)")
	f.Int64Var(&opts.limits.MaxMessageSize, "max-message-size", relay.DefaultMaxMessageSize, "largest frame a client may send, in bytes")
	f.IntVar(&opts.limits.MaxClientsPerConv, "max-clients", relay.DefaultMaxClientsPerConv, "clients per conversation")
	f.Float64Var(&opts.limits.RatePerSecond, "rate", relay.DefaultRatePerSecond, "frames per second per client (negative: no limit)")
	f.IntVar(&opts.limits.Burst, "burst", relay.DefaultBurst, "frames a client may send at once above the rate")
	return cmd
}

func (o *serveOptions) check() error {
	switch {
	case o.listen == "":
		return fmt.Errorf("--listen: an address is required")
	case o.limits.MaxMessageSize < 1024:
		return fmt.Errorf("--max-message-size %d: want at least 1024 bytes (a SETUP is a few KB)", o.limits.MaxMessageSize)
	case o.limits.MaxClientsPerConv < 2:
		return fmt.Errorf("--max-clients %d: want at least 2", o.limits.MaxClientsPerConv)
	case o.limits.RatePerSecond == 0:
		return fmt.Errorf("--rate 0: want a positive rate, or a negative one for no limit")
	case o.limits.Burst < 1:
		return fmt.Errorf("--burst %d: want at least 1", o.limits.Burst)
	}
	return nil
}
