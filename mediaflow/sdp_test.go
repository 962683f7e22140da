package mediaflow

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestCheckSDP removes required lines from a real offer and expects an
// error that names what is missing.
func TestCheckSDP(t *testing.T) {
	f, err := New(testOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	offer, err := f.CreateOffer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkSDP(offer); err != nil {
		t.Fatalf("checkSDP(real offer) = %v", err)
	}
	without := func(pattern string) string {
		return regexp.MustCompile(`(?m)^`+pattern+`.*\r\n`).ReplaceAllString(offer, "")
	}
	cases := map[string]struct{ sdp, want string }{
		"garbage":        {"hello", "not valid SDP"},
		"no media":       {strings.SplitN(offer, "m=", 2)[0], "no media sections"},
		"no ufrag":       {without("a=ice-ufrag:"), "has no a=ice-ufrag"},
		"no pwd":         {without("a=ice-pwd:"), "has no a=ice-pwd"},
		"no fingerprint": {without("a=fingerprint:"), "has no a=fingerprint"},
		"no data channel": {
			strings.SplitN(offer, "m=application", 2)[0], "no m=application section",
		},
	}
	for name, tc := range cases {
		err := checkSDP(tc.sdp)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: checkSDP = %v, want an error containing %q", name, err, tc.want)
		}
	}
}
