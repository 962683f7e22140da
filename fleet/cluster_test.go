package fleet

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cluster is three servers of one JetStream cluster.
type cluster struct {
	servers []*Server
	names   []string
	down    []bool
}

// startCluster starts a three-server JetStream cluster on loopback.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	const n = 3
	routes := make([]string, n)
	listens := make([]string, n)
	for i := range routes {
		listens[i] = freeAddr(t)
		routes[i] = "nats-route://" + listens[i]
	}
	cl := &cluster{down: make([]bool, n)}
	errs := make(chan error, n)
	servers := make([]*Server, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			s, err := Serve(ServerOptions{Listen: "127.0.0.1:0", StoreDir: filepath.Join(t.TempDir(), fmt.Sprint(i)),
				MaxStore: 1 << 30, MaxMemory: 64 << 20, Name: fmt.Sprintf("s%d", i), Ready: 10 * time.Second,
				Cluster: &ClusterOptions{Name: "callrec-test", Listen: listens[i], Routes: routes}})
			servers[i] = s
			errs <- err
		}(i)
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	cl.servers = servers
	for i, s := range servers {
		cl.names = append(cl.names, fmt.Sprintf("s%d", i))
		t.Cleanup(func() {
			if !cl.down[i] {
				s.Shutdown()
			}
		})
	}
	return cl
}

// url lists every server's client URL.
func (cl *cluster) url() string {
	var urls []string
	for _, s := range cl.servers {
		urls = append(urls, s.URL())
	}
	return strings.Join(urls, ",")
}

// ensureR3 creates the stream and bucket with three replicas, once the
// cluster has elected its meta leader.
func ensureR3(t *testing.T, c *Client) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err := Ensure(ctx, c.js, StreamOptions{Replicas: 3})
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no R3 stream after 15s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestClusterKillDuringIngest: on a three-server cluster with R3 streams,
// the stream's leader is killed while a call is being published; every
// event arrives, once.
func TestClusterKillDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("a cluster takes seconds to elect")
	}
	start := time.Now()
	cl := startCluster(t)
	c := connect(t, cl.url())
	ensureR3(t, c)
	r := newRecording(t, goldenLog)
	// A long call: the golden call's events many times over.
	base := r.evs
	for i := 0; i < 30; i++ {
		r.evs = append(r.evs, base...)
	}
	p := c.Watch(r.l, r.w, PublishOptions{CloseWait: 20 * time.Second})
	third := len(r.evs) / 3
	r.write(t, 0, third)
	waitPublished(t, c, p, uint64(third/2))
	killed := cl.killLeader(t, c)
	r.write(t, third, len(r.evs))
	if err := r.w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	// Read back through a server that stayed up.
	var survivor *Server
	for i, s := range cl.servers {
		if i != killed {
			survivor = s
			break
		}
	}
	r.check(t, connect(t, survivor.URL()), p.Recording())
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the test took %v, want under 30s", d)
	}
}

// killLeader shuts down the server leading the event stream.
func (cl *cluster) killLeader(t *testing.T, c *Client) int {
	t.Helper()
	s, err := c.js.Stream(testCtx(t), StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Replicas != 3 || info.Cluster == nil {
		t.Fatalf("stream replicas %d, cluster %+v", info.Config.Replicas, info.Cluster)
	}
	for i, name := range cl.names {
		if name == info.Cluster.Leader {
			cl.servers[i].Shutdown()
			cl.down[i] = true
			return i
		}
	}
	t.Fatalf("leader %q is none of %v", info.Cluster.Leader, cl.names)
	return -1
}
