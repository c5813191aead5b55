package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// probeFrames decodes every stream of src with ffprobe and returns
// "codec:frames" per stream, sorted.
func probeFrames(t testing.TB, src string) ([]string, error) {
	t.Helper()
	ffprobe := requireTool(t, "ffprobe")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := []string{"-v", "error", "-count_frames", "-show_entries", "stream=codec_name,nb_read_frames", "-of", "json"}
	if strings.HasPrefix(src, "https://") {
		args = append(args, "-tls_verify", "0")
	} else {
		args = append(args, "-allowed_extensions", "ALL")
	}
	cmd := exec.CommandContext(ctx, ffprobe, append(args, src)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("ffprobe %s: %v: %s", redact(src), err, strings.TrimSpace(stderr.String()))
	}
	var out struct {
		Streams []struct {
			CodecName    string `json:"codec_name"`
			NbReadFrames string `json:"nb_read_frames"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("ffprobe output: %v", err)
	}
	var got []string
	for _, s := range out.Streams {
		got = append(got, s.CodecName+":"+s.NbReadFrames)
	}
	sort.Strings(got)
	if len(got) == 0 {
		return nil, fmt.Errorf("ffprobe found no stream in %s: %s", redact(src), stderr.String())
	}
	return got, nil
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
