package llhold

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
)

func dr(id, attrs string) playlist.DateRange {
	return playlist.DateRange{ID: id, Attrs: `ID="` + id + `",` + attrs}
}

func TestDateRangeHistoryKeepsFirstSeenTimesAndListsRemovedIDs(t *testing.T) {
	var m dateRangeMemory
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, b := dr("a", `X=1`), dr("b", `X=1`)
	gap := time.Second
	h := m.note([]playlist.DateRange{a}, t0, gap)
	if !h.Since.Equal(t0) || !h.Added[a].Equal(t0) || len(h.Removed) != 0 {
		t.Fatalf("first read: %+v", h)
	}
	if again := m.note([]playlist.DateRange{a}, t0.Add(500*time.Millisecond), gap); again != h {
		t.Errorf("an unchanged read shares the published history")
	}
	b2 := dr("b", `X=2`) // the same ID, another tag (an update)
	if h = m.note([]playlist.DateRange{a, b}, t0.Add(time.Second), gap); !h.Added[b].Equal(t0.Add(time.Second)) {
		t.Errorf("b first seen at 1 s: %+v", h)
	}
	h = m.note([]playlist.DateRange{b, b2}, t0.Add(1500*time.Millisecond), gap)
	if !h.Added[b].Equal(t0.Add(time.Second)) || !h.Added[b2].Equal(t0.Add(1500*time.Millisecond)) || !h.Since.Equal(t0) {
		t.Errorf("first-seen times: %+v", h)
	}
	if len(h.Removed) != 1 || h.Removed[0].ID != "a" || !h.Removed[0].At.Equal(t0.Add(1500*time.Millisecond)) {
		t.Errorf("removed: %+v, want a at 1.5 s", h.Removed)
	}
	h = m.note([]playlist.DateRange{a, b}, t0.Add(2*time.Second), gap)
	if len(h.Removed) != 0 {
		t.Errorf("an ID that came back is not removed: %+v", h.Removed)
	}
	h = m.note([]playlist.DateRange{a}, t0.Add(10*time.Second), gap)
	if !h.Since.Equal(t0.Add(10*time.Second)) || len(h.Removed) != 0 || !h.Added[a].Equal(t0.Add(10*time.Second)) {
		t.Errorf("after a gap in the reads the history starts afresh: %+v", h)
	}
}

func TestDateRangeHistoryIsBoundedAndRestartsWhenItCannotList(t *testing.T) {
	var m dateRangeMemory
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := t0
	m.note(nil, at, time.Second)
	for i := range maxRemoved + 10 {
		at = at.Add(100 * time.Millisecond)
		m.note([]playlist.DateRange{dr(fmt.Sprint(i), "X=1")}, at, time.Second)
	}
	h := m.note(nil, at.Add(100*time.Millisecond), time.Second)
	if len(h.Removed) != maxRemoved {
		t.Fatalf("%d removed IDs kept, want at most %d", len(h.Removed), maxRemoved)
	}
	if !h.Since.After(t0) || !h.Since.Before(h.Removed[0].At) {
		t.Errorf("dropping removals moves Since to the last dropped one: since %v, oldest kept %v", h.Since, h.Removed[0].At)
	}
	at = at.Add(200 * time.Millisecond)
	m.note([]playlist.DateRange{dr("tab\tid", "X=1"), dr(strings.Repeat("x", maxIDBytes+1), "X=1")}, at, time.Second)
	h = m.note(nil, at.Add(100*time.Millisecond), time.Second)
	if !h.Since.Equal(at.Add(100 * time.Millisecond)) {
		t.Errorf("an ID that cannot be listed restarts the history: since %v", h.Since)
	}
	for _, r := range h.Removed {
		if strings.Contains(r.ID, "\t") || len(r.ID) > maxIDBytes {
			t.Errorf("listed %q", r.ID)
		}
	}
}

func TestHubPublishesTheHistoryWithEveryRead(t *testing.T) {
	var mu sync.Mutex
	ranges := []playlist.DateRange{dr("a", "X=1")}
	next := int64(1)
	fetch := func(context.Context, string, string) (*Snapshot, error) {
		mu.Lock()
		defer mu.Unlock()
		return &Snapshot{Fetched: time.Now(), DateRanges: ranges, State: State{Next: next, Target: 1, PartTarget: 0.2}}, nil
	}
	h := NewHub(Options{Fetch: fetch})
	t.Cleanup(h.Close)
	s, err := h.Wait(context.Background(), "k", Current, time.Second)
	if err != nil || s.History == nil || len(s.History.Added) != 1 {
		t.Fatalf("first read: %v %+v", err, s)
	}
	mu.Lock()
	ranges, next = nil, 2
	mu.Unlock()
	s, err = h.Wait(context.Background(), "k", Want{MSN: 1, Part: -1}, time.Second)
	if err != nil || len(s.History.Removed) != 1 || s.History.Removed[0].ID != "a" {
		t.Fatalf("a was removed: %v %+v", err, s.History)
	}
}
