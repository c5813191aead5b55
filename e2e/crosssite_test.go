package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// crossSiteCaddyfile is one media host, media.example.com, in the three token styles (one port
// each), run through the same substitution as the documented examples (realize_test.go). Its
// player pages are https://www.example.com (the same site: example.com) and
// https://player.example.net (another site).
const crossSiteCaddyfile = `(media) {
	secure_routes {
		allow GET HEAD /hls/* /keys/*
		cors https://www.example.com https://player.example.net
	}
	hls_proxy {
		origin s3://media/hls {
			region us-east-1
		}
		strip_prefix /hls
		encryption encrypt
		key_secret {env.HLS_KEY_SECRET}
		key_path /keys
		{block}
	}
	handle_errors {
		header X-Edgeauth-Reason "{http.auth.edgeauth.reason}"
		header Access-Control-Expose-Headers X-Edgeauth-Reason
		respond "{http.auth.edgeauth.reason}" {http.error.status_code}
	}
}

# cookie: the hybrid default (SameSite=Lax)
media.example.com:8441 {
	edgeauth {
		key {env.EDGEAUTH_KEY}
		session_cookie
	}
	import media
}

# cookie, SameSite=None, not partitioned
media.example.com:8442 {
	edgeauth {
		key {env.EDGEAUTH_KEY}
		session_cookie {
			same_site none
		}
	}
	import media
}

# partitioned cookie (CHIPS; SameSite=None)
media.example.com:8443 {
	edgeauth {
		key {env.EDGEAUTH_KEY}
		session_cookie {
			partitioned
		}
	}
	import media
}

# tokenize
media.example.com:8444 {
	edgeauth {
		key {env.EDGEAUTH_KEY}
	}
	import media {
		tokenize
	}
}
`

// crossSiteStyles are the sites of crossSiteCaddyfile, in order, and whether each plays when the
// player page is on another site — what this test measured in Chromium 156 and asserts: a
// session cookie minted on a cross-site request is refused by Chromium's third-party cookie
// blocking (its reason: UserPreferences), SameSite=None or not, unless it is Partitioned; the
// tokenized URIs need no cookie.
var crossSiteStyles = []struct {
	name           string
	playsCrossSite bool
	cookie         bool
	blockedBecause []string // Chromium reasons one of which must refuse the cookie cross-site
}{
	{"cookie (SameSite=Lax)", false, true, []string{"UserPreferences", "ThirdPartyPhaseout", "SameSiteLax", "SameSiteUnspecifiedTreatedAsLax"}},
	{"cookie (SameSite=None)", false, true, []string{"UserPreferences", "ThirdPartyPhaseout", "ThirdPartyBlockedInFirstPartySet"}},
	{"partitioned cookie", true, true, nil},
	{"tokenize", true, false, nil},
}

// TestCookieStylePlaysSameSiteOnlyUnlessPartitionedAndTokenizePlaysAnywhere plays the clear sample
// (encrypted on the fly, its key under /keys) in hls.js, Shaka Player and video.js, with
// credentials, from a page on the media host's own site and from a page on another site, in each
// token style, with the token on the entry URL only. It asserts who plays where and, for each
// refusal, that Chromium refused the session cookie and the media host then refused a
// cookie-less request with 403 "missing".
func TestCookieStylePlaysSameSiteOnlyUnlessPartitionedAndTokenizePlaysAnywhere(t *testing.T) {
	requireWebPlayers(t)
	bin := testutil.CaddyBinary(t)
	vgw := testutil.StartVersityGW(t, testutil.VGWOptions{Access: "e2e" + testutil.RandomHex(t, 6), Secret: testutil.RandomHex(t, 20), NoMeta: true})
	pagePort := startPageServer(t)
	z := realizer{S3: vgw, HTTPOrigin: startHTTPOrigin(t), PagePort: pagePort}
	adapted, err := adaptCaddyfile(t, bin, crossSiteCaddyfile)
	if err != nil {
		t.Fatal(err)
	}
	r := z.realize(t, adapted)
	if len(r.Sites) != len(crossSiteStyles) {
		t.Fatalf("%d sites, want %d", len(r.Sites), len(crossSiteStyles))
	}
	seeded := map[s3Seed]bool{}
	for _, s := range r.Seeds {
		seedSample(t, vgw, s, seeded)
	}
	startRealized(t, "cross-site matrix", r)

	pages := []struct {
		name      string
		crossSite bool
	}{{"www.example.com", false}, {"player.example.net", true}}
	type cell struct {
		style, page int
		player      webPlayer
	}
	var jobs []webJob
	var cells []cell
	for si := range crossSiteStyles {
		for pi, page := range pages {
			for _, p := range webPlayers {
				origin := fmt.Sprintf("https://%s:%d", page.name, pagePort)
				id := fmt.Sprintf("%s/%s/%s", crossSiteStyles[si].name, page.name, p.Name)
				jobs = append(jobs, newWebJob(id, p, origin, r.Sites[si].entryURL(t, "clear")))
				cells = append(cells, cell{si, pi, p})
			}
		}
	}
	results := playWeb(t, jobs)
	var table strings.Builder
	for i, c := range cells {
		style, page, res := crossSiteStyles[c.style], pages[c.page], results[i]
		fmt.Fprintf(&table, "\n  %-24s %-18s %-13s %s", style.name, page.name, c.player.Name, res.summary())
		t.Run(jobs[i].ID, func(t *testing.T) {
			if !page.crossSite || style.playsCrossSite {
				checkPlayedPinned(t, c.player, res)
				if style.cookie && !res.cookieSent("__token__") {
					t.Errorf("played without sending the session cookie: the test does not test the cookie\n%s", res)
				}
				return
			}
			checkRefusedForTheCookie(t, style.blockedBecause, res)
		})
	}
	t.Logf("measured (Chromium, players with credentials, token on the entry URL only):%s", table.String())
}

// checkRefusedForTheCookie fails unless the page did not play, Chromium refused to store the
// session cookie for one of the given reasons, and the media host refused a later request for
// want of a token (403 "missing").
func checkRefusedForTheCookie(t *testing.T, reasons []string, res webResult) {
	t.Helper()
	if res.OK || res.Frames > 0 {
		t.Fatalf("played %.2f s (%d frames) from another site; want it refused:\n%s", res.CurrentTime, res.Frames, res)
	}
	blocked := res.blockedReasons("__token__", "set")
	if !slices.ContainsFunc(blocked, func(r string) bool { return slices.Contains(reasons, r) }) {
		t.Errorf("Chromium's reasons for refusing the session cookie %v, want one of %v:\n%s", blocked, reasons, res)
	}
	missing := false
	for _, f := range res.Refused {
		missing = missing || (f.Status == 403 && f.Reason == "missing" && !strings.HasSuffix(f.Path, "/master.m3u8"))
	}
	if !missing {
		t.Errorf("want a 403 \"missing\" after the entry (the cookie never came back):\n%s", res)
	}
}
