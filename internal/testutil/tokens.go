package testutil

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

// This file mints EdgeAuth tokens for tests that attack or load a gateway:
// through edgetoken.Generate (the tokens a deployment's generator makes) and
// by hand (tokens with duplicate or odd fields that Generate refuses to make).

// MintToken returns the token edgetoken.Generate makes for o, signed with the
// hex key keyHex (o.Key is set from it). A bad key or options fail t.
func MintToken(t testing.TB, keyHex string, o edgetoken.Options) string {
	t.Helper()
	k, err := edgetoken.ParseKey(keyHex)
	if err != nil {
		t.Fatalf("minting a token: %v", err)
	}
	o.Key = k
	tok, err := edgetoken.Generate(o)
	if err != nil {
		t.Fatalf("minting a token (acl %q, url %q): %v", o.ACLs, o.URL, err)
	}
	return tok
}

// SignToken returns body + "~hmac=" + hex(HMAC-SHA256(key, body)) with the hex
// key keyHex: a correctly signed token whatever its fields (duplicate exp or
// acl, milliseconds, NUL), which Generate refuses to produce.
func SignToken(t testing.TB, keyHex, body string) string {
	t.Helper()
	k, err := hex.DecodeString(keyHex)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(body))
	return body + "~hmac=" + hex.EncodeToString(m.Sum(nil))
}
