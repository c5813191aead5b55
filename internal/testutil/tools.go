package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RequireTool returns the path of an external program (from PATH, else /usr/sbin or /sbin,
// where Debian installs haproxy) or skips the test (fails it under CI=true) without it.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if _, serr := os.Stat(filepath.Join(dir, name)); serr == nil {
			return filepath.Join(dir, name)
		}
	}
	Unavailable(t, "%s not found in PATH (apt-get install %s)", name, name)
	return ""
}
