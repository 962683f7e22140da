package export

import (
	"bufio"
	"fmt"
	"io"

	"github.com/callrec/callrec/eventlog"
)

// Stream writes a call's events one at a time as they arrive, for a call
// that is still being recorded (`callreplay show --follow`): in the Text
// or JSONL format, with the Options' filter, From and redaction. Each
// Event reaches w before it returns.
type Stream struct {
	bw    *bufio.Writer
	write func(eventlog.Event) error
	opts  Options
}

// NewStream starts a stream of the call meta on w; the Text format writes
// its header at once, saying the call is being recorded.
func NewStream(w io.Writer, meta eventlog.CallMeta, opts Options) (*Stream, error) {
	s := &Stream{bw: bufio.NewWriter(w), opts: opts}
	if opts.Redactor != nil {
		meta = opts.Redactor.Meta(meta)
	}
	switch opts.Format {
	case JSONL:
		s.write = jsonLines(s.bw)
	case Text:
		tl := newTimeline(s.bw, meta)
		if err := tl.header("being recorded"); err != nil {
			return nil, err
		}
		s.write = tl.event
	default:
		return nil, fmt.Errorf("%w %q: a call being recorded streams as %s or %s", ErrFormat, opts.Format, Text, JSONL)
	}
	return s, s.bw.Flush()
}

// Event writes ev if the options select it.
func (s *Stream) Event(ev eventlog.Event) error {
	if ev.Seq < s.opts.From || !s.opts.Filter.Match(ev) {
		return nil
	}
	if red := s.opts.Redactor; red != nil {
		var err error
		if ev, err = red.Event(ev); err != nil {
			return err
		}
	}
	if err := s.write(ev); err != nil {
		return err
	}
	return s.bw.Flush()
}
