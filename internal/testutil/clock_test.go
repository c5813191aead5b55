package testutil

import (
	"testing"
	"time"
)

func TestFakeClockReadsItsTimeUntilAdvanced(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	c := NewFakeClock(start)
	first, second := c.Now(), c.Now()
	if !first.Equal(start) || !second.Equal(start) {
		t.Fatalf("Now = %v then %v, want %v both times", first, second, start)
	}
	c.Advance(90 * time.Second)
	if got := c.Now().Sub(start); got != 90*time.Second {
		t.Fatalf("after Advance(90s): %v later", got)
	}
}
