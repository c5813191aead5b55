package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// BrowserModules are the e2e/node_modules files every browser driver (e2e/*.mjs) needs:
// puppeteer-core, and hls.js for the check player.
var BrowserModules = []string{"puppeteer-core/package.json", "hls.js/dist/hls.min.js"}

// Chromium returns the Chromium binary ($CHROMIUM, else /usr/bin/chromium) or skips the test
// (fails it under CI=true) without it.
func Chromium(t testing.TB) string {
	t.Helper()
	p := os.Getenv("CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		Unavailable(t, "chromium not found at %s (apt-get install chromium, or set CHROMIUM)", p)
	}
	return p
}

// NodeModules checks node and that `npm ci` ran in e2e/: each file (a path below
// e2e/node_modules) must exist, or the test is skipped (failed under CI=true).
func NodeModules(t testing.TB, files ...string) {
	t.Helper()
	RequireTool(t, "node")
	for _, f := range files {
		rel := filepath.Join("e2e", "node_modules", f)
		if _, err := os.Stat(filepath.Join(RepoRoot(t), rel)); err != nil {
			Unavailable(t, "%s missing: run `npm ci` in e2e/", rel)
		}
	}
}

// Browser checks what a browser driver needs (NodeModules of BrowserModules and of modules)
// and returns Chromium.
func Browser(t testing.TB, modules ...string) string {
	t.Helper()
	NodeModules(t, append(append([]string(nil), BrowserModules...), modules...)...)
	return Chromium(t)
}
