package hlsproxy

import (
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

func TestUnmarshalCaddyfileReadsEveryOption(t *testing.T) {
	d := caddyfile.NewTestDispenser(`hls_proxy {
		origin s3://media/vod {
			region eu-west-1
			endpoint http://127.0.0.1:7070
			path_style
			access_key {env.AWS_ACCESS_KEY_ID}
			secret_key {env.AWS_SECRET_ACCESS_KEY}
		}
		origin https://dam.example.com/media {
			header Authorization "Bearer {env.DAM_TOKEN}"
		}
		strip_prefix /hls
		encryption reencrypt
		key_secret {file./run/secrets/hls}
		key_path /keys
		tokenize
		timeout 5s
		failover_backoff 1m
		download_param dl
		asset_policy metadata x-amz-meta-tokenize default public
		playlist_cache 64
		vod_cache_ttl 30s
	}`)
	var h Handler
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	if len(h.Origins) != 2 {
		t.Fatalf("origins: %+v", h.Origins)
	}
	o := h.Origins[0]
	if o.URL != "s3://media/vod" || o.Region != "eu-west-1" || o.Endpoint != "http://127.0.0.1:7070" || !o.PathStyle ||
		o.AccessKey != "{env.AWS_ACCESS_KEY_ID}" || o.SecretKey != "{env.AWS_SECRET_ACCESS_KEY}" {
		t.Errorf("s3 origin: %+v", o)
	}
	if got := h.Origins[1].Headers.Get("Authorization"); got != "Bearer {env.DAM_TOKEN}" {
		t.Errorf("http origin header %q", got)
	}
	if h.StripPrefix != "/hls" || h.Encryption != "reencrypt" || h.KeySecret != "{file./run/secrets/hls}" || h.KeyPath != "/keys" ||
		!h.Tokenize || time.Duration(h.Timeout) != 5*time.Second || time.Duration(h.FailoverBackoff) != time.Minute ||
		h.DownloadParam != "dl" || h.PlaylistCache != 64 || time.Duration(h.VODCacheTTL) != 30*time.Second {
		t.Errorf("handler: %+v", h)
	}
	if h.AssetPolicy == nil || h.AssetPolicy.Header != "X-Amz-Meta-Tokenize" || h.AssetPolicy.Default != "public" {
		t.Errorf("asset policy: %+v", h.AssetPolicy)
	}
}

func TestUnmarshalCaddyfileErrorsNameTheLine(t *testing.T) {
	cases := map[string]string{
		"no origin":            "hls_proxy {\n strip_prefix /hls\n}",
		"unknown subdirective": "hls_proxy {\n origin s3://b\n frobnicate\n}",
		"repeated option":      "hls_proxy {\n origin s3://b\n tokenize\n tokenize\n}",
		"bad mode":             "hls_proxy {\n origin s3://b\n encryption rot13\n}",
		"bad origin scheme":    "hls_proxy {\n origin ftp://host/x\n}",
		"s3 option on http":    "hls_proxy {\n origin https://dam.example.com {\n region eu-west-1\n }\n}",
		"bad duration":         "hls_proxy {\n origin s3://b\n timeout soon\n}",
		"bad policy":           "hls_proxy {\n origin s3://b\n asset_policy metadata x-amz-meta-tokenize default maybe\n}",
		"policy source":        "hls_proxy {\n origin s3://b\n asset_policy tags x\n}",
		"bad cache size":       "hls_proxy {\n origin s3://b\n playlist_cache -3\n}",
		"bad object cache":     "hls_proxy {\n origin s3://b\n object_cache lots\n}",
		"object cache of zero": "hls_proxy {\n origin s3://b\n object_cache 0B\n}",
		"conflicting address":  "hls_proxy {\n origin s3://b {\n path_style\n virtual_hosted\n }\n}",
		"argument on block":    "hls_proxy extra {\n origin s3://b\n}",
		"tokenize argument":    "hls_proxy {\n origin s3://b\n tokenize yes\n}",
		"key_secret no value":  "hls_proxy {\n origin s3://b\n key_secret\n}",
		"short literal secret": "hls_proxy {\n origin s3://b\n key_secret short\n}",
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			var h Handler
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(src))
			if err == nil {
				t.Fatalf("accepted:\n%s", src)
			}
			if !strings.Contains(err.Error(), "Testfile:") {
				t.Errorf("error does not name the line: %v", err)
			}
		})
	}
}

