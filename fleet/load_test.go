package fleet

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// load is players starting short views over and over through one HAProxy
// frontend while a test reloads the fleet: each view takes a token from the
// issuer (signed with the issuer's current key), mints its cookie on the
// entry playlist, fetches a variant playlist, its key and its first segment,
// and checks the segment decrypts to the source. Nothing is retried by the
// player: every failed request counts.
type load struct {
	f      *fleet
	base   string
	stream string
	first  []byte // plaintext of the first segment of the first variant
	issuer atomic.Value

	stop     chan struct{}
	wg       sync.WaitGroup
	requests atomic.Int64
	views    atomic.Int64

	mu       sync.Mutex
	failures []string
	epoch    int
	inflight map[int]int // epoch -> views in flight that started in it
	drained  *sync.Cond
}

// startLoad runs workers views at a time on mode's frontend until stopLoad.
func startLoad(t *testing.T, f *fleet, mode, stream, issuerKey string, workers int) *load {
	l := &load{f: f, base: f.front[mode], stream: stream, first: sourcePlain(t, stream)[0],
		stop: make(chan struct{}), inflight: map[int]int{}}
	l.drained = sync.NewCond(&l.mu)
	l.issuer.Store(issuerKey)
	for range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				l.oneView(t)
			}
		}()
	}
	return l
}

// oneView plays the start of one view; it must not call t.Fatal (another goroutine).
func (l *load) oneView(t *testing.T) {
	l.mu.Lock()
	epoch := l.epoch
	l.inflight[epoch]++
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.inflight[epoch]--
		l.drained.Broadcast()
		l.mu.Unlock()
	}()
	p := newPlayer(t)
	defer p.client.CloseIdleConnections()
	base := l.base + "/hls/" + l.stream + "/"
	get := func(u string) []byte {
		l.requests.Add(1)
		status, body, inst, err := p.once(u)
		if err != nil || status != 200 {
			l.fail(fmt.Sprintf("GET %s from %q: status %d, %v: %.80s", redact(u), inst, status, err, body))
			return nil
		}
		return body
	}
	if get(base+"master.m3u8?__token__="+l.f.token(l.issuer.Load().(string), l.stream)) == nil {
		return
	}
	pl := get(base + "v0.m3u8")
	if pl == nil {
		return
	}
	segs, err := testutil.MediaSegments(pl)
	if err != nil || len(segs) == 0 {
		l.fail(fmt.Sprintf("v0.m3u8: %d segments: %v", len(segs), err))
		return
	}
	// of the playlist: resolved without t.Fatal
	of := func(ref string) []byte {
		u, err := testutil.ResolveURI(base+"v0.m3u8", ref)
		if err != nil {
			l.fail(fmt.Sprintf("v0.m3u8: URI %q: %v", ref, err))
			return nil
		}
		return get(u.String())
	}
	data := of(segs[0].URI)
	if data == nil || segs[0].Method != "AES-128" || segs[0].KeyURI == "" {
		return
	}
	key := of(segs[0].KeyURI)
	if key == nil {
		return
	}
	if got, err := testutil.DecryptAES128(key, segs[0].DecryptIV(), data); err != nil || !bytes.Equal(got, l.first) {
		l.fail(fmt.Sprintf("first segment does not decrypt to the source with the served key (%v)", err))
		return
	}
	l.views.Add(1)
}

func (l *load) fail(msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures = append(l.failures, msg)
}

// drain waits until every view that started before the call has ended:
// what an operator waits for (the longest view) before dropping a secret.
func (l *load) drain() {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.epoch
	l.epoch++
	for {
		busy := 0
		for e, n := range l.inflight {
			if e <= old {
				busy += n
			}
		}
		if busy == 0 {
			return
		}
		l.drained.Wait()
	}
}

// stopLoad ends the load and returns views, requests and failures.
func (l *load) stopLoad() (views, requests int64, failures []string) {
	close(l.stop)
	l.wg.Wait()
	return l.views.Load(), l.requests.Load(), l.failures
}
