package main

import (
	"fmt"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog/filter"
)

// filterHelp ends the long help of the commands with --filter.
const filterHelp = "\n--filter takes the language of the viewer's f command (README, Filters): terms\n" +
	"ep=USER[/CLIENT], conn=SESSID|-, kind=input|output|note and type=NAME (an event\n" +
	"type, a message type such as SETUP, or a note type), ignoring case. Terms AND;\n" +
	"the values of one key (a,b or repeated terms) OR. --endpoint E, --kind K and\n" +
	"--type T add the terms ep=E, kind=K and type=T."

// parseFilter joins --filter and its shorthands --endpoint, --kind and
// --type; a bad value is a usage error that names its flag.
func parseFilter(expr string, endpoints, kinds, types []string) (filter.Filter, error) {
	f, err := filter.Parse(expr)
	if err != nil {
		return filter.Filter{}, cmdutil.FlagError(fmt.Errorf("--filter: %w", err))
	}
	for _, s := range []struct {
		flag, key string
		vals      []string
	}{{"--endpoint", "ep", endpoints}, {"--kind", "kind", kinds}, {"--type", "type", types}} {
		if len(s.vals) == 0 {
			continue
		}
		if f, err = f.With(s.key, s.vals...); err != nil {
			return filter.Filter{}, cmdutil.FlagError(fmt.Errorf("%s: %w", s.flag, err))
		}
	}
	return f, nil
}
