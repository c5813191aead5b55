package hlsproxy_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"

	_ "github.com/mediagate/caddy-mediagate/hlsproxy"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

const base = "http://localhost:9083"

// siteHeader opens every test config: this package's own admin and listener
// ports (other packages run caddytest with theirs), then the test site.
const siteHeader = `{
	admin localhost:2993
	http_port 9083
	https_port 9443
	skip_install_trust
}
http://localhost:9083 {
`

// fixture is the content of the test bucket, kept to compare bytes.
type fixture struct {
	clear      map[string][]byte // plaintext of every segment
	storageKey []byte
	big        []byte
}

func randBytes(r *rand.ChaCha8, n int) []byte {
	b := make([]byte, n)
	_, _ = r.Read(b)
	return b
}

// decryptDelivered opens a delivered segment with testutil's crypto/cipher
// helper, so the proxy's segcrypt is checked against the standard library.
func decryptDelivered(t *testing.T, key, iv, ct []byte) []byte {
	t.Helper()
	clear, err := testutil.DecryptAES128(key, iv, ct)
	if err != nil {
		t.Fatalf("delivered ciphertext: %v", err)
	}
	return clear
}

func writeFixture(t *testing.T, g *testutil.VGW) *fixture {
	rng := rand.NewChaCha8([32]byte{7})
	f := &fixture{clear: map[string][]byte{}, storageKey: randBytes(rng, 16), big: randBytes(rng, 3<<20+5)}
	g.WriteFile(t, "media", "big.bin", f.big)
	// Clear stream.
	for i, n := range []int{1000, 4096, 333} {
		name := fmt.Sprintf("clear/seg%d.ts", i)
		f.clear[name] = randBytes(rng, n)
		g.WriteFile(t, "media", name, f.clear[name])
	}
	g.WriteFile(t, "media", "clear/index.m3u8", []byte("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"+
		"#EXTINF:2.000,\nseg0.ts\n#EXTINF:2.000,\nseg1.ts\n#EXTINF:1.500,\nseg2.ts\n#EXT-X-ENDLIST\n"))
	// Encrypted at rest: seg0 with the sequence IV (sequence 5), seg1 with an explicit IV.
	explicit := randBytes(rng, 16)
	g.WriteFile(t, "media", "enc/keys/storage.key.bin", f.storageKey)
	for i, n := range []int{2000, 17} {
		name := fmt.Sprintf("enc/seg%d.ts", i)
		f.clear[name] = randBytes(rng, n)
		iv := testutil.SequenceIV(uint64(5 + i))
		if i == 1 {
			iv = explicit
		}
		g.WriteFile(t, "media", name, testutil.MustEncryptAES128(t, f.storageKey, iv, f.clear[name]))
	}
	g.WriteFile(t, "media", "enc/index.m3u8", []byte(fmt.Sprintf("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:5\n"+
		"#EXT-X-KEY:METHOD=AES-128,URI=\"keys/storage.key.bin\"\n#EXTINF:2.000,\nseg0.ts\n"+
		"#EXT-X-KEY:METHOD=AES-128,URI=\"keys/storage.key.bin\",IV=0x%x\n#EXTINF:2.000,\nseg1.ts\n#EXT-X-ENDLIST\n", explicit)))
	g.WriteFile(t, "media", "enc/broken.ts", randBytes(rng, 100)) // not a multiple of 16
	g.WriteFile(t, "media", "enc/broken.m3u8", []byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128,URI=\"keys/storage.key.bin\"\n#EXTINF:2,\nbroken.ts\n#EXT-X-ENDLIST\n"))
	g.WriteFile(t, "media", "dir with space/ünï.ts", []byte("unicode key"))
	return f
}

