package edgeauth

import (
	"fmt"
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

// embedSpellings are asset names an attacker may store: every ACL or token
// metacharacter raw and percent-encoded in both cases, dot segments, and a
// few harmless names that must still be signed.
func embedSpellings() []string {
	var out []string
	for _, c := range "!*?~%" {
		enc := fmt.Sprintf("%%%02X", c)
		out = append(out, "a"+string(c)+"b", "a"+enc+"b", "a"+strings.ToLower(enc)+"b", enc, "x/"+enc+"/y")
	}
	return append(out, "*", "a!/keys/b", "*/*", "a%252A", "..", "a/../../keys", "a%2Fb", "a b", "my%20video", "a=b", "a/b", "a-b_c.d", "a#b", "a?", "a#")
}

func TestEmbedCommandNeverSignsAnACLThatCoversAnotherAsset(t *testing.T) {
	key, _ := edgetoken.ParseKey(keyA)
	v := edgetoken.Verifier{Keys: [][]byte{key}}
	others := []string{"/hls/other/master.m3u8", "/hls/a/master.m3u8", "/keys/a/k.key", "/hls/a-other/x.ts", "/hls/ab/x.ts", "/hls/x/y.ts"}
	signed := 0
	for _, asset := range embedSpellings() {
		out, err := runCommand(t, newEmbedCommand(), "--key", keyA, "--url", "https://media.example.com/embed/"+asset)
		if err != nil {
			if out != "" {
				t.Errorf("%q refused (%v) but stdout holds %q", asset, err, out)
			}
			continue
		}
		signed++
		m := regexp.MustCompile(`src="([^"]+)"`).FindStringSubmatch(out)
		u, _ := url.Parse(html.UnescapeString(m[1]))
		tok := u.Query().Get(DefaultParam)
		pt, perr := edgetoken.Parse(tok)
		if perr != nil {
			t.Fatalf("%q: printed token does not parse: %v", asset, perr)
		}
		if len(pt.ACLs) != 1 || strings.ContainsAny(strings.TrimSuffix(pt.ACLs[0], "*"), "!*?~%") && !strings.Contains(pt.ACLs[0], "%20") {
			t.Errorf("%q: signed ACL %q is not one literal prefix", asset, pt.ACL)
		}
		for _, o := range others {
			if _, f := v.Verify(tok, edgetoken.Request{Path: o}); f == nil {
				t.Errorf("%q: the printed token (acl %q) opens %s", asset, pt.ACL, o)
			}
		}
	}
	if signed < 4 {
		t.Errorf("only %d harmless names signed: the rule refuses too much", signed)
	}
}

func TestEmbedCommandSignsTheCanonicalAssetDirectory(t *testing.T) {
	for asset, want := range map[string]string{"my%20video": "/hls/my%20video/*", "a%2db": "/hls/a-b/*", "a=b": "/hls/a=b/*", "a/b": "/hls/a/b/*"} {
		acls, err := defaultEmbedACL("/embed/" + asset)
		if err != nil || len(acls) != 1 || acls[0] != want {
			t.Errorf("%q: %v %v; want %s", asset, acls, err, want)
		}
	}
}
