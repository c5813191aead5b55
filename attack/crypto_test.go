package attack

import (
	"strings"
	"testing"
)

// keySpellings name enc's storage keys (enc.key and k2, which is not named
// *.key) every way a request can: encoded dots and letters, case, trailing
// slash, space and path parameter.
var keySpellings = []string{
	"enc.key", "enc%2ekey", "enc%2Ekey", "enc.%6bey", "enc.%6Bey", "%65nc.key", "%65%6e%63%2e%6b%65%79",
	"ENC.KEY", "Enc.Key", "enc.key/", "enc.key%20", "enc.key;", "k2", "%6b2", "%6B%32", "K2",
}

// variants of one request for an object: methods, ranges and the download parameter.
func objectVariants(target, tok string) []request {
	return []request{
		{Target: q(target, tok)},
		{Target: q(target, tok), Method: "HEAD"},
		{Target: q(target, tok), Headers: []string{"Range: bytes=0-7"}},
		{Target: q(target, tok), Headers: []string{"Range: bytes=-16"}},
		{Target: q(target+"?download", tok)},
		{Target: q(target+"?download=x.bin", tok), Headers: []string{"Range: bytes=0-"}},
	}
}

// rowCryptoDenyByDefault: in decrypt, encrypt and reencrypt nothing but
// playlists, context-sealed segments and derived keys leaves hls_proxy; in
// every mode a 16-byte object never leaves on the raw object path; a segment
// context opens only its own segment, asset and mode. (The session ACL
// dimension changes nothing in hls_proxy: these rows run on the sites with
// the default ACL only.)
func rowCryptoDenyByDefault(t *testing.T, st *stack) {
	enc, a, b := st.Assets["enc"], st.Assets["a"], st.Assets["b"]
	t.Run("storage keys by every spelling", func(t *testing.T) {
		forEachSite(t, st, st.matrix(func(s *site) bool { return (s.Mode == "decrypt" || s.Mode == "reencrypt") && !s.PlaceholderACL }), func(t *testing.T, c *client, s *site) {
			tok := st.assetToken(t, "enc")
			for _, sp := range keySpellings {
				for _, dir := range []string{"/hls/enc/", "/keys/enc/"} {
					for _, r := range objectVariants(dir+sp, tok) {
						res := c.do(t, s, r)
						if dir == "/hls/enc/" && res.Status < 400 {
							st.reg.fail(t, "%s: status %d: the storage key's object path answers (want 403)", st.reg.describe(s, r), res.Status)
						}
						st.reg.forbid(t, s, r, res, enc.keyProbes())
					}
				}
			}
		})
	})
	t.Run("raw at-rest segments without a context", func(t *testing.T) {
		forEachSite(t, st, st.matrix(func(s *site) bool { return (s.Mode == "decrypt" || s.Mode == "reencrypt") && !s.PlaceholderACL }), func(t *testing.T, c *client, s *site) {
			tok := st.assetToken(t, "enc")
			for _, seg := range []string{"v0_0.ts", "v1_2.ts"} {
				forbidden := append(enc.rawProbes(seg), enc.clearProbes(seg)...)
				for _, sp := range segmentSpellings(seg) {
					for _, r := range objectVariants("/hls/enc/"+sp, tok) {
						res := c.do(t, s, r)
						if res.Status < 400 {
							st.reg.fail(t, "%s: status %d: a segment answers without its context (want 403)", st.reg.describe(s, r), res.Status)
						}
						st.reg.forbid(t, s, r, res, forbidden)
					}
				}
			}
		})
	})
	t.Run("clear segments without a context in encrypt mode", func(t *testing.T) {
		forEachSite(t, st, st.matrix(func(s *site) bool { return s.Mode == "encrypt" && !s.PlaceholderACL }), func(t *testing.T, c *client, s *site) {
			tok := st.assetToken(t, "a")
			for _, seg := range []string{"v0_0.ts", "v1_2.ts"} {
				for _, sp := range segmentSpellings(seg) {
					for _, r := range objectVariants("/hls/a/"+sp, tok) {
						res := c.do(t, s, r)
						if res.Status < 400 {
							st.reg.fail(t, "%s: status %d: a clear segment answers without its context (want 403)", st.reg.describe(s, r), res.Status)
						}
						st.reg.forbid(t, s, r, res, a.clearProbes(seg))
					}
				}
			}
		})
	})
	t.Run("16-byte objects never on the raw object path", func(t *testing.T) {
		forEachSite(t, st, st.matrix(func(s *site) bool { return !s.PlaceholderACL }), func(t *testing.T, c *client, s *site) {
			tok := st.token(t, "token /hls/* /keys/*", "/hls/*", "/keys/*")
			for _, target := range []string{"/hls/b/key.bin", "/hls/b/key2.bin", "/hls/enc/k2", "/hls/enc/enc.key", "/hls/pub/k", "/hls/pub/k.dat", "/hls/my%20show/key.bin"} {
				for _, r := range objectVariants(target, tok) {
					res := c.do(t, s, r)
					if res.Status < 400 {
						st.reg.fail(t, "%s: status %d: a key object answers on the raw object path (want 403)", st.reg.describe(s, r), res.Status)
					}
					st.reg.forbid(t, s, r, res, append(append(b.keyProbes(), enc.keyProbes()...), append(st.Assets["pub"].keyProbes(), st.Assets["my show"].keyProbes()...)...))
				}
			}
		})
	})
	t.Run("other objects refused", func(t *testing.T) { rowOtherObjectsRefused(t, st) })
	t.Run("raw_objects lists the exceptions", func(t *testing.T) { rowRawObjects(t, st) })
	t.Run("context replay", func(t *testing.T) { contextReplay(t, st) })
}

