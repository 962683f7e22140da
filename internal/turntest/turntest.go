// Package turntest runs a TURN server (pion/turn) in-process for the live
// tests: on loopback for mediaflow's relay-only calls, and inside a
// network namespace for the tests of calls across a NAT. It answers
// STUN binding requests too, so one server serves both the STUN and the
// TURN cases. Tests only.
package turntest

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"

	"github.com/pion/turn/v5"
)

// Realm is the realm of the test servers' long-term credentials.
const Realm = "callrec.test"

// Server is a running TURN server on one UDP address.
type Server struct {
	srv         *turn.Server
	addr        *net.UDPAddr
	allocations atomic.Int64
	refused     atomic.Int64
}

// Start runs a TURN server on the UDP address listen ("127.0.0.1:0") that
// admits user with password and relays from relayIP (the address peers
// reach the relay at; it is also the address relays listen on).
func Start(listen, relayIP, user, password string) (*Server, error) {
	ip := net.ParseIP(relayIP)
	if ip == nil {
		return nil, fmt.Errorf("turntest: relay address %q is not an IP address", relayIP)
	}
	if user == "" || password == "" {
		return nil, errors.New("turntest: a user and a password are needed")
	}
	pc, err := net.ListenPacket("udp4", listen)
	if err != nil {
		return nil, fmt.Errorf("turntest: listen: %w", err)
	}
	s := &Server{addr: pc.LocalAddr().(*net.UDPAddr)}
	key := turn.GenerateAuthKey(user, Realm, password)
	s.srv, err = turn.NewServer(turn.ServerConfig{
		Realm: Realm,
		AuthHandler: func(ra *turn.RequestAttributes) (string, []byte, bool) {
			if ra.Username != user {
				return "", nil, false
			}
			return user, key, true
		},
		EventHandler: turn.EventHandler{
			OnAuth: func(_, _ net.Addr, _, _, _, _ string, ok bool) {
				if !ok {
					s.refused.Add(1)
				}
			},
			OnAllocationCreated: func(_, _ net.Addr, _, _, _ string, _ net.Addr, _ int) {
				s.allocations.Add(1)
			},
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn: pc,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{
				RelayAddress: ip, Address: ip.String(),
			},
		}},
	})
	if err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("turntest: %w", err)
	}
	return s, nil
}

// Addr returns the server's "host:port".
func (s *Server) Addr() string { return s.addr.String() }

// URL returns the server's TURN URL over UDP, "turn:host:port".
func (s *Server) URL() string {
	return "turn:" + net.JoinHostPort(s.addr.IP.String(), strconv.Itoa(s.addr.Port))
}

// STUNURL returns the server's STUN URL, "stun:host:port".
func (s *Server) STUNURL() string {
	return "stun:" + net.JoinHostPort(s.addr.IP.String(), strconv.Itoa(s.addr.Port))
}

// Allocations counts the relays the server allocated.
func (s *Server) Allocations() int64 { return s.allocations.Load() }

// Refused counts the requests whose credentials the server refused.
func (s *Server) Refused() int64 { return s.refused.Load() }

// Close stops the server and its relays.
func (s *Server) Close() error { return s.srv.Close() }
