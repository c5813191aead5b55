package secureroutes

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard" // basic_auth, map, ... for adapt tests
)

func intPtr(n int) *int { return &n }

func TestUnmarshalCaddyfileFullSyntax(t *testing.T) {
	input := `secure_routes {
		allow GET HEAD /hls/* /keys/*
		allow /public/*
		allow POST /api/upload
		ports 443 8443
		https_only redirect 8443
		hsts 31536000 include_subdomains preload
		cors https://www.example.com http://localhost:3000 {
			allow_headers Range X-Edge-Token
			expose_headers Content-Length ETag
			max_age 10m
		}
	}`
	want := SecureRoutes{
		Allow: []AllowRule{
			{Methods: []string{"GET", "HEAD"}, Paths: []string{"/hls/*", "/keys/*"}},
			{Paths: []string{"/public/*"}},
			{Methods: []string{"POST"}, Paths: []string{"/api/upload"}},
		},
		Ports:        []int{443, 8443},
		HTTPSOnly:    HTTPSRedirect,
		RedirectPort: 8443,
		HSTS:         &HSTSConfig{MaxAge: 31536000, IncludeSubdomains: true, Preload: true},
		CORS: &CORSConfig{
			Origins:       []string{"https://www.example.com", "http://localhost:3000"},
			AllowHeaders:  []string{"Range", "X-Edge-Token"},
			ExposeHeaders: []string{"Content-Length", "ETag"},
			MaxAge:        intPtr(600),
		},
	}
	var got SecureRoutes
	if err := got.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("got  %s\nwant %s", g, w)
	}
}

func TestUnmarshalCaddyfileDefaults(t *testing.T) {
	var got SecureRoutes
	input := "secure_routes {\n allow /hls/*\n https_only\n hsts 1d\n cors https://a.example\n}"
	if err := got.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input)); err != nil {
		t.Fatal(err)
	}
	if got.HTTPSOnly != HTTPSOn || got.HSTS.MaxAge != 86400 || got.CORS.MaxAge != nil || got.Ports != nil {
		t.Errorf("unexpected defaults: %+v hsts=%+v cors=%+v", got, got.HSTS, got.CORS)
	}
	var off SecureRoutes
	if err := off.UnmarshalCaddyfile(caddyfile.NewTestDispenser("secure_routes {\n allow /a\n https_only off\n}")); err != nil || off.HTTPSOnly != HTTPSOff {
		t.Errorf("https_only off: %q, %v", off.HTTPSOnly, err)
	}
}

