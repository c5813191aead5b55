package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// streamsFor are the sample streams an encryption mode serves: clear and AES-128-at-rest
// (its keys through key_path) for passthrough, the encrypted one for decrypt and reencrypt, the
// clear one for encrypt.
func streamsFor(encryption string) []string {
	switch encryption {
	case "decrypt", "reencrypt":
		return []string{"aes"}
	case "encrypt":
		return []string{"clear"}
	default:
		return []string{"clear", "aes"}
	}
}

// style names how a site carries the token after the entry.
func (e mediaEntry) style() string {
	switch {
	case !e.Gated:
		return "open"
	case e.Cookie && e.Tokenize:
		return "cookie+tokenize"
	case e.Cookie:
		return "cookie"
	case e.Tokenize:
		return "tokenize"
	}
	return "token on every request"
}

// entryURL is the multivariant playlist of a stream with a fresh token on it, and only there;
// the token covers the asset and its keys, as the docs tell issuers to sign it.
func (e mediaEntry) entryURL(t *testing.T, stream string) string {
	t.Helper()
	u := e.Base + e.StripPrefix + "/" + stream + "/master.m3u8"
	if !e.Gated {
		return u
	}
	key, err := edgetoken.ParseKey(e.SigningKey)
	if err != nil {
		t.Fatalf("signing key: %v", err)
	}
	var d edgetoken.Delimiters
	if e.Delims[0] != "" {
		d.Field = e.Delims[0][0]
	}
	if e.Delims[1] != "" {
		d.ACL = e.Delims[1][0]
	}
	tok, err := edgetoken.Generate(edgetoken.Options{Key: key, Algorithm: edgetoken.Algorithm(e.Algorithm),
		Delimiters: d, Salt: e.Salt, Window: 5 * time.Minute,
		ACLs: []string{e.StripPrefix + "/" + stream + "/*", e.KeyPath + "/" + stream + "/*"}})
	if err != nil {
		t.Fatal(err)
	}
	return u + "?" + e.TokenParam + "=" + tok
}

// TestEveryDocumentedCaddyfilePlaysWithTheTokenOnlyOnTheEntry runs every whole Caddyfile of
// README.md and docs/*.md and every caddyfile-examples/*.Caddyfile against the real stack
// (realize_test.go says what is substituted, the same way for all), and plays each hls_proxy
// site with a token on the entry URL only: every sample stream its encryption mode serves, in
// ffprobe (every frame of the source decoded), and — where the site answers CORS for a player
// page — in hls.js, Shaka Player and video.js in Chromium from that page's origin, with
// credentials. A gated site must also refuse a variant playlist asked without token or cookie.
func TestEveryDocumentedCaddyfilePlaysWithTheTokenOnlyOnTheEntry(t *testing.T) {
	ffprobe := testutil.RequireTool(t, "ffprobe")
	requireWebPlayers(t)
	bin := testutil.CaddyBinary(t)
	configs, skipped := documentedConfigs(t)
	for _, s := range skipped {
		t.Logf("not a whole config, not run: %s", s)
	}
	if !hasPrefixed(configs, "README.md:") {
		t.Fatal("README.md shows no whole Caddyfile: its quick start must have one that plays")
	}
	want := sourceFrames(t, ffprobe, "clear")
	vgw := testutil.StartVersityGW(t, testutil.VGWOptions{Access: "e2e" + testutil.RandomHex(t, 6), Secret: testutil.RandomHex(t, 20), NoMeta: true})
	z := realizer{S3: vgw, HTTPOrigin: startHTTPOrigin(t), PagePort: startPageServer(t)}
	proxy := startMapProxy(t)
	seeded := map[s3Seed]bool{}
	type pageCheck struct {
		name   string
		player webPlayer
	}
	var jobs []webJob
	var checks []pageCheck
	for _, c := range configs {
		adapted, err := adaptCaddyfile(t, bin, c.Caddyfile)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		r := z.realize(t, adapted)
		if len(r.Sites) == 0 {
			t.Logf("%s: no hls_proxy site, nothing to play", c.Name)
			continue
		}
		for _, s := range r.Seeds {
			seedSample(t, vgw, s, seeded)
		}
		startRealized(t, c.Name, r)
		for _, site := range r.Sites {
			for _, stream := range streamsFor(site.Encryption) {
				name := c.Name + "/" + site.style() + "/" + site.Encryption + "/" + stream
				entry := site.entryURL(t, stream)
				t.Run(name+"/ffprobe", func(t *testing.T) {
					checkGated(t, site, stream)
					got, err := probeFrames(t, ffprobe, entry, "-http_proxy", proxy)
					if err != nil {
						t.Fatal(err)
					}
					if strings.Join(got, " ") != strings.Join(want, " ") {
						t.Errorf("decoded frames %v, want the source's %v", got, want)
					}
					t.Logf("ffprobe decoded %v", got)
				})
				if len(site.CORS) == 0 {
					continue // no page on another origin can read its answers
				}
				for _, p := range webPlayers {
					jobs = append(jobs, newWebJob(name+"/"+p.Name, p, site.CORS[0], entry))
					page, _ := url.Parse(site.CORS[0])
					checks = append(checks, pageCheck{name + "/" + p.Name + " from " + page.Hostname(), p})
				}
			}
		}
	}
	if len(jobs) == 0 {
		t.Fatal("no documented site answers CORS for a player page: nothing played in a browser")
	}
	results := playWeb(t, jobs)
	var table strings.Builder
	for i, c := range checks {
		fmt.Fprintf(&table, "\n  %-90s %s", c.name, results[i].summary())
		t.Run(c.name, func(t *testing.T) { checkPlayedPinned(t, c.player, results[i]) })
	}
	t.Logf("web players:%s", table.String())
}

// startRealized runs a realized configuration and waits for its certificates.
func startRealized(t *testing.T, name string, r *realized) {
	t.Helper()
	testutil.StartCaddyWith(t, testutil.CaddyOptions{Caddyfile: string(r.Config), JSON: true, Admin: r.Admin, Env: r.Env})
	for _, s := range r.Sites {
		if s.TLS {
			testutil.WaitTLS(t, "127.0.0.1:"+strconv.Itoa(s.Port), s.Host)
		}
	}
	t.Logf("%s: running, sites %s", name, siteList(r.Sites))
}

func siteList(sites []mediaEntry) string {
	var out []string
	for _, s := range sites {
		out = append(out, s.Base+s.StripPrefix+" ("+s.style()+", "+s.Encryption+")")
	}
	return strings.Join(out, ", ")
}

// checkGated fails when a gated site serves a variant playlist without token or cookie: the
// playback that follows then proves the token (and for the hybrid style, the cookie) works.
func checkGated(t *testing.T, site mediaEntry, stream string) {
	t.Helper()
	if !site.Gated {
		return
	}
	resp, _ := get(t, mappedClient(), site.Base+site.StripPrefix+"/"+stream+"/v0.m3u8", nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a variant playlist without token or cookie: status %d, want 403", resp.StatusCode)
	}
}

func hasPrefixed(configs []docConfig, prefix string) bool {
	for _, c := range configs {
		if strings.HasPrefix(c.Name, prefix) {
			return true
		}
	}
	return false
}
