package origin

import (
	"sync"
	"time"
)

// breakerState is the state of one origin's circuit breaker.
type breakerState int

const (
	closed   breakerState = iota // requests flow
	open                         // skipped until the back-off has elapsed
	halfOpen                     // one trial request in flight
)

func (s breakerState) String() string {
	return [...]string{"closed", "open", "half-open"}[s]
}

// breaker counts consecutive failures of one origin; at threshold it opens for backoff,
// then lets exactly one trial through (half-open): success closes it, failure reopens it.
type breaker struct {
	mu        sync.Mutex
	state     breakerState
	failures  int
	openUntil time.Time
	threshold int
	backoff   time.Duration
}

// allow reports whether a request may go to the origin now; trial is true when the
// request is the half-open trial. A caller that got allow=true must call done.
func (b *breaker) allow(now time.Time) (ok, trial bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case closed:
		return true, false
	case open:
		if now.Before(b.openUntil) {
			return false, false
		}
		b.state = halfOpen
		return true, true
	}
	return false, false // half-open: a trial is already in flight
}

// force lets a request through whatever the state (last resort when all are open).
func (b *breaker) force() (trial bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == open {
		b.state = halfOpen
		return true
	}
	return false
}

// done records the outcome. ok=false is an origin failure; neutral outcomes (the caller
// gave up) release a trial without judging the origin. It returns the state transition.
func (b *breaker) done(now time.Time, trial, ok, neutral bool) (from, to breakerState) {
	b.mu.Lock()
	defer b.mu.Unlock()
	from = b.state
	switch {
	case neutral:
		if trial && b.state == halfOpen {
			b.state = open // back to waiting; the next caller after openUntil retries
		}
	case ok:
		b.failures = 0
		b.state = closed
	default:
		b.failures++
		if trial || b.failures >= b.threshold {
			b.state = open
			b.openUntil = now.Add(b.backoff)
		}
	}
	return from, b.state
}

func (b *breaker) current() breakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}