// segmentSpellings are ways to name a segment without its context.
func segmentSpellings(seg string) []string {
	v := strings.Replace(seg, "v", "%76", 1)
	return []string{seg, v, strings.Replace(seg, ".ts", "%2ets", 1), strings.Replace(seg, ".ts", "%2Ets", 1),
		strings.ToUpper(seg), seg + "?mgctx=", seg + "?mgctx=AAAA", seg + "?mgctx=" + strings.Repeat("A", 200), seg + "?MGCTX=x"}
}

// contexts fetches a media playlist and returns the raw mgctx value of each segment.
func contexts(t *testing.T, st *stack, c *client, s *site, playlist, tok string) map[string]string {
	t.Helper()
	r := request{Target: q(playlist, tok)}
	res := c.do(t, s, r)
	if res.Status != 200 {
		t.Errorf("%s: status %d: no playlist to take contexts from", st.reg.describe(s, r), res.Status)
		return nil
	}
	segs, err := mediaSegments(playlist, res.Body)
	if err != nil {
		t.Error(err)
		return nil
	}
	out := map[string]string{}
	for _, sg := range segs {
		_, rawq, _ := strings.Cut(sg.Target, "?")
		for kv := range strings.SplitSeq(rawq, "&") {
			if v, ok := strings.CutPrefix(kv, "mgctx="); ok {
				out[sg.Name] = v
			}
		}
	}
	if len(out) == 0 {
		t.Errorf("%s: no segment context in the playlist (its replay rows are skipped):\n%s", st.reg.describe(s, r), res.Body)
	}
	return out
}

