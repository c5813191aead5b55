package perimeter

import (
	"net/url"
	"strings"
	"testing"
)

func testPolicy(t *testing.T, mutate func(*Policy)) *Policy {
	t.Helper()
	rule, err := NewRule([]string{"GET", "HEAD"}, []string{"/hls/*", "/keys/*"})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := NewRoutes(rule)
	if err != nil {
		t.Fatal(err)
	}
	cors, err := NewCORS([]string{"https://player.example"})
	if err != nil {
		t.Fatal(err)
	}
	p := &Policy{
		Routes: rt,
		HSTS:   &HSTS{MaxAge: 31536000, IncludeSubdomains: true},
		CORS:   cors,
	}
	if mutate != nil {
		mutate(p)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

// req builds a Request for method and target over TLS on port 443.
func req(method, target string, mutate ...func(*Request)) Request {
	u, err := url.ParseRequestURI(target)
	if err != nil {
		panic(err)
	}
	r := Request{
		Method: method, Path: u.Path, EscapedPath: u.EscapedPath(), RawQuery: u.RawQuery,
		Host: "media.example", TLS: true, LocalPort: 443,
	}
	for _, m := range mutate {
		m(&r)
	}
	return r
}

func plain(r *Request)        { r.TLS = false; r.LocalPort = 80 }
func fromPlayer(r *Request)   { r.Origin = "https://player.example" }
func fromStranger(r *Request) { r.Origin = "https://evil.example" }

func preflightFor(origin, method, headers string) func(*Request) {
	return func(r *Request) {
		r.Origin, r.PreflightMethod, r.PreflightHeaders = origin, method, headers
	}
}

func TestDecideActionAndStatus(t *testing.T) {
	redirect := func(p *Policy) { p.HTTPS = HTTPSRedirect }
	off := func(p *Policy) { p.HTTPS = HTTPSOff }
	ports := func(p *Policy) { p.Ports = []int{443} }
	tests := []struct {
		name       string
		policy     func(*Policy)
		req        Request
		wantAction Action
		wantStatus int
		wantReason string
	}{
		{"https allowed path continues", nil, req("GET", "/hls/a.ts"), Continue, 0, ""},
		{"unlisted path is 404", nil, req("GET", "/admin"), Deny, 404, ReasonRoute},
		{"unlisted method is 404", nil, req("POST", "/hls/a.ts"), Deny, 404, ReasonRoute},
		{"traversal out of allowed prefix is 400", nil, req("GET", "/hls/../admin"), Deny, 400, ReasonBadPath},
		{"traversal into allowed prefix is 400", nil, req("GET", "/x/../hls/a.ts"), Deny, 400, ReasonBadPath},
		{"encoded slash is 400", nil, req("GET", "/hls/..%2fadmin"), Deny, 400, ReasonBadPath},
		{"plain http refused by default", nil, req("GET", "/hls/a.ts", plain), Deny, 403, ReasonPlainHTTP},
		{"plain http refused even for unlisted path", nil, req("GET", "/admin", plain), Deny, 403, ReasonPlainHTTP},
		{"plain http redirected", redirect, req("GET", "/hls/a.ts", plain), Redirect, 308, ReasonRedirectHTTPS},
		{"plain http allowed when off", off, req("GET", "/hls/a.ts", plain), Continue, 0, ""},
		{"spoofed forwarded proto ignored", nil, req("GET", "/hls/a.ts", plain, func(r *Request) { r.ForwardedProto = "https" }), Deny, 403, ReasonPlainHTTP},
		{"trusted proxy forwarded proto honoured", nil, req("GET", "/hls/a.ts", plain, func(r *Request) { r.ForwardedProto = "https"; r.TrustedProxy = true }), Continue, 0, ""},
		{"trusted proxy saying http refused", nil, req("GET", "/hls/a.ts", plain, func(r *Request) { r.ForwardedProto = "http"; r.TrustedProxy = true }), Deny, 403, ReasonPlainHTTP},
		{"listed port serves", ports, req("GET", "/hls/a.ts"), Continue, 0, ""},
		{"unlisted port is 404", ports, req("GET", "/hls/a.ts", func(r *Request) { r.LocalPort = 8443 }), Deny, 404, ReasonPort},
		{"unknown port is 404", ports, req("GET", "/hls/a.ts", func(r *Request) { r.LocalPort = 0 }), Deny, 404, ReasonPort},
		{"redirect happens before the port check", func(p *Policy) { redirect(p); ports(p) }, req("GET", "/hls/a.ts", plain), Redirect, 308, ReasonRedirectHTTPS},
		{"preflight from listed origin answered", nil, req("OPTIONS", "/keys/k", preflightFor("https://player.example", "GET", "range")), Answer, 204, ReasonPreflightAnswered},
		{"preflight from unlisted origin 403", nil, req("OPTIONS", "/keys/k", preflightFor("https://evil.example", "GET", "")), Deny, 403, ReasonPreflightOrigin},
		{"preflight for unlisted method 404", nil, req("OPTIONS", "/keys/k", preflightFor("https://player.example", "DELETE", "")), Deny, 404, ReasonPreflightRoute},
		{"preflight for unlisted path 404", nil, req("OPTIONS", "/admin", preflightFor("https://player.example", "GET", "")), Deny, 404, ReasonPreflightRoute},
		{"preflight with traversal 400", nil, req("OPTIONS", "/hls/../admin", preflightFor("https://player.example", "GET", "")), Deny, 400, ReasonBadPath},
		{"plain OPTIONS not listed is 404", nil, req("OPTIONS", "/hls/a.ts", fromPlayer), Deny, 404, ReasonRoute},
		{"preflight without cors is a plain OPTIONS", func(p *Policy) { p.CORS = nil }, req("OPTIONS", "/hls/a.ts", preflightFor("https://player.example", "GET", "")), Deny, 404, ReasonRoute},
		{"preflight over plain http refused", nil, req("OPTIONS", "/hls/a.ts", plain, preflightFor("https://player.example", "GET", "")), Deny, 403, ReasonPlainHTTP},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := testPolicy(t, tc.policy).Decide(tc.req)
			if d.Action != tc.wantAction || d.Status != tc.wantStatus || d.Reason != tc.wantReason {
				t.Errorf("Decide = {%v %d %q}, want {%v %d %q}", d.Action, d.Status, d.Reason, tc.wantAction, tc.wantStatus, tc.wantReason)
			}
		})
	}
}

func TestDecideHeaders(t *testing.T) {
	tests := []struct {
		name   string
		policy func(*Policy)
		req    Request
		want   map[string]string // "" = must be absent
	}{
		{"listed origin gets credentialed CORS", nil, req("GET", "/hls/a.ts", fromPlayer), map[string]string{
			"Access-Control-Allow-Origin":      "https://player.example",
			"Access-Control-Allow-Credentials": "true",
			"Access-Control-Expose-Headers":    "Content-Length, Content-Range, Accept-Ranges, ETag",
			"Vary":                             "Origin",
			"Strict-Transport-Security":        "max-age=31536000; includeSubDomains",
		}},
		{"listed origin echoed as sent", nil, req("GET", "/hls/a.ts", func(r *Request) { r.Origin = "https://PLAYER.example:443" }), map[string]string{
			"Access-Control-Allow-Origin": "https://PLAYER.example:443",
		}},
		{"listed origin keeps CORS on our own 404", nil, req("GET", "/admin", fromPlayer), map[string]string{
			"Access-Control-Allow-Origin": "https://player.example",
			"Vary":                        "Origin",
		}},
		{"unlisted origin gets no CORS but Vary", nil, req("GET", "/hls/a.ts", fromStranger), map[string]string{
			"Access-Control-Allow-Origin":      "",
			"Access-Control-Allow-Credentials": "",
			"Access-Control-Expose-Headers":    "",
			"Vary":                             "Origin",
		}},
		{"no origin still varies on Origin", nil, req("GET", "/hls/a.ts"), map[string]string{
			"Access-Control-Allow-Origin": "",
			"Vary":                        "Origin",
		}},
		{"no cors configured means no Vary", func(p *Policy) { p.CORS = nil }, req("GET", "/hls/a.ts", fromPlayer), map[string]string{
			"Access-Control-Allow-Origin": "",
			"Vary":                        "",
		}},
		{"preflight answer", nil, req("OPTIONS", "/keys/k", preflightFor("https://player.example", "GET", "range, x-edge-token, x-evil")), map[string]string{
			"Access-Control-Allow-Origin":      "https://player.example",
			"Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods":     "GET, HEAD",
			"Access-Control-Allow-Headers":     "range, x-edge-token",
			"Access-Control-Max-Age":           "600",
			"Vary":                             "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
		}},
		{"preflight denial carries no CORS", nil, req("OPTIONS", "/keys/k", preflightFor("https://evil.example", "GET", "range")), map[string]string{
			"Access-Control-Allow-Origin":  "",
			"Access-Control-Allow-Methods": "",
			"Access-Control-Allow-Headers": "",
		}},
		{"preflight route denial carries no CORS", nil, req("OPTIONS", "/admin", preflightFor("https://player.example", "GET", "")), map[string]string{
			"Access-Control-Allow-Origin":  "",
			"Access-Control-Allow-Methods": "",
		}},
		{"no HSTS over trusted-proxy-less plain http", func(p *Policy) { p.HTTPS = HTTPSOff }, req("GET", "/hls/a.ts", plain), map[string]string{
			"Strict-Transport-Security": "",
		}},
		{"HSTS when a trusted proxy terminated TLS", nil, req("GET", "/hls/a.ts", plain, func(r *Request) { r.ForwardedProto = "https"; r.TrustedProxy = true }), map[string]string{
			"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
		}},
		{"HSTS with preload", func(p *Policy) { p.HSTS = &HSTS{MaxAge: 63072000, IncludeSubdomains: true, Preload: true} }, req("GET", "/hls/a.ts"), map[string]string{
			"Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := testPolicy(t, tc.policy).Decide(tc.req)
			for k, want := range tc.want {
				got := strings.Join(d.Header.Values(k), ", ")
				if got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestDecideRedirectLocation(t *testing.T) {
	tests := []struct {
		name   string
		port   int
		host   string
		target string
		want   string
		status int
	}{
		{"default port, query dropped (it may carry a token)", 0, "media.example", "/hls/a.ts?x=1&__token__=exp=1~acl=/*~hmac=00&y=%20", "https://media.example/hls/a.ts", 308},
		{"explicit 443 omitted", 443, "media.example:80", "/hls/a.ts", "https://media.example/hls/a.ts", 308},
		{"custom port", 8443, "media.example:8080", "/k/a%20b", "https://media.example:8443/k/a%20b", 308},
		{"ipv6 host", 0, "[::1]:80", "/", "https://[::1]/", 308},
		{"no host refused", 0, "", "/", "", 400},
		{"host with userinfo refused", 0, "evil.example@media.example", "/", "", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := testPolicy(t, func(p *Policy) { p.HTTPS, p.RedirectPort = HTTPSRedirect, tc.port })
			d := p.Decide(req("GET", tc.target, plain, func(r *Request) { r.Host = tc.host }))
			if d.Status != tc.status || d.Location != tc.want {
				t.Errorf("Decide = %d %q, want %d %q", d.Status, d.Location, tc.status, tc.want)
			}
			if len(d.Header) != 0 {
				t.Errorf("redirect carries headers %v", d.Header)
			}
		})
	}
}

func TestPolicyValidate(t *testing.T) {
	good := testPolicy(t, nil)
	for name, mutate := range map[string]func(*Policy){
		"no routes":        func(p *Policy) { p.Routes = nil },
		"port zero":        func(p *Policy) { p.Ports = []int{0} },
		"port too big":     func(p *Policy) { p.Ports = []int{65536} },
		"bad redirect":     func(p *Policy) { p.RedirectPort = 70000 },
		"bad https mode":   func(p *Policy) { p.HTTPS = 9 },
		"bad hsts":         func(p *Policy) { p.HSTS = &HSTS{MaxAge: 10, Preload: true} },
		"bad cors max age": func(p *Policy) { c := *p.CORS; c.MaxAge = -5; p.CORS = &c },
	} {
		p := *good
		mutate(&p)
		if err := p.Validate(); err == nil {
			t.Errorf("%s: Validate() = nil, want error", name)
		}
	}
}

func TestDecideStatusesAreClientErrors(t *testing.T) {
	// Every refusal must be a 4xx (bad input is never a server error).
	p := testPolicy(t, func(p *Policy) { p.Ports = []int{443} })
	for _, target := range []string{"/", "/admin", "/hls/%2e%2e/x", "/hls/a%00", "/hls/%ff"} {
		for _, m := range []string{"GET", "POST", "OPTIONS"} {
			d := p.Decide(req(m, target, fromStranger))
			if d.Action == Deny && (d.Status < 400 || d.Status > 499) {
				t.Errorf("%s %s: status %d", m, target, d.Status)
			}
		}
	}
}
