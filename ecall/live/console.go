package live

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/callrec/callrec/eventlog/verify"
	"github.com/callrec/callrec/internal/progress"
	"github.com/callrec/callrec/internal/safetext"
)

// Console is where a live command reports, as callrec's call and demo
// do: what happens and the media flowing on Out (the progress line
// rewritten in place when OutTerminal, else a line a second), warnings on
// Err.
type Console struct {
	Out, Err    io.Writer
	OutTerminal bool
	ToolVersion string // recorded in the call's metadata
}

func (c Console) progress() Progress { return progress.New(c.Out, c.OutTerminal, time.Second) }

func (c Console) warnings() *slog.Logger {
	return slog.New(slog.NewTextHandler(c.Err, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// Call takes part in the call of cfg (RunCall), reporting on c, then
// replays what it recorded and says so.
func (c Console) Call(ctx context.Context, cfg CallConfig) error {
	// The report names the peers by the ids they announce: escaped.
	cfg.Out, cfg.Progress, cfg.Logger, cfg.ToolVersion = safetext.NewWriter(c.Out), c.progress(), c.warnings(), c.ToolVersion
	id, err := RunCall(ctx, cfg)
	if err != nil || id == "" {
		return err
	}
	steps, err := verify.Recorded(cfg.Log, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Out, "recorded call %s in %s: %d steps replay to the recorded outputs\n", id, cfg.Log, steps)
	return nil
}

// Demo records the demo call of cfg (RunDemo), reporting on c, then
// replays it and says so. It returns the call's id.
func (c Console) Demo(ctx context.Context, cfg DemoConfig) (string, error) {
	cfg.ToolVersion, cfg.Logger, cfg.Out, cfg.Progress = c.ToolVersion, c.warnings(), safetext.NewWriter(c.Out), c.progress()
	id, err := RunDemo(ctx, cfg)
	if err != nil {
		return "", err
	}
	steps, err := verify.Recorded(cfg.Log, id)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(c.Out, "replay: %d steps replay to the recorded outputs (callreplay verify %s)\n", steps, cfg.Log)
	return id, nil
}
