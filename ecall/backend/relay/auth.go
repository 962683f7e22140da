package relay

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Domain-separation labels of the two signatures a device makes with its
// long-term Ed25519 key. Each label is signed in front of its data, so that
// neither signature can stand in for the other, nor for anything else
// signed with the same key.
const (
	// announceLabel: "this box key is mine in this conversation". Peers
	// check it in every roster entry; it does not depend on the connection,
	// so it stays valid while the device keeps its box key.
	announceLabel = "callrec relay announce v1\x00"
	// proofLabel: the answer to the relay's challenge, binding the fresh
	// nonce to the whole join (ids, conversation, both keys).
	proofLabel = "callrec relay join v1\x00"
)

// challengeLen is the size of the relay's join nonce.
const challengeLen = 32

// announcement is the message of a roster entry's signature.
func announcement(conv, user, client string, boxKey []byte) []byte {
	m := []byte(announceLabel)
	for _, s := range []string{conv, user, client} {
		m = binary.BigEndian.AppendUint16(m, uint16(len(s)))
		m = append(m, s...)
	}
	return append(m, boxKey...)
}

// joinProof is the message a joining device signs to answer the challenge.
func joinProof(nonce []byte, conv, user, client string, boxKey, idKey []byte) []byte {
	m := []byte(proofLabel)
	m = append(m, nonce...)
	m = append(m, idKey...)
	return append(m, announcement(conv, user, client, boxKey)[len(announceLabel):]...)
}

// signAnnouncement signs the identity's box key for conv.
func (id Identity) signAnnouncement(conv string) []byte {
	return ed25519.Sign(id.Signing, announcement(conv, id.User, id.Client, id.Public[:]))
}

// verifyMember checks a roster entry's signature: the box key was
// announced by the holder of the entry's identity key, for these ids and
// this conversation.
func verifyMember(conv string, m wireMember) bool {
	return len(m.ID) == ed25519.PublicKeySize && len(m.Sig) == ed25519.SignatureSize &&
		ed25519.Verify(ed25519.PublicKey(m.ID), announcement(conv, m.User, m.Client, m.Key), m.Sig)
}

// Fingerprint is the short form of a device's identity key that users
// compare out of band: the first 10 bytes of its SHA-256, in hex groups of
// four (80 bits: a forged key with the same fingerprint costs 2^80 work).
func Fingerprint(key ed25519.PublicKey) string {
	sum := sha256.Sum256(key)
	h := hex.EncodeToString(sum[:10])
	var b strings.Builder
	for i := 0; i < len(h); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(h[i : i+4])
	}
	return b.String()
}

// ErrKeyRefused: a roster entry whose identity key this client does not
// accept: a bad signature, a key other than the pinned one, or a key that
// changed during the session. The member is left out of the roster.
var ErrKeyRefused = errors.New("relay: member key refused")

// KeyError is reported to a client's error callback when a roster entry's
// key is refused (it wraps ErrKeyRefused). Got is the announced identity
// key's fingerprint, Want the pinned or earlier one ("" if none).
type KeyError struct {
	User, Client string
	Got, Want    string
	Why          string
}

// Error names the member, the fingerprints and the reason.
func (e *KeyError) Error() string {
	s := fmt.Sprintf("relay: key of %s/%s refused (%s): announced %s", e.User, e.Client, e.Why, e.Got)
	if e.Want != "" {
		s += ", expected " + e.Want
	}
	return s
}

// Unwrap returns ErrKeyRefused.
func (e *KeyError) Unwrap() error { return ErrKeyRefused }

// keyGuard decides which roster entries a client accepts: the entry must
// be signed by its identity key; with pins, that key must be the one
// pinned for the member (a member not pinned is refused: a lying relay
// must not add members); without, the first one seen for the member during
// this client's life (trust on first use). The client's own entry must
// carry its own key. It runs on the reader only (or in Dial).
//
// filter runs with the client's sendMu held; its refusals and new keys
// wait in events until report, called without it, so that the callbacks
// may call Send.
type keyGuard struct {
	conv   string
	self   memberKey
	selfID ed25519.PublicKey
	pins   *Members
	seen   map[memberKey]ed25519.PublicKey
	failed map[string]bool // refusals already reported, so each is reported once
	events []keyEvent      // waiting for report
	onKey  func(Member, bool)
	onFail func(*KeyError)
}

// keyEvent is a refused entry (fail) or a key accepted for the first time.
type keyEvent struct {
	fail   *KeyError
	member Member
	pinned bool
}

// report hands the events since the last report to the callbacks.
func (g *keyGuard) report() {
	evs := g.events
	g.events = nil
	for _, e := range evs {
		switch {
		case e.fail != nil:
			g.onFail(e.fail)
		case g.onKey != nil:
			g.onKey(e.member, e.pinned)
		}
	}
}

// filter returns the acceptable entries and records the others for report.
func (g *keyGuard) filter(ws []wireMember) []wireMember {
	ok := ws[:0:0]
	for _, m := range ws {
		if kerr := g.check(m); kerr != nil {
			// The entry comes again with every roster change.
			if k := kerr.Error(); !g.failed[k] {
				if g.failed == nil || len(g.failed) >= maxCachedKeys {
					g.failed = make(map[string]bool) // bounded: a lying relay may invent entries
				}
				g.failed[k] = true
				g.events = append(g.events, keyEvent{fail: kerr})
			}
			continue
		}
		ok = append(ok, m)
	}
	return ok
}

func (g *keyGuard) check(m wireMember) *KeyError {
	fail := func(want, why string) *KeyError {
		got := "(none)"
		if len(m.ID) == ed25519.PublicKeySize {
			got = Fingerprint(m.ID)
		}
		return &KeyError{User: m.User, Client: m.Client, Got: got, Want: want, Why: why}
	}
	if !verifyMember(g.conv, m) {
		return fail("", "bad signature")
	}
	k := memberKey{m.User, m.Client}
	if k == g.self && !g.selfID.Equal(ed25519.PublicKey(m.ID)) {
		return fail(Fingerprint(g.selfID), "not this client's own key")
	}
	if prev, ok := g.seen[k]; ok {
		if !prev.Equal(ed25519.PublicKey(m.ID)) {
			return fail(Fingerprint(prev), "key changed during the session")
		}
		return nil
	}
	pinned, isPinned := g.pins.Key(m.User, m.Client)
	switch {
	case isPinned && !pinned.Equal(ed25519.PublicKey(m.ID)):
		return fail(Fingerprint(pinned), "not the pinned key")
	case !isPinned && g.pins != nil && k != g.self:
		return fail("", "not in the pins")
	case len(g.seen) >= maxCachedKeys:
		// Far above any conversation: a relay inventing members.
		return fail("", "too many members")
	}
	g.seen[k] = append(ed25519.PublicKey(nil), m.ID...)
	if g.onKey != nil {
		g.events = append(g.events, keyEvent{member: toMembers([]wireMember{m})[0], pinned: isPinned})
	}
	return nil
}
