package segcrypt

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var signSecret = []byte("0123456789abcdef-sign-secret")

func sampleContexts() []Context {
	return []Context{
		{},
		{Mode: "decrypt", Asset: "hls/a", KeyRef: "s3://b/keys/a.key", IV: "0x00000000000000000000000000000001", Seq: 42},
		{Mode: "encrypt", Asset: "ünï/κ", Seq: 1<<63 + 5, Expires: 1700000000},
		{Mode: "reencrypt", Asset: "x", KeyRef: "k", Expires: -5, Extra: map[string]string{"b": "2", "a": "1", "": "empty-key", "z": ""}},
		{Asset: strings.Repeat("long/", 200)},
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	for _, c := range sampleContexts() {
		s := Seal(signSecret, c)
		for _, ch := range s {
			if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", ch) {
				t.Fatalf("sealed string %q is not URL-safe (%q)", s, ch)
			}
		}
		got, err := Open(signSecret, s)
		if err != nil {
			t.Fatalf("Open(Seal(%+v)): %v", c, err)
		}
		if len(c.Extra) == 0 {
			c.Extra = nil
		}
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("Open(Seal(c)) = %+v, want %+v", got, c)
		}
	}
}

func TestSealIsDeterministicAndCanonical(t *testing.T) {
	a := Context{Asset: "x", Extra: map[string]string{"k1": "v1", "k2": "v2", "k3": "v3"}}
	b := Context{Asset: "x", Extra: map[string]string{"k3": "v3", "k2": "v2", "k1": "v1"}}
	if Seal(signSecret, a) != Seal(signSecret, b) {
		t.Fatal("equal contexts sealed differently")
	}
	if Seal(signSecret, Context{Asset: "x"}) != Seal(signSecret, Context{Asset: "x", Extra: map[string]string{}}) {
		t.Fatal("nil and empty Extra sealed differently")
	}
	// Field boundaries are unambiguous.
	if Seal(signSecret, Context{Mode: "ab", Asset: "c"}) == Seal(signSecret, Context{Mode: "a", Asset: "bc"}) {
		t.Fatal("field boundaries are ambiguous")
	}
}

func TestOpenRejectsEveryTamperedCharacter(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for _, c := range sampleContexts()[:4] {
		s := Seal(signSecret, c)
		for i := 0; i < len(s); i++ {
			for _, repl := range []byte{alphabet[(strings.IndexByte(alphabet, s[i])+1)%64], alphabet[(strings.IndexByte(alphabet, s[i])+33)%64], '=', '.'} {
				tampered := s[:i] + string(repl) + s[i+1:]
				if _, err := Open(signSecret, tampered); err == nil {
					t.Fatalf("tampered char %d (%q -> %q) of %q accepted", i, s[i], repl, s)
				}
			}
		}
		for _, cut := range []string{s[:len(s)-1], s[1:], s + "A", s + s, ""} {
			if _, err := Open(signSecret, cut); err == nil {
				t.Fatalf("truncated/extended %q accepted", cut)
			}
		}
	}
}

func TestOpenRejectsOtherSecret(t *testing.T) {
	s := Seal(signSecret, sampleContexts()[1])
	for _, other := range [][]byte{nil, []byte("0123456789abcdef-sign-secreT"), signSecret[:len(signSecret)-1]} {
		if _, err := Open(other, s); !errors.Is(err, ErrBadSignature) {
			t.Errorf("secret %q: error = %v, want ErrBadSignature", other, err)
		}
	}
}

func TestOpenRejectsOversizedAndMalformedInput(t *testing.T) {
	if _, err := Open(signSecret, strings.Repeat("A", MaxSealedLen+1)); !errors.Is(err, ErrMalformedContext) {
		t.Errorf("oversized: error = %v", err)
	}
	for _, s := range []string{"", "A", "!!!!", "AAAA====", "a+b/"} {
		if _, err := Open(signSecret, s); !errors.Is(err, ErrMalformedContext) {
			t.Errorf("Open(%q) error = %v, want ErrMalformedContext", s, err)
		}
	}
	// A correctly signed but structurally bad payload is still rejected.
	for _, payload := range [][]byte{{2}, {1, 5}, {1, 0, 0, 0, 0, 0, 0, 0, 1}, {1, 0, 0, 0, 0, 0, 0, 0, 0}} {
		s := b64.EncodeToString(append(append([]byte(nil), payload...), sealMAC(signSecret, payload)...))
		if _, err := Open(signSecret, s); !errors.Is(err, ErrMalformedContext) {
			t.Errorf("payload %x: error = %v, want ErrMalformedContext", payload, err)
		}
	}
}

func TestOpenRejectsLineBreaksThatBase64WouldSkip(t *testing.T) {
	sealed := Seal(signSecret, sampleContexts()[2])
	if _, err := Open(signSecret, sealed); err != nil {
		t.Fatalf("clean context refused: %v", err)
	}
	mid := len(sealed) / 2
	for _, s := range []string{sealed + "\n", sealed + "\r\n", "\n" + sealed, sealed[:mid] + "\r" + sealed[mid:]} {
		if _, err := Open(signSecret, s); !errors.Is(err, ErrMalformedContext) {
			t.Errorf("Open(%q) error = %v, want ErrMalformedContext", s, err)
		}
	}
}

func TestContextExpired(t *testing.T) {
	now := time.Unix(1000, 0)
	for _, tt := range []struct {
		exp  int64
		want bool
	}{{0, false}, {999, true}, {1000, false}, {1001, false}} {
		if got := (Context{Expires: tt.exp}).Expired(now); got != tt.want {
			t.Errorf("Expires %d at 1000: Expired = %v", tt.exp, got)
		}
	}
}
