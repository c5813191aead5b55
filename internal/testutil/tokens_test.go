package testutil

import (
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

const testKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func TestMintTokenIsGenerate(t *testing.T) {
	o := edgetoken.Options{ACLs: []string{"/hls/a/*", "/keys/a/*"}, Start: 1700000000, Window: time.Minute}
	got := MintToken(t, testKey, o)
	k, err := edgetoken.ParseKey(testKey)
	if err != nil {
		t.Fatal(err)
	}
	o.Key = k
	want, err := edgetoken.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("MintToken = %q, Generate = %q", got, want)
	}
}

// SignToken signs as Generate does: a body Generate could make gets the
// very token Generate makes; any other body is signed all the same.
func TestSignTokenSignsAsGenerate(t *testing.T) {
	tok := MintToken(t, testKey, edgetoken.Options{ACLs: []string{"/hls/*"}, Start: 1700000000, Window: time.Minute})
	body, _, ok := strings.Cut(tok, "~hmac=")
	if !ok {
		t.Fatalf("no hmac in %q", tok)
	}
	if got := SignToken(t, testKey, body); got != tok {
		t.Errorf("SignToken(%q) = %q, want %q", body, got, tok)
	}
	odd := "exp=1~exp=2~acl=/a/*%00/../b/*"
	got := SignToken(t, testKey, odd)
	if !strings.HasPrefix(got, odd+"~hmac=") || len(got) != len(odd)+len("~hmac=")+64 {
		t.Errorf("SignToken(%q) = %q, want the body and a 64-digit hmac", odd, got)
	}
	if got == SignToken(t, testKey[2:]+"20", odd) {
		t.Error("two keys sign alike")
	}
}

func TestRandomBytes(t *testing.T) {
	a, b := RandomBytes(t, 32), RandomBytes(t, 32)
	if len(a) != 32 || len(b) != 32 || string(a) == string(b) {
		t.Errorf("RandomBytes: %x, %x", a, b)
	}
	if h := RandomHex(t, 16); len(h) != 32 {
		t.Errorf("RandomHex(16) = %q", h)
	}
}
