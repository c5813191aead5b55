package llhold

import (
	"time"
)

// run is a poller's loop: it reads the playlist while requests wait, at
// the playlist's pace, backing off on origin errors, and lingers idle
// (no reads) for Options.Linger once nobody waits, then ends.
func (h *Hub) run(p *poller) {
	h.o.Observer.Polling(1)
	defer h.o.Observer.Polling(-1)
	var next time.Time // the earliest the next read may start
	var backoff time.Duration
	for {
		h.mu.Lock()
		idle := len(p.waiters) == 0
		h.mu.Unlock()
		if idle {
			if !h.linger(p) {
				return
			}
			continue
		}
		if d := time.Until(next); d > 0 && !h.sleep(d) {
			h.closeAll(p)
			return
		}
		snap, err := h.read(p)
		if h.o.OnPoll != nil {
			h.o.OnPoll(err)
		}
		if h.ctx.Err() != nil {
			h.closeAll(p)
			return
		}
		now := time.Now()
		if err != nil {
			if h.o.Final(err) {
				h.settle(p, nil, err)
				next = now.Add(h.o.MinInterval)
				continue
			}
			backoff = min(max(2*backoff, h.o.MinInterval), h.o.MaxBackoff)
			next = now.Add(backoff)
			continue
		}
		backoff = 0
		h.settle(p, snap, nil)
		next = now.Add(h.interval(snap))
	}
}

// read reads the playlist, conditionally when the last read had an ETag;
// not modified is the last read, fetched now.
func (h *Hub) read(p *poller) (*Snapshot, error) {
	h.mu.Lock()
	last := p.last
	h.mu.Unlock()
	etag := ""
	if last != nil {
		etag = last.ETag
	}
	snap, err := h.o.Fetch(h.ctx, p.key, etag)
	if err != nil {
		return nil, err
	}
	if snap == nil {
		if last == nil {
			return nil, errNotModifiedWithoutRead
		}
		again := *last
		again.Fetched = time.Now()
		snap = &again
	}
	return snap, nil
}

// settle records a read (or a final error) and answers the waiters it
// decides; the others keep waiting.
func (h *Hub) settle(p *poller, snap *Snapshot, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if snap != nil {
		snap.History = p.memory.note(snap.DateRanges, snap.Fetched, gapReads*h.interval(snap))
	}
	p.last = snap
	for wt := range p.waiters {
		r, done := result{err: err}, err != nil
		if snap != nil {
			r, done = answer(snap, wt)
		}
		if done {
			wt.ch <- r // buffered, sent once: the waiter is removed now
			delete(p.waiters, wt)
		}
	}
}

// linger waits idle for a waiter; false when the poller ended.
func (h *Hub) linger(p *poller) bool {
	t := time.NewTimer(h.o.Linger)
	defer t.Stop()
	select {
	case <-p.wake:
		return true
	case <-h.ctx.Done():
		h.closeAll(p)
		return false
	case <-t.C:
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(p.waiters) > 0 {
		return true
	}
	if h.polls[p.key] == p {
		delete(h.polls, p.key)
	}
	return false
}

// sleep waits d; false when the hub closed.
func (h *Hub) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-h.ctx.Done():
		return false
	}
}

// closeAll answers every waiter with ErrClosed and forgets the poller.
func (h *Hub) closeAll(p *poller) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for wt := range p.waiters {
		wt.ch <- result{err: ErrClosed}
		delete(p.waiters, wt)
	}
	if h.polls[p.key] == p {
		delete(h.polls, p.key)
	}
}
