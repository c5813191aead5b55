package e2e

import (
	"bytes"
	"crypto/tls"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// Site names of the generated Caddyfile: one HTTPS media site per delivery profile.
const (
	sitePassthrough = "passthrough" // tokenize, encryption passthrough
	siteDecrypt     = "decrypt"     // tokenize, encryption decrypt
	siteEncrypt     = "encrypt"     // tokenize, encryption encrypt
	siteReencrypt   = "reencrypt"   // tokenize, encryption reencrypt
	siteCookie      = "cookie"      // hybrid: query token on the entry playlist mints a session cookie
)

// stack is an S3 server (versitygw unless told) serving testdata/sample as bucket "media",
// and bin/caddy in front of it.
type stack struct {
	Key      string            // EdgeAuth key (hex)
	Media    map[string]string // site name -> "https://localhost:PORT"
	PageBase string            // "https://localhost:PORT": the player page, another origin
	out      *testutil.Buffer
}

// caddyfileTemplate is the e2e configuration; secrets come from the environment.
var caddyfileTemplate = e2eCaddyfile("Caddyfile", `{{global .Admin .HTTP .HTTPS}}

# The player page (demo/player) with hls.js from e2e/node_modules: a different origin.
{{template "page" .}}
{{template "sites" .}}`)

type caddyfileData struct {
	Admin, HTTP, HTTPS, Page int
	S3Endpoint               string
	E2EDir, PlayerDir        string
	Sites                    []mediaSite
}

// startStack starts versitygw and bin/caddy for one test; both stop at t.Cleanup.
func startStack(t *testing.T) *stack {
	t.Helper()
	return startStackOn(t, testutil.KindVersityGW)
}

// startStackOn is startStack on an S3 server of the given kind (testutil.S3Kinds).
func startStackOn(t *testing.T, kind string) *stack {
	t.Helper()
	testutil.CaddyBinary(t) // skips (fails under CI) without bin/caddy; notes a stale build
	root := testutil.RepoRoot(t)

	var s3 testutil.S3Conn
	if kind == testutil.KindVersityGW {
		s3 = testutil.StartSampleBucket(t, "e2e").Conn()
	} else {
		srv := testutil.StartS3(t, kind, testutil.S3Options{Access: "e2e" + testutil.RandomHex(t, 6),
			Secret: testutil.RandomHex(t, 20), Buckets: []string{"media"}})
		testutil.SeedFS(t, srv, "media", "", os.DirFS(filepath.Join(root, "testdata", "sample")))
		s3 = srv.Conn()
	}

	sites := []mediaSite{
		{Name: sitePassthrough, Encryption: "passthrough", Tokenize: true},
		{Name: siteDecrypt, Encryption: "decrypt", Tokenize: true},
		{Name: siteEncrypt, Encryption: "encrypt", Tokenize: true},
		{Name: siteReencrypt, Encryption: "reencrypt", Tokenize: true},
		{Name: siteCookie, Encryption: "passthrough", Cookie: true},
	}
	ports := testutil.FreePorts(t, 4+len(sites))
	data := caddyfileData{
		Admin: ports[0], HTTP: ports[1], HTTPS: ports[2], Page: ports[3],
		S3Endpoint: s3.Endpoint,
		E2EDir:     filepath.Join(root, "e2e"),
		PlayerDir:  filepath.Join(root, "demo", "player"),
	}
	for i, s := range sites {
		s.Port = ports[4+i]
		data.Sites = append(data.Sites, s)
	}
	var cf bytes.Buffer
	if err := caddyfileTemplate.Execute(&cf, data); err != nil {
		t.Fatal(err)
	}
	st := &stack{
		Key:      testutil.RandomHex(t, 32),
		Media:    map[string]string{},
		PageBase: "https://localhost:" + strconv.Itoa(data.Page),
	}
	for _, s := range data.Sites {
		st.Media[s.Name] = "https://localhost:" + strconv.Itoa(s.Port)
	}

	st.out = testutil.StartCaddyWith(t, testutil.CaddyOptions{
		Caddyfile: cf.String(), Admin: data.Admin, Ports: ports[3:], Ready: 60 * time.Second,
		Env: []string{
			"E2E_EDGEAUTH_KEY=" + st.Key,
			"E2E_HLS_KEY_SECRET=" + testutil.RandomHex(t, 32),
			"E2E_S3_ACCESS_KEY=" + s3.Access,
			"E2E_S3_SECRET_KEY=" + s3.Secret,
		},
	}).Out
	return st
}

// client is an HTTPS client that trusts Caddy's throwaway local CA and keeps no cookies.
func insecureClient() *http.Client {
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, //nolint:gosec // test CA
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
