package damrule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Defaults of Options.
const (
	DefaultTTL        = 5 * time.Minute
	DefaultTimeout    = 2 * time.Second
	DefaultFailureTTL = 5 * time.Second
	DefaultSize       = 10000
)

// How a decision was reached (the metric's result label).
const (
	SourceCache     = "cache_hit" // a cached answer (or cached failure)
	SourceDAM       = "fetched"   // this lookup called the endpoint
	SourceCoalesced = "coalesced" // waited for a call another lookup made
)

// Options configure a Checker.
type Options struct {
	Template Template
	// Client sends the requests; default a client of its own. Its Timeout
	// is left alone: Timeout below bounds each call. Its CheckRedirect is
	// replaced: a redirect is never followed (a 3xx is protected).
	Client *http.Client
	// Timeout of one call, headers and body. Default 2s.
	Timeout time.Duration
	// TTL of an answer. Default 5m.
	TTL time.Duration
	// FailureTTL is how long a failure (protected) is reused; default the
	// smaller of 5s and TTL.
	FailureTTL time.Duration
	// Size bounds the number of cached assets. Default 10000.
	Size int
	// Now is the clock; default time.Now.
	Now func() time.Time
	// OnLookup, if set, is told the outcome of each lookup (for metrics
	// and logs). It runs on the caller's goroutine.
	OnLookup func(Lookup)
}

// Lookup is the outcome of one Protected call.
type Lookup struct {
	Asset     string
	Protected bool
	Source    string   // SourceCache, SourceDAM or SourceCoalesced
	Failure   *Failure // set when the decision is a fail-closed one
}

type entry struct {
	protected bool
	failure   *Failure
	expires   time.Time
}

// call is one request to the endpoint that several lookups may wait for.
type call struct {
	done chan struct{}
	e    entry
}

// Checker answers, per asset, whether it is protected.
type Checker struct {
	opts  Options
	cache *lru.Cache[string, entry]

	mu       sync.Mutex
	inflight map[string]*call
}

// New returns a Checker; Options.Template must come from ParseTemplate.
func New(opts Options) *Checker {
	// Redirects are never followed, whatever client is given: a 3xx is a
	// non-2xx answer, so protected (the contract).
	cl := http.Client{}
	if opts.Client != nil {
		cl = *opts.Client
	}
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	opts.Client = &cl
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.FailureTTL <= 0 {
		opts.FailureTTL = min(DefaultFailureTTL, opts.TTL)
	}
	if opts.Size <= 0 {
		opts.Size = DefaultSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c, _ := lru.New[string, entry](opts.Size) // Size > 0
	return &Checker{opts: opts, cache: c, inflight: map[string]*call{}}
}

// Protected reports whether asset must be requested with a token. It never
// fails: no answer means protected. A cancelled ctx stops this caller's
// wait (protected), not a call other lookups share.
func (c *Checker) Protected(ctx context.Context, asset string) bool {
	l := c.lookup(ctx, asset)
	if c.opts.OnLookup != nil {
		c.opts.OnLookup(l)
	}
	return l.Protected
}

func (c *Checker) lookup(ctx context.Context, asset string) Lookup {
	now := c.opts.Now()
	c.mu.Lock()
	if e, ok := c.cache.Get(asset); ok && now.Before(e.expires) {
		c.mu.Unlock()
		return Lookup{Asset: asset, Protected: e.protected, Source: SourceCache, Failure: e.failure}
	}
	cl, waiting := c.inflight[asset]
	if !waiting {
		cl = &call{done: make(chan struct{})}
		c.inflight[asset] = cl
	}
	c.mu.Unlock()

	if waiting {
		select {
		case <-cl.done:
			return Lookup{Asset: asset, Protected: cl.e.protected, Source: SourceCoalesced, Failure: cl.e.failure}
		case <-ctx.Done():
			f := &Failure{Reason: ReasonTimeout, Err: fmt.Errorf("request ended while waiting: %w", ctx.Err())}
			return Lookup{Asset: asset, Protected: true, Source: SourceCoalesced, Failure: f}
		}
	}
	// The call outlives a cancelled first caller: others may wait for it.
	cl.e = c.fetch(context.WithoutCancel(ctx), asset)
	c.mu.Lock()
	c.cache.Add(asset, cl.e)
	delete(c.inflight, asset)
	c.mu.Unlock()
	close(cl.done)
	return Lookup{Asset: asset, Protected: cl.e.protected, Source: SourceDAM, Failure: cl.e.failure}
}

// fetch asks the endpoint once.
func (c *Checker) fetch(ctx context.Context, asset string) entry {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	tokenize, f := c.ask(ctx, asset)
	now := c.opts.Now()
	if f != nil {
		return entry{protected: true, failure: f, expires: now.Add(c.opts.FailureTTL)}
	}
	return entry{protected: tokenize, expires: now.Add(c.opts.TTL)}
}

func (c *Checker) ask(ctx context.Context, asset string) (bool, *Failure) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.opts.Template.URL(asset), nil)
	if err != nil {
		return true, &Failure{Reason: ReasonUnreachable, Err: err}
	}
	req.Header.Set("Accept", "application/json, text/plain")
	resp, err := c.opts.Client.Do(req)
	if err != nil {
		return true, transportFailure(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerBytes+1))
	if err != nil {
		return true, transportFailure(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := fmt.Sprintf("answered %d", resp.StatusCode)
		if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
			msg += " (a redirect is not followed)"
		}
		return true, &Failure{Reason: ReasonStatus, Err: errors.New(msg)}
	}
	if len(body) > MaxAnswerBytes {
		return true, &Failure{Reason: ReasonMalformed, Err: fmt.Errorf("answer larger than %d bytes", MaxAnswerBytes)}
	}
	tokenize, err := ParseAnswer(body)
	if err != nil {
		return true, &Failure{Reason: ReasonMalformed, Err: err}
	}
	return tokenize, nil
}
