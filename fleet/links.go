package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/callrec/callrec/eventlog/merge"
)

// BucketLinks caches, per closed recording, the session ids it owns and
// heard from (merge.Link), so that grouping recordings into calls reads
// each recording's events once, not at every query.
const BucketLinks = "CALLREC_LINKS"

// linkJSON is a cached Link. Events is the recording's event count when
// it was computed: a recording uploaded again with more events is read
// again.
type linkJSON struct {
	Events uint64   `json:"events"`
	Own    []string `json:"own"`
	Heard  []string `json:"heard"`
}

// linkWorkers is how many recordings are read at a time to find their
// links: reading is mostly waiting for the server.
const linkWorkers = 8

// links returns the Link of every recording of recs: from the cache, or
// read from the stream (and cached once the recording is closed). A
// recording that cannot be read is linked by its metadata alone; its
// error is returned with the others, joined.
func (c *Client) links(ctx context.Context, recs []RecordingMeta, opts StreamOptions) (map[string]merge.Link, error) {
	kv, err := c.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: BucketLinks,
		Description: "callrec: the sessions each closed recording owns and heard from",
		History:     1, Storage: opts.storage(), Replicas: opts.replicas(), TTL: opts.MaxAge})
	if err != nil {
		return nil, fmt.Errorf("fleet: bucket %s: %w", BucketLinks, err)
	}
	out := make(map[string]merge.Link, len(recs))
	var mu sync.Mutex
	var errs []error
	next := make(chan *RecordingMeta)
	var wg sync.WaitGroup
	for range min(linkWorkers, max(len(recs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range next {
				l, err := c.linkOf(ctx, kv, m)
				mu.Lock()
				out[m.Rec] = l
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range recs {
		next <- &recs[i]
	}
	close(next)
	wg.Wait()
	return out, errors.Join(errs...)
}

// linkOf returns one recording's Link, from the cache when it holds it.
func (c *Client) linkOf(ctx context.Context, kv jetstream.KeyValue, m *RecordingMeta) (merge.Link, error) {
	l := merge.NewLink(m.Meta, "")
	if l.Conv == "" {
		return l, nil // never linked (GroupCalls): nothing to read
	}
	if m.Closed {
		if e, err := kv.Get(ctx, m.Rec); err == nil {
			var cached linkJSON
			if json.Unmarshal(e.Value(), &cached) == nil && cached.Events == m.Events {
				for _, s := range cached.Own {
					l.Own[s] = true
				}
				for _, s := range cached.Heard {
					l.Heard[s] = true
				}
				return l, nil
			}
		}
	}
	evs, err := c.closedEvents(ctx, *m)
	if err != nil {
		return l, err
	}
	for i := range evs {
		l.Note(&evs[i])
	}
	if !m.Closed {
		return l, nil
	}
	data, _ := json.Marshal(linkJSON{Events: m.Events, Own: slices.Sorted(maps.Keys(l.Own)), Heard: slices.Sorted(maps.Keys(l.Heard))})
	if _, err := kv.Put(ctx, m.Rec, data); err != nil {
		return l, fmt.Errorf("fleet: bucket %s: %w", BucketLinks, err)
	}
	return l, nil
}
