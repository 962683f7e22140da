package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/callrec/callrec/eventlog"
)

// Recordings lists the metadata of every recording the fleet holds, in
// start order. A bucket entry that does not decode is an error naming it.
func (c *Client) Recordings(ctx context.Context) ([]RecordingMeta, error) {
	_, calls, err := c.streams(ctx)
	if err != nil {
		return nil, err
	}
	w, err := calls.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("fleet: bucket %s: %w", BucketCalls, err)
	}
	defer w.Stop()
	var list []RecordingMeta
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return nil, fmt.Errorf("fleet: bucket %s: the listing stopped", BucketCalls)
			}
			if e == nil { // every current value has come
				slices.SortStableFunc(list, func(a, b RecordingMeta) int { return a.Start.Compare(b.Start) })
				return list, nil
			}
			m, err := decodeRecordingMeta(e.Key(), e.Value())
			if err != nil {
				return nil, err
			}
			list = append(list, m)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Recording returns the metadata of recording rec (ErrNotFound when the
// fleet has none).
func (c *Client) Recording(ctx context.Context, rec string) (RecordingMeta, error) {
	_, calls, err := c.streams(ctx)
	if err != nil {
		return RecordingMeta{}, err
	}
	e, err := calls.Get(ctx, rec)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return RecordingMeta{}, fmt.Errorf("%w: %q", ErrNotFound, rec)
	}
	if err != nil {
		return RecordingMeta{}, fmt.Errorf("fleet: metadata of %s: %w", rec, err)
	}
	return decodeRecordingMeta(rec, e.Value())
}

// Fetch writes recording rec into out as a new call (its id the next
// free one of out) and returns that call's metadata. It reads the events
// the fleet holds now — for a recording still in progress, those
// published so far — and checks them: each decodes, Seqs run from 1
// without a gap, and a closed recording has all its events; otherwise
// ErrDamaged, and nothing is written.
func (c *Client) Fetch(ctx context.Context, rec string, out *eventlog.Log) (eventlog.CallMeta, error) {
	rm, err := c.Recording(ctx, rec)
	if err != nil {
		return eventlog.CallMeta{}, err
	}
	evs, err := c.Events(ctx, rm)
	if err != nil {
		return eventlog.CallMeta{}, err
	}
	meta := rm.Meta
	meta.ID = ""
	w, err := out.CreateCall(meta)
	if err != nil {
		return meta, err
	}
	for _, ev := range evs {
		if _, err = w.Append(ev); err != nil {
			break
		}
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return w.Meta(), err
}

// Events reads and checks the events the fleet holds of recording rm, in
// Seq order (see Fetch).
func (c *Client) Events(ctx context.Context, rm RecordingMeta) ([]eventlog.Event, error) {
	raw, err := c.rawEvents(ctx, rm.Rec)
	if err != nil {
		return nil, err
	}
	return decodeRaw(rm, raw)
}

// decodeRaw checks and decodes the events of rm read by Seq (see Fetch).
func decodeRaw(rm RecordingMeta, raw map[uint64][]byte) ([]eventlog.Event, error) {
	n := uint64(len(raw))
	if rm.Closed && n != rm.Events {
		return nil, fmt.Errorf("%w: %s: the fleet holds %d events of the %d recorded", ErrDamaged, rm.Rec, n, rm.Events)
	}
	evs := make([]eventlog.Event, 0, n)
	for seq := uint64(1); seq <= n; seq++ {
		data, ok := raw[seq]
		if !ok {
			return nil, fmt.Errorf("%w: %s: event %d is missing", ErrDamaged, rm.Rec, seq)
		}
		ev, err := eventlog.DecodeEvent(seq, data)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: event %d: %v", ErrDamaged, rm.Rec, seq, err)
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// rawEvents reads every message of recording rec, by Seq. A Seq seen
// twice with the same bytes is one event (a duplicate that slipped past
// the window); with different bytes, damage.
func (c *Client) rawEvents(ctx context.Context, rec string) (map[uint64][]byte, error) {
	cons, err := c.js.OrderedConsumer(ctx, StreamEvents, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{RecordingSubjects(rec)}, InactiveThreshold: time.Minute})
	if err != nil {
		return nil, fmt.Errorf("fleet: reading %s: %w", rec, err)
	}
	// Done with it: a fleet verify reads thousands of recordings, and
	// consumers left to expire would pile up to the server's limit.
	defer c.deleteConsumer(cons)
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("fleet: reading %s: %w", rec, err)
	}
	raw := make(map[uint64][]byte, info.NumPending)
	for pending := info.NumPending; pending > 0; {
		batch, err := cons.Fetch(int(min(pending, 1024)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, fmt.Errorf("fleet: reading %s: %w", rec, err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			if err := takeEvent(raw, rec, m.Headers(), m.Data()); err != nil {
				return nil, err
			}
			md, err := m.Metadata()
			if err != nil {
				return nil, fmt.Errorf("fleet: reading %s: %w", rec, err)
			}
			pending = md.NumPending
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return nil, fmt.Errorf("fleet: reading %s: %w", rec, err)
		}
		if got == 0 {
			return nil, fmt.Errorf("fleet: reading %s: no events arrive, %d expected", rec, pending)
		}
	}
	return raw, nil
}

// takeEvent files one message of rec by its Seq.
func takeEvent(raw map[uint64][]byte, rec string, h nats.Header, data []byte) error {
	seq, err := strconv.ParseUint(h.Get(HeaderSeq), 10, 64)
	if err != nil || seq == 0 {
		return fmt.Errorf("%w: %s: a message without a valid %s header", ErrDamaged, rec, HeaderSeq)
	}
	if f := h.Get(HeaderFormat); f != formatHeader {
		v, err := strconv.Atoi(f)
		if err != nil || v > eventlog.FormatVersion {
			return fmt.Errorf("%w: %s: event %d is in format %q; this build reads up to %d", ErrDamaged, rec, seq, f, eventlog.FormatVersion)
		}
	}
	if prev, ok := raw[seq]; ok {
		if string(prev) != string(data) {
			return fmt.Errorf("%w: %s: event %d published twice with different contents", ErrDamaged, rec, seq)
		}
		return nil
	}
	raw[seq] = slices.Clone(data)
	return nil
}

// deleteConsumer removes an ordered consumer once read, best effort (it
// expires anyway).
func (c *Client) deleteConsumer(cons jetstream.Consumer) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if info := cons.CachedInfo(); info != nil {
		c.js.DeleteConsumer(ctx, StreamEvents, info.Name)
	}
}