// contextReplay: a context minted for segment X is refused on segment Y, on
// another asset, on another variant and under another mode's site sharing the
// key_secret, and no bytes of either segment arrive.
func contextReplay(t *testing.T, st *stack) {
	c := newClient(st)
	defer c.closeAll()
	tok := st.token(t, "token /hls/* /keys/*", "/hls/*", "/keys/*")
	D, R, E := st.site(t, "decrypt"), st.site(t, "reencrypt"), st.site(t, "encrypt")
	dEnc := contexts(t, st, c, D, "/hls/enc/v0.m3u8", tok)
	dB := contexts(t, st, c, D, "/hls/b/v0.m3u8", tok)
	dA := contexts(t, st, c, D, "/hls/a/v0.m3u8", tok)
	rEnc := contexts(t, st, c, R, "/hls/enc/v0.m3u8", tok)
	eA := contexts(t, st, c, E, "/hls/a/v0.m3u8", tok)
	eC := contexts(t, st, c, E, "/hls/c/index.m3u8", tok)
	enc, a, b, cc := st.Assets["enc"], st.Assets["a"], st.Assets["b"], st.Assets["c"]
	both := func(x *asset, xs string, y *asset, ys string) []probe {
		out := append(x.rawProbes(xs), x.clearProbes(xs)...)
		out = append(out, y.rawProbes(ys)...)
		return append(out, y.clearProbes(ys)...)
	}
	for _, tc := range []struct {
		what   string
		s      *site
		target string
		ctx    string
		forbid []probe
	}{
		{"decrypt: context of enc/v0_0 on enc/v0_1", D, "/hls/enc/v0_1.ts", dEnc["v0_0.ts"], both(enc, "v0_0.ts", enc, "v0_1.ts")},
		{"decrypt: context of enc/v0_0 on enc/v1_0 (other variant)", D, "/hls/enc/v1_0.ts", dEnc["v0_0.ts"], both(enc, "v0_0.ts", enc, "v1_0.ts")},
		{"decrypt: context of enc/v0_0 on b/v0_0 (other asset)", D, "/hls/b/v0_0.ts", dEnc["v0_0.ts"], both(enc, "v0_0.ts", b, "v0_0.ts")},
		{"decrypt: context of b/v0_0 on enc/v0_0 (other asset)", D, "/hls/enc/v0_0.ts", dB["v0_0.ts"], both(b, "v0_0.ts", enc, "v0_0.ts")},
		{"decrypt: context of clear a/v0_0 on enc/v0_0", D, "/hls/enc/v0_0.ts", dA["v0_0.ts"], both(a, "v0_0.ts", enc, "v0_0.ts")},
		{"reencrypt: decrypt's context of enc/v0_0 (cross-mode)", R, "/hls/enc/v0_0.ts", dEnc["v0_0.ts"], both(enc, "v0_0.ts", enc, "v0_0.ts")},
		{"decrypt: reencrypt's context of enc/v0_0 (cross-mode)", D, "/hls/enc/v0_0.ts", rEnc["v0_0.ts"], both(enc, "v0_0.ts", enc, "v0_0.ts")},
		{"decrypt: encrypt's context of a/v0_0 (cross-mode, would be clear)", D, "/hls/a/v0_0.ts", eA["v0_0.ts"], both(a, "v0_0.ts", a, "v0_0.ts")},
		{"encrypt: decrypt's context of a/v0_0 (cross-mode)", E, "/hls/a/v0_0.ts", dA["v0_0.ts"], both(a, "v0_0.ts", a, "v0_0.ts")},
		{"encrypt: context of a/v0_0 on a/v0_1", E, "/hls/a/v0_1.ts", eA["v0_0.ts"], both(a, "v0_0.ts", a, "v0_1.ts")},
		{"encrypt: context of a/v0_0 on c/s0 (other asset)", E, "/hls/c/s0.ts", eA["v0_0.ts"], both(a, "v0_0.ts", cc, "s0.ts")},
		{"encrypt: context of c/s0 on a/v0_0 (other asset)", E, "/hls/a/v0_0.ts", eC["s0.ts"], both(cc, "s0.ts", a, "v0_0.ts")},
		{"reencrypt: encrypt's context of a/v0_0 (cross-mode)", R, "/hls/a/v0_0.ts", eA["v0_0.ts"], both(a, "v0_0.ts", a, "v0_0.ts")},
	} {
		t.Run(tc.what, func(t *testing.T) {
			if tc.ctx == "" {
				t.Skip("no context to replay (reported above)")
			}
			for _, r := range []request{
				{Target: q(tc.target+"?mgctx="+tc.ctx, tok)},
				{Target: q(tc.target+"?mgctx="+tc.ctx, tok), Method: "HEAD"},
				{Target: q(tc.target+"?mgctx="+tc.ctx, tok), Headers: []string{"Range: bytes=0-187"}},
				{Target: q(tc.target+"?download&mgctx="+tc.ctx, tok)},
			} {
				res := c.do(t, tc.s, r)
				if res.Status < 400 {
					st.reg.fail(t, "%s: status %d: a replayed context was accepted (want 403)", st.reg.describe(tc.s, r), res.Status)
				}
				st.reg.forbid(t, tc.s, r, res, tc.forbid)
			}
		})
	}
}
