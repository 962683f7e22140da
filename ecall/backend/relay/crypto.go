package relay

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/box"
)

// Identity is one client's identity: its ids in the conversation, its
// long-term Ed25519 identity key (Signing), with which it proves who it is
// to the relay and signs its box key for its peers, and its NaCl box key
// pair (Curve25519, XSalsa20-Poly1305), which may be drawn afresh for
// every process.
type Identity struct {
	User, Client    string
	Public, Private *[32]byte
	Signing         ed25519.PrivateKey
}

// NewIdentity draws a fresh identity key and box key pair from rand
// (crypto/rand.Reader when nil) for the given user and client ids.
func NewIdentity(user, client string, rand io.Reader) (Identity, error) {
	if rand == nil {
		rand = cryptoRand
	}
	_, signing, err := ed25519.GenerateKey(rand)
	if err != nil {
		return Identity{}, fmt.Errorf("relay: generating identity key: %w", err)
	}
	return IdentityFromKey(user, client, signing, rand)
}

// IdentityFromKey returns the identity of a device whose long-term key is
// signing (read from its key file), with a box key pair drawn from rand
// (crypto/rand.Reader when nil).
func IdentityFromKey(user, client string, signing ed25519.PrivateKey, rand io.Reader) (Identity, error) {
	if err := checkLocalID("user", user); err != nil {
		return Identity{}, err
	}
	if err := checkLocalID("client", client); err != nil {
		return Identity{}, err
	}
	if len(signing) != ed25519.PrivateKeySize {
		return Identity{}, fmt.Errorf("relay: identity key of %s/%s has %d bytes, want %d", user, client, len(signing), ed25519.PrivateKeySize)
	}
	if rand == nil {
		rand = cryptoRand
	}
	pub, priv, err := box.GenerateKey(rand)
	if err != nil {
		return Identity{}, fmt.Errorf("relay: generating key pair: %w", err)
	}
	return Identity{User: user, Client: client, Public: pub, Private: priv, Signing: signing}, nil
}

// IdentityKey returns the public half of the identity's long-term key.
func (id Identity) IdentityKey() ed25519.PublicKey {
	return id.Signing.Public().(ed25519.PublicKey)
}

func (id Identity) validate() error {
	if err := checkLocalID("user", id.User); err != nil {
		return err
	}
	if err := checkLocalID("client", id.Client); err != nil {
		return err
	}
	if id.Public == nil || id.Private == nil {
		return fmt.Errorf("relay: identity %s/%s has no key pair", id.User, id.Client)
	}
	if len(id.Signing) != ed25519.PrivateKeySize {
		return fmt.Errorf("relay: identity %s/%s has no identity key", id.User, id.Client)
	}
	return nil
}

var cryptoRand io.Reader = rand.Reader

// Member is one client in a conversation's roster, as distributed by the
// relay and accepted by the client: its ids, the public key that senders
// seal for, and the identity key that signed it.
type Member struct {
	User, Client string
	Public       [32]byte
	IdentityKey  [ed25519.PublicKeySize]byte
}

// The sealed plaintext ("inner envelope") of one box:
//
//	version  1 byte  (innerVersion)
//	seq      8 bytes big-endian: the sender's send time in Unix nanoseconds,
//	         strictly increasing per sender (see Client.nextSeq)
//	convLen  2 bytes big-endian, then the conversation id
//	data     the Calling 3.0 message bytes
//
// Sealing seq and conv under the box's authenticator is what lets the
// receiver detect replays and cross-conversation redirects: the relay can
// copy a box but cannot change what it says.
const (
	innerVersion   = 1
	innerHeaderLen = 1 + 8 + 2
	nonceLen       = 24
	// boxOverhead is what a box adds to the plaintext on the wire (before
	// base64): the nonce and the Poly1305 tag.
	boxOverhead = nonceLen + box.Overhead
)

// sealBox seals data for the peer whose shared key is given, with a fresh
// random nonce prepended to the ciphertext.
func sealBox(shared *[32]byte, rnd io.Reader, conv string, seq uint64, data []byte) ([]byte, error) {
	var nonce [nonceLen]byte
	if _, err := io.ReadFull(rnd, nonce[:]); err != nil {
		return nil, fmt.Errorf("relay: drawing nonce: %w", err)
	}
	plain := make([]byte, 0, innerHeaderLen+len(conv)+len(data))
	plain = append(plain, innerVersion)
	plain = binary.BigEndian.AppendUint64(plain, seq)
	plain = binary.BigEndian.AppendUint16(plain, uint16(len(conv)))
	plain = append(plain, conv...)
	plain = append(plain, data...)
	out := make([]byte, nonceLen, nonceLen+len(plain)+box.Overhead)
	copy(out, nonce[:])
	return box.SealAfterPrecomputation(out, plain, &nonce, shared), nil
}

