package e2e

import (
	"text/template"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// mediaSite is one HTTPS media site of the stack and live Caddyfiles.
type mediaSite struct {
	Name       string
	Port       int
	Encryption string
	Origin     string // hls_proxy's origin; "" is the S3 bucket
	Tokenize   bool
	Cookie     bool // hybrid: the entry playlist's token mints a session cookie
}

// pageSite is the check player's site: demo/player, with hls.js from e2e/node_modules, on
// another origin than the media ({{template "page" .}} with .Page, .E2EDir and .PlayerDir).
const pageSite = `https://localhost:{{.Page}} {
	handle /node_modules/* {
		root * {{.E2EDir}}
		file_server
	}
	handle {
		root * {{.PlayerDir}}
		file_server
	}
}`

// mediaSites is a site block for each of .Sites (mediaSite): secure_routes with CORS for the
// page site (.Page), edgeauth and hls_proxy (the S3 bucket at .S3Endpoint unless the site
// names its origin), secrets from the environment ({{template "sites" .}}).
const mediaSites = `{{range .Sites}}
# {{.Name}}
https://localhost:{{.Port}} {
	secure_routes {
		allow GET HEAD /hls/* /keys/*
		cors https://localhost:{{$.Page}}
	}
	edgeauth {
		key {env.E2E_EDGEAUTH_KEY}
{{- if .Cookie}}
		session_cookie {
			lifetime 10m
		}
{{- end}}
	}
	hls_proxy {
{{- if .Origin}}
		origin {{.Origin}}
{{- else}}
		{{s3origin $.S3Endpoint "E2E_S3_ACCESS_KEY" "E2E_S3_SECRET_KEY"}}
{{- end}}
		strip_prefix /hls
		encryption {{.Encryption}}
		key_secret {env.E2E_HLS_KEY_SECRET}
		key_path /keys
{{- if .Tokenize}}
		tokenize
{{- end}}
	}
	handle_errors {
		header X-Edgeauth-Reason "{http.auth.edgeauth.reason}"
		header Access-Control-Expose-Headers X-Edgeauth-Reason
		respond "{http.auth.edgeauth.reason}" {http.error.status_code}
	}
}
{{end}}`

// e2eCaddyfile parses a Caddyfile template (testutil.CaddyfileTemplate) that may use pageSite
// and mediaSites.
func e2eCaddyfile(name, text string) *template.Template {
	t := testutil.CaddyfileTemplate(name, text)
	template.Must(t.New("page").Parse(pageSite))
	template.Must(t.New("sites").Parse(mediaSites))
	return t
}
