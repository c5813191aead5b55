package llhold

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
)

// ErrHoldExpired means a held request's hold ran out before the playlist
// held what it waits for.
var ErrHoldExpired = errors.New("the playlist did not hold the asked-for segment or part within the hold")

// ErrClosed means the hub was closed (a config reload) while the request waited.
var ErrClosed = errors.New("blocking reloads closed")

// Snapshot is one read of a playlist object. It is shared by every request
// it answers: nobody modifies it.
type Snapshot struct {
	Body         []byte
	ETag         string // for the next conditional GET; "" when the origin gives none
	LastModified string
	Metadata     []string  // every value of the caller's per-object header (asset policy)
	Fetched      time.Time // when the origin answered
	State        State
	DateRanges   []playlist.DateRange // the playlist's EXT-X-DATERANGE tags (Fetch sets them)
	// History is what the poller followed of the date ranges up to this
	// read (the hub sets it), for _HLS_skip=v2 delta updates.
	History *playlist.DateRangeHistory
}

// Fetch reads a playlist object. With a non-empty etag it asks
// conditionally: (nil, nil) means not modified. An error Final reports true
// for (a missing object, a refusal) answers every waiting request; any
// other error is retried with backoff while requests wait.
type Fetch func(ctx context.Context, key, etag string) (*Snapshot, error)

// Options configure a Hub. Zero values take the defaults.
type Options struct {
	Fetch Fetch
	// Final reports an error that answers the waiting requests (nil: none does).
	Final func(error) bool
	// MinInterval and MaxInterval bound the poll interval, half the
	// PART-TARGET (half the target duration without parts). Defaults 100ms, 2s.
	MinInterval, MaxInterval time.Duration
	// MaxBackoff bounds the interval after origin errors (doubling). Default 5s.
	MaxBackoff time.Duration
	// Linger is how long a poller without waiters keeps its last read (and
	// its goroutine, idle) for the next request. Default 2s.
	Linger time.Duration
	// OnPoll is called after every origin read (err nil when it succeeded).
	OnPoll func(err error)
	// Observer counts waits and pollers (nil: nobody; observe.go).
	Observer Observer
}

// Hub holds blocking reloads: one poller per playlist object polls while
// at least one request waits on it, whatever the number of viewers.
type Hub struct {
	o      Options
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	polls  map[string]*poller
}

// poller is the one poll loop of a playlist object; its fields are
// guarded by the Hub's mutex.
type poller struct {
	key     string
	waiters map[*waiter]struct{}
	last    *Snapshot
	wake    chan struct{} // a waiter arrived at a lingering poller
	memory  dateRangeMemory
}

type waiter struct {
	want    Want
	checked bool // refused or not against a first read
	ch      chan result
}

type result struct {
	snap *Snapshot
	err  error
}

// NewHub returns a hub; Close stops its pollers.
func NewHub(o Options) *Hub {
	if o.MinInterval <= 0 {
		o.MinInterval = 100 * time.Millisecond
	}
	if o.MaxInterval <= 0 {
		o.MaxInterval = 2 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Second
	}
	if o.Linger <= 0 {
		o.Linger = 2 * time.Second
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.Final == nil {
		o.Final = func(error) bool { return false }
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Hub{o: o, ctx: ctx, cancel: cancel, polls: map[string]*poller{}}
}

// Close stops every poller; requests still waiting get ErrClosed.
func (h *Hub) Close() { h.cancel() }

// Pollers is the number of playlist objects being polled or lingering.
func (h *Hub) Pollers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.polls)
}

// wait is Wait (observe.go) before its outcome is observed.
func (h *Hub) wait(ctx context.Context, key string, w Want, hold time.Duration) (*Snapshot, error) {
	wt := &waiter{want: w, ch: make(chan result, 1)}
	h.mu.Lock()
	p := h.polls[key]
	if p == nil {
		p = &poller{key: key, waiters: map[*waiter]struct{}{}, wake: make(chan struct{}, 1)}
		h.polls[key] = p
		go h.run(p)
	}
	if s := p.last; s != nil && time.Since(s.Fetched) < h.interval(s) {
		if r, done := answer(s, wt); done {
			h.mu.Unlock()
			return r.snap, r.err
		}
	}
	p.waiters[wt] = struct{}{}
	select {
	case p.wake <- struct{}{}:
	default:
	}
	h.mu.Unlock()
	h.o.Observer.Waiting(1)
	defer h.o.Observer.Waiting(-1)

	timer := time.NewTimer(hold)
	defer timer.Stop()
	var err error
	select {
	case r := <-wt.ch:
		return r.snap, r.err
	case <-ctx.Done():
		err = ctx.Err()
	case <-timer.C:
		err = ErrHoldExpired
	}
	h.mu.Lock()
	delete(p.waiters, wt)
	h.mu.Unlock()
	select {
	case r := <-wt.ch: // answered while leaving
		return r.snap, r.err
	default:
		return nil, err
	}
}

// answer decides a waiter against a read: answered (Has), refused (Check,
// against the first read it sees only: later ones are newer), or not yet.
func answer(s *Snapshot, wt *waiter) (result, bool) {
	if s.State.Has(wt.want) {
		return result{snap: s}, true
	}
	if !wt.checked {
		wt.checked = true
		if err := s.State.Check(wt.want); err != nil {
			return result{err: err}, true
		}
	}
	return result{}, false
}

// interval is the poll pace for a playlist read as s: half its part target
// (half its target duration without parts), within the options' bounds.
func (h *Hub) interval(s *Snapshot) time.Duration {
	sec := s.State.Target
	if s.State.PartTarget > 0 {
		sec = s.State.PartTarget
	}
	d := time.Duration(sec * float64(time.Second) / 2)
	return min(max(d, h.o.MinInterval), h.o.MaxInterval)
}
