package eventlog

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestCallsInParts: a read-only log of thousands of calls is listed in
// parts side by side (listParts); the listing, and the error of a
// damaged call with the calls before it, are those of the one-transaction
// listing of the same file opened for writing.
func TestCallsInParts(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	const calls = 3*minCallsPerPart + 7
	path := filepath.Join(t.TempDir(), "many.log")
	l, err := Open(path, 0o600, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range calls {
		w, err := l.CreateCall(CallMeta{Source: "test", Endpoints: []Endpoint{{"u", fmt.Sprint(i % 7)}}})
		if err != nil {
			t.Fatal(err)
		}
		appendN(t, w, 1, uint64(1+i%3))
		if i%5 != 0 { // some calls never closed: no stored outcome
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	list := func(readOnly bool) ([]CallInfo, error) {
		t.Helper()
		l, err := Open(path, 0o600, &Options{ReadOnly: readOnly, NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if parts := l.listParts(calls); readOnly != (parts > 1) {
			t.Fatalf("read-only %v: %d parts", readOnly, parts)
		}
		return l.Calls()
	}
	inParts, err := list(true)
	if err != nil || len(inParts) != calls {
		t.Fatalf("in parts: %d calls, %v", len(inParts), err)
	}
	inOne, err := list(false)
	if err != nil || !reflect.DeepEqual(inParts, inOne) {
		t.Fatalf("listings differ (%v)", err)
	}

	// Damage the meta of a call in the third part.
	const bad = 2*minCallsPerPart + 100
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		recs := tx.Bucket(bucketCalls3).Bucket(keyRecords3)
		num := tx.Bucket(bucketCalls3).Get(idKey(inOne[bad].Meta.ID))
		return recs.Put(recKey(binary.BigEndian.Uint32(num), tagMeta), []byte{0xff, 1, 2})
	})
	if cerr := db.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}
	inParts, errParts := list(true)
	inOne, errOne := list(false)
	if errParts == nil || errOne == nil || errParts.Error() != errOne.Error() {
		t.Fatalf("errors: in parts %v, in one %v", errParts, errOne)
	}
	if len(inParts) != bad || !reflect.DeepEqual(inParts, inOne) {
		t.Fatalf("before the damaged call: %d calls in parts, %d in one, want %d", len(inParts), len(inOne), bad)
	}
}
