package testutil

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// CaddyBinary returns bin/caddy (`make build` writes it), or skips the test
// (fails it under CI=true) when it is missing.
func CaddyBinary(t testing.TB) string {
	t.Helper()
	p := filepath.Join(RepoRoot(t), "bin", "caddy")
	if fi, err := os.Stat(p); err != nil || fi.IsDir() {
		Unavailable(t, "%s not found: run `make build` first", p)
	}
	return p
}

// CaddyOptions configure StartCaddy.
type CaddyOptions struct {
	Caddyfile string   // configuration text
	Admin     int      // admin port the Caddyfile sets (readiness and reload)
	Env       []string // extra environment, KEY=VALUE
	Ports     []int    // HTTPS ports that must complete a TLS handshake before it counts as up
}

// Caddy is a running `bin/caddy run` process with its own HOME and data dir.
type Caddy struct {
	bin, cfgPath string
	admin        int
	env          []string
	cmd          *exec.Cmd
	out          *Buffer
	exited       chan struct{}
	killOnce     sync.Once
}

// StartCaddy writes the Caddyfile to a temp dir, runs bin/caddy on it and
// waits until the admin endpoint answers and every port completes a TLS
// handshake. The process is stopped at t.Cleanup; its output tail is logged
// when the test failed.
func StartCaddy(t testing.TB, opts CaddyOptions) *Caddy {
	t.Helper()
	c := &Caddy{bin: CaddyBinary(t), admin: opts.Admin, out: &Buffer{}, exited: make(chan struct{})}
	dir := t.TempDir()
	c.cfgPath = filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(c.cfgPath, []byte(opts.Caddyfile), 0o600); err != nil {
		t.Fatal(err)
	}
	c.env = append(os.Environ(), "HOME="+dir,
		"XDG_DATA_HOME="+filepath.Join(dir, "data"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	c.env = append(c.env, opts.Env...)
	c.cmd = exec.Command(c.bin, "run", "--config", c.cfgPath, "--adapter", "caddyfile")
	c.cmd.Env = c.env
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("starting bin/caddy: %v", err)
	}
	go func() { _ = c.cmd.Wait(); close(c.exited) }()
	t.Cleanup(func() {
		c.stop()
		if t.Failed() {
			t.Logf("caddy (admin %d) output (tail):\n%s", c.admin, c.out.Tail(4000))
		}
	})
	if err := c.waitReady(opts.Ports, 30*time.Second); err != nil {
		t.Fatalf("bin/caddy did not come up: %v\nCaddyfile:\n%s\noutput:\n%s", err, opts.Caddyfile, c.out.Tail(6000))
	}
	return c
}

// stop interrupts the process (graceful), then kills its group after 5 s.
func (c *Caddy) stop() {
	select {
	case <-c.exited:
		return
	default:
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.exited:
	case <-time.After(5 * time.Second):
		c.Kill()
	}
}

// Kill ends the process at once (SIGKILL to its group), as a crashed host
// would, and waits for it to exit.
func (c *Caddy) Kill() {
	c.killOnce.Do(func() { _ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL) })
	<-c.exited
}

// Output is everything the process printed so far.
func (c *Caddy) Output() string { return c.out.String() }

// Reload rewrites the Caddyfile and applies it with `caddy reload` (the
// same environment as the running process, so {$VAR} adapts the same).
func (c *Caddy) Reload(caddyfile string) error {
	if err := os.WriteFile(c.cfgPath, []byte(caddyfile), 0o600); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, "reload", "--config", c.cfgPath, "--adapter", "caddyfile",
		"--address", "127.0.0.1:"+strconv.Itoa(c.admin), "--force")
	cmd.Env = c.env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("caddy reload (admin %d): %v: %s", c.admin, err, out)
	}
	return nil
}

func (c *Caddy) waitReady(ports []int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	for {
		select {
		case <-c.exited:
			return errors.New("caddy exited")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("admin 127.0.0.1:%d not ready within %s", c.admin, limit)
		}
		if resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/config/", c.admin)); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, port := range ports {
		// The internal CA issues certificates after the listeners open: a
		// completed handshake proves the site is ready.
		for {
			conn, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", "127.0.0.1:"+strconv.Itoa(port),
				&tls.Config{InsecureSkipVerify: true, ServerName: "localhost"}) //nolint:gosec // test CA
			if err == nil {
				conn.Close()
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("port %d not serving TLS within %s: %v", port, limit, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}
