package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// TestDemoSmokeServesTheTokenizedPlaylistRefusesTheBareOneAndCleansUp runs scripts/demo.sh in
// DEMO_SMOKE=1 mode (what `make demo` starts, checked with curl) on free ports.
func TestDemoSmokeServesTheTokenizedPlaylistRefusesTheBareOneAndCleansUp(t *testing.T) {
	testutil.CaddyBinary(t)
	testutil.RequireTool(t, "curl")
	testutil.RequireTool(t, "openssl")
	if testutil.VersityGWPath() == "" {
		testutil.Unavailable(t, "versitygw not found (make deps)")
	}
	root := testutil.RepoRoot(t)
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "demo.sh"))
	ports := testutil.FreePorts(t, 4)
	cmd.Env = append(os.Environ(),
		"DEMO_SMOKE=1",
		"TMPDIR="+tmp,
		"PATH="+filepath.Dir(testutil.VersityGWPath())+string(os.PathListSeparator)+os.Getenv("PATH"),
		"DEMO_MEDIA_PORT="+strconv.Itoa(ports[0]),
		"DEMO_PLAYER_PORT="+strconv.Itoa(ports[1]),
		"DEMO_ADMIN_PORT="+strconv.Itoa(ports[2]),
		"DEMO_HTTP_PORT="+strconv.Itoa(ports[3]),
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("DEMO_SMOKE=1 scripts/demo.sh: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"smoke: tokenized playlist -> 200",
		"smoke: untokenized playlist -> 403 (reason: missing)",
		"smoke: OK",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	m := regexp.MustCompile(`removing (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("demo output does not say which temp dir it removes:\n%s", out.String())
	}
	if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
		t.Errorf("the demo left its temp dir %s behind (stat: %v)", m[1], err)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("the demo left %d entries in TMPDIR", len(entries))
	}
}
