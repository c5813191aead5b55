package llhold

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countObserver records what a hub tells its Observer.
type countObserver struct {
	waiting, polling atomic.Int64
	mu               sync.Mutex
	outcomes         map[Outcome]int
}

func newCountObserver() *countObserver { return &countObserver{outcomes: map[Outcome]int{}} }

func (c *countObserver) Waiting(d int) { c.waiting.Add(int64(d)) }
func (c *countObserver) Polling(d int) { c.polling.Add(int64(d)) }
func (c *countObserver) Outcome(o Outcome) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.outcomes[o]++
}

func (c *countObserver) count(o Outcome) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.outcomes[o]
}

func observedHub(t *testing.T, o *fakeOrigin, final func(error) bool) (*Hub, *countObserver) {
	obs := newCountObserver()
	h := NewHub(Options{Fetch: o.fetch, Final: final, Linger: 200 * time.Millisecond, MaxBackoff: 400 * time.Millisecond, Observer: obs})
	t.Cleanup(h.Close)
	return h, obs
}

// eventually waits up to a second for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 1 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTheObserverCountsHeldRequestsWhileTheyWaitAndThePollerUntilItEnds(t *testing.T) {
	o := &fakeOrigin{next: 10}
	h, obs := observedHub(t, o, nil)
	const n = 5
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { _, _ = h.Wait(context.Background(), "live.m3u8", Want{10, 1}, 5*time.Second) })
	}
	eventually(t, "five requests held", func() bool { return obs.waiting.Load() == n })
	if p := obs.polling.Load(); p != 1 {
		t.Errorf("%d pollers observed for one playlist, want 1", p)
	}
	o.publishPart()
	o.publishPart()
	wg.Wait()
	if w := obs.waiting.Load(); w != 0 {
		t.Errorf("%d requests still observed waiting after every one was answered, want 0", w)
	}
	if a := obs.count(Answered); a != n {
		t.Errorf("%d answered outcomes, want %d", a, n)
	}
	eventually(t, "the poller ended after its linger", func() bool { return obs.polling.Load() == 0 && h.Pollers() == 0 })
}

func TestTheObserverTellsHowEachWaitEnded(t *testing.T) {
	cases := []struct {
		name string
		want Outcome
		run  func(h *Hub, o *fakeOrigin) error
	}{
		{"the hold runs out", TimedOut, func(h *Hub, _ *fakeOrigin) error {
			_, err := h.Wait(context.Background(), "live.m3u8", Want{11, -1}, 150*time.Millisecond)
			return err
		}},
		{"too far ahead", Refused, func(h *Hub, _ *fakeOrigin) error {
			_, err := h.Wait(context.Background(), "live.m3u8", Want{1 << 40, -1}, time.Second)
			return err
		}},
		{"the client leaves", ClientGone, func(h *Hub, _ *fakeOrigin) error {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			_, err := h.Wait(ctx, "live.m3u8", Want{11, -1}, time.Minute)
			return err
		}},
		{"the hub closes", Closed, func(h *Hub, _ *fakeOrigin) error {
			time.AfterFunc(100*time.Millisecond, h.Close)
			_, err := h.Wait(context.Background(), "live.m3u8", Want{11, -1}, time.Minute)
			return err
		}},
		{"a final origin error", Failed, func(h *Hub, o *fakeOrigin) error {
			o.fail.Store(true)
			_, err := h.Wait(context.Background(), "live.m3u8", Want{11, -1}, time.Minute)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := &fakeOrigin{next: 10}
			h, obs := observedHub(t, o, func(err error) bool { return err != nil && err.Error() == "origin down" })
			if err := c.run(h, o); err == nil {
				t.Fatal("the wait succeeded")
			}
			for _, oc := range Outcomes() {
				want := 0
				if oc == c.want {
					want = 1
				}
				if got := obs.count(oc); got != want {
					t.Errorf("outcome %s observed %d times, want %d", oc, got, want)
				}
			}
			if w := obs.waiting.Load(); w != 0 {
				t.Errorf("%d requests observed waiting after the wait ended, want 0", w)
			}
		})
	}
}

func TestOutcomeNamesAreDistinctSnakeCaseLabels(t *testing.T) {
	seen := map[string]bool{}
	for _, o := range Outcomes() {
		s := o.String()
		if s == "" || seen[s] {
			t.Errorf("outcome %d: label %q empty or repeated", o, s)
		}
		seen[s] = true
	}
	if len(seen) != len(outcomeNames) {
		t.Errorf("Outcomes lists %d of %d outcome names", len(seen), len(outcomeNames))
	}
}
