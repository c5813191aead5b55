package e2e

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// requireTool returns the path of an external program or skips (fails in CI) without it.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testutil.Unavailable(t, "%s not found in PATH (apt-get install %s)", name, name)
	}
	return p
}

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

// requireChromium returns the Chromium binary ($CHROMIUM, else /usr/bin/chromium).
func requireChromium(t testing.TB) string {
	t.Helper()
	p := os.Getenv("CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		testutil.Unavailable(t, "chromium not found at %s (apt-get install chromium, or set CHROMIUM)", p)
	}
	return p
}

// requireNodeModules checks that `npm ci` ran in e2e/ (puppeteer-core, hls.js and
// akamai-edgeauth).
func requireNodeModules(t testing.TB) {
	t.Helper()
	requireTool(t, "node")
	root := testutil.RepoRoot(t)
	for _, f := range []string{
		"e2e/node_modules/puppeteer-core/package.json",
		"e2e/node_modules/hls.js/dist/hls.min.js",
		"e2e/node_modules/akamai-edgeauth/package.json",
	} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			testutil.Unavailable(t, "%s missing: run `npm ci` in e2e/", f)
		}
	}
}

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
