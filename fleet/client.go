package fleet

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// EnvURL is the environment variable that names the fleet when a command
// is given no --fleet.
const EnvURL = "CALLREC_FLEET"

// Client is a connection to a fleet: a NATS server or cluster with
// JetStream. Its methods are safe for concurrent use.
type Client struct {
	nc *nats.Conn
	js jetstream.JetStream

	mu     sync.Mutex
	events jetstream.Stream
	calls  jetstream.KeyValue
	pubs   []*Publisher // Watch's, closed with the client
}

// Connect connects to the fleet at rawURL (nats://HOST:PORT, or several
// separated by commas for a cluster), failing when no server answers
// before ctx ends.
func Connect(ctx context.Context, rawURL string) (*Client, error) {
	servers, err := checkURL(rawURL)
	if err != nil {
		return nil, err
	}
	opts := nats.GetDefaultOptions()
	opts.Servers = servers
	opts.Name = "callrec"
	opts.MaxReconnect = -1
	opts.ReconnectWait = 250 * time.Millisecond
	if d, ok := ctx.Deadline(); ok {
		opts.Timeout = time.Until(d)
	}
	nc, err := opts.Connect()
	if err != nil {
		return nil, fmt.Errorf("fleet: %s: %w", rawURL, err)
	}
	return newClient(nc)
}

// ConnectLater returns a client of the fleet at rawURL at once, whether
// or not a server answers: it connects in the background and reconnects
// whenever the connection drops, so a recorder can start while the fleet
// is down. Only a malformed URL is an error.
func ConnectLater(rawURL string) (*Client, error) {
	servers, err := checkURL(rawURL)
	if err != nil {
		return nil, err
	}
	opts := nats.GetDefaultOptions()
	opts.Servers = servers
	opts.Name = "callrec recorder"
	opts.MaxReconnect = -1
	opts.ReconnectWait = 250 * time.Millisecond
	opts.RetryOnFailedConnect = true
	opts.ReconnectBufSize = -1 // the publisher resends from the log: nothing is buffered blind
	nc, err := opts.Connect()
	if err != nil {
		return nil, fmt.Errorf("fleet: %s: %w", rawURL, err)
	}
	return newClient(nc)
}

// maxPending bounds a client's publishes not yet acknowledged.
const maxPending = 1 << 16

func newClient(nc *nats.Conn) (*Client, error) {
	// Publishers of several recordings share the context: its bound on
	// unacknowledged publishes must hold all their chunks.
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(maxPending))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("fleet: %w", err)
	}
	return &Client{nc: nc, js: js}, nil
}

// checkURL splits a comma-separated list of nats:// URLs.
func checkURL(rawURL string) ([]string, error) {
	if strings.TrimSpace(rawURL) == "" {
		return nil, fmt.Errorf("%w: empty (give --fleet nats://HOST:PORT or set %s)", ErrBadURL, EnvURL)
	}
	var servers []string
	for _, s := range strings.Split(rawURL, ",") {
		s = strings.TrimSpace(s)
		u, err := url.Parse(s)
		if err != nil || u.Host == "" || (u.Scheme != "nats" && u.Scheme != "tls") {
			return nil, fmt.Errorf("%w: %q is not nats://HOST:PORT", ErrBadURL, s)
		}
		servers = append(servers, s)
	}
	return servers, nil
}

// JetStream is the client's JetStream context, for Ensure and for the
// read side's own streams.
func (c *Client) JetStream() jetstream.JetStream { return c.js }

// Conn is the client's NATS connection.
func (c *Client) Conn() *nats.Conn { return c.nc }

// Close stops every Publisher Watch started (each first publishes what
// its recording committed, for at most Publisher's close wait) and
// closes the connection.
func (c *Client) Close() error {
	c.mu.Lock()
	pubs := c.pubs
	c.pubs = nil
	c.mu.Unlock()
	var errs []error
	for _, p := range pubs {
		errs = append(errs, p.Close())
	}
	c.nc.Close()
	return errors.Join(errs...)
}

// streams returns the event stream and the recordings bucket, creating
// them with the default StreamOptions when the fleet has none (an
// operator's own settings are never overwritten).
func (c *Client) streams(ctx context.Context) (jetstream.Stream, jetstream.KeyValue, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.events != nil && c.calls != nil {
		return c.events, c.calls, nil
	}
	var opts StreamOptions
	s, err := c.js.Stream(ctx, StreamEvents)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = c.js.CreateStream(ctx, opts.eventsConfig())
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			s, err = c.js.Stream(ctx, StreamEvents)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("fleet: stream %s: %w", StreamEvents, err)
	}
	kv, err := c.js.KeyValue(ctx, BucketCalls)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = c.js.CreateKeyValue(ctx, opts.callsConfig())
		if errors.Is(err, jetstream.ErrBucketExists) || errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			kv, err = c.js.KeyValue(ctx, BucketCalls)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("fleet: bucket %s: %w", BucketCalls, err)
	}
	c.events, c.calls = s, kv
	return s, kv, nil
}
