package origin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestS3Addressing(t *testing.T) {
	tests := []struct {
		name  string
		cfg   S3Config
		first string // the URL prefix requests go to
		alias string // another prefix that must be recognised ("" = none checked)
	}{
		{"AWS virtual-hosted by default", S3Config{Bucket: "media-bkt", Region: "eu-west-1", Prefix: "/hls/a b/"},
			"https://media-bkt.s3.eu-west-1.amazonaws.com/hls/a%20b/", "https://s3.amazonaws.com/media-bkt/hls/a%20b/"},
		{"AWS path_style", S3Config{Bucket: "media-bkt", Region: "eu-west-1", PathStyle: true},
			"https://s3.eu-west-1.amazonaws.com/media-bkt/", "https://media-bkt.s3.amazonaws.com/"},
		{"dotted bucket falls back to path-style", S3Config{Bucket: "my.bucket", Region: "us-west-2"},
			"https://s3.us-west-2.amazonaws.com/my.bucket/", ""},
		{"endpoint implies path-style", S3Config{Bucket: "media-bkt", Endpoint: "http://127.0.0.1:7070", Prefix: "p"},
			"http://127.0.0.1:7070/media-bkt/p/", ""},
		{"endpoint with virtual-hosted", S3Config{Bucket: "media-bkt", Endpoint: "http://minio.local:9000", VirtualHosted: true},
			"http://media-bkt.minio.local:9000/", ""},
		{"endpoint with a base path and no scheme", S3Config{Bucket: "media-bkt", Endpoint: "gw.example.com/s3/"},
			"https://gw.example.com/s3/media-bkt/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.AccessKey, tt.cfg.SecretKey = "AK", "SK"
			o, err := NewS3(context.Background(), tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			p := o.URLPrefixes()
			if p[0] != tt.first {
				t.Errorf("URLPrefixes()[0] = %q, want %q", p[0], tt.first)
			}
			if tt.alias != "" && !slices.Contains(p, tt.alias) {
				t.Errorf("URLPrefixes() = %q, missing %q", p, tt.alias)
			}
			if strings.Contains(o.Name(), "SK") || strings.Contains(o.Name(), "AK") {
				t.Errorf("Name() %q leaks credentials", o.Name())
			}
		})
	}
}

// TestS3RequestShape records what the S3 origin sends (an httptest server stands in for
// S3 so the raw request line and headers can be inspected).
func TestS3RequestShape(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	o, err := NewS3(context.Background(), S3Config{Bucket: "media", Prefix: "hls/ä b", Endpoint: srv.URL,
		AccessKey: "AKIDEXAMPLE", SecretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SessionToken: "sess-tok"})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	_, _, err = fetchAll(t, o, &Request{Key: "a/b c+d~é%.ts", Header: hdr(
		"Range", "bytes=0-1", "If-None-Match", `"e"`, "Cookie", "session=1", "X-Edge-Token", "tok")})
	if err != nil {
		t.Fatal(err)
	}
	if want := "/media/hls/%C3%A4%20b/a/b%20c%2Bd~%C3%A9%25.ts"; got.RequestURI != want {
		t.Errorf("request URI %q, want %q", got.RequestURI, want)
	}
	auth := got.Header.Get("Authorization")
	for _, want := range []string{"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", "/us-east-1/s3/aws4_request",
		"SignedHeaders=host;if-none-match;range;x-amz-content-sha256;x-amz-date;x-amz-security-token,"} {
		if !strings.Contains(auth, want) {
			t.Errorf("Authorization %q lacks %q", auth, want)
		}
	}
	checks := map[string]string{
		"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD", "Range": "bytes=0-1", "If-None-Match": `"e"`,
		"X-Amz-Security-Token": "sess-tok", "Cookie": "", "X-Edge-Token": "", "Accept-Encoding": "",
	}
	for k, want := range checks {
		if v := got.Header.Get(k); v != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
	for k, v := range got.Header {
		if strings.Contains(strings.Join(v, " "), "wJalrXUtnFEMI") {
			t.Errorf("secret key sent in header %s", k)
		}
	}
}
