package hlsproxy

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

func TestAssetPolicyHTTPCaddyfileFillsTheRuleAndItsJSONRoundTrips(t *testing.T) {
	var h Handler
	err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(`hls_proxy {
		origin s3://b
		asset_policy http https://dam.example.com/rule?asset={asset} {
			cache 10m
			timeout 1s
			asset_depth 2
		}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	p := h.AssetPolicy
	if p == nil || p.Source != "http" || p.URL != "https://dam.example.com/rule?asset={asset}" ||
		time.Duration(p.Cache) != 10*time.Minute || time.Duration(p.Timeout) != time.Second || p.AssetDepth != 2 {
		t.Fatalf("policy: %+v", p)
	}
	raw, _ := json.Marshal(p)
	var back AssetPolicy
	if err := json.Unmarshal(raw, &back); err != nil || back.provision() != nil || back.URL != p.URL || back.AssetDepth != 2 {
		t.Fatalf("JSON %s did not round-trip: %+v", raw, back)
	}
	if strings.Contains(string(raw), `"header"`) {
		t.Errorf("JSON of source http carries a header: %s", raw)
	}
}

func TestAssetPolicyHTTPIsRefusedAlikeInCaddyfileAndJSON(t *testing.T) {
	cases := []struct {
		name, caddyfile string
		json            AssetPolicy
	}{
		{"no placeholder", "asset_policy http https://dam.example.com/rule",
			AssetPolicy{Source: "http", httpRule: httpRule{URL: "https://dam.example.com/rule"}}},
		{"asset in the host", "asset_policy http https://{asset}.dam.example.com/",
			AssetPolicy{Source: "http", httpRule: httpRule{URL: "https://{asset}.dam.example.com/"}}},
		{"timeout too long", "asset_policy http https://d/r?a={asset} {\n timeout 5m\n }",
			AssetPolicy{Source: "http", httpRule: httpRule{URL: "https://d/r?a={asset}", Timeout: 300e9}}},
		{"metadata options on http", "asset_policy http https://d/r?a={asset} default public",
			AssetPolicy{Source: "http", Default: "public", httpRule: httpRule{URL: "https://d/r?a={asset}"}}},
		{"http options on metadata", "asset_policy metadata x-tokenize {\n cache 1m\n }",
			AssetPolicy{Source: "metadata", Header: "x-tokenize", httpRule: httpRule{Cache: 60e9}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.json.provision(); err == nil {
				t.Errorf("JSON accepted: %+v", c.json)
			}
			var h Handler
			src := "hls_proxy {\n origin s3://b\n " + c.caddyfile + "\n}"
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(src))
			if err == nil {
				t.Fatalf("Caddyfile accepted:\n%s", src)
			}
			if !strings.Contains(err.Error(), "Testfile:") {
				t.Errorf("error does not name the line: %v", err)
			}
		})
	}
}
