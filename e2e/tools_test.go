package e2e

import (
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// e2eModules are the e2e/node_modules files (besides testutil.BrowserModules) every e2e
// browser test checks for: Akamai's EdgeAuth SDK too.
var e2eModules = []string{"akamai-edgeauth/package.json"}

// mintToken makes an ACL token with the edgetoken package, valid from now for window.
func mintToken(t testing.TB, keyHex string, window time.Duration, acls ...string) string {
	t.Helper()
	return testutil.MintToken(t, keyHex, edgetoken.Options{ACLs: acls, Window: window})
}

// mintExpiredToken makes a token that expired a minute ago (beyond any clock skew).
func mintExpiredToken(t testing.TB, keyHex string, acls ...string) string {
	t.Helper()
	now := time.Now().Unix()
	return testutil.MintToken(t, keyHex, edgetoken.Options{ACLs: acls, Start: now - 360, Expires: now - 60})
}
