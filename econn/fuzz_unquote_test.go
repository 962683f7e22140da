package econn

import (
	"maps"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// FuzzUnquoteScanned is a differential test of Decode's own unescaping of
// strings against the JSON library's: for every valid JSON string (the
// fuzzer writes what goes between the quotes), both give the same text.
func FuzzUnquoteScanned(f *testing.F) {
	for _, s := range []string{
		``, `plain`, `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n`, `a\/b\\c\"d\be\ff\tg`,
		`\u00e9t\u00E9 \ud83d\ude00`, `é\u0000\n`, `\\u0041`, `trailing\\`, `ends in \n`,
	} {
		f.Add(s)
	}
	var setup struct {
		SDP jsontext.Value `json:"sdp"`
	}
	if err := json.Unmarshal(readSetup3K(f), &setup); err != nil {
		f.Fatal(err)
	}
	f.Add(string(setup.SDP[1 : len(setup.SDP)-1])) // escaped as on the wire
	f.Fuzz(func(t *testing.T, inner string) {
		raw := []byte(`"` + inner + `"`)
		if !jsontext.Value(raw).IsValid() {
			return // the scanner rejects it before any unescaping
		}
		want, err := jsontext.AppendUnquote(nil, raw)
		if err != nil {
			t.Fatalf("library fails on a valid string %s: %v", raw, err)
		}
		got, err := unquoteScanned(raw)
		if err != nil || got != string(want) {
			t.Fatalf("unquoteScanned(%s) = %q, %v; the library gives %q", raw, got, err, want)
		}
	})
}

// FuzzDecodeProps compares Decode's reading of props with json.Unmarshal's
// into a Props: for every valid JSON object, the same props, or an error
// from both, the same one.
func FuzzDecodeProps(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"videosend":"true","screensend":"false","audiocbr":"false"}`,
		`{"muted":"true","x\u0041":"\"paused\"","":""}`, `{"a":1}`, `{"a":null,"b":"c"}`,
		`{"a":{"b":"c"}}`, `{"a":["b"]}`, `{"é":"\/\\\r\n"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, obj string) {
		raw := []byte(obj)
		if !jsontext.Value(raw).IsValid() || raw[0] != '{' || raw[len(raw)-1] != '}' {
			return // not an object as the scanner hands one over
		}
		want := Props{}
		wantErr := json.Unmarshal(raw, &want)
		var got Props
		err := decodeProps(&got, raw)
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Fatalf("decodeProps(%s): error %v; json.Unmarshal: %v", raw, err, wantErr)
		}
		if err == nil && !maps.Equal(got, want) {
			t.Fatalf("decodeProps(%s) = %v; json.Unmarshal gives %v", raw, got, want)
		}
	})
}