// openBox authenticates and opens a box sealed by sealBox and checks that it
// was sealed for conversation conv.
func openBox(shared *[32]byte, conv string, sealed []byte) (seq uint64, data []byte, err error) {
	if len(sealed) < boxOverhead {
		return 0, nil, fmt.Errorf("%w: box of %d bytes is shorter than nonce and tag", ErrTampered, len(sealed))
	}
	var nonce [nonceLen]byte
	copy(nonce[:], sealed[:nonceLen])
	plain, ok := box.OpenAfterPrecomputation(nil, sealed[nonceLen:], &nonce, shared)
	if !ok {
		return 0, nil, ErrTampered
	}
	// From here on the content is authentic: a malformed inner envelope
	// means a broken sender, not an attacker.
	if len(plain) < innerHeaderLen || plain[0] != innerVersion {
		return 0, nil, fmt.Errorf("%w: inner envelope has no version %d header", ErrMalformed, innerVersion)
	}
	seq = binary.BigEndian.Uint64(plain[1:9])
	n := int(binary.BigEndian.Uint16(plain[9:11]))
	rest := plain[innerHeaderLen:]
	if len(rest) < n {
		return 0, nil, fmt.Errorf("%w: inner envelope conversation id truncated", ErrMalformed)
	}
	if string(rest[:n]) != conv {
		return 0, nil, fmt.Errorf("%w: sealed for %q, received in %q", ErrMisrouted, rest[:n], conv)
	}
	return seq, rest[n:], nil
}

// keyCache holds the precomputed shared keys between one private key and
// each peer public key seen, so that each message costs one XSalsa20-Poly1305
// pass rather than a Curve25519 scalar multiplication.
type keyCache struct {
	priv *[32]byte
	max  int // bound on len(keys)
	mu   sync.Mutex
	keys map[[32]byte]sharedKey
}

type sharedKey struct {
	key *[32]byte
	err error // the peer key is unusable
}

func newKeyCache(priv *[32]byte) *keyCache {
	return &keyCache{priv: priv, max: maxCachedKeys, keys: make(map[[32]byte]sharedKey)}
}

// maxCachedKeys bounds the cache: a relay that sends roster after roster
// of made-up members must not make a client's memory grow without end.
// Far above any conversation's size; when full, the cache starts over.
const maxCachedKeys = 4096

func (k *keyCache) shared(peer [32]byte) (*[32]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if s, ok := k.keys[peer]; ok {
		return s.key, s.err
	}
	if len(k.keys) >= k.max {
		clear(k.keys)
	}
	s := sharedKey{err: checkPublicKey(peer[:])}
	if s.err == nil {
		s.key = new([32]byte)
		box.Precompute(s.key, &peer, k.priv)
	}
	k.keys[peer] = s
	return s.key, s.err
}

// lowOrderProbe is any scalar: clamped, it is a multiple of Curve25519's
// cofactor, so it maps exactly the low-order points to zero.
var lowOrderProbe = [32]byte{1: 1}

// checkPublicKey refuses the low-order points. With one of them as a peer
// key the shared key is a constant everybody knows: boxes "sealed" for it
// are readable, and boxes "from" it forgeable, by anyone.
func checkPublicKey(k []byte) error {
	if len(k) != 32 {
		return fmt.Errorf("%w: public key has %d bytes, want 32", ErrBadKey, len(k))
	}
	if _, err := curve25519.X25519(lowOrderProbe[:], k); err != nil {
		return fmt.Errorf("%w: public key is a low-order point", ErrBadKey)
	}
	return nil
}

// replayWindow is the anti-replay window of one sender, as in IPsec and
// DTLS: the highest sequence number accepted and a bitmap of which of the
// windowSize numbers below it were seen. The relay delivers one sender's
// frames in order, so the window only matters if the relay misbehaves.
type replayWindow struct {
	max  uint64
	seen uint64 // bit i set: max-i was accepted
	used bool
}

const windowSize = 64

var errReplayTooOld = errors.New("older than the replay window")

// accept records seq and reports whether it is new.
func (w *replayWindow) accept(seq uint64) error {
	switch {
	case !w.used || seq > w.max:
		shift := seq - w.max
		if !w.used || shift >= windowSize {
			w.seen = 1
		} else {
			w.seen = w.seen<<shift | 1
		}
		w.max, w.used = seq, true
		return nil
	case w.max-seq >= windowSize:
		return fmt.Errorf("%w: sequence %d %v (latest %d)", ErrReplayed, seq, errReplayTooOld, w.max)
	}
	bit := uint64(1) << (w.max - seq)
	if w.seen&bit != 0 {
		return fmt.Errorf("%w: sequence %d already accepted", ErrReplayed, seq)
	}
	w.seen |= bit
	return nil
}
