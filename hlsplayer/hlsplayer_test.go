package hlsplayer_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/caddytest"

	_ "github.com/mediagate/caddy-mediagate/caddyauth/edgeauth"
	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	_ "github.com/mediagate/caddy-mediagate/hlsplayer"
	"github.com/mediagate/caddy-mediagate/hlsplayer/page"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

const (
	keyHex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	base   = "http://localhost:9087"
)

// site: this package's own admin and listener ports (other packages run caddytest with theirs).
const site = `{
	admin localhost:2997
	http_port 9087
	https_port 9447
	skip_install_trust
}
http://localhost:9087 {
	edgeauth {
		key {env.MG_TEST_PLAYER_KEY}
		query RequestToken
	}
	hls_player /embed {
		frame_ancestors https://www.example.com https://intranet.example.com
	}
	respond "media {path}" 200
}
`

func token(t *testing.T, o edgetoken.Options) string {
	t.Helper()
	return testutil.MintToken(t, keyHex, o)
}

func fetch(t *testing.T, tc *caddytest.Tester, path string) (*http.Response, string) {
	t.Helper()
	resp, err := tc.Client.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestPlayerPageChecksTheTokenServerSideBeforeSendingThePlayer(t *testing.T) {
	t.Setenv("MG_TEST_PLAYER_KEY", keyHex)
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2997})
	tc.InitServer(site, "caddyfile")

	good := token(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}, Window: time.Hour})
	now := time.Now().Unix()
	expired := token(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}, Start: now - 600, Expires: now - 60})
	other := token(t, edgetoken.Options{ACLs: []string{"/hls/b/*"}, Window: time.Hour})
	tampered := good[:len(good)-4] + "0000"
	if tampered == good {
		tampered = good[:len(good)-4] + "1111"
	}

	t.Run("valid token: the page plays the entry playlist with it", func(t *testing.T) {
		resp, body := fetch(t, tc, "/embed/a?RequestToken="+good)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d:\n%s", resp.StatusCode, body)
		}
		m := regexp.MustCompile(`data-src="([^"]+)"`).FindStringSubmatch(body)
		if m == nil || !strings.HasPrefix(m[1], "/hls/a/master.m3u8?RequestToken=") {
			t.Fatalf("page names no entry playlist:\n%s", body)
		}
		src := html.UnescapeString(m[1])
		if resp, got := fetch(t, tc, src); resp.StatusCode != 200 || got != "media /hls/a/master.m3u8" {
			t.Errorf("edgeauth refuses the page's own stream URL %s: %d %q", src, resp.StatusCode, got)
		}
		if !strings.Contains(body, page.AssetsBase("/embed")+"/hls.min.js") {
			t.Error("page does not load the embedded hls.js")
		}
		h := resp.Header
		if h.Get("Cache-Control") != "no-store" || h.Get("Referrer-Policy") != "no-referrer" ||
			!strings.HasSuffix(h.Get("Content-Security-Policy"), "frame-ancestors https://www.example.com https://intranet.example.com") {
			t.Errorf("headers %v", h)
		}
	})

	marker := "zzinput"
	cases := []struct {
		name, path, reason string
		status             int
	}{
		{"missing token", "/embed/a", "missing", 403},
		{"empty token", "/embed/a?RequestToken=", "missing", 403},
		{"expired token", "/embed/a?RequestToken=" + expired, "expired", 403},
		{"token for another asset", "/embed/a?RequestToken=" + other, "wrong_asset", 403},
		{"tampered token", "/embed/a?RequestToken=" + tampered, "invalid", 403},
		{"garbage token", "/embed/a?RequestToken=" + marker + "%3Cscript%3E", "invalid", 403},
		{"token in another parameter", "/embed/a?__token__=" + good, "missing", 403},
		{"no asset", "/embed/", "not_found", 404},
		{"dot segments", "/embed/a/%2e%2e/" + marker, "not_found", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := fetch(t, tc, c.path)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
			}
			if !strings.Contains(body, `data-reason="`+c.reason+`"`) {
				t.Errorf("page does not say %s:\n%s", c.reason, body)
			}
			if strings.Contains(body, marker) || strings.Contains(body, "master.m3u8") || strings.Contains(body, "hls.min.js") {
				t.Errorf("error page reflects input or sends the player:\n%s", body)
			}
			if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Errorf("headers %v", resp.Header)
			}
		})
	}

	t.Run("pages are counted by outcome", func(t *testing.T) {
		resp, err := http.Get("http://localhost:2997/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		for _, want := range []string{`mediagate_hls_player_pages_total{outcome="player"} 1`,
			`mediagate_hls_player_pages_total{outcome="missing"} 3`, `mediagate_hls_player_pages_total{outcome="invalid"} 2`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})

	t.Run("static files are versioned and cacheable for good", func(t *testing.T) {
		resp, body := fetch(t, tc, page.AssetsBase("/embed")+"/player.js")
		if resp.StatusCode != 200 || !strings.Contains(body, "mediagateEmbed") || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Fatalf("%d %v", resp.StatusCode, resp.Header)
		}
		if resp, _ := fetch(t, tc, "/embed/_player/0000/player.js"); resp.StatusCode != 404 {
			t.Errorf("stale version: %d, want 404", resp.StatusCode)
		}
	})

	t.Run("the rest of the site is still behind edgeauth", func(t *testing.T) {
		if resp, _ := fetch(t, tc, "/hls/a/master.m3u8"); resp.StatusCode != 403 {
			t.Errorf("entry without token: %d, want 403", resp.StatusCode)
		}
		if resp, body := fetch(t, tc, "/hls/a/master.m3u8?RequestToken="+good); resp.StatusCode != 200 || body != "media /hls/a/master.m3u8" {
			t.Errorf("entry with the page's token: %d %q", resp.StatusCode, body)
		}
	})
}

func adapt(src string) ([]byte, error) {
	out, _, err := caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}.Adapt([]byte(src), nil)
	return out, err
}

func TestCaddyfileNeedsEdgeauthBeforeAndOrdersThePlayerFirst(t *testing.T) {
	_, err := adapt(":8080 {\n hls_player /embed\n}\n")
	if err == nil || !strings.Contains(err.Error(), "edgeauth") || !strings.Contains(err.Error(), "Caddyfile:2") {
		t.Fatalf("no edgeauth: %v", err)
	}
	out, err := adapt(":8080 {\n edgeauth {\n key " + keyHex + "\n }\n respond 200\n hls_player /embed {\n entry /media/{asset}/index.m3u8\n }\n}\n")
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	player, auth := strings.Index(s, `"handler":"hls_player"`), strings.Index(s, `"handler":"edgeauth"`)
	if player < 0 || auth < 0 || player > auth {
		t.Fatalf("hls_player must come before edgeauth:\n%s", s)
	}
	if !strings.Contains(s, `"path":["/embed","/embed/*"]`) || !strings.Contains(s, `"entry":"/media/{asset}/index.m3u8"`) {
		t.Errorf("route or entry missing:\n%s", s)
	}
	var cfg map[string]any
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]string{
		"bad ancestor":      "hls_player /embed {\n frame_ancestors 'none' https://a.example.com\n }",
		"prefix with slash": "hls_player /embed/",
		"entry sans asset":  "hls_player /embed {\n entry /hls/master.m3u8\n }",
		"unknown option":    "hls_player /embed {\n autoplay\n }",
		"no prefix":         "hls_player",
	} {
		if _, err := adapt(":8080 {\n edgeauth {\n key " + keyHex + "\n }\n " + src + "\n}\n"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
