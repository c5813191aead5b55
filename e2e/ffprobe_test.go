package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// probeFrames decodes every stream of src with ffprobe (testutil.ProbeFrames);
// extra are more ffprobe options (e.g. -http_proxy).
func probeFrames(t *testing.T, ffprobe, src string, extra ...string) ([]string, error) {
	t.Helper()
	return testutil.ProbeFrames(ffprobe, src, 90*time.Second, redact, extra...)
}

// sourceFrames counts the frames of a committed sample stream read from disk.
func sourceFrames(t *testing.T, ffprobe, stream string) []string {
	t.Helper()
	got, err := probeFrames(t, ffprobe, filepath.Join(testutil.RepoRoot(t), "testdata", "sample", stream, "master.m3u8"))
	if err != nil {
		t.Fatalf("counting the source frames: %v", err)
	}
	return got
}

// withToken appends ?__token__=<tok> to a URL, unescaped as the Akamai SDK examples do (every
// character of a token is legal in a query).
func withToken(u, tok string) string { return u + "?__token__=" + tok }

func TestFFprobeDecodesEveryFrameThroughTokenizedURIs(t *testing.T) {
	ffprobe := testutil.RequireTool(t, "ffprobe")
	clear := sourceFrames(t, ffprobe, "clear")
	fmp4 := sourceFrames(t, ffprobe, "fmp4")
	for _, kind := range testutil.S3Kinds { // a real player, whichever S3 server holds the stream
		t.Run(kind, func(t *testing.T) { testFFprobeTokenized(t, ffprobe, startStackOn(t, kind), clear, fmp4) })
	}
}

func testFFprobeTokenized(t *testing.T, ffprobe string, st *stack, clear, fmp4 []string) {

	for _, tc := range []struct {
		name, site, stream string
		want               []string
	}{
		{"passthrough serves clear MPEG-TS", sitePassthrough, "clear", clear},
		{"passthrough serves AES-128 at rest with its keys", sitePassthrough, "aes", clear},
		{"passthrough serves fMP4", sitePassthrough, "fmp4", fmp4},
		{"decrypt serves AES-128 at rest in the clear", siteDecrypt, "aes", clear},
		{"encrypt serves clear at rest encrypted", siteEncrypt, "clear", clear},
		{"encrypt serves fMP4 encrypted", siteEncrypt, "fmp4", fmp4},
		{"reencrypt serves AES-128 at rest under derived keys", siteReencrypt, "aes", clear},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := mintToken(t, st.Key, 5*time.Minute, "/hls/"+tc.stream+"/*", "/keys/"+tc.stream+"/*")
			got, err := probeFrames(t, ffprobe, withToken(st.Media[tc.site]+"/hls/"+tc.stream+"/master.m3u8", tok))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("decoded frames %v, want the source's %v", got, tc.want)
			}
		})
	}
}

func TestFFprobeDecodesEveryFrameThroughHybridCookie(t *testing.T) {
	ffprobe := testutil.RequireTool(t, "ffprobe")
	st := startStack(t)
	for _, stream := range []string{"clear", "fmp4"} {
		t.Run(stream, func(t *testing.T) {
			want := sourceFrames(t, ffprobe, stream)
			base := st.Media[siteCookie] + "/hls/" + stream
			// Without the cookie, a variant playlist alone is refused: the cookie is what lets
			// ffprobe through below, where only the master URL carries the token.
			if got, err := probeFrames(t, ffprobe, base+"/v0.m3u8"); err == nil {
				t.Fatalf("the variant playlist played without token or cookie: %v", got)
			}
			tok := mintToken(t, st.Key, 5*time.Minute, "/hls/"+stream+"/*")
			got, err := probeFrames(t, ffprobe, withToken(base+"/master.m3u8", tok))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("decoded frames %v, want the source's %v", got, want)
			}
		})
	}
}
