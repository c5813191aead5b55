package attack

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// encOutputCaddyfile: four gated sites on one bucket, each with
// object_cache (encrypted outputs are cached) and a 1 s revalidation TTL:
// "encrypt S1" and "encrypt S2" (the same mode and strip prefix, another
// key_secret), "encrypt rolled" (S1's site after a key roll: S3 seals, S1
// still opens) and "reencrypt S1" (another mode, the same secret).
const encOutputCaddyfile = ownGlobal + s3OriginSnippet + `(gated) {
	edgeauth {
		key {env.ATTACK_EDGEAUTH_KEY}
	}
}

https://localhost:%[3]d {
	import gated
	hls_proxy {
		import origin
		strip_prefix /hls
		key_path /keys
		encryption encrypt
		key_secret {env.ENCOUT_S1}
		object_cache 8MiB
		vod_cache_ttl 1s
	}
}

https://localhost:%[4]d {
	import gated
	hls_proxy {
		import origin
		strip_prefix /hls
		key_path /keys
		encryption encrypt
		key_secret {env.ENCOUT_S2}
		object_cache 8MiB
		vod_cache_ttl 1s
	}
}

https://localhost:%[6]d {
	import gated
	hls_proxy {
		import origin
		strip_prefix /hls
		key_path /keys
		encryption encrypt
		key_secret {env.ENCOUT_S3} {env.ENCOUT_S1}
		object_cache 8MiB
		vod_cache_ttl 1s
	}
}

https://localhost:%[7]d {
	import gated
	hls_proxy {
		import origin
		strip_prefix /hls
		key_path /keys
		encryption reencrypt
		key_secret {env.ENCOUT_S1}
		object_cache 8MiB
		vod_cache_ttl 1s
	}
}
`

// encView is what one viewer of a site got: the segment's request-target
// (with its sealed context), the delivery key and IV, and the ciphertext.
type encView struct {
	site   *site
	target string
	key    []byte
	iv     []byte
	ct     []byte
}

// rowEncryptedOutputs: the encrypted outputs object_cache keeps reach no
// one whose request would compute other bytes. A stranger gets none of
// them by any spelling; another site's key_secret, a context of the new
// secret after a key roll, and a context replayed into another mode never
// get another secret's or mode's cached ciphertext; a replaced object gets
// new ciphertext after the TTL. It runs its own bin/caddy.
func rowEncryptedOutputs(t *testing.T, st *stack) {
	ports := testutil.FreePorts(t, 6)
	cf := fmt.Sprintf(encOutputCaddyfile, ports[0], ports[1], ports[2], ports[3], st.VGW.Endpoint, ports[4], ports[5])
	testutil.StartCaddy(t, cf, ports[0], []string{
		"ATTACK_EDGEAUTH_KEY=" + st.Key, "ATTACK_S3_ACCESS=" + st.VGW.Access, "ATTACK_S3_SECRET=" + st.VGW.Secret,
		"ENCOUT_S1=encout-secret-one-0123456789abcdef", "ENCOUT_S2=encout-secret-two-0123456789abcdef",
		"ENCOUT_S3=encout-secret-new-0123456789abcdef",
	}, ports[2], ports[3], ports[4], ports[5])
	s1 := &site{Name: "encrypt S1+object_cache", Port: ports[2], Kind: "encoutput", Mode: "encrypt"}
	s2 := &site{Name: "encrypt S2+object_cache", Port: ports[3], Kind: "encoutput", Mode: "encrypt"}
	rolled := &site{Name: "encrypt rolled S3,S1+object_cache", Port: ports[4], Kind: "encoutput", Mode: "encrypt"}
	re := &site{Name: "reencrypt S1+object_cache", Port: ports[5], Kind: "encoutput", Mode: "reencrypt"}
	c := newClient(st)
	defer c.closeAll()

	plain := testutil.RandomBytes(t, 300<<10)
	storageKey := testutil.RandomBytes(t, 16)
	st.VGW.PutObject(t, "media", "encout/index.m3u8", []byte(encOutPlaylist("")), "application/vnd.apple.mpegurl", nil)
	st.VGW.PutObject(t, "media", "encout/seg0.ts", plain, "video/mp2t", nil)
	st.VGW.PutObject(t, "media", "encoutre/index.m3u8", []byte(encOutPlaylist(`#EXT-X-KEY:METHOD=AES-128,URI="k.bin"`+"\n")), "application/vnd.apple.mpegurl", nil)
	st.VGW.PutObject(t, "media", "encoutre/k.bin", storageKey, "application/octet-stream", nil)
	st.VGW.PutObject(t, "media", "encoutre/seg0.ts", testutil.MustEncryptAES128(t, storageKey, testutil.SequenceIV(0), plain), "video/mp2t", nil)
	holder := st.token(t, "token for encout", "/hls/encout*", "/keys/encout*")

	view := func(s *site, asset string) encView {
		t.Helper()
		v := c.viewEncrypted(t, s, asset, holder)
		if got := openCBC(t, v.key, v.iv, v.ct); !bytes.Equal(got, plain) {
			st.reg.fail(t, "%s %s: the delivered segment does not decrypt to the stored plaintext", s.Name, v.target)
		}
		return v
	}
	// Hot everywhere (two views each: the second is the cached output).
	v1, v2, vRe := view(s1, "encout"), view(s2, "encout"), view(re, "encoutre")
	view(s1, "encout")
	view(s2, "encout")
	view(re, "encoutre")
	if bytes.Equal(v1.ct, v2.ct) {
		st.reg.fail(t, "two key_secrets delivered the same ciphertext")
	}
	cached := append(append(windows("S1's cached ciphertext", v1.ct), windows("S2's cached ciphertext", v2.ct)...),
		append(windows("reencrypt's cached ciphertext", vRe.ct), windows("the clear segment", plain)...)...)
	notOwn := func(own []byte) []probe {
		var ps []probe
		for _, p := range cached {
			if !bytes.Contains(own, p.B) {
				ps = append(ps, p)
			}
		}
		return ps
	}

	t.Run("a stranger gets no cached ciphertext by any spelling", func(t *testing.T) {
		for _, v := range []encView{v1, v2, vRe} {
			for _, r := range cacheVariants(v.target) {
				res := c.do(t, v.site, r)
				if res.Status < 400 {
					st.reg.fail(t, "%s: status %d: a cached output answered a stranger", st.reg.describe(v.site, r), res.Status)
				}
				st.reg.forbid(t, v.site, r, res, cached)
			}
		}
	})
	t.Run("another site's key_secret never gets the cached ciphertext", func(t *testing.T) {
		for _, from := range []encView{v1, v2} {
			to := s2
			if from.site == s2 {
				to = s1
			}
			for _, r := range cacheVariants(q(from.target, holder)) {
				res := c.do(t, to, r)
				if res.Status < 400 {
					st.reg.fail(t, "%s: status %d: a context of another key_secret was served", st.reg.describe(to, r), res.Status)
				}
				st.reg.forbid(t, to, r, res, cached)
			}
		}
	})
	t.Run("after a key roll the new secret's viewers never get the old secret's cached ciphertext", func(t *testing.T) {
		// The old playlist's context keeps playing on the rolled site (its
		// secret still opens) and makes the old ciphertext hot there.
		old := c.do(t, rolled, request{Target: q(v1.target, holder)})
		if old.Status != 200 || !bytes.Equal(old.Body, v1.ct) {
			st.reg.fail(t, "%s: status %d: the old context does not play through the roll", rolled.Name, old.Status)
		}
		vNew := view(rolled, "encout")
		if bytes.Equal(vNew.key, v1.key) {
			st.reg.fail(t, "the roll did not change the delivery key")
		}
		for _, r := range cacheVariants(q(vNew.target, holder)) {
			res := c.do(t, rolled, r)
			st.reg.forbid(t, rolled, r, res, notOwn(vNew.ct))
		}
	})
	t.Run("a context replayed into another mode never gets that mode's cached ciphertext", func(t *testing.T) {
		for _, rr := range []struct {
			to   *site
			from encView
		}{{re, v1}, {s1, vRe}, {rolled, vRe}} {
			for _, r := range cacheVariants(q(rr.from.target, holder)) {
				res := c.do(t, rr.to, r)
				if res.Status < 400 {
					st.reg.fail(t, "%s: status %d: a context of another mode was served", st.reg.describe(rr.to, r), res.Status)
				}
				st.reg.forbid(t, rr.to, r, res, cached)
			}
		}
	})
	t.Run("a replaced object gets new ciphertext after the TTL", func(t *testing.T) {
		v2plain := testutil.RandomBytes(t, 280<<10)
		st.VGW.PutObject(t, "media", "encout/seg0.ts", v2plain, "video/mp2t", nil)
		time.Sleep(1100 * time.Millisecond)
		for _, v := range []encView{v1, v2} {
			r := request{Target: q(v.target, holder)}
			res := c.do(t, v.site, r)
			if res.Status != 200 || !bytes.Equal(openCBC(t, v.key, v.iv, res.Body), v2plain) {
				st.reg.fail(t, "%s: status %d: the replaced object's new ciphertext is not served", st.reg.describe(v.site, r), res.Status)
			}
			st.reg.forbid(t, v.site, r, res, cached)
		}
	})
}

