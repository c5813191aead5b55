package fleet

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

func TestFleetCheckAcceptsEachRotationStepBesideTheNextAndRefusesASkippedStep(t *testing.T) {
	bin := testutil.CaddyBinary(t)
	f := &fleet{t: t, dir: t.TempDir(), edgeKeys: map[string]string{}, s3: "http://127.0.0.1:1", page: "https://localhost:1"}
	for _, name := range []string{"old", "new"} {
		f.edgeKeys[name] = testutil.RandomHex(t, 32)
		f.writeSecret("edge-"+name, f.edgeKeys[name])
		f.writeSecret("hls-"+name, testutil.RandomHex(t, 24))
	}
	write := func(name string, cfg secrets) string {
		p := filepath.Join(t.TempDir(), name+".Caddyfile")
		if err := os.WriteFile(p, []byte(f.caddyfile(cfg)), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	check := func(a, b string) (int, string) {
		cmd := exec.Command(bin, "fleet-check", "--adapter", "caddyfile", a, b)
		cmd.Env = append(os.Environ(), "FLEET_ADMIN=2999", "FLEET_HTTP=8080", "FLEET_HTTPS=8443")
		for i, m := range modes {
			cmd.Env = append(cmd.Env, fmt.Sprintf("FLEET_PORT_%s=%d", m, 9000+i))
		}
		var out bytes.Buffer
		cmd.Stdout = &out
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("fleet-check: %v", err)
		}
		for name, v := range f.edgeKeys {
			if strings.Contains(out.String(), v) {
				t.Fatalf("fleet-check printed the %s EdgeAuth key", name)
			}
		}
		return cmd.ProcessState.ExitCode(), out.String()
	}

	steps := []secrets{
		{Edge: []string{"old"}, HLS: []string{"old"}},
		{Edge: []string{"old", "new"}, HLS: []string{"old", "new"}},
		{Edge: []string{"new", "old"}, HLS: []string{"new", "old"}},
		{Edge: []string{"new"}, HLS: []string{"new"}},
	}
	for i := 0; i+1 < len(steps); i++ {
		code, out := check(write("a", steps[i]), write("b", steps[i+1]))
		if code != 0 || !strings.Contains(out, "compatible: 2 configs") {
			t.Errorf("step %d beside step %d: exit %d\n%s", i+1, i+2, code, out)
		}
	}
	code, out := check(write("a", steps[0]), write("b", steps[2]))
	if code != 1 || strings.Count(out, "incompatible:") != 2*len(modes) {
		t.Fatalf("[old] beside [new, old] (the add step skipped): exit %d\n%s", code, out)
	}
	t.Logf("a skipped step:\n%s", out)
}
