package testutil

import (
	"fmt"
	"text/template"
)

// globalOptions is the global options block of every generated test Caddyfile: the admin
// endpoint and the HTTP/HTTPS ports it is given, Caddy's local CA (not installed), no
// redirects, HTTP/1.1 and HTTP/2, and the INFO log on stderr (which StartCaddy keeps).
const globalOptions = `{
	admin 127.0.0.1:%v
	local_certs
	skip_install_trust
	auto_https disable_redirects
	http_port %v
	https_port %v
	servers {
		protocols h1 h2
	}
	log {
		output stderr
		level INFO
	}
}`

// s3Origin is hls_proxy's origin: the bucket "media" of a versitygw, its keys from the
// environment; indented for a hls_proxy block of a site.
const s3Origin = `origin s3://media/ {
			region us-east-1
			endpoint %s
			access_key {env.%s}
			secret_key {env.%s}
		}`

// CaddyfileTemplate parses text, a Caddyfile as a text/template, with the blocks the test
// harnesses share as functions:
//
//	{{global ADMIN HTTP HTTPS}}            the global options block (ports, or placeholders
//	                                       such as "{$ADMIN}")
//	{{s3origin ENDPOINT ACCESS_ENV SECRET_ENV}}  hls_proxy's origin: bucket media at ENDPOINT,
//	                                       its keys from {env.ACCESS_ENV} and {env.SECRET_ENV}
//
// It panics on a template that does not parse (a package-level var, as template.Must).
func CaddyfileTemplate(name, text string) *template.Template {
	return template.Must(template.New(name).Funcs(template.FuncMap{
		"global": func(admin, http, https any) string {
			return fmt.Sprintf(globalOptions, admin, http, https)
		},
		"s3origin": func(endpoint, accessEnv, secretEnv string) string {
			return fmt.Sprintf(s3Origin, endpoint, accessEnv, secretEnv)
		},
	}).Parse(text))
}
