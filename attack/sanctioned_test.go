package attack

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// playedAssets are the assets a mode delivers (encrypt takes clear at rest,
// decrypt and reencrypt AES-128 at rest; passthrough anything).
var playedAssets = map[string][]string{
	"passthrough": {"a", "b", "my show"},
	"decrypt":     {"b", "enc", "my show"},
	"encrypt":     {"a"},
	"reencrypt":   {"b", "enc"},
}

// rowSanctioned: in every site of the matrix a player plays — the entry with
// the query token, then the cookie only; and, with tokenize, the tokenized
// URIs without a cookie — and every segment decrypts to the source. ffprobe
// decodes every frame in every mode.
func rowSanctioned(t *testing.T, st *stack) {
	forEachSite(t, st, st.matrix(nil), func(t *testing.T, c *client, s *site) {
		for _, name := range playedAssets[s.Mode] {
			tok := st.assetToken(t, name)
			cookie, acl := playerCookie(t, st, c, s, name, tok)
			if !within(acl, "/hls/"+name+"/", "/keys/"+name+"/") {
				t.Errorf("site %s: the session cookie for %s has acl %q, not within its directory and keys", s.Name, name, strings.Join(acl, "!"))
			}
			play(t, st, c, s, name, "", cookie)
			if s.Tokenize {
				play(t, st, c, s, name, tok, "")
			}
		}
	})
	t.Run("ffprobe", func(t *testing.T) { ffprobeEveryMode(t, st) })
}

// play fetches the asset's master playlist (with the query token), then
// every variant, segment and key as a player would: with the cookie only
// (tokens stripped from the URIs), or, when cookie is "", following the
// tokenized URIs as given. Every segment must decrypt to its source.
func play(t *testing.T, st *stack, c *client, s *site, name, tok, cookie string) {
	t.Helper()
	flow := "cookie flow"
	if cookie == "" {
		flow = "tokenize flow"
	}
	as := st.Assets[name]
	if tok == "" {
		tok = st.assetToken(t, name)
	}
	master := "/hls/" + pathEscape(name) + "/master.m3u8"
	r := request{Target: q(master, tok)}
	res := c.do(t, s, r)
	if res.Status != 200 {
		st.reg.fail(t, "%s (%s): status %d: the master playlist does not play", st.reg.describe(s, r), flow, res.Status)
		return
	}
	variants, err := uris(master, res.Body)
	if err != nil || len(variants) != 2 {
		st.reg.fail(t, "%s (%s): variants %v: %v", st.reg.describe(s, r), flow, variants, err)
		return
	}
	get := func(target string) (*testutil.RawResponse, request) {
		r := request{Target: target}
		if flow == "cookie flow" {
			r = request{Target: stripToken(target), Cookie: cookie}
		}
		return c.do(t, s, r), r
	}
	keys := map[string][]byte{}
	for _, v := range variants {
		res, r := get(v)
		if res.Status != 200 {
			st.reg.fail(t, "%s (%s): status %d: a variant playlist does not play", st.reg.describe(s, r), flow, res.Status)
			continue
		}
		p, _, _ := strings.Cut(v, "?")
		segs, err := mediaSegments(p, res.Body)
		if err != nil || len(segs) == 0 {
			st.reg.fail(t, "%s (%s): %d segments: %v", st.reg.describe(s, r), flow, len(segs), err)
			continue
		}
		for _, sg := range segs {
			res, r := get(sg.Target)
			if res.Status != 200 {
				st.reg.fail(t, "%s (%s): status %d: a segment does not play", st.reg.describe(s, r), flow, res.Status)
				continue
			}
			clear := res.Body
			if sg.Method == "AES-128" {
				key, ok := keys[sg.Key]
				if !ok {
					kres, kr := get(sg.Key)
					if kres.Status != 200 || len(kres.Body) != 16 {
						st.reg.fail(t, "%s (%s): status %d, %d bytes: a key does not load", st.reg.describe(s, kr), flow, kres.Status, len(kres.Body))
						continue
					}
					key, keys[sg.Key] = kres.Body, kres.Body
				}
				if clear, err = testutil.DecryptAES128(key, sg.DecryptIV(), res.Body); err != nil {
					st.reg.fail(t, "%s (%s): segment %s: %v", st.reg.describe(s, r), flow, sg.Name, err)
					continue
				}
			}
			if want, ok := as.Clear[sg.Name]; !ok || !bytes.Equal(clear, want) {
				st.reg.fail(t, "%s (%s): segment %s does not decode to its source (%d bytes, want %d)", st.reg.describe(s, r), flow, sg.Name, len(clear), len(want))
			}
		}
	}
}

// ffprobeEveryMode decodes one asset per mode with ffprobe, through the
// cookie (a site without tokenize) and through tokenized URIs, and compares
// the frame counts with the source's.
func ffprobeEveryMode(t *testing.T, st *stack) {
	ffprobe, err := exec.LookPath("ffprobe")
	if err != nil {
		testutil.Unavailable(t, "ffprobe not found in PATH (apt-get install ffmpeg)")
	}
	want, err := probeFrames(ffprobe, filepath.Join(testutil.RepoRoot(t), "testdata", "sample", "clear", "master.m3u8"))
	if err != nil {
		t.Fatalf("counting the source frames: %v", err)
	}
	asset := map[string]string{"passthrough": "b", "decrypt": "enc", "encrypt": "a", "reencrypt": "b"}
	for _, mode := range modes {
		for _, name := range []string{mode + "+secure_routes", mode + "+secure_routes+tokenize"} {
			s := st.site(t, name)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				tok := st.assetToken(t, asset[mode])
				got, err := probeFrames(ffprobe, q(s.base()+"/hls/"+asset[mode]+"/master.m3u8", tok))
				if err != nil {
					t.Fatal(st.reg.redact(err.Error()))
				}
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("site %s: ffprobe decoded %v, want the source's %v", s.Name, got, want)
				}
			})
		}
	}
}

// probeFrames decodes every stream of src with ffprobe (testutil.ProbeFrames).
func probeFrames(ffprobe, src string) ([]string, error) {
	return testutil.ProbeFrames(ffprobe, src, 60*time.Second, nil)
}
