package objcache

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/maypok86/otter/v2"
	"golang.org/x/sync/semaphore"
	"golang.org/x/sync/singleflight"
)

// ErrBusy is returned when more callers wait for origin answers than the
// Shield allows (Config.MaxWaiters): a slow origin holds no more than that.
var ErrBusy = errors.New("objcache: too many requests waiting for the origin")

// Config configures a Shield.
type Config struct {
	// MaxBytes bounds the cache (the sum of cached bodies); 0 disables it
	// (coalescing stays on).
	MaxBytes int64
	// MaxObject is the largest body held in memory: larger ones (or of
	// unknown length) stream through uncached and are not shared.
	MaxObject int64
	// TTL is how long a cached object is served before a conditional GET.
	TTL time.Duration
	// MaxWaiters bounds the callers waiting for origin answers at once.
	MaxWaiters int64
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	// OnEvict is called for each object the cache drops for room.
	OnEvict func()
	// OnStored is called with the change of the cached bytes.
	OnStored func(delta int64)
	// Keep says whether an answer with these headers and length may be
	// cached at all (besides the 200/no-store/validator rules); nil keeps all.
	Keep func(h http.Header, length int64) bool
}

// Outcome says how a Get was answered.
type Outcome uint8

const (
	Miss        Outcome = iota + 1 // this caller's origin request
	Coalesced                      // another caller's origin request, shared
	Hit                            // from the cache, no origin request
	Revalidated                    // from the cache after a 304
)

func (o Outcome) String() string {
	return [...]string{"", "miss", "coalesced", "hit", "revalidated"}[o]
}

// Fetch asks the origin; cond holds validators for a conditional GET (nil
// otherwise). ctx is detached from any one caller.
type Fetch func(ctx context.Context, cond http.Header) (*Response, error)

// Request is one Get.
type Request struct {
	// Flight identifies what is fetched: callers with the same flight key
	// at the same time share one origin request. It must name the object
	// and every header the fetch sends (range, preconditions).
	Flight string
	// CacheKey is the answer's key in the cache: ObjectKey(name) for a
	// stored object, an output's Key for a derived one (derived.go); the
	// zero Key for a fetch whose answer is not the whole object (a range,
	// a HEAD).
	CacheKey Key
	Fetch    Fetch
}

// Shield coalesces origin fetches and caches whole objects.
type Shield struct {
	cfg     Config
	flights singleflight.Group
	waiters *semaphore.Weighted
	cache   *otter.Cache[Key, *Object]

	// filling holds, by flight key, the buffered answers whose bodies are
	// still arriving and that the cache does not hold (no cache, or not
	// kept): singleflight forgets a flight once its headers are in, so a
	// caller arriving mid-body joins the buffer here instead of asking the
	// origin again.
	fillMu  sync.Mutex
	filling map[string]*Object
}

