package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// A config as `caddy adapt` writes it for a media site with secure_routes, edgeauth and an
// hls_proxy with an S3 origin on the default credential chain and an HTTP replica.
const adaptedSample = `{"apps":{"http":{"servers":{"srv0":{"listen":[":443"],"routes":[{
 "match":[{"host":["media.example.com"]}],
 "handle":[{"handler":"subroute","routes":[{"handle":[
  {"handler":"secure_routes","cors":{"origins":["https://www.example.com","*"]}},
  {"handler":"edgeauth","keys":["{env.EDGEAUTH_KEY}"],"query":"RequestToken","session_cookie":{}},
  {"handler":"hls_proxy","strip_prefix":"/hls","encryption":"encrypt","key_secret":"{env.HLS_KEY_SECRET}",
   "origins":[{"url":"s3://media-bucket/vod","region":"eu-west-1","virtual_hosted":true},
              {"url":"https://dam.example.com/media"}]}]}]}]}]}}}}}`

func TestRealizeMovesADocumentedConfigOntoTheTestStackAndNothingElse(t *testing.T) {
	z := realizer{
		S3:         &testutil.VGW{S3Conn: testutil.S3Conn{Endpoint: "http://127.0.0.1:7070", Access: "A", Secret: "S", Region: "us-east-1"}},
		HTTPOrigin: &httpOrigin{URL: "http://127.0.0.1:7171", prefixes: map[string]bool{}},
		PagePort:   9444,
	}
	r := z.realize(t, []byte(adaptedSample))
	if len(r.Sites) != 1 {
		t.Fatalf("%d sites, want 1", len(r.Sites))
	}
	s := r.Sites[0]
	if !s.TLS || s.Host != "media.example.com" || !strings.HasPrefix(s.Base, "https://media.example.com:") || s.Port == 443 {
		t.Errorf("site %+v: want https://media.example.com on a free port", s)
	}
	if s.TokenParam != "RequestToken" || !s.Cookie || s.Tokenize || s.Encryption != "encrypt" || s.KeyPath != "/keys" || s.StripPrefix != "/hls" {
		t.Errorf("site %+v does not describe the config", s)
	}
	if len(s.SigningKey) != 32 || s.SigningKey != envValue(r, "EDGEAUTH_KEY") {
		t.Errorf("signing key %q, want the random value given to EDGEAUTH_KEY", s.SigningKey)
	}
	for _, want := range []string{"AWS_ACCESS_KEY_ID=A", "AWS_SECRET_ACCESS_KEY=S"} {
		if !strings.Contains(strings.Join(r.Env, " "), want) {
			t.Errorf("env %v lacks %s (the default credential chain gets versitygw's)", r.Env, want)
		}
	}
	if envValue(r, "HLS_KEY_SECRET") == "" {
		t.Errorf("HLS_KEY_SECRET has no value: %v", r.Env)
	}
	if len(r.Seeds) != 1 || r.Seeds[0] != (s3Seed{"media-bucket", "vod"}) {
		t.Errorf("seeds %v, want media-bucket/vod", r.Seeds)
	}
	if got := strings.Join(s.CORS, " "); got != "https://www.example.com:9444" {
		t.Errorf("cors %q, want the page server's port on the same host", got)
	}
	var cfg struct {
		Admin struct{ Listen string }
		Apps  struct {
			HTTP struct {
				Servers map[string]struct{ Listen []string }
			}
		}
	}
	if err := json.Unmarshal(r.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cfg.Admin.Listen, "127.0.0.1:") || len(cfg.Apps.HTTP.Servers["srv0"].Listen) != 1 ||
		!strings.HasPrefix(cfg.Apps.HTTP.Servers["srv0"].Listen[0], "127.0.0.1:") {
		t.Errorf("admin %q, listen %v: want 127.0.0.1 free ports", cfg.Admin.Listen, cfg.Apps.HTTP.Servers["srv0"].Listen)
	}
	text := string(r.Config)
	for _, want := range []string{`"endpoint": "http://127.0.0.1:7070"`, `"url": "http://127.0.0.1:7171/media"`,
		`"module": "internal"`, `"install_trust": false`, `"*"`, `"{env.EDGEAUTH_KEY}"`} {
		if !strings.Contains(text, want) {
			t.Errorf("realized config lacks %s:\n%s", want, text)
		}
	}
	if strings.Contains(text, "virtual_hosted") || strings.Contains(text, "eu-west-1") {
		t.Errorf("realized config still addresses AWS:\n%s", text)
	}
}

func envValue(r *realized, name string) string {
	for _, kv := range r.Env {
		if k, v, _ := strings.Cut(kv, "="); k == name {
			return v
		}
	}
	return ""
}

func TestFragmentTellsWholeConfigsFromSnippets(t *testing.T) {
	for _, tc := range []struct {
		text  string
		whole bool
	}{
		{"media.example.com {\n\trespond ok\n}\n", true},
		{"# comment\n{\n\tadmin off\n}\nhttps://localhost:8443 {\n}\n", true},
		{"localhost {\n}\n", true},
		{":8080 {\n}\n", true},
		{"edgeauth {\n\tkey x\n}\n", false},
		{"media.example.com {\n\tedgeauth { … }\n}\n", false},
		{"media.example.com {\n\t...\n}\n", false},
	} {
		if got := fragment(tc.text) == ""; got != tc.whole {
			t.Errorf("fragment(%q) = %q, want whole=%v", tc.text, fragment(tc.text), tc.whole)
		}
	}
}
