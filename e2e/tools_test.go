package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// requireCaddy returns bin/caddy, which `make build` writes.
func requireCaddy(t testing.TB) string {
	t.Helper()
	p := filepath.Join(testutil.RepoRoot(t), "bin", "caddy")
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() {
		testutil.Unavailable(t, "bin/caddy not found: run `make build` first")
	}
	if newer := newerSource(testutil.RepoRoot(t), fi.ModTime()); newer != "" {
		t.Logf("note: %s is newer than bin/caddy; run `make build` to test the current sources", newer)
	}
	return p
}

// newerSource returns a module Go source file modified after t, or "".
func newerSource(root string, t time.Time) string {
	var found string
	for _, dir := range []string{"caddyauth", "hlsproxy", "hlsplayer", "cmd"} {
		_ = filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || found != "" {
				return fs.SkipAll
			}
			if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			if info, err := d.Info(); err == nil && info.ModTime().After(t) {
				found, _ = filepath.Rel(root, p)
			}
			return nil
		})
	}
	return found
}

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
