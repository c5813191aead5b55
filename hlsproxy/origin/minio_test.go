package origin

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// The tests in this file need what only MinIO of the two S3 servers offers:
// virtual-hosted addressing (MINIO_DOMAIN), a real 503 SlowDownRead (an erasure set
// that lost its read quorum; MinIO's request limit answers 429, not 503) and a real request limit (MINIO_API_REQUESTS_MAX).

// loopbackLocalhost makes the origin's transport dial every *.localhost name on
// 127.0.0.1: Go's resolver (and this machine's) does not resolve bucket.localhost.
func loopbackLocalhost(t *testing.T, o Origin) {
	t.Helper()
	f := o.(*s3Origin).fetcher
	d := &net.Dialer{Timeout: 5 * time.Second}
	f.transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if !strings.HasSuffix(host, ".localhost") {
			return nil, fmt.Errorf("test dialer: %q is not a *.localhost name", host)
		}
		return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
	}
}

func TestS3VirtualHostedAddressingAgainstMinIO(t *testing.T) {
	vh := testutil.StartMinIO(t, testutil.MinIOOptions{Buckets: []string{testBucket}, Domain: "localhost"})
	data := pattern(5000)
	vh.PutObject(t, testBucket, "vod/a b+ü.ts", data, "video/mp2t", map[string]string{"tokenize": "true"})
	virtual := func(srv *testutil.MinIO, mutate func(*S3Config)) Origin {
		o := newS3(t, srv, "vod", func(c *S3Config) {
			c.Endpoint = strings.Replace(srv.Endpoint, "127.0.0.1", "localhost", 1)
			c.VirtualHosted = true
			if mutate != nil {
				mutate(c)
			}
		})
		loopbackLocalhost(t, o)
		return o
	}

	t.Run("bucket in the Host: GET, Range and metadata", func(t *testing.T) {
		o := virtual(vh, nil)
		if want := "http://" + testBucket + ".localhost:"; !strings.HasPrefix(o.URLPrefixes()[0], want) {
			t.Fatalf("URLPrefixes()[0] = %q, want it under %q", o.URLPrefixes()[0], want)
		}
		resp, body, err := fetchAll(t, o, &Request{Key: "a b+ü.ts"})
		if err != nil || resp.StatusCode != 200 || !bytes.Equal(body, data) {
			t.Fatalf("GET: %v, %d bytes", err, len(body))
		}
		if got := resp.Header.Get("X-Amz-Meta-Tokenize"); got != "true" {
			t.Errorf("x-amz-meta-tokenize %q through virtual-hosted addressing", got)
		}
		resp, body, err = fetchAll(t, o, &Request{Key: "a b+ü.ts", Header: hdr("Range", "bytes=100-199")})
		if err != nil || resp.StatusCode != 206 || !bytes.Equal(body, data[100:200]) {
			t.Fatalf("Range: %v, status %v, %d bytes", err, resp, len(body))
		}
	})
	t.Run("the Host is signed: a wrong secret is denied", func(t *testing.T) {
		o := virtual(vh, func(c *S3Config) { c.SecretKey = "not-the-secret" })
		_, _, err := fetchAll(t, o, &Request{Key: "a b+ü.ts"})
		if oe := mustKind(t, err, Denied); oe.Code != "SignatureDoesNotMatch" {
			t.Errorf("code %q, want SignatureDoesNotMatch", oe.Code)
		}
	})
	t.Run("a server without the domain does not see the bucket in the Host", func(t *testing.T) {
		// The control row: without MINIO_DOMAIN the same request names bucket "vod",
		// so the 200 above came from virtual-hosted addressing, not a path-style fallback.
		plain := testutil.StartMinIO(t, testutil.MinIOOptions{Buckets: []string{testBucket}})
		plain.PutObject(t, testBucket, "vod/a b+ü.ts", data, "video/mp2t", nil)
		_, _, err := fetchAll(t, virtual(plain, nil), &Request{Key: "a b+ü.ts"})
		if oe := mustKind(t, err, NotFound); oe.Code != "NoSuchBucket" {
			t.Errorf("code %q, want NoSuchBucket", oe.Code)
		}
	})
}

