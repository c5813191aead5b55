package reliability

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// fault is what the fault-injecting origin does to a request.
type fault int32

const (
	faultNone         fault = iota // serve the object
	faultStatus500                 // answer 500
	faultReset                     // reset the connection before any byte (RST)
	faultStallBody                 // send the headers and half the body, then stall
	faultStallHeaders              // accept the request and never answer (timeout)
)

func (f fault) String() string {
	return [...]string{"healthy", "500", "reset", "stall mid-body", "stall before headers"}[f]
}

// faultOrigin is an HTTP origin whose failures are switched on demand. A real
// server (versitygw, MinIO, S3) cannot be made to return 500, reset a connection
// or stall mid-body when a test asks, so the primary origin is this in-process
// server; the replica is a real file server.
type faultOrigin struct {
	srv     *httptest.Server
	objects map[string][]byte // "/media/<key>" -> bytes
	mode    atomic.Int32
	hits    atomic.Int64
	stop    chan struct{} // closed at cleanup: releases stalled handlers
}

func startFaultOrigin(t *testing.T, objects map[string][]byte) *faultOrigin {
	t.Helper()
	f := &faultOrigin{objects: objects, stop: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve)) // listens on 127.0.0.1
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(f.stop) }) // runs first (LIFO): unblocks stalls before Close
	return f
}

func (f *faultOrigin) set(m fault) { f.mode.Store(int32(m)) }

// stall blocks until the client goes away, the test ends, or 20 s pass (bounded).
func (f *faultOrigin) stall(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-f.stop:
	case <-time.After(20 * time.Second):
	}
}

