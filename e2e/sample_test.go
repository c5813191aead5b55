package e2e

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// TestCommittedSampleMatchesItsChecksums guards testdata/sample, which every e2e test compares
// against: each file listed in SHA256SUMS has that digest and no file is unlisted
// (scripts/gen-sample.sh rewrites both together).
func TestCommittedSampleMatchesItsChecksums(t *testing.T) {
	dir := filepath.Join(testutil.RepoRoot(t), "testdata", "sample")
	f, err := os.Open(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q", sc.Text())
		}
		name = strings.TrimPrefix(name, "./")
		listed[name] = true
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s changed since scripts/gen-sample.sh wrote it", name)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel = filepath.ToSlash(rel); rel != "SHA256SUMS" && !listed[rel] {
			t.Errorf("%s is not in SHA256SUMS", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) < 20 {
		t.Errorf("SHA256SUMS lists %d files, want the whole sample (27)", len(listed))
	}
}
