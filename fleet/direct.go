package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/callrec/callrec/eventlog"
)

// directBatch is how many events one direct get asks for.
const directBatch = 4096

// directWait bounds the wait for each message of a direct get's answer.
const directWait = 5 * time.Second

// closedEvents reads a closed recording's events with JetStream's batched
// direct get (the stream allows direct gets): one request answers a
// recording, where a consumer costs several round trips — what a worker
// pays per call. A server that answers short (a replica that lags the
// stream's leader, a server without batched gets) is asked again through
// Events, which reads from the leader; so is a recording still open.
func (c *Client) closedEvents(ctx context.Context, m RecordingMeta) ([]eventlog.Event, error) {
	if !m.Closed {
		return c.Events(ctx, m)
	}
	// The subject the recorder published on, exactly: the server finds a
	// literal subject's messages without matching a wildcard.
	raw, err := c.directRaw(ctx, m.Rec, Subject(&m.Meta, m.Rec))
	if err == nil && uint64(len(raw)) == m.Events {
		return decodeRaw(m, raw)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return c.Events(ctx, m)
}

// directRaw reads every message of recording rec on subject by its Seq, in batches
// of direct gets ($JS.API.DIRECT.GET.<stream> with next_by_subj and
// batch; the server ends each batch with a 204 status that says how many
// are left).
func (c *Client) directRaw(ctx context.Context, rec, subject string) (map[uint64][]byte, error) {
	inbox := c.nc.NewRespInbox()
	sub, err := c.nc.SubscribeSync(inbox)
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	raw := map[uint64][]byte{}
	for from := uint64(1); ; {
		req, _ := json.Marshal(struct {
			Seq   uint64 `json:"seq"`
			Next  string `json:"next_by_subj"`
			Batch int    `json:"batch"`
		}{from, subject, directBatch})
		if err := c.nc.PublishRequest("$JS.API.DIRECT.GET."+StreamEvents, inbox, req); err != nil {
			return nil, err
		}
		next, err := c.directBatch(ctx, sub, rec, raw)
		if err != nil || next == 0 {
			return raw, err
		}
		from = next
	}
}

// directBatch takes one batch's messages into raw; it returns the stream
// sequence to go on from, 0 at the end.
func (c *Client) directBatch(ctx context.Context, sub *nats.Subscription, rec string, raw map[uint64][]byte) (uint64, error) {
	for {
		wctx, cancel := context.WithTimeout(ctx, directWait)
		msg, err := sub.NextMsgWithContext(wctx)
		cancel()
		if err != nil {
			return 0, fmt.Errorf("fleet: reading %s: %w", rec, err)
		}
		switch msg.Header.Get("Status") {
		case "":
			if err := takeEvent(raw, rec, msg.Header, msg.Data); err != nil {
				return 0, err
			}
		case "204": // the end of the batch
			pending, _ := strconv.ParseUint(msg.Header.Get("Nats-Num-Pending"), 10, 64)
			last, _ := strconv.ParseUint(msg.Header.Get("Nats-Last-Sequence"), 10, 64)
			if pending == 0 || last == 0 {
				return 0, nil
			}
			return last + 1, nil
		case "404": // nothing (more) on the subject
			return 0, nil
		default:
			return 0, fmt.Errorf("fleet: reading %s: direct get: %s %s", rec, msg.Header.Get("Status"), msg.Header.Get("Description"))
		}
	}
}
