package reliability

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// requireCaddy returns bin/caddy (external binary: `make build` writes it), or
// the binary named by $RELIABILITY_CADDY (e.g. a -race build of ./cmd/caddy).
func requireCaddy(t testing.TB) string {
	t.Helper()
	p := os.Getenv("RELIABILITY_CADDY")
	if p == "" {
		p = filepath.Join(testutil.RepoRoot(t), "bin", "caddy")
	}
	if fi, err := os.Stat(p); err != nil || fi.IsDir() {
		testutil.Unavailable(t, "%s not found: run `make build` first", p)
	}
	return p
}

// caddyProc is a running `bin/caddy run` subprocess.
type caddyProc struct {
	bin     string
	cfgPath string
	admin   int
	env     []string
	cmd     *exec.Cmd
	out     *testutil.Buffer
	exited  chan struct{}
}

// startCaddy writes caddyfile to a temp dir and runs bin/caddy on it, waiting until
// the admin endpoint and every listed port answer. The process is killed at t.Cleanup.
func startCaddy(t testing.TB, caddyfile string, admin int, env []string, ports ...int) *caddyProc {
	t.Helper()
	bin := requireCaddy(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(cfg, []byte(caddyfile), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &caddyProc{bin: bin, cfgPath: cfg, admin: admin, out: &testutil.Buffer{}, exited: make(chan struct{})}
	p.env = append(os.Environ(),
		"HOME="+dir,
		"XDG_DATA_HOME="+filepath.Join(dir, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
	)
	p.env = append(p.env, env...)
	p.cmd = exec.Command(bin, "run", "--config", cfg, "--adapter", "caddyfile")
	p.cmd.Env = p.env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting bin/caddy: %v", err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.exited
		}
		// A -race build (RELIABILITY_CADDY) reports data races on stderr.
		if out := p.out.String(); strings.Contains(out, "WARNING: DATA RACE") {
			i := strings.Index(out, "WARNING: DATA RACE")
			t.Errorf("caddy reported a data race:\n%s", out[i:min(len(out), i+6000)])
		}
		if t.Failed() {
			t.Logf("Caddyfile:\n%s\ncaddy output (tail):\n%s", caddyfile, p.out.Tail(8000))
		}
	})
	if err := p.waitReady(ports, 30*time.Second); err != nil {
		t.Fatalf("bin/caddy did not come up: %v\nCaddyfile:\n%s\noutput:\n%s", err, caddyfile, p.out.Tail(8000))
	}
	return p
}

func (p *caddyProc) waitReady(ports []int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	for {
		select {
		case <-p.exited:
			return fmt.Errorf("caddy exited")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("admin 127.0.0.1:%d not ready within %s", p.admin, limit)
		}
		resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/config/", p.admin))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, port := range ports {
		for {
			// A TLS handshake proves the certificate is ready; a plain-HTTP
			// listener answers the ClientHello with a non-TLS record.
			c, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", "127.0.0.1:"+strconv.Itoa(port),
				&tls.Config{InsecureSkipVerify: true, ServerName: "localhost"}) //nolint:gosec // test CA
			var rhe tls.RecordHeaderError
			if err == nil || errors.As(err, &rhe) {
				if c != nil {
					c.Close()
				}
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("port %d not listening within %s", port, limit)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// reload rewrites the Caddyfile and runs `caddy reload` against the admin endpoint.
func (p *caddyProc) reload(caddyfile string) error {
	if err := os.WriteFile(p.cfgPath, []byte(caddyfile), 0o600); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.bin, "reload", "--config", p.cfgPath, "--adapter", "caddyfile",
		"--address", "127.0.0.1:"+strconv.Itoa(p.admin), "--force")
	cmd.Env = p.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("caddy reload: %v: %s", err, out)
	}
	return nil
}

// adminGet fetches a path on the admin endpoint.
func (p *caddyProc) adminGet(path string) (string, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d%s", p.admin, path))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("admin %s: status %d", path, resp.StatusCode)
	}
	return string(b), err
}

var goroutineTotal = regexp.MustCompile(`goroutine profile: total (\d+)`)

// goroutines is Caddy's goroutine count from the admin pprof endpoint.
func (p *caddyProc) goroutines(t testing.TB) int {
	t.Helper()
	s, err := p.adminGet("/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatalf("goroutine profile: %v", err)
	}
	m := goroutineTotal.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no goroutine total in the profile: %.200s", s)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// rssKiB is the process's VmRSS from /proc.
func (p *caddyProc) rssKiB(t testing.TB) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("reading /proc status: %v", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	t.Fatal("no VmRSS in /proc status")
	return 0
}

// fds is the number of open file descriptors of the process (listeners,
// client and origin connections, files).
func (p *caddyProc) fds(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("reading /proc fd: %v", err)
	}
	return len(ents)
}
