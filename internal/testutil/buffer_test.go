package testutil

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBufferKeepsTheFirstLimitBytesAndTails(t *testing.T) {
	b := &Buffer{Limit: 8}
	for _, s := range []string{"0123", "4567", "89ab", "cdef"} {
		if n, err := b.Write([]byte(s)); n != 4 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if got := b.String(); got != "0123456789ab" {
		t.Fatalf("kept %q; want writes until the limit was passed", got)
	}
	if got := b.Tail(3); got != "9ab" {
		t.Fatalf("Tail(3) = %q", got)
	}
}

func TestRepoRootHoldsTheModule(t *testing.T) {
	mod, err := os.ReadFile(filepath.Join(RepoRoot(t), "go.mod"))
	if err != nil || !strings.Contains(string(mod), "module github.com/mediagate/caddy-mediagate") {
		t.Fatalf("RepoRoot %s: go.mod %v", RepoRoot(t), err)
	}
}
