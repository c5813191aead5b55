package reliability

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// requireCaddy returns bin/caddy (external binary: `make build` writes it), or
// the binary named by $RELIABILITY_CADDY (e.g. a -race build of ./cmd/caddy).
func requireCaddy(t testing.TB) string {
	t.Helper()
	return testutil.CaddyBinary(t)
}

// caddyProc is a running `bin/caddy run` subprocess (testutil.Caddy) with the
// admin-side probes the reliability tests need.
type caddyProc struct {
	bin     string
	cfgPath string
	admin   int
	env     []string
	cmd     *exec.Cmd
	out     *testutil.Buffer
}

// startCaddy writes caddyfile to a temp dir and runs bin/caddy on it, waiting until
// the admin endpoint and every listed port answer. The process is killed at t.Cleanup.
func startCaddy(t testing.TB, caddyfile string, admin int, env []string, ports ...int) *caddyProc {
	t.Helper()
	c := testutil.StartCaddy(t, caddyfile, admin, env, ports...)
	return &caddyProc{bin: c.Bin, cfgPath: c.ConfigPath, admin: c.Admin, env: c.Env, cmd: c.Cmd, out: c.Out}
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
