package econn

import (
	stdjson "encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

func readSeedSetup(b *testing.B) []byte {
	data, err := os.ReadFile("testdata/seed_setup.json")
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkDecodeSeedSetup(b *testing.B) { benchmarkDecode(b, readSeedSetup(b)) }

// benchmarkDecode decodes data, a message, in every iteration.
func benchmarkDecode(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data, 2, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeSeedSetup(b *testing.B) {
	m, err := Decode(readSeedSetup(b), 2, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeSeedSetupEncodingJSON is the baseline the codec is
// measured against: encoding/json unmarshalling the same message into a
// struct, without any of the codec's checks.
func BenchmarkDecodeSeedSetupEncodingJSON(b *testing.B) {
	data := readSeedSetup(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var w struct {
			Version string            `json:"version"`
			Type    string            `json:"type"`
			SessID  string            `json:"sessid"`
			Resp    *bool             `json:"resp"`
			SDP     *string           `json:"sdp"`
			Props   map[string]string `json:"props"`
		}
		if err := stdjson.Unmarshal(data, &w); err != nil {
			b.Fatal(err)
		}
	}
}

// setup3K is a SETUP of 3,094 bytes as an AVS client sends one: the
// seed's message with the ICE credentials and candidates (host, IPv6,
// TCP, server-reflexive, relayed) its SDP lacks and three props. The seed
// itself is 2,226 bytes.
const setup3K = "testdata/setup_3k.json"

func readSetup3K(tb testing.TB) []byte {
	data, err := os.ReadFile(setup3K)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// TestSetup3K: the benchmark's SETUP is what its name says, and decodes.
func TestSetup3K(t *testing.T) {
	data := readSetup3K(t)
	if n := len(data); n < 3000 || n > 3200 {
		t.Fatalf("%s has %d bytes, want about 3 KB", setup3K, n)
	}
	m, err := Decode(data, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != MsgSetup || len(m.SDP) < 2500 || strings.Count(m.SDP, "a=candidate:") != 6 || len(m.Props) != 3 {
		t.Fatalf("decoded %v with a %d-byte SDP and props %v", m.Type, len(m.SDP), m.Props)
	}
}

// BenchmarkDecodeSetup3K decodes the 3 KB SETUP. Target: under 10 µs.
func BenchmarkDecodeSetup3K(b *testing.B) { benchmarkDecode(b, readSetup3K(b)) }

// BenchmarkDecodeSetup3KEncodingJSON is the baseline on the same bytes.
func BenchmarkDecodeSetup3KEncodingJSON(b *testing.B) {
	data := readSetup3K(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := decodeStdJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}

// decodeStdJSON is the baseline: encoding/json unmarshalling a message
// into a struct, without any of the codec's checks.
func decodeStdJSON(data []byte) error {
	var w struct {
		Version string            `json:"version"`
		Type    string            `json:"type"`
		SessID  string            `json:"sessid"`
		Resp    *bool             `json:"resp"`
		SDP     *string           `json:"sdp"`
		Props   map[string]string `json:"props"`
	}
	return stdjson.Unmarshal(data, &w)
}

// BenchmarkUnquoteSDP unescapes the 3 KB SETUP's SDP, as it is on the wire,
// with Decode's own unescaping and with the JSON library's.
func BenchmarkUnquoteSDP(b *testing.B) {
	var setup struct {
		SDP jsontext.Value `json:"sdp"`
	}
	if err := json.Unmarshal(readSetup3K(b), &setup); err != nil {
		b.Fatal(err)
	}
	raw := []byte(setup.SDP)
	b.Run("scanned", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			if _, err := unquoteScanned(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("library", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			if _, err := unquoteLibrary(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
