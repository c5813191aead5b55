package origin

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// Keys chosen to exercise S3 escaping: spaces, '+', unicode, '~', a literal '%', and
// characters Go's url package would leave unescaped but SigV4 requires escaped.
var trickyKeys = []string{
	"plain.ts",
	"a/b c/ünï.ts",
	"we+ird~name (1).m3u8",
	"%41 literal percent.ts",
	"sub/dir/it's=$&,;:@!*.key",
	"日本語/セグメント.ts",
}

// s3Quirks are where the two S3 servers answer the same request differently; every
// other expectation holds for both.
type s3Quirks struct {
	unknownKeyStatus int
	unknownKeyCode   string
	// ifModifiedSince is the answer to a GET with If-Modified-Since: its Last-Modified.
	ifModifiedSince int
}

var quirks = map[string]s3Quirks{
	// versitygw answers an unknown access key with 404 XAdminUserNotFound (AWS: 403
	// InvalidAccessKeyId), and v1.8 ignores If-Modified-Since on GET (always 200).
	testutil.KindVersityGW: {404, "XAdminUserNotFound", 200},
	testutil.KindMinIO:     {403, "InvalidAccessKeyId", 304},
}

func TestS3FetchSignsAndEscapesKeys(t *testing.T) {
	testutil.EachS3Server(t, testutil.S3Options{Buckets: []string{testBucket}}, testS3FetchSignsAndEscapesKeys)
}

func testS3FetchSignsAndEscapesKeys(t *testing.T, gw testutil.S3Server) {
	o := newS3(t, gw, "vod/asset 1", nil)
	for i, key := range trickyKeys {
		gw.WriteFile(t, testBucket, "vod/asset 1/"+key, pattern(1000+i))
	}
	for i, key := range trickyKeys {
		t.Run(key, func(t *testing.T) {
			resp, body, err := fetchAll(t, o, &Request{Key: key})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, pattern(1000+i)) {
				t.Fatalf("status %d, %d bytes; want 200 and the file's %d bytes", resp.StatusCode, len(body), 1000+i)
			}
			if got := resp.Header.Get("Content-Length"); got != fmt.Sprint(1000+i) {
				t.Errorf("Content-Length = %q", got)
			}
			if resp.Origin != o.Name() {
				t.Errorf("Response.Origin = %q, want %q", resp.Origin, o.Name())
			}
		})
	}
}

func TestS3FailuresMapToKinds(t *testing.T) {
	testutil.EachS3Server(t, testutil.S3Options{Buckets: []string{testBucket}}, testS3FailuresMapToKinds)
}

func testS3FailuresMapToKinds(t *testing.T, gw testutil.S3Server) {
	gw.WriteFile(t, testBucket, "x.ts", []byte("data"))
	q := quirks[gw.Conn().Kind]
	tests := []struct {
		name   string
		mutate func(*S3Config)
		req    Request
		kind   Kind
		status int
		code   string
	}{
		{"wrong secret is denied with SignatureDoesNotMatch", func(c *S3Config) { c.SecretKey = "not-the-secret" },
			Request{Key: "x.ts"}, Denied, 403, "SignatureDoesNotMatch"},
		// Whatever the server's status for it, an unknown key is a denial, never "object not found".
		{"unknown access key is denied", func(c *S3Config) { c.AccessKey = "nobody" },
			Request{Key: "x.ts"}, Denied, q.unknownKeyStatus, q.unknownKeyCode},
		{"anonymous request is denied", func(c *S3Config) { c.Anonymous = true; c.AccessKey, c.SecretKey = "", "" },
			Request{Key: "x.ts"}, Denied, 403, "AccessDenied"},
		{"missing key is not found", nil, Request{Key: "missing.ts"}, NotFound, 404, "NoSuchKey"},
		{"missing key on HEAD is not found", nil, Request{Key: "missing.ts", Method: http.MethodHead}, NotFound, 404, ""},
		{"missing bucket is not found", func(c *S3Config) { c.Bucket = "nobucket" }, Request{Key: "x.ts"}, NotFound, 404, "NoSuchBucket"},
		{"empty key is invalid before any request", nil, Request{Key: ""}, Invalid, 0, ""},
		{"dot-dot key is invalid", nil, Request{Key: "a/../x.ts"}, Invalid, 0, ""},
		{"POST is invalid", nil, Request{Key: "x.ts", Method: http.MethodPost}, Invalid, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newS3(t, gw, "", tt.mutate)
			_, _, err := fetchAll(t, o, &tt.req)
			oe := mustKind(t, err, tt.kind)
			if oe.Status != tt.status || oe.Code != tt.code {
				t.Errorf("status %d code %q, want %d %q", oe.Status, oe.Code, tt.status, tt.code)
			}
			if oe.Origin != o.Name() {
				t.Errorf("Error.Origin = %q", oe.Origin)
			}
		})
	}
}

func TestS3RangeHeadAndConditionals(t *testing.T) {
	testutil.EachS3Server(t, testutil.S3Options{Buckets: []string{testBucket}, Meta: true}, testS3RangeHeadAndConditionals)
}

