package tail

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/callrec/callrec/eventlog"
)

// validStream is what a recorder sends for a call of n notes that closes.
func validStream(t testing.TB, n int) []byte {
	b := appendHello(nil, hello{version: Version})
	meta, err := jsonMeta(eventlog.CallMeta{ID: "c1", FormatVersion: eventlog.FormatVersion})
	if err != nil {
		t.Fatal(err)
	}
	b = appendFrame(b, frameMeta, func(b []byte) []byte { return append(b, meta...) })
	var evs [][]byte
	for i := 1; i <= n; i++ {
		data, err := eventlog.EncodeEvent(note(i))
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, data)
	}
	b, err = appendEvents(b, time.Now(), 1, evs)
	if err != nil {
		t.Fatal(err)
	}
	return appendText(b, frameDone, doneClosed, "the call closed")
}

// fakeRecorder serves one connection with the bytes of stream, on the
// socket of a log path in a fresh directory, and returns that path.
func fakeRecorder(t *testing.T, stream []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fake.db")
	sock, _ := SocketPath(path)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = readFrame(c, maxHello)
		_, _ = c.Write(stream)
	}()
	return path
}

// A hostile or broken recorder gets a named error, never a panic or a
// hang.
func TestHostileRecorder(t *testing.T) {
	good := validStream(t, 3)
	doneLen := len(appendText(nil, frameDone, doneClosed, "the call closed"))
	cases := []struct {
		name   string
		stream []byte
		at     bool // the error comes after Follow returned
		want   error
	}{
		{"valid", good, true, nil},
		{"nothing", nil, false, ErrGone},
		{"not a recorder", []byte("HTTP/1.1 200 OK\r\n\r\n"), false, ErrProtocol},
		{"huge frame", []byte{0xff, 0xff, 0xff, 0xff, 'M'}, false, ErrProtocol},
		{"other version", appendHello(nil, hello{version: 9}), false, ErrVersion},
		{"cut in a frame", good[:len(good)-3], true, ErrProtocol},
		{"cut between frames", good[:len(good)-doneLen], true, ErrGone},
		{"refusal", appendText(appendHello(nil, hello{version: Version}), frameError, 0, "no \x1b[31m call"), false, ErrRefused},
		{"events first", func() []byte {
			b := appendHello(nil, hello{version: Version})
			b, _ = appendEvents(b, time.Time{}, 1, [][]byte{{1}})
			return b
		}(), false, ErrProtocol},
		{"gap", func() []byte {
			b := append([]byte(nil), good[:len(good)-doneLen]...)
			data, _ := eventlog.EncodeEvent(note(5))
			b, _ = appendEvents(b, time.Time{}, 5, [][]byte{data})
			return b
		}(), true, ErrProtocol},
		{"garbage event", func() []byte {
			b := append([]byte(nil), good[:len(good)-doneLen]...)
			b, _ = appendEvents(b, time.Time{}, 4, [][]byte{{9, 9, 9}})
			return b
		}(), true, ErrProtocol},
		{"wrong start", func() []byte {
			b := appendHello(nil, hello{version: Version})
			meta, _ := jsonMeta(eventlog.CallMeta{ID: "c1"})
			b = appendFrame(b, frameMeta, func(b []byte) []byte { return append(b, meta...) })
			data, _ := eventlog.EncodeEvent(note(1))
			b, _ = appendEvents(b, time.Time{}, 7, [][]byte{data})
			return b
		}(), true, ErrProtocol},
		{"unknown frame", append(append([]byte(nil), good[:len(good)-20]...), 0, 0, 0, 1, 'Z'), true, ErrProtocol},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := fakeRecorder(t, c.stream)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			f, err := Follow(ctx, path, "", &Options{Timeout: 2 * time.Second})
			if !c.at {
				if !errors.Is(err, c.want) {
					t.Fatalf("Follow: %v, want %v", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			select {
			case <-f.Done():
			case <-ctx.Done():
				t.Fatal("the follower hangs")
			}
			if got := f.Err(); c.want == nil && got != nil || c.want != nil && !errors.Is(got, c.want) {
				t.Fatalf("Err %v, want %v", got, c.want)
			}
		})
	}
}

// The frame reader bounds what it allocates by the limit it is given.
func TestReadFrameBound(t *testing.T) {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, maxHello+1)
	b = append(b, make([]byte, maxHello+1)...)
	if _, err := readFrame(bytes.NewReader(b), maxHello); !errors.Is(err, ErrProtocol) {
		t.Fatalf("%v", err)
	}
}

// FuzzFollow feeds a follower what a recorder might send after the Hello
// and the metadata: it must end with nil or a named error, never panic.
func FuzzFollow(f *testing.F) {
	good := validStream(f, 5)
	helloLen := len(appendHello(nil, hello{version: Version}))
	f.Add(good[helloLen:])
	f.Add(good[helloLen : len(good)-4])
	f.Add([]byte{0, 0, 0, 1, 'D'})
	f.Add(appendText(nil, frameDone, 'q', "?"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fl := &Follower{max: 1 << 20, changed: make(chan struct{}), done: make(chan struct{})}
		err := fl.consume(bytes.NewReader(data))
		if err != nil && !isNamed(err) {
			t.Fatalf("unnamed error %v", err)
		}
		sc := fl.Scan(1)
		for _, ok := sc.Next(); ok; _, ok = sc.Next() {
		}
		if sc.Err() != nil {
			t.Fatalf("an accepted event does not decode: %v", sc.Err())
		}
	})
}

// FuzzFrames feeds the frame reader and every body parser arbitrary bytes.
func FuzzFrames(f *testing.F) {
	f.Add(validStream(f, 2))
	f.Add(appendHello(nil, hello{version: 1, call: "x"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			fr, err := readFrame(r, MaxFrame)
			if err != nil {
				if !isNamed(err) && err != io.EOF {
					t.Fatalf("unnamed error %v", err)
				}
				return
			}
			for _, err := range []error{errOf(parseHello(fr)), errOf(parseEvents(fr)), errOf3(parseText(fr, "Done"))} {
				if err != nil && !isNamed(err) {
					t.Fatalf("unnamed error %v", err)
				}
			}
		}
	})
}

func errOf[T any](_ T, err error) error          { return err }
func errOf3[A, B any](_ A, _ B, err error) error { return err }

func isNamed(err error) bool {
	for _, s := range []error{ErrProtocol, ErrGone, ErrStopped, ErrRefused, ErrTooLarge, ErrVersion, eventlog.ErrNewerVersion} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
