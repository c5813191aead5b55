package reliability

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// asset is one HLS asset in the bucket: an AES-128 media playlist, its key and
// its encrypted segments (and their plaintexts, which decrypt mode serves).
type asset struct {
	Name     string
	Playlist []byte
	Key      []byte
	IV       []byte
	Cipher   map[string][]byte // segment name -> stored (encrypted) bytes
	Plain    map[string][]byte // segment name -> plaintext
}

// probes are byte strings that identify the asset's objects in a response body:
// the key, and a 32-byte window from the start and the middle of each segment,
// stored and plain.
func (a *asset) probes() [][]byte {
	out := [][]byte{a.Key}
	for _, m := range []map[string][]byte{a.Cipher, a.Plain} {
		for _, b := range m {
			out = append(out, b[:32], b[len(b)/2:len(b)/2+32])
		}
	}
	return out
}

// segNames are the segments of every fixture asset; seg0 is the larger one.
var segSizes = map[string]int{"seg0.ts": 16000, "seg1.ts": 5000}

// newAsset makes random segments, encrypts them (AES-128-CBC, PKCS7, explicit IV)
// and writes the playlist. corrupt truncates seg1 to a length that is not a whole
// number of blocks (for crypto-error checks).
func newAsset(t testing.TB, name string, corrupt bool) *asset {
	t.Helper()
	a := &asset{Name: name, Key: testutil.RandomBytes(t, 16), IV: testutil.RandomBytes(t, 16),
		Cipher: map[string][]byte{}, Plain: map[string][]byte{}}
	for seg, n := range segSizes {
		p := testutil.RandomBytes(t, n)
		a.Plain[seg] = p
		a.Cipher[seg] = testutil.MustEncryptAES128(t, a.Key, a.IV, p)
	}
	if corrupt {
		a.Cipher["seg1.ts"] = a.Cipher["seg1.ts"][:1001]
	}
	a.Playlist = fmt.Appendf(nil, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"+
		"#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\",IV=0x%s\n"+
		"#EXTINF:2.000000,\nseg0.ts\n#EXTINF:2.000000,\nseg1.ts\n#EXT-X-ENDLIST\n", hex.EncodeToString(a.IV))
	return a
}

// writeAsset copies an asset into bucket/<name>/ of the gateway directory.
func writeAsset(t testing.TB, vgw *testutil.VGW, bucket string, a *asset) {
	t.Helper()
	vgw.WriteFile(t, bucket, a.Name+"/index.m3u8", a.Playlist)
	vgw.WriteFile(t, bucket, a.Name+"/key.bin", a.Key)
	for seg, b := range a.Cipher {
		vgw.WriteFile(t, bucket, a.Name+"/"+seg, b)
	}
}

// mediaStack is versitygw (bucket "media" with assets a, b and a corrupt c) and
// bin/caddy with four HTTPS sites and one plain-HTTP listener:
//   - P (passthrough): secure_routes + edgeauth (header, session_cookie, entry *.m3u8) + hls_proxy;
//     the same site also listens on plain HTTP (H) so https_only answers there.
//   - D (decrypt, tokenize): secure_routes + edgeauth + hls_proxy, handle_errors
//     that prints the denial reason.
//   - X: hls_proxy with a wrong S3 secret (origin denial).
//   - O: edgeauth optional + hls_proxy without asset policy (hls_proxy denies).
//   - F: hls_proxy whose primary origin is a closed port, S3 replica (failover).
//
// Every secret is a placeholder: {env.*} or {file.*}.
type mediaStack struct {
	Caddy                   *caddyProc
	VGW                     *testutil.VGW
	Key                     string // EdgeAuth key (hex)
	KeySecret               string // hls_proxy key_secret
	S3Access, S3Secret      string
	S3Wrong                 string // the wrong secret site X uses
	P, H, D, X, O, F, Admin int
	Assets                  map[string]*asset
	CaddyfileText           string
	CaddyfilePath           string
}

// Secrets lists every secret value of the stack (for log and adapt checks).
func (s *mediaStack) Secrets() map[string]string {
	return map[string]string{
		"edgeauth key": s.Key, "key_secret": s.KeySecret,
		"s3 access key": s.S3Access, "s3 secret": s.S3Secret, "wrong s3 secret": s.S3Wrong,
	}
}

// tokenFilter is the log filter a deployment needs in its site `log` blocks
// (access logs) AND its global `log` block (the http.log.error.* entries go to
// the default logger): Caddy logs the request as received — the uri with its
// query, and the headers — so the query token and the token header must be
// removed from the entries. The Cookie header is redacted by Caddy itself
// (log_credentials off).
const tokenFilter = `{{define "tokenfilter"}}format filter {
			request>uri query {
				delete __token__
			}
			request>headers>X-Edge-Token delete
		}{{end}}`

