package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/live"
)

// interruptible returns a context that ends on SIGINT or SIGTERM, so that
// a live call interrupted by the user still hangs up and closes its log.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// console reports a live call on the command's streams.
func console(ios *cmdutil.IOStreams) live.Console {
	return live.Console{Out: ios.Out, Err: ios.Err, OutTerminal: ios.OutTerminal, ToolVersion: toolVersion}
}

// iceFlags are the ICE flags of call and demo: --ice, and the older
// --network and --ice-server, which are "--ice host" and "--ice stun=URL"
// (or turn=URL).
type iceFlags struct {
	specs   []string
	network bool
	servers []string
}

func (f *iceFlags) register(fs *pflag.FlagSet) {
	fs.StringSliceVar(&f.specs, "ice", nil, live.ICEHelp)
	fs.BoolVar(&f.network, "network", false, "gather ICE candidates on every interface, not just loopback (--ice host)")
	fs.StringArrayVar(&f.servers, "ice-server", nil, "with --network: a STUN or TURN server URL (stun:host:port), repeatable")
}

// parse reads the flags into ICE settings.
func (f *iceFlags) parse() (live.ICE, error) {
	if len(f.servers) > 0 && !f.network {
		return live.ICE{}, errors.New("--ice-server needs --network (loopback ICE gathers host candidates only)")
	}
	specs := slices.Clone(f.specs)
	if f.network {
		specs = append(specs, "host")
	}
	for _, u := range f.servers {
		scheme, _, _ := strings.Cut(u, ":")
		specs = append(specs, strings.TrimSuffix(scheme, "s")+"="+u)
	}
	ice, err := live.ParseICE(specs)
	if err != nil {
		return live.ICE{}, fmt.Errorf("--ice %w", err)
	}
	return ice, nil
}
