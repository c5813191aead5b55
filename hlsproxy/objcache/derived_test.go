package objcache

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// upper is a transform whose runs are counted: its output is the stored
// body's bytes plus one (deterministic, same length).
type upper struct{ runs atomic.Int64 }

func (u *upper) transform(src io.Reader) io.Reader {
	u.runs.Add(1)
	return plusOne{src}
}

type plusOne struct{ io.Reader }

func (p plusOne) Read(b []byte) (int, error) {
	n, err := p.Reader.Read(b)
	for i := range b[:n] {
		b[i]++
	}
	return n, err
}

func outputKey(name, version string, params ...string) Key {
	var ps [][]byte
	for _, p := range params {
		ps = append(ps, []byte(p))
	}
	return Key{Object: name, Output: Output{Version: version, Transform: "plus-one", Params: Digest(ps...)}}
}

// stored fetches name through s as hls_proxy's fetch stage does.
func stored(t *testing.T, s *Shield, og *origin, name string) *Object {
	t.Helper()
	o, _, err := s.Get(context.Background(), Request{Flight: name, CacheKey: ObjectKey(name), Fetch: og.fetch})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func derive(t *testing.T, s *Shield, src *Object, k Key, u *upper) (*Object, Outcome) {
	t.Helper()
	o, out, err := s.Derive(context.Background(), src, k, src.Length, u.transform)
	if err != nil {
		t.Fatal(err)
	}
	return o, out
}

func TestConcurrentDerivesOfOneOutputShareOneTransformAndLaterOnesHit(t *testing.T) {
	og := &origin{body: bytes.Repeat([]byte{1}, 200000), etag: `"1"`}
	s := newShield(t, Config{MaxBytes: 4 << 20, TTL: time.Hour})
	src := stored(t, s, og, "seg")
	u := &upper{}
	k := outputKey("seg", `"1"`, "key-a")
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			o, _ := derive(t, s, src, k, u)
			if b, err := readAll(t, o); err != nil || !bytes.Equal(b, bytes.Repeat([]byte{2}, 200000)) {
				t.Errorf("output %d bytes, %v", len(b), err)
			}
		})
	}
	wg.Wait()
	if _, out := derive(t, s, src, k, u); out != Hit {
		t.Fatalf("a later derive: %v, want a hit", out)
	}
	if n := u.runs.Load(); n != 1 {
		t.Fatalf("17 derives of one output ran the transform %d times, want 1", n)
	}
	if _, out := derive(t, s, src, outputKey("seg", `"1"`, "key-b"), u); out != Miss || u.runs.Load() != 2 {
		t.Fatalf("another params digest: %v after %d runs, want its own miss", out, u.runs.Load())
	}
}

func TestOutputsWeighAgainstTheSameBudgetAsStoredObjects(t *testing.T) {
	var stored64 atomic.Int64
	s := newShield(t, Config{MaxBytes: 64 << 10, MaxObject: 16 << 10, TTL: time.Hour,
		OnStored: func(d int64) { stored64.Add(d) }})
	u := &upper{}
	og := &origin{body: bytes.Repeat([]byte{9}, 8<<10), etag: `"e"`}
	src := stored(t, s, og, "one")
	o, _ := derive(t, s, src, outputKey("one", `"e"`, "k"), u)
	if _, err := o.Body().Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if sz := s.Size(); sz < 2*(8<<10) {
		t.Fatalf("one stored object and one output weigh %d bytes, want both bodies counted", sz)
	}
	for i := range 100 { // 100 outputs of 8 KiB against a 64 KiB cache
		o, _ := derive(t, s, src, outputKey("one", `"e"`, string(rune('a'+i))), u)
		if _, err := o.Body().Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	s.cache.CleanUp()
	if sz := s.Size(); sz > 64<<10 {
		t.Fatalf("cache holds %d bytes with outputs, over its 64 KiB", sz)
	}
	time.Sleep(50 * time.Millisecond) // deletion events run on their own goroutines
	if got, want := stored64.Load(), int64(s.Size()); got != want {
		t.Fatalf("OnStored sums to %d, cache weighs %d", got, want)
	}
}

func TestOutputOfATruncatedStoredBodyFailsItsReadersAndLeavesTheCache(t *testing.T) {
	og := &origin{body: bytes.Repeat([]byte("t"), 50000), etag: `"1"`, truncate: true}
	s := newShield(t, Config{MaxBytes: 1 << 20, TTL: time.Hour})
	src := stored(t, s, og, "seg")
	u := &upper{}
	k := outputKey("seg", `"1"`, "k")
	o, _ := derive(t, s, src, k, u)
	if b, err := readAll(t, o); !errors.Is(err, ErrIncomplete) {
		t.Fatalf("output of a truncated body: %d bytes, %v; want ErrIncomplete", len(b), err)
	}
	if _, ok := s.cache.GetIfPresent(k); ok {
		t.Fatal("the failed output stayed cached")
	}
}

func TestRevalidationKeepsTheOutputsOfAnUnchangedVersionAndDropsAReplacedOnes(t *testing.T) {
	now := time.Unix(1000, 0)
	og := &origin{body: []byte("version one, sixteen+"), etag: `"1"`}
	s := newShield(t, Config{MaxBytes: 1 << 20, TTL: time.Minute, Now: func() time.Time { return now }})
	u := &upper{}
	k1 := outputKey("seg", `"1"`, "k")
	derive(t, s, stored(t, s, og, "seg"), k1, u)
	now = now.Add(2 * time.Minute)
	src := stored(t, s, og, "seg") // 304: the same version
	if _, out := derive(t, s, src, k1, u); out != Hit {
		t.Fatalf("after a 304: %v, want the output kept", out)
	}
	og.mu.Lock()
	og.body, og.etag = []byte("version two, sixteen+"), `"2"`
	og.mu.Unlock()
	now = now.Add(2 * time.Minute)
	stored(t, s, og, "seg") // 200: another version
	if _, ok := s.cache.GetIfPresent(k1); ok {
		t.Fatal("the replaced version's output stayed cached")
	}
}

func TestOutputIsNotCachedWhenItsStoredObjectIsNot(t *testing.T) {
	u := &upper{}
	og := &origin{body: bytes.Repeat([]byte("n"), 4096), etag: `"1"`}
	for name, s := range map[string]*Shield{
		"no cache":          newShield(t, Config{}),
		"over the limit":    newShield(t, Config{MaxBytes: 1 << 20, MaxObject: 1024, TTL: time.Hour}),
		"without validator": newShield(t, Config{MaxBytes: 1 << 20, TTL: time.Hour}),
	} {
		o := &origin{body: og.body, etag: og.etag}
		if name == "without validator" {
			o.etag = ""
		}
		src := stored(t, s, o, "seg")
		if d, _, err := s.Derive(context.Background(), src, outputKey("seg", `"1"`, "k"), src.Length, u.transform); d != nil || err != nil {
			t.Errorf("%s: derived %v, %v; want nothing (the caller transforms)", name, d != nil, err)
		}
		src.Release()
	}
	if u.runs.Load() != 0 {
		t.Fatal("a transform ran for an output that is not cached")
	}
}
