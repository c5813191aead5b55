package hlsproxy_test

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

const policyKeyHex = "0123456789abcdef0123456789abcdef"

// putObject stores an object in bucket "dam" through the S3 API, so the server keeps its
// user metadata.
func putObject(t *testing.T, g testutil.S3Server, key string, body []byte, meta map[string]string) {
	t.Helper()
	g.PutObject(t, "dam", key, body, "", meta)
}

func TestAssetPolicyFromObjectMetadata(t *testing.T) {
	testutil.EachS3Server(t, testutil.S3Options{Buckets: []string{"dam"}, Meta: true}, testAssetPolicyFromObjectMetadata)
}

func testAssetPolicyFromObjectMetadata(t *testing.T, g testutil.S3Server) {
	public := bytes.Repeat([]byte("public "), 1000)
	secret := bytes.Repeat([]byte("secret "), 1000)
	putObject(t, g, "assets/brochure.pdf", public, map[string]string{"tokenize": "false"})
	putObject(t, g, "assets/contract.pdf", secret, map[string]string{"tokenize": "true"})
	putObject(t, g, "assets/unmarked.pdf", secret, nil)
	putObject(t, g, "assets/leaky.key", bytes.Repeat([]byte{1}, 16), map[string]string{"tokenize": "false"})
	putObject(t, g, "assets/pub/index.m3u8", []byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n"), map[string]string{"tokenize": "false"})
	putObject(t, g, "assets/prot/index.m3u8", []byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n"), map[string]string{"tokenize": "true"})

	t.Setenv("MG_TEST_EDGE_KEY", policyKeyHex)
	cfg := siteHeader + fmt.Sprintf(`	route /dam/* {
		edgeauth {
			key {env.MG_TEST_EDGE_KEY}
			optional
		}
		hls_proxy {
			origin s3://dam {
				endpoint %s
				region us-east-1
				access_key %s
				secret_key %s
			}
			strip_prefix /dam
			tokenize
			asset_policy metadata x-amz-meta-tokenize default protected
		}
	}
}
`, g.Conn().Endpoint, g.Conn().Access, g.Conn().Secret)
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2993})
	tc.InitServer(cfg, "caddyfile")

	key, _ := edgetoken.ParseKey(policyKeyHex)
	tok, err := edgetoken.Generate(edgetoken.Options{Key: key, ACLs: []string{"/dam/*"}, Window: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	withToken := "?__token__=" + tok

	cases := []struct {
		name, path string
		status     int
		body       []byte
	}{
		{"public object without token is served", "/dam/assets/brochure.pdf", 200, public},
		{"protected object without token is refused", "/dam/assets/contract.pdf", 403, nil},
		{"object without the header takes the protected default", "/dam/assets/unmarked.pdf", 403, nil},
		{"protected object with token is served", "/dam/assets/contract.pdf" + withToken, 200, secret},
		{"key objects are protected whatever their metadata", "/dam/assets/leaky.key", 403, nil},
		{"protected playlist without token is refused", "/dam/assets/prot/index.m3u8", 403, nil},
		{"public playlist without token is served", "/dam/assets/pub/index.m3u8", 200, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := get(t, tc, c.path)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
			}
			if c.status == 403 && (bytes.Contains(body, []byte("secret")) || len(body) > 200) {
				t.Fatalf("refusal leaked %d body bytes", len(body))
			}
			if c.body != nil && !bytes.Equal(body, c.body) {
				t.Fatalf("body differs: %d bytes", len(body))
			}
		})
	}

	t.Run("public playlist carries no token and a protected one does", func(t *testing.T) {
		_, pub := get(t, tc, "/dam/assets/pub/index.m3u8"+withToken)
		if !bytes.Contains(pub, []byte("\nseg0.ts?__token__=")) {
			t.Fatalf("authenticated request for a public playlist: tokenized as usual:\n%s", pub)
		}
		_, anon := get(t, tc, "/dam/assets/pub/index.m3u8")
		if bytes.Contains(anon, []byte("__token__")) {
			t.Fatalf("anonymous public playlist got a token:\n%s", anon)
		}
		_, prot := get(t, tc, "/dam/assets/prot/index.m3u8"+withToken)
		if !bytes.Contains(prot, []byte("seg0.ts?__token__=")) {
			t.Fatalf("protected playlist not tokenized:\n%s", prot)
		}
	})

	t.Run("download with a hostile name gets a safe attachment", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, base+"/dam/assets/brochure.pdf?download=%2E%2E%2F%0D%0ASet-Cookie%3A%20a%3D1%22.pdf", nil)
		resp, err := tc.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Set-Cookie") != "" {
			t.Fatal("header injected through the file name")
		}
		_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
		if err != nil || params["filename"] == "" || bytes.ContainsAny([]byte(params["filename"]), "/\\\"\r\n") {
			t.Fatalf("Content-Disposition %q (%v)", resp.Header.Get("Content-Disposition"), err)
		}
	})

	t.Run("resumable download with Range and If-Range", func(t *testing.T) {
		resp, body := get(t, tc, "/dam/assets/brochure.pdf", "Range", "bytes=100-199")
		if resp.StatusCode != 206 || !bytes.Equal(body, public[100:200]) {
			t.Fatalf("range: %d, %d bytes", resp.StatusCode, len(body))
		}
		etag := resp.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag from the gateway")
		}
		if resp, _ := get(t, tc, "/dam/assets/brochure.pdf", "If-None-Match", etag); resp.StatusCode != 304 {
			t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
		}
		resp, body = get(t, tc, "/dam/assets/brochure.pdf", "Range", "bytes=0-9", "If-Range", `"stale"`)
		if resp.StatusCode != 200 || len(body) != len(public) {
			t.Errorf("stale If-Range: %d, %d bytes; want the whole object", resp.StatusCode, len(body))
		}
	})
}