func TestPoolFailsOverFromAMinIOAnswering503SlowDown(t *testing.T) {
	sick := testutil.StartMinIO(t, testutil.MinIOOptions{Buckets: []string{testBucket}, Drives: 4})
	replica := testutil.StartVersityGW(t, testutil.VGWOptions{Buckets: []string{testBucket}, NoMeta: true})
	primaryBytes, replicaBytes := []byte("primary "+testutil.RandomHex(t, 8)), []byte("replica "+testutil.RandomHex(t, 8))
	sick.PutObject(t, testBucket, "seg.ts", primaryBytes, "video/mp2t", nil)
	replica.WriteFile(t, testBucket, "seg.ts", replicaBytes)
	sick.LoseReadQuorum(t, testBucket, "seg.ts") // 1 of 4 drives left: below the read quorum of 2

	t.Run("the sick server alone answers 503 SlowDownRead, an Unavailable", func(t *testing.T) {
		_, _, err := fetchAll(t, newS3(t, sick, "", nil), &Request{Key: "seg.ts"})
		if oe := mustKind(t, err, Unavailable); oe.Status != 503 || !strings.HasPrefix(oe.Code, "SlowDown") {
			t.Fatalf("status %d code %q, want 503 SlowDown…", oe.Status, oe.Code)
		}
	})
	t.Run("the pool serves the replica's bytes and opens the sick one's breaker", func(t *testing.T) {
		primary := &counting{Origin: newS3(t, sick, "", nil)}
		live := &counting{Origin: newS3(t, replica, "", nil)}
		clock := testutil.NewFakeClock(time.Unix(1_700_000_000, 0))
		var events []string
		var failure *Error
		p := NewPool([]Origin{primary, live}, PoolOptions{Backoff: 30 * time.Second, Now: clock.Now, OnEvent: func(e Event) {
			events = append(events, fmt.Sprintf("%s:%d", e.Type, e.Index))
			if e.Type == EventFailure {
				failure = e.Err
			}
		}})
		for i, wantEvents := range []string{"failure:0,breaker_open:0", "skip:0"} {
			events = nil
			resp, body, err := fetchAll(t, p, &Request{Key: "seg.ts"})
			if err != nil || !bytes.Equal(body, replicaBytes) || resp.Origin != live.Name() {
				t.Fatalf("fetch %d: %v %q from %v; want the replica's bytes", i, err, body, resp)
			}
			if bytes.Contains(body, primaryBytes) {
				t.Fatalf("fetch %d: the sick primary's bytes arrived", i)
			}
			if got := strings.Join(events, ","); got != wantEvents {
				t.Errorf("fetch %d: events %q, want %q", i, got, wantEvents)
			}
		}
		if failure == nil || failure.Status != 503 || !strings.HasPrefix(failure.Code, "SlowDown") {
			t.Errorf("failure event %v, want 503 SlowDown…", failure)
		}
		if primary.n.Load() != 1 || live.n.Load() != 2 {
			t.Errorf("primary fetched %d times, replica %d; want 1 and 2 (breaker open)", primary.n.Load(), live.n.Load())
		}
	})
}

// holdRequestSlot starts a signed PUT whose body never comes, so MinIO's handler sits
// inside its request limit until the test ends. The returned channel is closed if
// MinIO answered it instead (it came while an earlier request still held the slot:
// a 429 of its own).
func holdRequestSlot(t *testing.T, m *testutil.MinIO) <-chan struct{} {
	t.Helper()
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.CloseWithError(io.ErrUnexpectedEOF) })
	req, err := http.NewRequest(http.MethodPut, m.Endpoint+"/"+testBucket+"/held.bin", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = 1 << 20
	req.Header.Set("X-Amz-Content-Sha256", unsignedPayload)
	creds, _ := credentials.NewStaticCredentialsProvider(m.Access, m.Secret, "").Retrieve(context.Background())
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, unsignedPayload, "s3", m.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	answered := make(chan struct{})
	go func() {
		defer close(answered)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	if _, err := pw.Write([]byte("x")); err != nil { // the request is on its way
		t.Fatal(err)
	}
	return answered
}

func TestPoolFailsOverFromAMinIOAtItsRequestLimit(t *testing.T) {
	busy := testutil.StartMinIO(t, testutil.MinIOOptions{Buckets: []string{testBucket}, RequestsMax: 1})
	replica := testutil.StartVersityGW(t, testutil.VGWOptions{Buckets: []string{testBucket}, NoMeta: true})
	busy.PutObject(t, testBucket, "seg.ts", []byte("from the busy one"), "video/mp2t", nil)
	replica.WriteFile(t, testBucket, "seg.ts", []byte("from the replica"))
	held := holdRequestSlot(t, busy)
	alone := newS3(t, busy, "", nil)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		select {
		case <-held: // refused itself (the slot was still taken): hold it again
			held = holdRequestSlot(t, busy)
		default:
		}
		_, _, err := fetchAll(t, alone, &Request{Key: "seg.ts"}) // 200 until the PUT holds the slot
		if oe, ok := err.(*Error); ok && oe.Status == http.StatusTooManyRequests {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("MinIO never reached its request limit: last %v", err)
		}
	}

	var failure *Error
	p := NewPool([]Origin{newS3(t, busy, "", nil), newS3(t, replica, "", nil)}, PoolOptions{OnEvent: func(e Event) {
		if e.Type == EventFailure {
			failure = e.Err
		}
	}})
	_, body, err := fetchAll(t, p, &Request{Key: "seg.ts"})
	if err != nil || string(body) != "from the replica" {
		t.Fatalf("%v %q, want the replica's bytes", err, body)
	}
	if failure == nil || failure.Status != http.StatusTooManyRequests || failure.Code != "TooManyRequests" {
		t.Errorf("failure event %v, want 429 TooManyRequests", failure)
	}
}
