package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// embedCaddyfile: the media site with hls_player in front of edgeauth and hls_proxy, and an
// embedding site on another site (127.0.0.1, not localhost: cross-site, not only cross-origin)
// that serves static pages holding the iframe. The media site tokenizes URIs: in a cross-site
// iframe the media host is a third party, so the player does not rely on its cookie (the
// cookie site, hybrid mode without tokenize, measures that).
var embedCaddyfile = testutil.CaddyfileTemplate("Caddyfile", `{{global .Admin .HTTP .HTTPS}}

https://127.0.0.1:{{.Site}} {
	tls internal
	root * {{.SiteDir}}
	file_server
}

# a site that frame_ancestors does not list
https://127.0.0.1:{{.Other}} {
	tls internal
	root * {{.SiteDir}}
	file_server
}

# same site as the media host (localhost), another origin: an intranet page on www.example.com
# embedding media.example.com
https://localhost:{{.Same}} {
	root * {{.SiteDir}}
	file_server
}

https://localhost:{{.Cookie}} {
	edgeauth {
		key {env.E2E_EDGEAUTH_KEY}
		query RequestToken
		session_cookie {
			same_site none
		}
	}
	hls_player /embed {
		frame_ancestors https://127.0.0.1:{{.Site}} https://localhost:{{.Same}}
	}
	hls_proxy {
		{{s3origin .S3Endpoint "E2E_S3_ACCESS_KEY" "E2E_S3_SECRET_KEY"}}
		strip_prefix /hls
	}
}

https://localhost:{{.Media}} {
	secure_routes {
		allow GET HEAD /hls/* /keys/* /embed/*
	}
	edgeauth {
		key {env.E2E_EDGEAUTH_KEY}
		query RequestToken
	}
	hls_player /embed {
		frame_ancestors https://127.0.0.1:{{.Site}}
	}
	hls_proxy {
		{{s3origin .S3Endpoint "E2E_S3_ACCESS_KEY" "E2E_S3_SECRET_KEY"}}
		strip_prefix /hls
		tokenize
	}
}
`)

type embedStack struct {
	Key, Media, Site, Other, SiteDir string
	CookieMedia, SameSite            string
	caddy                            string
}

