package e2e

import (
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

// e2eModules are the e2e/node_modules files (besides testutil.BrowserModules) every e2e
// browser test checks for: Akamai's EdgeAuth SDK too.
var e2eModules = []string{"akamai-edgeauth/package.json"}

// mintToken makes an ACL token with the edgetoken package, valid from now for window.
func mintToken(t testing.TB, keyHex string, window time.Duration, acls ...string) string {
	t.Helper()
	key, err := edgetoken.ParseKey(keyHex)
	if err != nil {
		t.Fatalf("parsing the test key: %v", err)
	}
	tok, err := edgetoken.Generate(edgetoken.Options{Key: key, ACLs: acls, Window: window})
	if err != nil {
		t.Fatalf("generating a token for %v: %v", acls, err)
	}
	return tok
}

// mintExpiredToken makes a token that expired a minute ago (beyond any clock skew).
func mintExpiredToken(t testing.TB, keyHex string, acls ...string) string {
	t.Helper()
	key, err := edgetoken.ParseKey(keyHex)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	tok, err := edgetoken.Generate(edgetoken.Options{Key: key, ACLs: acls, Start: now - 360, Expires: now - 60})
	if err != nil {
		t.Fatalf("generating an expired token: %v", err)
	}
	return tok
}
