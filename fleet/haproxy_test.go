package fleet

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/csv"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// haproxyTemplate balances every site round-robin over the instances, per
// request (no stickiness, no prefer-last-server), re-encrypting to Caddy,
// unless the site names its own balancing (consistent_test.go hashes the
// path).
// Health checks take a dead instance out within ~1.5 s (a check's TLS
// handshake may take up to 1 s on a loaded machine); until then a
// connection failure or an empty response is retried on another instance
// (retry-on + redispatch), which is what a production balancer does too.
// Only abnormal sessions are logged (dontlog-normal), to the test's output.
var haproxyTemplate = template.Must(template.New("haproxy.cfg").Parse(`global
	maxconn 1024
	log stderr format raw local0

defaults
	mode http
	log global
	option httplog
	option dontlog-normal
	timeout connect 2s
	timeout client 30s
	timeout server 30s
	timeout check 1s
	retries 3
	option redispatch 1
	retry-on conn-failure empty-response response-timeout
	default-server ssl verify none sni str(localhost) check check-sni localhost inter 1s fastinter 250ms fall 2 rise 1

listen stats
	bind 127.0.0.1:{{.Stats}}
	no log
	stats enable
	stats uri /stats
{{range .Sites}}
frontend fe_{{.Name}}
	bind 127.0.0.1:{{.Port}} ssl crt {{$.PEM}}
	default_backend be_{{.Name}}

backend be_{{.Name}}
{{- if .Balance}}{{range .Balance}}
	{{.}}{{end}}{{else}}
	balance roundrobin{{end}}
{{- range .Servers}}
	server {{.Name}} 127.0.0.1:{{.Port}}
{{- end}}
{{end}}`))

type haproxySite struct {
	Name    string
	Port    int
	Servers []haproxyServer
	// Balance holds the backend's balancing lines ("balance …",
	// "hash-type …"); none means balance roundrobin.
	Balance []string
}

type haproxyServer struct {
	Name string
	Port int
}

// haproxy is a running HAProxy in the foreground.
type haproxy struct {
	statsURL string
	cmd      *exec.Cmd
	out      *testutil.Buffer
}

// startHAProxy writes the configuration and a self-signed localhost
// certificate, starts haproxy -db and waits until every frontend listens.
func startHAProxy(t testing.TB, sites []haproxySite) *haproxy {
	t.Helper()
	bin := testutil.RequireTool(t, "haproxy")
	dir := t.TempDir()
	pemPath := filepath.Join(dir, "localhost.pem")
	if err := os.WriteFile(pemPath, selfSignedPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	stats := testutil.FreePort(t)
	var cfg bytes.Buffer
	if err := haproxyTemplate.Execute(&cfg, map[string]any{"Stats": stats, "PEM": pemPath, "Sites": sites}); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, cfg.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	h := &haproxy{statsURL: fmt.Sprintf("http://127.0.0.1:%d/stats;csv", stats), out: &testutil.Buffer{}}
	h.cmd = exec.Command(bin, "-db", "-f", cfgPath)
	h.cmd.Stdout, h.cmd.Stderr = h.out, h.out
	if err := h.cmd.Start(); err != nil {
		t.Fatalf("starting haproxy: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = h.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = h.cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("haproxy.cfg:\n%s\nhaproxy output:\n%s", cfg.String(), h.out.Tail(4000))
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if st, err := h.stats(); err == nil && allUp(st) {
			break
		}
		select {
		case <-exited:
			t.Fatalf("haproxy exited: %s\n%s", h.out.String(), cfg.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy stats not answering or instances not UP: %s", h.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return h
}

// allUp reports whether every server passed its health check.
func allUp(st map[string]map[string]serverStats) bool {
	for _, servers := range st {
		for _, s := range servers {
			if s.Status != "UP" {
				return false
			}
		}
	}
	return len(st) > 0
}

// serverStats are HAProxy's counters of one server of one backend.
type serverStats struct {
	Status                     string
	Sessions                   int // stot: requests forwarded (one per request in HTTP mode)
	R2xx, R3xx, R4xx, R5xx     int
	Retries, Redispatches, Err int // wretr, wredis, econ+eresp
}

// stats reads the CSV stats page: backend -> server -> counters.
func (h *haproxy) stats() (map[string]map[string]serverStats, error) {
	client := &http.Client{Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Get(h.statsURL)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	recs, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || len(recs) < 2 {
		return nil, fmt.Errorf("stats csv: %v (%d rows)", err, len(recs))
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[strings.TrimPrefix(strings.TrimSpace(name), "# ")] = i
	}
	num := func(r []string, name string) int {
		n, _ := strconv.Atoi(r[col[name]])
		return n
	}
	out := map[string]map[string]serverStats{}
	for _, r := range recs[1:] {
		px, sv := r[col["pxname"]], r[col["svname"]]
		if sv == "FRONTEND" || sv == "BACKEND" || !strings.HasPrefix(px, "be_") {
			continue
		}
		if out[px] == nil {
			out[px] = map[string]serverStats{}
		}
		out[px][sv] = serverStats{Status: r[col["status"]], Sessions: num(r, "stot"),
			R2xx: num(r, "hrsp_2xx"), R3xx: num(r, "hrsp_3xx"), R4xx: num(r, "hrsp_4xx"), R5xx: num(r, "hrsp_5xx"),
			Retries: num(r, "wretr"), Redispatches: num(r, "wredis"), Err: num(r, "econ") + num(r, "eresp")}
	}
	return out, nil
}

// selfSignedPEM is a throwaway localhost certificate and its key, in the
// one-file form HAProxy's crt wants.
func selfSignedPEM(t testing.TB) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})...)
}
