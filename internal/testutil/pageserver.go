package testutil

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// StartPageServer serves the pages a browser test opens: the files of pagesDir at /, and the
// dist/ files of the npm packages named (e2e/node_modules/<package>/dist/…) under
// /node_modules/; anything else below /node_modules/ is a 404, /favicon.ico a 204. It listens
// over HTTPS on 127.0.0.1 with httptest's certificate (the browser runs with
// --ignore-certificate-errors) and answers for whatever host name the browser used, so one
// server can be several page origins. It stops at t.Cleanup and returns its port.
func StartPageServer(t testing.TB, pagesDir string, packages ...string) int {
	t.Helper()
	modules := http.StripPrefix("/node_modules/", http.FileServer(http.Dir(filepath.Join(RepoRoot(t), "e2e", "node_modules"))))
	pages := http.FileServer(http.Dir(pagesDir))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/favicon.ico":
			w.WriteHeader(http.StatusNoContent)
		case strings.HasPrefix(r.URL.Path, "/node_modules/"):
			rest := strings.TrimPrefix(r.URL.Path, "/node_modules/")
			for _, pkg := range packages {
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
