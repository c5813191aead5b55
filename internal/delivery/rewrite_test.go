package delivery

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
)

var secret = []byte("0123456789abcdef-test-secret")

// ring holds secret alone.
var ring = mustRing(secret)

func mustRing(secrets ...[]byte) *segcrypt.Keyring {
	r, err := segcrypt.NewKeyring(secrets...)
	if err != nil {
		panic(err)
	}
	return r
}

func newRewriter(t *testing.T, mode Mode) *Rewriter {
	t.Helper()
	o, err := origin.NewHTTP(origin.HTTPConfig{BaseURL: "https://dam.example.com/media"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return &Rewriter{Layout: Layout{StripPrefix: "/hls", KeyPath: "/keys"}, Mode: mode, Secrets: ring, Origins: []origin.Origin{o}}
}

const encryptedMedia = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:7\n" +
	"#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\"\n#EXTINF:2.000,\nseg0.ts\n" +
	"#EXT-X-KEY:METHOD=AES-128,URI=\"../keys/k2.bin\",IV=0x000102030405060708090a0b0c0d0e0f\n#EXTINF:2.000,\nseg1.ts\n" +
	"#EXT-X-ENDLIST\n"

const clearMedia = "#EXTM3U\r\n#EXT-X-TARGETDURATION:2\r\n# a comment\r\n#EXTINF:2.002,title\r\nseg0.ts\r\n" +
	"#EXTINF:2.002,\r\nhttps://dam.example.com/media/a/seg1.ts?X-Amz-Signature=abc\r\n#EXTINF:2.002,\r\nhttps://cdn.other.com/seg2.ts\r\n" +
	"#EXTINF:2.002,\r\n../../up.ts\r\n#EXT-X-ENDLIST\r\n"

func TestPassthroughWithoutTokenKeepsRelativePlaylistsByteForByte(t *testing.T) {
	rw := newRewriter(t, Passthrough)
	rw.Layout.KeyPath = ""
	src := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000,\nseg0.ts\n#EXTINF:2.000,\nsub/seg1.ts?v=1\n#EXT-X-ENDLIST\n"
	out, _, err := rw.Rewrite([]byte(src), "a/index.m3u8", Token{})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != src {
		t.Fatalf("changed:\n%s", out)
	}
}

func TestPassthroughMapsOriginURIsAndLeavesForeignOnesAlone(t *testing.T) {
	rw := newRewriter(t, Passthrough)
	out, _, err := rw.Rewrite([]byte(clearMedia), "a/index.m3u8", Token{Param: "__token__", Value: "exp=1~acl=/hls/a/*~hmac=ff", Scope: []string{"/hls/a/*"}})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer(
		"\r\nseg0.ts\r\n", "\r\nseg0.ts?__token__=exp=1~acl=/hls/a/*~hmac=ff\r\n",
		"https://dam.example.com/media/a/seg1.ts?X-Amz-Signature=abc", "/hls/a/seg1.ts?__token__=exp=1~acl=/hls/a/*~hmac=ff",
		"../../up.ts", "/hls/up.ts",
	).Replace(clearMedia)
	if string(out) != want {
		t.Fatalf("got:\n%q\nwant:\n%q", out, want)
	}
}

func TestPassthroughRoutesKeysThroughKeyPathWithToken(t *testing.T) {
	rw := newRewriter(t, Passthrough)
	src := encryptedMedia + ""
	src = strings.Replace(src, "#EXT-X-ENDLIST\n", "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://fairplay-id\",KEYFORMAT=\"com.apple.streamingkeydelivery\"\n#EXTINF:2,\nseg2.ts\n#EXT-X-ENDLIST\n", 1)
	out, _, err := rw.Rewrite([]byte(src), "a/b/index.m3u8", Token{Param: "t", Value: "v", Scope: []string{"/*"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`URI="/keys/a/b/key.bin?t=v"`, `URI="/keys/a/keys/k2.bin?t=v",IV=0x000102030405060708090a0b0c0d0e0f`, `URI="skd://fairplay-id"`, "\nseg0.ts?t=v\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestDecryptDropsAESKeysAndSignsStorageKeyAndIV(t *testing.T) {
	rw := newRewriter(t, Decrypt)
	out, _, err := rw.Rewrite([]byte(encryptedMedia), "a/index.m3u8", Token{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "EXT-X-KEY") {
		t.Fatalf("key tags left:\n%s", out)
	}
	jobs := segmentJobs(t, out, Decrypt, "a/index.m3u8")
	if len(jobs) != 2 {
		t.Fatalf("want 2 segment contexts, got %d:\n%s", len(jobs), out)
	}
	if jobs[0].StorageKey != "a/key.bin" || jobs[0].StorageIV != segcrypt.IVFromSequence(7) {
		t.Errorf("seg0 job %+v", jobs[0])
	}
	iv, _ := segcrypt.ParseIV("0x000102030405060708090a0b0c0d0e0f")
	if jobs[1].StorageKey != "keys/k2.bin" || jobs[1].StorageIV != iv {
		t.Errorf("seg1 job %+v", jobs[1])
	}
}

func TestEncryptInsertsDerivedKeyAndRefusesEncryptedOrigins(t *testing.T) {
	rw := newRewriter(t, Encrypt)
	src := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2,\nseg0.m4s\n#EXT-X-ENDLIST\n"
	out, _, err := rw.Rewrite([]byte(src), "a/v1/index.m3u8", Token{Param: "tok", Value: "x", Scope: []string{"/*"}})
	if err != nil {
		t.Fatal(err)
	}
	iv := segcrypt.DeriveIV(secret, "a/v1").String()
	wantKey := `#EXT-X-KEY:METHOD=AES-128,URI="/keys/a/v1/aes128.key?mgkid=` + segcrypt.SecretID(secret) + `&tok=x",IV=` + iv + "\n#EXT-X-MAP:"
	if !strings.Contains(string(out), wantKey) {
		t.Fatalf("no derived key before the map:\n%s", out)
	}
	jobs := segmentJobs(t, out, Encrypt, "a/v1/index.m3u8")
	if len(jobs) != 2 || jobs[0].Asset != "a/v1" || !jobs[1].Encrypts() || jobs[1].Decrypts() {
		t.Fatalf("jobs %+v", jobs)
	}
	if _, _, err := rw.Rewrite([]byte(encryptedMedia), "a/index.m3u8", Token{}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("encrypted origin under encrypt: err=%v", err)
	}
}

func TestReencryptReplacesStorageKeysWithDeliveryKey(t *testing.T) {
	rw := newRewriter(t, Reencrypt)
	out, _, err := rw.Rewrite([]byte(encryptedMedia), "a/index.m3u8", Token{})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(out), "#EXT-X-KEY"); n != 1 || strings.Contains(string(out), "key.bin") {
		t.Fatalf("want exactly the delivery key, got %d key tags:\n%s", n, out)
	}
	jobs := segmentJobs(t, out, Reencrypt, "a/index.m3u8")
	if len(jobs) != 2 || !jobs[0].Decrypts() || !jobs[0].Encrypts() || jobs[0].Asset != "a" {
		t.Fatalf("jobs %+v", jobs)
	}
}

func TestCryptoModesRefuseByteRangeSegments(t *testing.T) {
	src := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n#EXT-X-BYTERANGE:1000@0\n#EXTINF:2,\nall.ts\n#EXT-X-ENDLIST\n"
	for _, m := range []Mode{Decrypt, Reencrypt} {
		if _, _, err := newRewriter(t, m).Rewrite([]byte(src), "a/i.m3u8", Token{}); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: err=%v, want ErrUnsupported", m, err)
		}
	}
	clear := strings.Replace(src, "#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n", "", 1)
	if _, _, err := newRewriter(t, Encrypt).Rewrite([]byte(clear), "a/i.m3u8", Token{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("encrypt: err=%v, want ErrUnsupported", err)
	}
	if _, _, err := newRewriter(t, Decrypt).Rewrite([]byte(clear), "a/i.m3u8", Token{}); err != nil {
		t.Errorf("clear byte ranges under decrypt pass through: %v", err)
	}
}

func TestOpenJobRejectsTamperingAndForeignModes(t *testing.T) {
	sealed := segcrypt.Seal(secret, segcrypt.Context{Mode: "decrypt", KeyRef: "a/key.bin", Seq: 3, Extra: map[string]string{"o": "a/s.ts"}})
	if _, err := OpenJob(ring, Decrypt, "", sealed, "a/s.ts"); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenJob(ring, Encrypt, "", sealed, "a/s.ts"); err == nil {
		t.Error("decrypt context accepted under encrypt")
	}
	if _, err := OpenJob(mustRing([]byte("another secret of enough length")), Decrypt, "", sealed, "a/s.ts"); err == nil {
		t.Error("context accepted with another secret")
	}
	bad := segcrypt.Seal(secret, segcrypt.Context{Mode: "decrypt", KeyRef: "../etc/passwd", Extra: map[string]string{"o": "a/s.ts"}})
	if _, err := OpenJob(ring, Decrypt, "", bad, "a/s.ts"); err == nil {
		t.Error("traversal key reference accepted")
	}
	// A decrypt context without a storage key names a segment stored in
	// clear: a job that neither decrypts nor encrypts, for that object only.
	noKey := segcrypt.Seal(secret, segcrypt.Context{Mode: "decrypt", Extra: map[string]string{"o": "a/s.ts"}})
	if j, err := OpenJob(ring, Decrypt, "", noKey, "a/s.ts"); err != nil || j.Decrypts() || j.Encrypts() {
		t.Errorf("clear decrypt context: job %+v, %v", j, err)
	}
	if _, err := OpenJob(ring, Decrypt, "", noKey, "a/t.ts"); err == nil {
		t.Error("clear decrypt context accepted on another object")
	}
	if _, err := OpenJob(ring, Reencrypt, "", noKey, "a/s.ts"); err == nil {
		t.Error("clear decrypt context accepted under reencrypt")
	}
}

var ctxRE = regexp.MustCompile(`([^\s"?]+)\?[^"\s]*` + CtxParam + `=([A-Za-z0-9_-]+)`)

// segmentJobs opens every segment context of a rewritten playlist for the
// object its URI names (resolved against the playlist key).
func segmentJobs(t *testing.T, out []byte, mode Mode, playlistKey string) []SegmentJob {
	t.Helper()
	base := &url.URL{Path: "/" + playlistKey}
	var jobs []SegmentJob
	for _, m := range ctxRE.FindAllStringSubmatch(string(out), -1) {
		ref, err := url.Parse(m[1])
		if err != nil {
			t.Fatal(err)
		}
		object := strings.TrimPrefix(base.ResolveReference(ref).Path, "/")
		j, err := OpenJob(ring, mode, newRewriter(t, mode).Site(), m[2], object)
		if err != nil {
			t.Fatalf("context of %s: %v", object, err)
		}
		jobs = append(jobs, j)
	}
	return jobs
}

func TestSegmentContextIsValidOnlyForItsObject(t *testing.T) {
	out, _, err := newRewriter(t, Decrypt).Rewrite([]byte(encryptedMedia), "a/index.m3u8", Token{})
	if err != nil {
		t.Fatal(err)
	}
	m := ctxRE.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no context:\n%s", out)
	}
	site := newRewriter(t, Decrypt).Site()
	if _, err := OpenJob(ring, Decrypt, site, m[2], "a/seg0.ts"); err != nil {
		t.Fatalf("own object refused: %v", err)
	}
	for _, other := range []string{"a/seg1.ts", "b/seg0.ts", "a/index.m3u8"} {
		if _, err := OpenJob(ring, Decrypt, site, m[2], other); err == nil {
			t.Errorf("context of a/seg0.ts accepted for %s", other)
		}
	}
	// Another site sharing the secret (another strip prefix, or a mode the
	// context would also be accepted under) cannot replay it.
	for _, s := range []string{"decrypt /other", "reencrypt " + newRewriter(t, Decrypt).Layout.StripPrefix} {
		if _, err := OpenJob(ring, Decrypt, s, m[2], "a/seg0.ts"); err == nil {
			t.Errorf("context of site %q accepted by site %q", site, s)
		}
	}
	enc, _, err := newRewriter(t, Encrypt).Rewrite([]byte(clearMediaForReplay), "a/index.m3u8", Token{})
	if err != nil {
		t.Fatal(err)
	}
	if em := ctxRE.FindStringSubmatch(string(enc)); em == nil {
		t.Fatal("no encrypt context")
	} else if _, err := OpenJob(ring, Reencrypt, newRewriter(t, Reencrypt).Site(), em[2], "a/seg0.ts"); err == nil {
		t.Error("an encrypt site's context was accepted by a reencrypt site")
	}
}

func TestLayoutClassifiesRequestPaths(t *testing.T) {
	l := Layout{StripPrefix: "/hls", KeyPath: "/keys"}
	ok := map[string]Target{
		"/hls/a/index.m3u8":     {Key: "a/index.m3u8"},
		"/hls/a b/ü.ts":         {Key: "a b/ü.ts"},
		"/keys/a/key.bin":       {Key: "a/key.bin", IsKey: true},
		"/keys/a/v1/aes128.key": {Key: "a/v1/aes128.key", IsKey: true},
	}
	for p, want := range ok {
		got, err := l.Classify(p)
		if err != nil || got != want {
			t.Errorf("Classify(%q) = %+v, %v; want %+v", p, got, err, want)
		}
	}
	for _, p := range []string{"/other/a.ts", "/hls", "/hls/", "/hls/a/../b.ts", "/hls/a//b.ts", "/hls/./a.ts", "/hls/a\x00.ts", "/hls/a\\..\\b", "/keys/"} {
		if got, err := l.Classify(p); err == nil {
			t.Errorf("Classify(%q) = %+v, want an error", p, got)
		}
	}
	if asset, ok := DerivedKeyAsset("a/v1/aes128.key"); !ok || asset != "a/v1" {
		t.Errorf("DerivedKeyAsset = %q %v", asset, ok)
	}
	if _, ok := DerivedKeyAsset("a/key.bin"); ok {
		t.Error("origin key taken for a derived key")
	}
	if got := l.DerivedKeyPath("a b"); got != "/keys/a%20b/aes128.key" {
		t.Errorf("DerivedKeyPath = %q", got)
	}
}

const clearMediaForReplay = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n"
