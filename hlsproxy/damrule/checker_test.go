package damrule

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// dam is a small real HTTP server standing in for the DAM's rule API (the
// DAM's interface, not a mock of ours): it answers per asset and counts calls.
type dam struct {
	srv     *httptest.Server
	calls   atomic.Int64
	mu      sync.Mutex
	answers map[string]func(w http.ResponseWriter)
}

func startDAM(t *testing.T) *dam {
	d := &dam{answers: map[string]func(http.ResponseWriter){}}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.calls.Add(1)
		d.mu.Lock()
		answer := d.answers[r.URL.Query().Get("asset")]
		d.mu.Unlock()
		if answer == nil {
			http.NotFound(w, r)
			return
		}
		answer(w)
	}))
	t.Cleanup(d.srv.Close)
	return d
}

func (d *dam) set(asset string, answer func(w http.ResponseWriter)) {
	d.mu.Lock()
	d.answers[asset] = answer
	d.mu.Unlock()
}

func body(s string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { w.Write([]byte(s)) }
}

type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }

func newChecker(t *testing.T, d *dam, opts Options) (*Checker, *clock, *[]Lookup) {
	tp, err := ParseTemplate(d.srv.URL + "/rule?asset={asset}")
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	clk.t.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	var mu sync.Mutex
	var seen []Lookup
	opts.Template, opts.Now = tp, clk.now
	opts.OnLookup = func(l Lookup) { mu.Lock(); seen = append(seen, l); mu.Unlock() }
	return New(opts), clk, &seen
}

func TestCheckerFollowsTheDAMAndCachesPerAssetForTheTTL(t *testing.T) {
	d := startDAM(t)
	d.set("public", body("false"))
	d.set("secret", body(`{"tokenize": true}`))
	c, clk, seen := newChecker(t, d, Options{TTL: time.Minute})
	ctx := t.Context()
	for range 3 {
		if c.Protected(ctx, "public") {
			t.Fatal("public asset said protected")
		}
		if !c.Protected(ctx, "secret") {
			t.Fatal("protected asset said public")
		}
	}
	if n := d.calls.Load(); n != 2 {
		t.Fatalf("%d DAM calls for 2 assets within the TTL, want 2", n)
	}
	hits := 0
	for _, l := range *seen {
		if l.Source == SourceCache {
			hits++
		}
	}
	if hits != 4 {
		t.Fatalf("%d cache hits reported, want 4: %+v", hits, *seen)
	}
	d.set("public", body("true")) // the DAM's rule changed
	clk.advance(time.Minute + time.Second)
	if !c.Protected(ctx, "public") {
		t.Fatal("answer reused after its TTL")
	}
	if n := d.calls.Load(); n != 3 {
		t.Fatalf("%d DAM calls, want 3 after expiry", n)
	}
}

func TestCheckerFailsClosedAndRecoversAfterTheFailureTTL(t *testing.T) {
	d := startDAM(t)
	d.set("slow", func(w http.ResponseWriter) { time.Sleep(300 * time.Millisecond); w.Write([]byte("false")) })
	d.set("broken", func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError); w.Write([]byte("false")) })
	d.set("garbled", body("maybe"))
	c, clk, seen := newChecker(t, d, Options{Timeout: 50 * time.Millisecond, TTL: time.Minute, FailureTTL: 5 * time.Second})
	want := map[string]string{"slow": ReasonTimeout, "broken": ReasonStatus, "garbled": ReasonMalformed, "unknown": ReasonStatus}
	for asset, reason := range want {
		if !c.Protected(t.Context(), asset) {
			t.Errorf("%s: public on a failure", asset)
		}
		last := (*seen)[len(*seen)-1]
		if last.Failure == nil || last.Failure.Reason != reason {
			t.Errorf("%s: failure %v, want %s", asset, last.Failure, reason)
		}
	}
	calls := d.calls.Load()
	c.Protected(t.Context(), "garbled")
	if d.calls.Load() != calls {
		t.Fatal("a failure was not reused within the failure TTL")
	}
	d.set("garbled", body("false"))
	clk.advance(6 * time.Second)
	if c.Protected(t.Context(), "garbled") {
		t.Fatal("DAM fixed, failure TTL over, still protected")
	}

	down := startDAM(t)
	down.srv.Close()
	c2, _, seen2 := newChecker(t, down, Options{})
	if !c2.Protected(t.Context(), "any") || (*seen2)[0].Failure.Reason != ReasonUnreachable {
		t.Fatalf("DAM down: %+v", *seen2)
	}
}

func TestCheckerCoalescesConcurrentLookupsOfAColdAsset(t *testing.T) {
	d := startDAM(t)
	release := make(chan struct{})
	d.set("cold", func(w http.ResponseWriter) { <-release; w.Write([]byte("false")) })
	c, _, seen := newChecker(t, d, Options{})
	const viewers = 50
	var wg sync.WaitGroup
	var public atomic.Int64
	for range viewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !c.Protected(context.Background(), "cold") {
				public.Add(1)
			}
		}()
	}
	for d.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the viewers queue on the call in flight
	close(release)
	wg.Wait()
	if n := d.calls.Load(); n != 1 {
		t.Fatalf("%d DAM calls for %d concurrent viewers, want 1", n, viewers)
	}
	if public.Load() != viewers {
		t.Fatalf("%d of %d viewers got the answer", public.Load(), viewers)
	}
	fetched := 0
	for _, l := range *seen {
		if l.Source == SourceDAM {
			fetched++
		}
	}
	if fetched != 1 {
		t.Fatalf("%d lookups say they fetched, want 1", fetched)
	}
}

func TestCheckerCallOutlivesACancelledFirstViewer(t *testing.T) {
	d := startDAM(t)
	d.set("a", func(w http.ResponseWriter) { time.Sleep(50 * time.Millisecond); w.Write([]byte("false")) })
	c, _, _ := newChecker(t, d, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if c.Protected(ctx, "a") {
		t.Fatal("the first viewer's cancellation aborted the DAM call")
	}
}

func TestCheckerNeverFollowsARedirectAndCallsItProtected(t *testing.T) {
	d := startDAM(t)
	d.set("pub", body("false"))
	for i, code := range []int{301, 302, 303, 307, 308} {
		asset := "r" + string(rune('0'+i))
		d.set(asset, func(w http.ResponseWriter) {
			w.Header().Set("Location", d.srv.URL+"/rule?asset=pub")
			w.WriteHeader(code)
			w.Write([]byte("false"))
		})
		// A caller's client that follows redirects is not followed either.
		c, _, seen := newChecker(t, d, Options{Client: &http.Client{}})
		before := d.calls.Load()
		if !c.Protected(context.Background(), asset) {
			t.Errorf("%d to a public asset's answer: public", code)
		}
		if n := d.calls.Load() - before; n != 1 {
			t.Errorf("%d: %d calls to the DAM, want 1 (no redirect followed)", code, n)
		}
		if l := (*seen)[0]; l.Failure == nil || l.Failure.Reason != ReasonStatus {
			t.Errorf("%d: failure %+v, want reason %s", code, l.Failure, ReasonStatus)
		}
	}
}
