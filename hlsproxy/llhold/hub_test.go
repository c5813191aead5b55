package llhold

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/delivery"
)

// fakeOrigin is a playlist object the test advances; it counts reads and
// answers If-None-Match like an origin with ETags.
type fakeOrigin struct {
	mu       sync.Mutex
	next     int64 // segments before next are complete
	parts    int
	reads    atomic.Int64
	notMod   atomic.Int64
	fail     atomic.Bool
	lastRead atomic.Int64 // unix nanos
}

func (o *fakeOrigin) etag() string { return fmt.Sprintf("%d.%d", o.next, o.parts) }

func (o *fakeOrigin) fetch(_ context.Context, _, etag string) (*Snapshot, error) {
	o.reads.Add(1)
	o.lastRead.Store(time.Now().UnixNano())
	if o.fail.Load() {
		return nil, errors.New("origin down")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if etag != "" && etag == o.etag() {
		o.notMod.Add(1)
		return nil, nil
	}
	return &Snapshot{ETag: o.etag(), Fetched: time.Now(),
		State: State{Next: o.next, Trailing: o.parts, Target: 1, PartTarget: 0.2}}, nil
}

func (o *fakeOrigin) publishPart() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.parts++; o.parts == 5 {
		o.next, o.parts = o.next+1, 0
	}
}

func newTestHub(t *testing.T, o *fakeOrigin) *Hub {
	h := NewHub(Options{Fetch: o.fetch, Linger: 300 * time.Millisecond, MaxBackoff: 400 * time.Millisecond})
	t.Cleanup(h.Close)
	return h
}

func TestManyWaitersOfOnePlaylistShareOnePollLoop(t *testing.T) {
	o := &fakeOrigin{next: 10}
	h := newTestHub(t, o)
	const viewers = 50
	var wg sync.WaitGroup
	var answered atomic.Int64
	for range viewers {
		wg.Go(func() {
			if s, err := h.Wait(context.Background(), "live.m3u8", Want{10, 2}, 5*time.Second); err == nil && s.State.Has(Want{10, 2}) {
				answered.Add(1)
			}
		})
	}
	start := time.Now()
	for range 3 {
		time.Sleep(250 * time.Millisecond)
		o.publishPart()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if answered.Load() != viewers {
		t.Fatalf("%d of %d viewers answered", answered.Load(), viewers)
	}
	// one loop at half the 0.2 s part target: about elapsed/100ms reads, whatever the viewers
	if max := int64(elapsed/(100*time.Millisecond)) + 2; o.reads.Load() > max {
		t.Errorf("%d origin reads in %v for %d viewers, want at most %d (one poll loop)", o.reads.Load(), elapsed, viewers, max)
	}
	if o.notMod.Load() == 0 {
		t.Error("no conditional read was answered not modified: the poller does not send the last ETag")
	}
}

func TestAWaiterThatLeavesFreesItsWaitAndPollingStops(t *testing.T) {
	o := &fakeOrigin{next: 10}
	h := newTestHub(t, o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := h.Wait(ctx, "live.m3u8", Want{11, -1}, time.Minute); done <- err }()
	time.Sleep(150 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
	case <-time.After(50 * time.Millisecond):
		t.Fatal("a canceled wait was not freed at once")
	}
	time.Sleep(150 * time.Millisecond)
	before := o.reads.Load()
	time.Sleep(250 * time.Millisecond) // within the linger: idle, no reads
	if after := o.reads.Load(); after != before {
		t.Errorf("%d reads after the only waiter left, want none", after-before)
	}
	time.Sleep(200 * time.Millisecond)
	if n := h.Pollers(); n != 0 {
		t.Errorf("%d pollers left after the linger, want 0", n)
	}
}

func TestAHoldRunsOutWithErrHoldExpired(t *testing.T) {
	o := &fakeOrigin{next: 10}
	h := newTestHub(t, o)
	start := time.Now()
	_, err := h.Wait(context.Background(), "live.m3u8", Want{11, -1}, 300*time.Millisecond)
	if !errors.Is(err, ErrHoldExpired) {
		t.Fatalf("err %v, want ErrHoldExpired", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 450*time.Millisecond {
		t.Errorf("answered after %v, want the 300ms hold", d)
	}
}

func TestAWantTooFarAheadIsRefusedOnTheFirstRead(t *testing.T) {
	o := &fakeOrigin{next: 10}
	h := newTestHub(t, o)
	_, err := h.Wait(context.Background(), "live.m3u8", Want{1 << 40, -1}, 5*time.Second)
	if !errors.Is(err, delivery.ErrTooFarAhead) {
		t.Fatalf("err %v, want the too-far-ahead refusal", err)
	}
}

func TestPollingBacksOffWhileTheOriginFails(t *testing.T) {
	o := &fakeOrigin{next: 10}
	o.fail.Store(true)
	h := newTestHub(t, o)
	_, err := h.Wait(context.Background(), "live.m3u8", Want{11, -1}, 1500*time.Millisecond)
	if !errors.Is(err, ErrHoldExpired) {
		t.Fatalf("err %v, want ErrHoldExpired while the origin fails", err)
	}
	// 100, 200, 400, 400 ms...: about 5 reads in 1.5 s, not 15
	if n := o.reads.Load(); n > 7 {
		t.Errorf("%d reads of a failing origin in 1.5 s, want backoff (at most 7)", n)
	}
}

func TestHeldRequestsCostNoGoroutineEach(t *testing.T) {
	o := &fakeOrigin{next: 10}
	h := newTestHub(t, o)
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	const n = 1000
	for range n {
		wg.Go(func() { _, _ = h.Wait(ctx, "live.m3u8", Want{11, -1}, time.Minute) })
	}
	time.Sleep(200 * time.Millisecond)
	// the n waiting goroutines are the test's own (a request's); the hub adds one poller
	if extra := runtime.NumGoroutine() - base - n; extra > 2 {
		t.Errorf("the hub runs %d goroutines for %d held requests of one playlist, want 1", extra, n)
	}
	cancel()
	wg.Wait()
}
