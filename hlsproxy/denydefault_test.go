package hlsproxy_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// forbidden reports which of the secrets appear in a response body.
func leaked(body []byte, secrets map[string][]byte) []string {
	var out []string
	for name, s := range secrets {
		probe := s
		if len(probe) > 32 {
			probe = probe[len(probe)/2-16 : len(probe)/2+16]
		}
		if len(probe) > 0 && bytes.Contains(body, probe) {
			out = append(out, name)
		}
	}
	return out
}

// In decrypt, encrypt and reencrypt nothing but playlists, segments through
// their sealed context and derived keys leaves the proxy: not the storage
// key by any spelling or method, not the at-rest or clear segment without its
// context. In passthrough the key object is served only under key_path.
func TestCryptoModesDenyEverythingTheyDoNotList(t *testing.T) {
	tc, f := startProxy(t)
	storage := map[string][]byte{"storage key": f.storageKey}
	clear := map[string][]byte{"clear seg0": f.clear["clear/seg0.ts"], "clear seg1": f.clear["clear/seg1.ts"]}
	cases := []struct {
		path    string
		hdr     []string
		secrets map[string][]byte
	}{
		{"/dec/enc/keys/storage.key.bin", nil, storage},
		{"/dec/enc/keys/STORAGE.KEY.BIN", nil, storage},
		{"/dec/enc/keys/storage%2ekey%2ebin", nil, storage},
		{"/dec/enc/keys/storage.%6bey.bin", nil, storage},
		{"/dec/enc/keys/storage.key.bin?download", nil, storage},
		{"/dec/enc/keys/storage.key.bin", []string{"Range", "bytes=0-7"}, storage},
		{"/re/enc/keys/storage.key.bin", nil, storage},
		{"/re/enc/keys/storage.key.bin", []string{"Range", "bytes=8-15"}, storage},
		{"/rkeys/enc/keys/storage.key.bin", nil, storage},
		{"/ekeys/enc/keys/storage.key.bin", nil, storage},
		{"/enc/enc/keys/storage.key.bin", nil, storage},
		{"/pass/enc/keys/storage.key.bin", nil, storage},
		{"/pass/enc/keys/storage.key.bin", []string{"Range", "bytes=0-7"}, storage},
		{"/enc/clear/seg0.ts", nil, clear},
		{"/enc/clear/seg1.ts?mgctx=", nil, clear},
		{"/enc/clear/seg1.ts", []string{"Range", "bytes=0-100"}, clear},
		{"/re/clear/seg0.ts", nil, clear},
		{"/dec/clear/seg0.ts", nil, clear},
		{"/dec/enc/seg0.ts", nil, map[string][]byte{"at-rest seg0": encryptedOf(t, tc, "/pass/enc/seg0.ts")}},
	}
	for _, c := range cases {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			resp, body := do(t, tc, method, c.path, c.hdr...)
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Errorf("%s %s %v: status %d, want a 4xx", method, c.path, c.hdr, resp.StatusCode)
			}
			if l := leaked(body, c.secrets); len(l) > 0 || resp.ContentLength > 0 && resp.StatusCode < 300 {
				t.Errorf("%s %s %v: leaked %v (%d bytes)", method, c.path, c.hdr, l, len(body))
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("%s %s: error Cache-Control %q, want no-store", method, c.path, cc)
			}
		}
	}
	// The sanctioned paths still serve: the key through passthrough's key
	// path, and decrypt mode's clear segments through their context.
	if resp, body := get(t, tc, "/pkeys/enc/keys/storage.key.bin"); resp.StatusCode != 200 || !bytes.Equal(body, f.storageKey) {
		t.Errorf("passthrough key path: %d", resp.StatusCode)
	}
	resp, pl := get(t, tc, "/dec/clear/index.m3u8")
	if resp.StatusCode != 200 || !strings.Contains(string(pl), "seg0.ts?mgctx=") {
		t.Fatalf("decrypt mode gives clear segments no context:\n%s", pl)
	}
	for i, u := range uriLine.FindAllString(string(pl), -1) {
		resp, body := get(t, tc, resolve(t, "/dec/clear/index.m3u8", u))
		if want := f.clear[[]string{"clear/seg0.ts", "clear/seg1.ts", "clear/seg2.ts"}[i]]; resp.StatusCode != 200 || !bytes.Equal(body, want) {
			t.Errorf("clear segment %d through its context: %d", i, resp.StatusCode)
		}
	}
}

// encryptedOf reads the at-rest bytes of an object through passthrough.
func encryptedOf(t *testing.T, tc *caddytest.Tester, path string) []byte {
	t.Helper()
	resp, body := get(t, tc, path)
	if resp.StatusCode != 200 || len(body) < 32 {
		t.Fatalf("%s: %d", path, resp.StatusCode)
	}
	return body
}

// do sends one request with the given method and header pairs.
func do(t *testing.T, tc *caddytest.Tester, method, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := tc.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: body: %v", method, path, err)
	}
	return resp, body
}
