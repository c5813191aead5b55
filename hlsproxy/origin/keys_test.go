package origin

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

func TestEscapeKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain/file.ts", "plain/file.ts"},
		{"a b/c d.ts", "a%20b/c%20d.ts"},
		{"a+b.ts", "a%2Bb.ts"},
		{"tilde~dash-under_score.ts", "tilde~dash-under_score.ts"},
		{"ünï.ts", "%C3%BCn%C3%AF.ts"},
		{"100%.ts", "100%25.ts"},
		{"q?x=1#frag", "q%3Fx%3D1%23frag"},
		{"it's(1)*!$&,;:@=.ts", "it%27s%281%29%2A%21%24%26%2C%3B%3A%40%3D.ts"},
		{"a//b/", "a//b/"},
		{"日本", "%E6%97%A5%E6%9C%AC"},
	}
	for _, tt := range tests {
		if got := EscapeKey(tt.in); got != tt.want {
			t.Errorf("EscapeKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzEscapeKey(f *testing.F) {
	for _, s := range []string{"a b", "ü+~", "%41", "a/b/../c", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		esc := EscapeKey(key)
		for i := 0; i < len(esc); i++ {
			if c := esc[i]; !keepByte(c) && c != '%' {
				t.Fatalf("EscapeKey(%q) = %q contains %q", key, esc, c)
			}
		}
		back, err := url.PathUnescape(esc)
		if err != nil || back != key {
			t.Fatalf("PathUnescape(EscapeKey(%q)) = %q, %v", key, back, err)
		}
	})
}

func TestCheckKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"a/b c/ünï.ts", true},
		{"a..b/c.ts", true},
		{"dir/", true},
		{"", false},
		{"/abs.ts", false},
		{"../x.ts", false},
		{"a/./x.ts", false},
		{"a/..", false},
		{"bad\xffutf8", false},
	}
	for _, tt := range tests {
		if err := checkKey(tt.key); (err == nil) != tt.ok {
			t.Errorf("checkKey(%q) = %v, want ok=%v", tt.key, err, tt.ok)
		}
	}
}

func TestParseOriginURL(t *testing.T) {
	tests := []struct {
		in                     string
		scheme, bucket, prefix string
		ok                     bool
	}{
		{"s3://media-bkt/vod/hls", "s3", "media-bkt", "vod/hls", true},
		{"s3://media-bkt", "s3", "media-bkt", "", true},
		{"s3://media-bkt/", "s3", "media-bkt", "", true},
		{"S3://my.bucket/a%20b/", "s3", "my.bucket", "a b", true},
		{"https://dam.example.com/media", "https", "dam.example.com", "media", true},
		{"http://127.0.0.1:8080/", "http", "127.0.0.1:8080", "", true},
		{"ftp://host/x", "", "", "", false},
		{"s3:///prefix", "", "", "", false},
		{"s3://bad*bucket/x", "", "", "", false},
		{"https://user:pw@host/x", "", "", "", false},
		{"https://host/x?token=1", "", "", "", false},
		{"bucket/prefix", "", "", "", false},
		{"s3:bucket", "", "", "", false},
	}
	for _, tt := range tests {
		s, b, p, err := ParseOriginURL(tt.in)
		if (err == nil) != tt.ok || s != tt.scheme || b != tt.bucket || p != tt.prefix {
			t.Errorf("ParseOriginURL(%q) = %q, %q, %q, %v; want %q, %q, %q, ok=%v", tt.in, s, b, p, err, tt.scheme, tt.bucket, tt.prefix, tt.ok)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("error leaks credentials: %v", err)
		}
	}
}

func FuzzParseOriginURL(f *testing.F) {
	for _, s := range []string{"s3://b/p", "https://h/p", "s3://b", "http://[::1]:80/x", "s3://a/%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scheme, host, prefix, err := ParseOriginURL(s)
		if err != nil {
			return
		}
		if scheme != "s3" && scheme != "http" && scheme != "https" || host == "" ||
			strings.HasPrefix(prefix, "/") || strings.HasSuffix(prefix, "/") {
			t.Fatalf("ParseOriginURL(%q) = %q, %q, %q", s, scheme, host, prefix)
		}
	})
}

func TestKeyFromURLForS3(t *testing.T) {
	o, err := NewS3(context.Background(), S3Config{Bucket: "media-bkt", Region: "eu-west-1", Prefix: "vod", AccessKey: "a", SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	tests := []struct {
		url, key string
		ok       bool
	}{
		{"https://media-bkt.s3.eu-west-1.amazonaws.com/vod/a/b%20c.ts", "a/b c.ts", true},
		{"HTTPS://MEDIA-BKT.S3.EU-WEST-1.AMAZONAWS.COM/vod/x.ts?X-Amz-Signature=1", "x.ts", true},
		{"https://s3.amazonaws.com/media-bkt/vod/%7Ex.ts", "~x.ts", true},
		{"https://media-bkt.s3.amazonaws.com/vod/seg+1.ts", "seg+1.ts", true},
		{"https://media-bkt.s3.eu-west-1.amazonaws.com/other/x.ts", "", false},
		{"https://media-bkt.s3.eu-west-1.amazonaws.com/vod/", "", false},
		{"https://media-bkt.s3.eu-west-1.amazonaws.com/vod/../secret", "", false},
		{"https://evil.example.com/vod/x.ts", "", false},
		{"/vod/x.ts", "", false},
	}
	for _, tt := range tests {
		k, ok := KeyFromURL(o, tt.url)
		if k != tt.key || ok != tt.ok {
			t.Errorf("KeyFromURL(%q) = %q, %v; want %q, %v", tt.url, k, ok, tt.key, tt.ok)
		}
	}
}
