package relay

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestParseMembers(t *testing.T) {
	a, b := newID(t, "A", "1"), newID(t, "B", "2")
	text := "# the team\n\n" + MemberLine("A", "1", a.IdentityKey()) + "\n" +
		MemberLine("B", "2", b.IdentityKey(), "c1", "c2") + "\n"
	ms, err := ParseMembers(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		conv, user, client string
		id                 Identity
		want               bool
	}{
		{"anything", "A", "1", a, true},
		{"c2", "B", "2", b, true},
		{"c3", "B", "2", b, false},
		{"c1", "B", "2", a, false}, // another key
		{"c1", "B", "1", b, false}, // another device
	} {
		if got := ms.Allows(c.conv, c.user, c.client, c.id.IdentityKey()); got != c.want {
			t.Errorf("Allows(%s, %s/%s, key of %s/%s) = %v", c.conv, c.user, c.client, c.id.User, c.id.Client, got)
		}
	}
	if ms.Len() != 2 {
		t.Errorf("Len %d", ms.Len())
	}
	var none *Members
	if none.Allows("c", "A", "1", a.IdentityKey()) || none.Len() != 0 {
		t.Error("a nil Members allows someone")
	}
}

func TestParseMembersErrors(t *testing.T) {
	key := FormatKey(newID(t, "A", "1").IdentityKey())
	for _, c := range []struct{ text, want string }{
		{"A/1 " + key, "line 1: want USER/CLIENT KEY CONV"},
		{"\nA1 " + key + " c", "line 2: device \"A1\""},
		{"A/1 bm90IGEga2V5 c", "line 1: A/1: key \"bm90IGEga2V5\""},
		{"A/1 " + key + " " + strings.Repeat("c", 300), "line 1: relay: malformed frame: conv id longer"},
	} {
		_, err := ParseMembers(strings.NewReader(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.text, err, c.want)
		}
	}
}

func TestKeyFile(t *testing.T) {
	id := newID(t, "B", "1")
	path := filepath.Join(t.TempDir(), "b1.key")
	if err := WriteKeyFile(path, id); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyFile(path, id); err == nil {
		t.Error("WriteKeyFile overwrote a file")
	}
	got, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.User != "B" || got.Client != "1" || !got.IdentityKey().Equal(id.IdentityKey()) {
		t.Errorf("loaded %s/%s %s, want B/1 %s", got.User, got.Client, Fingerprint(got.IdentityKey()), Fingerprint(id.IdentityKey()))
	}
	if _, err := LoadKeyFile(filepath.Join("testdata", "nonexistent")); err == nil {
		t.Error("a missing key file loaded")
	}
	bad := filepath.Join(t.TempDir(), "bad.key")
	if err := WriteKeyFile(bad, id); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadMembers(bad); err == nil {
		t.Error("a key file parsed as a members file")
	}
}

func TestFingerprint(t *testing.T) {
	fp := Fingerprint(newID(t, "A", "1").IdentityKey())
	if len(fp) != 24 || strings.Count(fp, " ") != 4 {
		t.Errorf("fingerprint %q: want 5 groups of 4 hex digits", fp)
	}
}
