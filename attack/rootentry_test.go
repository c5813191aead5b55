package attack

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// Root-level entries (issue 24, finding 1): a playlist directly under
// strip_prefix (or at "/" with nothing stripped, or behind handle_path)
// belongs to no asset, so the cookie its token mints covers nothing its
// token did not — never the whole tree or every key.

// rootEntryCaddyfile: three sites whose entry sits at the root of the asset
// tree in the ways the matrix (strip_prefix /hls) does not: no strip_prefix,
// handle_path in front of edgeauth, and a URL-mode token.
const rootEntryCaddyfile = ownGlobal + `(origin) {
	origin s3://media {
		region us-east-1
		endpoint %[4]s
		access_key {env.ATTACK_S3_ACCESS}
		secret_key {env.ATTACK_S3_SECRET}
	}
}
# no strip_prefix: the asset tree is the host
https://localhost:%[5]d {
	edgeauth {
		key {env.ATTACK_EDGEAUTH_KEY}
		session_cookie {
			lifetime 10m
		}
	}
	hls_proxy {
		import origin
		key_path /keys
		encryption decrypt
		key_secret {env.ATTACK_KEY_SECRET}
	}
}
# handle_path: edgeauth sees the stripped path
https://localhost:%[6]d {
	handle_path /hls/* {
		edgeauth {
			key {env.ATTACK_EDGEAUTH_KEY}
			session_cookie {
				lifetime 10m
			}
		}
		hls_proxy {
			import origin
		}
	}
}
# url_mode with a session cookie under strip_prefix
https://localhost:%[7]d {
	edgeauth {
		key {env.ATTACK_EDGEAUTH_KEY}
		url_mode
		session_cookie {
			lifetime 10m
		}
	}
	hls_proxy {
		import origin
		strip_prefix /hls
		key_path /keys
		encryption decrypt
		key_secret {env.ATTACK_KEY_SECRET}
	}
}
`

// rootAttempt is one root-level entry request and where the assets live on
// its site (the prefix a's, b's and enc's paths start with).
type rootAttempt struct {
	site   *site
	target string // the root-level entry, e.g. /hls/index.m3u8
	token  string
	tree   string // "/hls" or "" — where assets a, b, enc are reached
	keys   string // key path ("" when the site serves no keys apart)
	// covered is what the token itself covers as literal directories; a
	// minted cookie must stay within it (nil: no cookie may be minted).
	covered []string
}

// rowRootEntryMintsNoWider: a token for a root-level entry mints no cookie,
// or one within the directories the token itself covered; whatever it mints
// opens no asset's playlist, segment or key.
func rowRootEntryMintsNoWider(t *testing.T, st *stack) {
	master := st.Assets["a"].Objects["master.m3u8"]
	st.VGW.PutObject(t, "media", "index.m3u8", master, "application/vnd.apple.mpegurl", nil)
	st.VGW.PutObject(t, "media", "root.m3u8", master, "", nil)

	var attempts []rootAttempt
	for _, s := range st.matrix(nil) {
		for _, entry := range []string{"/hls/index.m3u8", "/hls/root.m3u8"} {
			attempts = append(attempts,
				rootAttempt{s, entry, st.token(t, "exact "+entry, entry), "/hls", "/keys", nil},
				rootAttempt{s, entry, st.token(t, "playlist-star "+entry, entry+"*"), "/hls", "/keys", nil},
			)
		}
	}
	attempts = append(attempts, ownRootSites(t, st)...)

	c := newClient(st)
	defer c.closeAll()
	for _, a := range attempts {
		r := request{Target: q(a.target, a.token)}
		res := c.do(t, a.site, r)
		if res.Status != 200 {
			st.reg.fail(t, "%s: status %d: the root-level playlist must still play with its own token", st.reg.describe(a.site, r), res.Status)
		}
		cookie, acl := cookieOf(res)
		if cookie == "" {
			continue
		}
		if a.covered == nil || !within(acl, a.covered...) {
			st.reg.fail(t, "%s: a root-level entry minted acl %q, wider than its token (covers %q)", st.reg.describe(a.site, r), strings.Join(acl, "!"), a.covered)
		}
		cookieOpensNoAsset(t, st, c, a, cookie)
	}
}

// ownRootSites starts the three sites of rootEntryCaddyfile and returns
// their attempts.
func ownRootSites(t *testing.T, st *stack) []rootAttempt {
	ports := testutil.FreePorts(t, 6)
	cf := fmt.Sprintf(rootEntryCaddyfile, ports[0], ports[1], ports[2], st.VGW.Endpoint, ports[3], ports[4], ports[5])
	testutil.StartCaddy(t, cf, ports[0], []string{
		"ATTACK_EDGEAUTH_KEY=" + st.Key, "ATTACK_KEY_SECRET=" + st.KeySecret,
		"ATTACK_S3_ACCESS=" + st.VGW.Access, "ATTACK_S3_SECRET=" + st.VGW.Secret,
	}, ports[3], ports[4], ports[5])
	nostrip := &site{Name: "root:no strip_prefix", Port: ports[3], Kind: "root", Mode: "decrypt"}
	handlePath := &site{Name: "root:handle_path", Port: ports[4], Kind: "root", Mode: "passthrough"}
	urlMode := &site{Name: "root:url_mode", Port: ports[5], Kind: "root", Mode: "decrypt"}
	urlTok := st.tokenOpts(t, "url-mode /hls/index.m3u8", edgetoken.Options{URL: "/hls/index.m3u8", Window: 5 * time.Minute})
	return []rootAttempt{
		{nostrip, "/index.m3u8", st.token(t, "exact /index.m3u8", "/index.m3u8"), "", "/keys", nil},
		{nostrip, "/index.m3u8", st.token(t, "playlist-star /index.m3u8", "/index.m3u8*"), "", "/keys", nil},
		// handle_path strips /hls before edgeauth: the token is signed for
		// the path edgeauth sees.
		{handlePath, "/hls/index.m3u8", st.token(t, "exact stripped /index.m3u8", "/index.m3u8"), "/hls", "", nil},
		{handlePath, "/hls/index.m3u8", st.token(t, "playlist-star stripped /index.m3u8", "/index.m3u8*"), "/hls", "", nil},
		{urlMode, "/hls/index.m3u8", urlTok, "/hls", "/keys", nil},
	}
}

// cookieOpensNoAsset fetches a's, b's and enc's playlists, segments and keys
// with only the minted cookie: each answer is a refusal without their bytes.
func cookieOpensNoAsset(t *testing.T, st *stack, c *client, a rootAttempt, cookie string) {
	t.Helper()
	var forbidden []probe
	for _, name := range []string{"a", "b", "enc"} {
		forbidden = append(forbidden, st.Assets[name].everything()...)
	}
	targets := []string{"/a/master.m3u8", "/a/v0.m3u8", "/a/v0_0.ts", "/b/v0.m3u8", "/b/v0_0.ts", "/b/key.bin", "/enc/enc.key", "/enc/k2"}
	for i := range targets {
		targets[i] = a.tree + targets[i]
	}
	if a.keys != "" {
		targets = append(targets, a.keys+"/b/key.bin", a.keys+"/enc/enc.key", a.keys+"/a/key.bin")
	}
	for _, target := range targets {
		r := request{Target: target, Cookie: cookie}
		res := c.do(t, a.site, r)
		if res.Status < 400 {
			st.reg.fail(t, "%s (cookie minted by root-level %s): status %d: the cookie opened an asset", st.reg.describe(a.site, r), a.target, res.Status)
		}
		st.reg.forbid(t, a.site, r, res, forbidden)
	}
}
