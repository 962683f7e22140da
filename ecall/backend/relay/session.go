package relay

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"sync"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"
)

// session is one joined client on the server side. Its reader (run) handles
// the client's frames; its writer (writeLoop) drains the out queue, so that
// a slow client never blocks the fan-out to the others.
type session struct {
	srv    *Server
	ws     *websocket.Conn
	remote string

	conv, user, client string
	key                [32]byte
	id                 ed25519.PublicKey // the proven identity key
	sig                []byte            // the key announcement, for the roster
	epoch              uint64            // names this connection in the roster (newEpoch)

	limiter    *rate.Limiter
	limited    bool // the last frame was over the rate limit (reader only)
	backlogged bool // the last frame had boxes refused for a backlog (reader only)
	out        *outQueue
	done       chan struct{} // closed when the reader ends: the writer stops
	kickOne    sync.Once     // disconnects the client once when its queue overflows
}

func (ss *session) init() {
	ss.limiter = ss.srv.rateLimiter()
	ss.out = newOutQueue(ss.srv.opts.SenderQueueBytes, ss.srv.opts.QueueBytes)
	ss.done = make(chan struct{})
}

func (ss *session) member() memberKey { return memberKey{ss.user, ss.client} }

// attrs are the log attributes of a drop.
func (ss *session) attrs(reason DropReason, detail string) []any {
	return []any{"reason", string(reason), "detail", detail, "conv", ss.conv,
		"user", ss.user, "client", ss.client, "remote", ss.remote}
}

// refuse tells a client why its join was refused and closes the connection.
func (ss *session) refuse(ctx context.Context, reason DropReason, detail string) {
	ss.srv.count(reason)
	ss.srv.log.Warn("relay: join refused", ss.attrs(reason, detail)...)
	msg := encodeFrame(&frame{Type: frameError, Reason: string(reason), Detail: detail})
	if err := ss.ws.Write(ctx, websocket.MessageText, msg); err == nil {
		ss.ws.Close(websocket.StatusPolicyViolation, string(reason))
	}
}

// enqueue queues a frame of the server's own (joined, roster) for the
// client without blocking. Called with srv.mu held.
func (ss *session) enqueue(data []byte) {
	if ss.out.push(queued{data: data}) == pushOverflow {
		ss.kick()
	}
}

// deliver queues a delivery from another client, charged to that sender.
// It reports false when the sender's share of this client's queue is used
// up: the box is refused and the sender, not this client, bears it.
// Called with srv.mu held.
func (ss *session) deliver(from memberKey, data []byte) bool {
	switch ss.out.push(queued{data: data, from: from, fromPeer: true}) {
	case pushBacklog:
		return false
	case pushOverflow:
		ss.kick()
	}
	return true
}

// kick disconnects a client whose queue is full: with every sender held to
// its share, it has stopped reading. Its reconnect gets a fresh roster.
// Called with srv.mu held.
func (ss *session) kick() {
	ss.kickOne.Do(func() {
		ss.srv.dropped[DropSlowConsumer]++
		ss.srv.log.Warn("relay: client disconnected", ss.attrs(DropSlowConsumer, "send queue full")...)
		// Closing the connection unblocks a writer stuck on the
		// socket and ends the reader, which leaves the conversation.
		// Not here: srv.mu is held.
		go ss.ws.CloseNow()
	})
}

// notify tells the client that one of its frames was dropped, unless its
// queue is full (the notice is advisory, never worth a disconnect).
func (ss *session) notify(reason DropReason, detail string) {
	data := encodeFrame(&frame{Type: frameError, Reason: string(reason), Detail: detail})
	if ss.out.roomFor(len(data)) {
		ss.out.push(queued{data: data})
	}
}

// drop counts, logs and reports one dropped frame.
func (ss *session) drop(reason DropReason, detail string) {
	ss.srv.count(reason)
	ss.srv.log.Warn("relay: frame dropped", ss.attrs(reason, detail)...)
	ss.notify(reason, detail)
}

// run serves a joined client until it disconnects or the server closes.
func (ss *session) run() {
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		ss.writeLoop()
	}()
	stopPings := startKeepalive(ss.ws, ss.srv.opts.PingInterval, ss.srv.opts.PingTimeout, func(err error) {
		ss.srv.log.Warn("relay: client disconnected, no pong", "err", err, "conv", ss.conv,
			"user", ss.user, "client", ss.client, "remote", ss.remote)
	})
	ss.readLoop()
	stopPings()
	ss.srv.leave(ss)
	close(ss.done)
	<-writerDone
}

func (ss *session) writeLoop() {
	for {
		select {
		case <-ss.out.wake:
		case <-ss.done:
			return
		}
		for {
			it, ok := ss.out.front()
			if !ok {
				break
			}
			ss.tap(false, it.data)
			ctx, cancel := context.WithTimeout(context.Background(), ss.srv.opts.WriteTimeout)
			err := ss.ws.Write(ctx, websocket.MessageText, it.data)
			cancel()
			if err != nil {
				ss.ws.CloseNow() // ends the reader too
				return
			}
			ss.out.pop()
		}
	}
}

func (ss *session) readLoop() {
	max := ss.srv.opts.MaxMessageSize
	for {
		_, r, err := ss.ws.Reader(context.Background())
		if err != nil {
			return
		}
		data, err := io.ReadAll(io.LimitReader(r, max+1))
		if err != nil {
			ss.readFailed(err)
			return
		}
		if int64(len(data)) > max {
			// Drain the rest so the connection stays usable.
			if _, err := io.Copy(io.Discard, r); err != nil {
				ss.readFailed(err)
				return
			}
			ss.drop(DropTooLarge, fmt.Sprintf("frame over %d bytes", max))
			continue
		}
		ss.handle(data)
	}
}

// readFailed logs a connection lost in the middle of a frame: a network
// failure, or a frame over the hard read limit (4×MaxMessageSize), after
// which the library has already closed the connection.
func (ss *session) readFailed(err error) {
	ss.srv.log.Warn("relay: client disconnected mid-frame", "err", err, "conv", ss.conv,
		"user", ss.user, "client", ss.client, "remote", ss.remote)
}

// handle checks one frame from a joined client and fans it out.
func (ss *session) handle(data []byte) {
	if !ss.limiter.Allow() {
		ss.rateLimited()
		return
	}
	ss.limited = false
	ss.tap(true, data)
	f, err := decodeFrame(data)
	switch {
	case err != nil:
		ss.drop(DropMalformed, err.Error())
	case f.Type != frameSend:
		ss.drop(DropMalformed, "unexpected frame type "+f.Type+" after join")
	case f.Conv != ss.conv:
		ss.drop(DropUnknownConversation, "send frame for conversation "+f.Conv)
	case (f.User != "" && f.User != ss.user) || (f.Client != "" && f.Client != ss.client):
		ss.drop(DropImpersonation, "frame claims to be from "+f.User+"/"+f.Client)
	default:
		ss.srv.fanOut(ss, f.Boxes)
	}
}

// rateLimited drops a frame over the rate limit. Only the first of a run
// is logged and reported, so that a flooding peer cannot flood the log too.
func (ss *session) rateLimited() {
	if ss.limited {
		ss.srv.count(DropRateLimited)
		return
	}
	ss.limited = true
	ss.drop(DropRateLimited, "further drops are counted until a frame is accepted")
}

func (ss *session) tap(inbound bool, data []byte) {
	if t := ss.srv.opts.Tap; t != nil {
		t(TapFrame{Inbound: inbound, Conv: ss.conv, User: ss.user, Client: ss.client, Data: data})
	}
}
