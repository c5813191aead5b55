package edgeauth

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

func TestEmbedCommandPrintsAnIframeWithAFreshTokenForTheAsset(t *testing.T) {
	out, err := runCommand(t, newEmbedCommand(), "--key", keyA, "--url", "https://media.example.com/embed/a", "--param", "RequestToken", "--window", "120")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^<iframe src="([^"]+)" width="640" height="360" .*></iframe>\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("not an iframe snippet: %q", out)
	}
	u, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil || u.Host != "media.example.com" || u.Path != "/embed/a" {
		t.Fatalf("src %q (%v)", m[1], err)
	}
	key, _ := edgetoken.ParseKey(keyA)
	v := edgetoken.Verifier{Keys: [][]byte{key}}
	tok := u.Query().Get("RequestToken")
	if _, err := v.Verify(tok, edgetoken.Request{Path: "/hls/a/master.m3u8", Now: time.Now()}); err != nil {
		t.Fatalf("token does not open the asset's entry playlist: %v", err)
	}
	if _, err := v.Verify(tok, edgetoken.Request{Path: "/hls/b/master.m3u8", Now: time.Now()}); err == nil {
		t.Fatal("token opens another asset")
	}
	if _, err := v.Verify(tok, edgetoken.Request{Path: "/hls/a/master.m3u8", Now: time.Now().Add(3 * time.Minute)}); err == nil {
		t.Fatal("token outlives --window 120")
	}
}

func TestEmbedCommandRefusesAURLWithoutAsset(t *testing.T) {
	for _, u := range []string{"https://media.example.com/embed", "https://media.example.com/embed/", "media.example.com/embed/a"} {
		if _, err := runCommand(t, newEmbedCommand(), "--key", keyA, "--url", u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	out, err := runCommand(t, newEmbedCommand(), "--key", keyA, "--url", "https://m.example.com/embed/x?lang=fr", "--acl", "/media/x/*")
	if err != nil || !strings.Contains(out, "lang=fr&amp;") && !strings.Contains(out, "&amp;lang=fr") {
		t.Errorf("explicit --acl with a query: %q %v", out, err)
	}
}
