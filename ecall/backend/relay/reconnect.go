package relay

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/coder/websocket"
)

// ResendWindow is how long a Client keeps a sent message for resending,
// and how long it remembers a member that left the roster as one that
// may come back. A Client keeps at most maxOutbox messages.
const ResendWindow = time.Minute

// maxOutbox bounds the messages a Client keeps for resending.
const maxOutbox = 256

// Resume describes a reconnect, for ClientOptions.OnResume.
type Resume struct {
	Down     time.Duration // from the loss of the connection to the rejoin
	Attempts int           // connection attempts, the successful one included
	Resent   int           // boxes sent again to members that may have missed them
}

// outMsg is one message sent (or queued while reconnecting), kept for
// resending. Its sequence number is sealed into every box of it, so that a
// receiver's replay window drops the copies it already has.
type outMsg struct {
	seq     uint64
	at      time.Time
	data    []byte
	to      map[memberKey][32]byte // the recipients when it was sent, with their keys
	written bool                   // written to a connection at least once
}

// departed is a member that left the roster: from the time it left, the
// messages sent are owed to it should it come back with the same key.
type departed struct {
	key [32]byte
	at  time.Time
}

type reconnectPolicy struct {
	forDur, min, max time.Duration
}

func (p reconnectPolicy) enabled() bool { return p.forDur > 0 }

// wait draws the wait before an attempt, between half and all of d.
func (p reconnectPolicy) wait(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}

// remember adds a message to the outbox, forgetting the ones past the
// resend window or beyond maxOutbox. Messages not yet written are never
// forgotten: with maxOutbox of them waiting, Send fails. Called with
// sendMu held.
func (c *Client) remember(msg *outMsg) error {
	cutoff := msg.at.Add(-ResendWindow)
	drop := 0
	for drop < len(c.outbox) && c.outbox[drop].written &&
		(c.outbox[drop].at.Before(cutoff) || len(c.outbox)-drop >= maxOutbox) {
		drop++
	}
	c.outbox = slices.Delete(c.outbox, 0, drop)
	if len(c.outbox) >= maxOutbox {
		return fmt.Errorf("%w: %d messages wait for the connection", ErrInterrupted, len(c.outbox))
	}
	c.outbox = append(c.outbox, msg)
	return nil
}

// owed reports whether msg is owed to m: it was addressed to m, or sent
// since m left the roster, and m has the same key as then.
func (c *Client) owed(msg *outMsg, m Member) bool {
	k := memberKey{m.User, m.Client}
	if key, ok := msg.to[k]; ok {
		return key == m.Public
	}
	d, ok := c.departed[k]
	return ok && d.key == m.Public && !msg.at.Before(d.at)
}

// rosterFrame applies a roster update, then reports refused and new keys
// (without sendMu: the callbacks may call Send).
func (c *Client) rosterFrame(ws []wireMember) {
	c.applyRoster(ws)
	c.guard.report()
}

// applyRoster publishes a roster. A member that comes back with the
// key it left with gets, before any newer message, the messages it may
// have missed: those addressed to it before its connection was lost and
// those sent while it was away. Holding sendMu throughout keeps every
// later Send behind the resend, so the receiver's replay window, which
// only takes rising sequence numbers, accepts them all.
func (c *Client) applyRoster(ws []wireMember) {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	prev, prevEpochs := c.Roster(), c.epochs
	c.setRoster(ws)
	cur := c.Roster()
	c.noteDepartures(prev, cur, prevEpochs)
	var back []Member
	for _, m := range cur {
		k := memberKey{m.User, m.Client}
		if d, ok := c.departed[k]; ok && d.key == m.Public && (!slices.Contains(prev, m) || c.epochs[k] != prevEpochs[k]) {
			back = append(back, m)
		}
	}
	if len(back) == 0 {
		return
	}
	c.mu.Lock()
	ws2, connected := c.ws, c.connected
	c.mu.Unlock()
	if !connected {
		return
	}
	n, err := c.resend(ws2, back)
	if err != nil {
		c.log.Warn("relay: resending to returning members failed", "err", err)
		ws2.CloseNow() // the reader reconnects, and resends to everyone
		return
	}
	for _, m := range back {
		delete(c.departed, memberKey{m.User, m.Client})
	}
	c.log.Info("relay: resent to returning members", "members", len(back), "boxes", n)
}

// noteDepartures records the members of prev missing from cur (or back
// with another key, or on another connection: prevEpochs are prev's
// epochs, c.epochs cur's), and forgets departures older than the resend
// window. Called with sendMu held.
func (c *Client) noteDepartures(prev, cur []Member, prevEpochs map[memberKey]uint64) {
	now := time.Now()
	for _, m := range prev {
		k := memberKey{m.User, m.Client}
		if (m.User != c.id.User || m.Client != c.id.Client) &&
			(!slices.Contains(cur, m) || c.epochs[k] != prevEpochs[k]) {
			c.departed[k] = departed{key: m.Public, at: now}
		}
	}
	for k, d := range c.departed {
		if now.Sub(d.at) > ResendWindow {
			delete(c.departed, k)
		}
	}
}

