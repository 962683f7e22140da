package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
)

type showOptions struct {
	ios       *cmdutil.IOStreams
	Log       string
	Call      string
	Endpoints []string
	Kinds     []string
	Types     []string
	From      uint64
	JSON      bool
	Ladder    bool
	Width     int
}

func newShowCmd(ios *cmdutil.IOStreams, runF func(*showOptions) error) *cobra.Command {
	opts := &showOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "show LOG",
		Short: "Print a call's timeline, one sentence per event",
		Long: "Print a call's timeline: sequence number, time since the call began, endpoint,\n" +
			"connection, kind and a sentence per event. --ladder draws the messages between\n" +
			"the endpoints as a call flow instead ('-' backend, '=' direct, 'x' lost).",
		Example: "  callreplay show call.log\n" +
			"  callreplay show call.log --endpoint B/1 --kind output --type StateChanged\n" +
			"  callreplay show call.log --from 120 --json | jq .text\n" +
			"  callreplay show call.log --ladder --width 80",
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Log = args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Call, "call", "", "the call to show (default: the log's only call)")
	f.StringSliceVar(&opts.Endpoints, "endpoint", nil, "only events of these endpoints (`user/client`, repeatable)")
	f.StringSliceVar(&opts.Kinds, "kind", nil, "only events of these kinds: input, output, note (repeatable)")
	f.StringSliceVar(&opts.Types, "type", nil, "only events of these types (Recv, StateChanged, media.ice, ...)")
	f.Uint64Var(&opts.From, "from", 1, "start at this sequence number")
	f.BoolVar(&opts.JSON, "json", false, "print JSON lines, one object per event")
	f.BoolVar(&opts.Ladder, "ladder", false, "draw the messages as an ASCII call flow")
	f.IntVar(&opts.Width, "width", 0, "ladder width in columns (default: the terminal's, else 100)")
	_ = cmd.RegisterFlagCompletionFunc("call", callIDCompletion)
	_ = cmd.RegisterFlagCompletionFunc("endpoint", endpointCompletion)
	_ = cmd.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions(
		[]cobra.Completion{"input", "output", "note"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// filter turns the flags into an eventlog.Filter.
func (opts *showOptions) filter() (*eventlog.Filter, error) {
	f := &eventlog.Filter{Types: opts.Types}
	for _, s := range opts.Endpoints {
		ep, err := eventlog.ParseEndpoint(s)
		if err != nil {
			return nil, cmdutil.FlagErrorf("--endpoint: %w", err)
		}
		f.Endpoints = append(f.Endpoints, ep)
	}
	for _, s := range opts.Kinds {
		k, err := eventlog.ParseKind(s)
		if err != nil {
			return nil, cmdutil.FlagErrorf("--kind: %w", err)
		}
		f.Kinds = append(f.Kinds, k)
	}
	return f, nil
}

func showRun(opts *showOptions) error {
	f, err := opts.filter()
	if err != nil {
		return err
	}
	if opts.Width < 0 {
		return cmdutil.FlagErrorf("--width %d: want a positive number of columns", opts.Width)
	}
	l, err := openLog(opts.Log)
	if err != nil {
		return err
	}
	defer l.Close()
	r, err := openCall(l, opts.Call)
	if err != nil {
		return err
	}
	defer r.Close()
	switch {
	case opts.Ladder:
		width := opts.Width
		if width == 0 {
			width = opts.ios.OutWidth()
		}
		return writeLadder(opts.ios.Out, r, f.Endpoints, opts.From, width)
	case opts.JSON:
		return eachEvent(r, f, opts.From, jsonLines(opts.ios.Out))
	}
	tl := newTimeline(opts.ios.Out, r.Meta())
	tl.header(r.Count())
	return eachEvent(r, f, opts.From, tl.event)
}

// eachEvent calls fn for every event f selects, from seq on.
func eachEvent(r *eventlog.CallReader, f *eventlog.Filter, from uint64, fn func(eventlog.Event) error) error {
	cur := r.Cursor(f)
	for ev, ok := cur.Seek(max(from, 1)); ok; ev, ok = cur.Next() {
		if err := fn(ev); err != nil {
			return err
		}
	}
	return cur.Err()
}

func jsonLines(w io.Writer) func(eventlog.Event) error {
	enc := json.NewEncoder(w)
	return func(ev eventlog.Event) error { return enc.Encode(describe.RecordOf(ev)) }
}

// timeline prints events as aligned lines; column widths come from the
// call's metadata so that a long call streams.
type timeline struct {
	w          io.Writer
	meta       eventlog.CallMeta
	epW, connW int
}

func newTimeline(w io.Writer, meta eventlog.CallMeta) *timeline {
	t := &timeline{w: w, meta: meta, epW: len("ENDPOINT"), connW: len("CONN")}
	for _, ep := range meta.Endpoints {
		t.epW = max(t.epW, len(ep.String()))
	}
	for _, c := range meta.Conns {
		t.epW = max(t.epW, len(c.Endpoint.String()))
		t.connW = max(t.connW, len(c.Config.SessID))
	}
	return t
}

func (t *timeline) header(events uint64) {
	m := t.meta
	parts := []string{"call " + m.ID}
	if m.Source != "" {
		parts = append(parts, m.Source)
	}
	if m.Scenario != "" {
		parts = append(parts, "scenario "+m.Scenario)
	}
	if m.HasSeed {
		parts = append(parts, fmt.Sprintf("seed %d", m.Seed))
	}
	eps := make([]string, len(m.Endpoints))
	for i, ep := range m.Endpoints {
		eps[i] = ep.String()
	}
	parts = append(parts, "endpoints "+strings.Join(eps, " "), fmt.Sprintf("%d events", events))
	fmt.Fprintln(t.w, strings.Join(parts, " · "))
	fmt.Fprintf(t.w, "%7s  %10s  %-*s  %-*s  %-4s  %s\n", "SEQ", "TIME", t.epW, "ENDPOINT", t.connW, "CONN", "KIND", "EVENT")
}

var kindTags = map[eventlog.Kind]string{eventlog.KindInput: "in", eventlog.KindOutput: "out", eventlog.KindNote: "note"}

func (t *timeline) event(ev eventlog.Event) error {
	conn := ev.Conn
	if conn == "" {
		conn = "-"
	}
	_, err := fmt.Fprintf(t.w, "%7d  %10s  %-*s  %-*s  %-4s  %s\n", ev.Seq, fmt.Sprintf("+%.3fs", ev.At.Seconds()),
		t.epW, ev.Endpoint.String(), t.connW, conn, kindTags[ev.Kind], describe.Sentence(ev))
	return err
}

// writeLadder draws the messages of the call from seq on; with endpoints,
// only the messages that touch one of them.
func writeLadder(w io.Writer, r *eventlog.CallReader, endpoints []eventlog.Endpoint, from uint64, width int) error {
	l := describe.NewLadder(r.Meta().Endpoints)
	if err := eachEvent(r, nil, from, func(ev eventlog.Event) error {
		l.Add(ev)
		return nil
	}); err != nil {
		return err
	}
	arrows := l.Arrows()
	if len(endpoints) > 0 {
		arrows = slices.DeleteFunc(arrows, func(a describe.Arrow) bool {
			return !slices.Contains(endpoints, a.From) && !slices.Contains(endpoints, a.To)
		})
	}
	return describe.DrawLadder(w, l.Endpoints(), arrows, width)
}
