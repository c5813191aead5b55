package page

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/canon"
)

var defaultMapping = Mapping{Prefix: "/embed", Entry: DefaultEntry}

func TestResolveMapsTheEmbedPathToTheEntryPlaylist(t *testing.T) {
	cases := []struct{ path, asset, entry string }{
		{"/embed/a", "a", "/hls/a/master.m3u8"},
		{"/embed/videos/a", "videos/a", "/hls/videos/a/master.m3u8"},
		{"/embed/a b?#", "a b?#", "/hls/a%20b%3F%23/master.m3u8"},
		{"/embed/(x)*", "(x)*", "/hls/(x)*/master.m3u8"},
	}
	for _, c := range cases {
		asset, entry, err := defaultMapping.Resolve(c.path)
		if err != nil || asset != c.asset || entry != c.entry {
			t.Errorf("%s: %q %q %v; want %q %q", c.path, asset, entry, err, c.asset, c.entry)
		}
	}
	custom := Mapping{Prefix: "/watch", Entry: "/media/{asset}/index.m3u8"}
	if _, entry, _ := custom.Resolve("/watch/x"); entry != "/media/x/index.m3u8" {
		t.Errorf("custom entry: %s", entry)
	}
}

func TestResolveRefusesPathsThatNameNoAsset(t *testing.T) {
	for _, p := range []string{"/embed", "/embed/", "/embed/a/", "/embed//a", "/embed/../keys", "/embed/a/./b",
		"/embed/_player/x", "/embedded/a", "/embed/%41", "/embed/a\nb", "/embed/a\\b", "/embed/\xff"} {
		if asset, _, err := defaultMapping.Resolve(p); err == nil {
			t.Errorf("%q resolved to asset %q", p, asset)
		}
	}
}

func FuzzResolveStaysInsideTheEntryTemplate(f *testing.F) {
	f.Add("a")
	f.Add("../../keys/a")
	f.Fuzz(func(t *testing.T, rest string) {
		_, entry, err := defaultMapping.Resolve("/embed/" + rest)
		if err != nil {
			return
		}
		p, err := canon.Parse(entry)
		if err != nil {
			t.Fatalf("%q -> %q, which has no canonical form: %v", rest, entry, err)
		}
		if norm := p.Escaped; norm != entry || !strings.HasPrefix(norm, "/hls/") || !strings.HasSuffix(norm, "/master.m3u8") || strings.Contains(norm, "/../") {
			t.Fatalf("%q -> %q (normalised %q)", rest, entry, norm)
		}
	})
}

