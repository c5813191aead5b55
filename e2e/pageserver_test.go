package e2e

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// playerPackages are the npm packages whose dist/ the player pages load (pinned in package.json).
var playerPackages = []string{"hls.js", "shaka-player", "video.js"}

// startPageServer serves the web player pages (e2e/players/*.html) and the players' dist/ files
// (/node_modules/<package>/dist/…) over HTTPS on 127.0.0.1 for whatever host name the browser
// used, so one server is every page origin: https://www.example.com:PORT (same site as
// media.example.com), https://player.example.net:PORT (another site). Its certificate is
// httptest's; Chromium runs with --ignore-certificate-errors. It returns the port.
func startPageServer(t *testing.T) int {
	t.Helper()
	e2e := filepath.Join(testutil.RepoRoot(t), "e2e")
	modules := http.StripPrefix("/node_modules/", http.FileServer(http.Dir(filepath.Join(e2e, "node_modules"))))
	pages := http.FileServer(http.Dir(filepath.Join(e2e, "players")))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/favicon.ico":
			w.WriteHeader(http.StatusNoContent)
		case strings.HasPrefix(r.URL.Path, "/node_modules/"):
			rest := strings.TrimPrefix(r.URL.Path, "/node_modules/")
			for _, pkg := range playerPackages {
				if strings.HasPrefix(rest, pkg+"/dist/") {
					modules.ServeHTTP(w, r)
					return
				}
			}
			http.NotFound(w, r)
		default:
			pages.ServeHTTP(w, r)
		}
	}))
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ := strings.Cut(srv.Listener.Addr().String(), ":")
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
