package hlsproxy_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// An HTTP origin may stream without Content-Length (chunked). In encrypt
// mode the delivered length is then unknown too: the segment must still be
// encrypted whole, not answered empty.
func TestEncryptStreamsOriginWithoutContentLength(t *testing.T) {
	clear := bytes.Repeat([]byte("0123456789abcdef-"), 1000)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/media/a/index.m3u8":
			fmt.Fprint(w, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n")
		case "/media/a/seg0.ts":
			w.Write(clear[:100])
			w.(http.Flusher).Flush() // headers go out without Content-Length: chunked
			w.Write(clear[100:])
		default:
			http.NotFound(w, r)
		}
	}))
	defer origin.Close()
	cfg := siteHeader + fmt.Sprintf(`	hls_proxy {
		origin %s/media
		strip_prefix /hls
		encryption encrypt
		key_secret test-key-secret-of-32-bytes-long
		key_path /keys
	}
}
`, origin.URL)
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2993})
	tc.InitServer(cfg, "caddyfile")

	_, pl := get(t, tc, "/hls/a/index.m3u8")
	m := keyAttr.FindStringSubmatch(string(pl))
	if m == nil {
		t.Fatalf("no key:\n%s", pl)
	}
	_, key := get(t, tc, m[1])
	iv, _ := hex.DecodeString(m[2])
	seg := uriLine.FindString(string(pl))
	resp, ct := get(t, tc, resolve(t, "/hls/a/index.m3u8", strings.TrimSpace(seg)))
	if resp.StatusCode != 200 || len(ct) == 0 {
		t.Fatalf("segment: %d, %d bytes", resp.StatusCode, len(ct))
	}
	if got := decryptDelivered(t, key, iv, ct); !bytes.Equal(got, clear) {
		t.Fatalf("decrypted %d bytes, want the %d-byte original", len(got), len(clear))
	}
}