func TestUnmarshalCaddyfileErrors(t *testing.T) {
	tests := []struct {
		name  string
		body  string // lines inside the block; the error must be on line 3
		want  string
		noErr bool
	}{
		{name: "no allow at all", body: "ports 443\n", want: "at least one allow"},
		{name: "unknown subdirective", body: "allow /a\nallwo /b", want: "unknown subdirective"},
		{name: "allow without pattern", body: "allow /a\nallow GET HEAD", want: "at least one path pattern"},
		{name: "allow with bad pattern", body: "allow /a\nallow GET hls/*", want: "must start with"},
		{name: "allow with lower-case method", body: "allow /a\nallow get /b", want: "methods are upper case"},
		{name: "allow with method after pattern", body: "allow /a\nallow /b GET", want: "must start with"},
		{name: "allow with placeholder", body: "allow /a\nallow /{path.0}/*", want: "placeholders"},
		{name: "allow with block", body: "allow /a\nallow /b {\nx\n}", want: "takes no block"},
		{name: "ports without value", body: "allow /a\nports", want: "wrong argument count"},
		{name: "port not a number", body: "allow /a\nports https", want: "not a port"},
		{name: "port zero", body: "allow /a\nports 0", want: "not a port"},
		{name: "port too big", body: "allow /a\nports 70000", want: "not a port"},
		{name: "ports twice", body: "ports 443\nports 8443\nallow /a", want: "more than once"},
		{name: "https_only bad mode", body: "allow /a\nhttps_only yes", want: "want on, off or redirect"},
		{name: "https_only port without redirect", body: "allow /a\nhttps_only on 443", want: "wrong argument count"},
		{name: "https_only bad redirect port", body: "allow /a\nhttps_only redirect x", want: "not a port"},
		{name: "https_only extra arg", body: "allow /a\nhttps_only redirect 443 x", want: "wrong argument count"},
		{name: "https_only twice", body: "https_only\nhttps_only off\nallow /a", want: "more than once"},
		{name: "hsts without max-age", body: "allow /a\nhsts", want: "wrong argument count"},
		{name: "hsts bad max-age", body: "allow /a\nhsts forever", want: "hsts max-age"},
		{name: "hsts negative max-age", body: "allow /a\nhsts -1", want: "negative"},
		{name: "hsts fractional duration", body: "allow /a\nhsts 1.5s", want: "whole seconds"},
		{name: "hsts huge max-age", body: "allow /a\nhsts 99999999999999999999", want: "too large"},
		{name: "hsts unknown flag", body: "allow /a\nhsts 600 includeSubDomains", want: "unknown flag"},
		{name: "hsts preload without subdomains", body: "allow /a\nhsts 31536000 preload", want: "requires include_subdomains"},
		{name: "hsts preload too short", body: "allow /a\nhsts 600 include_subdomains preload", want: "max-age >= 31536000"},
		{name: "cors without origin", body: "allow /a\ncors", want: "at least one origin"},
		{name: "cors wildcard", body: "allow /a\ncors *", want: "wildcards are not allowed"},
		{name: "cors origin with path", body: "allow /a\ncors https://a.example/player", want: "no path"},
		{name: "cors origin without scheme", body: "allow /a\ncors www.example.com", want: "scheme://host"},
		{name: "cors duplicate origin", body: "allow /a\ncors https://a.example https://A.example:443", want: "listed twice"},
		{name: "cors twice", body: "cors https://a.example\ncors https://b.example\nallow /a", want: "more than once"},
		{name: "cors unknown option", body: "allow /a\ncors https://a.example {\ncredentials off\n}", want: `secure_routes: cors: unknown subdirective "credentials"`},
		{name: "cors bad header", body: "allow /a\ncors https://a.example {\nallow_headers *\n}", want: "invalid header name"},
		{name: "cors empty header list", body: "allow /a\ncors https://a.example {\nexpose_headers\n}", want: "wrong argument count"},
		{name: "cors bad max_age", body: "allow /a\ncors https://a.example {\nmax_age soon\n}", want: "max_age"},
		{name: "cors option twice", body: "allow /a\ncors https://a.example {\nmax_age 1\nmax_age 2\n}", want: "more than once"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			input := "secure_routes {\n" + tc.body + "\n}"
			var s SecureRoutes
			err := s.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input))
			if err == nil {
				t.Fatalf("no error for:\n%s", input)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "Testfile:") {
				t.Errorf("error %q carries no file:line", err)
			}
		})
	}
}

func TestUnmarshalCaddyfileRefusesArgumentsOnDirectiveLine(t *testing.T) {
	var s SecureRoutes
	err := s.UnmarshalCaddyfile(caddyfile.NewTestDispenser("secure_routes on {\nallow /a\n}"))
	if err == nil || !strings.Contains(err.Error(), "wrong argument count") {
		t.Errorf("err = %v", err)
	}
}

func TestUnmarshalCaddyfileErrorNamesTheLine(t *testing.T) {
	var s SecureRoutes
	err := s.UnmarshalCaddyfile(caddyfile.NewTestDispenser("secure_routes {\n allow /a\n\n hsts 10 preload\n}"))
	if err == nil || !strings.Contains(err.Error(), "Testfile:4") {
		t.Errorf("err = %v, want it at Testfile:4", err)
	}
}

