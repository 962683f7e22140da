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
//  1. join (client → server, the first frame, within HandshakeTimeout):
//     {"type":"join","conv":C,"user":U,"client":D,"key":PUB}.
//     PUB is the client's 32-byte Curve25519 public key.
//  2. joined (server → client): {"type":"joined","conv":C,"time":T,
//     "members":[{"user","client","key"}...],"max_size":N}: the roster,
//     the joining client included, sorted by user and client id, and the
//     largest frame the server accepts. A refused join gets
//     {"type":"error","reason":R,"detail":...} and the connection closes.
//  3. roster (server → client): {"type":"roster","conv":C,"members":[...]}
//     whenever a client joins or leaves (a disconnect is a leave).
//  4. send (client → server): {"type":"send","conv":C,"boxes":[{"user",
//     "client","box"}...]}: one box per recipient, each sealed for that
//     recipient's key. The sender leaves itself out.
//  5. deliver (server → client): {"type":"deliver","user":U,"client":D,
//     "time":T,"box":B}: one box of a send frame, stamped with the sender's
//     ids as it joined and the server's clock T (Unix seconds, from which
//     receivers compute the message age).
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
// logged), boxes for clients not in the conversation; it refuses joins to
// full or unknown conversations, duplicate (user, client) joins and
// low-order public keys; it disconnects clients whose send queue overflows.
// None of these disturb the other clients.
//
// # Threat model
//
// The relay is trusted to route and to tell the truth about membership, not
// with content. It cannot read a message, nor forge or alter one that a
// receiver accepts: a changed box fails authentication (ErrTampered), a
// copied one repeats a sequence number (ErrReplayed), a box moved to another
// conversation names the wrong one (ErrMisrouted), and a box stamped with
// another sender's ids is opened with that sender's key and fails
// (ErrTampered). Clients refuse low-order roster keys (ErrBadKey), whose
// shared key would be public. The receiver reports each of these to its owner through
// the error callback, as an *OpenError, so it can be recorded.
//
// What the relay can do: drop, delay or reorder deliveries (within the
// 64-message replay window); lie about the server time (it is not
// authenticated; the sender's own send time is, as Received.SentAt); see who
// talks to whom, when, and how much; and, above all, substitute roster keys.
// Keys are distributed by the relay itself, so a malicious relay can give
// each side its own key for the other and read or rewrite everything in
// between (a man in the middle). Preventing that needs keys that the relay
// does not vouch for: identity keys verified out of band (fingerprints
// compared by the users, or keys signed by an identity key pinned from an
// earlier session), as Wire does with Proteus/MLS device keys. This package
// does not do that.
//
// A fresh Client remembers no sequence numbers, so a relay could replay old
// messages to a client that has just connected; ClientOptions.ReplayHorizon
// bounds that to messages sealed recently (by the receiver's clock). The
// relay also sees every user and client id in clear.
package relay
