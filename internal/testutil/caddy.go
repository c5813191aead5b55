package testutil

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// CaddyBinary returns bin/caddy (`make build` writes it), or the binary named
// by $RELIABILITY_CADDY (e.g. a -race build of ./cmd/caddy). It skips the test
// (fails under CI=true) when there is none.
func CaddyBinary(t testing.TB) string {
	t.Helper()
	p := os.Getenv("RELIABILITY_CADDY")
	if p == "" {
		p = filepath.Join(RepoRoot(t), "bin", "caddy")
	}
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() {
		Unavailable(t, "%s not found: run `make build` first", p)
	}
	staleOnce.Do(func() { staleSource = newerSource(RepoRoot(t), fi.ModTime()) })
	if staleSource != "" {
		t.Logf("note: %s is newer than %s; run `make build` to test the current sources", staleSource, p)
	}
	return p
}

// staleSource is newerSource for the binary, walked once per test process.
var (
	staleOnce   sync.Once
	staleSource string
)

// newerSource returns a Go source file of the built modules modified after
// t, or "".
func newerSource(root string, t time.Time) string {
	var found string
	for _, dir := range []string{"caddyauth", "hlsproxy", "hlsplayer", "internal", "fleetcheck", "cmd"} {
		if found != "" {
			break
		}
		_ = filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || found != "" {
				return fs.SkipAll
			}
			if d.IsDir() && d.Name() == "testutil" {
				return fs.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			if info, err := d.Info(); err == nil && info.ModTime().After(t) {
				found, _ = filepath.Rel(root, p)
			}
			return nil
		})
	}
	return found
}

// Caddy is a running `bin/caddy run` subprocess.
type Caddy struct {
	Bin        string
	ConfigPath string
	Admin      int
	Env        []string
	Cmd        *exec.Cmd
	Out        *Buffer // stdout and stderr: Caddy's log
	exited     chan struct{}
	adapter    string // "caddyfile" or "json"
}

// adapterArgs is the --adapter flag for the config's format (none for JSON).
func (p *Caddy) adapterArgs() []string {
	if p.adapter == "json" {
		return nil
	}
	return []string{"--adapter", "caddyfile"}
}

// StartCaddy writes caddyfile to a temp dir and runs bin/caddy on it with env
// added to the environment, waiting until the admin endpoint on 127.0.0.1:admin
// and every listed port answer (a TLS handshake, or any answer from a plain-HTTP
// listener). The process is stopped at t.Cleanup, which also logs the Caddyfile
// and the tail of the log when the test failed.
func StartCaddy(t testing.TB, caddyfile string, admin int, env []string, ports ...int) *Caddy {
	t.Helper()
	return startCaddy(t, caddyfile, "caddyfile", admin, env, ports, 0)
}

// startCaddy is StartCaddy for a config in the given adapter's format ("caddyfile", or "json"
// for Caddy's native JSON).
func startCaddy(t testing.TB, caddyfile, adapter string, admin int, env []string, ports []int, ready time.Duration) *Caddy {
	t.Helper()
	bin := CaddyBinary(t)
	dir := t.TempDir()
	name := "Caddyfile"
	if adapter == "json" {
		name = "caddy.json"
	}
	cfg := filepath.Join(dir, name)
	if err := os.WriteFile(cfg, []byte(caddyfile), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &Caddy{Bin: bin, ConfigPath: cfg, Admin: admin, Out: &Buffer{}, exited: make(chan struct{}), adapter: adapter}
	p.Env = append(os.Environ(),
		"HOME="+dir,
		"XDG_DATA_HOME="+filepath.Join(dir, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
	)
	p.Env = append(p.Env, env...)
	p.Cmd = exec.Command(bin, append([]string{"run", "--config", cfg}, p.adapterArgs()...)...)
	p.Cmd.Env = p.Env
	p.Cmd.Stdout, p.Cmd.Stderr = p.Out, p.Out
	// Pdeathsig: a test process that dies before its cleanup (a broken
	// pipe, a timeout) takes its Caddy with it, so no orphan keeps ports or
	// the caddytest lock it inherited.
	p.Cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.Cmd.Start(); err != nil {
		t.Fatalf("starting bin/caddy: %v", err)
	}
	go func() { _ = p.Cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.Stop()
		if out := p.Out.String(); strings.Contains(out, "WARNING: DATA RACE") {
			i := strings.Index(out, "WARNING: DATA RACE")
			t.Errorf("caddy reported a data race:\n%s", out[i:min(len(out), i+6000)])
		}
		if t.Failed() {
			t.Logf("Caddyfile:\n%s\ncaddy output (tail):\n%s", caddyfile, p.Out.Tail(8000))
		}
	})
	if ready <= 0 {
		ready = 30 * time.Second
	}
	if err := p.waitReady(ports, ready); err != nil {
		t.Fatalf("bin/caddy did not come up: %v\nCaddyfile:\n%s\noutput:\n%s", err, caddyfile, p.Out.Tail(8000))
	}
	return p
}

// Stop interrupts Caddy and waits for it to exit (killing its process group
// after 5 s). Safe to call more than once.
func (p *Caddy) Stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.Cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	}
}

func (p *Caddy) waitReady(ports []int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	for {
		select {
		case <-p.exited:
			return errors.New("caddy exited")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("admin 127.0.0.1:%d not ready within %s", p.Admin, limit)
		}
		resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/config/", p.Admin))
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
