package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/redact"
)

// UploadOptions tune Client.Upload.
type UploadOptions struct {
	// Redact ships the calls redacted as `callreplay redact` redacts a log:
	// one pseudonym per value throughout the log, and the redacted
	// recordings replay and verify like the originals.
	Redact bool
	// Timeout is how long to wait for a log another process holds; 0
	// means eventlog's default.
	Timeout time.Duration
}

// UploadReport says what Upload shipped.
type UploadReport struct {
	Recordings []string // the recording id of each call, in the log's order
	Events     uint64   // events published
	Skipped    uint64   // events the fleet held already
}

// Upload ships every call of the log at logPath to the fleet, each as one
// recording: its events (in the current codec, whatever format version
// the call was recorded in) and its metadata. It is idempotent: uploading
// the same log again publishes only what the fleet lacks. The log is
// checked first, so a damaged call is refused rather than shipped as if
// it were whole.
func (c *Client) Upload(ctx context.Context, logPath string, opts UploadOptions) (UploadReport, error) {
	var rep UploadReport
	l, err := eventlog.Open(logPath, 0, &eventlog.Options{ReadOnly: true, Timeout: opts.Timeout, Preload: true})
	if err != nil {
		return rep, err
	}
	defer l.Close()
	if err := l.Check(); err != nil {
		return rep, err
	}
	infos, err := l.Calls()
	if err != nil {
		return rep, err
	}
	var red *redact.Redactor
	if opts.Redact {
		if red, err = logRedactor(l, infos); err != nil {
			return rep, err
		}
	}
	for _, info := range infos {
		rec, err := c.uploadCall(ctx, l, info, red, &rep)
		if err != nil {
			return rep, fmt.Errorf("%s: call %s: %w", logPath, info.Meta.ID, err)
		}
		rep.Recordings = append(rep.Recordings, rec)
	}
	return rep, nil
}

// logRedactor reads every call of l so that a value has one pseudonym
// throughout the log, as `callreplay redact` does.
func logRedactor(l *eventlog.Log, infos []eventlog.CallInfo) (*redact.Redactor, error) {
	readers := make([]*eventlog.CallReader, 0, len(infos))
	defer func() {
		for _, r := range readers {
			r.Close()
		}
	}()
	for _, info := range infos {
		r, err := l.Call(info.Meta.ID)
		if err != nil {
			return nil, err
		}
		readers = append(readers, r)
	}
	return redact.New(readers...)
}

// uploadCall ships one call and returns its recording id.
func (c *Client) uploadCall(ctx context.Context, l *eventlog.Log, info eventlog.CallInfo, red *redact.Redactor, rep *UploadReport) (string, error) {
	events, calls, err := c.streams(ctx)
	if err != nil {
		return "", err
	}
	r, err := l.Call(info.Meta.ID)
	if err != nil {
		return "", err
	}
	defer r.Close()
	meta := r.Meta()
	if red != nil {
		meta = red.Meta(meta)
	}
	rm := newRecordingMeta(meta, red != nil)
	subject := Subject(&meta, rm.Rec)
	done, err := lastPublished(ctx, events, subject)
	if err != nil {
		return rm.Rec, err
	}
	if err := createMeta(ctx, calls, &rm); err != nil {
		return rm.Rec, err
	}
	out := describe.NewOutcome()
	pub := newBatchPublisher(c.js, rm.Rec, subject)
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		if red != nil {
			if ev, err = red.Event(ev); err != nil {
				return rm.Rec, err
			}
		}
		out.Add(ev)
		if ev.Seq <= done {
			rep.Skipped++
			continue
		}
		data, err := eventlog.EncodeEvent(ev)
		if err != nil {
			return rm.Rec, err
		}
		if err := pub.add(ctx, ev.Seq, data); err != nil {
			return rm.Rec, err
		}
		rep.Events++
	}
	if err := cur.Err(); err != nil {
		return rm.Rec, err
	}
	if err := pub.wait(ctx); err != nil {
		return rm.Rec, err
	}
	rm.close(info.Events, meta.Start.Add(info.Duration), out)
	return rm.Rec, putMeta(ctx, calls, &rm)
}

// lastPublished is the Seq of the last event the fleet holds on subject,
// 0 when it holds none.
func lastPublished(ctx context.Context, events jetstream.Stream, subject string) (uint64, error) {
	m, err := events.GetLastMsgForSubject(ctx, subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("fleet: last event on %s: %w", subject, err)
	}
	seq, err := strconv.ParseUint(m.Header.Get(HeaderSeq), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: the last event on %s has no valid %s header", ErrDamaged, subject, HeaderSeq)
	}
	return seq, nil
}

// eventMsg is the message of one event.
func eventMsg(rec, subject string, seq uint64, data []byte) *nats.Msg {
	m := nats.NewMsg(subject)
	m.Data = data
	s := uintString(seq)
	m.Header[HeaderMsgID] = []string{rec + ":" + s}
	m.Header[HeaderSeq] = []string{s}
	m.Header[HeaderFormat] = []string{formatHeader}
	return m
}

// formatHeader is the Callrec-Format of every payload this build sends:
// events are always in the current codec.
var formatHeader = strconv.Itoa(eventlog.FormatVersion)

// batchPublisher publishes one recording's events asynchronously and
// collects the acknowledgements.
type batchPublisher struct {
	js      jetstream.JetStream
	rec     string
	subject string
	futures []jetstream.PubAckFuture
}

// maxInFlight bounds the events published but not yet acknowledged.
const maxInFlight = 4096

func newBatchPublisher(js jetstream.JetStream, rec, subject string) *batchPublisher {
	return &batchPublisher{js: js, rec: rec, subject: subject}
}

func (p *batchPublisher) add(ctx context.Context, seq uint64, data []byte) error {
	if len(p.futures) >= maxInFlight {
		if err := p.wait(ctx); err != nil {
			return err
		}
	}
	f, err := p.js.PublishMsgAsync(eventMsg(p.rec, p.subject, seq, data))
	if err != nil {
		return fmt.Errorf("fleet: publish event %d: %w", seq, err)
	}
	p.futures = append(p.futures, f)
	return nil
}

// wait waits for every acknowledgement; the first failure is the error.
func (p *batchPublisher) wait(ctx context.Context) error {
	defer func() { p.futures = p.futures[:0] }()
	for _, f := range p.futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("fleet: publish event %s: %w", f.Msg().Header.Get(HeaderSeq), err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// putMeta stores rm in the bucket.
func putMeta(ctx context.Context, calls jetstream.KeyValue, rm *RecordingMeta) error {
	data, err := json.Marshal(rm)
	if err != nil {
		return err
	}
	if _, err := calls.Put(ctx, rm.Rec, data); err != nil {
		return fmt.Errorf("fleet: metadata of %s: %w", rm.Rec, err)
	}
	return nil
}

// createMeta stores rm unless the bucket has the recording already (a
// second upload must not mark a whole recording unfinished).
func createMeta(ctx context.Context, calls jetstream.KeyValue, rm *RecordingMeta) error {
	data, err := json.Marshal(rm)
	if err != nil {
		return err
	}
	if _, err := calls.Create(ctx, rm.Rec, data); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("fleet: metadata of %s: %w", rm.Rec, err)
	}
	return nil
}