func (f *faultOrigin) serve(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	body, ok := f.objects[r.URL.Path]
	switch fault(f.mode.Load()) {
	case faultStatus500:
		http.Error(w, "injected failure", http.StatusInternalServerError)
		return
	case faultReset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // RST instead of FIN
				}
				conn.Close()
			}
		}
		return
	case faultStallHeaders:
		f.stall(r)
		return
	case faultStallBody:
		if !ok {
			break
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("Content-Type", "video/mp2t")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		f.stall(r)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Content-Type", "video/mp2t")
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// loadResult sums up a bounded load.
type loadResult struct {
	ok, aborted, wrong, status5xx, other int
	dialErrors                           int // of aborted: the connection was refused or reset while connecting
	slowest                              time.Duration
	firstErr                             string
}

// runLoad sends n GETs at concurrency c, alternating over targets, spread over
// at least spread (each worker pauses between requests), and checks every
// answer: the exact bytes (ok), or a visible abort (transport error or a body
// shorter than announced), never a silent short or wrong body.
func runLoad(client *http.Client, n, c int, spread time.Duration, targets []string, want map[string][]byte) loadResult {
	pause := spread * time.Duration(c) / time.Duration(n)
	var mu sync.Mutex
	var res loadResult
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for i := range jobs {
				u := targets[i%len(targets)]
				start := time.Now()
				resp, err := client.Get(u)
				var body []byte
				var status int
				if err == nil {
					status = resp.StatusCode
					body, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				d := time.Since(start)
				if pause > 0 {
					time.Sleep(pause)
				}
				mu.Lock()
				res.slowest = max(res.slowest, d)
				switch {
				case err != nil:
					res.aborted++
					var op *net.OpError
					if errors.As(err, &op) && op.Op == "dial" {
						res.dialErrors++
					}
					if res.firstErr == "" {
						res.firstErr = err.Error()
					}
				case status == 200 && bytes.Equal(body, want[u]):
					res.ok++
				case status == 200:
					res.wrong++
				case status >= 500:
					res.status5xx++
				default:
					res.other++
				}
				mu.Unlock()
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return res
}

// faultStack is bin/caddy serving hls_proxy (timeout 2s, failover_backoff 2s) with
// the fault-injecting primary and a plain http.FileServer replica.
type faultStack struct {
	proc        *caddyProc
	primary     *faultOrigin
	replicaHits *atomic.Int64
	client      *http.Client
	targets     []string
	want        map[string][]byte
}

const faultTimeout, faultBackoff = 2 * time.Second, 2 * time.Second

// faultLimit is how long a request may take: the primary's timeout once, then
// the replica (plus a margin for a loaded machine).
const faultLimit = 2*faultTimeout + 3*time.Second

func startFaultStack(t *testing.T) *faultStack {
	t.Helper()
	requireCaddy(t)
	segs := map[string][]byte{"a/seg0.ts": testutil.RandomBytes(t, 64<<10), "a/seg1.ts": testutil.RandomBytes(t, 20<<10)}
	objects := map[string][]byte{}
	replicaDir := t.TempDir()
	for k, b := range segs {
		objects["/media/"+k] = b
		p := filepath.Join(replicaDir, "media", filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fs := &faultStack{primary: startFaultOrigin(t, objects), replicaHits: new(atomic.Int64)}
	files := http.FileServer(http.Dir(replicaDir))
	replica := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.replicaHits.Add(1)
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(replica.Close)

	admin, port := testutil.FreePort(t), testutil.FreePort(t)
	cf := fmt.Sprintf(`{
	admin 127.0.0.1:%d
	auto_https off
	default_bind 127.0.0.1
	metrics
	log {
		output stderr
		level WARN
	}
}

http://127.0.0.1:%d {
	hls_proxy {
		origin %s/media
		origin %s/media
		timeout %s
		failover_backoff %s
	}
}
`, admin, port, fs.primary.srv.URL, replica.URL, faultTimeout, faultBackoff)
	fs.proc = startCaddy(t, cf, admin, nil, port)
	base := fmt.Sprintf("http://127.0.0.1:%d/", port)
	fs.targets = []string{base + "a/seg0.ts", base + "a/seg1.ts"}
	fs.want = map[string][]byte{fs.targets[0]: segs["a/seg0.ts"], fs.targets[1]: segs["a/seg1.ts"]}
	fs.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	t.Cleanup(fs.client.CloseIdleConnections)
	return fs
}

// heal makes the primary healthy and waits until the breaker lets it serve
// again (a half-open trial after the back-off closes the breaker).
func (fs *faultStack) heal(t *testing.T) {
	t.Helper()
	fs.primary.set(faultNone)
	limit := 3*faultBackoff + 5*time.Second
	deadline := time.Now().Add(limit)
	for i := 0; i < 200 && time.Now().Before(deadline); i++ {
		before := fs.primary.hits.Load()
		if res := runLoad(fs.client, 1, 1, 0, fs.targets[:1], fs.want); res.ok != 1 {
			t.Fatalf("request after healing failed: %+v", res)
		}
		if fs.primary.hits.Load() > before {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("primary not tried again within %s after it healed", limit)
}

// phase runs a load with the primary failing as f and returns the result and
// the requests the primary and the replica saw.
func (fs *faultStack) phase(t *testing.T, f fault, n, c int, spread time.Duration) (res loadResult, primaryHits, replicaHits int64) {
	t.Helper()
	fs.primary.set(f)
	p0, r0 := fs.primary.hits.Load(), fs.replicaHits.Load()
	res = runLoad(fs.client, n, c, spread, fs.targets, fs.want)
	primaryHits, replicaHits = fs.primary.hits.Load()-p0, fs.replicaHits.Load()-r0
	t.Logf("primary %-20s: %d requests at concurrency %d: %d ok, %d aborted, %d 5xx, %d wrong, %d other; slowest %s; primary hits %d, replica hits %d; first error %q",
		f, n, c, res.ok, res.aborted, res.status5xx, res.wrong, res.other, res.slowest.Round(time.Millisecond),
		primaryHits, replicaHits, res.firstErr)
	if res.wrong > 0 || res.other > 0 {
		t.Errorf("%s: %d answers with wrong bytes, %d unexpected statuses", f, res.wrong, res.other)
	}
	if res.status5xx > 0 {
		t.Errorf("%s: %d requests answered 5xx although the replica was healthy", f, res.status5xx)
	}
	if res.slowest > faultLimit {
		t.Errorf("%s: slowest request took %s, more than timeout + margin (%s)", f, res.slowest, faultLimit)
	}
	return res, primaryHits, replicaHits
}

// TestOriginFaultsFailOverAndBreakerRecovers: while a bounded load runs, the
// primary origin answers 500, resets, never answers, or stalls mid-body. Every
// request is served from the replica with the right bytes or aborted visibly,
// none hangs past the origin timeout (plus a margin), and once the primary is
// healthy again the breaker closes and the primary serves again.
func TestOriginFaultsFailOverAndBreakerRecovers(t *testing.T) {
	fs := startFaultStack(t)
	// Each phase lasts longer than the back-off, so the breaker's half-open
	// trials meet the fault too, not only the first requests.
	n, c, spread := 500, 16, faultBackoff*3/2+500*time.Millisecond
	if testing.Short() {
		n = 160
	}
	for _, f := range []fault{faultStatus500, faultReset, faultStallHeaders} {
		fs.heal(t)
		res, pd, _ := fs.phase(t, f, n, c, spread)
		if pd < 2 {
			t.Errorf("%s: the primary saw %d requests: the fault was not exercised (first failure and a half-open trial)", f, pd)
		}
		if res.ok != n {
			t.Errorf("%s: %d of %d served from the replica (%d aborted although the failure came before any byte)", f, res.ok, n, res.aborted)
		}
	}
	// Mid-body stalls cannot be failed over once the headers are out: the
	// client must see an abort, never a short 200. A small load: each stalled
	// request lasts the whole timeout (and the breaker does not open, see
	// TestMidBodyStallOpensTheBreaker).
	fs.heal(t)
	res, _, _ := fs.phase(t, faultStallBody, 16, 8, 0)
	if res.ok+res.aborted != 16 {
		t.Errorf("stall mid-body: %d ok + %d aborted of 16", res.ok, res.aborted)
	}

	// The primary heals: after the back-off a trial request closes the breaker
	// and the primary serves every request again.
	fs.heal(t)
	p0, r0 := fs.primary.hits.Load(), fs.replicaHits.Load()
	res = runLoad(fs.client, 40, 4, 0, fs.targets, fs.want)
	pd, rd := fs.primary.hits.Load()-p0, fs.replicaHits.Load()-r0
	t.Logf("after recovery: %d ok of 40; primary hits %d, replica hits %d", res.ok, pd, rd)
	// Concurrent misses for one object share one origin request, so the
	// primary sees fewer GETs than requests; what matters is that it serves
	// again and the replica serves none.
	if res.ok != 40 || pd == 0 || rd != 0 {
		t.Errorf("breaker did not close: %d ok of 40, primary served %d, replica %d", res.ok, pd, rd)
	}
	if m, err := fs.proc.adminGet("/metrics"); err == nil {
		for _, ev := range []string{"failure", "breaker_open", "breaker_half_open", "breaker_close", "skip"} {
			v, _ := metricSum(m, "mediagate_hls_proxy_origin_events_total", `event="`+ev+`"`)
			t.Logf("origin_events_total{event=%q} = %v", ev, v)
		}
	}
	if n := countLines(fs.proc.out.String(), "panic"); n > 0 {
		t.Errorf("caddy log mentions panic on %d line(s)", n)
	}
}

// TestMidBodyStallOpensTheBreaker: when the primary sends headers and then
// stalls mid-body, hls_proxy aborts the client connection after the timeout
// (correct) but never tells the pool's circuit breaker: the body reader's
// Timeout/Unavailable errors are not recorded as origin failures. The breaker
// stays closed, and EVERY later request goes to the stalled primary and is
// aborted after the timeout — no failover ever happens (measured: 500 of 500
// aborted, 0 replica hits). Mid-body failures must count as origin failures so
// that later requests fail over to the replica.
func TestMidBodyStallOpensTheBreaker(t *testing.T) {
	fs := startFaultStack(t)
	fs.heal(t)
	// Sequential: the first request meets the stall; the ones after it should
	// be served by the replica. Bounded: 6 requests, at most ~2 s each.
	res, pd, rd := fs.phase(t, faultStallBody, 6, 1, 0)
	if rd == 0 || res.ok == 0 {
		t.Errorf("no failover after a mid-body stall: primary hits %d, replica hits %d, %d aborted of 6", pd, rd, res.aborted)
	}
}