func startProxy(t *testing.T) (*caddytest.Tester, *fixture) {
	g := testutil.StartVersityGW(t, testutil.VGWOptions{NoMeta: true, Buckets: []string{"media"}})
	f := writeFixture(t, g)
	s3 := fmt.Sprintf(`origin s3://media {
			endpoint %s
			region us-east-1
			access_key %s
			secret_key {env.MG_TEST_S3_SECRET}
		}`, g.Endpoint, g.Access)
	t.Setenv("MG_TEST_S3_SECRET", g.Secret)
	t.Setenv("MG_TEST_KEY_SECRET", "test-key-secret-of-32-bytes-long")
	cfg := siteHeader + fmt.Sprintf(`	@pass path /pass/* /pkeys/*
	handle @pass {
		hls_proxy {
			%[1]s
			strip_prefix /pass
			key_path /pkeys
			download_param download
		}
	}
	@dec path /dec/*
	handle @dec {
		hls_proxy {
			%[1]s
			strip_prefix /dec
			encryption decrypt
			key_secret {env.MG_TEST_KEY_SECRET}
		}
	}
	@enc path /enc/* /ekeys/*
	handle @enc {
		hls_proxy {
			%[1]s
			strip_prefix /enc
			encryption encrypt
			key_secret {env.MG_TEST_KEY_SECRET}
			key_path /ekeys
		}
	}
	@re path /re/* /rkeys/*
	handle @re {
		hls_proxy {
			%[1]s
			strip_prefix /re
			encryption reencrypt
			key_secret {env.MG_TEST_KEY_SECRET}
			key_path /rkeys
		}
	}
	@denied path /denied/*
	handle @denied {
		hls_proxy {
			origin s3://media {
				endpoint %[2]s
				region us-east-1
				access_key %[3]s
				secret_key wrong-secret
			}
			strip_prefix /denied
		}
	}
	@down path /down/*
	handle @down {
		hls_proxy {
			origin s3://media {
				endpoint http://127.0.0.1:1
				region us-east-1
				access_key a
				secret_key b
			}
			strip_prefix /down
			timeout 2s
		}
	}
	@fo path /fo/*
	handle @fo {
		hls_proxy {
			origin s3://media {
				endpoint http://127.0.0.1:1
				region eu-west-1
				access_key a
				secret_key b
			}
			%[1]s
			strip_prefix /fo
		}
	}
	handle {
		respond 404
	}
}
`, s3, g.Endpoint, g.Access)
	tester := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2993})
	tester.InitServer(cfg, "caddyfile")
	return tester, f
}

// get is do with GET.
func get(t *testing.T, tc *caddytest.Tester, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	return do(t, tc, http.MethodGet, path, hdr...)
}

var uriLine = regexp.MustCompile(`(?m)^[^#\s].*$`)
var keyAttr = regexp.MustCompile(`#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)"(?:,IV=0x([0-9a-fA-F]+))?`)

// resolve resolves a playlist URI against the playlist's path.
func resolve(t *testing.T, playlistPath, uri string) string {
	t.Helper()
	b, _ := url.Parse(playlistPath)
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	return b.ResolveReference(u).RequestURI()
}

