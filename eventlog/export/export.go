// Package export writes a recorded call in formats other tools read: JSON
// lines for jq, a Mermaid sequence diagram, a Chrome/Perfetto trace, and
// the text timeline `callreplay show` prints. Every format streams: the
// events are written as the cursor yields them, and what an export keeps
// between events is bounded by the call's connections and pending
// messages, not by its length (see Format for each format's bound).
//
//	r, _ := l.Call(id) // an *eventlog.CallReader
//	err := export.Write(os.Stdout, r, export.Options{Format: export.ChromeTrace})
//
// With Options.Redactor (see package redact) what is written is redacted
// event by event.
package export

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/clocks"
	"github.com/callrec/callrec/eventlog/filter"
	"github.com/callrec/callrec/eventlog/redact"
)

// Format names an export format.
type Format string

// The formats, by the names users type.
const (
	// JSONL is one JSON object per event (describe.Record), for jq.
	JSONL Format = "jsonl"
	// Mermaid is a Mermaid sequence diagram of the messages and state
	// changes. It reads the call twice: first for the participants the
	// diagram declares at its top, then to draw. A message's line waits
	// until the message can change no more; at most maxWaiting lines wait,
	// after which the oldest message is drawn as it stands.
	Mermaid Format = "mermaid"
	// ChromeTrace is a Chrome/Perfetto trace: one process per endpoint, a
	// track of state spans and a track of messages per connection,
	// messages joined by flow arrows; the media statistics of each stream
	// as counter tracks (packets/s, loss, jitter, RTT; package mediastats).
	// It keeps the open state of each connection, the sends a receive may
	// still match, and a baseline per media stream.
	ChromeTrace Format = "chrome-trace"
	// Text is the timeline `callreplay show` prints: a header, then one
	// aligned line per event.
	Text Format = "text"
)

var formats = []Format{JSONL, Mermaid, ChromeTrace, Text}

// Formats returns the format names, for flag help, completion and
// validation.
func Formats() []string {
	out := make([]string, len(formats))
	for i, f := range formats {
		out[i] = string(f)
	}
	return out
}

// ParseFormat returns the format named s, or an error wrapping ErrFormat.
func ParseFormat(s string) (Format, error) {
	if !slices.Contains(formats, Format(s)) {
		return "", fmt.Errorf("%w %q: want one of %s", ErrFormat, s, strings.Join(Formats(), ", "))
	}
	return Format(s), nil
}

// Options choose the format and the events of an export.
type Options struct {
	Format Format
	// Filter selects the events written (the filter language of
	// eventlog/filter); the zero Filter writes them all. It reads the
	// events as logged, before redaction.
	Filter filter.Filter
	// From is the first sequence number written; 0 starts at the first.
	From uint64
	// Redactor, when set, redacts the metadata and every event before
	// they are written (redact.New makes one for the call).
	Redactor *redact.Redactor
	// Progress, when set, hears now and then how far the export has read:
	// done of total, in events (Mermaid reads the call twice: its total
	// counts both passes).
	Progress func(done, total uint64)
}

// call is the call an export reads: its metadata, redacted when asked,
// and a way to walk its events.
type call struct {
	r      *eventlog.CallReader
	meta   eventlog.CallMeta
	opts   Options
	clocks *clocks.Estimate // the text timeline's alignment of device clocks; nil: none
	passes uint64           // how often the format reads the call
	pass   uint64           // the passes done
}

// progressEvery is how many events an export reads between two reports
// of its progress.
const progressEvery = 256

// each calls fn with every event the options select, in order.
func (c *call) each(fn func(eventlog.Event) error) error {
	defer func() { c.pass++ }()
	cur := c.r.Cursor(c.opts.Filter.Compile())
	n := 0
	for ev, ok := cur.Seek(max(c.opts.From, 1)); ok; ev, ok = cur.Next() {
		if n++; c.opts.Progress != nil && n%progressEvery == 0 {
			count := c.r.Count()
			c.opts.Progress(c.pass*count+ev.Seq, max(c.passes, 1)*count)
		}
		if !c.opts.Filter.Match(ev) {
			continue
		}
		ev.At = c.clocks.At(&ev) // before redaction renames the endpoint
		if red := c.opts.Redactor; red != nil {
			var err error
			if ev, err = red.Event(ev); err != nil {
				return err
			}
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
	return cur.Err()
}

// Write writes the call r to w in opts.Format. It buffers its writes and
// flushes them before it returns.
func Write(w io.Writer, r *eventlog.CallReader, opts Options) error {
	c := &call{r: r, meta: r.Meta(), opts: opts, passes: 1}
	if opts.Format == Mermaid {
		c.passes = 2
	}
	if opts.Redactor != nil {
		c.meta = opts.Redactor.Meta(c.meta)
	}
	bw := bufio.NewWriter(w)
	var err error
	switch opts.Format {
	case JSONL:
		err = c.each(jsonLines(bw))
	case Text:
		err = writeText(bw, c)
	case Mermaid:
		err = writeMermaid(bw, c)
	case ChromeTrace:
		err = writeChromeTrace(bw, c)
	default:
		_, err = ParseFormat(string(opts.Format))
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// WriteFile writes the call r as Write does into a new file at path
// (truncating one that exists), or to w when path is "".
func WriteFile(w io.Writer, path string, r *eventlog.CallReader, opts Options) error {
	if path == "" {
		return Write(w, r, opts)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := Write(f, r, opts); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
