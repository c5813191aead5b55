package examples

import (
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// Every mediagate directive parses its blocks with internal/caddyfilex, so a
// repeated or unknown subdirective reads the same in each, with its line.
func TestEveryDirectiveRefusesRepeatedAndUnknownSubdirectivesInTheSameWords(t *testing.T) {
	site := func(body string) string {
		return "https://localhost {\n\tsecure_routes {\n\t\tallow /*\n\t}\n" + body + "\n}\n"
	}
	cases := []struct{ name, caddyfile, want string }{
		{"secure_routes", "https://localhost {\n\tsecure_routes {\n\t\tallow /*\n\t\tports 443\n\t\tports 8443\n\t}\n}\n",
			"secure_routes: ports given more than once, at Caddyfile:5"},
		{"secure_routes cors", "https://localhost {\n\tsecure_routes {\n\t\tallow /*\n\t\tcors https://a.example {\n\t\t\tmax_age 1\n\t\t\tmax_age 2\n\t\t}\n\t}\n}\n",
			"secure_routes: cors: max_age given more than once, at Caddyfile:6"},
		{"edgeauth", site("\tedgeauth {\n\t\tkey 00\n\t\tquery a\n\t\tquery b\n\t}"),
			"edgeauth: query given more than once, at Caddyfile:8"},
		{"edgeauth session_cookie", site("\tedgeauth {\n\t\tkey 00\n\t\tsession_cookie {\n\t\t\tdomain a\n\t\t\tdomain b\n\t\t}\n\t}"),
			"edgeauth: session_cookie: domain given more than once, at Caddyfile:9"},
		{"hls_proxy", site("\thls_proxy {\n\t\torigin s3://b\n\t\ttokenize\n\t\ttokenize\n\t}"),
			"hls_proxy: tokenize given more than once, at Caddyfile:8"},
		{"hls_proxy origin", site("\thls_proxy {\n\t\torigin s3://b {\n\t\t\tregion a\n\t\t\tregion b\n\t\t}\n\t}"),
			"hls_proxy: origin s3://b: region given more than once, at Caddyfile:8"},
		{"hls_proxy asset_policy http", site("\thls_proxy {\n\t\torigin s3://b\n\t\tasset_policy http https://dam.example/r?a={asset} {\n\t\t\tcache 1m\n\t\t\tcache 2m\n\t\t}\n\t}"),
			"hls_proxy: asset_policy http: cache given more than once, at Caddyfile:9"},
		{"hls_player", site("\thls_player /embed {\n\t\tentry master.m3u8\n\t\tentry index.m3u8\n\t}"),
			"hls_player: entry given more than once, at Caddyfile:7"},
		{"edgeauth unknown", site("\tedgeauth {\n\t\tkey 00\n\t\tbogus\n\t}"), `edgeauth: unknown subdirective "bogus", at Caddyfile:7`},
		{"hls_proxy unknown", site("\thls_proxy {\n\t\torigin s3://b\n\t\tbogus\n\t}"), `hls_proxy: unknown subdirective "bogus", at Caddyfile:7`},
		{"hls_player unknown", site("\thls_player /embed {\n\t\tbogus\n\t}"), `hls_player: unknown subdirective "bogus", at Caddyfile:6`},
		{"secure_routes unknown", "https://localhost {\n\tsecure_routes {\n\t\tallow /*\n\t\tbogus\n\t}\n}\n", `secure_routes: unknown subdirective "bogus", at Caddyfile:4`},
	}
	adapter := caddyconfig.GetAdapter("caddyfile")
	for _, c := range cases {
		_, _, err := adapter.Adapt([]byte(c.caddyfile), map[string]any{"filename": "Caddyfile"})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}
