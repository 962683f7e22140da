package relay

import (
	"bufio"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Members maps devices (user and client id) to their long-term Ed25519
// identity keys and the conversations they may join. The relay uses it as
// its membership (ServerOptions.Members); a client uses the same file to
// pin its peers' keys (ClientOptions.Pins). A nil *Members holds nobody.
//
// The file format is one device a line:
//
//	USER/CLIENT KEY CONV...
//
// KEY is the identity key in standard base64 (what `callrec keygen`
// prints), CONV one or more conversation ids, or "*" for every
// conversation. Blank lines and lines starting with '#' are ignored.
type Members struct {
	entries map[memberKey]memberEntry
}

type memberEntry struct {
	key   ed25519.PublicKey
	convs map[string]bool // nil: every conversation
}

// NewMembers returns an empty membership; Add fills it.
func NewMembers() *Members { return &Members{entries: make(map[memberKey]memberEntry)} }

// Add lets the device user/client, holding key, join convs (none: every
// conversation). A device added twice keeps the last key and conversations.
func (ms *Members) Add(user, client string, key ed25519.PublicKey, convs ...string) error {
	if err := firstErr(checkLocalID("user", user), checkLocalID("client", client)); err != nil {
		return err
	}
	if len(key) != ed25519.PublicKeySize {
		return fmt.Errorf("relay: identity key of %s/%s has %d bytes, want %d", user, client, len(key), ed25519.PublicKeySize)
	}
	e := memberEntry{key: append(ed25519.PublicKey(nil), key...)}
	for _, c := range convs {
		if c == "*" {
			e.convs = nil
			break
		}
		if err := checkLocalID("conv", c); err != nil {
			return err
		}
		if e.convs == nil {
			e.convs = make(map[string]bool)
		}
		e.convs[c] = true
	}
	ms.entries[memberKey{user, client}] = e
	return nil
}

// Key returns the identity key of user/client, if listed.
func (ms *Members) Key(user, client string) (ed25519.PublicKey, bool) {
	if ms == nil {
		return nil, false
	}
	e, ok := ms.entries[memberKey{user, client}]
	return e.key, ok
}

// Allows reports whether user/client holding key may join conv.
func (ms *Members) Allows(conv, user, client string, key ed25519.PublicKey) bool {
	if ms == nil {
		return false
	}
	e, ok := ms.entries[memberKey{user, client}]
	return ok && e.key.Equal(key) && (e.convs == nil || e.convs[conv])
}

// Len returns the number of devices listed.
func (ms *Members) Len() int {
	if ms == nil {
		return 0
	}
	return len(ms.entries)
}

// LoadMembers reads a members file (see Members).
func LoadMembers(path string) (*Members, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ms, err := ParseMembers(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ms, nil
}

// ParseMembers reads the members file format (see Members). Errors name
// the line.
func ParseMembers(r io.Reader) (*Members, error) {
	ms := NewMembers()
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := ms.parseLine(line); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return ms, nil
}

func (ms *Members) parseLine(line string) error {
	fields := strings.Fields(line)
	if len(fields) < 3 {
		return errors.New("want USER/CLIENT KEY CONV... (CONV * for every conversation)")
	}
	user, client, ok := strings.Cut(fields[0], "/")
	if !ok || user == "" || client == "" {
		return fmt.Errorf("device %q: want USER/CLIENT", fields[0])
	}
	key, err := ParseKey(fields[1])
	if err != nil {
		return fmt.Errorf("%s: %w", fields[0], err)
	}
	return ms.Add(user, client, key, fields[2:]...)
}

// FormatKey renders an identity key as the members file has it.
func FormatKey(key ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(key) }

// ParseKey reads an identity key written by FormatKey.
func ParseKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("key %q: want %d bytes in base64", s, ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// MemberLine is the members file line for a device.
func MemberLine(user, client string, key ed25519.PublicKey, convs ...string) string {
	if len(convs) == 0 {
		convs = []string{"*"}
	}
	return fmt.Sprintf("%s/%s %s %s", user, client, FormatKey(key), strings.Join(convs, " "))
}

// keyFileTag starts a device key file's key line.
const keyFileTag = "callrec-device-key-v1"

// WriteKeyFile writes a device's identity key (its Ed25519 seed) to a new
// file readable by its owner only; it refuses to overwrite a file.
func WriteKeyFile(path string, id Identity) error {
	if err := id.validate(); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "# callrec device key of %s/%s: secret, keep it on this device\n%s %s/%s %s\n",
		id.User, id.Client, keyFileTag, id.User, id.Client, base64.StdEncoding.EncodeToString(id.Signing.Seed()))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// LoadKeyFile reads a key file written by WriteKeyFile and returns the
// device's identity with a fresh box key pair (see IdentityFromKey).
func LoadKeyFile(path string) (Identity, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Identity{}, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) != 3 || f[0] != keyFileTag {
			break
		}
		user, client, ok := strings.Cut(f[1], "/")
		seed, err := base64.StdEncoding.DecodeString(f[2])
		if !ok || err != nil || len(seed) != ed25519.SeedSize {
			break
		}
		return IdentityFromKey(user, client, ed25519.NewKeyFromSeed(seed), nil)
	}
	return Identity{}, fmt.Errorf("%s: not a callrec device key file (want a line %q)", path, keyFileTag+" USER/CLIENT SEED")
}
