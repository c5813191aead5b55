package hlsplayer

import (
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgeauth"
)

func TestJSONIsRefusedAsItsCaddyfileWouldBe(t *testing.T) {
	auth := &edgeauth.Config{Keys: []string{"00112233445566778899aabbccddeeff"}}
	cases := map[string]Handler{
		"no auth":          {Prefix: "/embed"},
		"no prefix":        {Auth: auth},
		"wildcard prefix":  {Prefix: "/embed/*", Auth: auth},
		"entry sans asset": {Prefix: "/embed", Entry: "/hls/master.m3u8", Auth: auth},
		"none and others":  {Prefix: "/embed", FrameAncestors: []string{"'none'", "https://a.example.com"}, Auth: auth},
		"CSP injection":    {Prefix: "/embed", FrameAncestors: []string{"https://a.example.com; script-src *"}, Auth: auth},
	}
	for name, h := range cases {
		if err := h.check(); err == nil || !strings.HasPrefix(err.Error(), "hls_player") {
			t.Errorf("%s: %v", name, err)
		}
	}
	ok := Handler{Prefix: "/embed", Auth: auth}
	if err := ok.check(); err != nil || ok.Entry != "/hls/{asset}/master.m3u8" {
		t.Fatalf("defaults: %v %+v", err, ok)
	}
	if _, _, err := (&edgeauth.Config{Keys: []string{"nothex"}}).TokenVerifier(); err == nil {
		t.Error("a bad key reached the verifier")
	}
}
