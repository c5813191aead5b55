package hlsproxy_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// dribbleOrigin is an HTTP origin that writes a segment body slowly: the
// first bytes, a flush, then nothing until the test releases the rest — a
// packager writing a part while the player already reads it. It stands in
// for S3, which cannot be made to dribble (an S3 object appears whole);
// over S3 "streamed" means a body flows as the origin's socket delivers it.
type dribbleOrigin struct {
	*httptest.Server
	clear, cipher []byte
	first         int           // bytes written before the pause
	headerDelay   time.Duration // before the answer's headers
	gets          atomic.Int64
	mu            sync.Mutex
	release       chan struct{}
}

var dribbleKey = bytes.Repeat([]byte{0x24}, 16)

func newDribbleOrigin(t *testing.T) *dribbleOrigin {
	t.Helper()
	rng := rand.NewChaCha8([32]byte{25})
	o := &dribbleOrigin{clear: randBytes(rng, 3000), release: make(chan struct{})}
	o.cipher = testutil.MustEncryptAES128(t, dribbleKey, testutil.SequenceIV(0), o.clear)
	o.Server = httptest.NewServer(http.HandlerFunc(o.serve))
	t.Cleanup(o.Close)
	t.Cleanup(o.open)
	return o
}

func (o *dribbleOrigin) serve(w http.ResponseWriter, r *http.Request) {
	const pl = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n%s#EXTINF:2,\n%s\n#EXT-X-ENDLIST\n"
	switch r.URL.Path {
	case "/media/clear/index.m3u8":
		fmt.Fprintf(w, pl, "", "sized.ts")
	case "/media/clear/chunked.m3u8":
		fmt.Fprintf(w, pl, "", "chunked.ts")
	case "/media/enc/index.m3u8":
		fmt.Fprintf(w, pl, "#EXT-X-KEY:METHOD=AES-128,URI=\"k.bin\"\n", "chunked.ts")
	case "/media/enc/corrupt.m3u8":
		fmt.Fprintf(w, pl, "#EXT-X-KEY:METHOD=AES-128,URI=\"k.bin\"\n", "corrupt.ts")
	case "/media/enc/corrupt.ts": // chunked, its final block (the padding) garbled
		bad := bytes.Clone(o.cipher)
		bad[len(bad)-1] ^= 0xff
		o.dribble(w, bad)
	case "/media/enc/k.bin":
		w.Write(dribbleKey)
	case "/media/clear/sized.ts":
		w.Header().Set("Content-Length", strconv.Itoa(len(o.clear)))
		w.Header().Set("ETag", `"sized-v1"`)
		o.dribble(w, o.clear)
	case "/media/clear/chunked.ts":
		o.dribble(w, o.clear)
	case "/media/enc/chunked.ts":
		o.dribble(w, o.cipher)
	default:
		http.NotFound(w, r)
	}
}

// dribble writes body[:first], flushes, and writes the rest once released.
func (o *dribbleOrigin) dribble(w http.ResponseWriter, body []byte) {
	o.gets.Add(1)
	o.mu.Lock()
	release, delay := o.release, o.headerDelay
	o.mu.Unlock()
	time.Sleep(delay)
	w.Write(body[:o.first])
	w.(http.Flusher).Flush()
	select {
	case <-release:
	case <-time.After(10 * time.Second):
	}
	w.Write(body[o.first:])
}

// hold makes the next bodies pause after first bytes, their headers
// delayed by delay.
func (o *dribbleOrigin) hold(first int, delay time.Duration) {
	o.mu.Lock()
	o.first, o.headerDelay, o.release = first, delay, make(chan struct{})
	o.mu.Unlock()
	o.gets.Store(0)
}

// open lets paused bodies finish.
func (o *dribbleOrigin) open() {
	o.mu.Lock()
	defer o.mu.Unlock()
	select {
	case <-o.release:
	default:
		close(o.release)
	}
}

// streamed reads a response body in the background.
type streamed struct {
	mu   sync.Mutex
	data []byte
	err  error
	done chan struct{}
}

