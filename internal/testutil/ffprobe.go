package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// ProbeFrames decodes every stream of src with ffprobe (the binary at
// ffprobe) and returns "codec:frames" per stream, sorted: a master playlist
// yields the streams of every variant. HTTPS sources are read without
// certificate checks (tls internal); other sources may name any extension.
// show turns src and ffprobe's messages into what an error may print (tokens
// redacted); extra are more ffprobe options.
func ProbeFrames(ffprobe, src string, timeout time.Duration, show func(string) string, extra ...string) ([]string, error) {
	if show == nil {
		show = func(s string) string { return s }
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args := []string{"-v", "error", "-count_frames", "-show_entries", "stream=codec_name,nb_read_frames", "-of", "json"}
	if strings.HasPrefix(src, "https://") {
		args = append(args, "-tls_verify", "0")
	} else {
		args = append(args, "-allowed_extensions", "ALL")
	}
	args = append(args, extra...)
	cmd := exec.CommandContext(ctx, ffprobe, append(args, src)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("ffprobe %s: %v: %s", show(src), err, show(strings.TrimSpace(stderr.String())))
	}
	var out struct {
		Streams []struct {
			CodecName    string `json:"codec_name"`
			NbReadFrames string `json:"nb_read_frames"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("ffprobe output: %v: %s", err, stdout.String())
	}
	var got []string
	for _, s := range out.Streams {
		got = append(got, s.CodecName+":"+s.NbReadFrames)
	}
	sort.Strings(got)
	if len(got) == 0 {
		return nil, fmt.Errorf("ffprobe found no stream in %s: %s", show(src), show(stderr.String()))
	}
	return got, nil
}
