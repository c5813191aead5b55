package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// The live stack: ffmpeg writes live HLS (a sliding window whose old
// segments it deletes) straight into the versitygw bucket directory; the
// same directory is a Caddy file_server origin; bin/caddy proxies both, and
// the LL-HLS stand-in (testutil.StartLLHLS), with one site per case.

// Live site names.
const (
	liveS3        = "s3"        // S3 origin, passthrough
	liveHTTP      = "http"      // Caddy file_server origin, passthrough
	liveDecrypt   = "decrypt"   // S3 origin
	liveEncrypt   = "encrypt"   // S3 origin
	liveReencrypt = "reencrypt" // S3 origin
	liveLL        = "ll"        // the LL-HLS stand-in, passthrough
)

// Live streams in the bucket: live/clear (clear MPEG-TS) and live/aes
// (AES-128 at rest with sequence-number IVs, its key rotated every
// rotateEvery while the stream runs).
const (
	streamClear = "clear"
	streamAES   = "aes"
	rotateEvery = 2 * time.Second
)

type liveStack struct {
	Key       string            // EdgeAuth key (hex)
	Media     map[string]string // site name -> https://localhost:PORT
	PageBase  string
	BucketDir string // DIR/media of versitygw
	LL        *testutil.LLHLS
	out       *testutil.Buffer
	rotations func() int // keys the aes stream has used so far
}

var liveCaddyfile = e2eCaddyfile("live", `{{global .Admin .HTTP .HTTPS}}

{{template "page" .}}

# The file_server origin: the bucket directory ffmpeg writes into.
http://127.0.0.1:{{.FileOrigin}} {
	root * {{.BucketDir}}
	file_server
}
{{template "sites" .}}`)

// startLiveStack starts versitygw, the ffmpeg writers of streams, the
// LL-HLS stand-in and bin/caddy; everything stops at t.Cleanup. It returns
// once every stream's playlist lists three segments.
func startLiveStack(t *testing.T, streams ...string) *liveStack {
	t.Helper()
	testutil.CaddyBinary(t) // skips (fails under CI) without bin/caddy; notes a stale build
	ffmpeg := testutil.RequireTool(t, "ffmpeg")
	root := testutil.RepoRoot(t)
	vgw := testutil.StartMediaBucket(t, "live")
	st := &liveStack{
		Key: testutil.RandomHex(t, 32), Media: map[string]string{},
		BucketDir: filepath.Join(vgw.Dir, "media"), LL: testutil.StartLLHLS(t, 8),
		rotations: func() int { return 0 },
	}
	for _, s := range streams {
		st.startWriter(t, ffmpeg, s)
	}

	ports := testutil.FreePorts(t, 5+6)
	sites := []mediaSite{ // tokenize, the S3 bucket unless Origin says otherwise
		{Name: liveS3, Encryption: "passthrough", Tokenize: true},
		{Name: liveHTTP, Encryption: "passthrough", Origin: fmt.Sprintf("http://127.0.0.1:%d", ports[4]), Tokenize: true},
		{Name: liveDecrypt, Encryption: "decrypt", Tokenize: true},
		{Name: liveEncrypt, Encryption: "encrypt", Tokenize: true},
		{Name: liveReencrypt, Encryption: "reencrypt", Tokenize: true},
		{Name: liveLL, Encryption: "passthrough", Origin: st.LL.URL, Tokenize: true},
	}
	for i := range sites {
		sites[i].Port = ports[5+i]
		st.Media[sites[i].Name] = "https://localhost:" + strconv.Itoa(sites[i].Port)
	}
	data := map[string]any{
		"Admin": ports[0], "HTTP": ports[1], "HTTPS": ports[2], "Page": ports[3], "FileOrigin": ports[4],
		"S3Endpoint": vgw.Endpoint, "BucketDir": st.BucketDir, "Sites": sites,
		"E2EDir": filepath.Join(root, "e2e"), "PlayerDir": filepath.Join(root, "demo", "player"),
	}
	st.PageBase = "https://localhost:" + strconv.Itoa(ports[3])
	var cf bytes.Buffer
	if err := liveCaddyfile.Execute(&cf, data); err != nil {
		t.Fatal(err)
	}
	st.out = testutil.StartCaddyWith(t, testutil.CaddyOptions{
		Caddyfile: cf.String(), Admin: ports[0], Ready: 60 * time.Second,
		Ports: append([]int{ports[3]}, ports[5:]...),
		Env: []string{"E2E_EDGEAUTH_KEY=" + st.Key, "E2E_HLS_KEY_SECRET=" + testutil.RandomHex(t, 32),
			"E2E_S3_ACCESS_KEY=" + vgw.Access, "E2E_S3_SECRET_KEY=" + vgw.Secret},
	}).Out
	for _, s := range streams {
		st.waitSegments(t, s, 3)
	}
	return st
}

