package objcache

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// origin is a fake origin: it counts fetches, can hold them until
// released, and serves body (or a truncated one).
type origin struct {
	fetches  atomic.Int64
	hold     chan struct{}
	body     []byte
	etag     string
	truncate bool
	fail     error
	mu       sync.Mutex
	conds    []http.Header
}

func (o *origin) fetch(ctx context.Context, cond http.Header) (*Response, error) {
	o.fetches.Add(1)
	o.mu.Lock()
	o.conds = append(o.conds, cond)
	body, etag := o.body, o.etag
	o.mu.Unlock()
	if o.hold != nil {
		<-o.hold
	}
	if o.fail != nil {
		return nil, o.fail
	}
	h := http.Header{"Etag": {etag}}
	if cond != nil && cond.Get("If-None-Match") == etag {
		return &Response{Status: http.StatusNotModified, Header: h, Length: -1}, nil
	}
	sent := body
	if o.truncate {
		sent = body[:len(body)/2]
	}
	return &Response{Status: 200, Header: h, Length: int64(len(body)), Body: io.NopCloser(bytes.NewReader(sent))}, nil
}

func newShield(t *testing.T, cfg Config) *Shield {
	t.Helper()
	if cfg.MaxObject == 0 {
		cfg.MaxObject = 1 << 20
	}
	if cfg.MaxWaiters == 0 {
		cfg.MaxWaiters = 64
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readAll(t *testing.T, o *Object) ([]byte, error) {
	t.Helper()
	body, ok := o.Open(context.Background(), 0)
	if !ok {
		t.Fatal("buffered body not openable")
	}
	return io.ReadAll(body)
}

func TestConcurrentMissesShareOneOriginFetch(t *testing.T) {
	og := &origin{hold: make(chan struct{}), body: bytes.Repeat([]byte("x"), 100000), etag: `"1"`}
	s := newShield(t, Config{})
	var wg sync.WaitGroup
	outcomes := make(chan Outcome, 16)
	for range 16 {
		wg.Go(func() {
			o, out, err := s.Get(context.Background(), Request{Flight: "k", Fetch: og.fetch})
			if err != nil {
				t.Error(err)
				return
			}
			b, err := readAll(t, o)
			if err != nil || !bytes.Equal(b, og.body) {
				t.Errorf("waiter read %d bytes, %v", len(b), err)
			}
			outcomes <- out
		})
	}
	time.Sleep(50 * time.Millisecond) // let all 16 join the flight
	close(og.hold)
	wg.Wait()
	close(outcomes)
	if n := og.fetches.Load(); n != 1 {
		t.Fatalf("16 concurrent misses cost %d origin fetches, want 1", n)
	}
	var coalesced int
	for o := range outcomes {
		if o == Coalesced {
			coalesced++
		}
	}
	if coalesced != 15 {
		t.Fatalf("%d coalesced waiters, want 15", coalesced)
	}
}

func TestFailedSharedFetchFailsEveryWaiter(t *testing.T) {
	boom := errors.New("origin down")
	og := &origin{hold: make(chan struct{}), fail: boom}
	s := newShield(t, Config{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, _, err := s.Get(context.Background(), Request{Flight: "k", Fetch: og.fetch}); !errors.Is(err, boom) {
				t.Errorf("waiter got %v, want the origin's error", err)
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	close(og.hold)
	wg.Wait()
}

func TestTruncatedSharedBodyIsAnErrorForEveryReaderNotAShortEOF(t *testing.T) {
	og := &origin{body: bytes.Repeat([]byte("y"), 5000), etag: `"1"`, truncate: true}
	s := newShield(t, Config{MaxBytes: 1 << 20, TTL: time.Hour})
	o, _, err := s.Get(context.Background(), Request{Flight: "k", CacheKey: ObjectKey("k"), Fetch: og.fetch})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if b, err := readAll(t, o); !errors.Is(err, ErrIncomplete) {
			t.Fatalf("reader got %d bytes and %v, want ErrIncomplete", len(b), err)
		}
	}
	// The failed body does not stay cached: the next Get asks the origin again.
	og.truncate = false
	o, out, err := s.Get(context.Background(), Request{Flight: "k", CacheKey: ObjectKey("k"), Fetch: og.fetch})
	if err != nil || out != Miss {
		t.Fatalf("after a truncated body: %v, %v; want a miss", out, err)
	}
	if b, err := readAll(t, o); err != nil || !bytes.Equal(b, og.body) {
		t.Fatalf("refetched %d bytes, %v", len(b), err)
	}
}

func TestWaiterWhoseClientLeftDoesNotCancelTheOthers(t *testing.T) {
	og := &origin{hold: make(chan struct{}), body: []byte("hello world"), etag: `"1"`}
	s := newShield(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	left := make(chan error, 1)
	go func() {
		_, _, err := s.Get(ctx, Request{Flight: "k", Fetch: og.fetch})
		left <- err
	}()
	stayed := make(chan []byte, 1)
	go func() {
		time.Sleep(10 * time.Millisecond)
		o, _, err := s.Get(context.Background(), Request{Flight: "k", Fetch: og.fetch})
		if err != nil {
			t.Error(err)
			stayed <- nil
			return
		}
		b, _ := readAll(t, o)
		stayed <- b
	}()
	time.Sleep(30 * time.Millisecond)
	cancel()
	if err := <-left; !errors.Is(err, context.Canceled) {
		t.Fatalf("leaving waiter got %v", err)
	}
	close(og.hold)
	if b := <-stayed; string(b) != "hello world" {
		t.Fatalf("the waiter who stayed got %q", b)
	}
}

func TestSlowOriginHoldsNoMoreWaitersThanTheBound(t *testing.T) {
	og := &origin{hold: make(chan struct{}), body: []byte("z"), etag: `"1"`}
	s := newShield(t, Config{MaxWaiters: 4})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { _, _, _ = s.Get(context.Background(), Request{Flight: "k", Fetch: og.fetch}) })
	}
	time.Sleep(30 * time.Millisecond)
	if _, _, err := s.Get(context.Background(), Request{Flight: "k", Fetch: og.fetch}); !errors.Is(err, ErrBusy) {
		t.Fatalf("fifth waiter: %v, want ErrBusy", err)
	}
	close(og.hold)
	wg.Wait()
}

func TestCachedObjectIsRevalidatedAfterTTLAndServedChanged(t *testing.T) {
	now := time.Unix(1000, 0)
	og := &origin{body: []byte("version one"), etag: `"1"`}
	s := newShield(t, Config{MaxBytes: 1 << 20, TTL: time.Minute, Now: func() time.Time { return now }})
	get := func() (string, Outcome) {
		o, out, err := s.Get(context.Background(), Request{Flight: "k", CacheKey: ObjectKey("k"), Fetch: og.fetch})
		if err != nil {
			t.Fatal(err)
		}
		b, err := readAll(t, o)
		if err != nil {
			t.Fatal(err)
		}
		return string(b), out
	}
	if b, out := get(); out != Miss || b != "version one" {
		t.Fatalf("first: %v %q", out, b)
	}
	if _, out := get(); out != Hit || og.fetches.Load() != 1 {
		t.Fatalf("second: %v after %d fetches, want a hit after 1", out, og.fetches.Load())
	}
	now = now.Add(2 * time.Minute)
	if b, out := get(); out != Revalidated || b != "version one" {
		t.Fatalf("after the TTL, unchanged: %v %q, want revalidated", out, b)
	}
	if c := og.conds[len(og.conds)-1]; c.Get("If-None-Match") != `"1"` {
		t.Fatalf("revalidation sent %v, want If-None-Match", c)
	}
	og.mu.Lock()
	og.body, og.etag = []byte("version two!"), `"2"`
	og.mu.Unlock()
	now = now.Add(2 * time.Minute)
	if b, _ := get(); b != "version two!" {
		t.Fatalf("replaced object served as %q", b)
	}
	if b, out := get(); out != Hit || b != "version two!" {
		t.Fatalf("replaced object not cached: %v %q", out, b)
	}
}

func TestCacheStaysWithinItsSizeUnderPressureAndCountsEvictions(t *testing.T) {
	var evictions atomic.Int64
	var stored atomic.Int64
	s := newShield(t, Config{MaxBytes: 64 << 10, MaxObject: 16 << 10, TTL: time.Hour,
		OnEvict: func() { evictions.Add(1) }, OnStored: func(d int64) { stored.Add(d) }})
	for i := range 200 {
		og := &origin{body: bytes.Repeat([]byte{byte(i)}, 8<<10), etag: `"e"`}
		key := string(rune('a'+i%26)) + string(rune(i))
		o, _, err := s.Get(context.Background(), Request{Flight: key, CacheKey: ObjectKey(key), Fetch: og.fetch})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Body().Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	s.cache.CleanUp()
	if sz := s.Size(); sz > 64<<10 {
		t.Fatalf("cache holds %d bytes, over its 64 KiB", sz)
	}
	if evictions.Load() == 0 {
		t.Fatal("a working set 25x the cache evicted nothing")
	}
	time.Sleep(50 * time.Millisecond) // deletion events run on their own goroutines
	if got, want := stored.Load(), int64(s.Size()); got != want {
		t.Fatalf("OnStored sums to %d, cache weighs %d", got, want)
	}
}

func TestObjectLargerThanTheLimitIsNotSharedOrCached(t *testing.T) {
	og := &origin{body: bytes.Repeat([]byte("b"), 4096), etag: `"1"`}
	s := newShield(t, Config{MaxBytes: 1 << 20, MaxObject: 1024, TTL: time.Hour})
	o, _, err := s.Get(context.Background(), Request{Flight: "k", CacheKey: ObjectKey("k"), Fetch: og.fetch})
	if err != nil || o.Buffered() {
		t.Fatalf("large object: buffered %v, %v", o.Buffered(), err)
	}
	body, ok := o.Open(context.Background(), 0)
	if !ok {
		t.Fatal("the fetching caller cannot read its live body")
	}
	if _, ok := o.Open(context.Background(), 0); ok {
		t.Fatal("a second caller was handed the same live body")
	}
	if b, _ := io.ReadAll(body); len(b) != 4096 {
		t.Fatalf("live body %d bytes", len(b))
	}
	if _, out, _ := s.Get(context.Background(), Request{Flight: "k", CacheKey: ObjectKey("k"), Fetch: og.fetch}); out != Miss {
		t.Fatalf("large object cached: second Get %v", out)
	}
}
