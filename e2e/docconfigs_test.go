package e2e

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// docConfig is a configuration the project shows its users: a ```caddyfile block of README.md or
// docs/*.md that is a whole config, or a caddyfile-examples/*.Caddyfile.
type docConfig struct {
	Name      string // "README.md:74", "caddyfile-examples/encrypt.Caddyfile"
	Caddyfile string
}

// documentedConfigs lists every whole configuration of the docs and every example file. A
// ```caddyfile block is a whole config when it starts with a global options block or a site
// address and elides nothing; a block that starts with a directive or holds "…" (or "...") is a
// fragment, listed in skipped with the reason.
func documentedConfigs(t *testing.T) (configs []docConfig, skipped []string) {
	t.Helper()
	root := testutil.RepoRoot(t)
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(docs)
	for _, md := range append([]string{filepath.Join(root, "README.md")}, docs...) {
		rel, _ := filepath.Rel(root, md)
		for _, b := range caddyfileBlocks(t, md) {
			name := filepath.ToSlash(rel) + ":" + strconv.Itoa(b.line)
			if why := fragment(b.text); why != "" {
				skipped = append(skipped, name+" ("+why+")")
				continue
			}
			configs = append(configs, docConfig{Name: name, Caddyfile: b.text})
		}
	}
	files, err := filepath.Glob(filepath.Join(root, "caddyfile-examples", "*.Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		configs = append(configs, docConfig{Name: "caddyfile-examples/" + filepath.Base(f), Caddyfile: string(b)})
	}
	return configs, skipped
}

type mdBlock struct {
	line int // of the opening fence
	text string
}

// caddyfileBlocks returns the ```caddyfile fenced blocks of a Markdown file, de-indented (a
// block inside a list item is indented as a whole).
func caddyfileBlocks(t *testing.T, path string) []mdBlock {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []mdBlock
	var cur *mdBlock
	indent := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && trimmed == "```caddyfile":
			cur = &mdBlock{line: n}
			indent = line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		case cur != nil && trimmed == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += strings.TrimPrefix(line, indent) + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return blocks
}

// fragment says why a Caddyfile block is not a whole config, or "" when it is one.
func fragment(text string) string {
	if strings.Contains(text, "…") || strings.Contains(text, "...") {
		return "elides with …"
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		first := strings.Fields(line)[0]
		if first == "{" || strings.ContainsAny(first, ".:/") || strings.HasPrefix(first, "localhost") {
			return ""
		}
		return "starts with the directive " + first
	}
	return "empty"
}

// adaptCaddyfile is `caddy adapt` of a Caddyfile with a clean environment, so adapt-time
// {$VAR:default} placeholders take the defaults the document shows.
func adaptCaddyfile(t *testing.T, bin, caddyfile string) ([]byte, error) {
	t.Helper()
	dir := t.TempDir()
	cf := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(cf, []byte(caddyfile), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "adapt", "--config", cf, "--adapter", "caddyfile")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, &adaptError{err: err, stderr: strings.TrimSpace(errb.String())}
	}
	return out.Bytes(), nil
}

type adaptError struct {
	err    error
	stderr string
}

func (e *adaptError) Error() string { return "caddy adapt: " + e.err.Error() + ": " + e.stderr }
