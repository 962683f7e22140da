// Package netns builds a small network out of Linux network namespaces
// for the live tests: two devices, each behind its own NAT, and a core
// namespace that routes between them and holds the relay and a TURN
// server. Processes run inside with "ip netns exec". Every name is unique
// to the test, nothing touches the machine's own namespace, and the
// test's cleanup removes it all. Tests only.
//
// The network:
//
//	device A                         core                          device B
//	priv0 192.168.1.2 ─┐                                      ┌─ priv0 192.168.2.2
//	   (NAT: masquerade on pub0)   lo 10.99.0.1 (relay, TURN)   (NAT: masquerade on pub0)
//	pub0  10.99.1.2 ───┴──── a0 10.99.1.1      b0 10.99.2.1 ────┴── pub0  10.99.2.2
//
// A device that gathers host candidates on pub0 is reachable from the
// other ("host-to-host": its firewall lets in what answers its own
// packets, and ICE checks go both ways); on priv0 it is behind its NAT,
// and the core does not route the private networks, so only the NAT's
// mapping (STUN, then hole punching) or a TURN relay connects the
// devices.
package netns

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
)

// Addresses of the network.
const (
	CoreIP = "10.99.0.1" // the relay's and the TURN server's address
	Public = "pub0"      // a device's interface toward the core
	Inside = "priv0"     // a device's interface behind its NAT
)

// Device is one device namespace.
type Device struct {
	NS       string // the namespace's name
	PublicIP string // its address on Public
	InsideIP string // its address on Inside
}

// Net is a built network.
type Net struct {
	Core string // the core namespace's name
	A, B Device
}

// Available says why this machine cannot build the network ("" when it
// can): the tests need root (or CAP_NET_ADMIN and CAP_SYS_ADMIN), ip and
// nft, and namespaces that can be made.
func Available() string {
	if os.Geteuid() != 0 {
		return "network namespaces need root"
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " is not installed"
		}
	}
	name := fmt.Sprintf("callrec-probe-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return "ip netns add fails: " + strings.TrimSpace(string(out))
	}
	defer exec.Command("ip", "netns", "del", name).Run()
	if out, err := exec.Command("ip", "netns", "exec", name, "nft", "add", "table", "ip", "probe").CombinedOutput(); err != nil {
		return "nft fails in a namespace: " + strings.TrimSpace(string(out))
	}
	return ""
}

var serial atomic.Int64

// New builds the network, or skips the test saying why it cannot. The
// test's cleanup deletes the namespaces (and with them every interface,
// address and rule; processes still inside must be stopped by earlier
// cleanups).
func New(t testing.TB) *Net {
	t.Helper()
	if why := Available(); why != "" {
		t.Skipf("netns: skipped: %s", why)
	}
	prefix := fmt.Sprintf("callrec-%d-%d-", os.Getpid(), serial.Add(1))
	n := &Net{
		Core: prefix + "core",
		A:    Device{NS: prefix + "a", PublicIP: "10.99.1.2", InsideIP: "192.168.1.2"},
		B:    Device{NS: prefix + "b", PublicIP: "10.99.2.2", InsideIP: "192.168.2.2"},
	}
	for _, ns := range []string{n.Core, n.A.NS, n.B.NS} {
		run(t, "ip", "netns", "add", ns)
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
		n.in(t, ns, "ip", "link", "set", "lo", "up")
		// IPv4 only: link-local IPv6 candidates would be tried in vain.
		n.in(t, ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	}
	n.in(t, n.Core, "ip", "addr", "add", CoreIP+"/32", "dev", "lo")
	n.in(t, n.Core, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	n.device(t, n.A, "a0", 1)
	n.device(t, n.B, "b0", 2)
	return n
}

// device wires one device namespace to the core through link (the core's
// end of the veth pair, on subnet 10.99.i.0/24) and puts it behind a NAT.
func (n *Net) device(t testing.TB, d Device, link string, i int) {
	t.Helper()
	gw := fmt.Sprintf("10.99.%d.1", i)
	run(t, "ip", "link", "add", link, "netns", n.Core, "type", "veth", "peer", "name", Public, "netns", d.NS)
	n.in(t, n.Core, "ip", "addr", "add", gw+"/24", "dev", link)
	n.in(t, n.Core, "ip", "link", "set", link, "up")
	n.in(t, d.NS, "ip", "addr", "add", d.PublicIP+"/24", "dev", Public)
	n.in(t, d.NS, "ip", "link", "set", Public, "up")
	n.in(t, d.NS, "ip", "route", "add", "default", "via", gw)
	// The inside interface: one end of a veth pair kept in the namespace
	// (no dummy interfaces needed), the device's private address on it.
	n.in(t, d.NS, "ip", "link", "add", Inside, "type", "veth", "peer", "name", Inside+"p")
	n.in(t, d.NS, "ip", "addr", "add", d.InsideIP+"/24", "dev", Inside)
	n.in(t, d.NS, "ip", "link", "set", Inside, "up")
	n.in(t, d.NS, "ip", "link", "set", Inside+"p", "up")
	// The NAT: what leaves from the private address is masqueraded as the
	// public one (Linux keeps the source port when it can, so a mapping
	// made toward the STUN server serves the peer too: hole punching).
	// Like a home router, it lets in only what answers something sent
	// out (address- and port-dependent filtering). Dropping the rest in
	// the input hook also keeps it out of the connection table, where an
	// unanswered packet from the peer would take the mapping's port and
	// make the NAT pick another one for the device's own packets.
	n.nft(t, d.NS, fmt.Sprintf(`table ip nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname %[1]q ip saddr 192.168.0.0/16 masquerade
	}
}
table ip filter {
	chain in {
		type filter hook input priority filter; policy accept;
		iifname %[1]q ct state new drop
	}
}`, Public))
}

// nft loads a ruleset into namespace ns.
func (n *Net) nft(t testing.TB, ns, rules string) {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("netns: nft in %s: %v\n%s", ns, err, out)
	}
}

// in runs a command inside namespace ns and fails the test if it fails.
func (n *Net) in(t testing.TB, ns string, args ...string) {
	t.Helper()
	run(t, append([]string{"ip", "netns", "exec", ns}, args...)...)
}

// Command returns the command that runs name with args inside namespace
// ns.
func (n *Net) Command(ns, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// SetLink takes a device's public interface down (up false) or up again:
// its network is cut, as when a phone loses its Wi-Fi.
func (n *Net) SetLink(d Device, up bool) error {
	state := "down"
	if up {
		state = "up"
	}
	out, err := exec.Command("ip", "-n", d.NS, "link", "set", Public, state).CombinedOutput()
	if err != nil {
		return fmt.Errorf("netns: link %s %s: %v: %s", Public, state, err, out)
	}
	if up { // a link taken down loses its routes
		out, err = exec.Command("ip", "-n", d.NS, "route", "replace", "default", "via",
			strings.TrimSuffix(d.PublicIP, ".2")+".1").CombinedOutput()
		if err != nil {
			return fmt.Errorf("netns: default route: %v: %s", err, out)
		}
	}
	return nil
}

func run(t testing.TB, args ...string) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("netns: %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		t.Fatalf("netns: %s: %v", strings.Join(args, " "), err)
	}
}
