package e2e

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

func get(t *testing.T, c *http.Client, u string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL, token included
		}
		t.Fatalf("GET %s: %v", redact(u), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", redact(u), err)
	}
	return resp, body
}

func TestRefusedRequestsAre403WithTheReasonExposedToThePlayerOrigin(t *testing.T) {
	st := startStack(t)
	c := insecureClient()
	master := st.Media[sitePassthrough] + "/hls/clear/master.m3u8"
	good := mintToken(t, st.Key, 5*time.Minute, "/hls/clear/*")
	for _, tc := range []struct {
		name, url, reason string
	}{
		{"no token", master, "missing"},
		{"expired token", withToken(master, mintExpiredToken(t, st.Key, "/hls/clear/*")), "expired"},
		{"tampered token", withToken(master, tamper(good)), "bad_hmac"},
		{"token for another asset", withToken(master, mintToken(t, st.Key, 5*time.Minute, "/hls/fmp4/*")), "acl_mismatch"},
		{"token signed with another key", withToken(master, mintToken(t, testutil.RandomHex(t, 32), 5*time.Minute, "/hls/clear/*")), "bad_hmac"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, c, tc.url, map[string]string{"Origin": st.PageBase})
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403; body %q", resp.StatusCode, body)
			}
			if got := resp.Header.Get("X-Edgeauth-Reason"); got != tc.reason {
				t.Errorf("X-Edgeauth-Reason %q, want %q", got, tc.reason)
			}
			if got := strings.TrimSpace(string(body)); got != tc.reason {
				t.Errorf("body %q, want the reason %q", got, tc.reason)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != st.PageBase {
				t.Errorf("Access-Control-Allow-Origin %q on the denial, want %q (the player could not read the reason)", got, st.PageBase)
			}
			if !strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Expose-Headers")), "x-edgeauth-reason") {
				t.Errorf("Access-Control-Expose-Headers %q does not expose X-Edgeauth-Reason", resp.Header.Get("Access-Control-Expose-Headers"))
			}
		})
	}
	t.Run("URL-encoded valid token, as site code often sends it", func(t *testing.T) {
		resp, body := get(t, c, master+"?__token__="+url.QueryEscape(good), nil)
		if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(body, []byte("#EXTM3U")) {
			t.Fatalf("status %d body %q, want 200 and a playlist", resp.StatusCode, body)
		}
	})
	t.Run("valid token", func(t *testing.T) {
		resp, body := get(t, c, withToken(master, good), map[string]string{"Origin": st.PageBase})
		if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(body, []byte("#EXTM3U")) {
			t.Fatalf("status %d body %q, want 200 and a playlist", resp.StatusCode, body)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != st.PageBase {
			t.Errorf("Access-Control-Allow-Origin %q, want %q", got, st.PageBase)
		}
		if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "true" {
			t.Errorf("Access-Control-Allow-Credentials %q, want true", got)
		}
	})
}

func TestEveryModeDeliversSegmentsThatDecryptToTheSourceBytes(t *testing.T) {
	for _, kind := range testutil.S3Kinds { // the same bytes whichever S3 server holds them
		t.Run(kind, func(t *testing.T) { testEveryModeDeliversSourceBytes(t, startStackOn(t, kind)) })
	}
}

func testEveryModeDeliversSourceBytes(t *testing.T, st *stack) {
	c := insecureClient()
	for _, tc := range []struct {
		name, site, stream string
		wantEncrypted      bool
	}{
		{"passthrough keeps the clear stream clear", sitePassthrough, "clear", false},
		{"passthrough keeps the at-rest encryption and serves its keys", sitePassthrough, "aes", true},
		{"decrypt removes the at-rest encryption", siteDecrypt, "aes", false},
		{"encrypt adds a derived key", siteEncrypt, "clear", true},
		{"reencrypt swaps the at-rest keys for a derived one", siteReencrypt, "aes", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := mintToken(t, st.Key, 5*time.Minute, "/hls/"+tc.stream+"/*", "/keys/"+tc.stream+"/*")
			for _, variant := range []string{"v0.m3u8", "v1.m3u8"} { // explicit IV; sequence IV + key rotation
				pl := st.Media[tc.site] + "/hls/" + tc.stream + "/" + variant
				segs := fetchMediaPlaylist(t, c, pl, tok)
				if len(segs) != 3 {
					t.Fatalf("%s: %d segments, want 3", variant, len(segs))
				}
				for _, s := range segs {
					if (s.Method == "AES-128") != tc.wantEncrypted {
						t.Errorf("%s: segment %s has METHOD=%q, want encrypted=%v", variant, s.name, s.Method, tc.wantEncrypted)
					}
					got := fetchSegment(t, c, s)
					want, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "testdata", "sample", "clear", s.name))
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got, want) {
						t.Errorf("%s: segment %s: %d bytes after decryption differ from the clear source (%d bytes)", variant, s.name, len(got), len(want))
					}
				}
			}
		})
	}
}

// tamper flips the last hex digit of a token's HMAC.
func tamper(tok string) string {
	last := tok[len(tok)-1]
	flipped := byte('0')
	if last == '0' {
		flipped = '1'
	}
	return tok[:len(tok)-1] + string(flipped)
}
