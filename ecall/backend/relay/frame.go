package relay

import (
	"crypto/ed25519"
	"fmt"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Frame types. Every WebSocket message is one JSON object (a text frame)
// whose "type" is one of these; doc.go describes the exchange.
const (
	frameChallenge = "challenge" // server → client, first frame: the nonce the join signs
	frameJoin      = "join"      // client → server, first frame: ids, conversation, keys, proof
	frameJoined    = "joined"    // server → client: join accepted, roster, limits
	frameRoster    = "roster"    // server → client: the roster changed
	frameSend      = "send"      // client → server: one box per recipient
	frameDeliver   = "deliver"   // server → client: one box, stamped with sender ids and time
	frameError     = "error"     // server → client: a frame was dropped or the join refused
)

// maxIDLen bounds user, client and conversation ids.
const maxIDLen = 256

// frame is the union of all frame types; which fields are set depends on
// Type and is checked by validate.
type frame struct {
	Type    string       `json:"type"`
	Conv    string       `json:"conv,omitempty"`
	User    string       `json:"user,omitempty"`
	Client  string       `json:"client,omitempty"`
	Key     []byte       `json:"key,omitempty"`
	ID      []byte       `json:"id,omitempty"`    // join: the Ed25519 identity key
	Sig     []byte       `json:"sig,omitempty"`   // join: the announcement signature
	Proof   []byte       `json:"proof,omitempty"` // join: the signed challenge
	Nonce   []byte       `json:"nonce,omitempty"` // challenge
	Boxes   []addressed  `json:"boxes,omitempty"`
	Box     []byte       `json:"box,omitempty"`
	Resend  bool         `json:"resend,omitzero"` // deliver: the sender resent the box after a reconnect
	Time    uint32       `json:"time,omitzero"`
	Members []wireMember `json:"members,omitempty"`
	MaxSize int64        `json:"max_size,omitzero"`
	Reason  string       `json:"reason,omitempty"`
	Detail  string       `json:"detail,omitempty"`
}

// addressed is one recipient's box in a send frame. Resend marks a box
// the sender sends again after a reconnect (see Client): a receiver drops
// it silently if it already has it. The mark is not authenticated; all a
// relay gains by forging it is that a replayed copy is dropped without
// being reported.
type addressed struct {
	User   string `json:"user"`
	Client string `json:"client"`
	Box    []byte `json:"box"`
	Resend bool   `json:"resend,omitzero"`
}

// wireMember is one roster entry: the member's box key, signed (Sig) by
// its identity key (ID) for the conversation. Clients check ID and Sig
// themselves (keyGuard), so they are not validated with the frame. Epoch
// names the member's connection: the relay gives every accepted join a new
// one, so that a connection replaced by its owner's new one shows as a
// departure and return (the others resend what the old one may have
// swallowed) although the signed entry is the same.
type wireMember struct {
	User   string `json:"user"`
	Client string `json:"client"`
	Key    []byte `json:"key"`
	ID     []byte `json:"id"`
	Sig    []byte `json:"sig"`
	Epoch  uint64 `json:"epoch,omitzero"`
}

// jsonOpts are the options of the frame codec (the JSON library the econn
// codec uses, a third of encoding/json's cost on a relayed SETUP): invalid
// UTF-8 becomes U+FFFD, as encoding/json does, so that no text a peer sends
// can make encoding a frame fail; duplicate names are refused.
var jsonOpts = jsontext.AllowInvalidUTF8(true)

// decodeFrame parses and validates one frame. It never panics; the error
// wraps ErrMalformed and names the first problem found.
func decodeFrame(data []byte) (*frame, error) {
	var f frame
	if err := json.Unmarshal(data, &f, jsonOpts); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := f.validate(); err != nil {
		return nil, err
	}
	return &f, nil
}

func (f *frame) validate() error {
	switch f.Type {
	case frameJoin:
		return firstErr(checkID("conv", f.Conv), checkID("user", f.User),
			checkID("client", f.Client), checkKey("key", f.Key),
			checkLen("id", f.ID, ed25519.PublicKeySize), checkLen("sig", f.Sig, ed25519.SignatureSize),
			checkLen("proof", f.Proof, ed25519.SignatureSize))
	case frameChallenge:
		return checkLen("nonce", f.Nonce, challengeLen)
	case frameSend:
		return f.validateSend()
	case frameDeliver:
		if err := firstErr(checkID("user", f.User), checkID("client", f.Client)); err != nil {
			return err
		}
		if len(f.Box) == 0 {
			return fmt.Errorf("%w: deliver frame without box", ErrMalformed)
		}
		return nil
	case frameJoined, frameRoster:
		return validateMembers(f.Members)
	case frameError:
		if f.Reason == "" {
			return fmt.Errorf("%w: error frame without reason", ErrMalformed)
		}
		return nil
	case "":
		return fmt.Errorf("%w: frame without type", ErrMalformed)
	default:
		return fmt.Errorf("%w: unknown frame type %q", ErrMalformed, f.Type)
	}
}

func (f *frame) validateSend() error {
	if err := checkID("conv", f.Conv); err != nil {
		return err
	}
	if len(f.Boxes) == 0 {
		return fmt.Errorf("%w: send frame without boxes", ErrMalformed)
	}
	for i, b := range f.Boxes {
		if err := firstErr(checkID("user", b.User), checkID("client", b.Client)); err != nil {
			return fmt.Errorf("box %d: %w", i, err)
		}
		if len(b.Box) < boxOverhead {
			return fmt.Errorf("%w: box %d has %d bytes, less than nonce and tag", ErrMalformed, i, len(b.Box))
		}
	}
	return nil
}

func validateMembers(ms []wireMember) error {
	for i, m := range ms {
		if err := firstErr(checkID("user", m.User), checkID("client", m.Client), checkKey("key", m.Key)); err != nil {
			return fmt.Errorf("member %d: %w", i, err)
		}
	}
	return nil
}

// checkID bounds an id. (Decoding has already replaced invalid UTF-8 with
// U+FFFD.)
func checkID(what, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: empty %s id", ErrMalformed, what)
	case len(id) > maxIDLen:
		return fmt.Errorf("%w: %s id longer than %d bytes", ErrMalformed, what, maxIDLen)
	}
	return nil
}

func checkKey(what string, k []byte) error { return checkLen(what, k, 32) }

func checkLen(what string, b []byte, n int) error {
	if len(b) != n {
		return fmt.Errorf("%w: %s has %d bytes, want %d", ErrMalformed, what, len(b), n)
	}
	return nil
}

// checkLocalID checks an id given by this process: JSON would silently
// replace invalid UTF-8, and the roster would then name someone else.
func checkLocalID(what, id string) error {
	if !utf8.ValidString(id) {
		return fmt.Errorf("%w: %s id is not UTF-8", ErrMalformed, what)
	}
	return checkID(what, id)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func encodeFrame(f *frame) []byte {
	b, err := json.Marshal(f, jsonOpts)
	if err != nil {
		// frame holds only strings, byte slices and integers.
		panic("relay: encoding frame: " + err.Error())
	}
	return b
}

func toMembers(ws []wireMember) []Member {
	ms := make([]Member, len(ws))
	for i, w := range ws {
		ms[i] = Member{User: w.User, Client: w.Client}
		copy(ms[i].Public[:], w.Key)
		copy(ms[i].IdentityKey[:], w.ID)
	}
	return ms
}
