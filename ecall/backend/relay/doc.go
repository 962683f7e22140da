// Package relay is the network signalling relay for live calls: a WebSocket
// server that fans each client's Calling 3.0 messages out to the other
// clients of a conversation, and the client that end-to-end encrypts them.
// The relay forwards sealed boxes it cannot open, stamped with the sender's
// ids and the server time, and keeps every client's roster of public keys
// current so that senders can seal for each recipient.
//
// # Wire protocol
//
// One WebSocket connection per client, at the server's /ws path
// (github.com/coder/websocket). Every message is one JSON object with a
// "type"; byte fields (keys, boxes) are standard base64.
//
//  0. challenge (server → client, the first frame):
//     {"type":"challenge","nonce":N}: 32 random bytes.
//  1. join (client → server, within HandshakeTimeout):
//     {"type":"join","conv":C,"user":U,"client":D,"key":PUB,"id":ID,
//     "sig":S,"proof":P}. PUB is the client's 32-byte Curve25519 box key,
//     ID its long-term Ed25519 identity key, S the announcement: ID's
//     signature of (conv, user, client, PUB), and P the proof of
//     possession: ID's signature of the nonce with ID and the same fields.
//     Each signed message starts with its own label, so neither can stand
//     in for the other.
//  2. joined (server → client): {"type":"joined","conv":C,"time":T,
//     "members":[{"user","client","key","id","sig","epoch"}...],
//     "max_size":N}: the roster, the joining client included, sorted by
//     user and client id, each entry with its identity key, announcement
//     and connection epoch (a random number, new with every accepted join:
//     a member whose epoch changes has reconnected), and the largest frame
//     the server accepts. A refused join gets
//     {"type":"error","reason":R,"detail":...} and the connection closes
//     with R as its close reason; a refused client receives nothing else.
//  3. roster (server → client): {"type":"roster","conv":C,"members":[...]}
//     whenever a client joins or leaves (a disconnect is a leave).
//
// Both ends ping the other (WebSocket ping frames) and expect the pong.
//  4. send (client → server): {"type":"send","conv":C,"boxes":[{"user",
//     "client","box"}...]}: one box per recipient, each sealed for that
//     recipient's key. The sender leaves itself out. A box may carry
//     "resend":true: the sender sends it again after a reconnect.
//  5. deliver (server → client): {"type":"deliver","user":U,"client":D,
//     "time":T,"box":B}: one box of a send frame, stamped with the sender's
//     ids as it joined and the server's clock T (Unix seconds, from which
//     receivers compute the message age), and "resend" as sent.
//  6. error (server → client): {"type":"error","reason":R,"detail":...}
//     when the server dropped one of the client's frames; R is a DropReason.
//
// A box is nonce (24 random bytes) || NaCl box (XSalsa20-Poly1305 under the
// Curve25519 key shared by sender and recipient) of the inner envelope:
// version 1, a sequence number (the sender's clock in Unix nanoseconds,
// strictly increasing per sender), the conversation id and the message.
//
// The server drops, logs (with a DropReason) and counts in Stats: frames
// over MaxMessageSize, malformed frames, frames for another conversation,
// frames that claim ids other than the sender's joined ones
// (impersonation), frames over the rate limit (only the first of a run is
// logged), boxes for clients not in the conversation, boxes beyond the
// sender's share of a recipient's queue (backlog, below); it refuses joins
// whose proof or announcement does not verify (unauthenticated), joins by
// devices that are not members (not_member), joins to full or unknown
// conversations, and low-order box keys; it disconnects clients whose send
// queue overflows. A device that joins again with the identity key it is
// joined with replaces its earlier connection (replaced), at most
// ServerOptions.JoinBurst times in a row and then once per JoinInterval
// (rate_limited: each join makes the others resend to it); with another
// key (possible on an open relay only) it is refused (duplicate_client). None
// of these disturb the other clients.
//
// # Queues and fairness
//
// Each client has one queue of frames waiting to be written to it, counted
// in bytes. Each sender may have at most ServerOptions.SenderQueueBytes of
// deliveries waiting in one recipient's queue (default 2×MaxMessageSize);
// boxes beyond that are refused, the sender hears of it (backlog, once per
// run of frames with refusals) and the recipient is not disturbed. A box
// always fits when its sender has nothing waiting for that recipient. So a
// flood costs the flooder its own messages and the recipient at most one
// share per sender; only a client that stops reading altogether overflows
// its whole queue (QueueBytes, by default more than all shares together)
// and is disconnected as a slow consumer.
//
// # Reconnecting
//
// Both ends ping (ClientOptions and ServerOptions PingInterval, default
// 15 s) and take a connection whose pong is late (PingTimeout, 10 s) as
// lost, so that one that died silently is noticed even by a client that
// only receives. A Client whose connection is lost reports ErrInterrupted
// and reconnects by itself: waits of ClientOptions.ReconnectMin doubling up to
// ReconnectMax, each drawn between half and all of it, for at most
// ReconnectFor (default one minute), then ErrClosed. Meanwhile Send queues.
// Nothing is lost or doubled across the gap:
//
//  1. Every Client keeps its messages of the last ResendWindow (at most
//     256), each with the sequence number sealed into its boxes and the
//     recipients (and their keys) it was sealed for.
//  2. After its own reconnect, before anything new, it resends to every
//     member the kept messages addressed to it or sent since it left the
//     roster: the frames written into the dying connection, the queued
//     ones.
//  3. When a member comes back to the roster with the key it left with, it
//     is resent, before anything new, the kept messages that were addressed
//     to it (the relay may have dropped them with its connection) or sent
//     while it was away. A member seen for the first time gets none.
//  4. Receivers keep their replay windows across reconnects: a resent box
//     they already have repeats its sequence number and is dropped without
//     a report; the others arrive in order, since resends go out before any
//     newer message and the window only takes rising numbers. A resent
//     message's server time is no later than its sealed send time, so its
//     age counts from the first sending.
//
// Limits: a message older than ResendWindow, or a gap longer than
// ReconnectFor, is lost; a box the relay refused (rate limit, backlog) is
// not resent. A device that rejoins before the relay has noticed its old
// connection die replaces that connection; its roster entry carries a new
// connection epoch, so the others count it as gone and back (3 above) and
// resend what the dead connection may have swallowed.
//
// # Threat model
//
// Membership. A device is a user and client id with a long-term Ed25519
// identity key (callrec keygen); the relay is configured with a members
// file (ServerOptions.Members) listing each device's key and the
// conversations it may join. A join is a challenge–response: the device
// signs the relay's fresh nonce, so no secret crosses the wire and a
// recorded join cannot be replayed. We chose a members file over an
// invitation secret because the relay must decide who joins before anyone
// can be asked: with a list of public keys it decides alone, holds nothing
// whose theft admits anyone, and removing a device is deleting a line. An
// invitation secret shared by the members would make every member able to
// mint new members, and a leaked secret would admit everyone until all
// devices were told a new one.
//
// Against another client or a stranger who knows a conversation id (and
// not a member's identity key), on a relay with a members file: it cannot
// join (not_member, unauthenticated), so it receives no roster and no
// message, and members never seal anything for it; it cannot take a
// member's ids, before the member joins or after it left; it cannot lock a
// member out: only proven members count toward MaxClientsPerConv, and the
// owner's new connection replaces its stale one. It can still hold
// connections in the handshake for HandshakeTimeout each (at most
// ServerOptions.MaxHandshakes at a time, each read no further than a join
// frame needs, 8 KiB; beyond that newcomers are refused until a slot
// frees), and send frames that are refused.
//
// A relay can also mark a replayed copy as a resend (see Reconnecting), so
// that its receiver drops it without reporting it; it is still never
// delivered twice.
//
// Against the relay. It is trusted to route, not with content. It cannot
// read a message, nor forge or alter one that a receiver accepts: a changed
// box fails authentication (ErrTampered), a copied one repeats a sequence
// number (ErrReplayed), a box moved to another conversation names the wrong
// one (ErrMisrouted), and a box stamped with another sender's ids is opened
// with that sender's key and fails (ErrTampered). Clients refuse low-order
// roster keys (ErrBadKey), whose shared key would be public. The receiver
// reports each of these to its owner through the error callback, as an
// *OpenError, so it can be recorded.
//
// Keys. Every roster entry carries the member's box key signed by its
// identity key for the conversation, and clients check it (keyGuard):
// an entry with a bad signature, with another identity key than the member
// had earlier in this client's life, or, when the client has pins
// (ClientOptions.Pins, the members file), a member not pinned or pinned
// with another key, is refused (a *KeyError, ErrKeyRefused): the member
// is left out of the roster, nothing is sealed for it and nothing from it
// is accepted. So a client cannot substitute a member's key, and with pins
// neither can the relay, nor add a member of its own. Without pins the
// first key seen for each member is trusted: a relay that substitutes it
// from the start (a man in the middle) is detected only by users
// comparing the fingerprints (Fingerprint) their devices print.
//
// What is not protected. The relay can drop, delay or reorder deliveries
// (within the 64-message replay window); lie about the server time (not
// authenticated; the sender's own send time is, as Received.SentAt); see
// who talks to whom, when and how much, and every user, client and
// conversation id in clear. On an open relay (Members nil: `callrec serve
// --open`, the tests) anyone may join any conversation under any ids not
// in use, fill it, and be sealed for by clients that do not pin keys:
// such a relay is for loopback demos only. There is no transport
// security: use wss:// behind a TLS proxy on a network; the join proof is
// not bound to the TLS channel, so a rogue relay a device connects to can
// forward its challenge to the real one and join there in the device's
// name (it still cannot read or forge anything). A stolen key file
// impersonates its device until its line is removed from the members file
// and from the pins. A fresh Client remembers no sequence numbers, so a
// relay could replay old messages to a client that has just connected;
// ClientOptions.ReplayHorizon bounds that to messages sealed recently (by
// the receiver's clock).
package relay