// resend sends, oldest first, every kept message owed to each of members,
// marked as resent, packed into as few frames as the server's limit
// allows. It returns the number of boxes sent. Called with sendMu held.
func (c *Client) resend(ws *websocket.Conn, members []Member) (int, error) {
	var pending []*outMsg
	var boxes []addressed
	size, total := 0, 0
	flush := func() error {
		if len(boxes) == 0 {
			return nil
		}
		ctx, cancel := context.WithTimeout(c.ctx, c.sendTO)
		defer cancel()
		err := ws.Write(ctx, websocket.MessageText, encodeFrame(&frame{Type: frameSend, Conv: c.conv, Boxes: boxes}))
		if err != nil {
			return err
		}
		for _, m := range pending {
			m.written = true
		}
		total += len(boxes)
		boxes, pending, size = nil, nil, 0
		return nil
	}
	for _, msg := range c.outbox {
		var to []Member
		for _, m := range members {
			if c.owed(msg, m) {
				to = append(to, m)
			}
		}
		bs, err := c.sealFor(msg, to, true)
		if err != nil {
			return total, err
		}
		for _, b := range bs {
			n := boxWireSize(b)
			if size+n > int(c.maxSize) {
				if err := flush(); err != nil {
					return total, err
				}
			}
			boxes, size = append(boxes, b), size+n
		}
		pending = append(pending, msg)
	}
	return total, flush()
}

// boxWireSize bounds what one addressed box adds to a send frame: its
// base64, the ids (escaped at worst to six bytes a byte) and the names.
func boxWireSize(b addressed) int {
	return 4*((len(b.Box)+2)/3) + 6*(len(b.User)+len(b.Client)) + 64
}

// reconnect handles the loss of the connection, on the reader. Unless
// Close caused it or reconnecting is off, it reports ErrInterrupted and
// tries to reconnect with backoff until it succeeds (true), Close is
// called, the server refuses the join for good or ReconnectFor has
// passed; then the Client is closed (false).
func (c *Client) reconnect(cause error) bool {
	c.mu.Lock()
	if c.closed {
		ws := c.ws
		c.mu.Unlock()
		ws.CloseNow()
		return false
	}
	if !c.recon.enabled() || replacedBy(cause) {
		c.mu.Unlock()
		c.lost(cause)
		return false
	}
	c.connected = false
	ws := c.ws
	c.mu.Unlock()
	ws.CloseNow()
	c.log.Warn("relay: connection lost, reconnecting", "err", cause)
	c.onErr(fmt.Errorf("%w: %v", ErrInterrupted, cause))

	down := time.Now()
	delay := c.recon.min
	for attempt := 1; ; attempt++ {
		select {
		case <-time.After(c.recon.wait(delay)):
		case <-c.ctx.Done():
			return false // Close
		}
		r, err := c.rejoin()
		c.guard.report() // the new roster's refused and new keys, without sendMu
		if err == nil {
			r.Down, r.Attempts = time.Since(down), attempt
			c.log.Info("relay: reconnected", "down", r.Down, "attempts", attempt, "resent", r.Resent)
			if c.onRes != nil {
				c.onRes(r)
			}
			return true
		}
		if c.ctx.Err() != nil {
			return false
		}
		if permanent(err) || time.Since(down) >= c.recon.forDur {
			c.lost(fmt.Errorf("gave up reconnecting after %d attempts in %v: %w",
				attempt, time.Since(down).Round(time.Millisecond), err))
			return false
		}
		c.log.Info("relay: reconnect failed", "attempt", attempt, "err", err)
		delay = min(2*delay, c.recon.max)
	}
}

// rejoin dials, joins and resends to every member what it may have
// missed. Send waits meanwhile (sendMu), so that the resent messages reach
// the others before any newer one.
func (c *Client) rejoin() (Resume, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.dialTO)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, c.url, nil)
	if err != nil {
		return Resume{}, err
	}
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		ws.CloseNow()
		return Resume{}, ErrClosed
	}
	old, prev, prevEpochs := c.ws, c.roster, c.epochs
	c.ws = ws
	c.mu.Unlock()
	old.CloseNow()
	if err := c.join(ctx); err != nil {
		ws.CloseNow()
		return Resume{}, err
	}
	cur := c.Roster()
	c.noteDepartures(prev, cur, prevEpochs)
	others := slices.DeleteFunc(cur, func(m Member) bool { return m.User == c.id.User && m.Client == c.id.Client })
	n, err := c.resend(ws, others)
	if err != nil {
		ws.CloseNow()
		return Resume{}, fmt.Errorf("relay: resending after reconnect: %w", err)
	}
	for _, m := range others {
		delete(c.departed, memberKey{m.User, m.Client})
	}
	c.mu.Lock()
	c.connected = !c.closed
	c.mu.Unlock()
	return Resume{Resent: n}, nil
}

// replacedBy reports whether the server closed the connection because the
// same device joined again with its key: reconnecting would take the place
// back from the newer connection, and the two would push each other out.
func replacedBy(err error) bool {
	var ce websocket.CloseError
	return errors.As(err, &ce) && ce.Reason == string(DropReplaced)
}

// permanent reports whether a failed rejoin is not worth retrying: the
// server refused it for a reason that time does not change. A duplicate
// client (the server has not yet noticed the old connection's end), a
// full conversation or a failed handshake may pass.
func permanent(err error) bool {
	var se *ServerError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Reason {
	case DropDuplicateClient, DropConversationFull, DropHandshake, DropRateLimited:
		return false
	}
	return true
}