func TestHLSProxyAgainstRealS3(t *testing.T) {
	tc, f := startProxy(t)

	t.Run("passthrough streams objects byte for byte with media content types", func(t *testing.T) {
		resp, body := get(t, tc, "/pass/clear/seg1.ts")
		if resp.StatusCode != 200 || !bytes.Equal(body, f.clear["clear/seg1.ts"]) {
			t.Fatalf("status %d, %d bytes", resp.StatusCode, len(body))
		}
		if ct := resp.Header.Get("Content-Type"); ct != "video/mp2t" {
			t.Errorf("Content-Type %q", ct)
		}
		resp, body = get(t, tc, "/pass/"+url.PathEscape("dir with space")+"/"+url.PathEscape("ünï.ts"))
		if resp.StatusCode != 200 || string(body) != "unicode key" {
			t.Errorf("unicode key: %d %q", resp.StatusCode, body)
		}
	})

	t.Run("range requests return the exact bytes with 206", func(t *testing.T) {
		resp, body := get(t, tc, "/pass/big.bin", "Range", "bytes=1048570-2097160")
		if resp.StatusCode != 206 || !bytes.Equal(body, f.big[1048570:2097161]) {
			t.Fatalf("status %d, %d bytes", resp.StatusCode, len(body))
		}
		if cr := resp.Header.Get("Content-Range"); cr != fmt.Sprintf("bytes 1048570-2097160/%d", len(f.big)) {
			t.Errorf("Content-Range %q", cr)
		}
	})

	t.Run("missing object is 404 and a refusing or dead origin is 502", func(t *testing.T) {
		if resp, _ := get(t, tc, "/pass/nope.ts"); resp.StatusCode != 404 {
			t.Errorf("missing: %d", resp.StatusCode)
		}
		resp, body := get(t, tc, "/denied/clear/seg0.ts")
		if resp.StatusCode != 502 || bytes.Contains(body, []byte("Signature")) {
			t.Errorf("wrong credentials: %d %q", resp.StatusCode, body)
		}
		if resp, _ := get(t, tc, "/down/clear/seg0.ts"); resp.StatusCode != 502 && resp.StatusCode != 504 {
			t.Errorf("dead origin: %d", resp.StatusCode)
		}
	})

	t.Run("a dead primary fails over to the replica", func(t *testing.T) {
		for i := 0; i < 3; i++ { // the first trips the breaker, the next ones skip the primary
			resp, body := get(t, tc, "/fo/clear/seg0.ts")
			if resp.StatusCode != 200 || !bytes.Equal(body, f.clear["clear/seg0.ts"]) {
				t.Fatalf("request %d: status %d, %d bytes", i, resp.StatusCode, len(body))
			}
		}
		if resp, _ := get(t, tc, "/fo/clear/missing.ts"); resp.StatusCode != 404 {
			t.Errorf("missing object through failover: %d", resp.StatusCode)
		}
	})

	t.Run("traversal and bad keys are refused before the origin", func(t *testing.T) {
		for _, p := range []string{"/pass/clear/..%2f..%2fbig.bin", "/pass/a%00b.ts", "/pass//big.bin"} {
			if resp, _ := get(t, tc, p); resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Errorf("%s: %d", p, resp.StatusCode)
			}
		}
	})

	t.Run("download param gives a safe attachment header", func(t *testing.T) {
		resp, _ := get(t, tc, "/pass/clear/seg0.ts?download="+url.QueryEscape("../evil\"\r\nX-Injected: 1.ts"))
		if resp.Header.Get("X-Injected") != "" {
			t.Fatal("header injected")
		}
		_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
		if err != nil || strings.ContainsAny(params["filename"], "/\\\"\r\n") {
			t.Fatalf("Content-Disposition %q: %v", resp.Header.Get("Content-Disposition"), err)
		}
		resp, _ = get(t, tc, "/pass/clear/seg0.ts?download")
		if _, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); params["filename"] != "seg0.ts" {
			t.Errorf("default name: %q", resp.Header.Get("Content-Disposition"))
		}
	})

	t.Run("passthrough routes keys through key_path with no-store", func(t *testing.T) {
		resp, pl := get(t, tc, "/pass/enc/index.m3u8")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" {
			t.Fatalf("playlist %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		m := keyAttr.FindStringSubmatch(string(pl))
		if m == nil || m[1] != "/pkeys/enc/keys/storage.key.bin" {
			t.Fatalf("key URI not routed through key_path:\n%s", pl)
		}
		resp, key := get(t, tc, m[1])
		if resp.StatusCode != 200 || !bytes.Equal(key, f.storageKey) || !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
			t.Fatalf("key: %d, %d bytes, Cache-Control %q", resp.StatusCode, len(key), resp.Header.Get("Cache-Control"))
		}
	})

	t.Run("decrypt serves the clear bytes and honours ranges", func(t *testing.T) {
		resp, pl := get(t, tc, "/dec/enc/index.m3u8")
		if resp.StatusCode != 200 || strings.Contains(string(pl), "EXT-X-KEY") {
			t.Fatalf("playlist %d:\n%s", resp.StatusCode, pl)
		}
		uris := uriLine.FindAllString(string(pl), -1)
		if len(uris) != 2 {
			t.Fatalf("segments: %q", uris)
		}
		for i, u := range uris {
			want := f.clear[fmt.Sprintf("enc/seg%d.ts", i)]
			p := resolve(t, "/dec/enc/index.m3u8", u)
			resp, body := get(t, tc, p)
			if resp.StatusCode != 200 || !bytes.Equal(body, want) {
				t.Fatalf("segment %d: status %d, %d bytes, want %d", i, resp.StatusCode, len(body), len(want))
			}
			if i == 0 {
				resp, body = get(t, tc, p, "Range", "bytes=17-1500")
				if resp.StatusCode != 206 || !bytes.Equal(body, want[17:1501]) {
					t.Fatalf("range: status %d, %d bytes", resp.StatusCode, len(body))
				}
				if cr := resp.Header.Get("Content-Range"); cr != fmt.Sprintf("bytes 17-1500/%d", len(want)) {
					t.Errorf("Content-Range %q", cr)
				}
				tampered := strings.Replace(p, "mgctx=", "mgctx=A", 1)
				if resp, _ := get(t, tc, tampered); resp.StatusCode != 403 {
					t.Errorf("tampered context: %d", resp.StatusCode)
				}
			}
		}
		if resp, _ := get(t, tc, "/dec/enc/broken.m3u8"); resp.StatusCode != 200 {
			t.Fatalf("broken playlist: %d", resp.StatusCode)
		}
		_, pl = get(t, tc, "/dec/enc/broken.m3u8")
		broken := resolve(t, "/dec/enc/broken.m3u8", uriLine.FindString(string(pl)))
		if resp, _ := get(t, tc, broken); resp.StatusCode != 502 {
			t.Errorf("segment not a multiple of 16: %d, want 502", resp.StatusCode)
		}
	})

	for _, mode := range []struct{ prefix, keys, playlist string }{
		{"/enc", "/ekeys", "clear/index.m3u8"},
		{"/re", "/rkeys", "enc/index.m3u8"},
	} {
		t.Run("delivery encryption in "+mode.prefix+" decrypts to the original with the served key", func(t *testing.T) {
			pp := mode.prefix + "/" + mode.playlist
			resp, pl := get(t, tc, pp)
			if resp.StatusCode != 200 {
				t.Fatalf("playlist %d", resp.StatusCode)
			}
			keys := keyAttr.FindAllStringSubmatch(string(pl), -1)
			if len(keys) != 1 || !strings.HasPrefix(keys[0][1], mode.keys+"/") || keys[0][2] == "" {
				t.Fatalf("want one delivery key with IV:\n%s", pl)
			}
			resp, key := get(t, tc, keys[0][1])
			if resp.StatusCode != 200 || len(key) != 16 {
				t.Fatalf("key: %d, %d bytes", resp.StatusCode, len(key))
			}
			iv, err := hex.DecodeString(keys[0][2])
			if err != nil || len(iv) != 16 {
				t.Fatalf("IV %q: %v", keys[0][2], err)
			}
			dir := mode.playlist[:strings.LastIndexByte(mode.playlist, '/')]
			for i, u := range uriLine.FindAllString(string(pl), -1) {
				want := f.clear[fmt.Sprintf("%s/seg%d.ts", dir, i)]
				resp, ct := get(t, tc, resolve(t, pp, u))
				if resp.StatusCode != 200 {
					t.Fatalf("segment %d: %d", i, resp.StatusCode)
				}
				if got := decryptDelivered(t, key, iv, ct); !bytes.Equal(got, want) {
					t.Fatalf("segment %d does not decrypt to the original", i)
				}
				resp, part := get(t, tc, resolve(t, pp, u), "Range", "bytes=16-47")
				if resp.StatusCode != 206 || !bytes.Equal(part, ct[16:min(48, len(ct))]) {
					t.Fatalf("segment %d range: %d, %d bytes", i, resp.StatusCode, len(part))
				}
			}
		})
	}

	t.Run("reencrypt never serves the storage key", func(t *testing.T) {
		if resp, body := get(t, tc, "/rkeys/enc/keys/storage.key.bin"); resp.StatusCode != 404 || bytes.Equal(body, f.storageKey) {
			t.Fatalf("storage key reachable: %d", resp.StatusCode)
		}
	})
}
