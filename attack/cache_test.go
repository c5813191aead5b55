package attack

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// objectCacheCaddyfile: two sites on one origin bucket with different
// policies, both with object_cache (small, so a working set evicts) and a
// 1 s revalidation TTL: "open" (no edgeauth: the proxy does not judge) and
// "gated" (edgeauth, tokenize).
const objectCacheCaddyfile = ownGlobal + s3OriginSnippet + `
https://localhost:%[3]d {
	hls_proxy {
		import origin
		strip_prefix /hls
		object_cache 2MiB
		vod_cache_ttl 1s
	}
}

https://localhost:%[4]d {
	edgeauth {
		key {env.ATTACK_EDGEAUTH_KEY}
	}
	hls_proxy {
		import origin
		strip_prefix /hls
		key_path /keys
		tokenize
		object_cache 2MiB
		vod_cache_ttl 1s
	}
}
`

// rowObjectCache: object_cache never hands a cached object to a request
// decide refused, is not poisoned by a Range, HEAD or If-None-Match, serves
// a replaced object changed after its TTL, keeps no viewer's token in a
// playlist, and serves the right bytes under eviction. It runs its own
// bin/caddy (a build without object_cache does not start: the row fails).
func rowObjectCache(t *testing.T, st *stack) {
	ports := testutil.FreePorts(t, 4)
	cf := fmt.Sprintf(objectCacheCaddyfile, ports[0], ports[1], ports[2], ports[3], st.VGW.Endpoint)
	testutil.StartCaddy(t, cf, ports[0], []string{
		"ATTACK_EDGEAUTH_KEY=" + st.Key, "ATTACK_S3_ACCESS=" + st.VGW.Access, "ATTACK_S3_SECRET=" + st.VGW.Secret,
	}, ports[2], ports[3])
	open := &site{Name: "open+object_cache", Port: ports[2], Kind: "object_cache", Mode: "passthrough"}
	gated := &site{Name: "gated+object_cache", Port: ports[3], Kind: "object_cache", Mode: "passthrough"}
	c := newClient(st)
	defer c.closeAll()

	seg := testutil.RandomBytes(t, 300<<10)
	st.VGW.PutObject(t, "media", "cached/seg.ts", seg, "video/mp2t", nil)
	holder := st.token(t, "token for cached", "/hls/cached/*", "/keys/cached/*")
	want := func(s *site, r request, body []byte) {
		t.Helper()
		if res := c.do(t, s, r); res.Status != 200 || !bytes.Equal(res.Body, body) {
			st.reg.fail(t, "%s: status %d, %d bytes: want the object's %d bytes", st.reg.describe(s, r), res.Status, len(res.Body), len(body))
		}
	}
	// Hot on both sites.
	for range 2 {
		want(open, request{Target: "/hls/cached/seg.ts"}, seg)
		want(gated, request{Target: q("/hls/cached/seg.ts", holder)}, seg)
	}
	t.Run("a cached object reaches no request decide refused", func(t *testing.T) {
		strangers := map[string]string{"no token": "", "another asset's token": st.assetToken(t, "a"),
			"garbage token": "st=1~exp=9999999999~acl=/*~hmac=00"}
		for who, tok := range strangers {
			target := "/hls/cached/seg.ts"
			if tok != "" {
				target = q(target, tok)
			}
			for _, r := range cacheVariants(target) {
				res := c.do(t, gated, r)
				if res.Status < 400 {
					st.reg.fail(t, "%s (%s): status %d: a cached object answered a refused request", st.reg.describe(gated, r), who, res.Status)
				}
				st.reg.forbid(t, gated, r, res, windows("cached object cached/seg.ts", seg))
			}
		}
	})
	t.Run("Range, HEAD and If-None-Match do not poison the cache", func(t *testing.T) {
		fresh := testutil.RandomBytes(t, 200<<10)
		st.VGW.PutObject(t, "media", "cached/poison.ts", fresh, "video/mp2t", nil)
		for _, r := range cacheVariants(q("/hls/cached/poison.ts", holder)) {
			c.do(t, gated, r)
			want(gated, request{Target: q("/hls/cached/poison.ts", holder)}, fresh)
		}
	})
	t.Run("a replaced object is served changed after the TTL", func(t *testing.T) {
		v2 := testutil.RandomBytes(t, 250<<10)
		st.VGW.PutObject(t, "media", "cached/seg.ts", v2, "video/mp2t", nil)
		time.Sleep(1100 * time.Millisecond)
		for _, s := range []*site{open, gated} {
			r := request{Target: q("/hls/cached/seg.ts", holder)}
			res := c.do(t, s, r)
			if res.Status != 200 || !bytes.Equal(res.Body, v2) {
				st.reg.fail(t, "%s: status %d, %d bytes: the replaced object is not served", st.reg.describe(s, r), res.Status, len(res.Body))
			}
			st.reg.forbid(t, s, r, res, windows("replaced version of cached/seg.ts", seg))
		}
	})
	t.Run("no viewer's token is cached in a playlist", func(t *testing.T) {
		acls := []string{"/hls/a/*", "/keys/a/*"}
		v1 := st.tokenOpts(t, "viewer 1 of a", edgetoken.Options{ACLs: acls, Window: 5 * time.Minute, ID: "viewer1"})
		v2 := st.tokenOpts(t, "viewer 2 of a", edgetoken.Options{ACLs: acls, Window: 5 * time.Minute, ID: "viewer2"})
		for _, target := range []string{"/hls/a/master.m3u8", "/hls/a/manifest"} {
			c.do(t, gated, request{Target: q(target, v1)})
			r := request{Target: q(target, v2)}
			res := c.do(t, gated, r)
			if res.Status != 200 {
				st.reg.fail(t, "%s: status %d", st.reg.describe(gated, r), res.Status)
			}
			st.reg.forbid(t, gated, r, res, []probe{{"viewer 1's token", []byte(v1)}})
		}
	})
	t.Run("eviction under pressure serves each object its own bytes", func(t *testing.T) {
		objs := make([][]byte, 12) // 12 x 400 KiB against a 2 MiB cache
		for i := range objs {
			objs[i] = testutil.RandomBytes(t, 400<<10)
			st.VGW.PutObject(t, "media", fmt.Sprintf("cached/p%d.ts", i), objs[i], "video/mp2t", nil)
		}
		for round := range 2 {
			for i := range objs {
				r := request{Target: q(fmt.Sprintf("/hls/cached/p%d.ts", i), holder)}
				res := c.do(t, gated, r)
				if res.Status != 200 || !bytes.Equal(res.Body, objs[i]) {
					st.reg.fail(t, "%s (round %d): status %d, %d bytes: not the object's own bytes", st.reg.describe(gated, r), round, res.Status, len(res.Body))
				}
				r.Target = fmt.Sprintf("/hls/cached/p%d.ts", i)
				res = c.do(t, gated, r) // a stranger, while the object is hot
				st.reg.forbid(t, gated, r, res, windows(fmt.Sprintf("cached object cached/p%d.ts", i), objs[i]))
			}
		}
	})
}

// s3OriginSnippet is the shared bucket as a Caddyfile snippet, (origin):
// its endpoint is argument 5 (%[5]s).
const s3OriginSnippet = `(origin) {
	origin s3://media {
		region us-east-1
		endpoint %[5]s
		access_key {env.ATTACK_S3_ACCESS}
		secret_key {env.ATTACK_S3_SECRET}
	}
}
`

// cacheVariants are the spellings a cache could be poisoned or probed by.
func cacheVariants(target string) []request {
	rs := []request{{Target: target}, {Method: "HEAD", Target: target}}
	for _, h := range []string{"Range: bytes=0-99", "Range: bytes=-100", "If-None-Match: *", `If-None-Match: "x"`,
		"If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT", "If-Range: \"x\"\r\nRange: bytes=5-9"} {
		rs = append(rs, request{Target: target, Headers: strings.Split(h, "\r\n")})
	}
	return rs
}
