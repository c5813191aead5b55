package edgetoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func TestGenerateFields(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		wantSigned string // token without ~hmac=...
		wantInput  string // HMAC input
	}{
		{"window from now", Options{Window: 300 * time.Second, Now: t0, ACLs: []string{"/a/*"}},
			"exp=1700000300~acl=/a/*", "exp=1700000300~acl=/a/*"},
		{"window from start (PHP call site)", Options{Start: 1700000000, Window: 7200 * time.Second, ACLs: []string{"/hls/a/index.m3u8*"}},
			"st=1700000000~exp=1700007200~acl=/hls/a/index.m3u8*", "st=1700000000~exp=1700007200~acl=/hls/a/index.m3u8*"},
		{"explicit exp wins over window", Options{Expires: 1700000042, Window: time.Hour, ACLs: []string{"/*"}},
			"exp=1700000042~acl=/*", "exp=1700000042~acl=/*"},
		{"escape_early escapes ip id data, not acl", Options{Expires: 1700000300, ACLs: []string{"/a b/*"},
			IP: "2001:db8::1", ID: "a b/c", Data: "k=v&x=ü", EscapeEarly: true},
			"ip=2001%3adb8%3a%3a1~exp=1700000300~acl=/a b/*~id=a+b%2fc~data=k%3dv%26x%3d%c3%bc",
			"ip=2001%3adb8%3a%3a1~exp=1700000300~acl=/a b/*~id=a+b%2fc~data=k%3dv%26x%3d%c3%bc"},
		{"escape_early keeps unreserved incl. ~", Options{Expires: 1700000300, URL: "/~u/a-b_c.d", EscapeEarly: true},
			"exp=1700000300", "exp=1700000300~url=%2f~u%2fa-b_c.d"},
		{"url then salt in hmac input only", Options{Expires: 1700000300, URL: "/x", Salt: "s=1"},
			"exp=1700000300", "exp=1700000300~url=/x~salt=s=1"},
		{"without escape_early values verbatim", Options{Expires: 1700000300, ACLs: []string{"/*"}, ID: "a b", Data: "%41"},
			"exp=1700000300~acl=/*~id=a b~data=%41", "exp=1700000300~acl=/*~id=a b~data=%41"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.Key = testKey
			tok, err := Generate(o)
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			signed, mac, ok := strings.Cut(tok, "~hmac=")
			if !ok || signed != tt.wantSigned {
				t.Fatalf("token = %q, want signed part %q", tok, tt.wantSigned)
			}
			m := hmac.New(sha256.New, testKey)
			m.Write([]byte(tt.wantInput))
			if want := hex.EncodeToString(m.Sum(nil)); mac != want {
				t.Errorf("hmac = %s, want HMAC-SHA256(%q) = %s", mac, tt.wantInput, want)
			}
		})
	}
}

func TestGenerateRejects(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no key", Options{Expires: 1, ACLs: []string{"/*"}}, "key"},
		{"no acl or url", Options{Key: testKey, Expires: 1700000300}, "exactly one"},
		{"both acl and url", Options{Key: testKey, Expires: 1700000300, ACLs: []string{"/*"}, URL: "/x"}, "exactly one"},
		{"no exp or window", Options{Key: testKey, ACLs: []string{"/*"}}, "window"},
		{"sub-second window", Options{Key: testKey, ACLs: []string{"/*"}, Window: time.Millisecond}, "window"},
		{"exp before st", Options{Key: testKey, ACLs: []string{"/*"}, Start: 1700000300, Expires: 1700000300}, "expired"},
		{"negative window", Options{Key: testKey, ACLs: []string{"/*"}, Window: -time.Second}, "negative"},
		{"millisecond exp", Options{Key: testKey, ACLs: []string{"/*"}, Expires: 1700000300000}, "seconds"},
		{"delimiter in id", Options{Key: testKey, ACLs: []string{"/*"}, Expires: 1700000300, ID: "a~b"}, "\"~\""},
		{"delimiter in acl", Options{Key: testKey, ACLs: []string{"/~u/*"}, Expires: 1700000300}, "\"~\""},
		{"unknown algorithm", Options{Key: testKey, Algorithm: "sha3", ACLs: []string{"/*"}, Expires: 1700000300}, "algorithm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := Generate(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Generate = %q, %v; want error containing %q", tok, err, tt.want)
			}
		})
	}
}

func TestGeneratedTokensVerifyForEveryAlgorithm(t *testing.T) {
	for _, alg := range []Algorithm{SHA256, SHA1, MD5} {
		tok := gen(t, Options{Algorithm: alg, Expires: 1700000300, ACLs: []string{"/hls/*"}, ID: "x", Data: "y"})
		v := Verifier{Keys: [][]byte{testKey}, Algorithm: alg}
		if _, err := v.Verify(tok, Request{Path: "/hls/a.ts", Now: t0}); err != nil {
			t.Errorf("%s: %v", alg, err)
		}
		if l := len(tok[strings.LastIndex(tok, "=")+1:]); l != 2*alg.Size() {
			t.Errorf("%s: hmac has %d hex digits, want %d", alg, l, 2*alg.Size())
		}
	}
}