func startEmbedStack(t *testing.T) *embedStack {
	t.Helper()
	caddyBin := testutil.CaddyBinary(t)
	vgw := testutil.StartSampleBucket(t, "e2e")
	ports := testutil.FreePorts(t, 8)
	dir := t.TempDir()
	data := struct {
		Admin, HTTP, HTTPS, Site, Media, Other, Cookie, Same int
		S3Endpoint, SiteDir                                  string
	}{ports[0], ports[1], ports[2], ports[3], ports[4], ports[5], ports[6], ports[7], vgw.Endpoint, filepath.Join(dir, "site")}
	if err := os.Mkdir(data.SiteDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var cf bytes.Buffer
	if err := embedCaddyfile.Execute(&cf, data); err != nil {
		t.Fatal(err)
	}
	st := &embedStack{Key: testutil.RandomHex(t, 32), caddy: caddyBin, SiteDir: data.SiteDir,
		Media: "https://localhost:" + strconv.Itoa(data.Media), Site: "https://127.0.0.1:" + strconv.Itoa(data.Site),
		Other: "https://127.0.0.1:" + strconv.Itoa(data.Other), CookieMedia: "https://localhost:" + strconv.Itoa(data.Cookie),
		SameSite: "https://localhost:" + strconv.Itoa(data.Same)}
	testutil.StartCaddyWith(t, testutil.CaddyOptions{
		Caddyfile: cf.String(), Admin: data.Admin, Ready: 60 * time.Second,
		Ports: []int{data.Site, data.Other, data.Media, data.Cookie, data.Same},
		Env:   []string{"E2E_EDGEAUTH_KEY=" + st.Key, "E2E_S3_ACCESS_KEY=" + vgw.Access, "E2E_S3_SECRET_KEY=" + vgw.Secret},
	})
	return st
}

// snippet runs `caddy edgeauth embed`, as the embedding site would for each page view.
func (st *embedStack) snippet(t *testing.T, asset string) string {
	t.Helper()
	out, err := exec.Command(st.caddy, "edgeauth", "embed", "--key", st.Key, "--param", "RequestToken",
		"--url", st.Media+"/embed/"+asset, "--window", "300").CombinedOutput()
	if err != nil {
		t.Fatalf("caddy edgeauth embed: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// sitePage writes a page of the embedding site holding the iframe and returns its URL.
func (st *embedStack) sitePage(t *testing.T, name, iframe string) string {
	t.Helper()
	body := "<!doctype html><html><head><meta charset=utf-8><title>Intranet</title><link rel=icon href=\"data:,\"></head>" +
		"<body><h1>Our video</h1>" + iframe + "</body></html>"
	if err := os.WriteFile(filepath.Join(st.SiteDir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return st.Site + "/" + name
}

type embedResult struct {
	OK           bool    `json:"ok"`
	Status       *int    `json:"status"`
	State        string  `json:"state"`
	Engine       string  `json:"engine"`
	HLSVersion   string  `json:"hlsVersion"`
	CurrentTime  float64 `json:"currentTime"`
	Frames       int     `json:"frames"`
	FrameURL     string  `json:"frameURL"`
	ShownMessage *string `json:"shownMessage"`
	Refusal      *struct {
		Reason, Title, Message string
	} `json:"refusal"`
	Requests []struct{ URL, Frame string } `json:"requests"`
	Console  []string                      `json:"console"`
}

func (r embedResult) String() string {
	b, _ := json.MarshalIndent(r, "", "  ")
	return redact(string(b))
}

func runEmbed(t *testing.T, pages []string) []embedResult {
	t.Helper()
	args := []string{"--timeout", "40000", "--min-time", "1", "--chromium", testutil.Chromium(t)}
	for _, p := range pages {
		args = append(args, "--page", p)
	}
	return testutil.RunDriver[embedResult](t, testutil.Driver{Script: "embed.mjs", Args: args,
		Timeout: time.Duration(len(pages)) * 60 * time.Second, Results: len(pages), Show: redact})
}

// iframe is the snippet of the embed command with its src replaced (for tokens it cannot mint).
func iframe(src string) string {
	return fmt.Sprintf(`<iframe src="%s" width="640" height="360" allow="autoplay; fullscreen" referrerpolicy="no-referrer"></iframe>`, html.EscapeString(src))
}

func TestEmbeddedPlayerPlaysInACrossSiteIframeAndSaysWhyItRefuses(t *testing.T) {
	requireBrowser(t)
	st := startEmbedStack(t)
	good := st.snippet(t, "clear")
	src := html.UnescapeString(regexp.MustCompile(`src="([^"]+)"`).FindStringSubmatch(good)[1])
	u, _ := url.Parse(src)
	tok := u.Query().Get("RequestToken")
	withTok := func(asset, tok string) string {
		return st.Media + "/embed/" + asset + "?RequestToken=" + url.QueryEscape(tok)
	}
	cases := []struct {
		name, iframe, reason, message string
	}{
		{"valid token from caddy edgeauth embed: plays", good, "", ""},
		{"valid token, asset not in the bucket: the page says playback failed", st.snippet(t, "nosuch"), "playback", "not available"},
		{"no token", iframe(st.Media + "/embed/clear"), "missing", "has no access token"},
		{"expired token", iframe(withTok("clear", mintExpiredToken(t, st.Key, "/hls/clear/*"))), "expired", "has expired"},
		{"tampered token", iframe(withTok("clear", tamper(tok))), "invalid", "invalid or damaged"},
		{"token for another asset", iframe(withTok("fmp4", tok)), "wrong_asset", "for another video"},
	}
	var pages []string
	for i, c := range cases {
		pages = append(pages, st.sitePage(t, fmt.Sprintf("case%d.html", i), c.iframe))
	}
	// The same valid snippet on a site frame_ancestors does not list.
	pages = append(pages, strings.Replace(st.sitePage(t, "other.html", st.snippet(t, "clear")), st.Site, st.Other, 1))
	results := runEmbed(t, pages)
	t.Run("a site frame_ancestors does not list cannot embed it", func(t *testing.T) {
		res := results[len(cases)]
		if res.State != "no-report" || res.Frames != 0 || !strings.HasPrefix(res.FrameURL, "chrome-error:") {
			t.Fatalf("the player ran inside an unlisted site:\n%s", res)
		}
	})
	media, _ := url.Parse(st.Media)
	for i, c := range cases {
		res := results[i]
		t.Run(c.name, func(t *testing.T) {
			embedRequests := 0
			for _, r := range res.Requests {
				if r.Frame != "embed" {
					continue
				}
				embedRequests++
				ru, err := url.Parse(r.URL)
				if err != nil || (ru.Scheme != "data" && ru.Scheme != "blob" && ru.Host != media.Host) {
					t.Errorf("the embedded page loaded %s: not the media host", redact(r.URL))
				}
			}
			if embedRequests == 0 {
				t.Fatalf("no request from the iframe:\n%s", res)
			}
			if c.reason == "" {
				if !res.OK || res.Status == nil || *res.Status != 200 {
					t.Fatalf("the embedded player did not play past 1 s with decoded frames:\n%s", res)
				}
				t.Logf("played %.2f s, %d frames decoded, %d requests from the iframe", res.CurrentTime, res.Frames, embedRequests)
				if res.Engine != "hls.js" || res.HLSVersion != "1.7.4" {
					t.Errorf("engine %s %s, want the embedded hls.js 1.7.4", res.Engine, res.HLSVersion)
				}
				return
			}
			if c.reason == "playback" {
				if res.Status == nil || *res.Status != 200 || res.State != "error" || res.ShownMessage == nil || !strings.Contains(*res.ShownMessage, c.message) {
					t.Fatalf("want the player page showing %q:\n%s", c.message, res)
				}
				return
			}
			if res.Status == nil || *res.Status != 403 {
				t.Errorf("iframe status %v, want 403", res.Status)
			}
			if res.Refusal == nil || res.Refusal.Reason != c.reason || !strings.Contains(res.Refusal.Message, c.message) {
				t.Fatalf("want the %s page saying %q:\n%s", c.reason, c.message, res)
			}
			for _, r := range res.Requests {
				if strings.Contains(r.URL, "hls.min.js") || strings.Contains(r.URL, "/hls/") {
					t.Errorf("a refused page loaded %s", redact(r.URL))
				}
			}
		})
	}
}

// Measured, not assumed: the hybrid cookie (SameSite=None; Secure; HttpOnly, not Partitioned)
// that edgeauth mints on the entry playlist is a third-party cookie inside a cross-site iframe,
// and Chromium does not send it back: the variant playlist is refused and the page says so.
// This is why the embed site above tokenizes URIs (or why session_cookie needs Partitioned).
// Embedded by a page of the same site (www.example.com embedding media.example.com), the
// same cookie is sent and the stream plays with clean URIs.
func TestHybridCookieWorksInASameSiteIframeButIsNotSentBackInACrossSiteOne(t *testing.T) {
	requireBrowser(t)
	st := startEmbedStack(t)
	sn := strings.Replace(st.snippet(t, "clear"), st.Media, st.CookieMedia, 1)
	page := st.sitePage(t, "cookie.html", sn)
	results := runEmbed(t, []string{page, strings.Replace(page, st.Site, st.SameSite, 1)})

	t.Run("cross-site: refused after the entry playlist, and the page says so", func(t *testing.T) {
		res := results[0]
		if res.Status == nil || *res.Status != 200 {
			t.Fatalf("the page itself was refused:\n%s", res)
		}
		if res.OK || res.State != "error" || res.ShownMessage == nil || !strings.Contains(*res.ShownMessage, "refused") {
			t.Fatalf("want playback refused after the entry playlist, with the message on the page:\n%s", res)
		}
		var entry, variant bool
		for _, r := range res.Requests {
			entry = entry || strings.Contains(r.URL, "/hls/clear/master.m3u8?RequestToken=")
			variant = variant || strings.HasSuffix(r.URL, "/hls/clear/v0.m3u8") || strings.HasSuffix(r.URL, "/hls/clear/v1.m3u8")
		}
		if !entry || !variant {
			t.Fatalf("want the entry playlist with its token, then a variant by cookie only:\n%s", res)
		}
	})
	t.Run("same site: plays on the cookie, only the entry URL carries the token", func(t *testing.T) {
		res := results[1]
		if !res.OK {
			t.Fatalf("did not play:\n%s", res)
		}
		for _, r := range res.Requests {
			if strings.Contains(r.URL, "/hls/") && strings.Contains(r.URL, "RequestToken=") && !strings.Contains(r.URL, "/hls/clear/master.m3u8?") {
				t.Errorf("a URI after the entry carries the token: %s", redact(r.URL))
			}
		}
	})
}
