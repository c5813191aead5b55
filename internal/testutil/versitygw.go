// Package testutil holds helpers shared by tests: a launcher for a real versitygw
// (an S3-compatible gateway that enforces SigV4) serving a temp directory.
package testutil

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// VGWOptions configure StartVersityGW. Zero values give defaults.
type VGWOptions struct {
	Access, Secret string   // root credentials (default "testaccess"/"testsecret")
	Dir            string   // served directory (default t.TempDir())
	Buckets        []string // bucket directories created before start (default none)
	// NoMeta runs `posix --nometa`: files copied into Dir are served as-is, no user
	// metadata is stored. Without it, user metadata PUT through the API is kept.
	NoMeta bool
	Region string // --region (default "us-east-1")
	// RequestLog drops --quiet: the gateway prints one line per request
	// (`HH:MM:SS | vgw | 200 | … | GET | /bucket/key | …`) into Output, for
	// tests that count origin requests.
	RequestLog bool
}

// VGW is a running versitygw process.
type VGW struct {
	S3Conn        // Endpoint "http://127.0.0.1:PORT", Addr, root credentials, Region
	Dir    string // the served directory: one subdirectory a bucket

	*process
}

// VersityGWPath returns the versitygw binary from PATH or $GOPATH/bin, or "".
func VersityGWPath() string { return GoToolPath("versitygw") }

// StartVersityGW starts versitygw on a free 127.0.0.1 port and waits until it answers
// HTTP. It skips the test when the binary is missing, unless CI=true (then it fails).
// The process is stopped at t.Cleanup (Stop may be called earlier, e.g. to simulate an
// outage).
func StartVersityGW(t testing.TB, opts VGWOptions) *VGW {
	t.Helper()
	bin := VersityGWPath()
	if bin == "" {
		Unavailable(t, "versitygw binary not found in PATH or $GOPATH/bin (make deps, or go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)")
	}
	g := &VGW{S3Conn: S3Conn{Kind: KindVersityGW, Access: opts.Access, Secret: opts.Secret, Region: opts.Region},
		Dir: opts.Dir}
	if g.Access == "" {
		g.Access = "testaccess"
	}
	if g.Secret == "" {
		g.Secret = "testsecret"
	}
	if g.Region == "" {
		g.Region = "us-east-1"
	}
	if g.Dir == "" {
		g.Dir = t.TempDir()
	}
	for _, b := range opts.Buckets {
		if err := os.MkdirAll(filepath.Join(g.Dir, b), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	g.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(FreePort(t)))
	g.Endpoint = "http://" + g.Addr
	args := []string{"--access", g.Access, "--secret", g.Secret, "--port", g.Addr, "--region", g.Region, "posix"}
	if !opts.RequestLog {
		args = append([]string{"--quiet"}, args...)
	}
	if opts.NoMeta {
		args = append(args, "--nometa")
	}
	args = append(args, g.Dir)
	g.process = startProcess(t, "versitygw", exec.Command(bin, args...))

	deadline := time.Now().Add(15 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-g.waitCh:
			t.Fatalf("versitygw exited early: %s", g.Output())
		default:
		}
		if resp, err := client.Get(g.Endpoint + "/"); err == nil {
			resp.Body.Close()
			client.CloseIdleConnections()
			return g // any HTTP answer (403 for an unsigned request) means it is up
		}
		if time.Now().After(deadline) {
			g.Stop()
			t.Fatalf("versitygw did not answer on %s within 15s: %s", g.Addr, g.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WriteFile copies data straight into Dir/bucket/key (no ETag, Content-Type text/plain
// when served; use the S3 API to PUT objects that need those or user metadata).
func (g *VGW) WriteFile(t testing.TB, bucket, key string, data []byte) {
	t.Helper()
	p := filepath.Join(g.Dir, bucket, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Conn returns the gateway's address and root credentials.
func (g *VGW) Conn() S3Conn { return g.S3Conn }

// CreateBucket makes a bucket directory (the posix backend's buckets are directories).
func (g *VGW) CreateBucket(t testing.TB, bucket string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(g.Dir, bucket), 0o755); err != nil {
		t.Fatal(err)
	}
}

// PutObject uploads data to bucket/key through the S3 API (the AWS SDK, an
// independent client), so the gateway stores its Content-Type and user
// metadata (meta keys without the x-amz-meta- prefix). The gateway must run
// without NoMeta for the metadata to be kept.
func (g *VGW) PutObject(t testing.TB, bucket, key string, data []byte, contentType string, meta map[string]string) {
	t.Helper()
	g.S3Conn.putObject(t, bucket, key, data, contentType, meta, g.Output)
}
