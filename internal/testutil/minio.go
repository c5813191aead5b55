package testutil

// MinIO is the second, independent S3 implementation the S3 tests run against.
//
// Licence: MinIO's server is AGPL-3.0. It is a test tool only: installed with `go install`
// into $GOPATH/bin (make deps), started here as a separate process, and never linked into,
// imported by or shipped with mediagate.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// MinIOVersion is the pseudo-version the Makefile installs (keep the two in step).
const MinIOVersion = "v0.0.0-20260212201848-7aac2a2c5b7c"

// MinIOOptions configure StartMinIO. Zero values give defaults.
type MinIOOptions struct {
	Access, Secret string   // root credentials (default "minioaccess"/"miniosecret"; MinIO wants ≥ 3 and ≥ 8 chars)
	Buckets        []string // created through the S3 API once the server is up
	Region         string   // MINIO_REGION (default "us-east-1")
	// Domain sets MINIO_DOMAIN: requests whose Host is BUCKET.Domain[:port] are
	// virtual-hosted; path-style requests keep working.
	Domain string
	// Drives > 1 runs erasure mode on that many data directories (MinIO needs 4 or
	// more for erasure coding); the default is one directory (xl-single).
	Drives int
	// RequestsMax sets MINIO_API_REQUESTS_MAX: requests beyond it are refused at once
	// with 429 TooManyRequests.
	RequestsMax int
}

// MinIO is a running MinIO server.
type MinIO struct {
	S3Conn
	Drives []string // the data directories

	*process
}

// MinIOPath returns the minio binary from PATH or $GOPATH/bin, or "".
func MinIOPath() string { return GoToolPath("minio") }

// StartMinIO starts MinIO on a free 127.0.0.1 port (its console disabled), waits until
// its liveness endpoint answers and creates opts.Buckets. It skips the test when the
// binary is missing, unless CI=true (then it fails). The process dies with the test
// process and is stopped at t.Cleanup.
func StartMinIO(t testing.TB, opts MinIOOptions) *MinIO {
	t.Helper()
	bin := MinIOPath()
	if bin == "" {
		Unavailable(t, "minio binary not found in PATH or $GOPATH/bin (make deps, or go install github.com/minio/minio@%s)", MinIOVersion)
	}
	m := &MinIO{S3Conn: S3Conn{Kind: KindMinIO, Access: opts.Access, Secret: opts.Secret, Region: opts.Region}}
	if m.Access == "" {
		m.Access = "minioaccess"
	}
	if m.Secret == "" {
		m.Secret = "miniosecret"
	}
	if m.Region == "" {
		m.Region = "us-east-1"
	}
	drives := max(opts.Drives, 1)
	root := t.TempDir()
	for i := range drives {
		m.Drives = append(m.Drives, filepath.Join(root, "d"+strconv.Itoa(i+1)))
	}
	ports := FreePorts(t, 2)
	m.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	m.Endpoint = "http://" + m.Addr
	args := append([]string{"server", "--quiet", "--address", m.Addr,
		"--console-address", net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))}, m.Drives...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+m.Access, "MINIO_ROOT_PASSWORD="+m.Secret, "MINIO_REGION="+m.Region,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=1", "MINIO_DOMAIN="+opts.Domain)
	if opts.RequestsMax > 0 {
		cmd.Env = append(cmd.Env, "MINIO_API_REQUESTS_MAX="+strconv.Itoa(opts.RequestsMax))
	}
	m.process = startProcess(t, "minio", cmd)
	if err := m.waitLive(30*time.Second, opts.RequestsMax); err != nil {
		m.Stop()
		t.Fatalf("minio on %s: %v\n%s", m.Addr, err, m.Output())
	}
	for _, b := range opts.Buckets {
		m.CreateBucket(t, b)
	}
	return m
}

// waitLive polls /minio/health/live until it answers 200 and, with a request limit,
// until the S3 API enforces it: MinIO is live before it has loaded that setting, and a
// request it let in before counts against no limit.
func (m *MinIO) waitLive(within time.Duration, requestsMax int) error {
	deadline := time.Now().Add(within)
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	for {
		select {
		case <-m.waitCh:
			return fmt.Errorf("exited early")
		default:
		}
		if live(client, m.Endpoint+"/minio/health/live", "") &&
			(requestsMax == 0 || live(client, m.Endpoint+"/", strconv.Itoa(requestsMax))) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not live within %v", within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// live reports whether url answers (200 when limit is "", else any answer whose
// X-RateLimit-Limit is limit: MinIO sets it on every S3 API answer under a limit).
func live(client *http.Client, url, limit string) bool {
	resp, err := client.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	if limit == "" {
		return resp.StatusCode == http.StatusOK
	}
	return resp.Header.Get("X-RateLimit-Limit") == limit
}

// Conn returns the server's address and root credentials.
func (m *MinIO) Conn() S3Conn { return m.S3Conn }

// CreateBucket creates a bucket through the S3 API.
func (m *MinIO) CreateBucket(t testing.TB, bucket string) {
	t.Helper()
	m.S3Conn.createBucket(t, bucket, m.Output)
}

// PutObject uploads data through the S3 API with its Content-Type and user metadata
// (keys without the x-amz-meta- prefix).
func (m *MinIO) PutObject(t testing.TB, bucket, key string, data []byte, contentType string, meta map[string]string) {
	t.Helper()
	m.S3Conn.putObject(t, bucket, key, data, contentType, meta, m.Output)
}

// LoseReadQuorum takes more than half of an erasure-mode server's drives away (their
// directories renamed while it runs) and waits until a read of bucket/key answers
// 503 SlowDownRead: what a real MinIO replica in trouble answers. MinIO first answers
// 404 NoSuchBucket for a moment, until its drive monitor marks the drives offline.
func (m *MinIO) LoseReadQuorum(t testing.TB, bucket, key string) {
	t.Helper()
	if len(m.Drives) < 4 {
		t.Fatalf("LoseReadQuorum needs erasure mode (Drives ≥ 4), runs %d", len(m.Drives))
	}
	for _, d := range m.Drives[:len(m.Drives)/2+1] {
		if err := os.Rename(d, d+".gone"); err != nil {
			t.Fatal(err)
		}
	}
	client := s3.New(s3.Options{Region: m.Region, BaseEndpoint: aws.String(m.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(m.Access, m.Secret, ""), RetryMaxAttempts: 1})
	var last error
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, last = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		cancel()
		var re interface{ HTTPStatusCode() int }
		if errors.As(last, &re) && re.HTTPStatusCode() == http.StatusServiceUnavailable {
			return
		}
	}
	t.Fatalf("MinIO still reads %s/%s without its quorum: %v\n%s", bucket, key, last, m.Output())
}
