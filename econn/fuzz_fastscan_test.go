package econn

import (
	"testing"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"
)

// FuzzFastScan is a differential test of the fast scan against the JSON
// library's: whatever the fast scan accepts, the library accepts too,
// with every known member's value at the same place, and the text it
// unescaped of a string member is the library's. (What it gives up on,
// the library decides: Decode's errors are the library's.)
func FuzzFastScan(f *testing.F) {
	addWireSeeds(f)
	f.Add(readSetup3K(f))
	for _, s := range []string{
		` {"version" : "3.0" , "type":"SETUP","sessid":"s","resp":false,"sdp":"v=0\r\n","props":{"a":"b"}} `,
		`{"a":1,"a":2}`, `{"a":{"b":1,"b":2}}`, `{"a":[1,{"b":true,"b":false}]}`, `{"a":-0.5e+3,"b":01}`,
		`{"a":"\u0041"}`, `{"\u0061":1,"a":2}`, `{"a":"é\xff"}`, `{"a":"tab	in"}`, `{"a":[]} x`, `{}`, `{`,
		`{"a":nul}`, `{"a":truex}`, `{"a":1.}`, `{"a":1e}`, `{"a":-}`, `{"a":[1,]}`, `{"a":1,}`, `[1]`, ``,
		`{"sdp":null,"type":"SETUP"}`, `{"sdp":"a\"b\\c\/d\be\ff\ng\rh\ti","sessid":"é\u00e9","url":1}`,
		`{"sessid":"0123456789abcdef\r\n0123456789é€😀abcdef"}`, `{"sessid":"x` + "\x01" + `"}`, `{"a":"\ud83d\ude00"}`, `{"a":"` + "\u2028\ufffe\U0010ffff" + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var unq unquotedMembers
		fast, ok := fastScan(data, &unq)
		if !ok {
			return
		}
		lib, err := scanMembersLibrary(data)
		if err != nil {
			t.Fatalf("fast scan accepts %q, the library says %v", data, err)
		}
		for f := range fast {
			if !sameSpan(data, fast[f], lib[f]) {
				t.Fatalf("%q: member %q is %q in the fast scan, %q in the library's", data, fields[f].name, fast[f], lib[f])
			}
			if !unq.has[f] {
				continue
			}
			want, err := jsontext.AppendUnquote(nil, lib[f])
			if err != nil || unq.text[f] != string(want) {
				t.Fatalf("%q: member %q unescaped to %q, the library gives %q (%v)", data, fields[f].name, unq.text[f], want, err)
			}
		}
	})
}

// sameSpan reports whether a and b are the same bytes of data (or both
// absent).
func sameSpan(data, a, b []byte) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return len(a) == len(b) && unsafe.SliceData(a) == unsafe.SliceData(b)
}
