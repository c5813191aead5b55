package testutil

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// LLPartSeconds is the duration of one part RealLLParts makes.
const LLPartSeconds = 0.5

// RealLLParts encodes seconds of a test pattern with ffmpeg into MPEG-TS
// parts of LLPartSeconds each (H.264 at 30 fps, a keyframe opening every
// part, timestamps continuing from part to part), so a player's MSE can
// decode what S3LLPackager publishes: every part is INDEPENDENT, and a
// segment is its four parts back to back.
func RealLLParts(t testing.TB, ffmpeg string, seconds int) [][]byte {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-v", "error",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=320x180:rate=30:duration=%d", seconds),
		"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
		"-g", "15", "-keyint_min", "15", "-sc_threshold", "0", "-bf", "0",
		"-force_key_frames", "expr:gte(t,n_forced*0.5)",
		"-f", "segment", "-segment_time", "0.5", "-segment_format", "mpegts", "-reset_timestamps", "0",
		filepath.Join(dir, "p%04d.ts"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg making LL-HLS parts: %v\n%s", err, stderr.String())
	}
	parts := make([][]byte, 0, int(float64(seconds)/LLPartSeconds))
	for i := 0; ; i++ {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("p%04d.ts", i)))
		if os.IsNotExist(err) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, b)
	}
	if want := int(float64(seconds) / LLPartSeconds); len(parts) != want {
		t.Fatalf("ffmpeg wrote %d parts for %d s, want %d", len(parts), seconds, want)
	}
	return parts
}
