package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/fleet"
)

// fleetServeOptions are the flags of fleet serve.
type fleetServeOptions struct {
	server  fleet.ServerOptions
	streams fleet.StreamOptions
}

func newFleetCmd(ios *cmdutil.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fleet",
		Short: "Run the fleet: the NATS JetStream server recordings are collected in",
		Args:  cmdutil.NoArgs,
	}
	cmd.AddCommand(newFleetServeCmd(ios), newFleetInitCmd(ios))
	return cmd
}

// fleetInitOptions are the flags of fleet init.
type fleetInitOptions struct {
	fleet   string
	streams fleet.StreamOptions
}

func newFleetInitCmd(ios *cmdutil.IOStreams) *cobra.Command {
	opts := &fleetInitOptions{}
	cmd := &cobra.Command{
		Use:   "init --fleet URL [--replicas N] [--max-bytes BYTES] [--max-age D] [--dupe-window D]",
		Short: "Create or reconfigure the fleet's stream and bucket on a NATS cluster",
		Long: `fleet init creates the event stream CALLREC_EVENTS and the bucket
CALLREC_CALLS on the fleet at --fleet (an external NATS cluster with
JetStream), or updates their settings: replicas, the stream's byte limit,
the age after which events and recordings are dropped, and the duplicate
window. Recorders that find no stream create one with a single replica, so
run it once before the first recording on a cluster.`,
		Example: `  callrec fleet init --fleet nats://n1:4222,nats://n2:4222,nats://n3:4222 --replicas 3 --max-bytes 200000000000 --max-age 2160h`,
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			url := fleetURL(opts.fleet)
			switch s := opts.streams; {
			case url == "":
				return cmdutil.FlagErrorf("no fleet: give --fleet nats://HOST:PORT or set %s", fleet.EnvURL)
			case s.Replicas < 1 || s.Replicas > 5:
				return cmdutil.FlagErrorf("--replicas %d: want 1 to 5", s.Replicas)
			case s.MaxBytes < 0 || s.MaxAge < 0 || s.Duplicates < 0:
				return cmdutil.FlagErrorf("--max-bytes, --max-age and --dupe-window: want zero (the default) or more")
			}
			ctx, cancel := interruptible()
			defer cancel()
			return fleetInit(ctx, ios, url, opts.streams)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.fleet, "fleet", "", "the fleet's URL, nats://HOST:PORT (default $"+fleet.EnvURL+")")
	f.IntVar(&opts.streams.Replicas, "replicas", 1, "replicas of the stream and the bucket (3 on a production cluster)")
	f.Int64Var(&opts.streams.MaxBytes, "max-bytes", 0, "the event stream's size limit; the oldest events go first (0: the server's limit)")
	f.DurationVar(&opts.streams.MaxAge, "max-age", 0, "drop events and recordings older than this (0: keep them)")
	f.DurationVar(&opts.streams.Duplicates, "dupe-window", 0, "how long the server remembers message ids (0: 10m)")
	return cmd
}

func fleetInit(ctx context.Context, ios *cmdutil.IOStreams, url string, opts fleet.StreamOptions) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := fleet.Connect(cctx, url)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := fleet.Ensure(cctx, c.JetStream(), opts); err != nil {
		return err
	}
	fmt.Fprintf(ios.Out, "%s: stream %s and bucket %s ready, %d replicas\n", url, fleet.StreamEvents, fleet.BucketCalls, max(opts.Replicas, 1))
	return nil
}

