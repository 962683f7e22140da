package live

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/callrec/callrec/mediaflow"
)

// ICE is where a device's media legs look for a path to their peers: the
// settings of callrec's --ice flag. The zero value keeps ICE on the
// loopback interface, as tests and single-machine demos want.
type ICE struct {
	// Host gathers host candidates on the machine's interfaces instead of
	// loopback; Interfaces, when set, names the only ones to use.
	Host       bool
	Interfaces []string
	// STUN are STUN server URLs (stun:HOST:PORT): server-reflexive
	// candidates, the address a NAT maps the device to.
	STUN []string
	// TURN are TURN server URLs (turn:HOST:PORT, turns:...), used with
	// the long-term credentials TURNUser and TURNPass: relay candidates.
	TURN               []string
	TURNUser, TURNPass string
	// RelayOnly sends media only through the TURN server (ICE transport
	// policy "relay").
	RelayOnly bool
	// FailedTimeout is how long ICE goes without hearing from the peer
	// before it fails (0: pion's 30 s); RestartTimeout how long a leg
	// whose ICE failed has to connect again through an ICE restart (0:
	// DefaultRestartTimeout).
	FailedTimeout, RestartTimeout time.Duration
}

// ICEHelp describes the settings of ParseICE, for a flag's help.
const ICEHelp = `ICE settings, comma-separated or repeated: host (every interface, not loopback), host=IFACE (only that interface; repeatable), stun=stun:HOST:PORT, turn=turn:HOST:PORT, turn-user=USER, turn-pass=PASSWORD, relay-only, failed-after=DURATION (ICE fails after that long without the peer), restart-within=DURATION (an ICE restart must reconnect within it)`

// ParseICE reads ICE settings written as callrec's --ice flag takes them:
// each spec is "host", "host=IFACE", "stun=URL", "turn=URL",
// "turn-user=USER", "turn-pass=PASSWORD" or "relay-only". STUN, TURN
// and relay-only imply host (a TURN server is never reached over
// loopback-only ICE).
func ParseICE(specs []string) (ICE, error) {
	var ice ICE
	for _, spec := range specs {
		key, value, hasValue := strings.Cut(spec, "=")
		if err := ice.set(key, value, hasValue); err != nil {
			return ICE{}, fmt.Errorf("%q: %w", spec, err)
		}
	}
	if err := ice.check(); err != nil {
		return ICE{}, err
	}
	return ice, nil
}

// set applies one setting.
func (ice *ICE) set(key, value string, hasValue bool) error {
	needValue := func() error {
		if !hasValue || value == "" {
			return fmt.Errorf("%s needs a value (%s=...)", key, key)
		}
		return nil
	}
	switch key {
	case "host":
		ice.Host = true
		if hasValue {
			if value == "" {
				return errors.New("host= needs an interface name (or write host alone for every interface)")
			}
			ice.Interfaces = append(ice.Interfaces, value)
		}
		return nil
	case "relay-only":
		if hasValue {
			return errors.New("relay-only takes no value")
		}
		ice.RelayOnly = true
		return nil
	}
	if err := needValue(); err != nil {
		return err
	}
	switch key {
	case "stun":
		if !strings.HasPrefix(value, "stun:") && !strings.HasPrefix(value, "stuns:") {
			return errors.New("want a stun: or stuns: URL (stun:HOST:PORT)")
		}
		ice.STUN = append(ice.STUN, value)
	case "turn":
		if !strings.HasPrefix(value, "turn:") && !strings.HasPrefix(value, "turns:") {
			return errors.New("want a turn: or turns: URL (turn:HOST:PORT)")
		}
		ice.TURN = append(ice.TURN, value)
	case "turn-user":
		ice.TURNUser = value
	case "turn-pass":
		ice.TURNPass = value
	case "failed-after", "restart-within":
		d, err := time.ParseDuration(value)
		if err != nil || d <= 0 {
			return errors.New("want a positive duration (3s, 500ms)")
		}
		if key == "failed-after" {
			ice.FailedTimeout = d
		} else {
			ice.RestartTimeout = d
		}
	default:
		return errors.New("unknown setting: want host, stun, turn, turn-user, turn-pass, relay-only, failed-after or restart-within")
	}
	return nil
}

// check refuses settings that cannot work together.
func (ice *ICE) check() error {
	switch {
	case ice.RelayOnly && len(ice.TURN) == 0:
		return errors.New("relay-only needs a TURN server (turn=turn:HOST:PORT)")
	case len(ice.TURN) > 0 && (ice.TURNUser == "" || ice.TURNPass == ""):
		return errors.New("a TURN server needs turn-user and turn-pass")
	case len(ice.TURN) == 0 && (ice.TURNUser != "" || ice.TURNPass != ""):
		return errors.New("turn-user and turn-pass need a TURN server (turn=turn:HOST:PORT)")
	}
	if len(ice.STUN) > 0 || len(ice.TURN) > 0 || ice.RelayOnly {
		ice.Host = true
	}
	return nil
}

// Apply sets the media options of every leg: loopback only for the zero
// ICE, else the interfaces, servers and policy it names.
func (ice ICE) Apply(o *mediaflow.Options) {
	o.ICEFailedTimeout = ice.FailedTimeout
	if !ice.Host {
		return
	}
	o.Loopback = false
	o.Interfaces = ice.Interfaces
	o.RelayOnly = ice.RelayOnly
	o.ICEServers = nil
	if len(ice.STUN) > 0 {
		o.ICEServers = append(o.ICEServers, webrtc.ICEServer{URLs: ice.STUN})
	}
	if len(ice.TURN) > 0 {
		o.ICEServers = append(o.ICEServers, webrtc.ICEServer{
			URLs: ice.TURN, Username: ice.TURNUser, Credential: ice.TURNPass,
			CredentialType: webrtc.ICECredentialTypePassword,
		})
	}
}

// String describes the settings for people, without the TURN password.
func (ice ICE) String() string {
	if !ice.Host {
		return "loopback"
	}
	var parts []string
	if len(ice.Interfaces) == 0 {
		parts = append(parts, "host candidates on every interface")
	} else {
		parts = append(parts, "host candidates on "+strings.Join(ice.Interfaces, ", "))
	}
	for _, u := range ice.STUN {
		parts = append(parts, "STUN "+u)
	}
	for _, u := range ice.TURN {
		parts = append(parts, "TURN "+u+" as "+ice.TURNUser)
	}
	if ice.RelayOnly {
		parts = append(parts, "relay only")
	}
	if ice.FailedTimeout > 0 {
		parts = append(parts, "fails after "+ice.FailedTimeout.String())
	}
	if ice.RestartTimeout > 0 {
		parts = append(parts, "restarts within "+ice.RestartTimeout.String())
	}
	return strings.Join(parts, "; ")
}
