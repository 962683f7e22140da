package filter_test

import (
	"testing"
	"time"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/filter"
)

func TestCallFilter(t *testing.T) {
	day := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	closedAB := filter.Call{Endpoints: []eventlog.Endpoint{{User: "A", Client: "1"}, {User: "B", Client: "2"}},
		Start: day, Builds: []string{"v1.2.3"}, States: []string{"Terminating", "Terminating"}, Reasons: []string{"normal", "normal"}}
	failedC := filter.Call{Endpoints: []eventlog.Endpoint{{User: "C", Client: "9"}},
		Start: day.Add(24 * time.Hour), Builds: []string{"dev"}, States: []string{"Terminating"}, Reasons: []string{"timeout-setup"}}
	open := filter.Call{Endpoints: []eventlog.Endpoint{{User: "A", Client: "3"}},
		Start: day.Add(time.Hour), Builds: []string{"v1.2.4"}, Open: true, States: []string{"Answered"}}
	calls := map[string]filter.Call{"closedAB": closedAB, "failedC": failedC, "open": open}
	for _, tc := range []struct {
		expr string
		want []string // the calls kept, sorted
	}{
		{"", []string{"closedAB", "failedC", "open"}},
		{"user=a", []string{"closedAB", "open"}},
		{"user=b,c", []string{"closedAB", "failedC"}},
		{"device=A/1", []string{"closedAB"}},
		{"ep=a/3 device=c", []string{"failedC", "open"}},
		{"outcome=open", []string{"open"}},
		{"outcome=closed", []string{"closedAB", "failedC"}},
		{"outcome=normal", []string{"closedAB"}},
		{"outcome=failed", []string{"failedC"}},
		{"outcome=answered", []string{"open"}},
		{"reason=TIMEOUT-SETUP", []string{"failedC"}},
		{"since=2026-11-27T10:30:00Z", []string{"failedC", "open"}},
		{"until=2026-11-28", []string{"closedAB", "open"}},
		{"since=2026-11-27 until=2026-11-27T11:00:00Z", []string{"closedAB"}},
		{"build=v1.2*", []string{"closedAB", "open"}},
		{"build=DEV", []string{"failedC"}},
		{"user=A outcome=failed", nil},
	} {
		f, err := filter.ParseCalls(tc.expr)
		if err != nil {
			t.Errorf("ParseCalls(%q): %v", tc.expr, err)
			continue
		}
		var got []string
		for _, name := range []string{"closedAB", "failedC", "open"} {
			if f.Match(calls[name]) {
				got = append(got, name)
			}
		}
		if len(got) != len(tc.want) || (len(got) > 0 && !equal(got, tc.want)) {
			t.Errorf("%q kept %v, want %v", tc.expr, got, tc.want)
		}
		if f.Empty() != (tc.expr == "") {
			t.Errorf("%q: Empty() = %v", tc.expr, f.Empty())
		}
	}
}

func equal(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestParseCallsErrors(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"user", `filter term "user": want key=value, key one of user, device, outcome, reason, since, until or build`},
		{"kind=input", `filter term "kind=input": unknown key "kind": want user, device, outcome, reason, since, until or build`},
		{"outcome=sideways", `filter term "outcome=sideways": outcome "sideways": want open, closed, normal, failed or a state`},
		{"since=yesterday", `filter term "since=yesterday": time "yesterday": want RFC 3339 (2026-11-27T10:00:00Z) or a date (2026-11-27)`},
		{"since=2026-11-27 since=2026-11-28", `filter term "since=2026-11-28": given twice`},
		{"device=/1", `filter term "device=/1": endpoint "/1": want user or user/client`},
		{"user=", `filter term "user=": empty value`},
	} {
		_, err := filter.ParseCalls(tc.expr)
		if err == nil || err.Error() != tc.want {
			t.Errorf("ParseCalls(%q) = %v, want %s", tc.expr, err, tc.want)
		}
	}
}
