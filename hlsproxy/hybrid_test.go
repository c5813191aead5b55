package hlsproxy_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// An entry token signed the way the PHP call sites do (acl=<playlist path>*)
// covers only the playlist. With session_cookie and tokenize, the view plays
// through the minted cookie (whose ACL covers the asset and its keys) and no
// token at all is written into the playlist: the entry token does not cover
// the URIs, and the HttpOnly cookie token must never reach a body.
func TestTokenizedPHPEntryTokenPlaysThroughTheCookieWithNoTokenInTheBody(t *testing.T) {
	g := testutil.StartVersityGW(t, testutil.VGWOptions{NoMeta: true, Buckets: []string{"media"}})
	f := writeFixture(t, g)
	tc := startHybridTokenize(t, g)

	key, _ := edgetoken.ParseKey(policyKeyHex)
	now := time.Now().Unix()
	entry, err := edgetoken.Generate(edgetoken.Options{Key: key, ACLs: []string{"/hls/clear/index.m3u8*"}, Start: now, Expires: now + 300})
	if err != nil {
		t.Fatal(err)
	}
	resp, pl := get(t, tc, "/hls/clear/index.m3u8?RequestToken="+url.QueryEscape(entry))
	if resp.StatusCode != 200 || len(resp.Cookies()) != 1 {
		t.Fatalf("entry playlist: %d, cookies %q", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
	ck := resp.Cookies()[0]
	if strings.Contains(string(pl), "RequestToken") || strings.Contains(string(pl), ck.Value) || strings.Contains(string(pl), "hmac=") {
		t.Fatalf("a token was written into the playlist:\n%s", pl)
	}
	cookie := []string{"Cookie", ck.Name + "=" + ck.Value}
	keys := keyAttr.FindStringSubmatch(string(pl))
	if keys == nil {
		t.Fatalf("no key tag:\n%s", pl)
	}
	if resp, body := get(t, tc, keys[1], cookie...); resp.StatusCode != 200 || len(body) != 16 {
		t.Fatalf("key through the cookie: %d, %d bytes", resp.StatusCode, len(body))
	}
	for i, u := range uriLine.FindAllString(string(pl), -1) {
		if resp, body := get(t, tc, resolve(t, "/hls/clear/index.m3u8", u), cookie...); resp.StatusCode != 200 || len(body) < len(f.clear[fmt.Sprintf("clear/seg%d.ts", i)]) {
			t.Fatalf("segment %d: %d", i, resp.StatusCode)
		}
	}
	// The cookie of asset "clear" opens neither another asset nor its key,
	// and its token is no query token.
	if resp, _ := get(t, tc, "/hls/enc/index.m3u8", cookie...); resp.StatusCode != 403 {
		t.Errorf("cookie on another asset: %d", resp.StatusCode)
	}
	if resp, _ := get(t, tc, "/keys/enc/aes128.key", cookie...); resp.StatusCode != 403 {
		t.Errorf("cookie on another asset's key: %d", resp.StatusCode)
	}
	if resp, _ := get(t, tc, "/hls/clear/index.m3u8?RequestToken="+url.QueryEscape(ck.Value)); resp.StatusCode != 403 || len(resp.Cookies()) != 0 {
		t.Errorf("cookie token as a query token: %d, cookies %q", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
	// Playlists are entry paths here: the cookie alone does not open them.
	if resp, _ := get(t, tc, "/hls/clear/index.m3u8", cookie...); resp.StatusCode != 403 {
		t.Errorf("entry playlist with the cookie only: %d", resp.StatusCode)
	}
}

// startHybridTokenize starts Caddy with hybrid session cookies (scoped to
// the asset and its keys), entry playlists, encrypt mode and tokenize.
func startHybridTokenize(t *testing.T, g *testutil.VGW) *caddytest.Tester {
	t.Helper()
	t.Setenv("MG_TEST_EDGE_KEY", policyKeyHex)
	cfg := siteHeader + fmt.Sprintf(`	edgeauth {
		key {env.MG_TEST_EDGE_KEY}
		query RequestToken
		session_cookie {
			acl /hls/{http.request.uri.path.1}/*!/keys/{http.request.uri.path.1}/*
		}
		entry *.m3u8
	}
	hls_proxy {
		origin s3://media {
			endpoint %s
			region us-east-1
			access_key %s
			secret_key %s
		}
		strip_prefix /hls
		encryption encrypt
		key_secret test-key-secret-of-32-bytes-long
		key_path /keys
		tokenize
	}
}
`, g.Endpoint, g.Access, g.Secret)
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2993})
	tc.InitServer(cfg, "caddyfile")

	return tc
}

// A request token that covers the asset directory is the token that the
// playlist's segment URIs carry, as tokenize promises; the key URI, outside
// that token's ACL, carries none (the cookie opens it) — and a token that
// names the key directory too is carried by the key URI as well.
func TestTokenizeKeepsTheRequestTokenWhereItsACLCovers(t *testing.T) {
	g := testutil.StartVersityGW(t, testutil.VGWOptions{NoMeta: true, Buckets: []string{"media"}})
	writeFixture(t, g)
	tc := startHybridTokenize(t, g)
	key, _ := edgetoken.ParseKey(policyKeyHex)
	now := time.Now().Unix()
	for _, acls := range [][]string{{"/hls/clear/*"}, {"/hls/clear/*", "/keys/clear/*"}} {
		entry, err := edgetoken.Generate(edgetoken.Options{Key: key, ACLs: acls, Start: now, Expires: now + 300})
		if err != nil {
			t.Fatal(err)
		}
		resp, pl := get(t, tc, "/hls/clear/index.m3u8?RequestToken="+url.QueryEscape(entry))
		if resp.StatusCode != 200 {
			t.Fatalf("entry playlist: %d", resp.StatusCode)
		}
		segs := uriLine.FindAllString(string(pl), -1)
		if len(segs) == 0 {
			t.Fatalf("no segment URIs:\n%s", pl)
		}
		for _, u := range segs {
			q, _ := url.ParseQuery(u[strings.IndexByte(u, '?')+1:])
			if got := q["RequestToken"]; len(got) != 1 || got[0] != entry {
				t.Fatalf("segment URI %q: RequestToken = %q, want the request's token", u, got)
			}
		}
		keys := keyAttr.FindStringSubmatch(string(pl))
		if keys == nil {
			t.Fatalf("no key tag:\n%s", pl)
		}
		kq, _ := url.ParseQuery(keys[1][strings.IndexByte(keys[1], '?')+1:])
		if want := map[bool]string{true: entry, false: ""}[len(acls) == 2]; kq.Get("RequestToken") != want {
			t.Fatalf("acl %v: key URI %q, want token %q", acls, keys[1], want)
		}
		if len(acls) == 2 {
			if resp, body := get(t, tc, keys[1]); resp.StatusCode != 200 || len(body) != 16 {
				t.Fatalf("key through the request token: %d, %d bytes", resp.StatusCode, len(body))
			}
		}
	}
}
