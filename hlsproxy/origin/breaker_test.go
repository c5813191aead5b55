package origin

import (
	"testing"
	"time"
)

func TestBreakerHalfOpenAllowsOneTrial(t *testing.T) {
	t0 := time.Unix(0, 0)
	b := &breaker{threshold: 1, backoff: time.Minute}
	b.done(t0, false, false, false)
	steps := []struct {
		at         time.Duration
		ok, trial  bool
		finish     string // "", "ok", "fail", "neutral"
		afterState breakerState
	}{
		{30 * time.Second, false, false, "", open},
		{61 * time.Second, true, true, "", halfOpen},
		{62 * time.Second, false, false, "", halfOpen}, // a second caller during the trial is refused
		{63 * time.Second, false, false, "neutral", open},
		{64 * time.Second, true, true, "fail", open}, // reopened for a full back-off
		{100 * time.Second, false, false, "", open},
		{125 * time.Second, true, true, "ok", closed},
		{126 * time.Second, true, false, "", closed},
	}
	var trialPending bool
	for i, s := range steps {
		now := t0.Add(s.at)
		switch s.finish {
		case "neutral":
			b.done(now, trialPending, false, true)
		}
		if s.finish != "neutral" {
			ok, trial := b.allow(now)
			if ok != s.ok || trial != s.trial {
				t.Fatalf("step %d: allow = %v, %v; want %v, %v", i, ok, trial, s.ok, s.trial)
			}
			if trial {
				trialPending = true
			}
			switch s.finish {
			case "ok":
				b.done(now, trial, true, false)
			case "fail":
				b.done(now, trial, false, false)
			}
		}
		if got := b.current(); got != s.afterState {
			t.Fatalf("step %d: state %v, want %v", i, got, s.afterState)
		}
	}
}
