package testutil

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// CaddyOptions configure StartCaddyWith.
type CaddyOptions struct {
	Caddyfile string   // configuration text
	JSON      bool     // Caddyfile holds Caddy's native JSON, not a Caddyfile
	Admin     int      // admin port the Caddyfile sets (readiness and reload)
	Env       []string // extra environment, KEY=VALUE
	Ports     []int    // ports that must answer before it counts as up
	// Ready bounds the wait for the admin endpoint and the ports; 0 means 30 s.
	Ready time.Duration
}

// StartCaddyWith is StartCaddy with its arguments named.
func StartCaddyWith(t testing.TB, o CaddyOptions) *Caddy {
	t.Helper()
	adapter := "caddyfile"
	if o.JSON {
		adapter = "json"
	}
	return startCaddy(t, o.Caddyfile, adapter, o.Admin, o.Env, o.Ports, o.Ready)
}

// Kill ends the process at once (SIGKILL to its group), as a crashed host
// would, and waits for it to exit.
func (p *Caddy) Kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL)
	<-p.exited
}

// Output is everything the process printed so far.
func (p *Caddy) Output() string { return p.Out.String() }

// Reload rewrites the Caddyfile and applies it with `caddy reload` (the same
// environment as the running process, so {$VAR} adapts the same).
func (p *Caddy) Reload(caddyfile string) error {
	if err := os.WriteFile(p.ConfigPath, []byte(caddyfile), 0o600); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"reload", "--config", p.ConfigPath}, p.adapterArgs()...)
	cmd := exec.CommandContext(ctx, p.Bin, append(args, "--address", "127.0.0.1:"+strconv.Itoa(p.Admin), "--force")...)
	cmd.Env = p.Env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("caddy reload (admin %d): %v: %s", p.Admin, err, out)
	}
	return nil
}
