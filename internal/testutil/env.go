package testutil

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// InCI reports whether a missing external tool must fail the run instead of
// skipping it: CI sets CI=true, and no end-to-end test may be skipped there.
func InCI() bool { return os.Getenv("CI") == "true" }

// Unavailable skips the test, or fails it under CI=true.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true: "+format, args...)
	}
	t.Skipf(format, args...)
}

// RepoRoot is the module root (two levels above this package).
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate internal/testutil")
	}
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}