// New returns a Shield; cfg.MaxObject and cfg.MaxWaiters must be positive.
func New(cfg Config) (*Shield, error) {
	if cfg.MaxObject <= 0 || cfg.MaxWaiters <= 0 {
		return nil, errors.New("objcache: MaxObject and MaxWaiters must be positive")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Shield{cfg: cfg, waiters: semaphore.NewWeighted(cfg.MaxWaiters), filling: map[string]*Object{}}
	if cfg.MaxBytes > 0 {
		c, err := otter.New(&otter.Options[Key, *Object]{
			MaximumWeight: uint64(cfg.MaxBytes),
			Weigher:       func(_ Key, o *Object) uint32 { return o.weight },
			OnDeletion:    s.deleted,
		})
		if err != nil {
			return nil, err
		}
		s.cache = c
	}
	return s, nil
}

func (s *Shield) deleted(e otter.DeletionEvent[Key, *Object]) {
	if s.cfg.OnStored != nil {
		s.cfg.OnStored(-int64(e.Value.weight))
	}
	if e.WasEvicted() && e.Cause != otter.CauseExpiration && s.cfg.OnEvict != nil {
		s.cfg.OnEvict()
	}
}

// Caching reports whether the Shield has a cache.
func (s *Shield) Caching() bool { return s.cache != nil }

// Get answers req from the cache (fresh, or after a 304) or from one origin
// request shared by every caller of the same flight key meanwhile. ctx is
// the caller's: when it ends the caller leaves, the fetch goes on for the
// others.
func (s *Shield) Get(ctx context.Context, req Request) (*Object, Outcome, error) {
	var stale *Object
	if s.cache != nil && req.CacheKey.Object != "" {
		if o, ok := s.cache.GetIfPresent(req.CacheKey); ok {
			if s.isFresh(o) {
				return o, Hit, nil
			}
			stale = o
		}
	}
	if stale == nil {
		if o := s.arriving(req.Flight); o != nil {
			return o, Coalesced, nil
		}
	}
	if !s.waiters.TryAcquire(1) {
		return nil, 0, ErrBusy
	}
	defer s.waiters.Release(1)
	fk := flight(req, stale)
	led, revalidated, hit, joined := false, false, false, false
	ch := s.flights.DoChan(fk, func() (any, error) {
		led = true
		// A flight that ended between this caller's lookup and DoChan has
		// stored its answer: look again, so that late caller is a hit, not
		// a second origin request (or a second transform).
		if o := s.fresh(req.CacheKey, stale); o != nil {
			hit = true
			return o, nil
		}
		if o := s.arriving(fk); o != nil {
			joined = true
			return o, nil
		}
		return s.fetch(context.WithoutCancel(ctx), req, stale, &revalidated)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, 0, res.Err
		}
		o := res.Val.(*Object)
		switch {
		case !led, joined:
			return o, Coalesced, nil
		case hit:
			return o, Hit, nil
		case revalidated:
			return o, Revalidated, nil
		}
		return o, Miss, nil
	case <-ctx.Done():
		go func() {
			if res := <-ch; res.Err == nil && led {
				res.Val.(*Object).Release()
			}
		}()
		return nil, 0, ctx.Err()
	}
}

// isFresh reports whether a cached o is served without asking the origin:
// an output is as fresh as the version its key names.
func (s *Shield) isFresh(o *Object) bool {
	return o.derived || s.cfg.Now().Sub(o.validated) < s.cfg.TTL
}

// fresh returns the cached answer for key if it is fresh and is not the
// stale one this flight was started to revalidate; nil otherwise.
func (s *Shield) fresh(key Key, stale *Object) *Object {
	if s.cache == nil || key.Object == "" {
		return nil
	}
	if o, ok := s.cache.GetIfPresent(key); ok && o != stale && s.isFresh(o) {
		return o
	}
	return nil
}

// fetch runs one origin request for a flight (in singleflight's goroutine).
func (s *Shield) fetch(ctx context.Context, req Request, stale *Object, revalidated *bool) (*Object, error) {
	resp, err := req.Fetch(ctx, conditional(stale))
	if err != nil {
		if stale != nil {
			s.forget(req.CacheKey, stale) // gone or failing: answered as a miss is
		}
		return nil, err
	}
	if stale != nil && resp.Status == http.StatusNotModified {
		if resp.Body != nil {
			resp.Body.Close()
		}
		*revalidated = true
		o := &Object{Status: stale.Status, Header: stale.Header, Length: stale.Length, buf: stale.buf,
			validated: s.cfg.Now(), weight: stale.weight, outputs: stale.outputs}
		s.store(req.CacheKey, o)
		return o, nil
	}
	o := &Object{Status: resp.Status, Header: resp.Header, Length: resp.Length, validated: s.cfg.Now(),
		derived: req.CacheKey.Output != Output{}, outputs: &outputs{}}
	if stale != nil {
		s.dropOutputs(stale) // another version: what was derived from the old one goes
	}
	switch {
	case resp.Body == nil:
	case resp.Length >= 0 && resp.Length <= s.cfg.MaxObject:
		o.buf = newBuffer(resp.Length)
		if s.cache != nil && req.CacheKey.Object != "" && storable(o) && (s.cfg.Keep == nil || s.cfg.Keep(o.Header, o.Length)) {
			// Stored while it arrives: a view that comes during the body
			// streams the same buffer instead of asking the origin again.
			o.weight = uint32(o.Length) + headerWeight(o.Header)
			s.store(req.CacheKey, o)
		}
		if o.weight == 0 {
			s.addFilling(flight(req, stale), o)
		}
		go s.fill(o, resp, req.CacheKey, flight(req, stale))
	default:
		o.live = resp.Body
	}
	if stale != nil && o.weight == 0 {
		s.forget(req.CacheKey, stale) // replaced by an object the cache does not keep
	}
	return o, nil
}

func (s *Shield) store(key Key, o *Object) {
	s.cache.Set(key, o)
	if s.cfg.OnStored != nil {
		s.cfg.OnStored(int64(o.weight))
	}
}

// flight is the singleflight key of req: a revalidation of stale is a
// flight of its own (its answer may be a 304).
func flight(req Request, stale *Object) string {
	if stale != nil {
		return req.Flight + "\x00revalidate"
	}
	return req.Flight
}

// arriving returns the buffered answer of flight whose body is arriving, or nil.
func (s *Shield) arriving(flight string) *Object {
	s.fillMu.Lock()
	defer s.fillMu.Unlock()
	return s.filling[flight]
}

func (s *Shield) addFilling(flight string, o *Object) {
	s.fillMu.Lock()
	s.filling[flight] = o
	s.fillMu.Unlock()
}

// fill reads the body into o's buffer; a body that fails leaves the cache.
// Once the body is complete (or failed) o is no longer joined as arriving.
func (s *Shield) fill(o *Object, resp *Response, cacheKey Key, flight string) {
	defer resp.Body.Close()
	err := o.buf.fill(resp.Body, resp.Length)
	if o.weight == 0 {
		s.fillMu.Lock()
		if s.filling[flight] == o {
			delete(s.filling, flight)
		}
		s.fillMu.Unlock()
	}
	if err == nil || o.weight == 0 {
		return
	}
	s.cache.ComputeIfPresent(cacheKey, func(cur *Object) (*Object, otter.ComputeOp) {
		if cur == o {
			return nil, otter.InvalidateOp
		}
		return cur, otter.CancelOp
	})
}

// forget drops a cached object whose version turned out stale, with the
// outputs derived from it.
func (s *Shield) forget(cacheKey Key, stale *Object) {
	if s.cache != nil {
		s.cache.Invalidate(cacheKey)
		s.dropOutputs(stale)
	}
}

// Size is the weight (bytes) of the cached objects, once the cache's
// pending maintenance has run (otter applies a write's weight there).
func (s *Shield) Size() uint64 {
	if s.cache == nil {
		return 0
	}
	s.cache.CleanUp()
	return s.cache.WeightedSize()
}

// storable reports whether a complete answer may be cached: a 200 the
// origin did not mark no-store/private, with a validator to revalidate it.
func storable(o *Object) bool {
	if o.Status != http.StatusOK {
		return false
	}
	cc := strings.ToLower(o.Header.Get("Cache-Control"))
	if strings.Contains(cc, "no-store") || strings.Contains(cc, "private") {
		return false
	}
	return o.Header.Get("ETag") != "" || o.Header.Get("Last-Modified") != ""
}

// conditional returns the validators of a stale object for its conditional GET.
func conditional(o *Object) http.Header {
	if o == nil {
		return nil
	}
	h := http.Header{}
	if et := o.Header.Get("ETag"); et != "" {
		h.Set("If-None-Match", et)
	} else if lm := o.Header.Get("Last-Modified"); lm != "" {
		h.Set("If-Modified-Since", lm)
	}
	return h
}

func headerWeight(h http.Header) uint32 {
	n := 64
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 16
		}
	}
	return uint32(n)
}
