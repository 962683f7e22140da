package econn

import (
	stdjson "encoding/json"
	"os"
	"testing"
)

func readSeedSetup(b *testing.B) []byte {
	data, err := os.ReadFile("testdata/seed_setup.json")
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkDecodeSeedSetup(b *testing.B) {
	data := readSeedSetup(b)
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
