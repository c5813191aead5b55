package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"text/template"
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

// mediaSite is one HTTPS site block of the generated Caddyfile.
type mediaSite struct {
	Name       string
	Port       int
	Encryption string
	Tokenize   bool
	Cookie     bool
}

// stack is versitygw serving testdata/sample as bucket "media", and bin/caddy in front of it.
type stack struct {
	Key      string            // EdgeAuth key (hex)
	Media    map[string]string // site name -> "https://localhost:PORT"
	PageBase string            // "https://localhost:PORT": the player page, another origin
	out      *testutil.Buffer
}

// caddyfileTemplate is the e2e configuration; secrets come from the environment.
var caddyfileTemplate = template.Must(template.New("Caddyfile").Parse(`{
	admin 127.0.0.1:{{.Admin}}
	local_certs
	skip_install_trust
	auto_https disable_redirects
	http_port {{.HTTP}}
	https_port {{.HTTPS}}
	servers {
		protocols h1 h2
	}
	log {
		output stderr
		level INFO
	}
}

# The player page (demo/player) with hls.js from e2e/node_modules: a different origin.
https://localhost:{{.Page}} {
	handle /node_modules/* {
		root * {{.E2EDir}}
		file_server
	}
	handle {
		root * {{.PlayerDir}}
		file_server
	}
}
{{range .Sites}}
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
		origin s3://media/ {
			region us-east-1
			endpoint {{$.S3Endpoint}}
			access_key {env.E2E_S3_ACCESS_KEY}
			secret_key {env.E2E_S3_SECRET_KEY}
		}
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
{{end}}`))

type caddyfileData struct {
	Admin, HTTP, HTTPS, Page int
	S3Endpoint               string
	E2EDir, PlayerDir        string
	Sites                    []mediaSite
}

// startStack starts versitygw and bin/caddy for one test; both stop at t.Cleanup.
func startStack(t *testing.T) *stack {
	t.Helper()
	caddyBin := requireCaddy(t)
	root := testutil.RepoRoot(t)

	access, secret := "e2e"+testutil.RandomHex(t, 6), testutil.RandomHex(t, 20)
	vgw := testutil.StartVersityGW(t, testutil.VGWOptions{Access: access, Secret: secret, NoMeta: true, Buckets: []string{"media"}})
	if err := os.CopyFS(filepath.Join(vgw.Dir, "media"), os.DirFS(filepath.Join(root, "testdata", "sample"))); err != nil {
		t.Fatalf("copying the sample into the bucket: %v", err)
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
		S3Endpoint: vgw.Endpoint,
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
	dir := t.TempDir()
	cfPath := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(cfPath, cf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	st := &stack{
		Key:      testutil.RandomHex(t, 32),
		Media:    map[string]string{},
		PageBase: "https://localhost:" + strconv.Itoa(data.Page),
		out:      &testutil.Buffer{},
	}
	for _, s := range data.Sites {
		st.Media[s.Name] = "https://localhost:" + strconv.Itoa(s.Port)
	}

	cmd := exec.Command(caddyBin, "run", "--config", cfPath, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(),
		"HOME="+dir,
		"XDG_DATA_HOME="+filepath.Join(dir, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"E2E_EDGEAUTH_KEY="+st.Key,
		"E2E_HLS_KEY_SECRET="+testutil.RandomHex(t, 32),
		"E2E_S3_ACCESS_KEY="+access,
		"E2E_S3_SECRET_KEY="+secret,
	)
	cmd.Stdout, cmd.Stderr = st.out, st.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting bin/caddy: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			t.Logf("generated Caddyfile:\n%s\ncaddy output (tail):\n%s", cf.String(), st.out.Tail(6000))
		}
	})

	if err := waitReady(exited, data.Admin, ports[3:], 60*time.Second); err != nil {
		t.Fatalf("bin/caddy did not come up: %v\nCaddyfile:\n%s\noutput:\n%s", err, cf.String(), st.out.Tail(6000))
	}
	return st
}

// waitReady polls the admin endpoint, then every site port, until all answer.
func waitReady(exited <-chan struct{}, admin int, ports []int, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	adminURL := fmt.Sprintf("http://127.0.0.1:%d/config/", admin)
	for {
		select {
		case <-exited:
			return fmt.Errorf("caddy exited")
		case <-ctx.Done():
			return fmt.Errorf("admin %s not ready within %s", adminURL, limit)
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := client.Get(adminURL)
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
	}
	// A site is ready once a TLS handshake succeeds: the internal CA issues certificates
	// in the background after the listeners open.
	dialer := &tls.Dialer{NetDialer: &net.Dialer{Timeout: time.Second},
		Config: &tls.Config{ServerName: "localhost", InsecureSkipVerify: true}} //nolint:gosec // test CA
	for _, p := range ports {
		for {
			c, err := dialer.DialContext(ctx, "tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-exited:
				return fmt.Errorf("caddy exited")
			case <-ctx.Done():
				return fmt.Errorf("port %d not listening within %s", p, limit)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
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