// startProcess starts cmd in its own process group and returns its stop
// function (SIGINT, then SIGKILL after 5 s) and a channel closed when it exits.
func startProcess(t *testing.T, cmd *exec.Cmd, out *testutil.Buffer) (func(), <-chan struct{}) {
	t.Helper()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	return func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}, exited
}

// startWriter runs ffmpeg as a live packager into BucketDir/live/<stream>:
// 1 s segments, five in the playlist, older ones deleted. The aes stream
// is AES-128 at rest with sequence-number IVs (no IV in the key info), its
// key rotated every rotateEvery (periodic_rekey rereads the key info).
func (st *liveStack) startWriter(t *testing.T, ffmpeg, stream string) {
	t.Helper()
	dir := filepath.Join(st.BucketDir, "live", stream)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	flags := "delete_segments+temp_file"
	var extra []string
	if stream == streamAES {
		flags += "+periodic_rekey"
		info := filepath.Join(t.TempDir(), "keyinfo")
		st.writeKey(t, dir, info, 1)
		extra = []string{"-hls_key_info_file", info}
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		rotated := make(chan int, 1)
		rotated <- 1
		st.rotations = func() int { n := <-rotated; rotated <- n; return n }
		go func() {
			for n := 2; ; n++ {
				select {
				case <-ctx.Done():
					return
				case <-time.After(rotateEvery):
				}
				st.writeKey(t, dir, info, n)
				<-rotated
				rotated <- n
			}
		}()
	}
	args := []string{"-hide_banner", "-loglevel", "error", "-re",
		"-f", "lavfi", "-i", "testsrc=size=320x180:rate=25",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
		"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
		"-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k",
		"-f", "hls", "-hls_time", "1", "-hls_list_size", "5", "-hls_flags", flags}
	args = append(args, extra...)
	args = append(args, "-hls_segment_filename", filepath.Join(dir, "seg%05d.ts"), filepath.Join(dir, "index.m3u8"))
	out := &testutil.Buffer{}
	stop, _ := startProcess(t, exec.Command(ffmpeg, args...), out)
	t.Cleanup(func() {
		stop()
		if t.Failed() && out.String() != "" {
			t.Logf("ffmpeg %s: %s", stream, out.Tail(2000))
		}
	})
}

// writeKey writes key n into the stream directory (where the origin serves
// it) and points the key info file at it, atomically.
func (st *liveStack) writeKey(t *testing.T, dir, info string, n int) {
	name := fmt.Sprintf("key%d.key", n)
	key := []byte(testutil.RandomHex(t, 8)) // 16 bytes
	if err := os.WriteFile(filepath.Join(dir, name), key, 0o644); err != nil {
		t.Error(err)
		return
	}
	tmp := info + ".tmp"
	if err := os.WriteFile(tmp, []byte(name+"\n"+filepath.Join(dir, name)+"\n"), 0o600); err != nil {
		t.Error(err)
		return
	}
	if err := os.Rename(tmp, info); err != nil {
		t.Error(err)
	}
}

// waitSegments waits until the stream's playlist on disk lists n segments.
func (st *liveStack) waitSegments(t *testing.T, stream string, n int) {
	t.Helper()
	p := filepath.Join(st.BucketDir, "live", stream, "index.m3u8")
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(p); err == nil && strings.Count(string(b), "#EXTINF") >= n {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("ffmpeg wrote no playlist with %d segments at %s within 20 s", n, p)
}
