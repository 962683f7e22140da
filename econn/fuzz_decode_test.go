package econn

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// addWireSeeds seeds a fuzzer of the wire codec with every sample
// message encoded and the seed SETUP.
func addWireSeeds(f *testing.F) {
	for _, m := range sampleMessages() {
		b, err := m.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seed, err := os.ReadFile("testdata/seed_setup.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
}

// FuzzDecode checks that Decode never panics, fails only with the codec's
// sentinel errors, and that whatever it accepts re-encodes to bytes that
// decode to an Equal message and re-encode identically.
func FuzzDecode(f *testing.F) {
	addWireSeeds(f)
	f.Add([]byte(`{"version":"3.0","type":"CONFCONN","sessid":"s","resp":false,"vstreams":-99999999999999999999}`))
	f.Add([]byte(`{"version":"3.0","type":"setup","sessid":"s","resp":false,"sdp":"v=0","props":{}}`))
	f.Add([]byte(`{"version":"3.0","type":"Devpair_Accept","sessid":"s","resp":true,"sdp":""}`))
	f.Add([]byte(`{"v\u0065rsion":"3.0","type":"CONFKEY","sessid":"","resp":true,"keys":[{"idx":0,"data":"AA"}]}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data, 1000, 500)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) && !errors.Is(err, ErrVersion) &&
				!errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Decode error wraps no codec sentinel: %v", err)
			}
			return
		}
		enc, err := m.Encode()
		if err != nil {
			t.Fatalf("decoded message does not encode: %v\n%+v", err, m)
		}
		m2, err := Decode(enc, 1000, 500)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v\n%s", err, enc)
		}
		if !m2.Equal(m) {
			t.Fatalf("round trip differs:\n%+v\n%+v\n%s", m, m2, enc)
		}
		enc2, err := m2.Encode()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable (%v):\n%s\n%s", err, enc, enc2)
		}
	})
}