func TestMappingCheckRefusesUnusableSettings(t *testing.T) {
	for _, m := range []Mapping{
		{Prefix: "embed", Entry: DefaultEntry}, {Prefix: "/embed/", Entry: DefaultEntry}, {Prefix: "/embed/*", Entry: DefaultEntry},
		{Prefix: "/embed", Entry: "/hls/master.m3u8"}, {Prefix: "/embed", Entry: "/hls/{asset}/{asset}.m3u8"},
		{Prefix: "/embed", Entry: "/embed/{asset}/master.m3u8"}, {Prefix: "/embed", Entry: "/hls/{asset}/master.m3u8?x=1"},
	} {
		if err := m.Check(); err == nil {
			t.Errorf("%+v accepted", m)
		}
	}
	if err := defaultMapping.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestFrameAncestorsBecomeTheCSPAndRefuseInjection(t *testing.T) {
	good := []string{"https://www.example.com", "https://*.example.com:8443", "http://localhost:9000"}
	if err := CheckFrameAncestors(good); err != nil {
		t.Fatal(err)
	}
	csp := ContentSecurityPolicy(good)
	if !strings.HasSuffix(csp, "frame-ancestors https://www.example.com https://*.example.com:8443 http://localhost:9000") {
		t.Errorf("CSP %s", csp)
	}
	if !strings.HasSuffix(ContentSecurityPolicy(nil), "frame-ancestors 'self'") {
		t.Errorf("default CSP %s", ContentSecurityPolicy(nil))
	}
	for _, bad := range [][]string{{"https://a.example.com; script-src *"}, {"*"}, {"https://a.example.com/path"},
		{"javascript:x"}, {"'unsafe-inline'"}, {"'none'", "https://a.example.com"}, {"https://a.*.com"}} {
		if err := CheckFrameAncestors(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPlayerPageEscapesTheStreamURLAndLoadsOnlyItsOwnFiles(t *testing.T) {
	var b bytes.Buffer
	if err := Player(&b, "/embed", `/hls/a/master.m3u8?__token__="><script>x</script>`); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	if strings.Contains(html, "<script>x") || !strings.Contains(html, `data-src="/hls/a/master.m3u8?__token__=%22%3e%3cscript%3ex%3c/script%3e"`) {
		t.Fatalf("stream URL not escaped:\n%s", html)
	}
	base := AssetsBase("/embed")
	for _, name := range []string{"hls.min.js", "player.js", "player.css"} {
		if !strings.Contains(html, `"`+base+"/"+name+`"`) {
			t.Errorf("page does not load %s from %s", name, base)
		}
		if _, _, ok := Static(name); !ok {
			t.Errorf("%s not embedded", name)
		}
	}
	if strings.Contains(html, "://") && !strings.Contains(html, "http://www.w3.org") {
		for _, line := range strings.Split(html, "\n") {
			if strings.Contains(line, "://") {
				t.Errorf("page names another host: %s", line)
			}
		}
	}
}

func TestErrorPageSaysTheReasonAndNothingElse(t *testing.T) {
	for _, reason := range []string{edgetoken.ReasonExpired, edgetoken.ReasonMissing, edgetoken.ReasonACLMismatch, edgetoken.ReasonBadHMAC} {
		r := RefusalFor(reason)
		var b bytes.Buffer
		if err := Error(&b, "/embed", r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), `data-reason="`+r.Reason+`"`) || !strings.Contains(b.String(), r.Text) {
			t.Errorf("%s: page lacks its message:\n%s", reason, b.String())
		}
	}
	seen := map[string]bool{}
	for _, reason := range []string{"missing", "expired", "acl_mismatch", "bad_hmac"} {
		seen[RefusalFor(reason).Text] = true
	}
	if len(seen) != 4 {
		t.Error("missing, expired, other asset and invalid must each have their own message")
	}
	if RefusalFor("malformed") != RefusalInvalid || RefusalFor("something new") != RefusalInvalid {
		t.Error("unknown reasons must read as invalid")
	}
}

func TestStaticServesOnlyItsFiles(t *testing.T) {
	for _, name := range []string{"", "player.html", "../page.go", "assets/player.js", "hls.min.js.map"} {
		if _, _, ok := Static(name); ok {
			t.Errorf("%q served", name)
		}
	}
	if _, ct, ok := Static("player.js"); !ok || !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("player.js: %q %v", ct, ok)
	}
}

// The vendored hls.js is the one npm installs for e2e (e2e/package.json pins it).
func TestVendoredHLSJSIsThePinnedNPMRelease(t *testing.T) {
	dir := filepath.Join("..", "..", "e2e", "node_modules", "hls.js")
	pkg, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Skip("e2e/node_modules/hls.js missing (npm ci in e2e/): cannot compare")
	}
	var meta struct{ Version string }
	if err := json.Unmarshal(pkg, &meta); err != nil || meta.Version != HLSVersion {
		t.Fatalf("npm hls.js %q (%v), vendored %s", meta.Version, err, HLSVersion)
	}
	for src, name := range map[string]string{"dist/hls.min.js": "hls.min.js", "LICENSE": "hls.js-LICENSE.txt"} {
		want, err := os.ReadFile(filepath.Join(dir, src))
		if err != nil {
			t.Fatal(err)
		}
		got, _, _ := Static(name)
		if !bytes.Equal(got, want) {
			t.Errorf("assets/%s differs from npm's %s", name, src)
		}
	}
}
