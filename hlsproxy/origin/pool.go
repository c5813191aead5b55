package origin

import (
	"context"
	"errors"
	"io"
	"time"

	"go.uber.org/zap"
)

// PoolOptions tune a Pool.
type PoolOptions struct {
	// Backoff is how long an origin's open breaker skips it before a half-open trial
	// (default 30s).
	Backoff time.Duration
	// FailThreshold is the number of consecutive failures that open the breaker (default 1).
	FailThreshold int
	// Logger receives failover and breaker transitions (nil: no logging).
	Logger *zap.Logger
	// OnEvent, when set, is called synchronously for every Event (metrics). It must not block.
	OnEvent func(Event)
	// Now is the clock (default time.Now); tests inject one.
	Now func() time.Time
}

// EventType says what happened to an origin in a Pool.
type EventType int

const (
	EventFailure  EventType = iota + 1 // an origin fault (Unavailable/Timeout, see judge); the pool moves on
	EventSkip                          // the breaker is open; the origin was skipped
	EventOpen                          // the breaker opened (or reopened after a failed trial)
	EventHalfOpen                      // a half-open trial request is sent
	EventClose                         // the breaker closed after a successful trial
)

func (t EventType) String() string {
	switch t {
	case EventFailure:
		return "failure"
	case EventSkip:
		return "skip"
	case EventOpen:
		return "breaker_open"
	case EventHalfOpen:
		return "breaker_half_open"
	case EventClose:
		return "breaker_close"
	}
	return "unknown"
}

// Event reports a pool occurrence for one origin.
type Event struct {
	Type   EventType
	Index  int    // position of the origin in the pool (0 = primary)
	Origin string // display name
	Err    *Error // for EventFailure and EventOpen
}

// Pool fails over across origins in order, with a circuit breaker per origin.
// It is safe for concurrent use.
type Pool struct {
	origins  []Origin
	breakers []*breaker
	opts     PoolOptions
	log      *zap.Logger
}

