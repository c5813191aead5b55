package edgeauth

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

func TestUnmarshalCaddyfileFullSyntax(t *testing.T) {
	input := `edgeauth {
		key {env.EDGEAUTH_KEY} 0a0b
		key 0c0d
		algorithm sha1
		query RequestToken
		cookie sess
		header X-Edge-Token
		salt pepper
		clock_skew 30s
		url_mode escape_early
		keep_token
		session_cookie hdntl {
			lifetime 2h
			acl /hls/*
			same_site strict
			domain media.example.com
		}
		entry *.m3u8 /live/*/master.m3u8
		entry *.mpd
		optional
	}`
	var h Handler
	if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input)); err != nil {
		t.Fatalf("UnmarshalCaddyfile: %v", err)
	}
	skew := caddy.Duration(30 * time.Second)
	want := Handler{Config{
		Keys:        []string{"{env.EDGEAUTH_KEY}", "0a0b", "0c0d"},
		Algorithm:   "sha1",
		Query:       "RequestToken",
		Cookie:      "sess",
		Header:      "X-Edge-Token",
		Salt:        "pepper",
		ClockSkew:   &skew,
		URLMode:     true,
		EscapeEarly: true,
		KeepToken:   true,
		SessionCookie: &SessionCookie{
			Name: "hdntl", Lifetime: caddy.Duration(2 * time.Hour), ACL: "/hls/*",
			SameSite: "strict", Domain: "media.example.com",
		},
		Entry:    []string{"*.m3u8", "/live/*/master.m3u8", "*.mpd"},
		Optional: true,
	}}
	gotJSON, _ := json.Marshal(h)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("got  %s\nwant %s", gotJSON, wantJSON)
	}
}

func TestUnmarshalCaddyfileMinimal(t *testing.T) {
	var h Handler
	err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(`edgeauth {
		key 0a0b
		url_mode
		session_cookie
	}`))
	if err != nil {
		t.Fatalf("UnmarshalCaddyfile: %v", err)
	}
	if !h.URLMode || h.EscapeEarly || h.SessionCookie == nil || h.SessionCookie.Name != "" {
		t.Errorf("parsed %+v", h.Config)
	}
}

func TestUnmarshalCaddyfileErrorsCarryLine(t *testing.T) {
	tests := []struct {
		name, input string
		line        string
		msg         string
	}{
		{"inline argument", "edgeauth foo {\n}", ":1", "wrong argument count"},
		{"unknown subdirective", "edgeauth {\n key 0a\n bogus 1\n}", ":3", `unknown subdirective "bogus"`},
		{"duplicate algorithm", "edgeauth {\n algorithm sha1\n algorithm md5\n}", ":3", "edgeauth: algorithm given more than once"},
		{"duplicate query", "edgeauth {\n query a\n query b\n}", ":3", "edgeauth: query given more than once"},
		{"bad algorithm", "edgeauth {\n\n algorithm sha512\n}", ":3", "unknown algorithm"},
		{"key without value", "edgeauth {\n key\n}", ":2", "wrong argument count"},
		{"query with two values", "edgeauth {\n query a b\n}", ":2", "wrong argument count"},
		{"bad clock_skew", "edgeauth {\n clock_skew soon\n}", ":2", `edgeauth: clock_skew: invalid duration "soon"`},
		{"negative clock_skew", "edgeauth {\n clock_skew -5s\n}", ":2", "edgeauth: clock_skew must not be negative"},
		{"url_mode option", "edgeauth {\n url_mode escape_late\n}", ":2", "escape_late"},
		{"keep_token argument", "edgeauth {\n keep_token yes\n}", ":2", "wrong argument count"},
		{"optional argument", "edgeauth {\n optional yes\n}", ":2", "wrong argument count"},
		{"bad entry glob", "edgeauth {\n entry [\n}", ":2", "entry"},
		{"empty entry", "edgeauth {\n entry\n}", ":2", "wrong argument count"},
		{"bad cookie name", "edgeauth {\n cookie a;b\n}", ":2", `edgeauth: cookie: invalid cookie name "a;b"`},
		{"session_cookie bad lifetime", "edgeauth {\n session_cookie {\n  lifetime 0s\n }\n}", ":3", "lifetime"},
		{"session_cookie bad same_site", "edgeauth {\n session_cookie {\n  same_site loose\n }\n}", ":3", "same_site"},
		{"session_cookie unknown", "edgeauth {\n session_cookie {\n  path /\n }\n}", ":3", `unknown subdirective "path"`},
		{"session_cookie duplicate", "edgeauth {\n session_cookie {\n  domain a\n  domain b\n }\n}", ":4", "edgeauth: session_cookie: domain given more than once"},
		{"odd-length literal key", "edgeauth {\n key 0123abc\n}", ":2", "odd number of hex digits"},
		{"non-hex literal key", "edgeauth {\n key 00 zz11\n}", ":2", "not hex"},
		{"session_cookie tilde acl", "edgeauth {\n session_cookie {\n  acl /~u/*\n }\n}", ":3", "literal path prefix"},
		{"session_cookie two names", "edgeauth {\n session_cookie a b\n}", ":2", "wrong argument count"},
		{"duplicate session_cookie", "edgeauth {\n session_cookie\n session_cookie\n}", ":3", "edgeauth: session_cookie given more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Handler
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input))
			if err == nil {
				t.Fatalf("no error for %q", tt.input)
			}
			if !strings.Contains(err.Error(), tt.line) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q, want line %s and %q", err, tt.line, tt.msg)
			}
		})
	}
}

// FuzzUnmarshalCaddyfile: any input either fails with an error or yields a
// configuration; the parser never panics.
func FuzzUnmarshalCaddyfile(f *testing.F) {
	f.Add("edgeauth {\n key 0123\n algorithm sha1\n query RequestToken\n cookie c\n header X-Edge-Token\n}")
	f.Add("edgeauth {\n key {env.K}\n session_cookie s {\n lifetime 4h\n acl /hls/*\n same_site none\n domain d\n }\n entry *.m3u8\n optional\n}")
	f.Add("edgeauth {\n url_mode escape_early\n clock_skew 5s\n keep_token\n salt x\n}")
	f.Fuzz(func(t *testing.T, src string) {
		var h Handler
		_ = h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(src))
	})
}

// The log filter takes any token out of a logged URI or header.
func TestTokenFilterRedactsURIsAndHeaderValues(t *testing.T) {
	tok := "exp=1~acl=/*~hmac=ab"
	f := TokenFilter{}
	got := f.Filter(zap.String("uri", "/hls/a/x.ts?RequestToken="+tok+"&x=1"))
	if got.String != "/hls/a/x.ts?RequestToken=REDACTED&x=1" {
		t.Errorf("uri %q", got.String)
	}
	arr := f.Filter(zap.Strings("X-Edge-Token", []string{tok, "plain"}))
	if a, ok := arr.Interface.(stringArray); !ok || a[0] != edgetoken.Redacted || a[1] != "plain" {
		t.Errorf("header values %#v", arr.Interface)
	}
}