func TestProvisionRefusesUnsafeSecretsAndLayouts(t *testing.T) {
	t.Setenv("MG_SHORT_SECRET", "short")
	cases := map[string]Handler{
		"encrypt without secret": {Origins: []OriginConfig{{URL: "https://dam.example.com"}}, Encryption: "encrypt"},
		"short secret":           {Origins: []OriginConfig{{URL: "https://dam.example.com"}}, Encryption: "decrypt", KeySecret: "{env.MG_SHORT_SECRET}"},
		"missing env secret":     {Origins: []OriginConfig{{URL: "https://dam.example.com"}}, Encryption: "decrypt", KeySecret: "{env.MG_UNSET_FOR_TEST}"},
		"half credentials":       {Origins: []OriginConfig{{URL: "s3://bucket", Region: "us-east-1", AccessKey: "A"}}},
		// JSON is refused as the Caddyfile is (durationArg and Provision share checkDuration).
		"timeout over 24h":          {Origins: []OriginConfig{{URL: "https://dam.example.com"}}, Timeout: caddy.Duration(48 * time.Hour)},
		"negative failover_backoff": {Origins: []OriginConfig{{URL: "https://dam.example.com"}}, FailoverBackoff: caddy.Duration(-time.Second)},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := caddy.NewContext(caddy.Context{Context: t.Context()})
			defer cancel()
			if err := h.Provision(ctx); err == nil {
				_ = h.Cleanup()
				t.Fatal("provisioned")
			}
		})
	}
	for name, h := range map[string]Handler{
		"relative key path":      {Origins: []OriginConfig{{URL: "https://a"}}, KeyPath: "keys"},
		"trailing slash":         {Origins: []OriginConfig{{URL: "https://a"}}, StripPrefix: "/hls/"},
		"key path equals prefix": {Origins: []OriginConfig{{URL: "https://a"}}, StripPrefix: "/hls", KeyPath: "/hls"},
		"no origin":              {},
	} {
		if err := h.Validate(); err == nil {
			t.Errorf("%s: validated", name)
		}
	}
}

func FuzzUnmarshalCaddyfile(f *testing.F) {
	f.Add("hls_proxy {\n origin s3://b/p {\n region r\n }\n strip_prefix /hls\n tokenize\n}")
	f.Add("hls_proxy {\n origin https://h/p\n asset_policy metadata x default public\n playlist_cache off\n}")
	f.Fuzz(func(t *testing.T, src string) {
		var h Handler
		_ = h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(src))
	})
}

// The S3 addressing and static-key rules live once (origin.CheckAddressing,
// origin.CheckStaticKeys): a JSON config is refused in the words its
// Caddyfile is, and the Caddyfile error also names the line.
func TestS3OriginRulesReadTheSameInJSONAndCaddyfile(t *testing.T) {
	cases := []struct {
		name, caddyfile string
		json            Handler
		want            string
	}{
		{"addressing", "hls_proxy {\n origin s3://b {\n  region r\n  path_style\n  virtual_hosted\n }\n}",
			Handler{Origins: []OriginConfig{{URL: "s3://b", Region: "r", PathStyle: true, VirtualHosted: true}}},
			"path_style and virtual_hosted exclude each other"},
		{"static keys", "hls_proxy {\n origin s3://b {\n  region r\n  access_key A\n }\n}",
			Handler{Origins: []OriginConfig{{URL: "s3://b", Region: "r", AccessKey: "A"}}},
			"access_key and secret_key go together"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := caddy.NewContext(caddy.Context{Context: t.Context()})
			defer cancel()
			jsonErr := c.json.Provision(ctx)
			if jsonErr == nil || !strings.Contains(jsonErr.Error(), c.want) {
				t.Errorf("JSON: %v, want %q", jsonErr, c.want)
			}
			var h Handler
			cfErr := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(c.caddyfile))
			if cfErr == nil {
				cfErr = h.Provision(ctx)
			}
			if cfErr == nil || !strings.Contains(cfErr.Error(), c.want) {
				t.Errorf("Caddyfile: %v, want %q", cfErr, c.want)
			}
		})
	}
}
