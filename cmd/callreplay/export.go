package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
)

var exportFormats = []string{"jsonl", "mermaid", "chrome-trace", "text"}

type exportOptions struct {
	ios    *cmdutil.IOStreams
	Log    string
	Call   string
	Format string
	Redact bool
	Out    string
}

func newExportCmd(ios *cmdutil.IOStreams, runF func(*exportOptions) error) *cobra.Command {
	opts := &exportOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "export LOG --format jsonl|mermaid|chrome-trace|text",
		Short: "Write a call as JSON lines, a Mermaid diagram, a Chrome trace or text",
		Long: "Write one call in another format:\n" +
			"  jsonl         one JSON object per event, for jq\n" +
			"  mermaid       a Mermaid sequence diagram of the messages and state changes\n" +
			"  chrome-trace  a Chrome/Perfetto trace: one process per endpoint, a track of\n" +
			"                state spans and a track of messages per connection, messages\n" +
			"                as flow arrows (open it in https://ui.perfetto.dev)\n" +
			"  text          the timeline `show` prints\n" +
			"--redact replaces user and client ids by pseudonyms and scrubs SDPs first.",
		Example: "  callreplay export call.log --format chrome-trace --out call.trace.json\n" +
			"  callreplay export call.log --format jsonl --redact | jq 'select(.kind==\"output\")'\n" +
			"  callreplay export call.log --format mermaid > call.mmd",
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Log = args[0]
			if !slices.Contains(exportFormats, opts.Format) {
				return cmdutil.FlagErrorf("--format %q: want one of %s", opts.Format, strings.Join(exportFormats, ", "))
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Call, "call", "", "the call to export (default: the log's only call)")
	f.StringVarP(&opts.Format, "format", "f", "", "jsonl, mermaid, chrome-trace or text (required)")
	f.BoolVar(&opts.Redact, "redact", false, "pseudonymize ids and scrub SDPs")
	f.StringVarP(&opts.Out, "out", "o", "", "write to this file instead of stdout")
	_ = cmd.MarkFlagRequired("format")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(exportFormats, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("call", callIDCompletion)
	return cmd
}

// callView is a call as an export reads it: metadata and a way to walk its
// events, redacted when asked.
type callView struct {
	meta  eventlog.CallMeta
	count uint64
	each  func(fn func(eventlog.Event) error) error
}

// openView returns the call r, redacted by red unless it is nil.
func openView(r *eventlog.CallReader, red *redactor) *callView {
	v := &callView{meta: r.Meta(), count: r.Count(), each: func(fn func(eventlog.Event) error) error {
		return eachEvent(r, nil, 1, fn)
	}}
	if red == nil {
		return v
	}
	plain := v.each
	v.meta = red.meta(v.meta)
	v.each = func(fn func(eventlog.Event) error) error {
		return plain(func(ev eventlog.Event) error {
			ev, err := red.event(ev)
			if err != nil {
				return err
			}
			return fn(ev)
		})
	}
	return v
}

// collectIDs reads a call once to collect the ids it mentions.
func collectIDs(ids *idCollector, r *eventlog.CallReader) error {
	ids.meta(r.Meta())
	return eachEvent(r, nil, 1, func(ev eventlog.Event) error {
		ids.event(ev)
		return nil
	})
}

func exportRun(opts *exportOptions) (err error) {
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
	var red *redactor
	if opts.Redact {
		ids := newIDCollector()
		if err := collectIDs(ids, r); err != nil {
			return err
		}
		if red, err = ids.redactor(); err != nil {
			return err
		}
	}
	v := openView(r, red)
	out := opts.ios.Out
	if opts.Out != "" {
		f, err := os.Create(opts.Out)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		out = f
	}
	bw := bufio.NewWriter(out)
	if err := exportTo(bw, v, opts.Format); err != nil {
		return err
	}
	return bw.Flush()
}

func exportTo(w io.Writer, v *callView, format string) error {
	switch format {
	case "jsonl":
		return v.each(jsonLines(w))
	case "text":
		tl := newTimeline(w, v.meta)
		tl.header(v.count)
		return v.each(tl.event)
	case "mermaid":
		return writeMermaid(w, v)
	case "chrome-trace":
		return writeChromeTrace(w, v)
	}
	return cmdutil.FlagErrorf("unknown format %q", format)
}

// writeMermaid draws the messages and state changes as a Mermaid sequence
// diagram: solid arrows for backend messages, dotted ones for direct
// messages, crosses for lost ones.
func writeMermaid(w io.Writer, v *callView) error {
	lad := describe.NewLadder(v.meta.Endpoints)
	type note struct {
		seq  uint64
		ep   eventlog.Endpoint
		text string
	}
	var notes []note
	if err := v.each(func(ev eventlog.Event) error {
		lad.Add(ev)
		switch o := ev.Output.(type) {
		case econn.StateChanged, econn.Closed:
			notes = append(notes, note{ev.Seq, ev.Endpoint, ev.Conn + " " + describe.Output(o)})
		}
		return nil
	}); err != nil {
		return err
	}
	ids := map[eventlog.Endpoint]string{}
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	for i, ep := range lad.Endpoints() {
		ids[ep] = fmt.Sprintf("P%d", i)
		fmt.Fprintf(&b, "    participant P%d as %s\n", i, mermaidText(ep.String()))
	}
	arrows := lad.Arrows()
	for i, j := 0, 0; i < len(arrows) || j < len(notes); {
		if j < len(notes) && (i == len(arrows) || notes[j].seq < arrows[i].First()) {
			fmt.Fprintf(&b, "    Note over %s: %s\n", ids[notes[j].ep], mermaidText(notes[j].text))
			j++
			continue
		}
		a := arrows[i]
		i++
		from, to := ids[a.From], ids[a.To]
		if to == "" {
			to = from
		}
		arrow, label := "->>", a.Label()
		if a.Via == econn.TransportDirect {
			arrow = "-->>"
		}
		switch {
		case a.Lost():
			arrow, label = strings.TrimSuffix(arrow, ">>")+"x", label+" (lost)"
		case a.Sent == 0:
			label += " (send not recorded)"
		}
		fmt.Fprintf(&b, "    %s%s%s: %s\n", from, arrow, to, mermaidText(label))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidText keeps text out of Mermaid's syntax: no statement separators
// or entity codes.
func mermaidText(s string) string {
	return strings.NewReplacer(";", ",", "#", "no. ", "\n", " ").Replace(s)
}

// writeJSON writes v as compact JSON.
func writeJSON(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }
