package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// realize turns a documented configuration (its JSON, as `caddy adapt` made it from the
// Caddyfile) into one that runs here, changing only what ties it to a real deployment. The rules
// are generic — the same for every example — so an example that does not play fails its test:
//
//   - admin listens on a free 127.0.0.1 port; http_port and https_port are free ports; every
//     server listens on 127.0.0.1 at a free port of its own (each original port maps to one new
//     port, so several sites on one port stay together). Host names stay as written
//     (media.example.com…): clients map them to 127.0.0.1 (see hostmap_test.go).
//   - Certificates come from Caddy's internal CA (one catch-all automation policy with the
//     internal issuer; the CA is not installed in any trust store): no ACME CA is reachable.
//   - s3:// origins keep bucket and prefix and point at the test's versitygw (endpoint, its
//     region; virtual_hosted, profile and session_token are dropped), which holds the sample under
//     that prefix. Their credentials are versitygw's: an {env.X} credential gets its value, a
//     literal one is replaced, none at all (the AWS default chain) gets AWS_ACCESS_KEY_ID and
//     AWS_SECRET_ACCESS_KEY in the environment.
//   - http(s):// origins point at a plain-HTTP stand-in serving the sample under the same path (a
//     DAM's delivery URL cannot be had here).
//   - {env.*} secrets get fresh random values: edgeauth keys (the first one signs the test's
//     tokens), salt, hls_proxy key_secret(s). Any other {env.*} is an error: teach this file.
//   - secure_routes cors origins move to the test's player page server: same scheme and host,
//     the page server's port.
//   - file log writers write to stderr instead.
type realizer struct {
	S3         *testutil.VGW
	HTTPOrigin *httpOrigin // the plain-HTTP origin stand-in
	PagePort   int         // the player page server's port
}

// realized is a configuration ready to run, with what a client needs to play it.
type realized struct {
	Config []byte
	Env    []string // KEY=VALUE for its {env.*} placeholders and the AWS default chain
	Admin  int
	Sites  []mediaEntry
	Seeds  []s3Seed // bucket prefixes that must hold the sample
	env    map[string]string
	what   map[string]string // env name -> what it is, to catch one name used for two things
}

// mediaEntry is one hls_proxy of a site, with the edgeauth in front of it.
type mediaEntry struct {
	Base        string // "https://media.example.com:PORT"
	Host        string
	Port        int
	TLS         bool
	Gated       bool   // an edgeauth handler guards it
	TokenParam  string // edgeauth query parameter
	SigningKey  string // hex key the test signs with
	Salt        string
	Algorithm   string
	Delims      [2]string // field, ACL delimiter ("" = default)
	Cookie      bool      // session_cookie: the hybrid style
	Tokenize    bool
	Encryption  string
	StripPrefix string
	KeyPath     string
	CORS        []string // rewritten: origins of the player page server
}

type s3Seed struct{ Bucket, Prefix string }

type jsonObj = map[string]any

func (z realizer) realize(t *testing.T, adapted []byte) *realized {
	t.Helper()
	var cfg jsonObj
	if err := json.Unmarshal(adapted, &cfg); err != nil {
		t.Fatalf("adapted config: %v", err)
	}
	r := &realized{env: map[string]string{}, what: map[string]string{}}
	ports := testutil.FreePorts(t, 3)
	r.Admin = ports[0]
	cfg["admin"] = jsonObj{"listen": "127.0.0.1:" + strconv.Itoa(r.Admin)}
	apps := child(cfg, "apps")
	httpApp := child(apps, "http")
	origHTTPPort := 80
	if p, ok := httpApp["http_port"].(float64); ok {
		origHTTPPort = int(p)
	}
	httpApp["http_port"], httpApp["https_port"] = ports[1], ports[2]
	child(apps, "tls")["automation"] = jsonObj{"policies": []any{jsonObj{"issuers": []any{jsonObj{"module": "internal"}}}}}
	child(child(child(apps, "pki"), "certificate_authorities"), "local")["install_trust"] = false
	redirectFileLogs(cfg)

	servers, _ := httpApp["servers"].(jsonObj)
	names := make([]string, 0, len(servers))
	for name := range servers {
		names = append(names, name)
	}
	sort.Strings(names)
	newPort := map[string]int{}
	for _, name := range names {
		srv := servers[name].(jsonObj)
		port, orig := z.relisten(t, srv, newPort)
		plain := plainHTTPHosts(srv, orig == origHTTPPort)
		for _, route := range asList(srv["routes"]) {
			z.site(t, r, route.(jsonObj), port, plain)
		}
		if errs, ok := srv["errors"].(jsonObj); ok {
			for _, route := range asList(errs["routes"]) {
				walkHandlers(route.(jsonObj), func(h jsonObj) { z.handler(t, r, h, nil) })
			}
		}
	}
	out, err := json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	r.Config = out
	r.checkEnvPlaceholders(t)
	for k, v := range r.env {
		r.Env = append(r.Env, k+"="+v)
	}
	sort.Strings(r.Env)
	return r
}

