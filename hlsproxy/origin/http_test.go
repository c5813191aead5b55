package origin

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fileOrigin serves dir through http.FileServer (which implements Range and conditionals)
// behind a check of the DAM's auth header; it returns the origin and the last request.
func fileOrigin(t *testing.T, files map[string][]byte) (Origin, *httptest.Server, func() *http.Request) {
	t.Helper()
	dir := t.TempDir()
	modTime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for name, data := range files {
		p := filepath.Join(dir, "media", filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, modTime, modTime)
	}
	fs := http.FileServer(http.Dir(dir))
	var last *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		last = r.Clone(context.Background())
		switch {
		case r.Header.Get("Authorization") == "":
			http.Error(w, "who are you", http.StatusUnauthorized)
		case r.Header.Get("Authorization") != "Bearer dam-secret":
			http.Error(w, "secret body: forbidden", http.StatusForbidden)
		case strings.HasSuffix(r.URL.Path, "/boom.ts"):
			http.Error(w, "broken", http.StatusBadGateway)
		default:
			fs.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	o, err := NewHTTP(HTTPConfig{BaseURL: srv.URL + "/media/", Header: hdr("Authorization", "Bearer dam-secret"),
		MetadataHeaders: []string{"x-tokenize"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o, srv, func() *http.Request { return last }
}

func TestHTTPOriginFetch(t *testing.T) {
	data := pattern(5000)
	o, _, last := fileOrigin(t, map[string][]byte{"a b/ü+~.ts": data})
	lastMod := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).Format(http.TimeFormat)
	tests := []struct {
		name   string
		req    Request
		status int
		body   []byte
	}{
		{"GET", Request{}, 200, data},
		{"HEAD", Request{Method: http.MethodHead}, 200, nil},
		{"Range", Request{Header: hdr("Range", "bytes=100-199")}, 206, data[100:200]},
		{"If-Modified-Since is 304", Request{Header: hdr("If-Modified-Since", lastMod)}, 304, nil},
		{"If-Unmodified-Since in the past is 412", Request{Header: hdr("If-Unmodified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")}, 412, []byte{}},
		{"unsatisfiable Range is 416", Request{Header: hdr("Range", "bytes=9000-")}, 416, []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Key = "a b/ü+~.ts"
			resp, body, err := fetchAll(t, o, &tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if len(tt.body) > 0 && !bytes.Equal(body, tt.body) {
				t.Errorf("got %d bytes, want %d exact bytes", len(body), len(tt.body))
			}
			if tt.body == nil && resp.Body != nil {
				t.Errorf("Body not nil")
			}
			if got := last().RequestURI; got != "/media/a%20b/%C3%BC%2B~.ts" {
				t.Errorf("request URI %q", got)
			}
		})
	}
}

func TestHTTPOriginFailuresMapToKinds(t *testing.T) {
	o, srv, _ := fileOrigin(t, map[string][]byte{"x.ts": []byte("x")})
	noAuth, err := NewHTTP(HTTPConfig{BaseURL: srv.URL + "/media"})
	if err != nil {
		t.Fatal(err)
	}
	defer noAuth.Close()
	wrongAuth, err := NewHTTP(HTTPConfig{BaseURL: srv.URL + "/media", Header: hdr("Authorization", "Bearer nope")})
	if err != nil {
		t.Fatal(err)
	}
	defer wrongAuth.Close()
	tests := []struct {
		name   string
		o      Origin
		key    string
		kind   Kind
		status int
	}{
		{"missing object", o, "nope.ts", NotFound, 404},
		{"401 is denied", noAuth, "x.ts", Denied, 401},
		{"403 is denied", wrongAuth, "x.ts", Denied, 403},
		{"5xx is unavailable", o, "boom.ts", Unavailable, 502},
		{"dot-dot cannot climb out of the base path", o, "../media/x.ts", Invalid, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := fetchAll(t, tt.o, &Request{Key: tt.key})
			oe := mustKind(t, err, tt.kind)
			if oe.Status != tt.status {
				t.Errorf("status %d, want %d", oe.Status, tt.status)
			}
			if strings.Contains(err.Error(), "secret body") || strings.Contains(err.Error(), "dam-secret") {
				t.Errorf("error leaks body or credentials: %v", err)
			}
		})
	}
}

func TestHTTPOriginNameAndPrefixesHideCredentials(t *testing.T) {
	var gotAuth, gotQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotQuery = r.Header.Get("Authorization"), r.URL.RawQuery
		w.Header().Set("X-Tokenize", "1")
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	base := strings.Replace(srv.URL, "http://", "http://user:pa55@", 1) + "/Media%20Lib/?apikey=k3y"
	o, err := NewHTTP(HTTPConfig{BaseURL: base, MetadataHeaders: []string{"x-tokenize"}})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	resp, _, err := fetchAll(t, o, &Request{Key: "x.ts"})
	if err != nil {
		t.Fatal(err)
	}
	if gotAuth != "Basic dXNlcjpwYTU1" || gotQuery != "apikey=k3y" {
		t.Errorf("basic auth %q query %q not sent", gotAuth, gotQuery)
	}
	if resp.Header.Get("X-Tokenize") != "1" {
		t.Errorf("configured metadata header missing: %v", resp.Header)
	}
	wantName := srv.URL + "/Media%20Lib"
	if o.Name() != wantName {
		t.Errorf("Name() = %q, want %q", o.Name(), wantName)
	}
	if p := o.URLPrefixes(); len(p) != 1 || p[0] != srv.URL+"/Media%20Lib/" {
		t.Errorf("URLPrefixes() = %q", p)
	}
	if k, ok := KeyFromURL(o, srv.URL+"/Media%20Lib/a/b%20c.ts?x=1"); !ok || k != "a/b c.ts" {
		t.Errorf("KeyFromURL = %q, %v", k, ok)
	}
}

func TestHTTPOriginReusesConnections(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(pattern(100_000))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	o, err := NewHTTP(HTTPConfig{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for i := 0; i < 5; i++ {
		if _, body, err := fetchAll(t, o, &Request{Key: "x.ts"}); err != nil || len(body) != 100_000 {
			t.Fatalf("fetch %d: %v, %d bytes", i, err, len(body))
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 5 sequential fetches, want 1 (keep-alive)", n)
	}
}
