package mediaflow

import (
	"errors"
	"fmt"

	"github.com/pion/sdp/v3"
)

// checkSDP rejects a remote description that cannot set up a call leg
// before pion applies it: pion cannot roll back a half-applied remote
// offer, so catching bad input early keeps the Flow usable. It wants
// parseable SDP, ICE credentials and a DTLS fingerprint for every media
// section, and an m=application section for the data channel.
func checkSDP(desc string) error {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(desc); err != nil {
		return fmt.Errorf("not valid SDP: %w", err)
	}
	if len(sd.MediaDescriptions) == 0 {
		return errors.New("no media sections (m=)")
	}
	hasData := false
	for i, md := range sd.MediaDescriptions {
		kind := md.MediaName.Media
		if kind == "application" {
			hasData = true
		}
		for _, attr := range []string{"ice-ufrag", "ice-pwd", "fingerprint"} {
			if _, ok := md.Attribute(attr); ok {
				continue
			}
			if _, ok := sd.Attribute(attr); ok {
				continue
			}
			return fmt.Errorf("media section %d (%s) has no a=%s", i, kind, attr)
		}
	}
	if !hasData {
		return errors.New("no m=application section for the data channel")
	}
	return nil
}