func startReading(t *testing.T, tc *caddytest.Tester, path string) (*http.Response, *streamed) {
	t.Helper()
	resp, err := tc.Client.Get(base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp, readInBackground(resp)
}

func readInBackground(resp *http.Response) *streamed {
	s := &streamed{done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer resp.Body.Close()
		p := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(p)
			s.mu.Lock()
			s.data = append(s.data, p[:n]...)
			s.mu.Unlock()
			if err != nil {
				if err != io.EOF {
					s.mu.Lock()
					s.err = err
					s.mu.Unlock()
				}
				return
			}
		}
	}()
	return s
}

func (s *streamed) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.data)
}

// waitFor waits until want bytes arrived, then a little longer, and
// returns how many arrived: exactly want proves both that the bytes were
// streamed and that nothing the origin had not yet completed (a CBC block
// still partial, the block that may be padding) went out.
func (s *streamed) waitFor(want int) int {
	deadline := time.Now().Add(5 * time.Second)
	for s.len() < want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(150 * time.Millisecond)
	return s.len()
}

func (s *streamed) finish(t *testing.T) []byte {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("body did not end")
	}
	if s.err != nil {
		t.Fatalf("body: %v", s.err)
	}
	return s.data
}

func dribbleSite(t *testing.T, o *dribbleOrigin) *caddytest.Tester {
	t.Helper()
	site := func(prefix, mode, keys, extra string) string {
		return fmt.Sprintf(`	@%[1]s path /%[1]s/* /%[3]s/*
	handle @%[1]s {
		hls_proxy {
			origin %[4]s/media
			strip_prefix /%[1]s
			encryption %[2]s
			key_secret test-key-secret-of-32-bytes-long
			key_path /%[3]s
			%[5]s
		}
	}
`, prefix, mode, keys, o.URL, extra)
	}
	cfg := siteHeader + site("pass", "passthrough", "pkeys", "") + site("enc", "encrypt", "ekeys", "") +
		site("dec", "decrypt", "dkeys", "") + site("re", "reencrypt", "rkeys", "") +
		site("cache", "passthrough", "ckeys", "object_cache 1MiB") + "}\n"
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2993})
	tc.InitServer(cfg, "caddyfile")
	return tc
}

// segmentOf returns the playlist's segment path and, in a mode that
// encrypts, the delivery key and IV.
func segmentOf(t *testing.T, tc *caddytest.Tester, playlist string) (seg string, key, iv []byte) {
	t.Helper()
	_, pl := get(t, tc, playlist)
	seg = resolve(t, playlist, strings.TrimSpace(uriLine.FindString(string(pl))))
	if m := keyAttr.FindStringSubmatch(string(pl)); m != nil {
		_, key = get(t, tc, resolve(t, playlist, m[1]))
		iv, _ = hex.DecodeString(m[2])
	}
	return seg, key, iv
}

// Bytes reach the client as the origin sends them: before the origin's
// body is complete, the client holds exactly what can be sent — every byte
// in passthrough, whole 16-byte blocks when encrypting, whole blocks minus
// the last one (it may be padding) when decrypting — and at the end the
// whole, correct body.
func TestSegmentBytesReachTheClientAsTheOriginSendsThem(t *testing.T) {
	o := newDribbleOrigin(t)
	tc := dribbleSite(t, o)
	for _, c := range []struct {
		name, playlist string
		first, early   int // origin bytes before the pause; client bytes expected by then
		encrypted      bool
	}{
		{"passthrough with Content-Length", "/pass/clear/index.m3u8", 100, 100, false},
		{"passthrough chunked", "/pass/clear/chunked.m3u8", 100, 100, false},
		{"encrypt: whole blocks", "/enc/clear/index.m3u8", 100, 96, true},
		{"encrypt chunked: whole blocks", "/enc/clear/chunked.m3u8", 100, 96, true},
		{"decrypt chunked: whole blocks but the last", "/dec/enc/index.m3u8", 160, 144, false},
		{"reencrypt chunked: whole blocks but the last", "/re/enc/index.m3u8", 160, 144, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			seg, key, iv := segmentOf(t, tc, c.playlist)
			o.hold(c.first, 0)
			resp, s := startReading(t, tc, seg)
			if resp.StatusCode != http.StatusOK {
				o.open()
				t.Fatalf("status %d", resp.StatusCode)
			}
			got := s.waitFor(c.early)
			o.open()
			body := s.finish(t)
			if got != c.early {
				t.Errorf("before the origin finished the client had %d bytes, want %d", got, c.early)
			}
			if c.encrypted {
				body = decryptDelivered(t, key, iv, body)
			}
			if !bytes.Equal(body, o.clear) {
				t.Errorf("delivered %d bytes that differ from the %d-byte segment", len(body), len(o.clear))
			}
		})
	}
}