// A lower-case method is named as one, with the fix, at its line.
func TestAllowWithLowerCaseMethodSaysMethodsAreUpperCase(t *testing.T) {
	var s SecureRoutes
	err := s.UnmarshalCaddyfile(caddyfile.NewTestDispenser("secure_routes {\n allow get /hls/*\n}"))
	if err == nil || !strings.Contains(err.Error(), "methods are upper case (write GET)") || !strings.Contains(err.Error(), "Testfile:2") {
		t.Errorf("err = %v", err)
	}
}

// adapt runs the Caddyfile adapter and returns the route handlers of the
// first server, in order, as raw JSON objects.
func adapt(t *testing.T, input string) []map[string]any {
	t.Helper()
	adapter := caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}
	out, warnings, err := adapter.Adapt([]byte(input), nil)
	if err != nil {
		t.Fatalf("adapt: %v", err)
	}
	for _, w := range warnings {
		t.Logf("warning: %s", w.Message)
	}
	var cfg struct {
		Apps struct {
			HTTP struct {
				Servers map[string]struct {
					Routes []struct {
						Handle []struct {
							Routes []struct {
								Handle []map[string]any `json:"handle"`
							} `json:"routes"`
						} `json:"handle"`
					} `json:"routes"`
				} `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	var handlers []map[string]any
	for _, srv := range cfg.Apps.HTTP.Servers {
		for _, r := range srv.Routes {
			for _, sub := range r.Handle {
				for _, sr := range sub.Routes {
					handlers = append(handlers, sr.Handle...)
				}
			}
		}
	}
	return handlers
}

func TestDirectiveRunsFirstWithoutOrderOption(t *testing.T) {
	// Written in the worst order on purpose; no `order` global option.
	handlers := adapt(t, `{
		https_port 9442
	}
	media.example {
		respond "ok"
		basic_auth {
			user $2a$04$3eMvvvMdfaGt4crAG3lDpuT3G9GFYbPSkwlDqL4OgsI/YHlp98TSi
		}
		header X-Test yes
		redir /old /new
		vars foo bar
		map {path} {x} {
			default y
		}
		secure_routes {
			allow /hls/*
			https_only redirect
		}
	}`)
	if len(handlers) < 2 {
		t.Fatalf("handlers = %v", handlers)
	}
	if handlers[0]["handler"] != "secure_routes" {
		var names []any
		for _, h := range handlers {
			names = append(names, h["handler"])
		}
		t.Fatalf("first handler is %v; order = %v", handlers[0]["handler"], names)
	}
	if got := handlers[0]["redirect_port"]; got != float64(9442) {
		t.Errorf("redirect_port = %v, want the global https_port 9442", got)
	}
}

func TestRedirectPortDefaultsTo443WithoutGlobalOption(t *testing.T) {
	handlers := adapt(t, "media.example {\nsecure_routes {\nallow /a\nhttps_only redirect\n}\n}")
	if _, set := handlers[0]["redirect_port"]; set {
		t.Errorf("redirect_port = %v, want unset (443)", handlers[0]["redirect_port"])
	}
}

func TestAdaptedJSONMatchesTheReferenceExample(t *testing.T) {
	handlers := adapt(t, `media.example.com {
		secure_routes {
			allow GET HEAD /hls/* /keys/*
			hsts 31536000 include_subdomains
			cors https://www.example.com https://player.example.com
		}
	}`)
	want := `{"allow":[{"methods":["GET","HEAD"],"paths":["/hls/*","/keys/*"]}],` +
		`"cors":{"origins":["https://www.example.com","https://player.example.com"]},` +
		`"handler":"secure_routes","hsts":{"include_subdomains":true,"max_age":31536000}}`
	got, err := json.Marshal(handlers[0])
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("adapted JSON\n got  %s\n want %s", got, want)
	}
}
