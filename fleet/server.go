package fleet

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ServerOptions configure an embedded fleet server. The zero value serves
// on 127.0.0.1:4222 with its store under the user's cache directory.
type ServerOptions struct {
	// Listen is the client address, "HOST:PORT"; "" means 127.0.0.1:4222
	// and port 0 picks a free one.
	Listen string
	// StoreDir is JetStream's directory; "" means DefaultStoreDir().
	StoreDir string
	// MaxStore and MaxMemory bound JetStream's file and memory storage;
	// 0 means DefaultMaxStore and DefaultMaxMemory.
	MaxStore, MaxMemory int64
	// Name is the server's name (in a cluster each needs its own); "" lets
	// the server pick.
	Name string
	// Cluster, when set, joins a JetStream cluster: see ClusterOptions.
	Cluster *ClusterOptions
	// Ready bounds the wait for the server to accept clients; 0 means 10s.
	Ready time.Duration
	// Log makes the server log to stderr (it is silent otherwise).
	Log bool
}

// ClusterOptions join an embedded server to a JetStream cluster.
type ClusterOptions struct {
	Name   string   // the cluster's name, the same on every server
	Listen string   // this server's route address, "HOST:PORT"
	Routes []string // every server's route URL, nats-route://HOST:PORT (its own may be in it)
}

// Limits of an embedded server's JetStream.
const (
	DefaultMaxStore  = 8 << 30
	DefaultMaxMemory = 256 << 20
	DefaultListen    = "127.0.0.1:4222"
)

// DefaultStoreDir is where an embedded server keeps its streams when no
// directory is given: callrec/fleet under the user's cache directory (the
// temporary directory when there is none).
func DefaultStoreDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "callrec", "fleet")
}

// Server is an embedded NATS server with JetStream.
type Server struct {
	ns *server.Server
}

// Serve starts an embedded server and waits until it accepts clients.
func Serve(opts ServerOptions) (*Server, error) {
	so, err := opts.natsOptions()
	if err != nil {
		return nil, err
	}
	ns, err := server.NewServer(so)
	if err != nil {
		return nil, fmt.Errorf("fleet: server: %w", err)
	}
	if opts.Log {
		ns.ConfigureLogger()
	}
	go ns.Start()
	ready := opts.Ready
	if ready == 0 {
		ready = 10 * time.Second
	}
	if !ns.ReadyForConnections(ready) {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, fmt.Errorf("fleet: the server on %s is not ready after %v", so.Host+":"+strconv.Itoa(so.Port), ready)
	}
	return &Server{ns: ns}, nil
}

// natsOptions turns opts into the server's.
func (opts ServerOptions) natsOptions() (*server.Options, error) {
	host, port, err := splitHostPort(opts.Listen, DefaultListen)
	if err != nil {
		return nil, fmt.Errorf("fleet: listen address: %w", err)
	}
	so := &server.Options{ServerName: opts.Name, Host: host, Port: port, JetStream: true,
		StoreDir: opts.StoreDir, JetStreamMaxStore: opts.MaxStore, JetStreamMaxMemory: opts.MaxMemory,
		NoSigs: true, NoLog: !opts.Log}
	if so.StoreDir == "" {
		so.StoreDir = DefaultStoreDir()
	}
	if so.JetStreamMaxStore == 0 {
		so.JetStreamMaxStore = DefaultMaxStore
	}
	if so.JetStreamMaxMemory == 0 {
		so.JetStreamMaxMemory = DefaultMaxMemory
	}
	if port == 0 {
		so.Port = server.RANDOM_PORT
	}
	if c := opts.Cluster; c != nil {
		if err := clusterOptions(so, c); err != nil {
			return nil, err
		}
	}
	return so, nil
}

func clusterOptions(so *server.Options, c *ClusterOptions) error {
	host, port, err := splitHostPort(c.Listen, "")
	if err != nil {
		return fmt.Errorf("fleet: cluster address: %w", err)
	}
	so.Cluster = server.ClusterOpts{Name: c.Name, Host: host, Port: port}
	if port == 0 {
		so.Cluster.Port = server.RANDOM_PORT
	}
	for _, r := range c.Routes {
		u, err := parseRoute(r)
		if err != nil {
			return err
		}
		so.Routes = append(so.Routes, u)
	}
	return nil
}

func splitHostPort(addr, def string) (string, int, error) {
	if addr == "" {
		addr = def
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	return host, port, nil
}

// URL is the client URL to give recorders, nats://HOST:PORT.
func (s *Server) URL() string { return s.ns.ClientURL() }

// ClusterURL is the server's route URL, for the other servers' Routes
// ("" when it is not in a cluster).
func (s *Server) ClusterURL() string {
	addr := s.ns.ClusterAddr()
	if addr == nil {
		return ""
	}
	return "nats-route://" + addr.String()
}

// Shutdown stops the server and waits until it has.
func (s *Server) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}

// JetStreamReady reports whether the server's JetStream is up (in a
// cluster: it has found its meta leader).
func (s *Server) JetStreamReady() bool { return s.ns.JetStreamIsCurrent() }

// parseRoute checks a route URL.
func parseRoute(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "nats-route" && u.Scheme != "nats") {
		return nil, fmt.Errorf("%w: route %q is not nats-route://HOST:PORT", ErrBadURL, s)
	}
	return u, nil
}
