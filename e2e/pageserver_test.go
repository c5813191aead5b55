package e2e

import (
	"path/filepath"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// playerPackages are the npm packages whose dist/ the player pages load (pinned in package.json).
var playerPackages = []string{"hls.js", "shaka-player", "video.js"}

// startPageServer serves the web player pages (e2e/players/*.html) and the players' dist/ files
// (/node_modules/<package>/dist/…) over HTTPS on 127.0.0.1 for whatever host name the browser
// used, so one server is every page origin: https://www.example.com:PORT (same site as
// media.example.com), https://player.example.net:PORT (another site). Its certificate is
// httptest's (testutil.StartPageServer). It returns the port.
func startPageServer(t *testing.T) int {
	t.Helper()
	return testutil.StartPageServer(t, filepath.Join(testutil.RepoRoot(t), "e2e", "players"), playerPackages...)
}
