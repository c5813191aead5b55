package fleet

import (
	"path"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// probeFrames decodes every stream of src with ffprobe (testutil.ProbeFrames).
func probeFrames(t testing.TB, src string) ([]string, error) {
	t.Helper()
	return testutil.ProbeFrames(testutil.RequireTool(t, "ffprobe"), src, 60*time.Second, redact)
}

// sourceFrames counts the frames of a sample stream read from disk.
func sourceFrames(t testing.TB, stream string) []string {
	t.Helper()
	got, err := probeFrames(t, path.Join(testutil.RepoRoot(t), "testdata", "sample", stream, "master.m3u8"))
	if err != nil {
		t.Fatalf("counting the source frames: %v", err)
	}
	return got
}