// relisten moves a server's listeners to 127.0.0.1 at free ports and returns its (first) new
// and original port.
func (z realizer) relisten(t *testing.T, srv jsonObj, newPort map[string]int) (first, orig int) {
	t.Helper()
	var listen []any
	for _, a := range asList(srv["listen"]) {
		addr := fmt.Sprint(a)
		_, origPort, err := net.SplitHostPort(strings.TrimPrefix(addr, "tcp/"))
		if err != nil {
			t.Fatalf("listen address %q: %v", addr, err)
		}
		if newPort[origPort] == 0 {
			newPort[origPort] = testutil.FreePort(t)
		}
		if first == 0 {
			first = newPort[origPort]
			orig, _ = strconv.Atoi(origPort)
		}
		listen = append(listen, "127.0.0.1:"+strconv.Itoa(newPort[origPort]))
	}
	srv["listen"] = listen
	return first, orig
}

// plainHTTPHosts says which hosts of a server Caddy serves without TLS: all of them on the
// HTTP port or with automatic HTTPS disabled (unless the server has its own TLS policies),
// else those automatic HTTPS skips (http:// site addresses).
func plainHTTPHosts(srv jsonObj, onHTTPPort bool) func(host string) bool {
	ah, _ := srv["automatic_https"].(jsonObj)
	if onHTTPPort || (ah["disable"] == true && srv["tls_connection_policies"] == nil) {
		return func(string) bool { return true }
	}
	skip := map[string]bool{}
	for _, h := range asList(ah["skip"]) {
		skip[fmt.Sprint(h)] = true
	}
	return func(host string) bool { return skip[host] }
}

// site realizes one top-level route and records each hls_proxy in it.
func (z realizer) site(t *testing.T, r *realized, route jsonObj, port int, plain func(string) bool) {
	t.Helper()
	host := "localhost"
	for _, m := range asList(route["match"]) {
		if hosts := asList(m.(jsonObj)["host"]); len(hosts) > 0 {
			host = fmt.Sprint(hosts[0])
			break
		}
	}
	var gate jsonObj
	var cors []string
	var proxies []jsonObj
	walkHandlers(route, func(h jsonObj) {
		z.handler(t, r, h, &cors)
		switch h["handler"] {
		case "edgeauth":
			gate = h
		case "hls_proxy":
			proxies = append(proxies, h)
		}
	})
	for _, h := range proxies {
		e := mediaEntry{Host: host, Port: port, TLS: !plain(host), CORS: cors,
			Encryption: str(h, "encryption", "passthrough"), Tokenize: h["tokenize"] == true,
			StripPrefix: str(h, "strip_prefix", ""), KeyPath: str(h, "key_path", "/keys"), TokenParam: "__token__"}
		if gate != nil {
			e.Gated = true
			e.TokenParam = str(gate, "query", "__token__")
			e.Cookie = gate["session_cookie"] != nil
			e.Algorithm = str(gate, "algorithm", "")
			e.Delims = [2]string{str(gate, "field_delimiter", ""), str(gate, "acl_delimiter", "")}
			if keys := asList(gate["keys"]); len(keys) > 0 {
				e.SigningKey = r.value(fmt.Sprint(keys[0]))
			}
			if s, ok := gate["salt"].(string); ok {
				e.Salt = r.value(s)
			}
		}
		scheme := "https"
		if !e.TLS {
			scheme = "http"
		}
		e.Base = scheme + "://" + host + ":" + strconv.Itoa(port)
		r.Sites = append(r.Sites, e)
	}
}

// handler applies the rules to one handler; cors collects secure_routes' rewritten origins.
func (z realizer) handler(t *testing.T, r *realized, h jsonObj, cors *[]string) {
	t.Helper()
	switch h["handler"] {
	case "edgeauth":
		for _, k := range asList(h["keys"]) {
			r.secret(t, fmt.Sprint(k), "edgeauth key", 16)
		}
		if s, ok := h["salt"].(string); ok {
			r.secret(t, s, "edgeauth salt", 12)
		}
	case "hls_proxy":
		if s, ok := h["key_secret"].(string); ok {
			r.secret(t, s, "key_secret", 32)
		}
		for _, s := range asList(h["key_secrets"]) {
			r.secret(t, fmt.Sprint(s), "key_secret", 32)
		}
		for _, o := range asList(h["origins"]) {
			z.origin(t, r, o.(jsonObj))
		}
	case "secure_routes":
		c, ok := h["cors"].(jsonObj)
		if !ok {
			return
		}
		origins := asList(c["origins"])
		for i, o := range origins {
			u, err := url.Parse(fmt.Sprint(o))
			if err != nil || u.Host == "" {
				continue // "*" stays
			}
			origins[i] = u.Scheme + "://" + u.Hostname() + ":" + strconv.Itoa(z.PagePort)
			if cors != nil {
				*cors = append(*cors, origins[i].(string))
			}
		}
		c["origins"] = origins
	}
}