// Through the shield: viewers coalesced on one origin GET (they came while
// its headers were awaited) and a viewer served from object_cache while the
// body still arrives each read the shared buffer as it fills, not once it
// is complete — one origin GET for all of them.
func TestSharedViewersReadTheBufferedBodyAsItArrives(t *testing.T) {
	o := newDribbleOrigin(t)
	tc := dribbleSite(t, o)
	seg, _, _ := segmentOf(t, tc, "/cache/clear/index.m3u8")
	o.hold(100, 300*time.Millisecond)
	resps := make(chan *http.Response, 4)
	get := func() {
		resp, err := tc.Client.Get(base + seg)
		if err != nil {
			t.Errorf("GET %s: %v", seg, err)
		}
		resps <- resp
	}
	for range 3 { // coalesced: all three wait for the same headers
		go get()
	}
	var readers []*streamed
	for range 3 {
		if resp := <-resps; resp != nil {
			readers = append(readers, readInBackground(resp))
		}
	}
	get() // the cache holds the arriving body: a hit on the same buffer
	if resp := <-resps; resp != nil {
		readers = append(readers, readInBackground(resp))
	}
	early := make([]int, len(readers))
	for i, s := range readers {
		early[i] = s.waitFor(100)
	}
	o.open()
	if len(readers) != 4 {
		t.Fatalf("%d of 4 viewers answered", len(readers))
	}
	for i, s := range readers {
		if body := s.finish(t); !bytes.Equal(body, o.clear) || early[i] != 100 {
			t.Errorf("viewer %d: %d bytes before the origin finished (want 100), %d in all", i, early[i], len(body))
		}
	}
	if n := o.gets.Load(); n != 1 {
		t.Errorf("origin GETs: %d, want 1 shared by the viewers", n)
	}
}

// A streamed decryption whose padding turns out bad at the end (a garbled
// final block, a wrong key) aborts the transfer: the client sees a broken
// body, never a complete-looking one, and the final block's plaintext
// (whatever it decrypted to) never arrives.
func TestStreamedDecryptionWithBadPaddingAbortsWithoutTheFinalBlock(t *testing.T) {
	o := newDribbleOrigin(t)
	tc := dribbleSite(t, o)
	for _, playlist := range []string{"/dec/enc/corrupt.m3u8", "/re/enc/corrupt.m3u8"} {
		seg, _, _ := segmentOf(t, tc, playlist)
		o.hold(160, 0) // the answer starts before the origin body ends
		resp, s := startReading(t, tc, seg)
		if resp.StatusCode != http.StatusOK || resp.ContentLength != -1 {
			o.open()
			t.Fatalf("%s: status %d, length %d: want 200 streamed without a length", playlist, resp.StatusCode, resp.ContentLength)
		}
		s.waitFor(144)
		o.open()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: body did not end", playlist)
		}
		if s.err == nil {
			t.Errorf("%s: the body ended cleanly after %d bytes: want an aborted transfer", playlist, len(s.data))
		}
		if n := len(s.data); n > len(o.clear)-len(o.clear)%16 {
			t.Errorf("%s: %d bytes arrived: the final block's plaintext (from byte %d) went out", playlist, n, len(o.clear)-len(o.clear)%16)
		}
	}
}