// NewPool creates a pool; origins[0] is the primary.
func NewPool(origins []Origin, o PoolOptions) *Pool {
	if o.Backoff <= 0 {
		o.Backoff = 30 * time.Second
	}
	if o.FailThreshold <= 0 {
		o.FailThreshold = 1
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	p := &Pool{origins: append([]Origin(nil), origins...), opts: o, log: o.Logger}
	if p.log == nil {
		p.log = zap.NewNop()
	}
	for range p.origins {
		p.breakers = append(p.breakers, &breaker{threshold: o.FailThreshold, backoff: o.Backoff})
	}
	return p
}

// Origins returns the pool's origins in order.
func (p *Pool) Origins() []Origin { return append([]Origin(nil), p.origins...) }

// Close closes every origin.
func (p *Pool) Close() error {
	var errs []error
	for _, o := range p.origins {
		errs = append(errs, o.Close())
	}
	return errors.Join(errs...)
}

// Fetch tries the origins in order, skipping those whose breaker is open. Answers
// (Response, NotFound, Denied, Invalid) end the search; Unavailable and Timeout move on,
// except where they say nothing about the origin (judge): the caller's cancellation or
// deadline, a blocking reload's hold (HoldExpired) or the origin's answer to one.
// When every origin is skipped the primary is tried anyway. When all tried origins
// fail, the last error is returned (Kind Unavailable or Timeout). Errors are *Error.
func (p *Pool) Fetch(ctx context.Context, req *Request) (*Response, error) {
	if len(p.origins) == 0 {
		return nil, &Error{Kind: Unavailable, Origin: "pool", Err: errors.New("no origins configured")}
	}
	var last *Error
	tried := false
	for i := range p.origins {
		ok, trial := p.breakers[i].allow(p.opts.Now())
		if !ok {
			p.emit(Event{Type: EventSkip, Index: i, Origin: p.origins[i].Name()})
			continue
		}
		tried = true
		resp, next, oe := p.try(ctx, i, trial, req)
		if !next {
			return answer(resp, oe)
		}
		last = oe
	}
	if !tried {
		trial := p.breakers[0].force()
		resp, next, oe := p.try(ctx, 0, trial, req)
		if !next {
			return answer(resp, oe)
		}
		last = oe
	}
	return nil, last
}

// answer is the result of Fetch: the response, or the error (never a
// non-nil error interface holding a nil *Error).
func answer(resp *Response, oe *Error) (*Response, error) {
	if oe != nil {
		return nil, oe
	}
	return resp, nil
}

// try fetches from origin i and records the outcome; next reports whether to
// move on, and oe is the origin's failure (nil with a response).
func (p *Pool) try(ctx context.Context, i int, trial bool, req *Request) (resp *Response, next bool, oe *Error) {
	o, b := p.origins[i], p.breakers[i]
	if trial {
		p.emit(Event{Type: EventHalfOpen, Index: i, Origin: o.Name()})
		p.log.Info("origin half-open trial", zap.String("origin", o.Name()))
	}
	resp, err := o.Fetch(ctx, req)
	if err != nil && !errors.As(err, &oe) {
		oe = &Error{Kind: Unavailable, Origin: o.Name(), Err: err}
	}
	switch judge(ctx, req, oe) {
	case healthy:
		if from, to := b.done(p.opts.Now(), trial, true, false); from != closed && to == closed {
			p.emit(Event{Type: EventClose, Index: i, Origin: o.Name()})
			p.log.Info("origin recovered", zap.String("origin", o.Name()))
		}
		if oe != nil {
			return nil, false, oe
		}
		if resp.Body != nil {
			resp.Body = &watchedBody{ReadCloser: resp.Body, ctx: ctx, fail: func(e *Error) { p.bodyFailed(i, e) }}
		}
		return resp, false, nil
	case neutral:
		b.done(p.opts.Now(), trial, false, true)
		return nil, false, oe
	}
	p.emit(Event{Type: EventFailure, Index: i, Origin: o.Name(), Err: oe})
	p.log.Warn("origin failed",
		zap.String("origin", o.Name()), zap.Stringer("kind", oe.Kind),
		zap.Int("status", oe.Status), zap.String("code", oe.Code), zap.Int("index", i), zap.Error(oe))
	if from, to := b.done(p.opts.Now(), trial, false, false); from != open && to == open {
		p.emit(Event{Type: EventOpen, Index: i, Origin: o.Name(), Err: oe})
		p.log.Warn("origin breaker open", zap.String("origin", o.Name()), zap.Duration("backoff", p.opts.Backoff))
	}
	return nil, true, oe
}

// verdict is what one attempt says about its origin.
type verdict int

const (
	healthy verdict = iota // an answer (a response, NotFound, Denied, Invalid): the origin works
	neutral                // says nothing about the origin: the pool stops, no breaker counts it
	faulty                 // the origin's own failure: the breaker counts it, the pool moves on
)

// judge classifies an attempt's outcome (oe nil: a response). Only the
// origin's own failures are faulty: not reaching it, a 5xx or a timeout of
// an ordinary request. The caller going away (its cancellation or
// deadline) is neutral, and so is everything a blocking reload (req.Hold)
// ends with once the origin has it: its hold running out, and any status
// the origin answers the client's directives with. A client decides what
// a blocking reload asks for, so no client can open a breaker that way.
func judge(ctx context.Context, req *Request, oe *Error) verdict {
	switch {
	case oe == nil:
		return healthy
	case oe.Kind == Canceled || oe.Kind == HoldExpired || ctx.Err() != nil:
		return neutral
	case req.Hold > 0 && oe.Status != 0:
		return neutral
	case oe.Kind.failover():
		return faulty
	}
	return healthy
}

func (p *Pool) emit(e Event) {
	if p.opts.OnEvent != nil {
		p.opts.OnEvent(e)
	}
}

// bodyFailed counts a body that stalled or broke after the headers came as a
// failure of its origin, so a primary that answers and then hangs opens its
// breaker and the next requests go to a replica (the broken response itself
// can only be aborted: its headers are gone).
func (p *Pool) bodyFailed(i int, oe *Error) {
	o, b := p.origins[i], p.breakers[i]
	p.emit(Event{Type: EventFailure, Index: i, Origin: o.Name(), Err: oe})
	p.log.Warn("origin failed mid-body",
		zap.String("origin", o.Name()), zap.Stringer("kind", oe.Kind), zap.Int("index", i), zap.Error(oe))
	if from, to := b.done(p.opts.Now(), false, false, false); from != open && to == open {
		p.emit(Event{Type: EventOpen, Index: i, Origin: o.Name(), Err: oe})
		p.log.Warn("origin breaker open", zap.String("origin", o.Name()), zap.Duration("backoff", p.opts.Backoff))
	}
}

// watchedBody reports the first Timeout or Unavailable read error of a body
// to the pool (not the caller's cancellation).
type watchedBody struct {
	io.ReadCloser
	ctx      context.Context
	fail     func(*Error)
	reported bool
}

func (w *watchedBody) Read(p []byte) (int, error) {
	n, err := w.ReadCloser.Read(p)
	if err != nil && err != io.EOF && !w.reported && w.ctx.Err() == nil {
		var oe *Error
		if errors.As(err, &oe) && oe.Kind.failover() {
			w.reported = true
			w.fail(oe)
		}
	}
	return n, err
}
