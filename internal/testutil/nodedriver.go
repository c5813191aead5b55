package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Driver is one run of a browser driver of e2e/ (player.mjs, embed.mjs, players.mjs), which
// prints one JSON line a result.
type Driver struct {
	Script  string        // file name in e2e/, e.g. "player.mjs"
	Args    []string      // its command-line arguments
	Timeout time.Duration // the whole run; node is killed after it
	Results int           // how many lines it must print
	// Show turns its output into what a failure may print (tokens redacted); nil prints it as is.
	Show func(string) string
}

// RunDriver runs d with node and decodes its JSON lines into T, in order. A failed run, another
// number of lines than d.Results or a line that does not decode fails the test.
func RunDriver[T any](t testing.TB, d Driver) []T {
	t.Helper()
	show := d.Show
	if show == nil {
		show = func(s string) string { return s }
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join(RepoRoot(t), "e2e", d.Script)}, d.Args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstderr: %s\nstdout: %s", d.Script, err, show(stderr.String()), show(stdout.String()))
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != d.Results {
		t.Fatalf("%s printed %d results for %d pages:\n%s", d.Script, len(lines), d.Results, show(stdout.String()))
	}
	out := make([]T, len(lines))
	for i, line := range lines {
		if err := json.Unmarshal([]byte(line), &out[i]); err != nil {
			t.Fatalf("%s printed %q: %v", d.Script, show(line), err)
		}
	}
	return out
}