func encOutPlaylist(key string) string {
	return "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n" + key +
		"#EXTINF:2.000,\nseg0.ts\n#EXT-X-ENDLIST\n"
}

// viewEncrypted plays asset's one segment on s as a token holder: the
// playlist, the delivery key it names, the segment.
func (c *client) viewEncrypted(t *testing.T, s *site, asset, tok string) encView {
	t.Helper()
	base := "/hls/" + asset + "/index.m3u8"
	pl := c.do(t, s, request{Target: q(base, tok)})
	segs, err := mediaSegments(base, pl.Body)
	if pl.Status != 200 || err != nil || len(segs) != 1 || segs[0].Method != "AES-128" || segs[0].Key == "" {
		t.Fatalf("%s %s: status %d, %v: want one AES-128 segment in\n%s", s.Name, base, pl.Status, err, pl.Body)
	}
	k := c.do(t, s, request{Target: q(segs[0].Key, tok)})
	target, _, _ := strings.Cut(segs[0].Target, "&__token__=")
	seg := c.do(t, s, request{Target: q(target, tok)})
	if k.Status != 200 || len(k.Body) != 16 || seg.Status != 200 {
		t.Fatalf("%s: key %d (%d bytes), segment %d", s.Name, k.Status, len(k.Body), seg.Status)
	}
	return encView{site: s, target: target, key: k.Body, iv: segs[0].DecryptIV(), ct: seg.Body}
}

// openCBC decrypts AES-128-CBC with PKCS#7 (crypto/cipher); nil when b is
// not a whole ciphertext or its padding is bad.
func openCBC(t testing.TB, key, iv, b []byte) []byte {
	t.Helper()
	if len(b) == 0 || len(b)%aes.BlockSize != 0 || len(key) != 16 || len(iv) != 16 {
		return nil
	}
	blk, _ := aes.NewCipher(key)
	out := make([]byte, len(b))
	cipher.NewCBCDecrypter(blk, iv).CryptBlocks(out, b)
	pad := int(out[len(out)-1])
	if pad < 1 || pad > aes.BlockSize {
		return nil
	}
	return out[:len(out)-pad]
}
