package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/ecall/backend/relay"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/mediaflow"
)

// CallConfig is one device's part in a call across processes: see
// RunCall.
type CallConfig struct {
	Script                        // what the device does; its Out and Progress report it
	Dial        bool              // call the conversation (Script.Dial); false: answer (Script.Answer)
	Self        eventlog.Endpoint // this device
	RelayURL    string            // the relay's WebSocket URL (RelayURL turns "host:port" into one)
	Log         string            // the log file to record into; "" records nothing
	Video       bool              // send VP8 video too (videosend=true)
	Network     bool              // gather ICE candidates on every interface, not just loopback
	ICEServers  []string          // with Network: STUN or TURN server URLs
	ToolVersion string            // recorded in the call's metadata
	Logger      *slog.Logger      // the device's warnings
	// Identity is the device's identity (from its key file, see
	// relay.LoadKeyFile); nil draws a fresh one, which only an open relay
	// (serve --open) admits.
	Identity *relay.Identity
	// Pins are the peers' identity keys the device expects (a members
	// file); a peer announced with another key is refused and recorded.
	Pins *relay.Members
	// Watch, when set, is told of the recorded call (the fleet's
	// publisher); nil records into the log alone.
	Watch ecall.Watch
}

// RunCall takes part in a call as one device, as "callrec call" does: it
// joins cfg.Conv on the relay, runs the script, prints what the device's
// connections did (Summary) and returns the id of the call recorded into
// cfg.Log ("" when not recording). The log is closed when it returns.
func RunCall(ctx context.Context, cfg CallConfig) (callID string, err error) {
	start := time.Now()
	var rec ecall.Recorder
	var w *eventlog.CallWriter
	if cfg.Log != "" {
		log, err := eventlog.Open(cfg.Log, 0o644, LogOptions())
		if err != nil {
			return "", err
		}
		defer func() {
			if cerr := log.Close(); err == nil {
				err = cerr
			}
		}()
		w, err = log.CreateCall(eventlog.CallMeta{
			ToolVersion: cfg.ToolVersion, Source: "live", Start: start.UTC(), Endpoints: []eventlog.Endpoint{cfg.Self},
			Labels: map[string]string{"conv": cfg.Conv, "relay": cfg.RelayURL},
		})
		if err != nil {
			return "", err
		}
		rec = &ecall.LogRecorder{W: w}
		if srv := serveTail(log, w, cfg.Logger, cfg.Out); srv != nil {
			defer srv.Close() // before the log's: the writer has closed by then
		}
		if cfg.Watch != nil {
			stop := cfg.Watch(log, w)
			defer func() {
				_ = w.Close() // a no-op when closed: its error is the log's too
				stop()
			}()
		}
	}
	if cfg.Identity == nil {
		id, err := relay.NewIdentity(cfg.Self.User, cfg.Self.Client, nil)
		if err != nil {
			return "", err
		}
		cfg.Identity = &id
	}
	// Peers' keys are announced on the relay client's goroutine while the
	// script writes on this one.
	cfg.Out = &lockedWriter{w: cfg.Out}
	devErrs := make(chan error, 8)
	dev, err := cfg.newDevice(ctx, rec, start, devErrs)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(cfg.Out, "%s joined %s at %s\n", cfg.Self, cfg.Conv, cfg.RelayURL)
	fmt.Fprintf(cfg.Out, "%s key fingerprint %s\n", cfg.Self, relay.Fingerprint(cfg.Identity.IdentityKey()))
	if cfg.Dial {
		err = cfg.Script.Dial(ctx, dev)
	} else {
		err = cfg.Script.Answer(ctx, dev)
	}
	calls := dev.Calls()
	if cerr := dev.Close(); err == nil {
		err = cerr
	}
	fmt.Fprint(cfg.Out, Summary(cfg.Self, calls))
	select {
	case derr := <-devErrs:
		err = errors.Join(err, derr)
	default:
	}
	if err != nil || w == nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return w.ID(), nil
}

// newDevice joins the relay, giving up after ten seconds; the device's
// failures go to errs.
func (cfg *CallConfig) newDevice(ctx context.Context, rec ecall.Recorder, start time.Time, errs chan<- error) (*Device, error) {
	media := mediaflow.DefaultOptions()
	media.Video = cfg.Video
	if cfg.Network {
		media.Loopback = false
		for _, u := range cfg.ICEServers {
			media.ICEServers = append(media.ICEServers, webrtc.ICEServer{URLs: []string{u}})
		}
	}
	var props econn.Props
	if cfg.Video {
		props = econn.Props{"videosend": "true"}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return NewDevice(ctx, DeviceConfig{
		Self: cfg.Self, RelayURL: cfg.RelayURL, Conv: cfg.Conv, Media: &media,
		Client: ecall.Config{Props: props}, Recorder: rec, Start: start, Logger: cfg.Logger,
		Identity: cfg.Identity, Pins: cfg.Pins, OnKey: cfg.peerKey,
		OnError: func(err error) {
			select {
			case errs <- err:
			default:
			}
		},
	})
}

// peerKey prints a peer's identity key fingerprint as the device accepts
// it, so that users can compare it with the peer's own (unless pinned).
func (cfg *CallConfig) peerKey(m relay.Member, pinned bool) {
	if m.User == cfg.Self.User && m.Client == cfg.Self.Client {
		return
	}
	how := "pinned"
	if !pinned {
		how = "not pinned: compare it with the fingerprint " + m.User + "/" + m.Client + " prints"
	}
	fmt.Fprintf(cfg.Out, "peer %s/%s key fingerprint %s (%s)\n", m.User, m.Client, relay.Fingerprint(m.IdentityKey[:]), how)
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