// origin points one hls_proxy origin at the test's stand-ins.
func (z realizer) origin(t *testing.T, r *realized, o jsonObj) {
	t.Helper()
	u, err := url.Parse(str(o, "url", ""))
	if err != nil {
		t.Fatalf("origin url %q: %v", o["url"], err)
	}
	if u.Scheme != "s3" {
		z.HTTPOrigin.serve(u.Path)
		o["url"] = z.HTTPOrigin.URL + u.Path
		return
	}
	r.Seeds = append(r.Seeds, s3Seed{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/")})
	o["endpoint"], o["region"] = z.S3.Endpoint, z.S3.Region
	delete(o, "virtual_hosted")
	delete(o, "profile")
	delete(o, "session_token")
	for field, val := range map[string]string{"access_key": z.S3.Access, "secret_key": z.S3.Secret} {
		cur, ok := o[field].(string)
		switch {
		case !ok:
			def := map[string]string{"access_key": "AWS_ACCESS_KEY_ID", "secret_key": "AWS_SECRET_ACCESS_KEY"}[field]
			r.set(t, def, val, "S3 "+field)
		case envName(cur) != "":
			r.set(t, envName(cur), val, "S3 "+field)
		default:
			o[field] = val
		}
	}
}

var envPlaceholder = regexp.MustCompile(`\{env\.([A-Za-z0-9_]+)\}`)

func envName(s string) string {
	if m := envPlaceholder.FindStringSubmatch(s); m != nil && m[0] == s {
		return m[1]
	}
	return ""
}

// secret gives an {env.X} secret a fresh random value (n bytes, hex); a literal stays.
func (r *realized) secret(t *testing.T, s, what string, n int) {
	t.Helper()
	if strings.HasPrefix(s, "{file.") {
		t.Fatalf("%s %s reads a file: the test can only give {env.*} secrets values", what, s)
	}
	if name := envName(s); name != "" && r.env[name] == "" {
		r.set(t, name, testutil.RandomHex(t, n), what)
	}
}

func (r *realized) set(t *testing.T, name, val, what string) {
	t.Helper()
	if prev, ok := r.what[name]; ok && prev != what {
		t.Fatalf("{env.%s} is both %s and %s", name, prev, what)
	}
	r.what[name] = what
	if _, ok := r.env[name]; !ok {
		r.env[name] = val
	}
}

// value resolves a secret as Caddy will: an {env.X} placeholder to the value given to X.
func (r *realized) value(s string) string {
	if name := envName(s); name != "" {
		return r.env[name]
	}
	return s
}

func (r *realized) checkEnvPlaceholders(t *testing.T) {
	t.Helper()
	for _, m := range envPlaceholder.FindAllStringSubmatch(string(r.Config), -1) {
		if _, ok := r.env[m[1]]; !ok {
			t.Fatalf("{env.%s} is not a secret this test knows how to fill (see realize_test.go)", m[1])
		}
	}
}

// walkHandlers calls f on every handler of a route, subroutes included.
func walkHandlers(route jsonObj, f func(jsonObj)) {
	for _, h := range asList(route["handle"]) {
		hm, ok := h.(jsonObj)
		if !ok {
			continue
		}
		f(hm)
		for _, sub := range asList(hm["routes"]) {
			if sm, ok := sub.(jsonObj); ok {
				walkHandlers(sm, f)
			}
		}
	}
}

func redirectFileLogs(cfg jsonObj) {
	logging, _ := cfg["logging"].(jsonObj)
	logs, _ := logging["logs"].(jsonObj)
	for _, l := range logs {
		if lm, ok := l.(jsonObj); ok {
			if w, ok := lm["writer"].(jsonObj); ok && w["output"] == "file" {
				lm["writer"] = jsonObj{"output": "stderr"}
			}
		}
	}
}

// child returns m[key] as an object, creating it when absent.
func child(m jsonObj, key string) jsonObj {
	if c, ok := m[key].(jsonObj); ok {
		return c
	}
	c := jsonObj{}
	m[key] = c
	return c
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func str(m jsonObj, key, def string) string {
	if s, ok := m[key].(string); ok && s != "" {
		return s
	}
	return def
}
