package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/internal/safetext"
	"github.com/callrec/callrec/web"
)

type webOptions struct {
	ios    *cmdutil.IOStreams
	Logs   []string
	Listen string
}

func newWebCmd(ios *cmdutil.IOStreams, runF func(*webOptions) error) *cobra.Command {
	opts := &webOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "web LOG...",
		Short: "Show calls in a web browser: ladder, states at every step, verify result",
		Long: "web serves a read-only page over the logs: the call list (with the filter\n" +
			"language of show --filter), the ladder of the selected call with its messages\n" +
			"paired across devices, every connection's state at the step under the cursor\n" +
			"(j/k/g/G or the buttons move it; the URL holds the call and the step), the\n" +
			"call's verify result and export links. The page is built into the binary and\n" +
			"needs no network. It listens on loopback unless --listen says otherwise; it\n" +
			"shows everything in the logs to whoever reaches it. Ctrl-C stops it (exit 130,\n" +
			"as every command the user interrupts).",
		Example: "  callrec demo && callreplay web calls.db\n" +
			"  callreplay web a1.db b1.db --listen 127.0.0.1:9000",
		Args:              cmdutil.MinArgs(1),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Logs = args
			if _, _, err := net.SplitHostPort(opts.Listen); err != nil {
				return cmdutil.FlagErrorf("--listen %q: want HOST:PORT (%v)", opts.Listen, err)
			}
			if runF != nil {
				return runF(opts)
			}
			return webRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", "127.0.0.1:8080", "serve the page on this `HOST:PORT`")
	return cmd
}

func webRun(opts *webOptions) error {
	logs := make([]web.Log, 0, len(opts.Logs))
	defer func() {
		for _, l := range logs {
			l.Log.Close()
		}
	}()
	for _, path := range opts.Logs {
		l, err := openCallLog(path)
		if err != nil {
			return err
		}
		logs = append(logs, web.Log{Name: path, Log: l})
	}
	srv, err := web.New(logs, web.Options{})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", opts.Listen, err)
	}
	if !loopback(ln.Addr()) {
		fmt.Fprintf(opts.ios.Err, "callreplay: %s is not a loopback address: anyone who reaches it can read the logs\n", ln.Addr())
	}
	fmt.Fprintf(opts.ios.Out, "serving %s at http://%s/ (Ctrl-C stops)\n", safetext.Escape(logNames(opts.Logs)), ln.Addr())
	ctx, stop := interruptible()
	defer stop()
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// Requests under way get a moment to end; the page holds no state
	// worth waiting longer for.
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return cmdutil.Interrupted(errors.New("interrupted: the page is no longer served"))
}

// loopback reports whether the server listens on a loopback address only.
func loopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

func logNames(paths []string) string {
	if len(paths) == 1 {
		return paths[0]
	}
	return fmt.Sprintf("%d logs", len(paths))
}