var mediaCaddyfile = template.Must(template.Must(template.New("Caddyfile").Parse(tokenFilter)).Parse(`{
	admin 127.0.0.1:{{.Admin}}
	local_certs
	skip_install_trust
	default_bind 127.0.0.1
	auto_https disable_redirects
	http_port {{.H}}
	https_port {{.P}}
	metrics
	log {
		output stderr
		level DEBUG
		{{template "tokenfilter"}}
	}
}

https://localhost:{{.P}}, http://localhost:{{.H}} {
	log {
		output stderr
		level DEBUG
		{{template "tokenfilter"}}
	}
	secure_routes {
		allow GET HEAD /hls/* /keys/*
		ports {{.P}} {{.H}}
		https_only
		hsts 31536000
		cors https://player.example
	}
	edgeauth {
		key {env.REL_EDGEAUTH_KEY}
		header X-Edge-Token
		session_cookie {
			lifetime 10m
		}
		entry *.m3u8
	}
	hls_proxy {
		origin s3://media {
			region us-east-1
			endpoint {{.S3}}
			access_key {env.REL_S3_ACCESS}
			secret_key {file.{{.S3SecretFile}}}
		}
		strip_prefix /hls
		key_path /keys
		timeout 5s
	}
}

https://localhost:{{.D}} {
	log {
		output stderr
		level DEBUG
		{{template "tokenfilter"}}
	}
	secure_routes {
		allow GET HEAD /hls/* /keys/*
	}
	edgeauth {
		key {env.REL_EDGEAUTH_KEY}
	}
	hls_proxy {
		origin s3://media {
			endpoint {{.S3}}
			access_key {env.REL_S3_ACCESS}
			secret_key {file.{{.S3SecretFile}}}
		}
		strip_prefix /hls
		key_path /keys
		encryption decrypt
		key_secret {file.{{.KeySecretFile}}}
		tokenize
		timeout 5s
	}
	handle_errors {
		respond "denied: {http.auth.edgeauth.reason} {http.error.status_code}" {http.error.status_code}
	}
}

https://localhost:{{.X}} {
	log {
		output stderr
		level DEBUG
		{{template "tokenfilter"}}
	}
	hls_proxy {
		origin s3://media {
			endpoint {{.S3}}
			access_key {env.REL_S3_ACCESS}
			secret_key {env.REL_S3_WRONG}
		}
		strip_prefix /hls
		timeout 5s
	}
}

https://localhost:{{.O}} {
	edgeauth {
		key {env.REL_EDGEAUTH_KEY}
		optional
	}
	hls_proxy {
		origin s3://media {
			endpoint {{.S3}}
			access_key {env.REL_S3_ACCESS}
			secret_key {file.{{.S3SecretFile}}}
		}
		strip_prefix /hls
	}
}

https://localhost:{{.F}} {
	hls_proxy {
		origin http://127.0.0.1:{{.Dead}}/media
		origin s3://media {
			endpoint {{.S3}}
			access_key {env.REL_S3_ACCESS}
			secret_key {file.{{.S3SecretFile}}}
		}
		strip_prefix /hls
		timeout 2s
		failover_backoff 2s
	}
}
`))

// startMediaStack starts versitygw and bin/caddy; both stop at t.Cleanup.
func startMediaStack(t *testing.T) *mediaStack {
	t.Helper()
	requireCaddy(t)
	s := &mediaStack{
		Key: testutil.RandomHex(t, 32), KeySecret: testutil.RandomHex(t, 24),
		S3Access: "rel" + testutil.RandomHex(t, 6), S3Secret: testutil.RandomHex(t, 20), S3Wrong: testutil.RandomHex(t, 20),
		Assets: map[string]*asset{},
	}
	s.VGW = testutil.StartVersityGW(t, testutil.VGWOptions{Access: s.S3Access, Secret: s.S3Secret, NoMeta: true, Buckets: []string{"media"}})
	for _, name := range []string{"a", "b", "c"} {
		s.Assets[name] = newAsset(t, name, name == "c")
		writeAsset(t, s.VGW, "media", s.Assets[name])
	}
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "s3-secret")
	keySecretFile := filepath.Join(dir, "key-secret")
	if err := os.WriteFile(secretFile, []byte(s.S3Secret), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keySecretFile, []byte(s.KeySecret), 0o600); err != nil {
		t.Fatal(err)
	}
	s.Admin, s.P, s.H, s.D, s.X, s.O, s.F = testutil.FreePort(t), testutil.FreePort(t), testutil.FreePort(t), testutil.FreePort(t), testutil.FreePort(t), testutil.FreePort(t), testutil.FreePort(t)
	var cf bytes.Buffer
	if err := mediaCaddyfile.Execute(&cf, map[string]any{
		"Admin": s.Admin, "P": s.P, "H": s.H, "D": s.D, "X": s.X, "O": s.O, "F": s.F, "Dead": testutil.FreePort(t),
		"S3": s.VGW.Endpoint, "S3SecretFile": secretFile, "KeySecretFile": keySecretFile,
	}); err != nil {
		t.Fatal(err)
	}
	s.CaddyfileText = cf.String()
	s.Caddy = startCaddy(t, s.CaddyfileText, s.Admin, []string{
		"REL_EDGEAUTH_KEY=" + s.Key,
		"REL_S3_ACCESS=" + s.S3Access,
		"REL_S3_WRONG=" + s.S3Wrong,
	}, s.P, s.H, s.D, s.X, s.O, s.F)
	s.CaddyfilePath = s.Caddy.cfgPath
	return s
}

// contextsOf returns the mgctx values of a rewritten playlist, by segment name.
func contextsOf(playlist string) map[string]string {
	out := map[string]string{}
	for line := range strings.SplitSeq(playlist, "\n") {
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		name, q, _ := strings.Cut(line, "?")
		name = name[strings.LastIndexByte(name, '/')+1:]
		for pair := range strings.SplitSeq(q, "&") {
			if v, ok := strings.CutPrefix(pair, "mgctx="); ok {
				out[name] = v
			}
		}
	}
	return out
}
