package llhold

import (
	"context"
	"errors"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/delivery"
)

// Observer is told what the hub holds, for metrics: how many requests wait
// now and how many pollers run (deltas), and how each Wait ended. Its
// methods are called without the hub's lock, from request and poller
// goroutines at once: they must be cheap and safe for concurrent use. The
// hub hands it no key, so an Observer cannot label by path or asset.
type Observer interface {
	// Waiting is +1 when a request starts waiting on a poller, -1 when it stops.
	Waiting(delta int)
	// Polling is +1 when a poller starts (polling or lingering), -1 when it ends.
	Polling(delta int)
	// Outcome is how a Wait ended (every Wait, held or answered at once).
	Outcome(o Outcome)
}

// Outcome is how a blocking reload ended; String is a metric label value.
type Outcome uint8

// The outcomes of Wait, in the order the caller tests its error.
const (
	Answered   Outcome = iota // a read held what it asked for
	TimedOut                  // the hold ran out (ErrHoldExpired; the caller's 504)
	Refused                   // too far ahead of the playlist (the caller's 400)
	ClientGone                // the request's context ended first
	Closed                    // the hub closed (a config reload)
	Failed                    // a final origin error answered it
)

var outcomeNames = [...]string{"answered", "timed_out", "refused", "client_gone", "closed", "failed"}

func (o Outcome) String() string { return outcomeNames[o] }

// Outcomes lists every Outcome: a metric can export each at zero.
func Outcomes() []Outcome { return []Outcome{Answered, TimedOut, Refused, ClientGone, Closed, Failed} }

// outcomeOf classifies a Wait's answer the way serveHeld answers it.
func outcomeOf(ctx context.Context, err error) Outcome {
	switch {
	case err == nil:
		return Answered
	case errors.Is(err, ErrHoldExpired):
		return TimedOut
	case errors.Is(err, delivery.ErrTooFarAhead), errors.Is(err, ErrPartTooFarAhead):
		return Refused
	case ctx.Err() != nil:
		return ClientGone
	case errors.Is(err, ErrClosed):
		return Closed
	}
	return Failed
}

// Wait holds until the playlist key holds what w waits for and returns the
// read that does, at most hold (ErrHoldExpired), and no longer than ctx
// (its error: a client that goes away frees its wait at once). A read that
// Check refuses answers with that error. The request's own goroutine waits:
// the hub adds none per request. The Observer learns how it ended.
func (h *Hub) Wait(ctx context.Context, key string, w Want, hold time.Duration) (*Snapshot, error) {
	snap, err := h.wait(ctx, key, w, hold)
	h.o.Observer.Outcome(outcomeOf(ctx, err))
	return snap, err
}

// nopObserver is the Observer of a hub given none.
type nopObserver struct{}

func (nopObserver) Waiting(int)     {}
func (nopObserver) Polling(int)     {}
func (nopObserver) Outcome(Outcome) {}

var _ Observer = nopObserver{}
