package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// sampleStreams are the committed sample streams a realized configuration's origins hold.
var sampleStreams = []string{"clear", "aes"}

// seedSample copies the sample streams into a versitygw bucket under prefix, once.
func seedSample(t *testing.T, vgw *testutil.VGW, seed s3Seed, done map[s3Seed]bool) {
	t.Helper()
	if done[seed] {
		return
	}
	done[seed] = true
	root := filepath.Join(testutil.RepoRoot(t), "testdata", "sample")
	for _, stream := range sampleStreams {
		dst := filepath.Join(vgw.Dir, seed.Bucket, filepath.FromSlash(seed.Prefix), stream)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(dst, os.DirFS(filepath.Join(root, stream))); err != nil {
			t.Fatalf("seeding s3://%s/%s: %v", seed.Bucket, seed.Prefix, err)
		}
	}
}

// httpOrigin stands in for an http(s):// origin (a DAM's delivery URL): plain HTTP on
// 127.0.0.1 serving the sample streams under every path prefix it was given.
type httpOrigin struct {
	URL string

	mu       sync.Mutex
	prefixes map[string]bool
}

func startHTTPOrigin(t *testing.T) *httpOrigin {
	t.Helper()
	o := &httpOrigin{prefixes: map[string]bool{}}
	files := http.FileServer(http.Dir(filepath.Join(testutil.RepoRoot(t), "testdata", "sample")))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		defer o.mu.Unlock()
		for p := range o.prefixes {
			if rest, ok := strings.CutPrefix(r.URL.Path, p+"/"); ok {
				http.StripPrefix(r.URL.Path[:len(r.URL.Path)-len(rest)-1], files).ServeHTTP(w, r)
				return
			}
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	o.URL = srv.URL
	return o
}

// serve makes the origin answer under a path prefix ("/media").
func (o *httpOrigin) serve(prefix string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.prefixes[strings.TrimSuffix(prefix, "/")] = true
}