func testS3RangeHeadAndConditionals(t *testing.T, gw testutil.S3Server) {
	data := pattern(10_000)
	gw.PutObject(t, testBucket, "seg 1+ü.ts", data, "video/mp2t", nil)
	o := newS3(t, gw, "", nil)

	full, _, err := fetchAll(t, o, &Request{Key: "seg 1+ü.ts", Method: http.MethodHead})
	if err != nil {
		t.Fatal(err)
	}
	etag, lastMod := full.Header.Get("ETag"), full.Header.Get("Last-Modified")
	if etag == "" || lastMod == "" {
		t.Fatalf("HEAD of an API-PUT object lacks ETag/Last-Modified: %v", full.Header)
	}

	tests := []struct {
		name       string
		req        Request
		status     int
		body       []byte // nil: no body expected
		contentRng string
	}{
		{"GET whole object", Request{}, 200, data, ""},
		{"HEAD has headers and no body", Request{Method: http.MethodHead}, 200, nil, ""},
		{"first bytes", Request{Header: hdr("Range", "bytes=0-9")}, 206, data[:10], "bytes 0-9/10000"},
		{"middle bytes", Request{Header: hdr("Range", "bytes=4096-8191")}, 206, data[4096:8192], "bytes 4096-8191/10000"},
		{"open-ended range", Request{Header: hdr("Range", "bytes=9990-")}, 206, data[9990:], "bytes 9990-9999/10000"},
		{"suffix range", Request{Header: hdr("Range", "bytes=-5")}, 206, data[9995:], "bytes 9995-9999/10000"},
		{"unsatisfiable range is an answer", Request{Header: hdr("Range", "bytes=20000-")}, 416, []byte{}, ""},
		{"If-None-Match current ETag is 304", Request{Header: hdr("If-None-Match", etag)}, 304, nil, ""},
		{"If-None-Match other ETag is 200", Request{Header: hdr("If-None-Match", `"other"`)}, 200, data, ""},
		// Signed and accepted by both; MinIO answers 304, versitygw v1.8 ignores it (200).
		{"If-Modified-Since its Last-Modified", Request{Header: hdr("If-Modified-Since", lastMod)},
			quirks[gw.Conn().Kind].ifModifiedSince, imsBody(gw, data), ""},
		{"If-Match other ETag is 412", Request{Header: hdr("If-Match", `"other"`)}, 412, []byte{}, ""},
		{"unforwarded headers are dropped", Request{Header: hdr("Cookie", "a=b", "Authorization", "x")}, 200, data, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Key = "seg 1+ü.ts"
			resp, body, err := fetchAll(t, o, &tt.req)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.body == nil && resp.Body != nil {
				t.Errorf("Body is not nil")
			}
			if len(tt.body) > 0 && !bytes.Equal(body, tt.body) {
				t.Errorf("body: got %d bytes, want %d exact bytes", len(body), len(tt.body))
			}
			if got := resp.Header.Get("Content-Range"); tt.contentRng != "" && got != tt.contentRng {
				t.Errorf("Content-Range %q, want %q", got, tt.contentRng)
			}
			if tt.status == 200 || tt.status == 206 {
				if got := resp.Header.Get("Content-Type"); got != "video/mp2t" {
					t.Errorf("Content-Type %q", got)
				}
				if resp.Header.Get("ETag") != etag {
					t.Errorf("ETag %q, want %q", resp.Header.Get("ETag"), etag)
				}
				if resp.ContentLength != int64(len(data)) && tt.status == 200 {
					t.Errorf("ContentLength %d", resp.ContentLength)
				}
			}
		})
	}
}

// imsBody is the body expected for If-Modified-Since its own Last-Modified.
func imsBody(gw testutil.S3Server, data []byte) []byte {
	if quirks[gw.Conn().Kind].ifModifiedSince == http.StatusNotModified {
		return nil
	}
	return data
}

func TestS3UserMetadataIsExposed(t *testing.T) {
	testutil.EachS3Server(t, testutil.S3Options{Buckets: []string{testBucket}, Meta: true}, testS3UserMetadataIsExposed)
}

func testS3UserMetadataIsExposed(t *testing.T, gw testutil.S3Server) {
	gw.PutObject(t, testBucket, "protected/index.m3u8", []byte("#EXTM3U\n"), "application/vnd.apple.mpegurl",
		map[string]string{"tokenize": "true", "asset-id": "A-42"})
	gw.PutObject(t, testBucket, "public/index.m3u8", []byte("#EXTM3U\n"), "application/vnd.apple.mpegurl", nil)
	o := newS3(t, gw, "", nil)
	for _, tt := range []struct {
		key, method, tokenize, asset string
	}{
		{"protected/index.m3u8", http.MethodGet, "true", "A-42"},
		{"protected/index.m3u8", http.MethodHead, "true", "A-42"},
		{"public/index.m3u8", http.MethodGet, "", ""},
	} {
		t.Run(tt.method+" "+tt.key, func(t *testing.T) {
			resp, _, err := fetchAll(t, o, &Request{Key: tt.key, Method: tt.method})
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Header.Get("X-Amz-Meta-Tokenize"); got != tt.tokenize {
				t.Errorf("x-amz-meta-tokenize = %q, want %q", got, tt.tokenize)
			}
			if got := resp.Header.Get("X-Amz-Meta-Asset-Id"); got != tt.asset {
				t.Errorf("x-amz-meta-asset-id = %q, want %q", got, tt.asset)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/vnd.apple.mpegurl" {
				t.Errorf("Content-Type = %q", got)
			}
		})
	}
}

func TestS3ContextCancellationIsCanceled(t *testing.T) {
	gw := testutil.StartVersityGW(t, testutil.VGWOptions{Buckets: []string{testBucket}, NoMeta: true})
	gw.WriteFile(t, testBucket, "x.ts", []byte("data"))
	o := newS3(t, gw, "", nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := o.Fetch(ctx, &Request{Key: "x.ts"})
	mustKind(t, err, Canceled)
}
