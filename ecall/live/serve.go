package live

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/callrec/callrec/ecall/backend/relay"
)

// Serve runs a relay on addr until ctx ends, as "callrec serve" does: it
// prints the URL it listens on, and when it stops, the frames it forwarded
// and those it dropped, by reason.
func Serve(ctx context.Context, addr string, opts relay.ServerOptions, out io.Writer) error {
	rl, err := ListenRelay(addr, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "relay listening on %s\n", rl.URL())
	<-ctx.Done()
	st := rl.Server().Stats()
	err = rl.Close()
	fmt.Fprintf(out, "relay stopped: %d frames forwarded, dropped: %s\n", st.Forwarded, drops(st.Dropped))
	return err
}

// drops renders the dropped frames by reason, "none" when there are none.
func drops(m map[relay.DropReason]uint64) string {
	if len(m) == 0 {
		return "none"
	}
	var s []string
	for r, n := range m {
		s = append(s, fmt.Sprintf("%s=%d", r, n))
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}
