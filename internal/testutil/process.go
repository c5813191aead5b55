package testutil

import (
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// GoToolPath returns a `go install`ed tool from PATH or $GOPATH/bin, or "".
func GoToolPath(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		gopath = build.Default.GOPATH
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

// process is a server a test runs: its output kept (1 MiB), killed with the
// test process (Pdeathsig) and at t.Cleanup.
type process struct {
	cmd    *exec.Cmd
	out    *Buffer
	once   sync.Once
	waitCh chan struct{}
}

// startProcess starts cmd (Stdout, Stderr and SysProcAttr are set here) or
// fails the test in name's words.
func startProcess(t testing.TB, name string, cmd *exec.Cmd) *process {
	t.Helper()
	p := &process{cmd: cmd, out: &Buffer{Limit: 1 << 20}, waitCh: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // dies with the test process
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() { _ = cmd.Wait(); close(p.waitCh) }()
	t.Cleanup(p.Stop)
	return p
}

// Stop kills the server and waits for it to exit. Safe to call more than once.
func (p *process) Stop() {
	p.once.Do(func() {
		if p.cmd.Process != nil {
			_ = p.cmd.Process.Kill()
		}
		<-p.waitCh
	})
}

// Output returns what the server printed so far (for failure messages).
func (p *process) Output() string { return p.out.String() }
