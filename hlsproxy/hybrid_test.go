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
// covers only the playlist. With session_cookie and tokenize, the playlist's
// URIs carry the minted session token, whose ACL covers the asset and its keys.
func TestTokenizedEntryTokenOpensSegmentsAndKeysThroughSessionToken(t *testing.T) {
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
	if resp.StatusCode != 200 {
		t.Fatalf("entry playlist: %d", resp.StatusCode)
	}
	if strings.Contains(string(pl), entry) {
		t.Fatal("the entry token was propagated; it does not cover the segments")
	}
	keys := keyAttr.FindStringSubmatch(string(pl))
	if keys == nil {
		t.Fatalf("no key tag:\n%s", pl)
	}
	if resp, body := get(t, tc, keys[1]); resp.StatusCode != 200 || len(body) != 16 {
		t.Fatalf("key through the session token: %d, %d bytes", resp.StatusCode, len(body))
	}
	for i, u := range uriLine.FindAllString(string(pl), -1) {
		if !strings.Contains(u, "RequestToken=") {
			t.Fatalf("segment URI %q carries no token", u)
		}
		if resp, body := get(t, tc, resolve(t, "/hls/clear/index.m3u8", u)); resp.StatusCode != 200 || len(body) < len(f.clear[fmt.Sprintf("clear/seg%d.ts", i)]) {
			t.Fatalf("segment %d: %d", i, resp.StatusCode)
		}
	}
	// The session token of asset "clear" opens neither another asset nor its key.
	seg := uriLine.FindString(string(pl))
	q, _ := url.ParseQuery(seg[strings.IndexByte(seg, '?')+1:])
	session := url.QueryEscape(q.Get("RequestToken"))
	if resp, _ := get(t, tc, "/hls/enc/seg0.ts?RequestToken="+session); resp.StatusCode != 403 {
		t.Errorf("session token on another asset: %d", resp.StatusCode)
	}
	if resp, _ := get(t, tc, "/keys/enc/aes128.key?RequestToken="+session); resp.StatusCode != 403 {
		t.Errorf("session token on another asset's key: %d", resp.StatusCode)
	}
	// Playlists are entry paths: the session token in a cookie or header would
	// not do, but a query session token is a valid query token.
	if resp, _ := get(t, tc, "/hls/clear/index.m3u8"); resp.StatusCode != 403 {
		t.Errorf("entry playlist without token: %d", resp.StatusCode)
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
// playlist's segment URIs carry, as tokenize promises; only the key URI,
// outside that token's ACL, carries the minted session token.
func TestTokenizeKeepsTheRequestTokenWhereItsACLCovers(t *testing.T) {
	g := testutil.StartVersityGW(t, testutil.VGWOptions{NoMeta: true, Buckets: []string{"media"}})
	writeFixture(t, g)
	tc := startHybridTokenize(t, g)
	key, _ := edgetoken.ParseKey(policyKeyHex)
	now := time.Now().Unix()
	entry, err := edgetoken.Generate(edgetoken.Options{Key: key, ACLs: []string{"/hls/clear/*"}, Start: now, Expires: now + 300})
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
	if got := kq.Get("RequestToken"); got == "" || got == entry {
		t.Fatalf("key URI %q should carry the session token", keys[1])
	}
	if resp, body := get(t, tc, keys[1]); resp.StatusCode != 200 || len(body) != 16 {
		t.Fatalf("key through the session token: %d, %d bytes", resp.StatusCode, len(body))
	}
}