func newFleetServeCmd(ios *cmdutil.IOStreams) *cobra.Command {
	opts := &fleetServeOptions{}
	cmd := &cobra.Command{
		Use:   "serve [--store DIR] [--listen ADDR] [--max-store BYTES] [--max-age D]",
		Short: "Run an embedded NATS server with JetStream for the fleet's recordings",
		Long: `fleet serve runs an embedded NATS server with JetStream, nothing to install:
the fleet that recorders publish to (--fleet URL on call, demo and sim, or
CALLREC_FLEET) and that callreplay fleet reads. It creates the event stream
CALLREC_EVENTS and the bucket CALLREC_CALLS with the limits given, prints
its URL on the first line, and runs until interrupted.

A real deployment points the same commands at an external NATS cluster
instead: the URL is all that changes (README, "Field diagnostics").`,
		Example: `  callrec fleet serve --listen 127.0.0.1:4222
  callrec demo --fleet nats://127.0.0.1:4222
  callrec upload old.db --fleet nats://127.0.0.1:4222`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.streams.MaxAge < 0 {
				return cmdutil.FlagErrorf("--max-age %v: want zero (no limit) or more", opts.streams.MaxAge)
			}
			if opts.server.MaxStore < 1<<20 {
				return cmdutil.FlagErrorf("--max-store %d: want at least 1 MiB", opts.server.MaxStore)
			}
			ctx, cancel := interruptible()
			defer cancel()
			return fleetServe(ctx, ios, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.server.Listen, "listen", fleet.DefaultListen, "client address (port 0 picks a free one)")
	f.StringVar(&opts.server.StoreDir, "store", fleet.DefaultStoreDir(), "JetStream's directory")
	f.Int64Var(&opts.server.MaxStore, "max-store", fleet.DefaultMaxStore, "JetStream's file storage limit, in bytes")
	f.DurationVar(&opts.streams.MaxAge, "max-age", 0, "drop events and recordings older than this (0: keep them)")
	return cmd
}

// fleetServe serves until ctx ends (the user's Ctrl-C: a clean stop).
func fleetServe(ctx context.Context, ios *cmdutil.IOStreams, opts *fleetServeOptions) error {
	srv, err := fleet.Serve(opts.server)
	if err != nil {
		return err
	}
	defer srv.Shutdown()
	c, err := fleet.Connect(ctx, srv.URL())
	if err != nil {
		return err
	}
	err = fleet.Ensure(ctx, c.JetStream(), opts.streams)
	c.Close()
	if err != nil {
		return err
	}
	fmt.Fprintln(ios.Out, srv.URL())
	fmt.Fprintf(ios.Err, "fleet: JetStream in %s; Ctrl-C stops it\n", opts.server.StoreDir)
	<-ctx.Done()
	fmt.Fprintln(ios.Err, "fleet: stopped")
	return nil
}

// fleetFlag adds --fleet to a recording command.
func fleetFlag(f *pflag.FlagSet, p *string) {
	f.StringVar(p, "fleet", "", "publish the recording to the fleet at this URL, nats://HOST:PORT (default $"+fleet.EnvURL+")")
}

// fleetURL is --fleet, or the environment's when not given.
func fleetURL(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv(fleet.EnvURL)
}

// fleetWatch connects to the fleet at url in the background (a recorder
// starts whether or not the fleet answers) and returns the Watch that
// publishes each recorded call, and the client to close at the end. No
// url: no Watch.
func fleetWatch(ios *cmdutil.IOStreams, url string) (ecall.Watch, func(), error) {
	if url == "" {
		return nil, func() {}, nil
	}
	c, err := fleet.ConnectLater(url)
	if err != nil {
		return nil, nil, cmdutil.FlagError(fmt.Errorf("--fleet: %w", err))
	}
	watch := func(l *eventlog.Log, w *eventlog.CallWriter) func() {
		p := c.Watch(l, w, fleet.PublishOptions{})
		return func() {
			if err := p.Close(); err != nil {
				fmt.Fprintln(ios.Err, "warning:", err)
				return
			}
			fmt.Fprintf(ios.Err, "fleet: call %s published as recording %s to %s\n", w.ID(), p.Recording(), url)
		}
	}
	return watch, func() { c.Close() }, nil
}

// uploadOptions are the flags of upload.
type uploadOptions struct {
	fleet  string
	redact bool
}

func newUploadCmd(ios *cmdutil.IOStreams) *cobra.Command {
	opts := &uploadOptions{}
	cmd := &cobra.Command{
		Use:   "upload LOG... --fleet URL [--redact]",
		Short: "Ship existing logs to the fleet",
		Long: `upload publishes every call of each log to the fleet, one recording per
call: its events and its metadata, whatever format version it was recorded
in. It is idempotent: uploading a log again sends only what the fleet lacks,
so it also finishes what a recorder could not publish before it stopped. A
damaged log is refused rather than shipped as if it were whole.

--redact ships the calls redacted exactly as callreplay redact would write
them: the recordings replay and verify like the originals.`,
		Example: `  callrec upload a1.db b1.db b2.db --fleet nats://127.0.0.1:4222
  CALLREC_FLEET=nats://fleet.example:4222 callrec upload field.db --redact`,
		Args: cmdutil.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			url := fleetURL(opts.fleet)
			if url == "" {
				return cmdutil.FlagErrorf("no fleet: give --fleet nats://HOST:PORT or set %s", fleet.EnvURL)
			}
			ctx, cancel := interruptible()
			defer cancel()
			return uploadRun(ctx, ios, url, args, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.fleet, "fleet", "", "the fleet's URL, nats://HOST:PORT (default $"+fleet.EnvURL+")")
	f.BoolVar(&opts.redact, "redact", false, "redact the calls on the way out, as callreplay redact does")
	return cmd
}

func uploadRun(ctx context.Context, ios *cmdutil.IOStreams, url string, logs []string, opts *uploadOptions) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	c, err := fleet.Connect(cctx, url)
	cancel()
	if err != nil {
		if errors.Is(err, fleet.ErrBadURL) {
			return cmdutil.FlagError(fmt.Errorf("--fleet: %w", err))
		}
		return err
	}
	defer c.Close()
	for _, path := range logs {
		rep, err := c.Upload(ctx, path, fleet.UploadOptions{Redact: opts.redact, Timeout: lockTimeout})
		if err != nil {
			if ctx.Err() != nil {
				return cmdutil.Interrupted(fmt.Errorf("interrupted: %s partly uploaded (upload it again to finish)", path))
			}
			return err
		}
		fmt.Fprintf(ios.Out, "%s: %d recordings, %d events published, %d already in the fleet\n",
			path, len(rep.Recordings), rep.Events, rep.Skipped)
		for _, rec := range rep.Recordings {
			fmt.Fprintf(ios.Out, "  %s\n", rec)
		}
	}
	return nil
}

// lockTimeout is how long upload waits for a log another process has
// open for writing.
const lockTimeout = 2 * time.Second
