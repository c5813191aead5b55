package testutil

import (
	"testing"
	"time"
)

func TestFakeClockReadsItsTimeUntilAdvanced(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	c := NewFakeClock(start)
	if !c.Now().Equal(start) || !c.Now().Equal(start) {
		t.Fatalf("Now = %v, want %v twice", c.Now(), start)
	}
	c.Advance(90 * time.Second)
	if got := c.Now().Sub(start); got != 90*time.Second {
		t.Fatalf("after Advance(90s): %v later", got)
	}
}
